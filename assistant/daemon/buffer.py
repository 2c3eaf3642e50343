"""Between the microphone and the slow stages: a bounded buffer that never blocks the capture.

When the stages fall behind by more than the buffer holds, the oldest audio is dropped (and
counted): a command is never acted on from audio that is many seconds stale.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator

from ..audio.frames import AudioFrame


class FrameBuffer:
    def __init__(self, max_frames: int) -> None:
        self._frames: deque[AudioFrame] = deque(maxlen=max_frames)
        self._ready = threading.Condition()
        self._closed = False
        self.dropped = 0

    def put(self, frame: AudioFrame) -> None:
        with self._ready:
            if len(self._frames) == self._frames.maxlen:
                self.dropped += 1
            self._frames.append(frame)
            self._ready.notify()

    def flush(self) -> int:
        """Forget what is buffered (the assistant's own voice, audio heard while muted)."""
        with self._ready:
            count = len(self._frames)
            self._frames.clear()
            return count

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    # An iterator object rather than a generator: stages that stop reading part-way (and whose
    # generators get closed) must not end the stream for the next stage that reads it.

    def __iter__(self) -> Iterator[AudioFrame]:
        return self

    def __next__(self) -> AudioFrame:
        """The next frame as it comes; StopIteration once the buffer is closed."""
        with self._ready:
            while not self._frames and not self._closed:
                self._ready.wait()
            if self._closed:
                raise StopIteration
            return self._frames.popleft()

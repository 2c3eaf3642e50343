"""``assistant run --input-wav A.wav B.wav``: files played in as if spoken into the microphone.

Frames come at the pace of real time (or ``speed`` times faster), with a gap of silence before
each file, and silence after the last one until the daemon is stopped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..audio.frames import FRAME_BYTES, FRAME_SECONDS, AudioFrame, split_frames
from ..audio.source import read_pcm


class WavInput:
    def __init__(self, paths: Sequence[Path], *, gap: float = 1.0, speed: float = 1.0) -> None:
        self.paths = [Path(p) for p in paths]
        # Each file read once, errors now rather than mid-run; a file named many times (a soak of
        # 1,000 utterances from 8 recordings) is held once, not 1,000 times.
        self.recordings = {path: read_pcm(path) for path in dict.fromkeys(self.paths)}
        self.gap = gap
        self.speed = speed
        self._closed = threading.Event()
        self.finished = threading.Event()
        """Set once every file has been played in."""

    @property
    def description(self) -> str:
        return f"{len(self.paths)} WAV file(s) played in at {self.speed:g}x"

    def _timeline(self) -> Iterator[bytes]:
        silence_frames = max(1, round(self.gap / FRAME_SECONDS))
        for path in self.paths:
            pcm = self.recordings[path]
            for _ in range(silence_frames):
                yield bytes(FRAME_BYTES)
            for frame in split_frames(pcm):
                yield frame.pcm
        for _ in range(silence_frames):
            yield bytes(FRAME_BYTES)
        self.finished.set()
        while True:
            yield bytes(FRAME_BYTES)

    def frames(self) -> Iterator[AudioFrame]:
        began = time.monotonic()
        for index, pcm in enumerate(self._timeline()):
            start = index * FRAME_SECONDS
            delay = began + start / self.speed - time.monotonic()
            if delay > 0 and self._closed.wait(delay):
                return
            if self._closed.is_set():
                return
            yield AudioFrame(pcm, start)

    def close(self) -> None:
        self._closed.set()

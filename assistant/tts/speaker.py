"""The speaker: says replies and plays earcons through the configured sink, and can be stopped.

    speaker = Speaker.from_settings(tts_settings)      # loads the voice once
    spoken = speaker.speak("The kitchen is at 21.5 degrees.", cancel_event)
    speaker.play_earcon("done")

Synthesis runs in a thread of its own a little ahead of playback, so a slow chunk never starves
the sound card; setting ``cancel`` (the user said "stop") ends both within one audio block.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ..audio.clip import AudioClip, read_wav
from ..audio.sink import AudioSink, SoundDeviceSink, WavFileSink
from ..earcons import EARCON_NAMES
from .settings import TtsSettings
from .voice import Voice

_LOGGER = logging.getLogger(__name__)

_POLL_SECONDS = 0.02
"""How often a waiting thread looks at the cancel event."""
_QUEUE_CLIPS = 64

_ClipQueue = queue.Queue[AudioClip | Exception | None]


@dataclass(frozen=True)
class SpokenReply:
    """What happened when a text was spoken."""

    text: str
    completed: bool
    """False when it was cancelled before the end."""
    audio_seconds: float
    """Seconds of audio that went to the sink."""
    first_audio_ms: float | None
    """From the call to the first audio leaving for the sink; None if nothing was played."""
    total_ms: float

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "completed": self.completed,
            "audio_seconds": round(self.audio_seconds, 3),
            "first_audio_ms": None if self.first_audio_ms is None else round(self.first_audio_ms, 1),
            "total_ms": round(self.total_ms, 1),
        }


class _Halt:
    """Tells the synthesis thread to give up: the user cancelled, or playback ended."""

    def __init__(self, cancel: threading.Event) -> None:
        self.cancel = cancel
        self.stopped = threading.Event()

    def __bool__(self) -> bool:
        return self.cancel.is_set() or self.stopped.is_set()


def open_sink(settings: TtsSettings) -> AudioSink:
    """The WAV file when ``tts.wav`` is set, else the configured (or default) sound device."""
    if settings.wav is not None:
        return WavFileSink(settings.wav)
    return SoundDeviceSink(settings.device)


class Speaker:
    """Speaks with one loaded voice into one sink; one utterance or earcon at a time."""

    def __init__(self, settings: TtsSettings, voice: Voice, sink: AudioSink) -> None:
        self.settings = settings
        self.voice = voice
        self.sink = sink
        self._earcons: dict[str, AudioClip] = {}
        for name in EARCON_NAMES:
            path = settings.earcons.path(name)
            if path is not None:
                self._earcons[name] = read_wav(path).scaled(settings.volume)
        self._lock = threading.Lock()
        # One synthesis thread for the Speaker's life, not one per reply: ONNX Runtime and malloc
        # keep per-thread working memory, and a new thread each time left ~35 MB behind for a while.
        self._synthesis = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tts-synthesis")

    @classmethod
    def from_settings(cls, settings: TtsSettings, sink: AudioSink | None = None) -> Speaker:
        """Open the sink first (a missing device fails fast), then load the voice."""
        sink = sink if sink is not None else open_sink(settings)
        return cls(settings, Voice.load(settings), sink)

    def speak(self, text: str, cancel: threading.Event | None = None) -> SpokenReply:
        """Say ``text``; returns when it has been played, or soon after ``cancel`` is set."""
        started = time.perf_counter()
        cancel = cancel if cancel is not None else threading.Event()
        halt = _Halt(cancel)
        clips: _ClipQueue = queue.Queue(maxsize=_QUEUE_CLIPS)
        with self._lock:
            producer = self._synthesis.submit(self._synthesize_into, text, clips, halt)
            try:
                playback = self.sink.play(_drain(clips, halt), cancel)
            finally:
                halt.stopped.set()  # nothing to stop when the producer has finished
                producer.result()
        first = playback.first_audio_at
        reply = SpokenReply(
            text=text,
            completed=playback.completed and not cancel.is_set(),
            audio_seconds=playback.seconds,
            first_audio_ms=None if first is None else (first - started) * 1000,
            total_ms=(time.perf_counter() - started) * 1000,
        )
        _LOGGER.debug("spoke %r: %s", text, reply.as_dict())
        return reply

    def play_earcon(self, name: str, cancel: threading.Event | None = None) -> bool:
        """Play earcon ``name`` (wake, done, error); False when it is switched off."""
        if name not in EARCON_NAMES:
            raise ValueError(f"unknown earcon {name!r} (expected one of: {', '.join(EARCON_NAMES)})")
        clip = self._earcons.get(name)
        if clip is None:
            return False
        with self._lock:
            self.sink.play([clip], cancel)
        return True

    def close(self) -> None:
        self._synthesis.shutdown(wait=True)
        self.sink.close()

    def _synthesize_into(self, text: str, clips: _ClipQueue, halt: _Halt) -> None:
        try:
            for clip in self.voice.synthesize_stream(text):
                if not _put(clips, clip, halt):
                    return
        except Exception as err:  # handed to the playing thread, which raises it
            _put(clips, err, halt)
            return
        _put(clips, None, halt)


def _put(clips: _ClipQueue, item: AudioClip | Exception | None, halt: _Halt) -> bool:
    while not halt:
        try:
            clips.put(item, timeout=_POLL_SECONDS)
            return True
        except queue.Full:
            continue
    return False


def _drain(clips: _ClipQueue, halt: _Halt) -> Iterator[AudioClip]:
    while not halt:
        try:
            item = clips.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            continue
        if item is None:
            return
        if isinstance(item, Exception):
            raise item
        yield item

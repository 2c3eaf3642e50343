"""From audio frames to one heard command: wake word -> end of speech -> recognition.

    frames --> WakeDetector --(WakeEvent)--> speech detector + Endpointer --(SpeechStarted)-->
               recognition session fed frame by frame --(SpeechEnded)--> Transcript

The listener keeps the last few seconds of audio, so a command spoken straight after the wake word
("hey computer turn on the light") is not cut: capture restarts where the wake phrase ended. It
also hands the recogniser the last ``pre_roll`` seconds before speech was detected, and further
back to the first bursts of the first word when they came just before the run of speech that
started the command (``EndpointerSettings.onset_gap``, ``SpeechStarted.lead``): in noise that run
can come a word later. When the
speaker goes quiet, it tells the recogniser (``pause``), which may start decoding while the
trailing silence that ends the command is still coming in; if speech comes back, ``resume``.

Every step is reported to ``on_event`` (wake, speech start, partial text, speech end, transcript),
the one stream logs, status topics, tests and benchmarks listen to.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from .audio.endpointer import Endpointer, EndReason, SpeechDiscarded, SpeechEnded, SpeechStarted
from .audio.frames import FRAME_SECONDS, AudioFrame
from .audio.settings import VadSettings
from .audio.vad import SpeechDetector
from .audio.wake import WakeDetector, WakeEvent
from .stt.transcript import RecognitionSession, Recognizer, Transcript

_LOGGER = logging.getLogger(__name__)

WAKE_HISTORY_SECONDS = 3.0
"""Audio kept while waiting for the wake word, to replay from the end of the wake phrase."""

EARLY_DECODE_AFTER = 0.2
"""Seconds of silence after speech before the recogniser may start on the command so far
(``RecognitionSession.pause``). Shorter gaps between words do not set it off; the rest of the
trailing silence (0.6 s by default) is time the decoding is hidden in."""


@dataclass(frozen=True)
class PartialText:
    text: str
    at: float


@dataclass(frozen=True)
class Heard:
    """One turn of listening: what was said, if anything, and how long each step took."""

    wake: WakeEvent | None
    end: SpeechEnded
    transcript: Transcript | None
    """None when no command was spoken (no speech before the timeout, or only noise)."""
    ended_at: float
    """``time.perf_counter()`` when the end of speech was decided (or the audio ran out)."""
    timings_ms: dict[str, float] = field(default_factory=dict)
    """Processor time per stage (wake, vad, stt) and stt_after_end: the wait after speech ended."""
    audio: bytes = b""
    """The audio handed to the recogniser (pre-roll, speech, trailing silence)."""


ListenEvent = WakeEvent | SpeechStarted | SpeechDiscarded | SpeechEnded | PartialText | Transcript


class Listener:
    """Listens for one command at a time on a stream of frames."""

    def __init__(
        self,
        detector: SpeechDetector,
        recognizer: Recognizer,
        settings: VadSettings | None = None,
        wake: WakeDetector | None = None,
        on_event: Callable[[ListenEvent], None] | None = None,
    ) -> None:
        self.detector = detector
        self.recognizer = recognizer
        self.settings = settings or VadSettings()
        self.wake = wake
        self.on_event = on_event

    def _emit(self, event: ListenEvent) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(event)
        except Exception:  # a listener of events must not stop the listening
            _LOGGER.exception("event listener failed on %s", type(event).__name__)

    def wait_for_wake(self, frames: Iterator[AudioFrame], timings: dict[str, float]) -> tuple[WakeEvent, list[AudioFrame]] | None:
        """Consume frames until the wake word (or push-to-talk); returns it and the frames after it."""
        if self.wake is None:
            raise RuntimeError("no wake detector configured")
        history: deque[AudioFrame] = deque(maxlen=max(1, round(WAKE_HISTORY_SECONDS / FRAME_SECONDS)))
        spent = 0.0
        try:
            for frame in frames:
                history.append(frame)
                started = time.perf_counter()
                event = self.wake.process(frame)
                spent += time.perf_counter() - started
                if event is not None:
                    self._emit(event)
                    replay = [f for f in history if f.end > event.command_start]
                    return event, replay
            return None
        finally:
            timings["wake"] = timings.get("wake", 0.0) + spent * 1000

    def listen(self, frames: Iterable[AudioFrame], *, require_wake: bool = True) -> Heard | None:
        """Wait for the wake word (unless ``require_wake`` is False), then capture one command.

        Returns None when the frames end before the wake word.
        """
        stream = iter(frames)
        timings: dict[str, float] = {}
        wake: WakeEvent | None = None
        replay: list[AudioFrame] = []
        if require_wake:
            found = self.wait_for_wake(stream, timings)
            if found is None:
                return None
            wake, replay = found
        return self.capture(_chain(replay, stream), wake, timings)

    def capture(
        self, frames: Iterable[AudioFrame], wake: WakeEvent | None = None, timings: dict[str, float] | None = None
    ) -> Heard:
        """Capture one command from ``frames``: endpointing and recognition."""
        timings = {} if timings is None else timings
        endpointer = Endpointer(self.settings.endpointer)
        self.detector.reset()
        pre_roll_frames = max(1, round(self.settings.pre_roll / FRAME_SECONDS) + 1)
        lookback_frames = round(self.settings.endpointer.onset_lookback / FRAME_SECONDS) + 1
        pre_roll: deque[AudioFrame] = deque(maxlen=pre_roll_frames + lookback_frames)
        session: RecognitionSession | None = None
        audio = bytearray()
        vad_seconds = 0.0
        feed_seconds = 0.0
        end: SpeechEnded | None = None
        paused = False
        origin: float | None = None
        """Stream time of the first frame: the endpointer counts from there."""
        for frame in frames:
            if origin is None:
                origin = frame.start
            started = time.perf_counter()
            is_speech = self.detector.is_speech(frame.pcm)
            event = endpointer.step(frame.seconds, is_speech)
            vad_seconds += time.perf_counter() - started
            started = time.perf_counter()
            if isinstance(event, SpeechStarted):
                self._emit(SpeechStarted(event.at + origin, event.lead))
                session = self.recognizer.session()
                audio = bytearray()
                lead_in = pre_roll_frames + round(event.lead / FRAME_SECONDS)
                for earlier in list(pre_roll)[-lead_in:]:
                    session.feed(earlier.pcm)
                    audio += earlier.pcm
                pre_roll.clear()
            if session is not None:
                partial = session.feed(frame.pcm)
                audio += frame.pcm
                if partial:
                    self._emit(PartialText(partial, endpointer.time))
                if endpointer.speaking:
                    quiet = endpointer.silence >= EARLY_DECODE_AFTER
                    if quiet and not paused:
                        session.pause()
                    elif paused and not quiet:
                        session.resume()
                    paused = quiet
            else:
                pre_roll.append(frame)
            feed_seconds += time.perf_counter() - started
            if isinstance(event, SpeechDiscarded):
                self._emit(event)
                if session is not None and paused:
                    session.resume()
                session = None
                paused = False
                audio = bytearray()
            elif isinstance(event, SpeechEnded):
                end = event
                break
        if end is None:
            end = endpointer.finish()
        end = _in_stream_time(end, origin or 0.0)
        ended_at = time.perf_counter()
        self._emit(end)
        timings["vad"] = vad_seconds * 1000
        transcript: Transcript | None = None
        if end.has_speech and session is not None:
            transcript = session.finish()
            self._emit(transcript)
            timings["stt"] = feed_seconds * 1000 + transcript.finish_seconds * 1000
            timings["stt_after_end"] = (time.perf_counter() - ended_at) * 1000
        elif end.reason is EndReason.NO_SPEECH:
            _LOGGER.info("no command was spoken")
        return Heard(wake, end, transcript, ended_at, timings, bytes(audio))


def _in_stream_time(end: SpeechEnded, origin: float) -> SpeechEnded:
    def shift(value: float | None) -> float | None:
        return None if value is None else value + origin

    return dataclasses.replace(end, at=end.at + origin, speech_start=shift(end.speech_start), speech_end=shift(end.speech_end))


def _chain(first: list[AudioFrame], rest: Iterator[AudioFrame]) -> Iterator[AudioFrame]:
    yield from first
    # Not ``yield from rest``: closing this generator (capture stops at the end of speech) would
    # close ``rest`` too, and the stream would end for the next command.
    for frame in rest:  # noqa: UP028 - see above
        yield frame

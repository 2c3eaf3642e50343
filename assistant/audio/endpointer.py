"""End of speech: a pure state machine over (seconds, is_speech) steps.

No audio and no model in here: the voice activity detector decides speech/non-speech per frame,
and this decides when a command has started and ended. Tested with made-up booleans.

    waiting --(speech for speech_start s)--> speaking --(silence for trailing_silence s)--> ended
       |                                        |--(command reaches max_command s)--------> ended
       |--(no speech for no_speech_timeout s)--> timed out

A burst of speech shorter than ``min_command`` followed by silence is dropped (a cough, a click):
``SpeechDiscarded``, and the endpointer goes back to waiting.

A command starts where its first sound was heard, not where the run of ``speech_start`` began: in
noise a detector hears only the loud parts of the first words ("make" of "make the bedroom light
darker" as two short blips), so short bursts of speech just before the run, each less than
``onset_gap`` from the next, belong to the command (``SpeechStarted.at``), up to ``onset_lookback``
before the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class EndpointerSettings:
    speech_start: float = 0.1
    """Seconds of continuous speech before a command counts as started."""
    trailing_silence: float = 0.6
    """Seconds of silence after speech that end the command."""
    min_command: float = 0.3
    """Speech shorter than this (from start to last speech) is ignored as noise."""
    max_command: float = 10.0
    """A command is cut off after this many seconds, silence or not."""
    no_speech_timeout: float = 8.0
    """Give up when no command starts within this many seconds (0: wait forever)."""
    onset_gap: float = 0.25
    """Speech heard less than this before the run that starts a command belongs to the command."""
    onset_lookback: float = 1.0
    """The furthest before that run a command's start is looked for."""

    def __post_init__(self) -> None:
        for name in ("speech_start", "trailing_silence", "min_command", "max_command", "no_speech_timeout", "onset_gap", "onset_lookback"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.max_command <= 0:
            raise ValueError("max_command must be positive")


class EndReason(str, Enum):
    SILENCE = "silence"
    """Trailing silence after the command."""
    MAX_LENGTH = "max_length"
    """The command reached max_command."""
    NO_SPEECH = "no_speech"
    """No command started before no_speech_timeout."""
    END_OF_AUDIO = "end_of_audio"
    """The audio ran out (a file) while the command was still going."""


@dataclass(frozen=True)
class SpeechStarted:
    at: float
    """Stream time (seconds) where the speech began: the start of the speech_start run, or of the
    bursts of speech just before it (see ``onset_gap``)."""
    lead: float = 0.0
    """Seconds from ``at`` to the start of the run that set the command off: how far before that
    run its bursts of speech began (0 when none came just before it)."""


@dataclass(frozen=True)
class SpeechDiscarded:
    """The speech since the last SpeechStarted was too short to be a command; waiting again."""

    at: float


@dataclass(frozen=True)
class SpeechEnded:
    at: float
    """Stream time at which the end was decided."""
    reason: EndReason
    speech_start: float | None
    """Where the command's speech began; None when there was none."""
    speech_end: float | None
    """Where the last speech of the command ended; None when there was none."""

    @property
    def has_speech(self) -> bool:
        return self.speech_start is not None


EndpointEvent = SpeechStarted | SpeechDiscarded | SpeechEnded


class _State(str, Enum):
    WAITING = "waiting"
    SPEAKING = "speaking"
    ENDED = "ended"


class Endpointer:
    """Feed ``step(seconds, is_speech)`` per frame; it answers with an event when one happens."""

    def __init__(self, settings: EndpointerSettings | None = None) -> None:
        self.settings = settings or EndpointerSettings()
        self.reset()

    def reset(self) -> None:
        self.state = _State.WAITING
        self.time = 0.0
        self._run_start: float | None = None
        """Start of the current run of speech while waiting."""
        self._onset: float | None = None
        """Start of the first burst of speech, while waiting, that no gap of onset_gap separates from now."""
        self._speech_start: float | None = None
        self._last_speech_end: float | None = None
        self._silence = 0.0

    @property
    def ended(self) -> bool:
        return self.state is _State.ENDED

    @property
    def speaking(self) -> bool:
        return self.state is _State.SPEAKING

    @property
    def silence(self) -> float:
        """Seconds of silence since the last speech of a command under way (0 while speech goes on)."""
        return self._silence if self.state is _State.SPEAKING else 0.0

    def step(self, seconds: float, is_speech: bool) -> EndpointEvent | None:
        if seconds < 0:
            raise ValueError("a step cannot be negative")
        if self.state is _State.ENDED:
            return None
        start, self.time = self.time, self.time + seconds
        if self.state is _State.WAITING:
            return self._waiting(start, is_speech)
        return self._speaking(seconds, is_speech)

    def _waiting(self, start: float, is_speech: bool) -> EndpointEvent | None:
        settings = self.settings
        if is_speech:
            if self._run_start is None:  # a burst begins: the command's start unless one came just before
                if self._onset is None or self._last_speech_end is None or start - self._last_speech_end >= settings.onset_gap:
                    self._onset = start
                self._run_start = start
            run_start = self._run_start
            onset = self._onset if self._onset is not None else run_start  # set when the run began
            self._last_speech_end = self.time
            if self.time - run_start >= settings.speech_start:
                self.state = _State.SPEAKING
                speech_start = max(onset, run_start - settings.onset_lookback)
                self._speech_start = speech_start
                self._silence = 0.0
                return SpeechStarted(speech_start, run_start - speech_start)
        else:
            self._run_start = None
        if settings.no_speech_timeout and self.time >= settings.no_speech_timeout and self.state is _State.WAITING:
            self.state = _State.ENDED
            return SpeechEnded(self.time, EndReason.NO_SPEECH, None, None)
        return None

    def _speaking(self, seconds: float, is_speech: bool) -> EndpointEvent | None:
        settings = self.settings
        assert self._speech_start is not None
        if is_speech:
            self._silence = 0.0
            self._last_speech_end = self.time
        else:
            self._silence += seconds
        length = self.time - self._speech_start
        if length >= settings.max_command:
            self.state = _State.ENDED
            return SpeechEnded(self.time, EndReason.MAX_LENGTH, self._speech_start, self._last_speech_end)
        if self._silence >= settings.trailing_silence:
            spoken = (self._last_speech_end or self._speech_start) - self._speech_start
            if spoken < settings.min_command:
                # Too short to be a command: forget it and keep waiting.
                self.state = _State.WAITING
                self._run_start = None
                self._onset = None
                self._speech_start = None
                return SpeechDiscarded(self.time)
            self.state = _State.ENDED
            return SpeechEnded(self.time, EndReason.SILENCE, self._speech_start, self._last_speech_end)
        return None

    def finish(self) -> SpeechEnded:
        """The audio ran out: end now (a file source ends without trailing silence)."""
        if self.state is _State.ENDED:
            raise RuntimeError("the endpointer has already ended")
        self.state = _State.ENDED
        if self._speech_start is None:
            return SpeechEnded(self.time, EndReason.NO_SPEECH, None, None)
        spoken = (self._last_speech_end or self._speech_start) - self._speech_start
        if spoken < self.settings.min_command:
            return SpeechEnded(self.time, EndReason.NO_SPEECH, None, None)
        return SpeechEnded(self.time, EndReason.END_OF_AUDIO, self._speech_start, self._last_speech_end)

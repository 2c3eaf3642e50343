"""The wake word, and push-to-talk: what tells the assistant that a command follows.

The keyword spotter is PocketSphinx's keyphrase search with the English model inside the
``pocketsphinx`` wheel, so nothing is downloaded. The search must run without a language model
(``lm=None``): with the default one active the keyphrase never fires, silently.

Push-to-talk is a thread-safe trigger (the daemon calls it when a message arrives on the MQTT
push-to-talk topic); either way the listener gets the same ``WakeEvent``.

Measured with Piper's voice at three speeds: "hey computer" is found at every threshold from
1e-8 to 1e5; "they computed the compound interest" fires at thresholds of 1 and below; "we bought a
new computer yesterday" never did. "The computer is very slow today" fired at 1e2 and at some
higher thresholds: a sentence with "the computer" in it can wake the assistant (a false wake only
starts listening; the command after it must still be understood). ``sensitivity`` maps 0..1
onto thresholds 1e17..1e-13; the default 0.5 is 1e2.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import ModelError
from ..stt.dictionary import dictionary_subset
from .frames import SAMPLE_RATE, AudioFrame

_LOGGER = logging.getLogger(__name__)

_FRAME_RATE = 100
"""PocketSphinx's feature frames per second."""


@dataclass(frozen=True)
class WakeEvent:
    """The assistant was addressed."""

    source: str
    """"keyword" (the wake word was heard) or "push_to_talk"."""
    at: float
    """Stream time (seconds) when it was detected."""
    command_start: float
    """Stream time where the command may begin (the end of the wake phrase; ``at`` for push-to-talk)."""
    phrase: str | None = None


def sensitivity_to_threshold(sensitivity: float) -> float:
    """0 (rarely fires) .. 1 (fires easily) -> PocketSphinx's kws_threshold."""
    if not 0.0 <= sensitivity <= 1.0:
        raise ValueError(f"sensitivity must be between 0 and 1, got {sensitivity}")
    return float(10.0 ** (17.0 - 30.0 * sensitivity))


def default_model_dir() -> Path:
    from pocketsphinx import get_model_path

    return Path(get_model_path()) / "en-us"


class KeywordSpotter:
    """Finds a wake phrase in a stream of frames (PocketSphinx keyphrase search)."""

    def __init__(self, phrase: str = "hey computer", sensitivity: float = 0.5, model_dir: Path | None = None) -> None:
        from pocketsphinx import Config, Decoder

        self.phrase = " ".join(phrase.lower().split())
        if not self.phrase:
            raise ValueError("the wake phrase is empty")
        self.threshold = sensitivity_to_threshold(sensitivity)
        model = Path(model_dir) if model_dir is not None else default_model_dir()
        try:
            # Only the phrase's words: the whole dictionary would cost ~23 MB (stt/dictionary.py).
            entries, missing = dictionary_subset(model / "cmudict-en-us.dict", self.phrase.split())
        except OSError as err:
            raise ModelError(f"cannot read the PocketSphinx dictionary in {model}: {err}") from err
        if missing:
            raise ValueError(
                f"the wake phrase {phrase!r} has words the model cannot pronounce: {', '.join(sorted(missing))}"
            )
        try:
            with tempfile.TemporaryDirectory(prefix="assistant-wake-") as folder:
                dictionary = Path(folder) / "phrase.dict"
                dictionary.write_text(entries, encoding="utf-8")
                config = Config(
                    hmm=str(model / "en-us"),
                    dict=str(dictionary),
                    lm=None,
                    keyphrase=self.phrase,
                    kws_threshold=self.threshold,
                    samprate=SAMPLE_RATE,
                    loglevel="FATAL",
                )
                self._decoder = Decoder(config)
        except (RuntimeError, ValueError, OSError) as err:
            raise ModelError(f"cannot load the PocketSphinx model in {model}: {err}") from err
        self._utterance_start = 0.0
        self._started = False

    def _start(self, at: float) -> None:
        self._decoder.start_utt()
        self._utterance_start = at
        self._started = True

    def process(self, frame: AudioFrame) -> WakeEvent | None:
        if not self._started:
            self._start(frame.start)
        self._decoder.process_raw(frame.pcm)
        if self._decoder.hyp() is None:
            return None
        segments = list(self._decoder.seg() or [])
        end = self._utterance_start + (segments[-1].end_frame + 1) / _FRAME_RATE if segments else frame.end
        self._decoder.end_utt()
        self._started = False
        _LOGGER.info("wake word %r heard at %.2f s", self.phrase, frame.end)
        return WakeEvent("keyword", frame.end, min(end, frame.end), self.phrase)

    def reset(self) -> None:
        if self._started:
            self._decoder.end_utt()
            self._started = False


class PushToTalk:
    """A wake trigger another thread pulls (an MQTT message, a button)."""

    def __init__(self) -> None:
        self._pressed = threading.Event()

    def trigger(self) -> None:
        self._pressed.set()

    def poll(self, at: float) -> WakeEvent | None:
        if not self._pressed.is_set():
            return None
        self._pressed.clear()
        return WakeEvent("push_to_talk", at, at)


class WakeDetector:
    """The keyword spotter (if any) and push-to-talk, as one thing the listener asks per frame."""

    def __init__(self, spotter: KeywordSpotter | None, push_to_talk: PushToTalk | None = None) -> None:
        self.spotter = spotter
        self.push_to_talk = push_to_talk or PushToTalk()

    def process(self, frame: AudioFrame) -> WakeEvent | None:
        pressed = self.push_to_talk.poll(frame.start)
        if pressed is not None:
            if self.spotter is not None:
                self.spotter.reset()
            return pressed
        if self.spotter is None:
            return None
        return self.spotter.process(frame)

    def reset(self) -> None:
        if self.spotter is not None:
            self.spotter.reset()

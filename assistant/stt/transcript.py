"""What a recogniser heard, and the interface every speech recogniser offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Transcript:
    """The words of one utterance, with how sure the recogniser is and how it got them."""

    text: str
    """Lower-case words, numbers spelled out as spoken ("set the light to fifty percent")."""
    confidence: float
    """0..1. For the grammar pass: how well the audio fits the words it was matched to."""
    engine: str
    """"pocketsphinx" or "vosk"; "whisper" when Whisper chose the command (sure of it before the
    grammar pass, or against the grammar pass's sentence) or heard free text."""
    constrained: bool
    """True when the words are a sentence of the command grammar (the grammar pass's or Whisper's
    choice); False from the open-vocabulary pass."""
    partials: tuple[str, ...] = ()
    """Partial results in the order they appeared while the audio streamed in."""
    rejected: bool = False
    """Nothing usable was heard (silence, noise, mumbling): answer "I didn't catch that"."""
    grammar_text: str | None = None
    """What the grammar pass heard, when Whisper or the open-vocabulary pass replaced it."""
    audio_seconds: float = 0.0
    decode_seconds: float = 0.0
    """Processor time spent on recognition (all passes, streaming included)."""
    finish_seconds: float = 0.0
    """Time from the end of the audio to this transcript (what the speaker waits for)."""

    @property
    def real_time_factor(self) -> float:
        return self.decode_seconds / self.audio_seconds if self.audio_seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        report: dict[str, Any] = {
            "engine": self.engine,
            "confidence": round(self.confidence, 3),
            "constrained": self.constrained,
            "rejected": self.rejected,
        }
        if self.grammar_text is not None:
            report["grammar_text"] = self.grammar_text
        if self.partials:
            report["partials"] = list(self.partials)
        report["audio_seconds"] = round(self.audio_seconds, 3)
        report["real_time_factor"] = round(self.real_time_factor, 3)
        return report


class RecognitionSession(Protocol):
    """One utterance, streamed: feed PCM as it arrives, then finish."""

    def feed(self, pcm: bytes) -> str | None:
        """Process 16 kHz mono 16-bit PCM; returns the partial text when it changed."""
        ...

    def finish(self) -> Transcript: ...

    def pause(self) -> None:
        """The speaker has gone quiet: the command may be complete. A recogniser that decodes whole
        utterances starts on the audio so far, so that its answer is ready when the trailing silence
        ends the command; a streaming one has nothing to do."""
        ...

    def resume(self) -> None:
        """Speech came back after ``pause``: an answer for the audio before it no longer counts."""
        ...


class Recognizer(Protocol):
    engine: str

    def session(self) -> RecognitionSession: ...

    def transcribe(self, pcm: bytes) -> Transcript:
        """A whole recording at once (feed and finish)."""
        ...


def transcribe_stream(recognizer: Recognizer, pcm: bytes, chunk_bytes: int = 1024) -> Transcript:
    """Feed ``pcm`` in chunks as a live stream would, then finish."""
    session = recognizer.session()
    for offset in range(0, len(pcm), chunk_bytes):
        session.feed(pcm[offset : offset + chunk_bytes])
    return session.finish()

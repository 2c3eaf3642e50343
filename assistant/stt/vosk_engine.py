"""Vosk (Kaldi) with a model folder a user downloads, for example vosk-model-small-en-us-0.15.

Recognition streams: audio is decoded as it arrives and partial results come out on the way. The
runtime grammar is the command grammar's covering sentences (Vosk builds a small bigram model from
them) plus ``[unk]`` when the model has it, so speech outside the commands comes out as ``[unk]``
instead of the nearest command. Only models with a dynamic graph (``graph/HCLr.fst`` and
``graph/Gr.fst``, the "small" models) accept a runtime grammar; with others every result is
open-vocabulary and only the confidence guards it.

As with PocketSphinx, when Whisper is given it chooses the command among its own sentences and
this pass's (``whisper_commands.py``; this pass has streamed by then, so Whisper always weighs its
sentence, and is never asked first); a result that is not a complete command, contains ``[unk]``
or is below ``min_confidence`` (and that Whisper did not replace) goes to a second,
open-vocabulary pass over the same audio: Whisper's free text when it is given
(``whisper_pass.py``), else the same model without the grammar.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import Any

from ..audio.frames import level_dbfs
from ..errors import ModelError
from .grammar import CommandGrammar
from .transcript import Transcript
from .whisper_commands import WhisperCommands, WhisperJudge
from .whisper_pass import WhisperPass

_LOGGER = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
UNKNOWN = "[unk]"
SILENCE_DBFS = -70.0
"""Audio quieter than this over the whole utterance is silence, whatever a model makes of it."""


def supports_grammar(model_dir: Path) -> bool:
    graph = Path(model_dir) / "graph"
    return (graph / "HCLr.fst").exists() and (graph / "Gr.fst").exists()


def looks_like_vosk_model(folder: Path) -> bool:
    return (folder / "am" / "final.mdl").exists() or (folder / "final.mdl").exists()


def load_model(model_dir: Path) -> Any:
    try:
        import vosk
    except ImportError as err:
        raise ModelError(f"Vosk is not installed ({err}); pip install vosk") from err
    model_dir = Path(model_dir)
    if not model_dir.is_dir() or not looks_like_vosk_model(model_dir):
        raise ModelError(f"no Vosk model in {model_dir} (expected am/final.mdl inside)")
    vosk.SetLogLevel(-1)
    try:
        return vosk.Model(str(model_dir))
    except Exception as err:  # noqa: BLE001 - vosk raises a bare Exception on a bad model
        raise ModelError(f"cannot load the Vosk model in {model_dir}: {err}") from err


def _words_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    words = result.get("result")
    return list(words) if isinstance(words, list) else []


class VoskRecognizer:
    """Streaming, grammar-constrained Vosk with an open-vocabulary second pass."""

    engine = "vosk"

    def __init__(
        self,
        model_dir: Path,
        grammar: CommandGrammar | None,
        *,
        min_confidence: float = 0.5,
        open_vocabulary: bool = True,
        open_min_confidence: float = 0.3,
        model: Any = None,
        whisper: WhisperPass | None = None,
        whisper_commands: WhisperCommands | None = None,
    ) -> None:
        import vosk

        started = time.perf_counter()
        self.model_dir = Path(model_dir)
        self.model = model if model is not None else load_model(self.model_dir)
        self.grammar = grammar
        self.min_confidence = min_confidence
        self.open_min_confidence = open_min_confidence
        self.open_vocabulary = open_vocabulary
        self._lock = threading.Lock()
        self._session: VoskSession | None = None
        self.missing_words: tuple[str, ...] = ()
        self.phrases: tuple[str, ...] = ()
        self.has_unknown = self.model.vosk_model_find_word(UNKNOWN) >= 0
        self.constrained = grammar is not None and supports_grammar(self.model_dir)
        self.whisper = whisper if open_vocabulary and self.constrained else None
        self.whisper_commands = whisper_commands if self.whisper is not None else None
        if grammar is not None and not self.constrained:
            _LOGGER.warning(
                "the Vosk model in %s has no dynamic graph: the command grammar cannot be applied", self.model_dir
            )
        if self.constrained:
            assert grammar is not None
            self.phrases, self.missing_words = self._phrases(grammar)
            if not self.phrases:
                raise ModelError(
                    f"the Vosk model in {self.model_dir} knows none of the command words (is it an English model?)"
                )
            if self.missing_words:
                _LOGGER.warning(
                    "the Vosk model lacks %d command words; commands with them cannot be recognised: %s",
                    len(self.missing_words),
                    ", ".join(self.missing_words),
                )
            grammar_json = json.dumps([*self.phrases, *([UNKNOWN] if self.has_unknown else [])], ensure_ascii=False)
            self._grammar_recognizer = vosk.KaldiRecognizer(self.model, SAMPLE_RATE, grammar_json)
        else:
            self._grammar_recognizer = vosk.KaldiRecognizer(self.model, SAMPLE_RATE)
        self._grammar_recognizer.SetWords(True)
        self._open_recognizer: Any = None
        if open_vocabulary and self.constrained and self.whisper is None:
            self._open_recognizer = vosk.KaldiRecognizer(self.model, SAMPLE_RATE)
            self._open_recognizer.SetWords(True)
        self.load_seconds = time.perf_counter() - started

    def _phrases(self, grammar: CommandGrammar) -> tuple[tuple[str, ...], tuple[str, ...]]:
        known: dict[str, bool] = {}
        for word in grammar.words:
            known[word] = self.model.vosk_model_find_word(word) >= 0
        missing = tuple(sorted(word for word, ok in known.items() if not ok))
        phrases = tuple(
            phrase for phrase in grammar.phrases if all(known.get(word, False) for word in phrase.split())
        )
        return phrases, missing

    def session(self) -> VoskSession:
        return VoskSession(self)

    def transcribe(self, pcm: bytes) -> Transcript:
        session = self.session()
        session.feed(pcm)
        return session.finish()

    def _confidence(self, words: list[dict[str, Any]]) -> float:
        confidences = [float(word.get("conf", 0.0)) for word in words]
        return sum(confidences) / len(confidences) if confidences else 0.0

    def _open_pass(self, pcm: bytes) -> tuple[str, float]:
        with self._lock:
            self._open_recognizer.AcceptWaveform(pcm)
            result = json.loads(self._open_recognizer.FinalResult())
        words = [w for w in _words_of(result) if w.get("word") != UNKNOWN]
        text = " ".join(str(w["word"]) for w in words)
        return text, self._confidence(words)

    def conclude(
        self, words: list[dict[str, Any]], pcm: bytes, partials: tuple[str, ...], decode_seconds: float, finish_started: float
    ) -> Transcript:
        audio_seconds = len(pcm) / (2 * SAMPLE_RATE)
        if level_dbfs(pcm) < SILENCE_DBFS:
            elapsed = time.perf_counter() - finish_started
            return Transcript("", 0.0, self.engine, self.constrained, partials, True, None, audio_seconds, decode_seconds + elapsed, elapsed)
        tokens = [str(w["word"]) for w in words]
        text = " ".join(token for token in tokens if token != UNKNOWN)
        confidence = self._confidence(words)
        heard_unknown = UNKNOWN in tokens
        complete = bool(tokens) and not heard_unknown
        if self.constrained and self.grammar is not None:
            complete = complete and self.grammar.graph.accepts(tokens)
        accepted = complete and confidence >= self.min_confidence
        if self.whisper is not None:
            # The grammar pass ran while the audio streamed in: Whisper weighs its sentence at once.
            heard = tokens[: tokens.index(UNKNOWN)] if heard_unknown else tokens  # a command may end before [unk]
            verdict = WhisperJudge(self.whisper, self.whisper_commands, pcm).after_grammar(heard, accepted)
            if verdict is not None:
                elapsed = time.perf_counter() - finish_started
                return Transcript(
                    verdict.text, verdict.confidence, self.whisper.engine, verdict.constrained, partials, verdict.rejected,
                    " ".join(tokens), audio_seconds, decode_seconds + elapsed, elapsed,
                )
        if accepted or not (self._open_recognizer is not None):
            rejected = not accepted if self.constrained else (not text or confidence < self.open_min_confidence)
            elapsed = time.perf_counter() - finish_started
            return Transcript(
                text, confidence, self.engine, self.constrained, partials, rejected, None,
                audio_seconds, decode_seconds + elapsed, elapsed,
            )
        _LOGGER.debug("grammar pass rejected %r (confidence %.2f, unknown words: %s)", text, confidence, heard_unknown)
        open_text, open_confidence = self._open_pass(pcm)
        rejected = not open_text or open_confidence < self.open_min_confidence
        elapsed = time.perf_counter() - finish_started
        return Transcript(
            open_text, open_confidence, self.engine, False, partials, rejected, " ".join(tokens),
            audio_seconds, decode_seconds + elapsed, elapsed,
        )


class VoskSession:
    """Decodes while the audio arrives; partial results are available on the way.

    One session at a time per recogniser: starting a new one abandons the previous one.
    """

    def __init__(self, recognizer: VoskRecognizer) -> None:
        self.recognizer = recognizer
        self._pcm = bytearray()
        self._words: list[dict[str, Any]] = []
        self._partials: list[str] = []
        self._decode_seconds = 0.0
        self._finished = False
        self._kaldi = recognizer._grammar_recognizer
        with recognizer._lock:
            self._kaldi.Reset()
            recognizer._session = self

    def _check(self) -> None:
        if self._finished:
            raise RuntimeError("this recognition session has finished")
        if self.recognizer._session is not self:
            raise RuntimeError("a newer recognition session replaced this one")

    def feed(self, pcm: bytes) -> str | None:
        started = time.perf_counter()
        with self.recognizer._lock:
            self._check()
            self._pcm += pcm
            if self._kaldi.AcceptWaveform(pcm):
                self._words.extend(_words_of(json.loads(self._kaldi.Result())))
                partial = ""
            else:
                partial = str(json.loads(self._kaldi.PartialResult()).get("partial", ""))
        self._decode_seconds += time.perf_counter() - started
        done = " ".join(str(w["word"]) for w in self._words)
        text = " ".join(part for part in (done, partial) if part)
        if text and (not self._partials or self._partials[-1] != text):
            self._partials.append(text)
            return text
        return None

    def pause(self) -> None:
        """Nothing to start early: Kaldi has decoded every frame as it came."""

    def resume(self) -> None:
        pass

    def finish(self) -> Transcript:
        finish_started = time.perf_counter()
        with self.recognizer._lock:
            self._check()
            self._finished = True
            self._words.extend(_words_of(json.loads(self._kaldi.FinalResult())))
            self.recognizer._session = None
        return self.recognizer.conclude(
            self._words, bytes(self._pcm), tuple(self._partials), self._decode_seconds, finish_started
        )

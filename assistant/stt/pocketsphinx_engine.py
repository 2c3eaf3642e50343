"""PocketSphinx with the English model inside its wheel: the zero-download recogniser.

Two passes:

1. The command grammar, as a minimal deterministic word graph (see ``wordgraph``): real-time
   factor about 0.05 here. Every state of the graph may also absorb speech with a "garbage"
   model: each phone of the model as a filler word (context-independent, so cheap), at
   ``GARBAGE_PROBABILITY``. Words that are not a command fit those phones better than the
   command words the grammar would force on them. The result is accepted when it is a complete
   sentence of the grammar, at most ``MAX_GARBAGE`` of its speech went to garbage, and the audio
   fits its words well (``confidence`` >= ``min_confidence``).
   The words are the best path through the search's word lattice, PocketSphinx's usual answer.
   That path may stop short of the end of the grammar: a last word it lost made a refused half
   command ("turn on the desk" for "... desk plug", "is the front door lock" for "... locked").
   Two such stops the grammar finishes by itself (``half_commands``): a word heard without its
   ending ("lock" -> "locked") and a skip phrase begun on the noise after the command ("lock the
   front door for", the start of "for me", where "for" runs to the end of the audio). Otherwise,
   a second decoder with the same grammar gives the
   search's own backtrace, which ends only where a sentence of the grammar ends; it is taken when
   it completes the half command (the same words up to the last one). Where the two disagree
   earlier ("turn off every the" against "turn off the fan would you", for "turn off the printer"
   at 10 dB) the sound fits no command well, and the pass is refused. Measured on the speech
   bench: clean acceptance 87.2% -> 90.7%, no more wrong commands. Taking the backtrace always
   heard more in noise, but made twice as many wrong commands (16 of 624 instead of 8). The
   second decoder costs about 44 MB (the grammar's word tree), which takes the daemon with every
   model past 600 MB, so it is off unless ``complete_half_commands``; one decoder cannot give
   both answers with their scores.
2. When Whisper is given (``open_vocabulary`` on and faster-whisper installed), Whisper hears
   the utterance first and chooses the command (``whisper_commands.py``): in noise this pass is
   often sure of the wrong sentence. When Whisper is sure of its choice this pass is skipped;
   otherwise it runs and Whisper weighs its sentence too. When Whisper trusts no command, this
   pass's accepted result stands.
3. Otherwise, when ``open_vocabulary`` is on, a second pass hears the same audio as free text
   (run only then), for the intent recogniser and the language model to try: Whisper
   when it is given (``whisper_pass.py``; it hears natural speech in noise far better), else the
   general English language model that comes with the model. It is rejected below
   ``open_min_confidence``, and nothing heard at all is rejected too: "I didn't catch that".

Each utterance is decoded when it is complete, and on its own: the feature extraction is reset
before it (``reinit_feat``, 0.1 ms). PocketSphinx otherwise carries its cepstral mean estimate from
one utterance into the next, so the same recording was heard differently after different ones
(session 15: a noisy "i left the light on in the car" was "i would like an flat", then decoded
again "i would like an coffee", a command). Reset, the same audio gives
the same words, and the speech bench heard 3 more noisy commands (10 dB 90.7% -> 91.7%, the same
wrong actions). Streaming it frame by frame (live CMN) cost 6-8 of 40 commands spoken by
espeak-ng in a trial; decoding a 3 s command after it ends takes about 0.1 s.

Steady background noise (a fan, a hood, hum) is taken out of each utterance first when ``denoise``
is on (``audio/denoise.py``); clean recordings pass through unchanged. (Dithering the input was
tried and taken out: it helped espeak-ng's clean commands but made the daemon soak hear one clipped
command as "on the kitchen like", which the language model took for the whole kitchen.)

Confidence: PocketSphinx reports each word's acoustic score relative to the best path through the
search at each frame. Its average per frame over the words (natural log) is turned into 0..1 by
``1 / (1 + exp(-2 (score - CONFIDENCE_MIDPOINT)))`` and scaled down by the share of garbage.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audio.denoise import remove_steady_noise
from ..audio.frames import level_dbfs
from ..errors import ModelError
from .dictionary import dictionary_subset, frequent_words
from .grammar import CommandGrammar
from .half_commands import finished_command
from .pronounce import Guesser
from .transcript import Transcript
from .whisper_commands import WhisperCommands, WhisperJudge
from .whisper_pass import WhisperPass

_LOGGER = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
CONFIDENCE_MIDPOINT = -5.6
DECOY_MIDPOINT_SHIFT = -0.3
"""The fit is measured against the best path at each frame; decoys in the grammar (decoys.py) add
competitors to that best and lower a correct command's score by 0.1-0.5 (measured on espeak-ng
commands), so with decoys the midpoint moves down by this much. Near misses that the lower bar lets
through land on the decoys themselves, not on the home's devices."""
CONFIDENCE_SLOPE = 2.0
GARBAGE_PROBABILITY = 1e-2
"""Probability of a garbage phone at each point of the grammar (PocketSphinx's fillprob)."""
MAX_GARBAGE = 0.1
"""A grammar result with more of its speech frames than this in garbage phones is rejected."""
GARBAGE_PREFIX = "+GARBAGE_"
BACKTRACE_SCORE_SCALE = 1024.0
"""PocketSphinx reports the scores of the search's backtrace 2**10 smaller than those of the word
lattice (its senone score shift); measured: the same word scores alike once scaled by this, so
``CONFIDENCE_MIDPOINT`` (set on lattice scores) holds for both."""
GRAMMAR_MAX_HMMS = 2000
"""Cap on the models searched per frame: in noise the search otherwise widens to a real-time
factor near 0.5; on clean speech it stays far below the cap."""
OPEN_GARBAGE_PROBABILITY = 1e-3
"""The same garbage phones in the open-vocabulary pass: robotic or mumbled speech goes there."""
SILENCE_DBFS = -70.0
"""Audio quieter than this over the whole utterance is silence, whatever a model makes of it."""
OPEN_VOCABULARY_WORDS = 30_000
"""The open-vocabulary pass knows the language model's most likely words (and the grammar's)."""
MAX_OPEN_GARBAGE = 0.3
"""An open-vocabulary result with more garbage than this is rejected."""


def bundled_model_dir() -> Path:
    from pocketsphinx import get_model_path

    return Path(get_model_path()) / "en-us"


@dataclass(frozen=True)
class Fit:
    """How well a decoded utterance fits its words."""

    words: tuple[str, ...]
    score: float
    """Average acoustic score per frame of the words (natural log, relative to the search's best)."""
    garbage: float
    """Share of the speech frames that went to garbage phones."""
    midpoint: float = CONFIDENCE_MIDPOINT

    @property
    def confidence(self) -> float:
        if not self.words:
            return 0.0
        fit = 1.0 / (1.0 + math.exp(-CONFIDENCE_SLOPE * (self.score - self.midpoint)))
        return fit * (1.0 - self.garbage)


def fit_of(segments: list[Any], midpoint: float = CONFIDENCE_MIDPOINT, scale: float = 1.0) -> Fit:
    """Words, score and garbage share of a segmentation (silence, noise fillers and null steps left out).

    ``scale`` multiplies the scores PocketSphinx reports (see ``BACKTRACE_SCORE_SCALE``).
    """
    words: list[str] = []
    total_log = 0.0
    word_frames = 0
    garbage_frames = 0
    for segment in segments:
        word = segment.word
        frames = segment.end_frame - segment.start_frame + 1
        if word.startswith(GARBAGE_PREFIX):
            garbage_frames += frames
        elif not word.startswith(("<", "[", "+", "(")):
            words.append(word.split("(")[0])
            total_log += math.log(max(segment.ascore, 1e-300)) * scale
            word_frames += frames
    speech_frames = word_frames + garbage_frames
    return Fit(
        tuple(words),
        total_log / word_frames if word_frames else -math.inf,
        garbage_frames / speech_frames if speech_frames else 0.0,
        midpoint,
    )


def last_word_ends_audio(segments: list[Any]) -> bool:
    """Whether the last word of a segmentation runs to the end of the audio (no silence, noise or
    garbage after it; only the end-of-utterance mark and empty steps of the grammar)."""
    for segment in reversed(segments):
        if segment.word != "</s>" and not segment.word.startswith("("):
            return not segment.word.startswith(("<", "[", "+"))
    return False


def completes(half: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    """Whether the command ``whole`` completes the half command ``half``: the same words up to its last."""
    agreed = len(half) - 1
    return bool(half) and whole[:agreed] == half[:agreed]


def model_phones(dictionary: Path) -> list[str]:
    """The phones a dictionary uses (each one the acoustic model must have)."""
    phones: set[str] = set()
    with dictionary.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            phones.update(line.split()[1:])
    return sorted(phones)


def write_filler_dictionary(model_dir: Path, target: Path) -> None:
    """The model's noise dictionary plus one garbage filler per phone."""
    noise = model_dir / "en-us" / "noisedict"
    base = noise.read_text(encoding="utf-8") if noise.exists() else "<s> SIL\n</s> SIL\n<sil> SIL\n"
    phones = model_phones(model_dir / "cmudict-en-us.dict")
    garbage = "".join(f"{GARBAGE_PREFIX}{phone}+ {phone}\n" for phone in phones)
    target.write_text(base.rstrip("\n") + "\n" + garbage, encoding="utf-8")


class PocketSphinxRecognizer:
    """Grammar-constrained recognition with an open-vocabulary second pass."""

    engine = "pocketsphinx"

    def __init__(
        self,
        grammar: CommandGrammar,
        *,
        model_dir: Path | None = None,
        min_confidence: float = 0.5,
        open_vocabulary: bool = True,
        open_min_confidence: float = 0.3,
        pronunciations: Mapping[str, str] | None = None,
        denoise: bool = True,
        complete_half_commands: bool = False,
        whisper: WhisperPass | None = None,
        whisper_commands: WhisperCommands | None = None,
    ) -> None:
        self.grammar = grammar
        self.whisper = whisper if open_vocabulary else None
        self.whisper_commands = whisper_commands if self.whisper is not None else None
        self.denoise = denoise
        self.model_dir = Path(model_dir) if model_dir is not None else bundled_model_dir()
        self.min_confidence = min_confidence
        self.open_min_confidence = open_min_confidence
        self._lock = threading.Lock()
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="assistant-stt-") as folder:
            fillers = Path(folder) / "fillers.dict"
            write_filler_dictionary(self.model_dir, fillers)
            # Each decoder gets the words it can produce, not all of cmudict (see stt/dictionary.py).
            grammar_words = Path(folder) / "grammar.dict"
            self._write_dictionary(grammar_words, grammar.words)
            grammar_options = dict(
                lm=None, dict=str(grammar_words), fdict=str(fillers), fillprob=GARBAGE_PROBABILITY, maxhmmpf=GRAMMAR_MAX_HMMS
            )
            self._grammar_decoder = self._decoder(**grammar_options)
            self._backtrace_decoder = self._decoder(**grammar_options, bestpath=False) if complete_half_commands else None
            own_open_pass = open_vocabulary and self.whisper is None
            self._open_decoder = self._open(fillers, Path(folder) / "open.dict") if own_open_pass else None
        # Both grammar decoders read the same dictionary: the words it lacks are guessed once.
        self.added_words = self._missing_words(self._grammar_decoder, dict(pronunciations or {}))
        fsg = grammar.graph.fsg_transitions(grammar.decoy_words)
        for decoder in (self._grammar_decoder, self._backtrace_decoder):
            if decoder is not None:
                self._add_words(decoder, self.added_words)
                self._add_grammar(decoder, *fsg)
        self.load_seconds = time.perf_counter() - started
        _LOGGER.info(
            "PocketSphinx ready in %.2f s: grammar of %d states, %d words%s",
            self.load_seconds,
            grammar.graph.num_states,
            len(grammar.words),
            ", Whisper chooses the command" if self.whisper_commands else ", second pass by Whisper" if self.whisper else ", open-vocabulary pass on" if open_vocabulary else "",
        )

    def _add_grammar(self, decoder: Any, start: int, final: int, transitions: list[Any]) -> None:
        try:
            fsg = decoder.create_fsg("commands", start, final, transitions)
            decoder.add_fsg("commands", fsg)
            decoder.activate_search("commands")
        except (RuntimeError, ValueError) as err:
            raise ModelError(f"PocketSphinx rejected the command grammar: {err}") from err

    def _write_dictionary(self, target: Path, words: Iterable[str]) -> None:
        source = self.model_dir / "cmudict-en-us.dict"
        try:
            entries, _ = dictionary_subset(source, words)  # the words it lacks get guesses later
        except OSError as err:
            raise ModelError(f"cannot read the PocketSphinx dictionary {source}: {err}") from err
        target.write_text(entries, encoding="utf-8")

    def _open(self, fillers: Path, dictionary: Path) -> Any:
        """The open-vocabulary decoder: the general language model, tuned for speed, with garbage."""
        lm = self.model_dir / "en-us.lm.bin"
        if not lm.exists():
            raise ModelError(f"no language model for the open-vocabulary pass: {lm} is missing")
        try:
            common = frequent_words(self.model_dir / "cmudict-en-us.dict", lm, OPEN_VOCABULARY_WORDS)
        except (OSError, RuntimeError, ValueError) as err:
            raise ModelError(f"cannot read the PocketSphinx language model {lm}: {err}") from err
        self._write_dictionary(dictionary, {*common, *self.grammar.words})
        return self._decoder(
            lm=str(lm),
            dict=str(dictionary),
            fdict=str(fillers),
            fillprob=OPEN_GARBAGE_PROBABILITY,
            fwdflat=False,
            pl_window=10,
            maxwpf=5,
            maxhmmpf=3000,
        )

    def _decoder(self, **options: Any) -> Any:
        from pocketsphinx import Config, Decoder

        acoustic = self.model_dir / "en-us"
        dictionary = self.model_dir / "cmudict-en-us.dict"
        for needed in (acoustic, dictionary):
            if not needed.exists():
                raise ModelError(f"PocketSphinx model incomplete: {needed} is missing")
        options.setdefault("dict", str(dictionary))
        try:
            config = Config(hmm=str(acoustic), samprate=SAMPLE_RATE, loglevel="FATAL", **options)
            return Decoder(config)
        except (RuntimeError, ValueError, OSError) as err:
            raise ModelError(f"cannot load the PocketSphinx model in {self.model_dir}: {err}") from err

    def _missing_words(self, decoder: Any, pronunciations: dict[str, str]) -> dict[str, str]:
        """The grammar words to add to ``decoder``'s dictionary, with their phones: the config's
        pronunciations, then a guess for each word the dictionary lacks."""
        added: dict[str, str] = {}
        unknown: list[str] = []
        guesser = Guesser()
        for word in sorted(self.grammar.words):
            given = pronunciations.get(word)
            if given is None and decoder.lookup_word(word) is not None:
                continue
            phones = given or guesser.guess(word)
            if phones is None:
                unknown.append(word)
            else:
                added[word] = phones
        if unknown:
            raise ModelError(
                "no pronunciation for: " + ", ".join(unknown) + " (add them under stt.pronunciations in ARPAbet)"
            )
        if added:
            _LOGGER.info("pronunciations added: %s", ", ".join(f"{w} = {p}" for w, p in added.items()))
        return added

    @staticmethod
    def _add_words(decoder: Any, added: Mapping[str, str]) -> None:
        for number, (word, phones) in enumerate(added.items(), start=1):
            entry = word
            if decoder.lookup_word(word) is not None:
                # A word the dictionary has, pronounced differently in config: add an alternative.
                alternative = 2
                while decoder.lookup_word(f"{word}({alternative})") is not None:
                    alternative += 1
                entry = f"{word}({alternative})"
            try:
                decoder.add_word(entry, phones, number == len(added))  # rebuild the search once, at the end
            except RuntimeError as err:
                raise ModelError(f"cannot add the word {word!r} ({phones}) to PocketSphinx: {err}") from err

    def session(self) -> PocketSphinxSession:
        return PocketSphinxSession(self)

    @functools.cached_property
    def worker(self) -> ThreadPoolExecutor:
        """The thread that decodes early, while the trailing silence is still coming in."""
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="pocketsphinx")

    def transcribe(self, pcm: bytes) -> Transcript:
        session = self.session()
        session.feed(pcm)
        return session.finish()

    # --- the two passes (called by sessions) -------------------------------------------------

    def _decode(self, decoder: Any, pcm: bytes) -> tuple[list[Any], float | None]:
        with self._lock:
            decoder.reinit_feat()  # each utterance on its own (see the module doc)
            decoder.start_utt()
            decoder.process_raw(pcm, full_utt=True)
            decoder.end_utt()
            hypothesis = decoder.hyp()
            segments = list(decoder.seg() or []) if hypothesis is not None else []
            probability = hypothesis.prob if hypothesis is not None else None
        return segments, probability

    def _completed(self, pcm: bytes, half: Fit, midpoint: float) -> Fit | None:
        """The search's backtrace when it is a command that completes ``half`` (see the module doc)."""
        if self._backtrace_decoder is None:
            return None
        segments, _ = self._decode(self._backtrace_decoder, pcm)
        fit = fit_of(segments, midpoint, BACKTRACE_SCORE_SCALE)
        if completes(half.words, fit.words) and self.grammar.graph.accepts(fit.words):
            return fit
        return None

    def recognize(self, pcm: bytes, partials: tuple[str, ...] = ()) -> Transcript:
        started = time.perf_counter()
        audio_seconds = len(pcm) / (2 * SAMPLE_RATE)
        if level_dbfs(pcm) < SILENCE_DBFS:
            # (Near-)digital silence: the language model makes words out of nothing.
            return Transcript("", 0.0, self.engine, True, partials, True, None, audio_seconds, 0.0, 0.0)
        heard_pcm = pcm
        judge = WhisperJudge(self.whisper, self.whisper_commands, heard_pcm) if self.whisper is not None else None
        if judge is not None:
            # Whisper hears the audio as it came (it was trained on noisy audio), not denoised.
            sure = judge.before_grammar()
            if sure is not None:  # the grammar pass would not change Whisper's mind: skip it
                elapsed = time.perf_counter() - started
                return Transcript(sure.text, sure.confidence, judge.whisper.engine, True, partials, False, None, audio_seconds, elapsed, elapsed)
        if self.denoise:
            pcm = remove_steady_noise(pcm)
        midpoint = CONFIDENCE_MIDPOINT + (DECOY_MIDPOINT_SHIFT if self.grammar.decoy_words else 0.0)
        segments, _ = self._decode(self._grammar_decoder, pcm)
        fit = fit_of(segments, midpoint)
        complete = bool(fit.words) and self.grammar.graph.accepts(fit.words)
        if not complete and fit.words:
            finished = finished_command(self.grammar, fit.words, last_word_ends_audio(segments))
            completed = dataclasses.replace(fit, words=finished) if finished is not None else self._completed(pcm, fit, midpoint)
            if completed is not None:
                _LOGGER.debug("half command %r finished: %r", " ".join(fit.words), " ".join(completed.words))
                fit, complete = completed, True
        text = " ".join(fit.words)
        accepted = complete and fit.garbage <= MAX_GARBAGE and fit.confidence >= self.min_confidence
        if not accepted:
            _LOGGER.debug(
                "grammar pass rejected %r (complete: %s, garbage %.2f, confidence %.2f)",
                text, complete, fit.garbage, fit.confidence,
            )
        if judge is not None:
            verdict = judge.after_grammar(fit.words, accepted)
            if verdict is not None:
                elapsed = time.perf_counter() - started
                return Transcript(
                    verdict.text, verdict.confidence, judge.whisper.engine, verdict.constrained, partials, verdict.rejected,
                    text, audio_seconds, elapsed, elapsed,
                )
        if accepted:
            elapsed = time.perf_counter() - started
            return Transcript(text, fit.confidence, self.engine, True, partials, False, None, audio_seconds, elapsed, elapsed)
        if self._open_decoder is None:
            elapsed = time.perf_counter() - started
            return Transcript(text, fit.confidence, self.engine, True, partials, True, None, audio_seconds, elapsed, elapsed)
        open_segments, _ = self._decode(self._open_decoder, pcm)
        open_fit = fit_of(open_segments)
        rejected = (
            not open_fit.words or open_fit.garbage > MAX_OPEN_GARBAGE or open_fit.confidence < self.open_min_confidence
        )
        elapsed = time.perf_counter() - started
        return Transcript(
            " ".join(open_fit.words),
            open_fit.confidence,
            self.engine,
            False,
            partials,
            rejected,
            text,
            audio_seconds,
            elapsed,
            elapsed,
        )


class PocketSphinxSession:
    """Collects one utterance and decodes it when it is complete, or early, during the trailing silence.

    PocketSphinx decodes a whole utterance at once (the noise estimate and the cepstral mean need
    all of it). ``pause`` (the listener heard the speaker stop) starts that decode on the audio so
    far in the recogniser's worker thread; when the trailing silence then ends the command,
    ``finish`` takes that answer, mostly ready by then. ``resume`` (speech came back) drops it and
    ``finish`` decodes everything. The silence fed after ``pause`` holds no words, so the early
    answer is the answer: what changes is when the decoding happens, not what it hears.
    """

    def __init__(self, recognizer: PocketSphinxRecognizer) -> None:
        self.recognizer = recognizer
        self._pcm = bytearray()
        self._early: Future[Transcript] | None = None

    def feed(self, pcm: bytes) -> str | None:
        self._pcm += pcm
        return None

    def pause(self) -> None:
        if self._early is None and self._pcm:
            self._early = self.recognizer.worker.submit(self.recognizer.recognize, bytes(self._pcm))

    def resume(self) -> None:
        if self._early is not None:
            self._early.cancel()  # if it has started, it finishes and its answer is dropped
            self._early = None

    def finish(self) -> Transcript:
        if self._early is None:
            return self.recognizer.recognize(bytes(self._pcm))
        waited = time.perf_counter()
        transcript = self._early.result()
        self._early = None
        return dataclasses.replace(transcript, finish_seconds=time.perf_counter() - waited)

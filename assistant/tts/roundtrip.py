"""Speech round trip: speak sentences with Piper, recognise them with PocketSphinx, compare words.

The proof that replies are intelligible: every sentence is synthesized, resampled to 16 kHz and
decoded with PocketSphinx's bundled US English acoustic model and a trigram language model built
from *all* the sentences under test. The language model lets the recogniser produce any word
sequence over that vocabulary (not just the listed sentences), so audio that says something else
comes back as other words, and the check fails.

    checker = RoundTrip(voice, sentences, attempts=2)
    for result in checker.check_all():
        assert result.ok, result

Numbers are compared as words ("21.5" is "twenty one point five"), as the voice reads them.

Piper varies every rendering a little (noise in its duration and flow models), and PocketSphinx
mishears clean Piper speech now and then: 1 in 140 renderings of 28 replies over five seeds
("Done." heard as "that"). ``attempts`` lets a sentence pass when one of that many renderings is
heard exactly; a sentence the voice really says wrong (a number read differently) fails them all.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..audio.clip import AudioClip, concatenate
from ..audio.resample import resample
from ..stt.numbers import number_words
from .voice import Voice

RECOGNIZER_RATE = 16000
PADDING_SECONDS = 0.3
"""Silence put around the speech, as an endpointer leaves it: without it PocketSphinx may miss
the first word (measured: "Do you really ..." heard as "you really ..." in 2 of 4 renderings)."""

_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w])")
_SYMBOLS = (("%", " percent "), ("°c", " degrees "), ("°f", " degrees "), ("°", " degrees "), ("&", " and "))
_NOT_A_WORD = re.compile(r"[^a-z0-9' ]+")
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
_SAID_AS_WORDS = {"OK"}
"""Capitalised words a voice reads as a word, not letter by letter."""


def spoken_words(text: str) -> str:
    """The words a voice says for ``text``, lower case, without punctuation.

    Numbers become words (21.5: twenty one point five), acronyms letters (MQTT: m q t t).
    """
    spelled = _ACRONYM.sub(
        lambda match: match.group() if match.group() in _SAID_AS_WORDS else " ".join(match.group()), text
    )
    lowered = spelled.lower()
    for symbol, words in _SYMBOLS:
        lowered = lowered.replace(symbol, words)
    lowered = _NUMBER.sub(lambda match: " " + " ".join(number_words(float(match.group()))) + " ", lowered)
    cleaned = _NOT_A_WORD.sub(" ", lowered.replace("-", " "))
    return " ".join(word.strip("'") for word in cleaned.split() if word.strip("'"))


@dataclass(frozen=True)
class HeardBack:
    text: str
    """The sentence as written."""
    expected: str
    """Its words as spoken."""
    heard: str
    """What the recogniser heard (in the last rendering tried)."""
    renderings: int = 1
    """How many renderings were spoken until one was heard right (or attempts ran out)."""

    @property
    def ok(self) -> bool:
        return self.expected == self.heard

    def __str__(self) -> str:
        mark = "ok" if self.ok else "MISMATCH"
        tries = f" after {self.renderings} renderings" if self.renderings > 1 else ""
        return f"{mark}: {self.text!r} -> heard {self.heard!r}{tries} (expected {self.expected!r})"


class UnknownWords(ValueError):
    """Words the recogniser's dictionary cannot pronounce, so they can never be heard back."""


class RoundTrip:
    """Speaks with ``voice`` and listens with PocketSphinx, over the vocabulary of ``sentences``."""

    def __init__(self, voice: Voice, sentences: Sequence[str], attempts: int = 1) -> None:
        from pocketsphinx import Decoder
        from pocketsphinx.lm import ArpaBoLM

        if not sentences:
            raise ValueError("no sentences to check")
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {attempts}")
        self.attempts = attempts
        self.voice = voice
        self.sentences = tuple(sentences)
        corpus = [spoken_words(sentence) for sentence in self.sentences]
        vocabulary = {word for line in corpus for word in line.split()}
        pronunciations, unknown = _pronunciations(vocabulary)
        if unknown:
            raise UnknownWords(f"not in PocketSphinx's dictionary, so they cannot be heard back: {', '.join(unknown)}")
        with tempfile.TemporaryDirectory(prefix="roundtrip-") as folder:
            arpa, dictionary = Path(folder) / "sentences.arpa", Path(folder) / "words.dict"
            model = ArpaBoLM(text="\n".join(line for line in corpus if line) + "\n", add_start=True)
            model.compute()
            model.write_file(str(arpa))
            dictionary.write_text("".join(pronunciations), encoding="utf-8")
            # A dictionary of just these words: with all 135,000 the search takes seconds to build.
            self._decoder: Any = Decoder(samprate=RECOGNIZER_RATE, lm=str(arpa), dict=str(dictionary), loglevel="FATAL")

    def check(self, text: str) -> HeardBack:
        """Speak ``text`` and recognise it, up to ``attempts`` renderings until heard right."""
        expected = spoken_words(text)
        heard = ""
        for rendering in range(1, self.attempts + 1):
            heard = self.hear(self.voice.synthesize(text))
            if heard == expected:
                return HeardBack(text, expected, heard, rendering)
        return HeardBack(text, expected, heard, self.attempts)

    def hear(self, clip: AudioClip) -> str:
        """What PocketSphinx hears in ``clip`` (any sample rate), as lower-case words."""
        padding = AudioClip.silence(PADDING_SECONDS, RECOGNIZER_RATE)
        audio = concatenate([padding, resample(clip, RECOGNIZER_RATE), padding])
        self._decoder.start_utt()
        self._decoder.process_raw(audio.to_bytes(), full_utt=True)
        self._decoder.end_utt()
        hypothesis = self._decoder.hyp()
        return " ".join(hypothesis.hypstr.split()) if hypothesis is not None else ""

    def check_all(self) -> list[HeardBack]:
        return [self.check(sentence) for sentence in self.sentences]


def _pronunciations(words: set[str]) -> tuple[list[str], list[str]]:
    """The lines of the bundled CMU dictionary for ``words`` (with variants), and the words it lacks."""
    from pocketsphinx import get_model_path

    lines, found = [], set()
    with open(get_model_path("en-us/cmudict-en-us.dict"), encoding="utf-8") as dictionary:
        for line in dictionary:
            word = line.split(" ", 1)[0].split("(", 1)[0]
            if word in words:
                lines.append(line if line.endswith("\n") else line + "\n")
                found.add(word)
    return lines, sorted(words - found)


def round_trip(voice: Voice, sentences: Iterable[str], attempts: int = 1) -> list[HeardBack]:
    """Speak every sentence and hear it back; one result per sentence, in order."""
    return RoundTrip(voice, list(sentences), attempts).check_all()

"""Words a speech recogniser may hear instead of a word: one phone changed, dropped or added.

Built from the pronunciations PocketSphinx itself uses (its CMUdict), restricted to the words its
language model finds likeliest, because those are what an open-vocabulary pass writes down:
"lamp" -> "lamb", "ramp", "lamps"; "door" -> "tore", "four"; "kitchen" -> "kitten".

    alikes = bundled_sound_alikes()
    alikes.of("lamp")   # ('camp', 'clamp', 'damp', 'lamb', ...)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache

COMMON_WORDS = 30000
"""How many of the language model's likeliest words may be heard instead."""

Phones = tuple[str, ...]


class SoundAlikes:
    """For each word, the other words one phone away (substituted, dropped or added)."""

    def __init__(self, pronunciations: Mapping[str, Phones], hearable: Iterable[str]) -> None:
        self._pronunciations = dict(pronunciations)
        self._exact: dict[Phones, set[str]] = defaultdict(set)
        self._one_changed: dict[Phones, set[str]] = defaultdict(set)
        self._one_dropped: dict[Phones, set[str]] = defaultdict(set)
        for word in hearable:
            phones = self._pronunciations.get(word)
            if not phones:
                continue
            self._exact[phones].add(word)
            for index in range(len(phones)):
                self._one_changed[phones[:index] + ("*",) + phones[index + 1 :]].add(word)
                self._one_dropped[phones[:index] + phones[index + 1 :]].add(word)

    def of(self, word: str) -> tuple[str, ...]:
        """The hearable words one phone from ``word``, sorted; () for a word without a pronunciation."""
        phones = self._pronunciations.get(word)
        if not phones:
            return ()
        found: set[str] = set(self._one_dropped.get(phones, ()))  # one phone added
        for index in range(len(phones)):
            found |= self._one_changed.get(phones[:index] + ("*",) + phones[index + 1 :], set())
            if len(phones) > 2:
                found |= self._exact.get(phones[:index] + phones[index + 1 :], set())  # one phone dropped
        found.discard(word)
        return tuple(sorted(w for w in found if self._pronunciations[w] != phones))


def read_pronunciations(lines: Iterable[str]) -> dict[str, Phones]:
    """The first pronunciation of each plain word in CMUdict lines (``word P H O N E S``)."""
    pronunciations: dict[str, Phones] = {}
    for line in lines:
        head, *phones = line.split()
        if "(" in head or not phones or not head.replace("'", "").isalpha():
            continue
        pronunciations.setdefault(head, tuple(phones))
    return pronunciations


@lru_cache(maxsize=1)
def bundled_sound_alikes() -> SoundAlikes:
    """Sound-alikes from PocketSphinx's bundled English dictionary and language model (a few seconds)."""
    from ..stt.dictionary import frequent_words
    from ..stt.pocketsphinx_engine import bundled_model_dir

    model = bundled_model_dir()
    dictionary = model / "cmudict-en-us.dict"
    with dictionary.open(encoding="utf-8", errors="replace") as lines:
        pronunciations = read_pronunciations(lines)
    return SoundAlikes(pronunciations, frequent_words(dictionary, model / "en-us.lm.bin", COMMON_WORDS))

"""Pronunciation dictionaries cut down to the words a PocketSphinx search can produce.

PocketSphinx loads its whole dictionary into every decoder: 134,000 words of cmudict cost about
23 MB per decoder. The keyword spotter needs the wake phrase's words and the grammar pass the
grammar's words, so each gets a dictionary of just those (with their alternative pronunciations,
``word(2)``), written to a temporary file while the decoder loads.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def dictionary_subset(source: Path, words: Iterable[str]) -> tuple[str, set[str]]:
    """The lines of ``source`` for ``words`` (and their alternatives), and the words it lacks."""
    wanted = {word.lower() for word in words}
    lines: list[str] = []
    found: set[str] = set()
    with source.open(encoding="utf-8", errors="replace") as entries:
        for line in entries:
            head, _, rest = line.partition(" ")
            word = head.split("(", 1)[0]
            if word in wanted and rest.strip():
                lines.append(line if line.endswith("\n") else line + "\n")
                found.add(word)
    return "".join(lines), wanted - found


def frequent_words(dictionary: Path, language_model: Path, count: int) -> list[str]:
    """The ``count`` words of ``dictionary`` the language model finds most likely on their own.

    The open-vocabulary pass can only produce words its language model knows (72,500 of cmudict's
    134,000), and rarely any beyond the most frequent few ten thousand; its search structures
    grow with the dictionary (the whole one: about 100 MB; 30,000 words: 55 MB).
    """
    from pocketsphinx import Config, LogMath, NGramModel

    model = NGramModel(Config(), LogMath(), str(language_model))
    unknown = model.prob(["\x01no-such-word\x01"])
    likelihood: dict[str, int] = {}
    with dictionary.open(encoding="utf-8", errors="replace") as entries:
        for line in entries:
            word = line.partition(" ")[0].split("(", 1)[0]
            if word and word not in likelihood:
                likelihood[word] = model.prob([word])
    known = [word for word, score in likelihood.items() if score > unknown]
    return sorted(known, key=lambda word: -likelihood[word])[:count]

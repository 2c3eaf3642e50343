"""Errors of the kind speech recognition makes, applied to a command text (seeded).

Sound-alike words ("off" -> "of", "light" -> "lite"), words one phone away ("lamp" -> "lamb",
"kitchen" -> "kitten", from ``sound_alikes``), numbers written as words, dropped or doubled short
words, fillers, words split or run together, and the odd misspelt letter.
The meaning stays recoverable: the expected answer does not change.
"""

from __future__ import annotations

import random
import re

from ..stt.numbers import number_words
from .sound_alikes import SoundAlikes

SOUND_ALIKES: dict[str, tuple[str, ...]] = {
    "off": ("of", "of"),
    "on": ("an", "own"),
    "to": ("two", "too"),
    "for": ("four",),
    "light": ("lite", "like", "lights"),
    "lights": ("lites", "lice", "light"),
    "lamp": ("lamb", "lamps"),
    "the": ("a", "da", ""),
    "turn": ("tern", "turned"),
    "switch": ("which", "twitch"),
    "fan": ("van", "fun"),
    "blinds": ("blind", "lines"),
    "kitchen": ("kitchin", "chicken"),
    "bedroom": ("bed room", "bedrooms"),
    "living": ("leaving",),
    "room": ("rum",),
    "hallway": ("hall way", "holloway"),
    "heating": ("eating",),
    "lock": ("lok", "luck"),
    "door": ("dor", "more"),
    "degrees": ("degree", "decrees"),
    "percent": ("per cent", "present"),
    "warmer": ("warm or",),
    "brighter": ("brighten", "bright"),
    "dim": ("them", "dem"),
    "coffee": ("cofee", "toffee"),
    "latte": ("lot A", "lotte"),
    "espresso": ("expresso",),
    "please": ("pleas", "plis"),
    "open": ("opened", "often"),
    "close": ("clothes", "closed"),
    "set": ("sat", "said"),
    "make": ("may",),
    "it's": ("its", "it is"),
    "thermostat": ("thermo stat", "thermostats"),
    "plug": ("plugged", "plock"),
    "garage": ("garbage",),
}

FILLERS = ("uh", "um", "er", "like", "so")

_NUMBER = re.compile(r"^\d+(\.5)?$")


def asr_noise(text: str, rng: random.Random, strength: int = 2, alikes: SoundAlikes | None = None) -> str:
    """``text`` as a speech recogniser might have written it: lower case, no punctuation, ``strength`` errors.

    With ``alikes``, some errors put a word one phone away in place of a word of three letters or more.
    """
    words = re.sub(r"[?!,.;:\"]+(?=\s|$)", "", text.lower()).replace("%", " percent").split()
    words = [" ".join(number_words(float(w))) if _NUMBER.match(w) and rng.random() < 0.6 else w for w in words]
    for _ in range(strength):
        if not words:
            break
        words = _one_error(words, rng, alikes)
    return " ".join(" ".join(words).split())


def _one_error(words: list[str], rng: random.Random, alikes: SoundAlikes | None) -> list[str]:
    kind = rng.random()
    index = rng.randrange(len(words))
    word = words[index]
    if alikes is not None and rng.random() < 0.35:
        content = [i for i, w in enumerate(words) if len(w) >= 3 and alikes.of(w)]
        if content:
            chosen = rng.choice(content)
            words[chosen] = rng.choice(alikes.of(words[chosen]))
            return words
    if kind < 0.45 and word in SOUND_ALIKES:
        words[index] = rng.choice(SOUND_ALIKES[word])
    elif kind < 0.45:
        candidates = [i for i, w in enumerate(words) if w in SOUND_ALIKES]
        if candidates:
            chosen = rng.choice(candidates)
            words[chosen] = rng.choice(SOUND_ALIKES[words[chosen]])
    elif kind < 0.55 and len(words) > 3 and len(word) <= 3:
        del words[index]
    elif kind < 0.63:
        words.insert(index, rng.choice(FILLERS))
    elif kind < 0.7:
        words.insert(index, word)
    elif kind < 0.78 and index + 1 < len(words):
        words[index : index + 2] = [word + words[index + 1]]
    elif len(word) > 4:
        words[index] = _misspell(word, rng)
    return words


def _misspell(word: str, rng: random.Random) -> str:
    position = rng.randrange(1, len(word) - 1)
    roll = rng.random()
    if roll < 0.35:
        return word[:position] + word[position + 1 :]
    if roll < 0.7:
        return word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    return word[:position] + word[position] + word[position:]

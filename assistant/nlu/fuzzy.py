"""Fuzzy names: "turn on the kitten light" is taken for the kitchen light, when nothing else is close.

The unknown-name template pass (templates.py) finds commands whose shape is right but whose
device, area or colour words name nothing in this home. Speech recognition often produces exactly
that: a word that *sounds* like the home's word ("kitten" for "kitchen", "tour" for "door", "worm"
for "warm"). This module puts the closest of the home's own spoken phrases in place of the heard
words, re-runs the exact templates on the corrected text, and accepts the result only when one
outcome is clearly best. Otherwise the caller keeps the unknown-name answer ("I don't know a device
called ...").

Similarity (``similarity``): the mean of two normalised Levenshtein similarities,
``1 - distance / max(len)``:

* over phonetic keys: each word's Metaphone key (jellyfish), concatenated. Metaphone keeps the
  consonant skeleton of English pronunciation and drops the vowels after the first letter, and
  merges voiced/unvoiced and spelling variants (d/t, c/k, ph/f). Those are precisely what speech
  recognisers confuse: vowels are the least reliable part of recognised speech, and a recogniser
  only ever outputs real words, so a misheard name becomes a real word with nearly the same
  consonants ("plaque"/"plug" PLK, "tour"/"door" TR, "read"/"red" RT).
* over letters, spaces removed, so split or merged words ("hall way", "bed room") cost nothing and
  typed typos that have no phonetic key in common still count.

Either alone fails: letters call "siding"/"ceiling" far apart (Metaphone STNK/SLNK: close) and
Metaphone calls "bloo"/"blue" and "back"/"book" identical. The mean needs both to agree.

Safety, in order:

1. Only the words of the one unknown slot the template pass reported are replaced (optionally
   together with up to ``_EXTEND`` neighbouring words, so "hall way light" can become "hallway light").
2. A heard word that itself names something common in homes that this home lacks (bathroom,
   attic, back door, oven, TV, ...) is taken at its word: "turn on the bathroom light" stays unknown
   in a home with a bedroom, though "bathroom"/"bedroom" score as close as "kitten"/"kitchen".
3. The corrected text must match the exact templates; its result is exactly what the correct words
   give (same intent, slots, devices, confirmation question for ``confirm: true`` devices).
4. The best score must reach ``threshold`` and beat every candidate with a *different* outcome by
   ``margin``; candidates that lead to the same intent and slots (a name and its alias, "lamb"->"lamp"
   and "living room lamb"->"living room lamp") are not rivals.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import jellyfish
from hassil.intents import TextSlotList
from hassil.sample import sample_expression

from .. import home_words
from ..config import Config, section_parser
from .intent import Intent
from .templates import TemplateRecognizer, normalize_command

_LOGGER = logging.getLogger(__name__)

SOURCE = "template+fuzzy"
"""The ``source`` of an intent recognised after a correction."""

_EXTEND = 2
"""Neighbouring words on each side a correction may take in with the unknown words."""
_MAX_WINDOW = 4
_MIN_LETTERS = 3
"""Heard phrases shorter than this are never corrected: too little to compare."""

COLOR_LISTS = ("color", "color_temp")
"""Intent slot lists whose values may replace an unknown ``{color}`` ("worm" -> "warm")."""

COMMON_HOME_WORDS = frozenset(
    """
    attic basement cellar loft bathroom bath toilet loo washroom restroom shower laundry utility
    office study library nursery playroom gym den pantry closet wardrobe dining guest kids kid
    garden yard backyard patio terrace balcony deck porch driveway shed greenhouse pool sauna
    conservatory basement upstairs downstairs landing stairs staircase cellar workshop
    back side rear upper lower top bottom left right north south east west
    tv television radio stereo speaker speakers oven stove cooker hob microwave fridge freezer
    dishwasher washer dryer kettle toaster blender vacuum hoover robot computer laptop printer
    router modem console projector monitor window windows gate skylight sprinkler sprinklers
    doorbell camera alarm siren boiler pump aircon conditioner humidifier dehumidifier purifier
    car bike garage garden gate fountain aquarium heater radiator fireplace chandelier
    """.split()  # noqa: SIM905 - a word list reads best as text
) | home_words.all_words()
"""Words that name a room or a thing common in homes. When the heard words contain one that the
home itself does not use (not even inside one of its words), they are taken at their word, never
"corrected" into another name."""


@dataclass(frozen=True)
class FuzzySettings:
    enabled: bool = True
    threshold: float = 0.75
    """Least similarity (0..1) between the heard words and the home's words for a correction."""
    margin: float = 0.08
    """How much better the best correction must score than any correction with another outcome."""


@section_parser
def fuzzy_settings(config: Config) -> FuzzySettings:
    """``intents: {fuzzy: true}`` or ``intents: {fuzzy: {enabled, threshold, margin}}``."""
    section = config.sections.get("intents")
    if section is None or section.is_missing:
        return FuzzySettings()
    field = section.get("fuzzy")
    if field.is_missing:
        return FuzzySettings()
    if not isinstance(field.value, dict):
        return FuzzySettings(enabled=field.boolean(True))
    field.check_keys(("enabled", "threshold", "margin"))
    defaults = FuzzySettings()
    return FuzzySettings(
        enabled=field.get("enabled").boolean(defaults.enabled),
        threshold=field.get("threshold").number(defaults.threshold, minimum=0.5, maximum=1.0),
        margin=field.get("margin").number(defaults.margin, minimum=0.0, maximum=0.5),
    )


# --- similarity ----------------------------------------------------------------------------


def _ratio(a: str, b: str) -> float:
    if not a and not b:
        return 1.0
    return 1.0 - jellyfish.levenshtein_distance(a, b) / max(len(a), len(b))


@lru_cache(maxsize=4096)
def phonetic_key(phrase: str) -> str:
    return "".join(jellyfish.metaphone(word) for word in phrase.split())


def similarity(heard: str, known: str) -> float:
    """How alike two phrases sound and are spelt, 0..1 (1: the same)."""
    letters = _ratio(heard.replace(" ", ""), known.replace(" ", ""))
    sounds = _ratio(phonetic_key(heard), phonetic_key(known))
    return (letters + sounds) / 2


# --- correction ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    heard: str
    """The heard words that were replaced (the unknown words, maybe with neighbours)."""
    known: str
    """The home's phrase put in their place."""
    score: float
    text: str
    """The whole corrected command."""


class FuzzyNameRecognizer:
    """The unknown-name pass, with a correction tried first (place it where that pass stood)."""

    name = "template"

    def __init__(self, templates: TemplateRecognizer, settings: FuzzySettings | None = None) -> None:
        self.templates = templates
        self.settings = settings or FuzzySettings()
        self.pools = _phrase_pools(templates)
        vocabulary = {word for phrases in self.pools.values() for phrase in phrases for word in phrase.split()}
        # a home word this home uses, even as part of one of its words ("bath" of "bathroom"), is a name to match
        self.guard_words = frozenset(w for w in COMMON_HOME_WORDS if not any(w in known for known in vocabulary))

    def recognize(self, text: str) -> Intent | None:
        unknown = self.templates.recognize_unknown(text)
        if unknown is None or not self.settings.enabled:
            return unknown
        try:
            corrected = self.correct(unknown)
        except Exception:  # a failure here must not cost the unknown-name answer
            _LOGGER.exception("fuzzy matching failed on %r", text)
            return unknown
        return corrected or unknown

    def correct(self, unknown: Intent) -> Intent | None:
        """The intent the closest known words give, or None when no correction is clearly right."""
        if len(unknown.unknown) != 1:
            return None
        slot, heard = next(iter(unknown.unknown.items()))
        pool = self.pools.get(slot)
        words = normalize_command(unknown.text).split()
        span = _find(words, heard.split())
        if not pool or span is None or len(heard.replace(" ", "")) < _MIN_LETTERS:
            return None
        if self.guard_words.intersection(heard.split()):
            _LOGGER.debug("not correcting %r: it names something this home lacks", heard)
            return None
        outcomes: dict[tuple[str, str], tuple[Correction, Intent]] = {}
        for correction in self._candidates(words, span, pool):
            if correction.score < self.settings.threshold - self.settings.margin:
                break
            intent = self.templates.recognize(correction.text)
            if intent is None:
                continue
            key = (intent.name, repr(sorted(intent.slots.items())))
            if key not in outcomes:
                outcomes[key] = (correction, intent)
        if not outcomes:
            return None
        ranked = sorted(outcomes.values(), key=lambda pair: -pair[0].score)
        best, intent = ranked[0]
        if best.score < self.settings.threshold:
            return None
        if len(ranked) > 1 and best.score - ranked[1][0].score < self.settings.margin:
            _LOGGER.info("%r: %r and %r are too close to choose", heard, best.known, ranked[1][0].known)
            return None
        _LOGGER.info("heard %r, taken for %r (similarity %.2f)", best.heard, best.known, best.score)
        return dataclasses.replace(
            intent,
            text=unknown.text,
            source=SOURCE,
            corrected={best.heard: best.known},
            confidence=round(best.score, 3),
        )

    def _candidates(self, words: list[str], span: tuple[int, int], pool: tuple[str, ...]) -> list[Correction]:
        start, end = span
        found: dict[str, Correction] = {}
        for first in range(max(0, start - _EXTEND), start + 1):
            for last in range(end, min(len(words), end + _EXTEND) + 1):
                if last - first > _MAX_WINDOW:
                    continue
                heard = " ".join(words[first:last])
                for known in pool:
                    if known == heard:
                        continue
                    text = " ".join([*words[:first], known, *words[last:]])
                    score = similarity(heard, known)
                    if text not in found or score > found[text].score:
                        found[text] = Correction(heard, known, score, text)
        return sorted(found.values(), key=lambda c: -c.score)


def _find(words: list[str], phrase: list[str]) -> tuple[int, int] | None:
    """Where ``phrase`` stands in ``words`` (the last place, as hassil fills slots late)."""
    for start in range(len(words) - len(phrase), -1, -1):
        if words[start : start + len(phrase)] == phrase:
            return start, start + len(phrase)
    return None


def _phrase_pools(templates: TemplateRecognizer) -> dict[str, tuple[str, ...]]:
    """The home's phrases each correctable slot may be replaced by."""
    registry = templates.registry
    home = _unique(
        (
            *registry.device_names(),
            *(name for name, _ in registry.area_names()),
            *(word for word, _ in registry.type_words()),
        )
    )
    colors = _unique(
        phrase
        for list_name in COLOR_LISTS
        if isinstance(slot_list := templates.intents.slot_lists.get(list_name), TextSlotList)
        for value in slot_list.values
        for phrase in sample_expression(value.text_in)
    )
    return {"name": home, "area": home, "color": colors}


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(" ".join(item.lower().split()) for item in items if item.strip()))

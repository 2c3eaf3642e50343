"""Decoys: rooms and things common in homes that this home does not have, in the speech grammar.

A grammar recogniser can only hear sentences of its grammar. Asked "dim the lights in the
bathroom" in a home with a bedroom and no bathroom, it hears the closest sentence it has, "dim the
lights in the bedroom", with good confidence, and the bedroom light is dimmed: the wrong device.
Garbage phones do not catch this; the word is too close. (Measured: 7 of the speech bench's 440
out-of-domain cases, every voice.)

So the grammar's ``{area}`` and ``{name}`` lists also hold decoys: common rooms and common household
things ("bathroom light" is then heard through the templates' ``{area} {type}``). A decoy is only
in the speech grammar, never in the intent templates: a sentence
heard with one goes to the intent recogniser as text, matches no template with this home's names,
and the unknown-name pass answers "I don't know a device called ..." (fuzzy matching leaves
these words alone: nlu/fuzzy.py). Words this home uses itself are never decoys.

The lists (``home_words``) are general English household vocabulary, not tuned to any test.
Short decoys are left out (fewer than ``MIN_LETTERS`` letters: "den", "car", "gym"): measured, they
were heard in place of "the" and other short words of real commands.

Weights: at each point of the grammar the decoys together count as one more choice (see
``WordGraph.fsg_transitions``); as fifty equal choices they made every real area and name there
fifty times less likely, and real commands were refused for it.

The price, measured on the speech bench: decoys also catch some real commands spoken badly
(robotic espeak-ng voices, noise), which are then answered "I don't know ..." instead of done.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hassil import SlotList, TextSlotList

from ..home_words import ROOMS, THINGS

MAX_THING_DECOYS = 20
"""Household things taken as decoys (the most common first). Each costs memory: PocketSphinx builds
a tree of the words that may follow every grammar state before a ``{name}``, and fifty things made
the grammar decoder 41 MB larger; twenty, 8 MB. Rooms are cheap (fewer states take an area)."""
MIN_LETTERS = 5
"""Decoys shorter than this (spaces not counted) are left out."""


def with_decoys(slot_lists: Mapping[str, SlotList], vocabulary: Iterable[str]) -> tuple[dict[str, SlotList], frozenset[str]]:
    """``slot_lists`` with decoys added to ``area`` and ``name``, and the decoys' first words.

    A phrase is a decoy unless its first word is one this home uses: "back door" and "dining room"
    are decoys in a home with a front door and a living room, "garage light" is not in a home
    with a garage, "printer" is not where the desk plug is also called the printer.
    """
    used = {word for phrase in vocabulary for word in phrase.lower().split()}

    def foreign(phrase: str) -> bool:
        return phrase.split()[0] not in used and len(phrase.replace(" ", "")) >= MIN_LETTERS

    rooms = [room for room in dict.fromkeys(ROOMS) if foreign(room)]
    things = [thing for thing in dict.fromkeys(THINGS) if foreign(thing)][:MAX_THING_DECOYS]
    lists = dict(slot_lists)
    area = lists.get("area")
    if isinstance(area, TextSlotList):
        lists["area"] = TextSlotList(name=area.name, values=[*area.values, *TextSlotList.from_strings(rooms).values])
    name = lists.get("name")
    if isinstance(name, TextSlotList):
        lists["name"] = TextSlotList(name=name.name, values=[*name.values, *TextSlotList.from_strings(things).values])
    return lists, frozenset(phrase.split()[0] for phrase in (*rooms, *things))

"""What the home's own templates say: which slots each intent has, and random sentences from them.

The language model's grammar takes its intents, value slots and defaults from here, and its prompt
takes example commands drawn at random (seeded) from the same templates.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hassil import Intents
from hassil.expression import (
    Alternative,
    Expression,
    ListReference,
    Permutation,
    RuleReference,
    Sentence,
    Sequence,
    TextChunk,
)
from hassil.intents import RangeFractionType, RangeSlotList, SlotList, TextSlotList, WildcardSlotList

TARGET_SLOTS = ("name", "area", "type", "scope")
"""Slots that say what a command acts on; everything else is a value."""


@dataclass(frozen=True)
class IntentSlots:
    """The slots an intent's templates fill, in the order they first appear."""

    intent: str
    slots: tuple[str, ...]
    lists: Mapping[str, str]
    """Slot name -> the list its values come from."""
    defaults: Mapping[str, Any]
    """Fixed values a template block gives slots it does not fill itself."""

    @property
    def takes_target(self) -> bool:
        return any(slot in TARGET_SLOTS for slot in self.slots)

    @property
    def value_slots(self) -> tuple[str, ...]:
        return tuple(slot for slot in self.slots if slot not in TARGET_SLOTS)


def intent_slots(intents: Intents) -> dict[str, IntentSlots]:
    """For each intent, the slots its sentences reference (through expansion rules too)."""
    found: dict[str, IntentSlots] = {}
    for name, intent in intents.intents.items():
        order: dict[str, str] = {}
        defaults: dict[str, Any] = {}
        for data in intent.data:
            rules = {**intents.expansion_rules, **data.expansion_rules}
            for sentence in data.sentences:
                for reference in _list_references(sentence.expression, rules):
                    order.setdefault(reference.slot_name, reference.list_name)
            for slot, value in data.slots.items():
                defaults.setdefault(slot, value)
        found[name] = IntentSlots(name, tuple(order), order, defaults)
    return found


def _list_references(expression: Expression, rules: Mapping[str, Sentence]) -> list[ListReference]:
    if isinstance(expression, ListReference):
        return [expression]
    if isinstance(expression, RuleReference):
        rule = rules.get(expression.rule_name)
        return _list_references(rule.expression, rules) if rule is not None else []
    if isinstance(expression, (Sequence, Alternative, Permutation)):
        return [ref for item in expression.items for ref in _list_references(item, rules)]
    return []


def range_values(slot_list: RangeSlotList) -> list[int | float]:
    """Every number a range list accepts (halves included when the list allows them; tenths are not offered)."""
    values: list[int | float] = []
    for number in range(slot_list.start, slot_list.stop + 1, slot_list.step):
        values.append(number)
        if slot_list.fraction_type == RangeFractionType.HALVES and number < slot_list.stop:
            values.append(number + 0.5)
    return values


def first_phrase(expression: Expression) -> str:
    """The first way a template fragment can be said: "(warm|cosy)" -> "warm"."""
    if isinstance(expression, TextChunk):
        return expression.text
    if isinstance(expression, Alternative):
        return first_phrase(expression.items[0]) if expression.items else ""
    if isinstance(expression, (Sequence, Permutation)):
        return "".join(first_phrase(item) for item in expression.items)
    return ""


class SentenceSampler:
    """Random sentences from the templates; the same seed gives the same sentences."""

    def __init__(self, intents: Intents, slot_lists: Mapping[str, SlotList], seed: int) -> None:
        self.intents = intents
        self.slot_lists = {**intents.slot_lists, **slot_lists}
        self.random = random.Random(seed)

    def sample(self, intent_name: str) -> str | None:
        """One random sentence for the intent, or None when it uses a list this home leaves empty."""
        intent = self.intents.intents[intent_name]
        data = self.random.choice(intent.data)
        sentence = self.random.choice(data.sentences)
        rules = {**self.intents.expansion_rules, **data.expansion_rules}
        lists = {**self.slot_lists, **data.slot_lists}
        try:
            text = self._expand(sentence.expression, rules, lists)
        except LookupError:
            return None
        return " ".join(text.split())

    def _expand(self, expression: Expression, rules: Mapping[str, Sentence], lists: Mapping[str, SlotList]) -> str:
        if isinstance(expression, TextChunk):
            return expression.text
        if isinstance(expression, Alternative):
            return self._expand(self.random.choice(expression.items), rules, lists)
        if isinstance(expression, Permutation):
            items = list(expression.items)
            self.random.shuffle(items)
            return " ".join(self._expand(item, rules, lists) for item in items)
        if isinstance(expression, Sequence):
            return "".join(self._expand(item, rules, lists) for item in expression.items)
        if isinstance(expression, RuleReference):
            return self._expand(rules[expression.rule_name].expression, rules, lists)
        if isinstance(expression, ListReference):
            slot_list = lists[expression.list_name]
            if isinstance(slot_list, TextSlotList):
                if not slot_list.values:
                    raise LookupError(expression.list_name)
                return self._expand(self.random.choice(slot_list.values).text_in, rules, lists)
            if isinstance(slot_list, RangeSlotList):
                number = self.random.choice(range_values(slot_list))
                return str(number)
            if isinstance(slot_list, WildcardSlotList):
                raise LookupError(expression.list_name)
        raise LookupError(type(expression).__name__)

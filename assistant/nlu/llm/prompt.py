"""The prompt: this home's targets and their actions, then example commands drawn from its own templates.

The prefix (everything up to the last example) is the same for every command, so the decoder
evaluates it once and keeps its KV cache. A command adds only ``Command: <text>\\nAction:``.

Examples come from the intents files: sentences are sampled from the templates (seeded), run
through the TemplateRecognizer for their meaning, and written in the answer language. A few
"none" examples show commands this home cannot do: requests outside the home, and template
sentences naming devices the home does not have.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import Any

from hassil.intents import SlotList, TextSlotList

from ..templates import TemplateRecognizer
from .language import NONE_WORD, OutputLanguage, Target, ValueChoice, Verb
from .sentences import SentenceSampler, intent_slots

_LOGGER = logging.getLogger(__name__)

INTRODUCTION = (
    "A smart home assistant turns each command into one action line: a target from the list, "
    "then one of the actions that target can do, then its values. "
    f"When no target can do what was asked, the line is: {NONE_WORD}\n"
)

OUT_OF_HOME_COMMANDS = (
    "translate good morning into french",
    "who wrote hamlet",
    "spell the word necessary",
    "roll a dice for me",
    "how many legs does a spider have",
)
"""Requests no home device answers; shown as examples of ``none`` (kept apart from the benchmark sets)."""

ABSENT_DEVICES = (
    "sauna",
    "projector",
    "humidifier",
    "toaster",
    "aquarium pump",
    "water heater",
)
"""Device names used to show that a template naming a device this home lacks means ``none``
(names that are part of the home's vocabulary are skipped)."""

MAX_ATTEMPTS = 40


@dataclass(frozen=True)
class Example:
    text: str
    line: str


@dataclass(frozen=True)
class Prompt:
    prefix: str
    examples: tuple[Example, ...]

    @staticmethod
    def command(text: str) -> str:
        return f"Command: {text}\nAction:"


def build_prompt(language: OutputLanguage, templates: TemplateRecognizer, per_intent: int, seed: int) -> Prompt:
    examples = draw_examples(language, templates, per_intent, seed) if per_intent > 0 else []
    lines = [INTRODUCTION, "Targets:"]
    lines.extend(_target_line(target) for target in language.targets)
    value_lines = _value_lines(language)
    if value_lines:
        lines.append("Values:")
        lines.extend(value_lines)
    lines.append("")
    for example in examples:
        lines.append(Prompt.command(example.text) + f" {example.line}\n")
    return Prompt("\n".join(lines) + "\n", tuple(examples))


def _target_line(target: Target) -> str:
    return f"{target.word}: {target.description}; can: {' '.join(verb.word for verb in target.verbs)}"


def _value_lines(language: OutputLanguage) -> list[str]:
    described: dict[str, str] = {}
    for target in language.targets:
        for verb in target.verbs:
            if verb.values and verb.word not in described:
                described[verb.word] = " ".join(_choice_text(choice) for choice in verb.values)
    return [f"{word} {text}" for word, text in described.items()]


def _choice_text(choice: ValueChoice) -> str:
    words = list(choice.words)
    if all(_is_number(word) for word in words):
        text = f"{words[0]}..{words[-1]}"
    else:
        text = "|".join(words)
    return f"[{choice.slot}: {text}]" if choice.optional else f"<{choice.slot}: {text}>"


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def draw_examples(language: OutputLanguage, templates: TemplateRecognizer, per_intent: int, seed: int) -> list[Example]:
    """``per_intent`` template sentences for every intent the language offers, plus some ``none`` ones.

    For each example a line is chosen first (a target that supports the intent, preferring targets
    not shown yet, and values), then a template sentence is sampled with the slot lists narrowed to
    that target's names and those values. The sentence is kept only if the templates read it back
    as exactly that line, so every example is right by construction.
    """
    rng = random.Random(seed)
    examples: list[Example] = []
    shown: set[str] = set()
    offered = list(dict.fromkeys(verb.intent for target in language.targets for verb in target.verbs))
    for intent_name in offered:
        pairs = [(target, verb) for target in language.targets for verb in target.verbs if verb.intent == intent_name]
        found = 0
        for _ in range(MAX_ATTEMPTS):
            if found >= per_intent:
                break
            fresh = [pair for pair in pairs if pair[0].word not in shown] or pairs
            target, verb = rng.choice(fresh)
            example = _example_for(target, verb, templates, language, rng)
            if example is None or any(e.text == example.text for e in examples):
                continue
            examples.append(example)
            shown.add(target.word)
            found += 1
        if found < per_intent:
            _LOGGER.debug("only %d example(s) for %s", found, intent_name)
    examples.extend(_none_examples(templates, rng, max(2, per_intent)))
    rng.shuffle(examples)
    return examples


def _example_for(
    target: Target, verb: Verb, templates: TemplateRecognizer, language: OutputLanguage, rng: random.Random
) -> Example | None:
    values = {choice.slot: _pick_value(choice, rng) for choice in verb.values}
    wanted = _line(target, verb, values)
    lists: dict[str, SlotList] = dict(templates.slot_lists)
    lists.update(_target_lists(target, templates))
    for slot, (_, value) in values.items():
        lists[slot] = _single_value_list(templates, verb, slot, value)
    sampler = SentenceSampler(templates.intents, lists, rng.randrange(1 << 30))
    for _ in range(8):
        text = sampler.sample(verb.intent)
        if not text or _repeats_a_word(text):
            continue
        intent = templates.recognize(text)
        if intent is not None and intent.name == verb.intent and language.encode(intent) == wanted:
            return Example(text, wanted)
    return None


def _repeats_a_word(text: str) -> bool:
    """ "the kitchen kitchen light": a template joined an area to a name that already says it."""
    words = text.split()
    return any(a == b for a, b in zip(words, words[1:], strict=False))


def _pick_value(choice: ValueChoice, rng: random.Random) -> tuple[str, Any]:
    words = list(choice.words)
    if all(_is_number(word) for word in words):
        words = [word for word in words if float(word) % 10 == 0] or words  # people say round numbers
    word = rng.choice(words)
    return word, choice.words[word]


def _line(target: Target, verb: Verb, values: dict[str, tuple[str, Any]]) -> str:
    """The line as encode() writes it: optional values equal to their default are left out."""
    words = [target.word, verb.word]
    for choice in verb.values:
        word, value = values[choice.slot]
        if not (choice.optional and value == choice.default):
            words.append(word)
    return " ".join(words)


def _target_lists(target: Target, templates: TemplateRecognizer) -> dict[str, SlotList]:
    """{name}, {area}, {type} and {scope} narrowed to the words that mean this target."""
    registry = templates.registry
    names: list[str] = []
    areas: list[tuple[str, str]] = []
    types: list[tuple[str, str]] = []
    scope: list[tuple[str, str]] = []
    area_id = target.slots.get("area")
    if "name" in target.slots:
        device = target.devices[0]
        names = [name for name in device.spoken_names if len(registry.devices_named(name)) == 1]
        area_id = device.area
        types = [(word, kind) for word, kind in registry.type_words() if kind == device.type.value]
    if area_id is not None:
        areas = [(name, area_id) for name in registry.area(area_id).spoken_names]
    if "type" in target.slots:
        types = [(word, kind) for word, kind in registry.type_words() if kind == target.slots["type"]]
    if "scope" in target.slots:
        scope = [("all", "all"), ("every", "all")]
    return {
        "name": TextSlotList.from_strings(names, name="name"),
        "area": TextSlotList.from_tuples(areas, name="area"),
        "type": TextSlotList.from_tuples(types, name="type"),
        "scope": TextSlotList.from_tuples(scope, name="scope"),
    }


def _single_value_list(templates: TemplateRecognizer, verb: Verb, slot: str, value: Any) -> SlotList:
    """The intent's list for ``slot`` narrowed to the entries whose value is ``value``."""
    list_name = intent_slots(templates.intents)[verb.intent].lists[slot]
    full = templates.intents.slot_lists.get(list_name)
    if isinstance(full, TextSlotList):
        return TextSlotList(name=list_name, values=[v for v in full.values if v.value_out == value])
    return TextSlotList.from_strings([str(value)], name=list_name)


def _none_examples(templates: TemplateRecognizer, rng: random.Random, count: int) -> list[Example]:
    """Out-of-home requests and template sentences about devices this home does not have."""
    examples = [Example(text, NONE_WORD) for text in rng.sample(OUT_OF_HOME_COMMANDS, min(count, len(OUT_OF_HOME_COMMANDS)))]
    vocabulary = set(templates.registry.vocabulary())
    absent = [name for name in ABSENT_DEVICES if not set(name.split()) & vocabulary]
    if absent:
        fake_lists = {**templates.slot_lists, "name": TextSlotList.from_strings(absent, name="name")}
        sampler = SentenceSampler(templates.intents, fake_lists, rng.randrange(1 << 30))
        with_name = [name for name, spec in intent_slots(templates.intents).items() if "name" in spec.slots]
        for _ in range(MAX_ATTEMPTS):
            if len(examples) >= 2 * count or not with_name:
                break
            text = sampler.sample(rng.choice(with_name))
            if text and templates.recognize(text) is None and any(name in text for name in absent):
                examples.append(Example(text, NONE_WORD))
    return examples

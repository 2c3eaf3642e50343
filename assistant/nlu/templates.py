"""Template intents: hassil matches text against the sentences in ``intents/*.yaml``.

The lists ``{name}``, ``{area}`` and ``{type}`` come from the registry, so templates never name a
device. A first pass accepts only known names; a second pass lets ``{name}``/``{area}`` match any
words, so "turn on the attic light" is understood as TurnOn of an unknown device ("attic light")
and answered as such instead of being guessed at.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hassil
from hassil import Intents, RecognizeResult, SlotList, TextSlotList, recognize_all, recognize_best
from hassil.errors import HassilError

from ..errors import ConfigError, ConfigErrors
from ..registry import Registry
from ..yamlsource import Field, load_yaml
from .intent import Intent

_LOGGER = logging.getLogger(__name__)

REGISTRY_LISTS = ("name", "area", "type")
"""Slot lists the registry fills; intents files must not define them."""

_LIST_REFERENCE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[A-Za-z_][A-Za-z0-9_]*)?\}")
_RULE_REFERENCE = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>")
_PUNCTUATION = re.compile(r"[?!,;:\"]+|\.(?!\d)")


@dataclass(frozen=True)
class IntentFiles:
    """The merged content of the intents files, validated, as hassil's Intents."""

    intents: Intents
    files: tuple[Path, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.intents.intents)


def intent_files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        else:
            files.append(path)
    return files


def load_intents(paths: Iterable[Path]) -> IntentFiles:
    """Read, validate and merge intents files; every problem names its file, line and key."""
    files = intent_files(paths)
    merged: dict[str, Any] = {"language": "en", "intents": {}, "lists": {}, "expansion_rules": {}, "skip_words": []}
    errors: list[ConfigError] = []
    for file in files:
        try:
            _merge_file(Field.root(file, load_yaml(file)), merged)
        except ConfigErrors as err:
            errors.extend(err.errors)
        except ConfigError as err:
            errors.append(err)
    if not errors:
        errors.extend(_check_references(merged))
    if errors:
        raise ConfigErrors(errors)
    if not merged["intents"]:
        raise ConfigErrors([ConfigError(files[0] if files else Path("intents"), None, "intents", "no intents defined")])
    try:
        intents = Intents.from_dict(_strip_sources(merged))
    except (HassilError, ValueError, KeyError, AssertionError) as err:  # hassil's own checks
        raise ConfigErrors([ConfigError(files[0], None, "", f"hassil rejected the intents: {err}")]) from err
    return IntentFiles(intents, tuple(files))


def _merge_file(root: Field, merged: dict[str, Any]) -> None:
    errors: list[ConfigError] = []
    root.check_keys(("language", "intents", "lists", "expansion_rules", "skip_words", "responses"))
    language = root.get("language").text("en")
    if language != "en":
        raise root.get("language").error(f"unsupported language {language!r} (expected: en)")
    for name, intent in root.get("intents").entries():
        try:
            data = []
            intent.check_keys(("data",))
            for block in intent.get("data").required().items():
                block.check_keys(
                    ("sentences", "slots", "requires_context", "excludes_context", "expansion_rules", "lists", "response", "metadata")
                )
                sentences = []
                for sentence in block.get("sentences").required().items():
                    text = sentence.text()
                    try:
                        hassil.parse_sentence(text)
                    except Exception as err:  # hassil raises several exception types for bad templates
                        raise sentence.error(f"invalid template {text!r}: {err}") from err
                    sentences.append((text, sentence))
                plain = block.plain()
                plain["sentences"] = [text for text, _ in sentences]
                plain["_sources"] = [s for _, s in sentences]
                data.append(plain)
            if name in merged["intents"]:
                merged["intents"][name]["data"].extend(data)
            else:
                merged["intents"][name] = {"data": data}
        except ConfigError as err:
            errors.append(err)
    for name, slot_list in root.get("lists").entries():
        if name in REGISTRY_LISTS:
            errors.append(slot_list.error(f"the list {{{name}}} is filled from config (devices and areas); do not define it here"))
            continue
        if not any(key in slot_list.mapping() for key in ("values", "range", "wildcard")):
            errors.append(slot_list.error("expected one of: values, range, wildcard"))
            continue
        merged["lists"][name] = slot_list.plain() | {"_source": slot_list}
    for name, rule in root.get("expansion_rules").entries():
        text = rule.text()
        try:
            hassil.parse_sentence(text)
        except Exception as err:  # noqa: BLE001 - reported with its location
            errors.append(rule.error(f"invalid template {text!r}: {err}"))
            continue
        merged["expansion_rules"][name] = text
        merged.setdefault("_rule_sources", {})[name] = rule
    merged["skip_words"].extend(root.get("skip_words").text_list())
    if errors:
        raise ConfigErrors(errors)


def _check_references(merged: dict[str, Any]) -> list[ConfigError]:
    """Every {list} and <rule> a template uses must exist."""
    errors: list[ConfigError] = []
    known_lists = set(merged["lists"]) | set(REGISTRY_LISTS)
    known_rules = set(merged["expansion_rules"])
    checks: list[tuple[str, Field]] = []
    for intent in merged["intents"].values():
        for block in intent["data"]:
            checks.extend(zip(block["sentences"], block["_sources"], strict=True))
    checks.extend((text, merged["_rule_sources"][name]) for name, text in merged["expansion_rules"].items())
    for text, source in checks:
        for list_name in _LIST_REFERENCE.findall(text):
            if list_name not in known_lists:
                errors.append(source.error(f"unknown list {{{list_name}}} (expected one of: {', '.join(sorted(known_lists))})"))
        for rule_name in _RULE_REFERENCE.findall(text):
            if rule_name not in known_rules:
                errors.append(source.error(f"unknown expansion rule <{rule_name}> (expected one of: {', '.join(sorted(known_rules))})"))
    return errors


def _strip_sources(merged: dict[str, Any]) -> dict[str, Any]:
    clean = {key: value for key, value in merged.items() if not key.startswith("_")}
    clean["intents"] = {
        name: {"data": [{k: v for k, v in block.items() if not k.startswith("_")} for block in intent["data"]]}
        for name, intent in merged["intents"].items()
    }
    clean["lists"] = {name: {k: v for k, v in value.items() if not k.startswith("_")} for name, value in merged["lists"].items()}
    return clean


def registry_slot_lists(registry: Registry) -> dict[str, SlotList]:
    """{name}, {area} and {type} for this home."""
    return {
        "name": TextSlotList.from_strings(registry.device_names(), name="name"),
        "area": TextSlotList.from_tuples(registry.area_names(), name="area"),
        "type": TextSlotList.from_tuples(registry.type_words(), name="type"),
    }


def normalize_command(text: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", text.replace("%", " percent ")).lower().split())


class TemplateRecognizer:
    """Recognises commands that follow the templates exactly (microseconds to a few ms)."""

    name = "template"

    def __init__(self, intent_files: IntentFiles, registry: Registry) -> None:
        self.intent_files = intent_files
        self.registry = registry
        self.slot_lists = registry_slot_lists(registry)

    @property
    def intents(self) -> Intents:
        return self.intent_files.intents

    def recognize(self, text: str) -> Intent | None:
        normalized = normalize_command(text)
        if not normalized:
            return None
        result = self._match(normalized, allow_unknown=False)
        if result is None:
            return None
        return _to_intent(result, text)

    def recognize_unknown(self, text: str) -> Intent | None:
        """A template match whose device, area or colour words name nothing this home knows.

        Of all the ways the words can fill a template, the one with the fewest unknown slots
        (then the most known ones) wins, and only when each unknown is a plain phrase: not a
        number out of range, not a word the home does know, not a stray "the" or "to".
        """
        normalized = normalize_command(text)
        if not normalized:
            return None
        known_words = (
            {word for word, _ in self.registry.type_words()}
            | {name for name, _ in self.registry.area_names()}
            | set(self.registry.device_names())
        )
        best: tuple[tuple[int, int], Intent] | None = None
        try:
            results = recognize_all(normalized, self.intents, slot_lists=self.slot_lists, allow_unmatched_entities=True)
            for result in results:
                if not result.unmatched_entities:
                    continue
                intent = _to_intent(result, text)
                if len(intent.unknown) != len(result.unmatched_entities) or not _plausible_unknown(intent, known_words):
                    continue
                score = (len(intent.unknown), -len(intent.slots))
                if best is None or score < best[0]:
                    best = (score, intent)
        except Exception:  # hassil is third-party: a failure there must not take the assistant down
            _LOGGER.exception("hassil failed on %r", text)
            return None
        if best is None:
            return None
        intent = best[1]
        return dataclasses.replace(intent, tentative=self._names_a_device(normalized))

    def _names_a_device(self, normalized: str) -> bool:
        """Whether the command says one of the home's device names in full, inside the unknown words
        ("lock up the front door" read as the colour "up the front door") or around them ("the
        kitchen light needs to be brighter" read as the colour "needs to be brighter"): then the
        unknown name is only the last resort, and a later recogniser reads the command first."""
        padded = f" {normalized.lower()} "
        return any(f" {name.lower()} " in padded for name in self.registry.device_names())

    def _match(self, text: str, allow_unknown: bool) -> RecognizeResult | None:
        try:
            return recognize_best(
                text,
                self.intents,
                slot_lists=self.slot_lists,
                allow_unmatched_entities=allow_unknown,
                best_slot_name="name",
            )
        except Exception:  # hassil is third-party: a failure there must not take the assistant down
            _LOGGER.exception("hassil failed on %r", text)
            return None


class UnknownNameRecognizer:
    """The second template pass as a recogniser of its own, so the chain can place it."""

    name = "template"

    def __init__(self, templates: TemplateRecognizer) -> None:
        self.templates = templates

    def recognize(self, text: str) -> Intent | None:
        return self.templates.recognize_unknown(text)


UNKNOWN_SLOTS = frozenset({"name", "area", "color"})
"""Slots whose unknown words get an answer ("I don't know a device called ...")."""

MAX_UNKNOWN_WORDS = 4
"""Longer unknown phrases are more likely a sentence we do not understand than a name."""

_NOT_A_NAME_START = ("the ", "to ", "in ", "a ", "an ", "of ", "on ", "off ", "and ", "then ", "or ")

_NEVER_IN_NAMES = frozenset(
    (
        *("i", "i'm", "me", "my", "you", "your", "it", "it's", "its", "we", "us", "our", "they", "them", "he", "she"),
        *("is", "are", "was", "be", "am", "been", "do", "does", "did", "have", "has", "need", "needs", "want", "wants"),
        *("can", "could", "would", "should", "will", "please", "now", "with"),
        *("everything", "something", "anything", "nothing"),
    )
)
"""Words no device, area or colour name is made of: pronouns, forms of be, do, have, need, want,
modal verbs, "please", "now", "with", "everything" and its kin. An unknown phrase holding one
("how hot is it", "i need", "is making me cold") is a sentence the templates cut in the wrong
place, not a name."""


def _plausible_unknown(intent: Intent, known_words: set[str]) -> bool:
    for slot, words in intent.unknown.items():
        if slot not in UNKNOWN_SLOTS:
            return False
        if not words or any(char.isdigit() for char in words) or len(words.split()) > MAX_UNKNOWN_WORDS:
            return False
        if words in known_words or f"{words} ".startswith(_NOT_A_NAME_START) or " and " in f" {words} ":
            return False
        if any(word in _NEVER_IN_NAMES for word in words.split()):
            return False
    return True


def _to_intent(result: RecognizeResult, text: str) -> Intent:
    slots: dict[str, Any] = {}
    slot_texts: dict[str, str] = {}
    for name, entity in result.entities.items():
        slots[name] = _plain_value(entity.value)
        slot_texts[name] = entity.text_clean if entity.text else str(entity.value)
    unknown: dict[str, str] = {}
    for name, unmatched in result.unmatched_entities.items():
        unmatched_text = getattr(unmatched, "text", "")
        if isinstance(unmatched_text, str) and unmatched_text.strip():
            unknown[name] = " ".join(unmatched_text.split())
        elif isinstance(unmatched_text, str):
            unknown[name] = ""
    return Intent(
        name=result.intent.name,
        slots=slots,
        text=text,
        source="template",
        slot_texts=slot_texts,
        unknown=unknown,
    )


def _plain_value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def describe_slots(slots: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(slots.items()))

"""What the assistant says: reply templates from the intents folder, filled with natural words.

Templates use ``{name}`` placeholders only; filling is plain substitution of known names (no
expressions). Numbers are written as people say them (21.5, 21, 40), device lists as
"the kitchen light and the hallway light".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError, ConfigErrors
from .nlu.templates import intent_files
from .yamlsource import Field, load_yaml

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

REQUIRED_KEYS = {
    "done": ("default",),
    "answers": (
        "state_yes",
        "state_no",
        "state_unknown",
        "temperature",
        "temperature_device",
        "temperature_unknown",
    ),
    "problems": (
        "unknown_device",
        "unknown_area",
        "not_in_area",
        "no_device_of_type",
        "no_device_of_type_anywhere",
        "no_device_for_intent",
        "ambiguous",
        "unsupported",
        "out_of_range",
        "unknown_color",
        "no_reading",
        "broker_down",
        "timed_out",
        "not_understood",
        "not_heard",
    ),
    "dialogue": ("confirm", "cancelled", "stopped", "choice_not_understood"),
    "actions": (),
}


@dataclass(frozen=True)
class Reply:
    """One thing to say, and whether the assistant now waits for an answer."""

    text: str
    kind: str
    """done, answer, question, problem or dialogue."""
    key: str
    """The template it came from, e.g. problems.unknown_device."""
    expects_answer: bool = False


@dataclass(frozen=True)
class ReplyBook:
    templates: Mapping[str, str]
    """Flat keys: done.TurnOn, problems.unknown_device, dry_run, ..."""

    def has(self, key: str) -> bool:
        return key in self.templates

    def say(self, key: str, kind: str, values: Mapping[str, Any] | None = None, *, expects_answer: bool = False) -> Reply:
        template = self.templates[key]
        words = {name: spoken(value) for name, value in (values or {}).items()}
        text = PLACEHOLDER.sub(lambda match: words.get(match.group(1), match.group(0)), template)
        return Reply(_sentence_case(text), kind, key, expects_answer)

    def action_phrase(self, action: str) -> str:
        return self.templates.get(f"actions.{action}", action.replace("_", " "))


def load_replies(paths: Iterable[Path]) -> ReplyBook:
    templates: dict[str, str] = {}
    sources: list[Path] = []
    errors: list[ConfigError] = []
    for file in intent_files(paths):
        root = Field.root(file, load_yaml(file))
        responses = root.get("responses")
        if responses.is_missing:
            continue
        sources.append(file)
        try:
            _flatten(responses, "", templates)
        except ConfigError as err:
            errors.append(err)
    where = sources[0] if sources else next(iter(intent_files(paths)), Path("intents"))
    for section, keys in REQUIRED_KEYS.items():
        for key in keys:
            if f"{section}.{key}" not in templates:
                errors.append(ConfigError(where, None, f"responses.{section}.{key}", "missing reply template"))
    if errors:
        raise ConfigErrors(errors)
    return ReplyBook(templates)


def _flatten(field: Field, prefix: str, into: dict[str, str]) -> None:
    for key, child in field.entries():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(child.value, dict):
            _flatten(child, name, into)
        else:
            into[name] = child.text()


# --- reading values aloud ------------------------------------------------------------------


def spoken(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.1f}".rstrip("0").rstrip(".")
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return join_words(value)
    return str(value)


def join_words(words: Sequence[str], conjunction: str = "and") -> str:
    items = list(words)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text

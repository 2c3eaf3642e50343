"""The value every recogniser produces, and the interface they share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Intent:
    """What a person asked for, with slots naming things in the home (device names, area ids, numbers)."""

    name: str
    slots: Mapping[str, Any]
    text: str
    source: str = "template"
    """Which recogniser decided: "template", "template+fuzzy" (after a correction) or "llm"."""
    confidence: float = 1.0
    slot_texts: Mapping[str, str] = field(default_factory=dict)
    """The words that filled each slot, as spoken."""
    unknown: Mapping[str, str] = field(default_factory=dict)
    """Slots whose words name nothing in this home, e.g. {"name": "attic light"}."""
    corrected: Mapping[str, str] = field(default_factory=dict)
    """Heard words taken for the home's words (fuzzy matching), e.g. {"kitten light": "kitchen light"}."""
    tentative: bool = False
    """A later recogniser may read the command better: the unknown words hold one of the home's
    device names ("lock up the front door" parsed as the colour "up the front door")."""

    def as_dict(self) -> dict[str, Any]:
        report: dict[str, Any] = {"name": self.name, "slots": dict(self.slots)}
        if self.unknown:
            report["unknown"] = dict(self.unknown)
        if self.corrected:
            report["corrected"] = dict(self.corrected)
        if self.confidence != 1.0:
            report["confidence"] = round(self.confidence, 3)
        return report


class IntentRecognizer(Protocol):
    """Maps text to an Intent, or None when it cannot."""

    name: str

    def recognize(self, text: str) -> Intent | None: ...


@dataclass(frozen=True)
class IntentChain:
    """Recognisers in order; the first that answers decides (templates first, then the model).

    A ``tentative`` answer (the unknown-name pass wrapped a real device name in other words:
    "lock up the front door" parsed as the colour "up the front door") is kept only as the last
    resort: a later recogniser that understands the whole command decides instead, and only if
    none does is the unknown name what the user hears. An unknown name that holds no device of
    the home ("turn on the kitchen TV", "close the garage window") is final: the model is not
    asked, so it cannot put the kitchen light or the garage door in its place.
    """

    recognizers: tuple[IntentRecognizer, ...]

    def recognize(self, text: str) -> Intent | None:
        last_resort: Intent | None = None
        for recognizer in self.recognizers:
            intent = recognizer.recognize(text)
            if intent is None:
                continue
            if not intent.tentative:
                return intent
            last_resort = last_resort or intent
        return last_resort

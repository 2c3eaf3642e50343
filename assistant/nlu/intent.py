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
    """Recognisers in order; the first that answers decides (templates first, then the model)."""

    recognizers: tuple[IntentRecognizer, ...]

    def recognize(self, text: str) -> Intent | None:
        for recognizer in self.recognizers:
            intent = recognizer.recognize(text)
            if intent is not None:
                return intent
        return None

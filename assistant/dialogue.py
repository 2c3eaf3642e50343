"""The short exchanges voice control needs: which one?, are you sure?, stop.

A Session remembers one pending question for a limited time. Its answer is read without the
wake word; anything that is not an answer drops the question and is handled as a new command.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .devices.model import Device
from .nlu.intent import Intent
from .registry import Registry, normalize
from .resolver import Resolved

YES = frozenset({"yes", "yeah", "yep", "sure", "ok", "okay", "do it", "yes please", "please do", "confirm", "correct", "go ahead", "affirmative"})
NO = frozenset({"no", "nope", "no thanks", "don't", "do not", "negative", "no don't"})
STOP = frozenset({"stop", "cancel", "never mind", "nevermind", "forget it", "be quiet", "shut up", "quiet", "abort", "nothing"})

_WORDS = re.compile(r"[^a-z0-9' ]+")


def words_of(text: str) -> str:
    return " ".join(_WORDS.sub(" ", text.lower()).split())


def is_stop(text: str) -> bool:
    return words_of(text) in STOP


@dataclass(frozen=True)
class PendingChoice:
    """Asked "which one?" about these candidates for this intent."""

    intent: Intent
    candidates: tuple[Device, ...]


@dataclass(frozen=True)
class PendingConfirmation:
    """Asked "are you sure?" before this action."""

    intent: Intent
    resolved: Resolved


Pending = PendingChoice | PendingConfirmation


@dataclass
class Session:
    """One conversation: at most one pending question, forgotten after ``window`` seconds."""

    window: float = 8.0
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    _pending: Pending | None = None
    _asked_at: float = 0.0

    def ask(self, pending: Pending) -> None:
        self._pending = pending
        self._asked_at = self.clock()

    def take(self) -> Pending | None:
        """The pending question if still open; it is consumed either way."""
        pending, self._pending = self._pending, None
        if pending is None or self.clock() - self._asked_at > self.window:
            return None
        return pending

    def peek(self) -> Pending | None:
        if self._pending is None or self.clock() - self._asked_at > self.window:
            return None
        return self._pending

    def clear(self) -> None:
        self._pending = None


def answer_kind(text: str) -> str | None:
    """yes, no, or None for a yes/no question."""
    said = words_of(text)
    if said in YES or said.startswith("yes "):
        return "yes"
    if said in NO or said.startswith("no "):
        return "no"
    return None


def choose(text: str, candidates: tuple[Device, ...], registry: Registry) -> Device | None:
    """The candidate an answer to "which one?" names, by area or by its own name; None if unclear."""
    said = f" {words_of(text)} "
    matches: list[Device] = []
    for device in candidates:
        names = [device.name, device.id.replace("_", " ")]
        if device.area is not None:
            area = registry.area(device.area)
            names.extend(area.spoken_names)
        if any(f" {normalize(name)} " in said for name in names):
            matches.append(device)
    return matches[0] if len(matches) == 1 else None

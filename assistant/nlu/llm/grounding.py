"""An answer of the language model must act on the device the command names, when it names one.

    grounding = Grounding(registry)
    grounding.named("the printer should get power")       # (desk plug,): "printer" is its alias
    grounding.check("the printer should get power", (coffee_machine,))
    # 'the command names the desk plug'

The grammar keeps the model to real devices, but not to the right one: a small model reading "the
printer should get power" can still pick the coffee machine, the other switch. When the command
says a device's name or alias in full, an answer that touches none of the devices so named is not
carried out, however sure the model is. Likewise a command that names no device but an area ("the
sun is blinding me in the kitchen") is not carried out on devices outside that area (the garage
door), as the resolver would not for a template ("close the blinds in the kitchen"). Commands
that name neither (misheard names, "it's too dark in here") are left to the model. Where one name
is part of another ("lamp", "reading lamp"; "kitchen", "kitchen light"), the longer one counts.

A number is the other thing an answer must not change: when a command says a number, the model's
temperature must be that number, in digits or in words ("21", "20.5", "twenty one point five").
Whisper's free text for "set the oven to two hundred degrees" (a device this home lacks),
"certainly i've been to 200 degrees", had the model set the thermostat to 20 at 0.98 (session
12's speech bench). A command that says no number ("I'm freezing") is left to the model, and so
are brightness and position ("half", "full", "a quarter").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ...devices.model import Device
from ...registry import Registry
from ...stt.numbers import number_words

SAID_NUMBERS = ("temperature",)
"""Number slots whose value the command itself must say."""


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9']+", text.lower().replace("_", " ")))


@dataclass(frozen=True)
class _Name:
    words: tuple[str, ...]
    devices: tuple[Device, ...] = ()
    areas: tuple[str, ...] = ()
    """Area ids, for an area's name or alias."""


class Grounding:
    def __init__(self, registry: Registry) -> None:
        by_phrase: dict[tuple[str, ...], list[Device]] = {}
        for device in registry.devices:
            for spoken in device.spoken_names:
                words = _words(spoken)
                if words and device not in by_phrase.setdefault(words, []):
                    by_phrase[words].append(device)
        areas: dict[tuple[str, ...], list[str]] = {}
        for spoken, area_id in registry.area_names():
            areas.setdefault(_words(spoken), []).append(area_id)
        self.area_names = {area.id: area.name for area in registry.areas}
        names = [_Name(words, devices=tuple(devices)) for words, devices in by_phrase.items()]
        names += [_Name(words, areas=tuple(ids)) for words, ids in areas.items() if words not in by_phrase]
        # longest first, so "reading lamp" is found before the "lamp" inside it; a device name
        # before an area name of the same length
        self.names = sorted(names, key=lambda n: (-len(n.words), not n.devices))

    def named(self, text: str) -> tuple[tuple[Device, ...], tuple[str, ...]]:
        """The devices and the area ids whose names the command says in full (longest first, no overlaps)."""
        words = _words(text)
        taken = [False] * len(words)
        devices: list[Device] = []
        areas: list[str] = []
        for name in self.names:
            size = len(name.words)
            for start in range(len(words) - size + 1):
                if tuple(words[start : start + size]) == name.words and not any(taken[start : start + size]):
                    taken[start : start + size] = [True] * size
                    devices.extend(device for device in name.devices if device not in devices)
                    areas.extend(area for area in name.areas if area not in areas)
        return tuple(devices), tuple(areas)

    def check(self, text: str, devices: Iterable[Device]) -> str | None:
        """None when the answer's devices agree with the names in ``text``; else why not."""
        answer = tuple(devices)
        named_devices, named_areas = self.named(text)
        if named_devices:
            if {d.id for d in named_devices} & {d.id for d in answer}:
                return None
            return "the command names the " + " or the ".join(device.name for device in named_devices)
        if named_areas and not any(device.area in named_areas for device in answer):
            return "the command names the " + " or the ".join(self.area_names[area] for area in named_areas)
        return None

    def unsaid_number(self, text: str, slots: Mapping[str, Any]) -> str | None:
        """None unless ``text`` says a number and a slot of ``SAID_NUMBERS`` is another; else why not."""
        for slot in SAID_NUMBERS:
            value = slots.get(slot)
            if isinstance(value, (int, float)) and says_a_number(text) and not says_number(text, float(value)):
                return f"the command says no {slot} of {value:g}"
        return None


_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
_NUMBER_WORDS = frozenset(word for number in (*range(20), *range(20, 100, 10), 100, 1000) for word in number_words(number))


def says_a_number(text: str) -> bool:
    lowered = text.lower()
    return bool(_DIGITS.search(lowered)) or any(word in _NUMBER_WORDS for word in _words(lowered.replace("-", " ")))


def says_number(text: str, value: float) -> bool:
    """Whether ``text`` says ``value``, in digits ("20.5") or words ("twenty point five")."""
    lowered = text.lower().replace("-", " ")
    if any(float(digits.replace(",", ".")) == value for digits in _DIGITS.findall(lowered)):
        return True
    try:
        spoken = number_words(value)
    except ValueError:
        return False
    words = _words(lowered)
    return any(words[start : start + len(spoken)] == spoken for start in range(len(words) - len(spoken) + 1))

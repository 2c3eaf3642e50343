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
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ...devices.model import Device
from ...registry import Registry


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

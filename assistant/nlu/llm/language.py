"""The language model's answer language: one short line naming a real target, an action it supports, values.

    kitchen_light set_brightness 30
    coffee_machine make_coffee large latte oat_milk
    all_lights turn_off
    bedroom query_temperature
    none

The line is built target first: a device id (or a group: ``all_lights``, an area id), then the
action in snake_case (the intent's name), then the intent's value slots in template order. Putting
the target first lets the grammar offer, after it, only the actions that target supports, and a
device with a single action (the thermostat) costs no decision at all.

Everything is derived at start-up from the registry and the intents files, and checked with the
lead's Resolver: a (target, action, value) is offered only if the Resolver would carry it out
(or answer it, for questions). Device ids map back to the device's spoken ``name``, so the
recogniser emits exactly the Intent shape the templates emit.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hassil import Intents
from hassil.intents import RangeSlotList, SlotList, TextSlotList

from ...devices.model import Device, DeviceType
from ...registry import TYPE_WORDS, Registry
from ...resolver import QUERY_INTENTS, Problem, Query, Resolved, Resolver, done_reply_name
from ..intent import Intent
from .sentences import IntentSlots, first_phrase, intent_slots, range_values

_LOGGER = logging.getLogger(__name__)

NONE_WORD = "none"

STATE_WORDS: dict[DeviceType, tuple[str, ...]] = {
    DeviceType.LIGHT: ("on", "off"),
    DeviceType.SWITCH: ("on", "off"),
    DeviceType.FAN: ("on", "off"),
    DeviceType.COVER: ("open", "closed"),
    DeviceType.LOCK: ("locked", "unlocked"),
}
"""Which answers of QueryState make sense for a device of each type."""

_SWITCHING = ("TurnOn", "TurnOff", "Toggle")

READING_TYPES = frozenset({DeviceType.CLIMATE, DeviceType.SENSOR})
"""Devices that can answer QueryTemperature."""

_WORD = re.compile(r"^[a-z0-9][a-z0-9_.]*$")


def snake_case(name: str) -> str:
    """``BrightnessUp`` -> ``brightness_up``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def as_word(text: str) -> str:
    return "_".join(str(text).lower().split())


@dataclass(frozen=True)
class ValueChoice:
    """One value slot of an action: the words the model may write and the slot value each means."""

    slot: str
    words: Mapping[str, Any]
    optional: bool = False
    default: Any = None


@dataclass(frozen=True)
class Verb:
    """An action a target supports: the intent it means and its value slots, in order."""

    intent: str
    word: str
    values: tuple[ValueChoice, ...] = ()
    takes_target: bool = True
    """False for intents whose templates name no target (MakeCoffee): the target word is dropped."""
    defaults: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """Something a command can act on: a device, all devices of a type, an area."""

    word: str
    slots: Mapping[str, Any]
    devices: tuple[Device, ...]
    description: str
    verbs: tuple[Verb, ...]

    def verb(self, word: str) -> Verb | None:
        return next((verb for verb in self.verbs if verb.word == word), None)


class LineError(ValueError):
    """A line outside the answer language (a model without the grammar could write one)."""


@dataclass(frozen=True)
class OutputLanguage:
    targets: tuple[Target, ...]
    resolver: Resolver = field(compare=False, repr=False)

    def target(self, word: str) -> Target | None:
        return next((target for target in self.targets if target.word == word), None)

    def lines(self) -> Iterable[str]:
        """Every complete line (with all optional values written); for tests and small homes only."""
        yield NONE_WORD
        for target in self.targets:
            for verb in target.verbs:
                prefix = f"{target.word} {verb.word}"
                yield from _value_lines(prefix, verb.values)

    # --- line -> intent -------------------------------------------------------------------

    def parse(self, line: str, text: str = "", confidence: float = 1.0) -> Intent | None:
        """The Intent a line means, None for ``none``; LineError for anything else."""
        words = line.split()
        if words == [NONE_WORD]:
            return None
        if len(words) < 2:
            raise LineError(f"expected a target and an action, got {line!r}")
        target = self.target(words[0])
        if target is None:
            raise LineError(f"unknown target {words[0]!r}")
        verb = target.verb(words[1])
        if verb is None:
            raise LineError(f"{target.word} cannot {words[1]!r}")
        slots: dict[str, Any] = dict(target.slots) if verb.takes_target else {}
        rest = words[2:]
        for choice in verb.values:
            if rest and rest[0] in choice.words:
                slots[choice.slot] = choice.words[rest.pop(0)]
            elif choice.optional:
                slots[choice.slot] = choice.default
            else:
                raise LineError(f"{verb.word} needs a {choice.slot} ({' '.join(list(choice.words)[:5])} ...)")
        if rest:
            raise LineError(f"unexpected {' '.join(rest)!r} after {verb.word}")
        for slot, value in verb.defaults.items():
            slots.setdefault(slot, value)
        slot_texts = {slot: str(value) for slot, value in slots.items()}
        return Intent(verb.intent, slots, text, source="llm", confidence=confidence, slot_texts=slot_texts)

    # --- intent -> line -------------------------------------------------------------------

    def encode(self, intent: Intent) -> str | None:
        """The shortest line meaning the same as ``intent`` (same devices, same values), or None."""
        wanted = _devices_of(self.resolver.resolve(intent))
        if wanted is None:
            return None
        best: tuple[int, str] | None = None
        target_slots = {key: value for key, value in intent.slots.items() if key in ("name", "area", "type", "scope")}
        for target in self.targets:
            for verb in target.verbs:
                if verb.intent != intent.name:
                    continue
                values = _value_words(verb, intent.slots)
                if values is None:
                    continue
                line = " ".join([target.word, verb.word, *values])
                candidate = self.parse(line)
                if candidate is None or _devices_of(self.resolver.resolve(candidate)) != wanted:
                    continue
                rank = _target_rank(target, target_slots)
                if best is None or rank < best[0]:
                    best = (rank, line)
        return best[1] if best else None


def _target_rank(target: Target, slots: Mapping[str, Any]) -> int:
    if dict(target.slots) == slots:
        return 0
    if set(target.slots) == set(slots):
        return 1
    return 2 if "name" in target.slots else 3


def _value_words(verb: Verb, slots: Mapping[str, Any]) -> list[str] | None:
    words: list[str] = []
    for choice in verb.values:
        value = slots.get(choice.slot, choice.default if choice.optional else None)
        if choice.optional and value == choice.default:
            continue
        word = next((w for w, v in choice.words.items() if _same(v, value)), None)
        if word is None:
            return None
        words.append(word)
    return words


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, (int, float)) and isinstance(right, (int, float)) and not isinstance(right, bool):
        return float(left) == float(right)
    return bool(str(left).lower() == str(right).lower())


def _value_lines(prefix: str, values: tuple[ValueChoice, ...]) -> Iterable[str]:
    if not values:
        yield prefix
        return
    first, rest = values[0], values[1:]
    if first.optional:
        yield from _value_lines(prefix, rest)
    for word in first.words:
        yield from _value_lines(f"{prefix} {word}", rest)


def _devices_of(resolution: Any) -> frozenset[str] | None:
    if isinstance(resolution, (Resolved, Query)):
        return frozenset(device.id for device in resolution.devices) or None
    return None


# --- building the language from the home -------------------------------------------------


def build_language(registry: Registry, intents: Intents, slot_lists: Mapping[str, SlotList]) -> OutputLanguage:
    """Every target of this home with the actions and values the Resolver accepts for it."""
    resolver = Resolver(registry)
    lists = {**intents.slot_lists, **slot_lists}
    specs = intent_slots(intents)
    candidates = _candidate_targets(registry)
    verbs_of: dict[str, list[Verb]] = {candidate.word: [] for candidate in candidates}
    device_words = {c.devices[0].id: c.word for c in candidates if c.kind == "device"}
    for spec in specs.values():
        domains = _domains(spec, lists)
        if domains is None:
            continue
        word = snake_case(spec.intent)
        if not spec.takes_target:
            for device_id, targetless in _targetless_verbs(spec, word, domains, resolver):
                verbs_of[device_words[device_id]].append(targetless)
            continue
        seen_groups: set[frozenset[str]] = set()
        for candidate in candidates:
            verb = _verb_for(spec, word, domains, candidate, resolver, seen_groups)
            if verb is not None:
                verbs_of[candidate.word].append(verb)
    targets = [
        Target(c.word, c.slots, c.devices, _describe(c, registry), tuple(verbs_of[c.word]))
        for c in candidates
        if verbs_of[c.word]
    ]
    _LOGGER.debug("answer language: %d targets, %d actions", len(targets), sum(len(t.verbs) for t in targets))
    return OutputLanguage(tuple(targets), resolver)


@dataclass(frozen=True)
class _Candidate:
    word: str
    slots: dict[str, Any]
    kind: str
    """device, group or area."""
    devices: tuple[Device, ...]


def _candidate_targets(registry: Registry) -> list[_Candidate]:
    """Every device, type group and area, each with a unique word.

    Words come from the spoken names, not the config ids: an id is whatever the user typed
    (``office_plug`` for the "desk plug", ``0x00158d0001a2b3c4`` from Zigbee2MQTT), and a small
    model copies words it read in the command far more reliably than it maps them to an id.
    """
    used = {NONE_WORD}
    found: list[_Candidate] = []

    def add(word: str, slots: dict[str, Any], kind: str, devices: tuple[Device, ...]) -> None:
        while word in used:
            word = f"{word}_{kind}"
        used.add(word)
        found.append(_Candidate(word, slots, kind, devices))

    for device in registry.devices:
        slots: dict[str, Any] = {"name": device.name}
        if len(registry.devices_named(device.name)) > 1 and device.area is not None:
            slots["area"] = device.area  # another device has this name as an alias: say where
        add(spoken_word(device.name, device.id), slots, "device", (device,))
    types = [kind for kind in DeviceType if any(d.type is kind for d in registry.devices)]
    for kind in types:
        add(f"all_{_plural(kind)}", {"scope": "all", "type": kind.value}, "group", registry.devices_in(None, kind))
    for area in registry.areas:
        add(spoken_word(area.name, area.id), {"area": area.id}, "area", registry.devices_in(area.id))
    for area in registry.areas:
        for kind in types:
            devices = registry.devices_in(area.id, kind)
            if devices:
                add(f"{spoken_word(area.name, area.id)}_{_plural(kind)}", {"area": area.id, "type": kind.value}, "group", devices)
    return found


def spoken_word(name: str, fallback: str) -> str:
    """``"Kid's lamp"`` -> ``kid_s_lamp``: a name as one answer word (the id if nothing is left)."""
    word = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return word or fallback


def _plural(kind: DeviceType) -> str:
    words = TYPE_WORDS.get(kind, ())
    return words[1] if len(words) > 1 else f"{kind.value}s"


def _domains(spec: IntentSlots, lists: Mapping[str, SlotList]) -> tuple[ValueChoice, ...] | None:
    """The value slots of an intent with every word its list allows; None if a list is unusable."""
    choices: list[ValueChoice] = []
    for slot in spec.value_slots:
        slot_list = lists.get(spec.lists[slot])
        words: dict[str, Any] = {}
        if isinstance(slot_list, RangeSlotList):
            for number in range_values(slot_list):
                words[str(number)] = number
        elif isinstance(slot_list, TextSlotList):
            for value in slot_list.values:
                out = value.value_out
                spoken = first_phrase(value.text_in).strip()
                word = as_word(out if isinstance(out, str) else spoken)
                if word and _WORD.match(word):
                    words.setdefault(word, out if out is not None else spoken)
        if not words:
            _LOGGER.debug("intent %s: slot %s has no usable values; not offered to the model", spec.intent, slot)
            return None
        optional = slot in spec.defaults
        choices.append(ValueChoice(slot, words, optional, spec.defaults.get(slot)))
    # An optional slot is only skippable when its words cannot be mistaken for the next slot's.
    for index, choice in enumerate(choices[:-1]):
        if choice.optional and set(choice.words) & set(choices[index + 1].words):
            choices[index] = ValueChoice(choice.slot, choice.words)
    return tuple(choices)


def _targetless_verbs(
    spec: IntentSlots, word: str, domains: tuple[ValueChoice, ...], resolver: Resolver
) -> list[tuple[str, Verb]]:
    """Intents without a target (MakeCoffee) hang off the devices that carry them out."""
    probe = _probe_slots(domains)
    resolution = resolver.resolve(Intent(spec.intent, probe, "", source="llm"))
    if isinstance(resolution, Resolved):
        devices = resolution.devices
    elif isinstance(resolution, Problem):
        devices = resolution.candidates
    else:
        devices = ()
    if not devices:
        _LOGGER.debug("intent %s names no target and no device carries it out; not offered", spec.intent)
        return []
    verb = Verb(spec.intent, word, domains, takes_target=False, defaults=_extra_defaults(spec))
    return [(device.id, verb) for device in devices]


def _probe_slots(domains: tuple[ValueChoice, ...]) -> dict[str, Any]:
    return {choice.slot: next(iter(choice.words.values())) for choice in domains}


def _extra_defaults(spec: IntentSlots) -> dict[str, Any]:
    return {slot: value for slot, value in spec.defaults.items() if slot not in spec.value_slots}


def _verb_for(
    spec: IntentSlots,
    word: str,
    domains: tuple[ValueChoice, ...],
    candidate: _Candidate,
    resolver: Resolver,
    seen_groups: set[frozenset[str]],
) -> Verb | None:
    """The action on this target with only the values the Resolver accepts, or None if it has none."""
    target_slots, kind, devices = candidate.slots, candidate.kind, candidate.devices
    if not set(target_slots) <= set(spec.slots):
        return None  # the templates never address this intent's target that way
    if spec.intent == "QueryState":
        return _query_state_verb(spec, word, domains, kind, devices)
    if spec.intent == "QueryTemperature" and kind == "device" and not all(d.type in READING_TYPES for d in devices):
        return None
    probe = _probe_slots(domains)
    accepted: list[ValueChoice] = []
    resolved_devices: frozenset[str] | None = None
    for choice in domains:
        words = {}
        for value_word, value in choice.words.items():
            devices_done = _accepts(resolver, spec.intent, {**target_slots, **probe, choice.slot: value})
            if devices_done is not None:
                words[value_word] = value
                resolved_devices = devices_done
        if not words:
            return None
        probe[choice.slot] = next(iter(words.values()))
        accepted.append(ValueChoice(choice.slot, words, choice.optional, choice.default))
    if not domains:
        resolved_devices = _accepts(resolver, spec.intent, dict(target_slots))
    if resolved_devices is None:
        return None
    if kind != "device":
        # A group of one device: the model should name the device. But an area that can be switched
        # at all can be switched on, off and over (on: its lights, see the Resolver): with turn_off
        # alone, a model that picks the room for "turn on the kitchen like" has turn_off forced on it.
        needed = 1 if spec.intent in QUERY_INTENTS or (kind == "area" and spec.intent in _SWITCHING) else 2
        if len(resolved_devices) < needed or resolved_devices in seen_groups:
            return None  # the same set twice: offer it once
        seen_groups.add(resolved_devices)
    return Verb(spec.intent, word, tuple(accepted), defaults=_extra_defaults(spec))


def _accepts(resolver: Resolver, intent_name: str, slots: Mapping[str, Any]) -> frozenset[str] | None:
    """The devices the Resolver would act on (or answer about), None if it would not."""
    resolution = resolver.resolve(Intent(intent_name, dict(slots), "", source="llm"))
    if isinstance(resolution, Resolved) and done_reply_name(resolution.action) == intent_name:
        return frozenset(device.id for device in resolution.devices) or None
    if isinstance(resolution, Query) and intent_name in QUERY_INTENTS:
        return frozenset(device.id for device in resolution.devices) or None
    return None


def _query_state_verb(
    spec: IntentSlots, word: str, domains: tuple[ValueChoice, ...], kind: str, devices: tuple[Device, ...]
) -> Verb | None:
    if kind != "device" or len(devices) != 1:
        return None
    allowed = STATE_WORDS.get(devices[0].type, ())
    choices = []
    for choice in domains:
        if choice.slot == "state":
            words = {w: v for w, v in choice.words.items() if str(v) in allowed}
            if not words:
                return None
            choice = ValueChoice(choice.slot, words, choice.optional, choice.default)
        choices.append(choice)
    return Verb(spec.intent, word, tuple(choices), defaults=_extra_defaults(spec))


def _describe(candidate: _Candidate, registry: Registry) -> str:
    slots, devices = candidate.slots, candidate.devices
    if candidate.kind == "device":
        device = devices[0]
        names = ", ".join(device.spoken_names)
        where = f" in the {registry.area_name(device.area)}" if device.area else ""
        return f"{device.type.value} {names}{where}"
    if slots.get("scope") == "all":
        return f"all {_plural(DeviceType(slots['type']))} in the home"
    if "type" in slots:
        return f"the {_plural(DeviceType(slots['type']))} in the {registry.area_name(slots['area'])}"
    area = registry.area(slots["area"])
    return "the " + ", ".join(area.spoken_names)

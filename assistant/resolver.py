"""From an Intent to the devices it means and the action to take on them, or the reason why not.

Targets are found by name or alias (narrowed by a spoken area, then by the assistant's own
area), by type in an area, by area alone (switching an area on means its lights; off, everything
in it), or by "all" of a type. A shared alias that still
names several devices is never guessed at: it becomes a question.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .devices.actions import Action, ActionKind
from .devices.colors import COLORS
from .devices.model import Device, DeviceType
from .nlu.intent import Intent
from .registry import Registry, normalize

BRIGHTNESS_STEP = 20
"""Percent a light gets brighter or dimmer by for "brighter"/"dimmer"."""

QUERY_INTENTS = ("QueryState", "QueryTemperature")

_SIMPLE_ACTIONS = {
    "TurnOn": ActionKind.TURN_ON,
    "TurnOff": ActionKind.TURN_OFF,
    "Toggle": ActionKind.TOGGLE,
    "Open": ActionKind.OPEN,
    "Close": ActionKind.CLOSE,
    "Lock": ActionKind.LOCK,
    "Unlock": ActionKind.UNLOCK,
}

BUILTIN_INTENTS = (
    *_SIMPLE_ACTIONS,
    "SetBrightness",
    "BrightnessUp",
    "BrightnessDown",
    "SetColor",
    "SetColorTemp",
    "SetPosition",
    "SetTemperature",
    *QUERY_INTENTS,
)


# --- what resolving can come to --------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    """Act: these devices, this action."""

    action: Action
    devices: tuple[Device, ...]


@dataclass(frozen=True)
class Query:
    """Answer from state: the devices asked about (or whose readings answer), and what was asked."""

    intent: str
    devices: tuple[Device, ...]
    asked: str | None = None
    """QueryState: the state word asked about (on, open, locked, ...)."""
    area: str | None = None


@dataclass(frozen=True)
class Problem:
    """Why nothing can be done; ``kind`` picks the reply, ``values`` fill it."""

    kind: str
    values: Mapping[str, Any] = field(default_factory=dict)
    candidates: tuple[Device, ...] = ()


Resolution = Resolved | Query | Problem


class Resolver:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def resolve(self, intent: Intent) -> Resolution:
        if intent.unknown:
            for slot, kind in (("name", "unknown_device"), ("area", "unknown_area")):
                if slot in intent.unknown:
                    return Problem(kind, {"name": intent.unknown[slot]})
            if "color" in intent.unknown:
                return Problem("unknown_color", {"color": intent.unknown["color"]})
            return Problem("not_understood")
        if intent.name in QUERY_INTENTS:
            return self._query(intent)
        action = self._action(intent)
        if isinstance(action, Problem):
            return action
        if action.kind is ActionKind.CUSTOM:
            return self._custom_targets(intent, action)
        targets = self._targets(intent, action.kind)
        if isinstance(targets, Problem):
            return targets
        return self._supported(targets, action, intent)

    def resolve_for(self, intent: Intent, targets: tuple[Device, ...]) -> Resolution:
        """Resolve ``intent`` on targets already chosen (the answer to "which one?")."""
        if intent.name in QUERY_INTENTS:
            return Query(intent.name, targets, asked=str(intent.slots.get("state", "on")))
        action = self._action(intent)
        if isinstance(action, Problem):
            return action
        if action.kind is ActionKind.CUSTOM:
            return Resolved(action, targets)
        return self._supported(targets, action, intent)

    # --- actions ------------------------------------------------------------------------

    def _action(self, intent: Intent) -> Action | Problem:
        slots = intent.slots
        name = intent.name
        if name in _SIMPLE_ACTIONS:
            return Action(_SIMPLE_ACTIONS[name])
        if name == "SetBrightness":
            return Action(ActionKind.SET_BRIGHTNESS, brightness=_clamp(slots.get("brightness"), 0, 100))
        if name == "BrightnessUp":
            return Action(ActionKind.STEP_BRIGHTNESS, brightness=BRIGHTNESS_STEP)
        if name == "BrightnessDown":
            return Action(ActionKind.STEP_BRIGHTNESS, brightness=-BRIGHTNESS_STEP)
        if name == "SetColor":
            color_name = str(slots.get("color", "")).lower()
            if color_name not in COLORS:
                return Problem("unknown_color", {"color": color_name or "that colour"})
            return Action(ActionKind.SET_COLOR, color=COLORS[color_name], color_name=color_name)
        if name == "SetColorTemp":
            return Action(ActionKind.SET_COLOR_TEMP, color_temp=int(_clamp(slots.get("color_temp"), 1500, 9000)))
        if name == "SetPosition":
            return Action(ActionKind.SET_POSITION, position=_clamp(slots.get("position"), 0, 100))
        if name == "SetTemperature":
            temperature = slots.get("temperature")
            if not isinstance(temperature, (int, float)):
                return Problem("not_understood")
            return Action(ActionKind.SET_TEMPERATURE, temperature=float(temperature))
        if self.registry.custom_devices_for(name):
            values = {key: value for key, value in slots.items() if key not in ("name", "area")}
            return Action(ActionKind.CUSTOM, intent=name, slots=values)
        return Problem("no_device_for_intent", {"intent": name})

    # --- targets ------------------------------------------------------------------------

    def _targets(self, intent: Intent, kind: ActionKind) -> tuple[Device, ...] | Problem:
        slots = intent.slots
        area = slots.get("area")
        if area is not None and not any(a.id == area for a in self.registry.areas):
            return Problem("unknown_area", {"name": intent.slot_texts.get("area", str(area))})
        name = slots.get("name")
        if name is not None:
            return self._named(str(name), area)
        device_type = _device_type(slots.get("type")) or _implied_type(kind)
        if slots.get("scope") == "all":
            found = self.registry.devices_in(area, device_type)
            if not found:
                return Problem("no_device_of_type", {"type": _type_word(device_type), "area": area})
            return found
        if area is None:
            if kind is ActionKind.SET_TEMPERATURE and device_type is DeviceType.CLIMATE:
                return self._climate_near_site()
            area = self.registry.site_area
        if device_type is None and area is None:
            return Problem("not_understood")
        found = self.registry.devices_in(area, device_type)
        if not found:
            return Problem("no_device_of_type", {"type": _type_word(device_type), "area": area})
        return found

    def _named(self, name: str, area: str | None) -> tuple[Device, ...] | Problem:
        candidates = self.registry.devices_named(name)
        if not candidates:
            return Problem("unknown_device", {"name": name})
        if area is not None:
            in_area = tuple(d for d in candidates if d.area == area)
            if not in_area:
                return Problem("not_in_area", {"name": name, "area": area})
            candidates = in_area
        if len(candidates) > 1:
            here = tuple(d for d in candidates if d.area == self.registry.site_area)
            if len(here) == 1:
                return here
            return Problem("ambiguous", {"name": normalize(name)}, candidates)
        return candidates

    def _climate_near_site(self) -> tuple[Device, ...] | Problem:
        here = self.registry.devices_in(self.registry.site_area, DeviceType.CLIMATE)
        if here:
            return here
        everywhere = self.registry.devices_in(None, DeviceType.CLIMATE)
        if len(everywhere) == 1:
            return everywhere
        if not everywhere:
            return Problem("no_device_of_type", {"type": "thermostat", "area": None})
        return Problem("ambiguous", {"name": "thermostat"}, everywhere)

    def _custom_targets(self, intent: Intent, action: Action) -> Resolution:
        candidates = self.registry.custom_devices_for(action.command_name)
        name = intent.slots.get("name")
        if name is not None:
            candidates = tuple(d for d in candidates if d in self.registry.devices_named(str(name)))
        area = intent.slots.get("area")
        if area is not None:
            candidates = tuple(d for d in candidates if d.area == area)
        if not candidates:
            return Problem("no_device_for_intent", {"intent": intent.name})
        if len(candidates) > 1:
            return Problem("ambiguous", {"name": candidates[0].name}, candidates)
        return Resolved(action, candidates)

    def _supported(self, targets: tuple[Device, ...], action: Action, intent: Intent) -> Resolution:
        if action.kind is ActionKind.SET_BRIGHTNESS and all(d.type is DeviceType.COVER for d in targets):
            # "set the blinds to 40 percent": for a cover, a percentage is its position.
            action = Action(ActionKind.SET_POSITION, position=action.brightness)
        able = tuple(d for d in targets if self.registry.supports(d, action.kind))
        if not able:
            return Problem("unsupported", {"action": action.kind.value}, targets)
        if action.kind is ActionKind.SET_TEMPERATURE:
            assert action.temperature is not None
            for device in able:
                if not device.min_temperature <= action.temperature <= device.max_temperature:
                    return Problem(
                        "out_of_range",
                        {"value": action.temperature, "min": device.min_temperature, "max": device.max_temperature},
                        (device,),
                    )
        return Resolved(action, able)

    # --- questions ----------------------------------------------------------------------

    def _query(self, intent: Intent) -> Resolution:
        slots = intent.slots
        area = slots.get("area")
        if intent.name == "QueryState":
            targets = self._targets(intent, ActionKind.TURN_ON)
            if isinstance(targets, Problem):
                return targets
            return Query(intent.name, targets, asked=str(slots.get("state", "on")), area=area)
        if slots.get("name") is not None:
            named = self._named(str(slots["name"]), area)
            if isinstance(named, Problem):
                return named
            return Query(intent.name, named, area=area)
        area = area or self.registry.site_area
        readers = tuple(
            d for d in self.registry.devices_in(area) if d.type in (DeviceType.CLIMATE, DeviceType.SENSOR)
        )
        if not readers:
            return Problem("no_reading", {"area": area})
        return Query(intent.name, readers, area=area)


_DONE_REPLY = {
    ActionKind.TURN_ON: "TurnOn",
    ActionKind.TURN_OFF: "TurnOff",
    ActionKind.TOGGLE: "Toggle",
    ActionKind.SET_BRIGHTNESS: "SetBrightness",
    ActionKind.SET_COLOR: "SetColor",
    ActionKind.SET_COLOR_TEMP: "SetColorTemp",
    ActionKind.OPEN: "Open",
    ActionKind.CLOSE: "Close",
    ActionKind.SET_POSITION: "SetPosition",
    ActionKind.LOCK: "Lock",
    ActionKind.UNLOCK: "Unlock",
    ActionKind.SET_TEMPERATURE: "SetTemperature",
}


def done_reply_name(action: Action) -> str:
    """The ``done`` reply for an action: by what was done, not by how it was asked."""
    if action.kind is ActionKind.CUSTOM:
        return action.intent or "default"
    if action.kind is ActionKind.STEP_BRIGHTNESS:
        return "BrightnessUp" if (action.brightness or 0) > 0 else "BrightnessDown"
    return _DONE_REPLY[action.kind]


def _clamp(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return low
    return int(max(low, min(high, round(value))))


def _device_type(value: Any) -> DeviceType | None:
    try:
        return DeviceType(value) if value is not None else None
    except ValueError:
        return None


_IMPLIED_TYPE = {
    # Switching a whole area on means its lights, as in Home Assistant: "turn on the kitchen" must
    # not start the coffee machine (or a heater on a plug). Switching an area off means everything.
    ActionKind.TURN_ON: DeviceType.LIGHT,
    ActionKind.TOGGLE: DeviceType.LIGHT,
    ActionKind.SET_BRIGHTNESS: DeviceType.LIGHT,
    ActionKind.STEP_BRIGHTNESS: DeviceType.LIGHT,
    ActionKind.SET_COLOR: DeviceType.LIGHT,
    ActionKind.SET_COLOR_TEMP: DeviceType.LIGHT,
    ActionKind.LOCK: DeviceType.LOCK,
    ActionKind.UNLOCK: DeviceType.LOCK,
    ActionKind.SET_TEMPERATURE: DeviceType.CLIMATE,
}


def _implied_type(kind: ActionKind) -> DeviceType | None:
    return _IMPLIED_TYPE.get(kind)


def _type_word(device_type: DeviceType | None) -> str:
    return device_type.value if device_type else "device"

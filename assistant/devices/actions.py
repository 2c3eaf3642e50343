"""What the assistant can ask a device to do, independent of how its protocol says it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .model import Capability, Device, DeviceType


class ActionKind(str, Enum):
    TURN_ON = "turn_on"
    TURN_OFF = "turn_off"
    TOGGLE = "toggle"
    SET_BRIGHTNESS = "set_brightness"
    STEP_BRIGHTNESS = "step_brightness"
    SET_COLOR = "set_color"
    SET_COLOR_TEMP = "set_color_temp"
    OPEN = "open"
    CLOSE = "close"
    SET_POSITION = "set_position"
    LOCK = "lock"
    UNLOCK = "unlock"
    SET_TEMPERATURE = "set_temperature"
    CUSTOM = "custom"
    """A user-defined intent that the device's own command template carries out."""


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    brightness: int | None = None
    """Percent for SET_BRIGHTNESS; signed percent step for STEP_BRIGHTNESS."""
    color: tuple[int, int, int] | None = None
    color_name: str | None = None
    color_temp: int | None = None
    """Kelvin."""
    position: int | None = None
    temperature: float | None = None
    intent: str | None = None
    """For CUSTOM: the intent's name, which names the device command."""
    slots: Mapping[str, Any] = field(default_factory=dict)
    """For CUSTOM: the recognised slot values that fill the command template."""

    @property
    def command_name(self) -> str:
        """The key a custom device's `commands:` uses for this action."""
        return self.intent if self.kind is ActionKind.CUSTOM and self.intent else self.kind.value

    def as_dict(self) -> dict[str, Any]:
        values: dict[str, Any] = {"kind": self.kind.value}
        for name in ("brightness", "color_name", "color_temp", "position", "temperature", "intent"):
            value = getattr(self, name)
            if value is not None:
                values[name] = value
        if self.color is not None:
            values["color"] = list(self.color)
        if self.slots:
            values["slots"] = dict(self.slots)
        return values


_POWER_TYPES = {DeviceType.LIGHT, DeviceType.SWITCH, DeviceType.FAN}

_REQUIRED_CAPABILITY = {
    ActionKind.SET_BRIGHTNESS: Capability.BRIGHTNESS,
    ActionKind.STEP_BRIGHTNESS: Capability.BRIGHTNESS,
    ActionKind.SET_COLOR: Capability.COLOR,
    ActionKind.SET_COLOR_TEMP: Capability.COLOR_TEMP,
    ActionKind.SET_POSITION: Capability.POSITION,
    ActionKind.SET_TEMPERATURE: Capability.TARGET_TEMPERATURE,
}

_REQUIRED_TYPE = {
    ActionKind.TURN_ON: _POWER_TYPES,
    ActionKind.TURN_OFF: _POWER_TYPES,
    ActionKind.TOGGLE: _POWER_TYPES,
    ActionKind.OPEN: {DeviceType.COVER},
    ActionKind.CLOSE: {DeviceType.COVER},
    ActionKind.SET_POSITION: {DeviceType.COVER},
    ActionKind.LOCK: {DeviceType.LOCK},
    ActionKind.UNLOCK: {DeviceType.LOCK},
    ActionKind.SET_TEMPERATURE: {DeviceType.CLIMATE},
    ActionKind.SET_BRIGHTNESS: {DeviceType.LIGHT},
    ActionKind.STEP_BRIGHTNESS: {DeviceType.LIGHT},
    ActionKind.SET_COLOR: {DeviceType.LIGHT},
    ActionKind.SET_COLOR_TEMP: {DeviceType.LIGHT},
}


def device_supports(device: Device, kind: ActionKind, command_names: frozenset[str] = frozenset()) -> bool:
    """Whether ``device`` can carry out ``kind`` at all (its type and capabilities allow it).

    ``command_names`` are a custom device's own commands: for such devices they decide alone.
    """
    if command_names:
        return kind.value in command_names
    if kind is ActionKind.CUSTOM:
        return False
    allowed_types = _REQUIRED_TYPE.get(kind)
    if allowed_types is not None and device.type not in allowed_types:
        return False
    capability = _REQUIRED_CAPABILITY.get(kind)
    return capability is None or device.has(capability)

"""What a home is made of: areas, devices, what they can do, and what they report."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class DeviceType(str, Enum):
    LIGHT = "light"
    SWITCH = "switch"
    FAN = "fan"
    COVER = "cover"
    LOCK = "lock"
    CLIMATE = "climate"
    SENSOR = "sensor"


class Capability(str, Enum):
    BRIGHTNESS = "brightness"
    COLOR = "color"
    COLOR_TEMP = "color_temp"
    POSITION = "position"
    TARGET_TEMPERATURE = "target_temperature"


@dataclass(frozen=True)
class Area:
    id: str
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def spoken_names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Endpoint:
    """Where a device lives on MQTT. Each protocol module defines its own subclass."""


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    area: str | None
    type: DeviceType
    protocol: str
    endpoint: Endpoint
    aliases: tuple[str, ...] = ()
    capabilities: frozenset[Capability] = frozenset()
    confirm: bool = False
    """Sensitive: an action the language model found needs a yes before it runs."""
    min_temperature: float = 5.0
    max_temperature: float = 30.0

    @property
    def spoken_names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def has(self, capability: Capability) -> bool:
        return capability in self.capabilities


@dataclass(frozen=True)
class DeviceState:
    """The last state a device reported over MQTT. None means 'never reported'."""

    power: bool | None = None
    brightness: int | None = None
    """Percent, 0-100."""
    color: tuple[int, int, int] | None = None
    color_temp: int | None = None
    """Kelvin."""
    position: int | None = None
    """Percent open, 0-100."""
    cover: str | None = None
    """open, closed, opening, closing or stopped."""
    locked: bool | None = None
    target_temperature: float | None = None
    temperature: float | None = None
    humidity: float | None = None
    updated_at: float = field(default=0.0, compare=False)

    def as_dict(self) -> dict[str, Any]:
        values = {
            "power": self.power,
            "brightness": self.brightness,
            "color": list(self.color) if self.color else None,
            "color_temp": self.color_temp,
            "position": self.position,
            "cover": self.cover,
            "locked": self.locked,
            "target_temperature": self.target_temperature,
            "temperature": self.temperature,
            "humidity": self.humidity,
        }
        return {key: value for key, value in values.items() if value is not None}

    @property
    def is_known(self) -> bool:
        return bool(self.as_dict())


def now() -> float:
    return time.time()

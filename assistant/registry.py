"""The home as the assistant knows it: one place every vocabulary-shaped thing is derived from.

Built once from the config. Device and area names, aliases and type words feed the template
slot lists, the speech recogniser's grammar and the language model's grammar; nothing else
keeps its own copy of the device list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .config import Config
from .devices.actions import ActionKind, device_supports
from .devices.model import Area, Device, DeviceType
from .devices.protocols import PROTOCOLS

TYPE_WORDS: dict[DeviceType, tuple[str, ...]] = {
    DeviceType.LIGHT: ("light", "lights", "lamp", "lamps", "lighting"),
    DeviceType.SWITCH: ("switch", "switches", "plug", "plugs", "socket", "sockets"),
    DeviceType.FAN: ("fan", "fans"),
    DeviceType.COVER: ("blind", "blinds", "shutter", "shutters", "cover", "covers", "curtains"),
    DeviceType.LOCK: ("lock", "locks"),
    DeviceType.CLIMATE: ("thermostat", "thermostats", "heating", "heater"),
    DeviceType.SENSOR: ("sensor", "sensors"),
}


def normalize(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").split())


@dataclass(frozen=True)
class Registry:
    site_area: str | None
    areas: tuple[Area, ...]
    devices: tuple[Device, ...]

    @classmethod
    def from_config(cls, config: Config) -> Registry:
        return cls(config.site.area, config.areas, config.devices)

    # --- lookups ---------------------------------------------------------------------

    def device(self, device_id: str) -> Device:
        for device in self.devices:
            if device.id == device_id:
                return device
        raise KeyError(device_id)

    def area(self, area_id: str) -> Area:
        for area in self.areas:
            if area.id == area_id:
                return area
        raise KeyError(area_id)

    def area_name(self, area_id: str | None) -> str:
        if area_id is None:
            return ""
        try:
            return self.area(area_id).name
        except KeyError:
            return area_id.replace("_", " ")

    def devices_named(self, spoken: str) -> tuple[Device, ...]:
        """Devices whose name or an alias is ``spoken`` (several when an alias is shared)."""
        wanted = normalize(spoken)
        return tuple(d for d in self.devices if wanted in d.spoken_names)

    def devices_in(self, area_id: str | None = None, device_type: DeviceType | None = None) -> tuple[Device, ...]:
        return tuple(
            d
            for d in self.devices
            if (area_id is None or d.area == area_id)
            and (device_type is None or d.type is device_type)
        )

    def supports(self, device: Device, kind: ActionKind) -> bool:
        return device_supports(device, kind, PROTOCOLS[device.protocol].command_names(device))

    def custom_devices_for(self, intent_name: str) -> tuple[Device, ...]:
        """Devices whose own command table carries out the user-defined intent ``intent_name``."""
        return tuple(
            d for d in self.devices if intent_name in PROTOCOLS[d.protocol].command_names(d)
        )

    # --- vocabulary ------------------------------------------------------------------

    def device_names(self) -> tuple[str, ...]:
        return _unique(name for d in self.devices for name in d.spoken_names)

    def area_names(self) -> tuple[tuple[str, str], ...]:
        """(spoken name, area id) pairs."""
        return tuple((name, a.id) for a in self.areas for name in a.spoken_names)

    def type_words(self) -> tuple[tuple[str, str], ...]:
        """(spoken word, device type) pairs for the types this home has."""
        present = {d.type for d in self.devices}
        return tuple(
            (word, kind.value) for kind in DeviceType if kind in present for word in TYPE_WORDS[kind]
        )

    def vocabulary(self) -> tuple[str, ...]:
        """Every word a command about this home may contain that comes from the config."""
        words: list[str] = []
        for phrase in (*self.device_names(), *(n for n, _ in self.area_names()), *(w for w, _ in self.type_words())):
            words.extend(phrase.split())
        return _unique(words)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))

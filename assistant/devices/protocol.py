"""The contract every MQTT protocol module fulfils, and the table of protocols by name."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from ..yamlsource import Field
from .actions import Action
from .command import MqttCommand
from .model import Device, DeviceState, Endpoint


class PayloadError(ValueError):
    """A state payload that cannot be understood. Logged with its topic and dropped."""


@dataclass(frozen=True)
class ProtocolDefaults:
    """Settings from the `mqtt:` section that protocols fall back on."""

    zigbee2mqtt_base: str = "zigbee2mqtt"


class Protocol(ABC):
    """Encodes actions into MQTT commands and decodes state payloads for one device family."""

    name: str
    endpoint_keys: tuple[str, ...] = ()
    """Device keys in config that belong to this protocol."""

    @abstractmethod
    def parse_endpoint(self, field: Field, device_id: str, defaults: ProtocolDefaults) -> Endpoint:
        """Read this protocol's keys from a device's config entry."""

    @abstractmethod
    def encode(self, device: Device, action: Action, state: DeviceState) -> tuple[MqttCommand, ...]:
        """The messages that carry out ``action``. Only called for actions the device supports."""

    @abstractmethod
    def state_topics(self, device: Device) -> tuple[str, ...]:
        """Topics on which the device reports its state."""

    @abstractmethod
    def decode(self, device: Device, topic: str, payload: bytes, state: DeviceState) -> DeviceState:
        """The device's state after ``payload`` arrived on ``topic``; PayloadError if unreadable."""

    def command_names(self, device: Device) -> frozenset[str]:
        """For protocols whose commands are configured per device: the names it has."""
        return frozenset()


def json_object(payload: bytes) -> dict[str, Any]:
    """Parse a JSON object payload or raise PayloadError saying why not."""
    try:
        value = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise PayloadError(f"not JSON: {err}") from err
    if not isinstance(value, dict):
        raise PayloadError(f"expected a JSON object, got {type(value).__name__}")
    return value


def text_payload(payload: bytes) -> str:
    try:
        return payload.decode("utf-8").strip()
    except UnicodeDecodeError as err:
        raise PayloadError(f"not UTF-8 text: {err}") from err


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def on_off(value: Any) -> bool | None:
    """ON/OFF in any of the spellings devices use; None when it is not a power value."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("on", "true", "1", "open"):
            return True
        if word in ("off", "false", "0", "closed"):
            return False
    return None


def number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise PayloadError(f"{what}: expected a number, got {value!r}")
    try:
        result = float(value)
    except ValueError as err:
        raise PayloadError(f"{what}: expected a number, got {value!r}") from err
    if result != result or result in (float("inf"), float("-inf")):
        raise PayloadError(f"{what}: expected a finite number, got {value!r}")
    return result


def percent(value: float) -> int:
    return max(0, min(100, round(value)))


def kelvin_to_mired(kelvin: int) -> int:
    return round(1_000_000 / kelvin)


def mired_to_kelvin(mired: float) -> int:
    if mired <= 0:
        raise PayloadError(f"colour temperature {mired} mired is not positive")
    return round(1_000_000 / mired)

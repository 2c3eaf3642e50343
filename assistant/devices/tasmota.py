"""Tasmota: ``cmnd/<topic>/<Command>`` with plain payloads; state from ``stat/`` and ``tele/``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..yamlsource import Field
from .actions import Action, ActionKind
from .colors import hex_color
from .command import MqttCommand
from .model import Device, DeviceState, Endpoint, now
from .protocol import (
    PayloadError,
    Protocol,
    ProtocolDefaults,
    json_object,
    kelvin_to_mired,
    mired_to_kelvin,
    number,
    on_off,
    percent,
    text_payload,
)


@dataclass(frozen=True)
class TasmotaEndpoint(Endpoint):
    topic: str
    relay: int = 0
    """0 for POWER, n for POWERn on multi-relay devices."""
    shutter: int = 1

    @property
    def power(self) -> str:
        return f"POWER{self.relay}" if self.relay else "POWER"

    def cmnd(self, command: str) -> str:
        return f"cmnd/{self.topic}/{command}"


class Tasmota(Protocol):
    name = "tasmota"
    endpoint_keys = ("topic", "relay", "shutter")

    def parse_endpoint(self, field: Field, device_id: str, defaults: ProtocolDefaults) -> Endpoint:
        topic = field.get("topic").text(device_id)
        if any(char in topic for char in "#+/"):
            raise field.get("topic").error("a Tasmota topic is one level: no /, # or +")
        return TasmotaEndpoint(
            topic=topic,
            relay=field.get("relay").integer(0, minimum=0, maximum=32),
            shutter=field.get("shutter").integer(1, minimum=1, maximum=16),
        )

    def state_topics(self, device: Device) -> tuple[str, ...]:
        topic = _endpoint(device).topic
        return (f"stat/{topic}/RESULT", f"stat/{topic}/POWER", f"tele/{topic}/STATE", f"tele/{topic}/SENSOR")

    def encode(self, device: Device, action: Action, state: DeviceState) -> tuple[MqttCommand, ...]:
        endpoint = _endpoint(device)
        command, payload = self._command(endpoint, action)
        return (MqttCommand(endpoint.cmnd(command), payload, device_id=device.id),)

    def _command(self, endpoint: TasmotaEndpoint, action: Action) -> tuple[str, str]:
        kind = action.kind
        if kind in (ActionKind.TURN_ON, ActionKind.TURN_OFF, ActionKind.TOGGLE):
            return endpoint.power, {"turn_on": "ON", "turn_off": "OFF", "toggle": "TOGGLE"}[kind.value]
        if kind is ActionKind.SET_BRIGHTNESS:
            return "Dimmer", str(action.brightness)
        if kind is ActionKind.STEP_BRIGHTNESS:
            assert action.brightness is not None
            return "Dimmer", "+" if action.brightness > 0 else "-"
        if kind is ActionKind.SET_COLOR:
            assert action.color is not None
            return "Color", hex_color(action.color)
        if kind is ActionKind.SET_COLOR_TEMP:
            assert action.color_temp is not None
            return "CT", str(max(153, min(500, kelvin_to_mired(action.color_temp))))
        if kind is ActionKind.OPEN:
            return f"ShutterOpen{endpoint.shutter}", ""
        if kind is ActionKind.CLOSE:
            return f"ShutterClose{endpoint.shutter}", ""
        if kind is ActionKind.SET_POSITION:
            return f"ShutterPosition{endpoint.shutter}", str(action.position)
        raise ValueError(f"tasmota cannot encode {kind.value}")

    def decode(self, device: Device, topic: str, payload: bytes, state: DeviceState) -> DeviceState:
        endpoint = _endpoint(device)
        if topic.endswith("/POWER") or topic.endswith(f"/{endpoint.power}"):
            power = on_off(text_payload(payload))
            if power is None:
                raise PayloadError(f"expected ON or OFF, got {payload[:40]!r}")
            return replace(state, power=power, updated_at=now())
        report = json_object(payload)
        changes: dict[str, Any] = {}
        if endpoint.power in report:
            power = on_off(report[endpoint.power])
            if power is None:
                raise PayloadError(f"{endpoint.power}: expected ON or OFF, got {report[endpoint.power]!r}")
            changes["power"] = power
        if "Dimmer" in report:
            changes["brightness"] = percent(number(report["Dimmer"], "Dimmer"))
        if "CT" in report:
            changes["color_temp"] = mired_to_kelvin(number(report["CT"], "CT"))
        shutter = report.get(f"Shutter{endpoint.shutter}")
        if isinstance(shutter, dict) and "Position" in shutter:
            position = percent(number(shutter["Position"], "Position"))
            changes["position"] = position
            changes["cover"] = "closed" if position == 0 else "open"
        for sensor in report.values():
            if isinstance(sensor, dict):
                if "Temperature" in sensor:
                    changes["temperature"] = number(sensor["Temperature"], "Temperature")
                if "Humidity" in sensor:
                    changes["humidity"] = number(sensor["Humidity"], "Humidity")
        return replace(state, **changes, updated_at=now())


def _endpoint(device: Device) -> TasmotaEndpoint:
    assert isinstance(device.endpoint, TasmotaEndpoint)
    return device.endpoint

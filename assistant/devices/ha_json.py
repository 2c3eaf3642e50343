"""Home Assistant's MQTT schemas: JSON-schema lights; plain payloads for switches, fans, covers, locks.

Lights get ``{"state": "ON", "brightness": 128, "color": {"r": ..}}`` on ``command_topic``
(brightness scaled to ``brightness_scale``, 255 by default) and report the same JSON on
``state_topic``. Switches and fans take ``ON``/``OFF``; covers ``OPEN``/``CLOSE`` and a number on
``set_position_topic``; locks ``LOCK``/``UNLOCK``; climate a number on ``temperature_command_topic``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..yamlsource import Field
from .actions import Action, ActionKind
from .command import MqttCommand
from .model import Device, DeviceState, DeviceType, Endpoint, now
from .protocol import (
    PayloadError,
    Protocol,
    ProtocolDefaults,
    dumps,
    json_object,
    kelvin_to_mired,
    mired_to_kelvin,
    number,
    on_off,
    percent,
    text_payload,
)


@dataclass(frozen=True)
class HaJsonEndpoint(Endpoint):
    command_topic: str
    state_topic: str | None = None
    position_topic: str | None = None
    set_position_topic: str | None = None
    temperature_command_topic: str | None = None
    current_temperature_topic: str | None = None
    brightness_scale: int = 255


_TOPIC_KEYS = (
    "command_topic",
    "state_topic",
    "position_topic",
    "set_position_topic",
    "temperature_command_topic",
    "current_temperature_topic",
)


class HaJson(Protocol):
    name = "ha_json"
    endpoint_keys = (*_TOPIC_KEYS, "brightness_scale")

    def parse_endpoint(self, field: Field, device_id: str, defaults: ProtocolDefaults) -> Endpoint:
        topics: dict[str, str | None] = {}
        for key in _TOPIC_KEYS:
            topic = field.get(key).optional_text()
            if topic is not None and any(char in topic for char in "#+"):
                raise field.get(key).error("MQTT wildcards # and + are not allowed in a topic")
            topics[key] = topic
        if topics["command_topic"] is None:
            raise field.get("command_topic").error("required key is missing for protocol ha_json")
        device_type = field.get("type").value
        if device_type == "cover" and "position" in (field.get("capabilities").value or []):
            if topics["set_position_topic"] is None:
                raise field.get("set_position_topic").error(
                    "required for a cover with the position capability"
                )
        return HaJsonEndpoint(
            command_topic=topics["command_topic"] or "",
            state_topic=topics["state_topic"],
            position_topic=topics["position_topic"],
            set_position_topic=topics["set_position_topic"],
            temperature_command_topic=topics["temperature_command_topic"],
            current_temperature_topic=topics["current_temperature_topic"],
            brightness_scale=field.get("brightness_scale").integer(255, minimum=1, maximum=65535),
        )

    def state_topics(self, device: Device) -> tuple[str, ...]:
        endpoint = _endpoint(device)
        topics = (endpoint.state_topic, endpoint.position_topic, endpoint.current_temperature_topic)
        return tuple(topic for topic in topics if topic)

    def encode(self, device: Device, action: Action, state: DeviceState) -> tuple[MqttCommand, ...]:
        endpoint = _endpoint(device)
        kind = action.kind
        if device.type is DeviceType.LIGHT:
            return (MqttCommand(endpoint.command_topic, dumps(self._light_body(endpoint, action, state)), device_id=device.id),)
        if kind is ActionKind.SET_POSITION:
            topic = endpoint.set_position_topic or endpoint.command_topic
            return (MqttCommand(topic, str(action.position), device_id=device.id),)
        if kind is ActionKind.SET_TEMPERATURE:
            topic = endpoint.temperature_command_topic or endpoint.command_topic
            return (MqttCommand(topic, _number_text(action.temperature), device_id=device.id),)
        plain = {
            ActionKind.TURN_ON: "ON",
            ActionKind.TURN_OFF: "OFF",
            ActionKind.OPEN: "OPEN",
            ActionKind.CLOSE: "CLOSE",
            ActionKind.LOCK: "LOCK",
            ActionKind.UNLOCK: "UNLOCK",
        }
        if kind is ActionKind.TOGGLE:
            return (MqttCommand(endpoint.command_topic, "OFF" if state.power else "ON", device_id=device.id),)
        if kind in plain:
            return (MqttCommand(endpoint.command_topic, plain[kind], device_id=device.id),)
        raise ValueError(f"ha_json cannot encode {kind.value} for a {device.type.value}")

    def _light_body(self, endpoint: HaJsonEndpoint, action: Action, state: DeviceState) -> dict[str, Any]:
        kind = action.kind
        scale = endpoint.brightness_scale
        if kind is ActionKind.STEP_BRIGHTNESS:
            # The JSON schema has no relative step: step from the last reported brightness.
            assert action.brightness is not None
            current = state.brightness if state.brightness is not None else 50
            action = Action(ActionKind.SET_BRIGHTNESS, brightness=max(1, min(100, current + action.brightness)))
            kind = action.kind
        if kind is ActionKind.TURN_ON:
            return {"state": "ON"}
        if kind is ActionKind.TURN_OFF:
            return {"state": "OFF"}
        if kind is ActionKind.TOGGLE:
            # The JSON schema has no toggle: invert the last reported state.
            return {"state": "OFF" if state.power else "ON"}
        if kind is ActionKind.SET_BRIGHTNESS:
            assert action.brightness is not None
            if action.brightness == 0:
                return {"state": "OFF"}
            return {"state": "ON", "brightness": round(action.brightness * scale / 100)}
        if kind is ActionKind.SET_COLOR:
            assert action.color is not None
            red, green, blue = action.color
            return {"state": "ON", "color": {"r": red, "g": green, "b": blue}}
        if kind is ActionKind.SET_COLOR_TEMP:
            assert action.color_temp is not None
            return {"state": "ON", "color_temp": kelvin_to_mired(action.color_temp)}
        raise ValueError(f"ha_json light cannot encode {kind.value} directly")

    def decode(self, device: Device, topic: str, payload: bytes, state: DeviceState) -> DeviceState:
        endpoint = _endpoint(device)
        if topic == endpoint.position_topic:
            position = percent(number(text_payload(payload), "position"))
            return replace(state, position=position, updated_at=now())
        if topic == endpoint.current_temperature_topic:
            return replace(state, temperature=number(text_payload(payload), "temperature"), updated_at=now())
        if device.type is DeviceType.LIGHT:
            return self._decode_light(endpoint, payload, state)
        text = text_payload(payload)
        if text.startswith("{"):
            report = json_object(payload)
            text = str(report.get("state", ""))
            if "temperature" in report:
                state = replace(state, temperature=number(report["temperature"], "temperature"))
        word = text.lower()
        if device.type is DeviceType.COVER:
            if word not in ("open", "closed", "opening", "closing", "stopped"):
                raise PayloadError(f"expected open/closed/opening/closing/stopped, got {text[:40]!r}")
            return replace(state, cover=word, updated_at=now())
        if device.type is DeviceType.LOCK:
            if word not in ("locked", "unlocked", "locking", "unlocking", "jammed"):
                raise PayloadError(f"expected LOCKED or UNLOCKED, got {text[:40]!r}")
            return replace(state, locked=word in ("locked", "locking"), updated_at=now())
        if device.type in (DeviceType.SENSOR, DeviceType.CLIMATE) and not word:
            return replace(state, updated_at=now())
        power = on_off(text)
        if power is None:
            raise PayloadError(f"expected ON or OFF, got {text[:40]!r}")
        return replace(state, power=power, updated_at=now())

    def _decode_light(self, endpoint: HaJsonEndpoint, payload: bytes, state: DeviceState) -> DeviceState:
        report = json_object(payload)
        changes: dict[str, Any] = {}
        if "state" in report:
            power = on_off(report["state"])
            if power is None:
                raise PayloadError(f"state: expected ON or OFF, got {report['state']!r}")
            changes["power"] = power
        if report.get("brightness") is not None:
            changes["brightness"] = percent(number(report["brightness"], "brightness") * 100 / endpoint.brightness_scale)
        if report.get("color_temp") is not None:
            changes["color_temp"] = mired_to_kelvin(number(report["color_temp"], "color_temp"))
        color = report.get("color")
        if isinstance(color, dict) and all(key in color for key in "rgb"):
            changes["color"] = tuple(int(number(color[key], f"color.{key}")) for key in "rgb")
        return replace(state, **changes, updated_at=now())


def _number_text(value: float | None) -> str:
    assert value is not None
    return str(int(value)) if float(value).is_integer() else str(value)


def _endpoint(device: Device) -> HaJsonEndpoint:
    assert isinstance(device.endpoint, HaJsonEndpoint)
    return device.endpoint

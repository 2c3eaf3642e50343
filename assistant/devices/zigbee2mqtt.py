"""Zigbee2MQTT: JSON on ``<base>/<friendly_name>/set``, state as JSON on ``<base>/<friendly_name>``."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..yamlsource import Field
from .actions import Action, ActionKind
from .colors import hex_color
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
    percent,
)

Z2M_MAX_BRIGHTNESS = 254


@dataclass(frozen=True)
class Zigbee2MqttEndpoint(Endpoint):
    base: str
    friendly_name: str

    @property
    def state_topic(self) -> str:
        return f"{self.base}/{self.friendly_name}"

    @property
    def set_topic(self) -> str:
        return f"{self.state_topic}/set"


class Zigbee2Mqtt(Protocol):
    name = "zigbee2mqtt"
    endpoint_keys = ("friendly_name", "base")

    def parse_endpoint(self, field: Field, device_id: str, defaults: ProtocolDefaults) -> Endpoint:
        friendly_name = field.get("friendly_name").text(device_id)
        if any(char in friendly_name for char in "#+"):
            raise field.get("friendly_name").error("MQTT wildcards # and + are not allowed")
        base = field.get("base").text(defaults.zigbee2mqtt_base).strip("/")
        return Zigbee2MqttEndpoint(base=base, friendly_name=friendly_name)

    def state_topics(self, device: Device) -> tuple[str, ...]:
        return (_endpoint(device).state_topic,)

    def encode(self, device: Device, action: Action, state: DeviceState) -> tuple[MqttCommand, ...]:
        body = self._body(device, action)
        return (MqttCommand(_endpoint(device).set_topic, dumps(body), device_id=device.id),)

    def _body(self, device: Device, action: Action) -> dict[str, object]:
        kind = action.kind
        if kind is ActionKind.TURN_ON:
            return {"state": "ON"}
        if kind is ActionKind.TURN_OFF:
            return {"state": "OFF"}
        if kind is ActionKind.TOGGLE:
            return {"state": "TOGGLE"}
        if kind is ActionKind.SET_BRIGHTNESS:
            assert action.brightness is not None
            if action.brightness == 0:
                return {"state": "OFF"}
            return {"state": "ON", "brightness": round(action.brightness * Z2M_MAX_BRIGHTNESS / 100)}
        if kind is ActionKind.STEP_BRIGHTNESS:
            assert action.brightness is not None
            return {"brightness_step": round(action.brightness * Z2M_MAX_BRIGHTNESS / 100)}
        if kind is ActionKind.SET_COLOR:
            assert action.color is not None
            return {"state": "ON", "color": {"hex": hex_color(action.color)}}
        if kind is ActionKind.SET_COLOR_TEMP:
            assert action.color_temp is not None
            return {"state": "ON", "color_temp": kelvin_to_mired(action.color_temp)}
        if kind is ActionKind.OPEN:
            return {"state": "OPEN"}
        if kind is ActionKind.CLOSE:
            return {"state": "CLOSE"}
        if kind is ActionKind.SET_POSITION:
            return {"position": action.position}
        if kind is ActionKind.LOCK:
            return {"state": "LOCK"}
        if kind is ActionKind.UNLOCK:
            return {"state": "UNLOCK"}
        if kind is ActionKind.SET_TEMPERATURE:
            assert action.temperature is not None
            whole = float(action.temperature).is_integer()
            return {"current_heating_setpoint": int(action.temperature) if whole else action.temperature}
        raise ValueError(f"zigbee2mqtt cannot encode {kind.value}")

    def decode(self, device: Device, topic: str, payload: bytes, state: DeviceState) -> DeviceState:
        report = json_object(payload)
        changes: dict[str, object] = {}
        raw_state = report.get("state")
        if isinstance(raw_state, str):
            word = raw_state.upper()
            if device.type is DeviceType.LOCK:
                if word in ("LOCK", "UNLOCK"):
                    changes["locked"] = word == "LOCK"
            elif device.type is DeviceType.COVER:
                if word in ("OPEN", "CLOSE", "CLOSED", "STOP"):
                    changes["cover"] = {"OPEN": "open", "STOP": "stopped"}.get(word, "closed")
            elif word in ("ON", "OFF"):
                changes["power"] = word == "ON"
            else:
                raise PayloadError(f"state: unknown value {raw_state!r}")
        if "lock_state" in report and isinstance(report["lock_state"], str):
            changes["locked"] = report["lock_state"].lower() == "locked"
        if "brightness" in report:
            changes["brightness"] = percent(number(report["brightness"], "brightness") * 100 / Z2M_MAX_BRIGHTNESS)
        if "color_temp" in report and report["color_temp"] is not None:
            changes["color_temp"] = mired_to_kelvin(number(report["color_temp"], "color_temp"))
        if "position" in report:
            changes["position"] = percent(number(report["position"], "position"))
        if "current_heating_setpoint" in report:
            changes["target_temperature"] = number(report["current_heating_setpoint"], "current_heating_setpoint")
        for key in ("local_temperature", "temperature"):
            if key in report:
                changes["temperature"] = number(report[key], key)
        if "humidity" in report:
            changes["humidity"] = number(report["humidity"], "humidity")
        return replace(state, **changes, updated_at=now())  # type: ignore[arg-type]


def _endpoint(device: Device) -> Zigbee2MqttEndpoint:
    assert isinstance(device.endpoint, Zigbee2MqttEndpoint)
    return device.endpoint

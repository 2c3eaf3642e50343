"""Devices with their own topics and payload templates, written in config.

A command is ``{topic, payload}``; ``{name}`` placeholders are filled from the action (brightness,
position, temperature, color, color_temp) and, for user-defined intents, from its slots. Filling is
plain substitution of known names: no expressions, no attribute access, no code. A payload given as
a YAML mapping is sent as JSON with the values substituted, so a slot value can never break out of
its JSON string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..yamlsource import Field
from .actions import Action, ActionKind
from .colors import hex_color
from .command import MqttCommand
from .model import Device, DeviceState, Endpoint, now
from .protocol import PayloadError, Protocol, ProtocolDefaults, dumps, json_object, on_off, text_payload

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ACTION_PLACEHOLDERS = ("brightness", "position", "temperature", "color", "color_temp")


@dataclass(frozen=True)
class CommandTemplate:
    topic: str
    payload: str | Mapping[str, Any]
    placeholders: frozenset[str]


@dataclass(frozen=True)
class CustomEndpoint(Endpoint):
    commands: Mapping[str, CommandTemplate]
    state_topic: str | None = None
    state_value: str | None = None
    """JSON key of the on/off value in a JSON state payload; None for a plain ON/OFF payload."""

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.commands)), self.state_topic, self.state_value))


class Custom(Protocol):
    name = "custom"
    endpoint_keys = ("commands", "state_topic", "state_value")

    def parse_endpoint(self, field: Field, device_id: str, defaults: ProtocolDefaults) -> Endpoint:
        commands_field = field.get("commands")
        if commands_field.is_missing:
            raise commands_field.error("required key is missing for protocol custom (expected a mapping of command names to {topic, payload})")
        commands: dict[str, CommandTemplate] = {}
        for name, command in commands_field.entries():
            command.check_keys(("topic", "payload"))
            topic = command.get("topic").text()
            if any(char in topic for char in "#+"):
                raise command.get("topic").error("MQTT wildcards # and + are not allowed in a topic")
            payload_field = command.get("payload")
            payload: str | Mapping[str, Any]
            if isinstance(payload_field.value, dict):
                payload = payload_field.plain()
            else:
                payload = payload_field.text("")
            placeholders = frozenset(PLACEHOLDER.findall(topic)) | _placeholders_in(payload)
            for placeholder in placeholders:
                if not placeholder.isidentifier():
                    raise payload_field.error(f"invalid placeholder {{{placeholder}}}")
            commands[name] = CommandTemplate(topic, payload, placeholders)
        return CustomEndpoint(
            commands=commands,
            state_topic=field.get("state_topic").optional_text(),
            state_value=field.get("state_value").optional_text(),
        )

    def command_names(self, device: Device) -> frozenset[str]:
        return frozenset(_endpoint(device).commands)

    def state_topics(self, device: Device) -> tuple[str, ...]:
        topic = _endpoint(device).state_topic
        return (topic,) if topic else ()

    def encode(self, device: Device, action: Action, state: DeviceState) -> tuple[MqttCommand, ...]:
        template = _endpoint(device).commands[action.command_name]
        values = _values(action)
        missing = sorted(template.placeholders - set(values))
        if missing:
            raise ValueError(f"no value for {', '.join('{' + m + '}' for m in missing)} in command {action.command_name}")
        topic = _fill(template.topic, values)
        if isinstance(template.payload, str):
            payload = _fill(template.payload, values)
        else:
            payload = dumps(_fill_structure(template.payload, values))
        return (MqttCommand(topic, payload, device_id=device.id),)

    def decode(self, device: Device, topic: str, payload: bytes, state: DeviceState) -> DeviceState:
        endpoint = _endpoint(device)
        if endpoint.state_value:
            report = json_object(payload)
            if endpoint.state_value not in report:
                raise PayloadError(f"no {endpoint.state_value!r} key in the state payload")
            value: Any = report[endpoint.state_value]
        else:
            value = text_payload(payload)
        power = on_off(value)
        if power is None:
            raise PayloadError(f"expected an on/off value, got {value!r:.40}")
        return replace(state, power=power, updated_at=now())


def _values(action: Action) -> dict[str, str]:
    values = {str(key): _text(value) for key, value in action.slots.items()}
    for name in _ACTION_PLACEHOLDERS:
        value = getattr(action, name)
        if value is not None:
            values[name] = hex_color(value) if name == "color" else _text(value)
    if action.kind is ActionKind.SET_COLOR and action.color_name:
        values["color_name"] = action.color_name
    return values


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _fill(template: str, values: Mapping[str, str]) -> str:
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def _fill_structure(template: Any, values: Mapping[str, str]) -> Any:
    if isinstance(template, str):
        return _fill(template, values)
    if isinstance(template, Mapping):
        return {key: _fill_structure(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [_fill_structure(item, values) for item in template]
    return template


def _placeholders_in(template: Any) -> frozenset[str]:
    if isinstance(template, str):
        return frozenset(PLACEHOLDER.findall(template))
    if isinstance(template, Mapping):
        return frozenset().union(*(_placeholders_in(v) for v in template.values())) if template else frozenset()
    if isinstance(template, list):
        return frozenset().union(*(_placeholders_in(v) for v in template)) if template else frozenset()
    return frozenset()


def _endpoint(device: Device) -> CustomEndpoint:
    assert isinstance(device.endpoint, CustomEndpoint)
    return device.endpoint

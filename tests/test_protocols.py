"""Each protocol's encoding of every action and decoding of state, without a broker."""

from __future__ import annotations

import json

import pytest

from assistant.config import Config
from assistant.devices.actions import Action, ActionKind
from assistant.devices.model import DeviceState
from assistant.devices.protocol import PayloadError
from assistant.devices.protocols import PROTOCOLS
from assistant.registry import Registry


@pytest.fixture(scope="module")
def home(example_config: Config) -> Registry:
    return Registry.from_config(example_config)


def encode(home: Registry, device_id: str, action: Action, state: DeviceState | None = None) -> list[tuple[str, str]]:
    device = home.device(device_id)
    commands = PROTOCOLS[device.protocol].encode(device, action, state or DeviceState())
    return [(c.topic, c.payload) for c in commands]


def decode(home: Registry, device_id: str, topic: str, payload: str) -> DeviceState:
    device = home.device(device_id)
    return PROTOCOLS[device.protocol].decode(device, topic, payload.encode(), DeviceState())


def test_zigbee2mqtt_light(home: Registry) -> None:
    assert encode(home, "kitchen_light", Action(ActionKind.TURN_ON)) == [("zigbee2mqtt/kitchen_light/set", '{"state":"ON"}')]
    assert encode(home, "kitchen_light", Action(ActionKind.SET_BRIGHTNESS, brightness=50)) == [
        ("zigbee2mqtt/kitchen_light/set", '{"state":"ON","brightness":127}')
    ]
    assert encode(home, "kitchen_light", Action(ActionKind.SET_BRIGHTNESS, brightness=0)) == [("zigbee2mqtt/kitchen_light/set", '{"state":"OFF"}')]
    assert encode(home, "kitchen_light", Action(ActionKind.STEP_BRIGHTNESS, brightness=-20)) == [
        ("zigbee2mqtt/kitchen_light/set", '{"brightness_step":-51}')
    ]
    assert encode(home, "kitchen_light", Action(ActionKind.SET_COLOR, color=(0, 0, 255))) == [
        ("zigbee2mqtt/kitchen_light/set", '{"state":"ON","color":{"hex":"#0000FF"}}')
    ]
    assert encode(home, "kitchen_light", Action(ActionKind.SET_COLOR_TEMP, color_temp=2700)) == [
        ("zigbee2mqtt/kitchen_light/set", '{"state":"ON","color_temp":370}')
    ]
    state = decode(home, "kitchen_light", "zigbee2mqtt/kitchen_light", '{"state":"ON","brightness":254,"color_temp":250}')
    assert (state.power, state.brightness, state.color_temp) == (True, 100, 4000)


def test_zigbee2mqtt_lock_and_climate(home: Registry) -> None:
    assert encode(home, "front_door", Action(ActionKind.UNLOCK)) == [("zigbee2mqtt/front_door_lock/set", '{"state":"UNLOCK"}')]
    assert encode(home, "thermostat", Action(ActionKind.SET_TEMPERATURE, temperature=21.5)) == [
        ("zigbee2mqtt/thermostat/set", '{"current_heating_setpoint":21.5}')
    ]
    assert decode(home, "front_door", "zigbee2mqtt/front_door_lock", '{"state":"LOCK"}').locked is True
    climate = decode(home, "thermostat", "zigbee2mqtt/thermostat", '{"local_temperature":19.5,"current_heating_setpoint":21}')
    assert (climate.temperature, climate.target_temperature) == (19.5, 21.0)


def test_tasmota(home: Registry) -> None:
    assert encode(home, "living_room_lamp", Action(ActionKind.TURN_OFF)) == [("cmnd/lamp_livingroom/POWER", "OFF")]
    assert encode(home, "living_room_lamp", Action(ActionKind.SET_BRIGHTNESS, brightness=30)) == [("cmnd/lamp_livingroom/Dimmer", "30")]
    assert encode(home, "living_room_lamp", Action(ActionKind.STEP_BRIGHTNESS, brightness=20)) == [("cmnd/lamp_livingroom/Dimmer", "+")]
    assert encode(home, "kitchen_blinds", Action(ActionKind.SET_POSITION, position=40)) == [("cmnd/blinds_kitchen/ShutterPosition1", "40")]
    assert encode(home, "kitchen_blinds", Action(ActionKind.OPEN)) == [("cmnd/blinds_kitchen/ShutterOpen1", "")]
    assert decode(home, "living_room_lamp", "stat/lamp_livingroom/POWER", "ON").power is True
    result = decode(home, "living_room_lamp", "stat/lamp_livingroom/RESULT", '{"POWER":"OFF","Dimmer":35}')
    assert (result.power, result.brightness) == (False, 35)
    shutter = decode(home, "kitchen_blinds", "stat/blinds_kitchen/RESULT", '{"Shutter1":{"Position":0}}')
    assert (shutter.position, shutter.cover) == (0, "closed")


def test_ha_json(home: Registry) -> None:
    assert encode(home, "bedroom_light", Action(ActionKind.SET_BRIGHTNESS, brightness=100)) == [
        ("home/bedroom/light/set", '{"state":"ON","brightness":255}')
    ]
    # The JSON schema has no relative step: it steps from the last reported brightness.
    assert encode(home, "bedroom_light", Action(ActionKind.STEP_BRIGHTNESS, brightness=20), DeviceState(brightness=60)) == [
        ("home/bedroom/light/set", '{"state":"ON","brightness":204}')
    ]
    assert encode(home, "garage_door", Action(ActionKind.CLOSE)) == [("home/garage/door/set", "CLOSE")]
    assert encode(home, "garage_door", Action(ActionKind.SET_POSITION, position=25)) == [("home/garage/door/position/set", "25")]
    assert encode(home, "office_plug", Action(ActionKind.TOGGLE), DeviceState(power=True)) == [("home/office/plug/set", "OFF")]
    assert encode(home, "bedroom_light", Action(ActionKind.TOGGLE), DeviceState(power=True)) == [("home/bedroom/light/set", '{"state":"OFF"}')]
    assert encode(home, "bedroom_light", Action(ActionKind.TOGGLE)) == [("home/bedroom/light/set", '{"state":"ON"}')]
    assert decode(home, "garage_door", "home/garage/door/state", "open").cover == "open"
    assert decode(home, "garage_door", "home/garage/door/position", "30").position == 30
    light = decode(home, "bedroom_light", "home/bedroom/light/state", '{"state":"ON","brightness":128}')
    assert (light.power, light.brightness) == (True, 50)


def test_custom_fills_placeholders_as_json_values(home: Registry) -> None:
    action = Action(ActionKind.CUSTOM, intent="MakeCoffee", slots={"drink": 'latte", "evil": "x', "size": "large", "milk": "oat milk"})
    [(topic, payload)] = encode(home, "coffee_machine", action)
    assert topic == "home/kitchen/coffee/brew"
    # A slot value can never break out of its JSON string.
    assert json.loads(payload) == {"drink": 'latte", "evil": "x', "size": "large", "milk": "oat milk"}
    assert encode(home, "coffee_machine", Action(ActionKind.TURN_ON)) == [("home/kitchen/coffee/power", "ON")]
    assert decode(home, "coffee_machine", "home/kitchen/coffee/state", '{"power": "ON"}').power is True


@pytest.mark.parametrize(
    ("device_id", "topic", "payload"),
    [
        ("kitchen_light", "zigbee2mqtt/kitchen_light", "not json"),
        ("kitchen_light", "zigbee2mqtt/kitchen_light", "[1, 2]"),
        ("kitchen_light", "zigbee2mqtt/kitchen_light", '{"brightness": "bright"}'),
        ("kitchen_light", "zigbee2mqtt/kitchen_light", '{"state": "MAYBE"}'),
        ("living_room_lamp", "stat/lamp_livingroom/POWER", "PERHAPS"),
        ("living_room_lamp", "stat/lamp_livingroom/RESULT", '{"Dimmer": NaN}'),
        ("garage_door", "home/garage/door/state", "ajar"),
        ("garage_door", "home/garage/door/position", "\xff\xfe"),
        ("coffee_machine", "home/kitchen/coffee/state", '{"other": 1}'),
        ("thermostat", "zigbee2mqtt/thermostat", '{"local_temperature": null}'),
    ],
)
def test_malformed_state_payloads_raise_payload_error(home: Registry, device_id: str, topic: str, payload: str) -> None:
    with pytest.raises(PayloadError):
        decode(home, device_id, topic, payload)

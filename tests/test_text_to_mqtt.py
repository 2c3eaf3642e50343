"""Typed commands -> the exact MQTT messages a device receives from a real Mosquitto broker."""

from __future__ import annotations

import logging
import time

import pytest

from assistant.broker import LocalBroker
from assistant.config import Config
from assistant.dialogue import Session
from assistant.mqtt import MqttLink
from assistant.pipeline import Assistant

from .conftest import Recorder, config_for


@pytest.fixture
def assistant(example_config: Config, mosquitto: LocalBroker, link: MqttLink) -> Assistant:
    return Assistant(config_for(example_config, mosquitto), link)


# Every built-in intent, every protocol, every way of naming a target.
COMMANDS = [
    ("turn on the kitchen light", [("zigbee2mqtt/kitchen_light/set", '{"state":"ON"}')]),
    ("switch the reading lamp off", [("cmnd/lamp_livingroom/POWER", "OFF")]),
    ("toggle the printer", [("home/office/plug/set", "ON")]),
    ("turn on the fan", [("cmnd/fan_livingroom/POWER", "ON")]),
    ("set the kitchen light to 40 percent", [("zigbee2mqtt/kitchen_light/set", '{"state":"ON","brightness":102}')]),
    ("set the bedroom light brightness to 100%", [("home/bedroom/light/set", '{"state":"ON","brightness":255}')]),
    ("make the living room lamp brighter", [("cmnd/lamp_livingroom/Dimmer", "+")]),
    ("dim the kitchen light", [("zigbee2mqtt/kitchen_light/set", '{"brightness_step":-51}')]),
    ("set the kitchen light to red", [("zigbee2mqtt/kitchen_light/set", '{"state":"ON","color":{"hex":"#FF0000"}}')]),
    ("set the bedroom light to warm white", [("home/bedroom/light/set", '{"state":"ON","color_temp":370}')]),
    ("open the kitchen blinds", [("cmnd/blinds_kitchen/ShutterOpen1", "")]),
    ("close the blinds", [("cmnd/blinds_kitchen/ShutterClose1", "")]),
    ("set the kitchen blinds to 30 percent", [("cmnd/blinds_kitchen/ShutterPosition1", "30")]),
    ("lock the front door", [("zigbee2mqtt/front_door_lock/set", '{"state":"LOCK"}')]),
    ("set the temperature to 21.5 degrees", [("zigbee2mqtt/thermostat/set", '{"current_heating_setpoint":21.5}')]),
    ("set the thermostat to 19 degrees", [("zigbee2mqtt/thermostat/set", '{"current_heating_setpoint":19}')]),
    ("make me a large latte with oat milk", [("home/kitchen/coffee/brew", '{"drink":"latte","size":"large","milk":"oat milk"}')]),
    ("turn on the coffee machine", [("home/kitchen/coffee/power", "ON")]),
    # targets: area + type, type in the site's own area, all of a type, a shared alias narrowed by area
    ("turn off the kitchen lights", [("zigbee2mqtt/kitchen_light/set", '{"state":"OFF"}')]),
    ("turn on the light", [("cmnd/lamp_livingroom/POWER", "ON")]),
    (
        "turn off all the lights",
        [
            ("zigbee2mqtt/kitchen_light/set", '{"state":"OFF"}'),
            ("cmnd/lamp_livingroom/POWER", "OFF"),
            ("home/bedroom/light/set", '{"state":"OFF"}'),
            ("cmnd/hallway_light/POWER", "OFF"),
        ],
    ),
    ("turn on the ceiling light in the hallway", [("cmnd/hallway_light/POWER", "ON")]),
    ("turn on the kitchen ceiling light", [("zigbee2mqtt/kitchen_light/set", '{"state":"ON"}')]),
    # an area alone: on means its lights (never the coffee machine); off means everything in it
    ("turn on the kitchen", [("zigbee2mqtt/kitchen_light/set", '{"state":"ON"}')]),
    ("toggle the living room", [("cmnd/lamp_livingroom/POWER", "TOGGLE")]),
    (
        "turn off the kitchen",
        [("zigbee2mqtt/kitchen_light/set", '{"state":"OFF"}'), ("home/kitchen/coffee/power", "OFF")],
    ),
]


@pytest.mark.parametrize(("command", "expected"), COMMANDS, ids=[c for c, _ in COMMANDS])
def test_command_publishes_exact_messages(assistant: Assistant, recorder: Recorder, command: str, expected: list[tuple[str, str]]) -> None:
    turn = assistant.handle_text(command)
    assert turn.outcome == "done", turn.reply.text
    assert [(c.topic, c.payload) for c in turn.commands] == expected
    assert all(c.qos == 1 and not c.retain for c in turn.commands)
    assert recorder.wait_for(len(expected)) == expected
    time.sleep(0.2)
    assert recorder.commands() == expected, "nothing more than the expected messages"


def test_replies_for_done_commands(assistant: Assistant, recorder: Recorder) -> None:
    assert assistant.handle_text("turn off all the lights").reply.text == "Turned off four lights."
    assert assistant.handle_text("set the kitchen light to 40%").reply.text == "Set the kitchen light to 40 percent."
    assert assistant.handle_text("make me a large latte with oat milk").reply.text == "Making a large latte with oat milk."
    assert assistant.handle_text("make me an espresso").reply.text == "Making a medium espresso with no milk."


def wait_until(predicate, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_state_questions_answered_from_published_state(assistant: Assistant, recorder: Recorder) -> None:
    assert assistant.handle_text("is the garage door open?").reply.text == "I haven't heard from the garage door yet, so I don't know."
    recorder.publish("home/garage/door/state", "open")
    recorder.publish("zigbee2mqtt/front_door_lock", '{"state": "LOCK"}')
    recorder.publish("zigbee2mqtt/thermostat", '{"local_temperature": 20.5}')
    recorder.publish("zigbee2mqtt/bedroom_climate_sensor", '{"temperature": 18, "humidity": 55}')
    recorder.publish("stat/lamp_livingroom/RESULT", '{"POWER": "ON", "Dimmer": 35}')
    assert wait_until(lambda: assistant.states.get("living_room_lamp").power is True)
    assert assistant.handle_text("is the garage door open?").reply.text == "Yes, the garage door is open."
    assert assistant.handle_text("is the front door unlocked").reply.text == "No, the front door is locked."
    assert assistant.handle_text("what is the temperature in the living room?").reply.text == "It is 20.5 degrees in the living room."
    assert assistant.handle_text("how warm is it in the bedroom").reply.text == "It is 18 degrees in the bedroom."
    assert assistant.handle_text("what's the temperature").reply.text == "It is 20.5 degrees in the living room."
    assert assistant.handle_text("is the living room lamp on").reply.text == "Yes, the living room lamp is on."
    assert recorder.commands() == [] or all(t.startswith(("home/garage", "zigbee2mqtt/front", "zigbee2mqtt/thermo", "zigbee2mqtt/bedroom", "stat/")) for t, _ in recorder.commands())


def test_malformed_state_payloads_are_logged_and_ignored(assistant: Assistant, recorder: Recorder, caplog: pytest.LogCaptureFixture) -> None:
    recorder.publish("zigbee2mqtt/thermostat", '{"local_temperature": 21}')
    assert wait_until(lambda: assistant.states.get("thermostat").temperature == 21)
    with caplog.at_level(logging.WARNING, logger="assistant.state"):
        for payload in ("{not json", '{"local_temperature": "warm"}', "\xff", "[]", ""):
            recorder.publish("zigbee2mqtt/thermostat", payload)
        recorder.publish("home/garage/door/state", "ajar")
        recorder.publish("zigbee2mqtt/thermostat", '{"local_temperature": 22}')
        assert wait_until(lambda: assistant.states.get("thermostat").temperature == 22)
    warnings = [r.getMessage() for r in caplog.records if r.name == "assistant.state"]
    assert len(warnings) == 6
    assert all("ignored state on" in w for w in warnings)
    assert any("home/garage/door/state" in w for w in warnings)
    assert assistant.handle_text("turn on the kitchen light").outcome == "done"


FAILURES = [
    ("turn on the attic light", "unknown_device", "I don't know a device called attic light."),
    (
        "turn on the ceiling light",
        "question",
        "There are two lights called ceiling light: kitchen or hallway. Which one?",
    ),
    ("set the ceiling fan to blue", "unsupported", "The ceiling fan can't change colour."),
    ("set the thermostat to 35 degrees", "out_of_range", "The thermostat can only be set between 5 and 30 degrees."),
    ("turn on the bedroom fan", "not_in_area", "There is no fan in the bedroom."),
    ("what is the meaning of life", "not_understood", "Sorry, I didn't understand."),
    ("", "not_heard", "I didn't catch that."),
]


@pytest.mark.parametrize(("command", "outcome", "reply"), FAILURES, ids=[c or "empty" for c, _, _ in FAILURES])
def test_failure_replies_publish_nothing(assistant: Assistant, recorder: Recorder, command: str, outcome: str, reply: str) -> None:
    turn = assistant.handle_text(command)
    assert (turn.outcome, turn.reply.text) == (outcome, reply)
    time.sleep(0.2)
    assert recorder.commands() == []


def test_broker_down_then_back_never_sends_late(example_config: Config, mosquitto: LocalBroker) -> None:
    config = config_for(example_config, mosquitto)
    link = MqttLink(config.mqtt)
    link.start()
    assert link.wait_connected(5)
    assistant = Assistant(config, link)
    try:
        mosquitto.stop()
        assert wait_until(lambda: not link.connected)
        turn = assistant.handle_text("turn on the kitchen light")
        assert turn.outcome == "broker_down"
        assert turn.reply.text == "I can't reach the MQTT broker, so nothing was changed."
        assert turn.commands == ()
        mosquitto.start()
        recorder = Recorder(mosquitto)
        try:
            assert wait_until(lambda: link.connected, timeout=10), "reconnects with backoff"
            time.sleep(0.5)
            assert recorder.commands() == [], "the refused command is never sent late"
            assert assistant.handle_text("turn off the kitchen light").outcome == "done"
            assert recorder.wait_for(1) == [("zigbee2mqtt/kitchen_light/set", '{"state":"OFF"}')]
        finally:
            recorder.close()
    finally:
        link.stop()


def test_availability_with_last_will(example_config: Config, mosquitto: LocalBroker) -> None:
    watcher = Recorder(mosquitto, ("assistant/status",))
    try:
        config = config_for(example_config, mosquitto, keepalive=5)
        link = MqttLink(config.mqtt)
        link.start()
        assert link.wait_connected(5)
        assert wait_until(lambda: ("assistant/status", "online", False) in watcher.messages)
        link.stop()
        assert wait_until(lambda: watcher.messages[-1][:2] == ("assistant/status", "offline"))
    finally:
        watcher.close()
    # Retained: a client that subscribes later still learns the assistant is offline.
    late = Recorder(mosquitto, ("assistant/status",))
    try:
        assert wait_until(lambda: ("assistant/status", "offline", True) in late.messages)
    finally:
        late.close()


def test_dialogue_choice_and_confirmation(assistant: Assistant, recorder: Recorder) -> None:
    session = Session()
    assert assistant.handle_text("turn on the ceiling light", session).outcome == "question"
    turn = assistant.handle_text("the kitchen one", session)
    assert turn.outcome == "done" and turn.reply.text == "Turned on the kitchen light."
    assert assistant.handle_text("unlock the front door", session).reply.text == "Do you really want me to unlock the front door?"
    assert assistant.handle_text("no", session).outcome == "cancelled"
    assert assistant.handle_text("open the garage door", session).outcome == "question"
    assert assistant.handle_text("stop", session).outcome == "stopped"
    assert assistant.handle_text("yes", session).outcome == "not_understood", "the question was cancelled"
    assert recorder.wait_for(1) == [("zigbee2mqtt/kitchen_light/set", '{"state":"ON"}')]
    time.sleep(0.2)
    assert recorder.commands() == [("zigbee2mqtt/kitchen_light/set", '{"state":"ON"}')]
    assert assistant.handle_text("unlock the front door", session).outcome == "question"
    assert assistant.handle_text("yes", session).outcome == "done"
    assert recorder.wait_for(2)[-1] == ("zigbee2mqtt/front_door_lock/set", '{"state":"UNLOCK"}')


def test_question_expires(assistant: Assistant, recorder: Recorder) -> None:
    now = [100.0]
    session = Session(window=5.0, clock=lambda: now[0])
    assert assistant.handle_text("open the garage door", session).outcome == "question"
    now[0] += 6.0
    assert assistant.handle_text("yes", session).outcome == "not_understood"
    time.sleep(0.2)
    assert recorder.commands() == []

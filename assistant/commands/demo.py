"""``assistant demo``: the assistant on its embedded defaults, doing its job in front of you.

Uses the configured broker when one answers, otherwise starts a local Mosquitto for the demo.
Plays the devices' part too: a listener prints every command the devices receive, and some
devices report their state, so questions about the home get real answers.
"""

from __future__ import annotations

import argparse
import dataclasses
import threading

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from ..broker import LocalBroker, broker_answers, free_port
from ..config import Config
from ..dialogue import Session
from .common import add_config_option, connect, load
from .recognizers import build_assistant

DEMO_COMMANDS = (
    "turn on the kitchen light",
    "set the kitchen light to 40 percent",
    "make the kitchen light blue",
    "turn off all the lights",
    "turn on the ceiling light",
    "the hallway one",
    "open the garage door",
    "yes",
    "is the front door locked?",
    "what is the temperature in the living room?",
    "set the temperature to 21.5 degrees",
    "make me a large latte with oat milk",
    "turn on the attic light",
    "set the ceiling fan to red",
)

DEVICE_REPORTS = (
    ("zigbee2mqtt/front_door_lock", '{"state": "LOCK", "lock_state": "locked"}'),
    ("zigbee2mqtt/thermostat", '{"local_temperature": 20.5, "current_heating_setpoint": 20}'),
)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("demo", help="run the assistant on its embedded defaults against a broker (started if none answers)")
    add_config_option(parser)
    parser.add_argument("commands", nargs="*", help="commands to run instead of the built-in tour")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    broker: LocalBroker | None = None
    if not broker_answers(config.mqtt.host, config.mqtt.port):
        broker = LocalBroker(free_port()).start()
        print(f"No MQTT broker at {config.mqtt.host}:{config.mqtt.port}: started a local Mosquitto on port {broker.port} for the demo.")
        config = dataclasses.replace(config, mqtt=dataclasses.replace(config.mqtt, host=broker.host, port=broker.port))
    else:
        print(f"Using the MQTT broker at {config.mqtt.host}:{config.mqtt.port}.")
    devices = _DeviceSide(config)
    link = connect(config, client_name="assistant-demo")
    try:
        devices.report_states()
        assistant = build_assistant(config, link)
        link.wait_connected(5)
        devices.settle()
        session = Session(window=60.0)  # a demo reads slower than a person answers
        for command in args.commands or DEMO_COMMANDS:
            print(f"\n> {command}")
            turn = assistant.handle_text(command, session)
            devices.settle()
            for topic, payload in devices.take():
                print(f"  mqtt  {topic}  {payload}")
            print(f"  says  {turn.reply.text}")
        return 0
    finally:
        link.stop()
        devices.stop()
        if broker is not None:
            broker.stop()


class _DeviceSide:
    """Stands in for the home's devices: listens to every command topic, reports some states."""

    def __init__(self, config: Config) -> None:
        self._received: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="assistant-demo-devices")
        self._client.on_message = self._on_message
        self._client.connect(config.mqtt.host, config.mqtt.port)
        for topic in ("zigbee2mqtt/+/set", "cmnd/#", "home/+/+/set", "home/+/+/+/set", "home/kitchen/coffee/+"):
            self._client.subscribe(topic, qos=1)
        self._client.loop_start()

    def report_states(self) -> None:
        for topic, payload in DEVICE_REPORTS:
            self._client.publish(topic, payload, qos=1, retain=True).wait_for_publish(2)

    def _on_message(self, client: paho.Client, userdata: object, message: paho.MQTTMessage) -> None:
        with self._lock:
            self._received.append((message.topic, message.payload.decode(errors="replace")))

    def settle(self) -> None:
        threading.Event().wait(0.15)

    def take(self) -> list[tuple[str, str]]:
        with self._lock:
            taken, self._received = self._received, []
        return taken

    def stop(self) -> None:
        for topic, _ in DEVICE_REPORTS:
            self._client.publish(topic, "", qos=1, retain=True).wait_for_publish(2)
        self._client.disconnect()
        self._client.loop_stop()

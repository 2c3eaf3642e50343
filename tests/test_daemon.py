"""The real daemon process: spoken commands in (WAV files as the microphone), MQTT and WAV replies out."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.broker import LocalBroker

from .conftest import REPO, Recorder
from .speech import VOICES, SpeechSynth, speech, write_wav  # noqa: F401 - speech is a fixture

SPEED = 2.0
"""--input-speed: the files are played in twice as fast as real time."""


class DaemonProcess:
    """``assistant run`` in a child process, with its log lines collected as they come."""

    def __init__(self, config: Path, inputs: list[Path] | None, output: Path, env: dict[str, str] | None = None) -> None:
        command = [sys.executable, "-m", "assistant", "--debug", "run", "--config", str(config), "--output-wav", str(output)]
        if inputs:
            command += ["--input-speed", str(SPEED), "--input-wav", *map(str, inputs)]
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            command, cwd=REPO, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env={**os.environ, **(env or {})}
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 60.0, count: int = 1) -> list[str]:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while time.monotonic() < deadline:
            found = [line for line in list(self.lines) if regex.search(line)]
            if len(found) >= count:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"no {count} log line(s) matching {pattern!r}; log:\n" + "\n".join(self.lines[-40:]))

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        finally:
            self._reader.join(timeout=5)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def example_home(tmp_path: Path, broker: LocalBroker, *, llm: bool) -> Path:
    """The example home on the test's broker, with its own copy of the intents."""
    shutil.copytree(REPO / "intents", tmp_path / "intents")
    text = (REPO / "config" / "assistant.yaml").read_text(encoding="utf-8")
    text = text.replace("port: 1883", f"port: {broker.port}").replace("paths: [../intents]", "paths: [intents]")
    if not llm:
        text += "\nllm:\n  enabled: false\n"
    config = tmp_path / "assistant.yaml"
    config.write_text(text, encoding="utf-8")
    return config


@pytest.fixture
def home(tmp_path: Path, mosquitto: LocalBroker) -> Path:
    """Without the language model: these tests are about the daemon, and every command is a template."""
    return example_home(tmp_path, mosquitto, llm=False)


@pytest.fixture
def full_home(tmp_path: Path, mosquitto: LocalBroker) -> Path:
    """As shipped: the language model loaded at start-up too."""
    return example_home(tmp_path, mosquitto, llm=True)


def spoken(speech: SpeechSynth, text: str) -> Path:  # noqa: F811
    return speech.path(text, VOICES["piper"])


def silence(tmp_path: Path, seconds: float) -> Path:
    return write_wav(tmp_path / f"silence-{seconds}.wav", np.zeros(round(seconds * 16000), dtype="<i2").tobytes())


@pytest.fixture
def daemons() -> Iterator[list[DaemonProcess]]:
    started: list[DaemonProcess] = []
    yield started
    for daemon in started:
        daemon.kill()


def test_spoken_commands_become_mqtt_messages_and_spoken_replies(
    full_home: Path, tmp_path: Path, speech: SpeechSynth, recorder: Recorder, daemons: list[DaemonProcess]  # noqa: F811
) -> None:
    output = tmp_path / "replies.wav"
    inputs = [spoken(speech, "hey computer, turn on the kitchen light"), spoken(speech, "hey computer, set the kitchen light to red")]
    daemon = DaemonProcess(full_home, inputs, output)
    daemons.append(daemon)
    daemon.wait_for(r"assistant\.daemon\.service: ready")
    assert recorder.wait_for(2, timeout=60) == [
        ("zigbee2mqtt/kitchen_light/set", '{"state":"ON"}'),
        ("zigbee2mqtt/kitchen_light/set", '{"state":"ON","color":{"hex":"#FF0000"}}'),
    ]
    daemon.wait_for(r"spoke 'Set the kitchen light to red.'")
    status = [(t, p) for t, p, _ in recorder.messages if t in ("assistant/state", "assistant/transcript")]
    assert ("assistant/transcript", "turn on the kitchen light") in status
    assert ("assistant/state", "thinking") in status and ("assistant/state", "speaking") in status
    assert daemon.stop() == 0
    assert ("assistant/status", "offline", False) in recorder.messages
    with __import__("wave").open(str(output), "rb") as wav:
        assert wav.getnframes() / wav.getframerate() > 2.0, "both replies were spoken into the WAV"


def test_an_answer_to_a_question_needs_no_wake_word(
    home: Path, tmp_path: Path, speech: SpeechSynth, recorder: Recorder, daemons: list[DaemonProcess]  # noqa: F811
) -> None:
    # "unlock" a confirm: true device: the assistant asks, and listens for the answer without the wake word.
    inputs = [spoken(speech, "hey computer, unlock the front door"), silence(tmp_path, 1.0), spoken(speech, "yes")]
    daemon = DaemonProcess(home, inputs, tmp_path / "replies.wav")
    daemons.append(daemon)
    daemon.wait_for(r"spoke 'Do you really want me to unlock the front door\?'")
    assert recorder.wait_for(1, timeout=60) == [("zigbee2mqtt/front_door_lock/set", '{"state":"UNLOCK"}')]
    assert daemon.stop() == 0


def test_sighup_with_a_broken_config_keeps_the_running_one(
    home: Path, tmp_path: Path, speech: SpeechSynth, recorder: Recorder, daemons: list[DaemonProcess]  # noqa: F811
) -> None:
    inputs = [silence(tmp_path, 8.0), spoken(speech, "hey computer, turn off the kitchen light")]
    daemon = DaemonProcess(home, inputs, tmp_path / "out.wav")
    daemons.append(daemon)
    daemon.wait_for(r"service: ready")
    good = home.read_text(encoding="utf-8")
    home.write_text(good.replace("protocol: tasmota", "protocol: zigbee", 1), encoding="utf-8")
    daemon.signal(signal.SIGHUP)
    daemon.wait_for(r"reload refused, keeping the running config")
    daemon.wait_for(r"devices\[1\]\.protocol: unknown protocol 'zigbee'")
    assert recorder.wait_for(1, timeout=60) == [("zigbee2mqtt/kitchen_light/set", '{"state":"OFF"}')]
    assert daemon.stop() == 0


def test_sighup_with_a_good_config_reloads(
    home: Path, tmp_path: Path, speech: SpeechSynth, recorder: Recorder, daemons: list[DaemonProcess]  # noqa: F811
) -> None:
    inputs = [silence(tmp_path, 10.0), spoken(speech, "hey computer, turn on the kitchen light")]
    daemon = DaemonProcess(home, inputs, tmp_path / "out.wav")
    daemons.append(daemon)
    daemon.wait_for(r"service: ready")
    renamed = home.read_text(encoding="utf-8").replace("  - id: kitchen_light\n", "  - id: kitchen_light\n    friendly_name: renamed_kitchen_light\n")
    home.write_text(renamed, encoding="utf-8")
    daemon.signal(signal.SIGHUP)
    daemon.wait_for(r"reloaded ")
    assert recorder.wait_for(1, timeout=60) == [("zigbee2mqtt/renamed_kitchen_light/set", '{"state":"ON"}')]
    assert daemon.stop() == 0


def test_broker_outage_refuses_commands_and_never_sends_them_late(
    home: Path, tmp_path: Path, speech: SpeechSynth, mosquitto: LocalBroker, daemons: list[DaemonProcess]  # noqa: F811
) -> None:
    inputs = [
        silence(tmp_path, 6.0),
        spoken(speech, "hey computer, turn on the kitchen light"),
        silence(tmp_path, 14.0),
        spoken(speech, "hey computer, turn off the kitchen light"),
    ]
    daemon = DaemonProcess(home, inputs, tmp_path / "out.wav")
    daemons.append(daemon)
    daemon.wait_for(r"service: ready")
    mosquitto.stop()
    daemon.wait_for(r"heard 'turn on the kitchen light' -> broker_down: I can't reach the MQTT broker, so nothing was changed\.")
    mosquitto.start()
    recorder = Recorder(mosquitto)
    try:
        daemon.wait_for(r"connected to MQTT broker", count=2, timeout=30)
        assert recorder.wait_for(1, timeout=60) == [("zigbee2mqtt/kitchen_light/set", '{"state":"OFF"}')], "only the command after the outage"
        assert daemon.stop() == 0
    finally:
        recorder.close()


def test_malformed_state_payloads_do_not_stop_the_daemon(
    home: Path, tmp_path: Path, speech: SpeechSynth, recorder: Recorder, daemons: list[DaemonProcess]  # noqa: F811
) -> None:
    inputs = [silence(tmp_path, 6.0), spoken(speech, "hey computer, turn on the kitchen light")]
    daemon = DaemonProcess(home, inputs, tmp_path / "out.wav")
    daemons.append(daemon)
    daemon.wait_for(r"service: ready")
    for topic, payload in (("zigbee2mqtt/kitchen_light", "{oops"), ("stat/lamp_livingroom/POWER", "\xff\xfe"), ("home/garage/door/state", "ajar")):
        recorder.publish(topic, payload)
    daemon.wait_for(r"ignored state on", count=3)
    assert recorder.wait_for(4, timeout=60)[-1] == ("zigbee2mqtt/kitchen_light/set", '{"state":"ON"}')
    assert daemon.stop() == 0


def test_missing_microphone_is_reported_and_retried(home: Path, tmp_path: Path, recorder: Recorder, daemons: list[DaemonProcess]) -> None:
    home.write_text(home.read_text(encoding="utf-8") + "\naudio:\n  device: no such microphone\n", encoding="utf-8")
    daemon = DaemonProcess(home, None, tmp_path / "out.wav", env={"HOME": str(tmp_path)})
    daemons.append(daemon)
    daemon.wait_for(r"microphone unavailable: .*no such microphone", count=2)
    assert daemon.process.poll() is None, "it keeps trying"
    problems = [p for t, p, _ in recorder.messages if t == "assistant/problem"]
    assert problems and "no such microphone" in problems[-1]
    assert not any("service: ready" in line for line in daemon.lines)
    assert daemon.stop() == 0


def test_ready_and_watchdog_reach_systemd(home: Path, tmp_path: Path, speech: SpeechSynth, daemons: list[DaemonProcess]) -> None:  # noqa: F811
    address = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    sock.settimeout(60)
    daemon = DaemonProcess(home, [silence(tmp_path, 3.0)], tmp_path / "out.wav", env={"NOTIFY_SOCKET": address})
    daemons.append(daemon)
    try:
        messages: list[str] = []
        while not any("WATCHDOG=1" in m for m in messages):
            messages.append(sock.recv(4096).decode())
        assert "READY=1" in messages[0] and "STATUS=listening on" in messages[0], messages
        assert all("READY=1" not in m for m in messages[1:])
        daemon.signal(signal.SIGTERM)
        while not any("STOPPING=1" in m for m in messages):
            messages.append(sock.recv(4096).decode())
        assert daemon.stop() == 0
    finally:
        sock.close()


def test_the_unit_file_passes_systemd_analyze(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is missing: .ci/setup installs Debian's systemd package")
    assistant = shutil.which("assistant") or str(Path(sys.executable).parent / "assistant")
    unit = (REPO / "systemd" / "assistant.service").read_text(encoding="utf-8")
    installed = tmp_path / "assistant.service"
    installed.write_text(unit.replace("/usr/local/bin/assistant", assistant), encoding="utf-8")
    result = subprocess.run([analyze, "verify", str(installed)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Type=notify" in unit and "WatchdogSec=" in unit and "IPAddressDeny=any" in unit and "PrivateDevices" not in unit



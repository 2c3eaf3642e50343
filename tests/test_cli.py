"""The command line as a user runs it: JSON reports, conversations on stdin, the registry listing."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.broker import LocalBroker

from .conftest import Recorder
from .test_config import run_cli


def test_text_dry_run_json_needs_no_broker(example_config_path: Path) -> None:
    result = run_cli("text", "--config", str(example_config_path), "--dry-run", "--json", "set the kitchen light to 40%")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["intent"] == {"name": "SetBrightness", "slots": {"name": "kitchen light", "brightness": 40}}
    assert report["source"] == "template"
    assert report["devices"] == ["kitchen_light"]
    assert report["mqtt"] == [
        {"topic": "zigbee2mqtt/kitchen_light/set", "payload": '{"state":"ON","brightness":102}', "qos": 1, "retain": False}
    ]
    assert report["dry_run"] is True
    assert report["reply"] == "Set the kitchen light to 40 percent."
    assert set(report["timings_ms"]) >= {"intent", "total"}


def test_text_stdin_is_one_conversation(example_config_path: Path) -> None:
    lines = "turn on the ceiling light\nthe hallway one\n\nunlock the front door\nno\nblah\n"
    result = run_cli("text", "--config", str(example_config_path), "--dry-run", "--json", "-", stdin=lines)
    assert result.returncode == 0, result.stderr
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["outcome"] for r in reports] == ["question", "dry_run", "question", "cancelled", "not_understood"]
    assert reports[1]["mqtt"][0]["topic"] == "cmnd/hallway_light/POWER"
    assert reports[3]["mqtt"] == []


def test_text_publishes_to_the_configured_broker(tmp_path: Path, example_config_path: Path, mosquitto: LocalBroker, recorder: Recorder) -> None:
    config = tmp_path / "assistant.yaml"
    text = example_config_path.read_text(encoding="utf-8")
    text = text.replace("port: 1883", f"port: {mosquitto.port}").replace("paths: [../intents]", f"paths: [{example_config_path.parent.parent / 'intents'}]")
    config.write_text(text, encoding="utf-8")
    result = run_cli("text", "--config", str(config), "turn off the kitchen light")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Turned off the kitchen light."
    assert recorder.wait_for(1) == [("zigbee2mqtt/kitchen_light/set", '{"state":"OFF"}')]


def test_text_with_no_broker_says_so(tmp_path: Path, example_config_path: Path) -> None:
    from assistant.broker import free_port

    config = tmp_path / "assistant.yaml"
    text = example_config_path.read_text(encoding="utf-8")
    text = text.replace("port: 1883", f"port: {free_port()}").replace("paths: [../intents]", f"paths: [{example_config_path.parent.parent / 'intents'}]")
    config.write_text(text, encoding="utf-8")
    result = run_cli("text", "--config", str(config), "turn off the kitchen light")
    assert result.returncode == 1
    assert result.stdout.strip() == "I can't reach the MQTT broker, so nothing was changed."
    assert "Traceback" not in result.stderr


def test_devices_lists_the_registry(example_config_path: Path) -> None:
    result = run_cli("devices", "--config", str(example_config_path), "--json")
    assert result.returncode == 0, result.stderr
    listing = json.loads(result.stdout)
    kitchen = next(d for d in listing["devices"] if d["id"] == "kitchen_light")
    assert kitchen["state_topics"] == ["zigbee2mqtt/kitchen_light"]
    assert kitchen["aliases"] == ["ceiling light"]
    assert listing["site_area"] == "living_room"


def test_demo_runs_against_a_broker_it_starts(tmp_path: Path, example_config_path: Path) -> None:
    from assistant.broker import free_port

    config = tmp_path / "assistant.yaml"
    text = example_config_path.read_text(encoding="utf-8")
    text = text.replace("port: 1883", f"port: {free_port()}").replace("paths: [../intents]", f"paths: [{example_config_path.parent.parent / 'intents'}]")
    config.write_text(text, encoding="utf-8")
    result = run_cli("demo", "--config", str(config), "turn on the kitchen light", "is the front door locked")
    assert result.returncode == 0, result.stderr
    assert "started a local Mosquitto" in result.stdout
    assert 'mqtt  zigbee2mqtt/kitchen_light/set  {"state":"ON"}' in result.stdout
    assert "says  Yes, the front door is locked." in result.stdout

"""Broken config and intents files: every message names the file, the line and the key."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.errors import ConfigErrors
from assistant.nlu.templates import load_intents

REPO = Path(__file__).resolve().parent.parent


def write_home(tmp_path: Path, devices: str, extra: str = "") -> Path:
    (tmp_path / "intents").mkdir(exist_ok=True)
    for file in (REPO / "intents").iterdir():
        shutil.copy(file, tmp_path / "intents" / file.name)
    config = tmp_path / "assistant.yaml"
    config.write_text(
        "site:\n  area: kitchen\n"
        "areas:\n  - id: kitchen\n    name: kitchen\n"
        f"{extra}"
        "intents:\n  paths: [intents]\n"
        f"devices:\n{devices}",
        encoding="utf-8",
    )
    return config


def errors_of(path: Path) -> list[str]:
    with pytest.raises(ConfigErrors) as caught:
        load_config(path)
    return [error.message for error in caught.value.errors]


def test_example_config_is_valid(example_config_path: Path) -> None:
    config = load_config(example_config_path)
    assert {d.id for d in config.devices} >= {
        "kitchen_light",
        "living_room_lamp",
        "bedroom_light",
        "ceiling_fan",
        "garage_door",
        "front_door",
        "thermostat",
        "coffee_machine",
    }
    assert {d.protocol for d in config.devices} == {"zigbee2mqtt", "tasmota", "ha_json", "custom"}


def test_unknown_protocol_names_file_line_key_and_choices(tmp_path: Path) -> None:
    path = write_home(
        tmp_path,
        "  - id: lamp\n    name: lamp\n    type: light\n    protocol: zigbee2mqtt\n"
        "  - id: other\n    name: other\n    type: light\n    protocol: tasmota\n"
        "  - id: broken\n    name: broken\n    type: light\n    protocol: zigbee\n",
    )
    [message] = errors_of(path)
    assert message == (
        f"{path}:20: devices[2].protocol: unknown protocol 'zigbee' "
        "(expected one of: zigbee2mqtt, tasmota, ha_json, custom)"
    )


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write_home(
        tmp_path,
        "  - id: lamp\n    name: lamp\n    type: lamp\n    protocol: tasmota\n"
        "  - id: Bad Id\n    name: x\n    type: light\n    protocol: tasmota\n"
        "  - id: fan\n    name: fan\n    type: fan\n    area: attic\n    protocol: tasmota\n"
        "  - id: plug\n    name: plug\n    type: switch\n    protocol: ha_json\n"
        "  - id: dim\n    name: dim\n    type: light\n    protocol: tasmota\n    capabilities: [brightness, smell]\n"
        "  - id: lamp\n    name: lamp two\n    type: light\n    protocol: tasmota\n    colour: red\n",
        extra="mqtt:\n  port: eighty\n",
    )
    messages = errors_of(path)
    text = "\n".join(messages)
    assert f"{path}:7: mqtt.port: expected a whole number, got 'eighty'" in text
    assert "devices[0].type: unknown device type 'lamp' (expected one of: light, switch, fan, cover, lock, climate, sensor)" in text
    assert "devices[1].id: invalid id 'Bad Id'" in text
    assert "devices[2].area: unknown area 'attic' (expected one of: kitchen)" in text
    assert "devices[3].command_topic: required key is missing for protocol ha_json" in text
    assert "devices[4].capabilities[1]: unknown capability 'smell'" in text
    assert "devices[5].colour: unknown key" in text
    assert all(message.startswith(f"{path}:") for message in messages)
    assert len(messages) == 7


def test_invalid_yaml_gives_its_line(tmp_path: Path) -> None:
    path = tmp_path / "assistant.yaml"
    path.write_text("devices:\n  - id: a\n    name: [unclosed\n", encoding="utf-8")
    [message] = errors_of(path)
    assert message.startswith(f"{path}:") and "invalid YAML" in message


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    assert errors_of(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: file not found"]
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert "the file is empty" in errors_of(empty)[0]


def test_intents_errors_name_file_line_and_key(tmp_path: Path) -> None:
    intents = tmp_path / "bad.yaml"
    intents.write_text(
        "language: en\nintents:\n  Broken:\n    data:\n      - sentences:\n"
        '          - "turn on {gadget}"\n'
        '          - "turn (on the {name}"\n'
        "lists:\n  name:\n    values: [lamp]\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigErrors) as caught:
        load_intents([intents])
    messages = [e.message for e in caught.value.errors]
    assert any(m.startswith(f"{intents}:7: intents.Broken.data[0].sentences[1]: invalid template") for m in messages)
    assert any(m.startswith(f"{intents}:9: lists.name: the list {{name}} is filled from config") for m in messages)


def test_unknown_list_reference(tmp_path: Path) -> None:
    intents = tmp_path / "bad.yaml"
    intents.write_text(
        'language: en\nintents:\n  Broken:\n    data:\n      - sentences:\n          - "turn on {gadget}"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigErrors) as caught:
        load_intents([intents])
    [message] = [e.message for e in caught.value.errors]
    assert message.startswith(f"{intents}:6: intents.Broken.data[0].sentences[0]: unknown list {{gadget}}")


def run_cli(*args: str, env_config: str | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    import os

    env = dict(os.environ)
    env.pop("ASSISTANT_CONFIG", None)
    if env_config:
        env["ASSISTANT_CONFIG"] = env_config
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args], capture_output=True, text=True, cwd=REPO, env=env, input=stdin, timeout=120
    )


def test_check_config_cli(tmp_path: Path, example_config_path: Path) -> None:
    ok = run_cli("check-config", "--config", str(example_config_path))
    assert ok.returncode == 0, ok.stderr
    assert "OK" in ok.stdout
    broken = write_home(tmp_path, "  - id: x\n    name: x\n    type: light\n    protocol: zigbee\n")
    result = run_cli("check-config", "--config", str(broken))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"{broken}:12: devices[0].protocol: unknown protocol 'zigbee' (expected one of: zigbee2mqtt, tasmota, ha_json, custom)"
    )
    assert "Traceback" not in result.stderr


def test_other_commands_refuse_a_broken_config_the_same_way(tmp_path: Path) -> None:
    broken = write_home(tmp_path, "  - id: x\n    name: x\n    type: light\n    protocol: zigbee\n")
    result = run_cli("text", "--dry-run", "turn on the x", env_config=str(broken))
    assert result.returncode == 2
    assert "devices[0].protocol: unknown protocol 'zigbee'" in result.stderr
    assert "Traceback" not in result.stderr

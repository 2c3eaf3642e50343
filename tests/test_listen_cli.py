"""``assistant listen``: the JSON report of ``assistant text --json`` plus what the ears did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.broker import LocalBroker
from assistant.cli import main

from .conftest import EXAMPLE_CONFIG, Recorder
from .speech import VOICES, SpeechSynth, speech, write_wav  # noqa: F401 - the fixture


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def wav(tmp_path: Path, speech: SpeechSynth, text: str, voice: str = "piper") -> str:  # noqa: F811
    return str(write_wav(tmp_path / "command.wav", speech.pcm(text, VOICES[voice])))


def test_the_report_is_the_text_report_plus_transcript_stt_and_timings(
    tmp_path: Path, speech: SpeechSynth, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    code, out, _ = run(capsys, "listen", "--wav", wav(tmp_path, speech, "set the kitchen light to forty percent"), "--json", "--dry-run", "--no-wake")
    assert code == 0
    spoken = json.loads(out)
    code, out, _ = run(capsys, "text", "set the kitchen light to forty percent", "--json", "--dry-run")
    typed = json.loads(out)
    assert set(typed) <= set(spoken)
    for key in ("intent", "source", "outcome", "devices", "mqtt", "dry_run", "reply", "expects_answer"):
        assert spoken[key] == typed[key], key
    assert spoken["transcript"] == spoken["text"] == "set the kitchen light to forty percent"
    # A sentence of the command grammar, chosen by Whisper (sure of it) or the grammar pass.
    assert spoken["stt"]["engine"] in ("whisper", "pocketsphinx") and spoken["stt"]["constrained"] is True
    assert 0.5 <= spoken["stt"]["confidence"] <= 1.0
    for stage in ("vad", "stt", "stt_after_end", "intent", "publish", "end_of_speech_to_done"):
        assert spoken["timings_ms"][stage] >= 0, stage
    assert spoken["end_of_speech"]["reason"] == "silence"
    assert "wake" not in spoken


def test_the_wake_word_in_the_recording(tmp_path: Path, speech: SpeechSynth, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    code, out, _ = run(capsys, "listen", "--wav", wav(tmp_path, speech, "Hey computer, close the blinds."), "--json", "--dry-run")
    report = json.loads(out)
    assert code == 0
    assert report["wake"]["source"] == "keyword"
    assert report["transcript"] == "close the blinds"
    assert report["mqtt"] == [{"topic": "cmnd/blinds_kitchen/ShutterClose1", "payload": "", "qos": 1, "retain": False}]
    assert report["timings_ms"]["wake"] > 0


def test_no_wake_word_in_the_recording(tmp_path: Path, speech: SpeechSynth, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    code, out, _ = run(capsys, "listen", "--wav", wav(tmp_path, speech, "close the blinds"), "--json", "--dry-run")
    assert code == 1
    report = json.loads(out)
    assert report["outcome"] == "no_wake_word"
    assert "hey computer" in report["error"] and "--no-wake" in report["error"]


def test_plain_output_is_the_reply(tmp_path: Path, speech: SpeechSynth, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    code, out, err = run(capsys, "listen", "--wav", wav(tmp_path, speech, "turn off the fan"), "--dry-run", "--no-wake")
    assert code == 0
    assert out.strip() == "Turned off the ceiling fan."
    assert "heard: turn off the fan" in err


def test_garbage_gives_i_did_not_catch_that(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    silent = write_wav(tmp_path / "silence.wav", bytes(16000 * 2 * 2))
    code, out, _ = run(capsys, "listen", "--wav", str(silent), "--json", "--dry-run", "--no-wake")
    report = json.loads(out)
    assert code == 1
    assert (report["outcome"], report["reply"], report["mqtt"]) == ("not_heard", "I didn't catch that.", [])
    assert report["stt"] is None and report["end_of_speech"]["reason"] == "no_speech"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("missing.wav", None, "audio file not found"), ("bad.wav", b"RIFF nonsense", "not a readable WAV")],
)
def test_bad_audio_files_are_reported_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    code, out, err = run(capsys, "listen", "--wav", str(path), "--dry-run")
    assert code == 1 and out == ""
    assert message in err and "Traceback" not in err


def test_listen_publishes_to_the_configured_broker(
    tmp_path: Path, speech: SpeechSynth, mosquitto: LocalBroker, recorder: Recorder, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    config = tmp_path / "assistant.yaml"
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = text.replace("port: 1883", f"port: {mosquitto.port}").replace("host: localhost", f"host: {mosquitto.host}")
    text = text.replace("paths: [../intents]", f"paths: [{EXAMPLE_CONFIG.parent.parent / 'intents'}]")
    config.write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "listen", "--config", str(config), "--wav", wav(tmp_path, speech, "turn on the reading lamp"), "--no-wake", "--json")
    assert code == 0, out
    assert json.loads(out)["outcome"] == "done"
    assert recorder.wait_for(1) == [("cmnd/lamp_livingroom/POWER", "ON")]


def test_audio_devices_lists_without_a_sound_card(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "audio-devices", "--json")
    assert code == 0
    report = json.loads(out)
    assert set(report) == {"input", "output"}

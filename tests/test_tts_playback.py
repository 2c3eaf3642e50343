"""The real sounddevice playback path, into an ALSA ``type file`` device, and ``assistant say``.

PortAudio reads ALSA's configuration when it starts, so each case runs in a subprocess whose
HOME holds an .asoundrc with file-backed "speakers" (see shared NOTES.md): what PortAudio plays
lands in a raw 16-bit file that the test reads back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.clip import read_wav
from assistant.earcons import make_earcon

REPO = Path(__file__).resolve().parent.parent
DEVICES = "devices:\n  - id: lamp\n    name: lamp\n    type: light\n    protocol: tasmota\n    topic: lamp\n"
SPEAKERS = ("speaker", "second_speaker")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A HOME whose .asoundrc has two file-backed playback devices and no sound card."""
    entries = []
    for name in SPEAKERS:
        entries.append(
            f'pcm.{name} {{\n    type file\n    slave.pcm "null"\n    file "{tmp_path / name}.raw"\n'
            f'    format "raw"\n    hint {{ show on description "file-backed test {name}" }}\n}}\n'
        )
    (tmp_path / ".asoundrc").write_text("\n".join(entries), encoding="utf-8")
    (tmp_path / "assistant.yaml").write_text(DEVICES + "tts:\n  seed: 11\n", encoding="utf-8")
    return tmp_path


def run(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(REPO)}
    env.pop("ASSISTANT_CONFIG", None)
    return subprocess.run(
        [sys.executable, *args], cwd=home, env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def captured(home: Path, speaker: str) -> np.ndarray:
    return np.fromfile(home / f"{speaker}.raw", dtype="<i2").astype(np.int32)


def test_say_plays_through_sounddevice_exactly_what_it_writes_to_wav(home: Path) -> None:
    text = "The kitchen light is on. It is 21 degrees."
    config = str(home / "assistant.yaml")
    played = run(home, "-m", "assistant", "say", "--config", config, "--device", "speaker", "--json", text)
    assert played.returncode == 0, played.stderr
    report = json.loads(played.stdout)
    assert report["completed"] is True
    assert "speaker" in report["output"]

    written = run(home, "-m", "assistant", "say", "--config", config, "--wav", str(home / "said.wav"), text)
    assert written.returncode == 0, written.stderr
    said = read_wav(home / "said.wav")

    sound = captured(home, "speaker")
    assert len(sound) == said.frames  # mono 16-bit at the voice's own 22.05 kHz
    assert report["audio_seconds"] == pytest.approx(said.frames / said.sample_rate, abs=1e-3)
    assert np.array_equal(sound, said.samples)  # same seed, same waveform, sample for sample
    assert np.abs(sound).max() > 5000


def test_earcon_and_stop_through_sounddevice(home: Path) -> None:
    script = """
import json, threading
import numpy as np
from assistant.audio.clip import AudioClip
from assistant.audio.sink import SoundDeviceSink
from assistant.earcons import make_earcon

whole = SoundDeviceSink("speaker").play([make_earcon("done")])

cancel = threading.Event()
def speech():
    yield AudioClip(np.full(11025, 1234, dtype=np.int16), 22050)
    cancel.set()  # "stop" while the next chunk is on its way
    yield AudioClip(np.full(11025, -999, dtype=np.int16), 22050)
stopped = SoundDeviceSink("second_speaker").play(speech(), cancel)
print(json.dumps([whole.completed, whole.seconds, stopped.completed, stopped.seconds]))
"""
    result = run(home, "-c", script)
    assert result.returncode == 0, result.stderr
    whole_done, whole_seconds, stopped_done, stopped_seconds = json.loads(result.stdout)
    earcon = make_earcon("done").samples
    assert whole_done and whole_seconds == pytest.approx(earcon.size / 22050)
    assert np.array_equal(captured(home, "speaker"), earcon)

    assert not stopped_done and stopped_seconds <= 0.5
    cut = captured(home, "second_speaker")
    assert len(cut) <= 11025
    assert set(np.unique(cut).tolist()) <= {1234}  # nothing of what came after "stop"


def test_missing_device_lists_the_output_devices(home: Path) -> None:
    result = run(
        home, "-m", "assistant", "say", "--config", str(home / "assistant.yaml"), "--device", "USB Speaker", "hello"
    )
    assert result.returncode == 1
    assert "output device 'USB Speaker' not found; output devices:" in result.stderr
    assert "'speaker' (ALSA" in result.stderr and "'second_speaker' (ALSA" in result.stderr
    assert "Traceback" not in result.stderr

    ambiguous = run(home, "-m", "assistant", "say", "--config", str(home / "assistant.yaml"), "--device", "speak", "hi")
    assert ambiguous.returncode == 1
    assert "output device 'speak' is ambiguous" in ambiguous.stderr


def test_say_reads_stdin_and_refuses_empty_text(home: Path) -> None:
    config = str(home / "assistant.yaml")
    out = home / "stdin.wav"
    result = run(
        home, "-m", "assistant", "say", "--config", config, "--wav", str(out), "-", stdin="Hello from standard input.\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"wrote {out} (")
    assert read_wav(out).duration > 1.0

    empty = run(home, "-m", "assistant", "say", "--config", config, "   ")
    assert empty.returncode == 1
    assert "nothing to say: the text is empty" in empty.stderr
    wordless = run(home, "-m", "assistant", "say", "--config", config, "--wav", str(home / "no.wav"), "?!")
    assert wordless.returncode == 1
    assert "nothing to say: '?!' has no words the voice can speak" in wordless.stderr
    assert not (home / "no.wav").exists()


def test_say_reports_config_errors_with_file_line_and_key(home: Path) -> None:
    (home / "bad.yaml").write_text(DEVICES + "tts:\n  volume: loud\n", encoding="utf-8")
    result = run(home, "-m", "assistant", "say", "--config", str(home / "bad.yaml"), "hi")
    assert result.returncode == 2
    assert f"{home / 'bad.yaml'}:8: tts.volume: expected a number, got 'loud'" in result.stderr

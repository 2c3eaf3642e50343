"""Audio sources: WAV and raw files, and the real sounddevice capture path (ALSA file microphone)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.frames import FRAME_BYTES, SAMPLE_RATE, Framer, split_frames
from assistant.audio.source import FileSource, InputDevice, find_input_device, read_pcm
from assistant.errors import AudioError

from .conftest import REPO
from .speech import VOICES, SpeechSynth, speech, write_wav  # noqa: F401 - the fixture


def tone(seconds: float, rate: int, channels: int = 1) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    mono = (np.sin(2 * np.pi * 440 * t) * 10000).astype("<i2")
    return np.repeat(mono[:, None], channels, axis=1).reshape(-1) if channels > 1 else mono


def write(path: Path, samples: np.ndarray, rate: int, channels: int = 1, width: int = 2) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return path


def test_a_16k_wav_is_read_as_it_is(tmp_path: Path) -> None:
    samples = tone(0.5, SAMPLE_RATE)
    assert read_pcm(write(tmp_path / "a.wav", samples, SAMPLE_RATE)) == samples.tobytes()


def test_other_rates_and_stereo_become_16k_mono(tmp_path: Path) -> None:
    pcm = read_pcm(write(tmp_path / "b.wav", tone(1.0, 22050, channels=2), 22050, channels=2))
    assert len(pcm) == pytest.approx(2 * SAMPLE_RATE, abs=4)
    spectrum = np.abs(np.fft.rfft(np.frombuffer(pcm, dtype="<i2").astype(float)))
    assert np.argmax(spectrum) == pytest.approx(440, abs=2)  # 1 s of audio: bins are 1 Hz


def test_raw_pcm_is_taken_as_16k_mono(tmp_path: Path) -> None:
    raw = tmp_path / "c.raw"
    raw.write_bytes(tone(0.25, SAMPLE_RATE).tobytes())
    assert read_pcm(raw) == raw.read_bytes()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.wav", None, "not found"),
        ("text.wav", b"this is not audio", "not a readable WAV"),
        ("odd.raw", b"\x00\x01\x02", "odd number of bytes"),
        ("missing.raw", None, "not found"),
    ],
)
def test_bad_files_get_a_clear_error(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AudioError, match=message):
        read_pcm(path)


def test_8_bit_wav_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = write(tmp_path / "d.wav", np.zeros(800, dtype=np.uint8), 8000, width=1)
    with pytest.raises(AudioError, match="8-bit"):
        read_pcm(path)


def test_file_source_frames_cover_the_file_and_pad_the_last(tmp_path: Path) -> None:
    samples = tone(0.1, SAMPLE_RATE)  # 1600 samples: 3 frames of 512 and 64 left over
    source = FileSource(write(tmp_path / "e.wav", samples, SAMPLE_RATE))
    frames = list(source.frames())
    assert [round(f.start, 3) for f in frames] == [0.0, 0.032, 0.064, 0.096]
    assert all(len(f.pcm) == FRAME_BYTES for f in frames)
    assert b"".join(f.pcm for f in frames)[: len(samples) * 2] == samples.tobytes()


def test_framer_regroups_odd_chunks() -> None:
    framer = Framer()
    pcm = bytes(range(256)) * 20  # 5120 bytes = 5 frames
    frames = []
    for offset in range(0, len(pcm), 700):
        frames.extend(framer.push(pcm[offset : offset + 700]))
    assert b"".join(f.pcm for f in frames) == pcm
    assert [f.start for f in frames] == [f.start for f in split_frames(pcm)]


DEVICES = [
    InputDevice(0, "HDA Intel PCH: ALC3246 Analog (hw:0,0)", 2, 44100, "ALSA"),
    InputDevice(3, "USB PnP Sound Device: Audio (hw:1,0)", 1, 48000, "ALSA", is_default=True),
    InputDevice(4, "USB Conference Speaker (hw:2,0)", 1, 16000, "ALSA"),
]


def test_devices_are_found_by_index_exact_name_or_unique_part() -> None:
    assert find_input_device(None, DEVICES).index == 3
    assert find_input_device(4, DEVICES).index == 4
    assert find_input_device("0", DEVICES).index == 0
    assert find_input_device("pnp", DEVICES).index == 3
    assert find_input_device("USB Conference Speaker (hw:2,0)", DEVICES).index == 4


def test_a_missing_device_error_lists_the_devices_that_exist() -> None:
    with pytest.raises(AudioError) as missing:
        find_input_device("respeaker", DEVICES)
    assert "'respeaker' not found" in missing.value.message
    assert "USB PnP Sound Device" in missing.value.message and "ALC3246" in missing.value.message
    with pytest.raises(AudioError, match="ambiguous"):
        find_input_device("usb", DEVICES)
    with pytest.raises(AudioError, match="no input device with index 9"):
        find_input_device(9, DEVICES)
    with pytest.raises(AudioError, match="no sound card or microphone found"):
        find_input_device(None, [])


def alsa_home(tmp_path: Path, raw: Path) -> Path:
    """A HOME whose .asoundrc defines "filemic": a capture device that plays ``raw`` (see NOTES.md)."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(
        "pcm.filemic {\n"
        "    type file\n"
        '    slave.pcm "null"\n'
        '    file "/dev/null"\n'
        f'    infile "{raw}"\n'
        '    format "raw"\n'
        '    hint { show on description "WAV-backed test microphone" }\n'
        "}\n",
        encoding="utf-8",
    )
    return home


def run_assistant(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )


def test_listen_through_a_real_sounddevice_microphone(tmp_path: Path, speech: SpeechSynth) -> None:  # noqa: F811
    """PortAudio and sounddevice capture from the ALSA file plugin: the real microphone path."""
    raw = tmp_path / "command.raw"
    raw.write_bytes(speech.pcm("turn on the kitchen light", VOICES["piper"]) + bytes(2 * SAMPLE_RATE))
    home = alsa_home(tmp_path, raw)
    devices = run_assistant(home, "audio-devices", "--json")
    assert devices.returncode == 0, devices.stderr
    assert "filemic" in [device["name"] for device in json.loads(devices.stdout)["input"]]

    result = run_assistant(home, "listen", "--device", "filemic", "--no-wake", "--dry-run", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["transcript"] == "turn on the kitchen light"
    assert report["mqtt"] == [
        {"topic": "zigbee2mqtt/kitchen_light/set", "payload": '{"state":"ON"}', "qos": 1, "retain": False}
    ]


def test_a_missing_microphone_is_named_with_the_devices_that_exist(tmp_path: Path) -> None:
    raw = tmp_path / "silence.raw"
    raw.write_bytes(bytes(3200))
    result = run_assistant(alsa_home(tmp_path, raw), "listen", "--device", "respeaker", "--no-wake", "--dry-run")
    assert result.returncode == 1
    assert "input device 'respeaker' not found" in result.stderr
    assert "filemic" in result.stderr
    assert "Traceback" not in result.stderr

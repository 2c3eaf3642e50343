"""Sample-rate conversion that works on a stream of chunks.

A sound card that only runs at 48 kHz still has to play 22.05 kHz speech, and speech
recognisers want 16 kHz. ``Resampler`` is a windowed-sinc (Kaiser) interpolator that keeps its
history between chunks, so converting a stream chunk by chunk gives the same samples as
converting the whole signal at once: no clicks at chunk borders.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from .clip import INT16_MAX, AudioClip

_BETA = 8.0
"""Kaiser window shape: about 80 dB of stop-band attenuation."""
_MAX_TABLE_PHASES = 4096
"""Rate pairs with up to this many output phases use a precomputed kernel table (all usual ones)."""


class Resampler:
    """Converts 16-bit mono audio from one rate to another, one chunk at a time."""

    def __init__(self, from_rate: int, to_rate: int, zero_crossings: int = 16) -> None:
        if from_rate <= 0 or to_rate <= 0:
            raise ValueError(f"sample rates must be positive, got {from_rate} and {to_rate}")
        self.from_rate = from_rate
        self.to_rate = to_rate
        self._step = from_rate / to_rate
        """Input samples per output sample."""
        self._cutoff = min(1.0, to_rate / from_rate) * 0.95
        """Low-pass corner relative to the input Nyquist frequency, a little below the output's."""
        self._half = math.ceil(zero_crossings / self._cutoff)
        """Half the kernel width, in input samples."""
        self._buffer = np.zeros(self._half, dtype=np.float64)
        self._time = float(self._half)
        """Where the next output sample lies, in input samples from the start of ``_buffer``."""
        self._taken = 0
        self._given = 0
        self._offsets = np.arange(-self._half + 1, self._half + 1)
        common = math.gcd(from_rate, to_rate)
        self._phases = to_rate // common
        """Distinct fractional positions of output samples between two input samples."""
        self._table = (
            self._kernel(np.arange(self._phases)[:, None] / self._phases - self._offsets[None, :])
            if self._phases <= _MAX_TABLE_PHASES
            else None
        )

    def process(self, samples: NDArray[np.int16]) -> NDArray[np.int16]:
        """Convert the next chunk; returns the output samples that are complete so far."""
        if self.from_rate == self.to_rate:
            return samples
        self._taken += len(samples)
        self._buffer = np.concatenate([self._buffer, samples.astype(np.float64)])
        last = len(self._buffer) - 1 - self._half
        count = math.floor((last - self._time) / self._step) + 1 if last >= self._time else 0
        return self._emit(count)

    def flush(self) -> NDArray[np.int16]:
        """The output samples still owed at the end of the stream."""
        if self.from_rate == self.to_rate:
            return np.zeros(0, dtype=np.int16)
        total = round(self._taken * self.to_rate / self.from_rate)
        self._buffer = np.concatenate([self._buffer, np.zeros(self._half + 1)])
        return self._emit(max(0, total - self._given))

    def _emit(self, count: int) -> NDArray[np.int16]:
        times = self._time + self._step * np.arange(count, dtype=np.float64)
        out = self._interpolate(times)
        self._time += self._step * count
        self._given += count
        drop = max(0, math.floor(self._time) - self._half)
        self._buffer = self._buffer[drop:]
        self._time -= drop
        return np.clip(np.round(out), -INT16_MAX - 1, INT16_MAX).astype(np.int16)

    def _interpolate(self, times: NDArray[np.float64]) -> NDArray[np.float64]:
        if len(times) == 0:
            return np.zeros(0)
        base = np.floor(times).astype(np.int64)
        index = base[:, None] + self._offsets[None, :]
        if self._table is not None:
            phase = np.round((times - base) * self._phases).astype(np.int64)
            carry = phase >= self._phases
            index += carry[:, None]
            weights = self._table[np.where(carry, 0, phase)]
        else:
            weights = self._kernel(times[:, None] - index)
        result: NDArray[np.float64] = np.sum(self._buffer[index] * weights, axis=1)
        return result

    def _kernel(self, distance: NDArray[np.float64]) -> NDArray[np.float64]:
        """Kaiser-windowed sinc at ``distance`` input samples from the output sample."""
        inside = np.clip(1.0 - (distance / self._half) ** 2, 0.0, None)
        window = np.i0(_BETA * np.sqrt(inside)) / np.i0(_BETA)
        kernel: NDArray[np.float64] = self._cutoff * np.sinc(self._cutoff * distance) * window
        return kernel


def resample(clip: AudioClip, to_rate: int) -> AudioClip:
    """The whole clip at another sample rate."""
    if clip.sample_rate == to_rate:
        return clip
    resampler = Resampler(clip.sample_rate, to_rate)
    return AudioClip(np.concatenate([resampler.process(clip.samples), resampler.flush()]), to_rate)

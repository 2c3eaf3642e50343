"""The audio every listening stage works on: 16 kHz mono 16-bit frames of 32 ms.

32 ms (512 samples) is the window of the Silero voice activity model, and short enough for the
wake word and the recogniser to follow speech closely.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16_000
SAMPLE_WIDTH = 2
"""Bytes per sample (signed 16-bit little-endian)."""
FRAME_SAMPLES = 512
FRAME_BYTES = FRAME_SAMPLES * SAMPLE_WIDTH
FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE


@dataclass(frozen=True)
class AudioFrame:
    """One frame of 16 kHz mono 16-bit PCM, and where it starts in its stream (seconds)."""

    pcm: bytes
    start: float

    @property
    def seconds(self) -> float:
        return len(self.pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)

    @property
    def end(self) -> float:
        return self.start + self.seconds


def pcm_seconds(pcm: bytes) -> float:
    return len(pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)


def level_dbfs(pcm: bytes) -> float:
    """Loudness of 16-bit PCM in dB relative to full scale (-inf for digital silence)."""
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(np.float64)
    if samples.size == 0:
        return -math.inf
    rms = float(np.sqrt(np.mean(samples**2)))
    return 20 * math.log10(rms / 32768) if rms > 0 else -math.inf


def split_frames(pcm: bytes, start: float = 0.0, pad: bool = True) -> Iterator[AudioFrame]:
    """Cut PCM into whole frames; a short last piece is padded with silence (or dropped)."""
    position = 0
    while position < len(pcm):
        piece = pcm[position : position + FRAME_BYTES]
        if len(piece) < FRAME_BYTES:
            if not pad:
                return
            piece = piece + bytes(FRAME_BYTES - len(piece))
        yield AudioFrame(piece, start + position / (SAMPLE_RATE * SAMPLE_WIDTH))
        position += FRAME_BYTES


class Framer:
    """Regroups chunks of any size (what a sound card delivers) into whole frames."""

    def __init__(self) -> None:
        self._pending = b""
        self._emitted = 0

    def push(self, chunk: bytes) -> list[AudioFrame]:
        self._pending += chunk
        frames: list[AudioFrame] = []
        while len(self._pending) >= FRAME_BYTES:
            frames.append(AudioFrame(self._pending[:FRAME_BYTES], self._emitted * FRAME_SECONDS))
            self._pending = self._pending[FRAME_BYTES:]
            self._emitted += 1
        return frames

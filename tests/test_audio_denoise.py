"""Steady noise removal before recognition: clean audio untouched, noise down, speech kept."""

from __future__ import annotations

import numpy as np

from assistant.audio.denoise import remove_steady_noise

from .speech import VOICES, SpeechSynth, add_noise, pink_noise, speech  # noqa: F401 - the fixture

RATE = 16_000


def _power_db(samples: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(samples.astype(np.float64) ** 2) + 1e-9))


def _samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2")


def test_a_clean_recording_comes_back_unchanged(speech: SpeechSynth) -> None:  # noqa: F811
    pcm = speech.pcm("turn on the kitchen light", VOICES["piper"])
    assert remove_steady_noise(pcm) == pcm


def test_too_short_or_empty_audio_comes_back_unchanged() -> None:
    assert remove_steady_noise(b"") == b""
    short = (pink_noise(800, 1) * 3000).astype("<i2").tobytes()
    assert remove_steady_noise(short) == short


def test_noise_goes_down_and_the_speech_stays(speech: SpeechSynth) -> None:  # noqa: F811
    clean = speech.pcm("set the kitchen blinds to thirty percent", VOICES["piper"])
    noisy = add_noise(clean, 10, seed=3)
    cleaned = _samples(remove_steady_noise(noisy))
    assert len(cleaned) == len(_samples(noisy))
    lead = round(0.25 * RATE)  # the synthesizer's lead-in: silence, so noise only
    noise_before = _power_db(_samples(noisy)[:lead])
    noise_after = _power_db(cleaned[:lead])
    assert noise_before - noise_after > 6, (noise_before, noise_after)
    talking = slice(lead + RATE // 2, lead + RATE)
    speech_before = _power_db(_samples(clean)[talking])
    assert abs(_power_db(cleaned[talking]) - speech_before) < 3
    # Closer to the clean recording than the noisy one was.
    error_before = _power_db(_samples(noisy).astype(np.int32) - _samples(clean))
    error_after = _power_db(cleaned.astype(np.int32) - _samples(clean))
    assert error_after < error_before - 3, (error_before, error_after)


def test_noise_only_is_quieted_and_stays_within_range() -> None:
    noise = (pink_noise(RATE * 2, 5) * 8000).clip(-32768, 32767).astype("<i2").tobytes()
    cleaned = _samples(remove_steady_noise(noise))
    assert _power_db(cleaned) < _power_db(_samples(noise)) - 6
    loud = (pink_noise(RATE * 2, 6) * 30000).clip(-32768, 32767).astype("<i2").tobytes()
    assert len(remove_steady_noise(loud)) == len(loud)

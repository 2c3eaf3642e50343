"""Speech/non-speech per frame with the real detectors (their models come with the pip packages)."""

from __future__ import annotations

import math

import pytest

from assistant.audio.frames import FRAME_BYTES, split_frames
from assistant.audio.vad import NoiseFloor, SileroDetector, WebRtcDetector, make_detector

from .speech import VOICES, SpeechSynth, add_noise, pink_noise, speech  # noqa: F401 - the fixture

SILENCE = bytes(FRAME_BYTES * 40)


def speech_share(detector: object, pcm: bytes) -> float:
    frames = list(split_frames(pcm))
    votes = [detector.is_speech(frame.pcm) for frame in frames]  # type: ignore[attr-defined]
    return sum(votes) / len(votes)


@pytest.mark.parametrize("engine", [pytest.param("silero", marks=pytest.mark.own_process), "webrtc"])
def test_spoken_command_is_speech_and_silence_is_not(engine: str, speech: SpeechSynth) -> None:  # noqa: F811
    detector = make_detector(engine)
    pcm = speech.pcm("turn on the kitchen light please", VOICES["piper"])
    # The recording is 0.3 s silence + speech + 0.8 s silence.
    frames = list(split_frames(pcm))
    votes = [detector.is_speech(frame.pcm) for frame in frames]
    lead = round(0.3 / 0.032)
    trail = round(0.8 / 0.032)
    middle = votes[lead + 2 : len(votes) - trail - 2]
    assert sum(middle) / len(middle) > 0.6
    detector.reset()
    assert speech_share(detector, SILENCE) == 0.0


@pytest.mark.own_process
def test_silero_does_not_call_steady_noise_speech() -> None:
    detector = SileroDetector()
    noise = (pink_noise(16000 * 2, seed=1) * 2000).clip(-32768, 32767).astype("<i2").tobytes()
    assert speech_share(detector, noise) < 0.1


def test_webrtc_does_not_call_steady_noise_speech_once_it_has_heard_it(speech: SpeechSynth) -> None:  # noqa: F811
    detector = WebRtcDetector()
    noise = (pink_noise(16000 * 3, seed=1) * 2000).clip(-32768, 32767).astype("<i2").tobytes()
    assert speech_share(detector, noise[: len(noise) // 3]) < 0.5  # the first frames set the floor
    assert speech_share(detector, noise[len(noise) // 3 :]) < 0.05
    # a command in that noise (10 dB below it) is still speech; the noise after it is not
    command = add_noise(speech.pcm("turn on the kitchen light please", VOICES["piper"]), 10, seed=1)
    frames = [detector.is_speech(frame.pcm) for frame in split_frames(command)]
    lead, trail = round(0.3 / 0.032), round(0.8 / 0.032)
    assert sum(frames[lead + 2 : -trail - 2]) / len(frames[lead + 2 : -trail - 2]) > 0.5
    assert sum(frames[-trail + 3 :]) / len(frames[-trail + 3 :]) < 0.1


def test_the_noise_floor_falls_at_once_and_rises_slowly() -> None:
    floor = NoiseFloor()
    assert floor.update(-40.0) == -40.0
    assert floor.update(-60.0) == -60.0
    risen = floor.update(-20.0)
    assert -60.0 < risen < -59.8  # one frame: 3 dB/s
    assert floor.update(-math.inf) == NoiseFloor.LOWEST_DB  # digital silence, not -inf for ever


@pytest.mark.own_process
def test_silero_reports_a_probability(speech: SpeechSynth) -> None:  # noqa: F811
    detector = SileroDetector(threshold=0.5)
    assert detector.probability(SILENCE[:FRAME_BYTES]) < 0.2
    spoken = speech.pcm("turn on the kitchen light please", VOICES["piper"])
    peak = max(detector.probability(frame.pcm) for frame in split_frames(spoken))
    assert peak > 0.9
    assert detector.last_probability < 0.5  # the recording ends in silence


@pytest.mark.parametrize("detector_type", [pytest.param(SileroDetector, marks=pytest.mark.own_process), WebRtcDetector])
def test_a_frame_of_the_wrong_size_is_refused(detector_type: type) -> None:
    detector = detector_type()
    with pytest.raises(ValueError, match="512 samples"):
        detector.is_speech(bytes(FRAME_BYTES - 2))


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        SileroDetector(threshold=1.5)
    with pytest.raises(ValueError):
        WebRtcDetector(aggressiveness=7)
    with pytest.raises(ValueError, match="unknown voice activity detector"):
        make_detector("magic")

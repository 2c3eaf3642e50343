"""Audio values, the streaming resampler, the WAV sink and the generated earcons."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.clip import AudioClip, concatenate, read_wav, write_wav
from assistant.audio.resample import Resampler, resample
from assistant.audio.sink import WavFileSink
from assistant.earcons import EARCON_NAMES, EARCON_RATE, make_earcon, shipped_path, stale_files, write_all
from assistant.errors import AudioError


def tone(frequency: float, seconds: float, rate: int, level: float = 0.3) -> AudioClip:
    t = np.arange(round(seconds * rate)) / rate
    return AudioClip.from_float(level * np.sin(2 * np.pi * frequency * t), rate)


def dominant_frequency(clip: AudioClip) -> float:
    spectrum = np.abs(np.fft.rfft(clip.samples.astype(np.float64)))
    return float(np.argmax(spectrum) * clip.sample_rate / clip.frames)


# --- AudioClip and WAV files -------------------------------------------------------------


def test_clip_rejects_wrong_sample_types() -> None:
    with pytest.raises(ValueError, match="int16"):
        AudioClip(np.zeros(10, dtype=np.float32), 16000)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        AudioClip(np.zeros(10, dtype=np.int16), 0)


def test_from_float_clips_overshoot_and_scales() -> None:
    clip = AudioClip.from_float(np.array([0.5, 2.0, -2.0]), 8000, gain=1.0)
    assert clip.samples.tolist() == [16383, 32767, -32767]
    assert clip.scaled(0.5).samples.tolist() == [8191, 16383, -16383]


def test_wav_round_trip_and_stereo_mixdown(tmp_path: Path) -> None:
    clip = tone(440, 0.1, 22050)
    write_wav(tmp_path / "a.wav", clip)
    back = read_wav(tmp_path / "a.wav")
    assert back.sample_rate == 22050 and np.array_equal(back.samples, clip.samples)
    with wave.open(str(tmp_path / "stereo.wav"), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(np.array([100, 300, -50, -150], dtype="<i2").tobytes())
    assert read_wav(tmp_path / "stereo.wav").samples.tolist() == [200, -100]


def test_unreadable_wavs_are_audio_errors(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="WAV file not found"):
        read_wav(tmp_path / "none.wav")
    (tmp_path / "junk.wav").write_bytes(b"this is not a wav file")
    with pytest.raises(AudioError, match="junk.wav: not a readable WAV file"):
        read_wav(tmp_path / "junk.wav")
    with wave.open(str(tmp_path / "8bit.wav"), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(8000)
        wav.writeframes(b"\x80" * 100)
    with pytest.raises(AudioError, match="8-bit samples are not supported"):
        read_wav(tmp_path / "8bit.wav")


# --- resampling ---------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "target"), [(22050, 16000), (22050, 48000), (16000, 44100), (48000, 22050)])
def test_resampling_keeps_pitch_level_and_length(source: int, target: int) -> None:
    clip = tone(1000, 1.0, source)
    out = resample(clip, target)
    assert out.sample_rate == target
    assert out.frames == target
    assert abs(dominant_frequency(out) - 1000) <= 1.0
    middle = out.samples[target // 10 : -target // 10]
    assert abs(int(np.abs(middle).max()) - int(np.abs(clip.samples).max())) < 0.01 * 32767


def test_resampling_removes_what_the_new_rate_cannot_carry() -> None:
    high = tone(10000, 0.5, 22050)  # above 8 kHz: must not fold back into the 16 kHz signal
    out = resample(high, 16000)
    assert np.abs(out.samples[800:-800]).max() < 0.01 * np.abs(high.samples).max()


def test_streaming_resampler_equals_whole_signal_resampling() -> None:
    rng = np.random.default_rng(1234)
    clip = AudioClip((rng.standard_normal(22050) * 3000).astype(np.int16), 22050)
    whole = resample(clip, 48000).samples
    resampler = Resampler(22050, 48000)
    parts, start = [], 0
    while start < clip.frames:
        size = int(rng.integers(1, 2500))
        parts.append(resampler.process(clip.samples[start : start + size]))
        start += size
    parts.append(resampler.flush())
    assert np.array_equal(np.concatenate(parts), whole)


def test_same_rate_is_untouched() -> None:
    clip = tone(300, 0.1, 16000)
    assert resample(clip, 16000) is clip


# --- the WAV file sink ----------------------------------------------------------------------


def test_wav_sink_appends_and_resamples_to_the_first_rate(tmp_path: Path) -> None:
    path = tmp_path / "said.wav"
    sink = WavFileSink(path)
    first = sink.play([tone(440, 0.5, 16000), tone(440, 0.25, 16000)])
    assert first.completed and first.seconds == pytest.approx(0.75)
    assert read_wav(path).frames == 12000  # readable while still open: the header is kept valid
    second = sink.play([tone(880, 0.5, 22050)])
    sink.close()
    said = read_wav(path)
    assert said.sample_rate == 16000
    assert said.frames == 12000 + 8000
    assert second.seconds == pytest.approx(0.5)
    assert abs(dominant_frequency(AudioClip(said.samples[12000:], 16000)) - 880) <= 2


def test_wav_sink_stops_when_cancelled(tmp_path: Path) -> None:
    import threading

    cancel = threading.Event()

    def clips():  # type: ignore[no-untyped-def]
        yield tone(440, 0.2, 16000)
        cancel.set()
        yield tone(440, 0.2, 16000)

    sink = WavFileSink(tmp_path / "x.wav")
    playback = sink.play(clips(), cancel)
    sink.close()
    assert not playback.completed
    assert read_wav(tmp_path / "x.wav").frames == 3200


def test_wav_sink_in_a_missing_folder_is_an_audio_error(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="does not exist"):
        WavFileSink(tmp_path / "no" / "x.wav")


# --- earcons --------------------------------------------------------------------------------


def test_shipped_earcons_are_what_the_generator_makes() -> None:
    assert stale_files() == []
    for name in EARCON_NAMES:
        assert shipped_path(name).stat().st_size < 32_000


def test_stale_check_notices_a_changed_file(tmp_path: Path) -> None:
    write_all(tmp_path)
    assert stale_files(tmp_path) == []
    write_wav(tmp_path / "done.wav", make_earcon("error"))
    (tmp_path / "wake.wav").unlink()
    assert stale_files(tmp_path) == ["wake", "done"]


@pytest.mark.parametrize("name", EARCON_NAMES)
def test_earcons_are_short_audible_and_click_free(name: str) -> None:
    clip = make_earcon(name)
    assert clip.sample_rate == EARCON_RATE
    assert 0.1 < clip.duration < 0.5
    peak = np.abs(clip.samples).max()
    assert 0.15 * 32767 < peak < 0.6 * 32767
    assert abs(int(clip.samples[0])) < 0.01 * 32767 and abs(int(clip.samples[-1])) < 0.01 * 32767


def test_earcons_differ_from_each_other() -> None:
    pitches = {name: dominant_frequency(make_earcon(name)) for name in EARCON_NAMES}
    assert pitches["error"] < pitches["wake"] and pitches["error"] < pitches["done"]
    assert len(set(concatenate([make_earcon(n)]).frames for n in EARCON_NAMES)) == 3

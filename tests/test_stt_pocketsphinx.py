"""PocketSphinx with the bundled English model and the example home's command grammar, on real speech."""

from __future__ import annotations

from pathlib import Path

import pytest
from hassil import Intents, TextSlotList

from assistant.audio.endpointer import EndReason
from assistant.audio.frames import split_frames
from assistant.audio.settings import VadSettings
from assistant.audio.vad import SileroDetector, WebRtcDetector
from assistant.config import Config
from assistant.errors import ModelError
from assistant.listener import Listener
from assistant.nlu.templates import TemplateRecognizer, load_intents
from assistant.registry import Registry
from assistant.stt.grammar import compile_grammar
from assistant.stt.pocketsphinx_engine import PocketSphinxRecognizer, bundled_model_dir, completes, model_phones
from assistant.stt.pronounce import Guesser, check_arpabet, ipa_to_arpabet
from assistant.stt.transcript import transcribe_stream

from .speech import VOICES, SpeechSynth, add_noise, pink_noise, speech  # noqa: F401 - the fixture

SILENCE_08 = bytes(2 * 16000 * 8 // 10)
"""0.8 s of digital silence: the quiet after a command."""


@pytest.fixture(scope="module")
def templates(example_config: Config) -> TemplateRecognizer:
    return TemplateRecognizer(load_intents(example_config.intent_paths), Registry.from_config(example_config))


@pytest.fixture(scope="module")
def recognizer(templates: TemplateRecognizer) -> PocketSphinxRecognizer:
    return PocketSphinxRecognizer(compile_grammar(templates.intents, templates.slot_lists))


@pytest.fixture(scope="module")
def completing(templates: TemplateRecognizer) -> PocketSphinxRecognizer:
    """With the second grammar decoder that completes half commands (stt.complete_half_commands)."""
    return PocketSphinxRecognizer(compile_grammar(templates.intents, templates.slot_lists), complete_half_commands=True)


@pytest.mark.parametrize(
    "text",
    [
        "turn on the kitchen light",
        "set the bedroom light to forty five percent",
        "set the thermostat to twenty one point five degrees",
        "what's the temperature in the bedroom",
        "make me a large latte with oat milk",
    ],
)
def test_commands_come_out_word_for_word(recognizer: PocketSphinxRecognizer, speech: SpeechSynth, text: str) -> None:  # noqa: F811
    transcript = recognizer.transcribe(speech.pcm(text, VOICES["piper"]))
    assert transcript.text == text
    assert transcript.constrained and not transcript.rejected
    assert transcript.engine == "pocketsphinx"
    assert transcript.confidence >= 0.5
    assert 0 < transcript.real_time_factor < 1


@pytest.mark.parametrize(("text", "seed"), [("make the bedroom light darker", 23), ("how warm is it in the living room", 47)])
def test_commands_in_steady_noise_are_heard_once_it_is_taken_out(
    recognizer: PocketSphinxRecognizer,
    speech: SpeechSynth,  # noqa: F811
    text: str,
    seed: int,
) -> None:
    noisy = add_noise(speech.pcm(text, VOICES["piper"]), 10, seed)
    assert recognizer.denoise
    assert recognizer.transcribe(noisy).text == text


def test_streaming_feed_gives_the_same_result(recognizer: PocketSphinxRecognizer, speech: SpeechSynth) -> None:  # noqa: F811
    pcm = speech.pcm("close the garage door", VOICES["piper-fast"])
    assert transcribe_stream(recognizer, pcm).text == recognizer.transcribe(pcm).text == "close the garage door"


@pytest.mark.parametrize(
    "text",
    [
        "we bought a new computer for the kitchen yesterday",
        "can you tell me a joke about cats",
        "order a pizza with extra cheese",
    ],
)
def test_speech_that_is_no_command_is_not_forced_onto_one(
    recognizer: PocketSphinxRecognizer, templates: TemplateRecognizer, speech: SpeechSynth, text: str  # noqa: F811
) -> None:
    transcript = recognizer.transcribe(speech.pcm(text, VOICES["piper"]))
    assert not transcript.constrained  # the grammar result was rejected ...
    assert transcript.grammar_text is not None  # ... and replaced by the open pass
    # The open-vocabulary pass gives free text that no template accepts.
    assert templates.recognize(transcript.text) is None
    assert len(set(transcript.text.split()) & set(text.split())) >= 3


@pytest.mark.parametrize(
    ("text", "voice"),
    [
        ("is the front door locked", "piper"),
        ("turn on the desk plug", "espeak-slow"),
        ("is the garage door open", "espeak-fast"),
        ("turn off all the lights", "espeak-fast"),
    ],
)
def test_the_last_word_of_a_command_is_not_lost(
    completing: PocketSphinxRecognizer,
    speech: SpeechSynth,  # noqa: F811
    text: str,
    voice: str,
) -> None:
    # The word lattice's best path ends "... front door lock", "... the desk", "... garage door",
    # "... all the": half commands, refused, unless the search's backtrace completes them.
    transcript = completing.transcribe(speech.pcm(text, VOICES[voice]) + SILENCE_08)
    assert (transcript.text, transcript.constrained, transcript.rejected) == (text, True, False)


def test_only_a_command_that_agrees_up_to_the_last_word_completes_a_half_one() -> None:
    assert completes(("is", "the", "front", "door", "lock"), ("is", "the", "front", "door", "locked"))
    assert completes(("turn", "on", "the", "desk"), ("turn", "on", "the", "desk", "plug"))
    # heard differently before that (the lattice and the backtrace for "turn off the printer" at 10 dB)
    assert not completes(("turn", "off", "every", "the"), ("turn", "off", "the", "fan", "would", "you"))
    assert not completes((), ("turn", "off", "the", "fan"))


def test_silence_is_rejected(recognizer: PocketSphinxRecognizer) -> None:
    silence = recognizer.transcribe(bytes(16000 * 2 * 2))
    assert silence.rejected and silence.text == ""


@pytest.mark.own_process  # uses Silero, which cannot share a process with the language model
def test_noise_never_reaches_the_recognizer_through_the_listener(recognizer: PocketSphinxRecognizer) -> None:
    """Noise alone can come out of the open pass as a word; the voice activity detector keeps it out."""
    listener = Listener(SileroDetector(), recognizer, VadSettings())
    for seed in range(3):
        noise = (pink_noise(16000 * 3, seed=seed) * 4000).clip(-32768, 32767).astype("<i2").tobytes()
        heard = listener.capture(split_frames(noise))
        assert heard.transcript is None
        assert heard.end.reason is EndReason.END_OF_AUDIO or not heard.end.has_speech


@pytest.mark.own_process  # uses Silero, which cannot share a process with the language model
def test_the_listener_starts_decoding_in_the_trailing_silence(recognizer: PocketSphinxRecognizer, speech: SpeechSynth) -> None:  # noqa: F811
    settings = VadSettings()
    listener = Listener(SileroDetector(), recognizer, settings)
    pcm = speech.pcm("lock the front door", VOICES["piper"]) + SILENCE_08
    heard = listener.capture(split_frames(pcm))
    assert heard.end.reason is EndReason.SILENCE and heard.transcript is not None
    assert heard.transcript.text == "lock the front door"
    # the answer came from the audio up to the pause, not from the whole capture
    assert heard.transcript.audio_seconds < len(heard.audio) / 32000 - 0.2


def test_without_the_open_pass_a_rejected_result_stays_rejected(templates: TemplateRecognizer, speech: SpeechSynth) -> None:  # noqa: F811
    strict = PocketSphinxRecognizer(compile_grammar(templates.intents, templates.slot_lists), open_vocabulary=False)
    transcript = strict.transcribe(speech.pcm("can you tell me a joke about cats", VOICES["piper"]))
    assert transcript.rejected and transcript.constrained


def test_a_command_in_noise_is_still_understood(recognizer: PocketSphinxRecognizer, speech: SpeechSynth) -> None:  # noqa: F811
    pcm = add_noise(speech.pcm("turn on the ceiling fan", VOICES["piper"]), snr_db=15, seed=1)
    assert recognizer.transcribe(pcm).text == "turn on the ceiling fan"


def test_unknown_words_get_a_pronunciation(speech: SpeechSynth) -> None:  # noqa: F811
    intents = Intents.from_dict({"language": "en", "intents": {"TurnOn": {"data": [{"sentences": ["turn on [the] {name}"]}]}}})
    lists = {"name": TextSlotList.from_strings(["zigbee lamp", "shelly plug", "kitchen light"])}
    recognizer = PocketSphinxRecognizer(
        compile_grammar(intents, lists), open_vocabulary=False, pronunciations={"shelly": "SH EH L IY"}
    )
    assert recognizer.added_words == {"zigbee": "Z IH G B IY", "shelly": "SH EH L IY"}
    assert recognizer.transcribe(speech.pcm("turn on the zigbee lamp", VOICES["piper"])).text == "turn on the zigbee lamp"
    assert recognizer.transcribe(speech.pcm("turn on the shelly plug", VOICES["piper"])).text == "turn on the shelly plug"


def test_ipa_becomes_arpabet() -> None:
    assert ipa_to_arpabet("zˈɪɡbiː") == "Z IH G B IY"
    assert ipa_to_arpabet("kˈɪtʃən") == "K IH CH AH N"
    assert ipa_to_arpabet("ʘ") is None  # a click has no English phone
    assert Guesser().guess("nespresso") == "N EH S P R EH S OW"
    assert check_arpabet("z ih g b iy") == "Z IH G B IY"
    with pytest.raises(ValueError, match="unknown phones Q"):
        check_arpabet("Z Q")


def test_a_broken_model_folder_is_a_model_error(tmp_path: Path, templates: TemplateRecognizer) -> None:
    (tmp_path / "en-us").mkdir()
    (tmp_path / "cmudict-en-us.dict").write_text("hello HH AH L OW\n", encoding="utf-8")
    with pytest.raises(ModelError, match="PocketSphinx model"):
        PocketSphinxRecognizer(compile_grammar(templates.intents, templates.slot_lists), model_dir=tmp_path)


def test_the_garbage_phones_are_the_dictionary_phones() -> None:
    phones = model_phones(bundled_model_dir() / "cmudict-en-us.dict")
    assert len(phones) == 39 and "AA" in phones and "ZH" in phones


@pytest.mark.parametrize("answer", ["yes", "no", "cancel"])
def test_short_answers_are_heard_through_the_open_pass(
    recognizer: PocketSphinxRecognizer,
    speech: SpeechSynth,  # noqa: F811
    answer: str,
) -> None:
    # Cut by the end-of-speech detector as the daemon cuts them (WebRTC: the language model's default).
    listener = Listener(WebRtcDetector(), recognizer, VadSettings(engine="webrtc"))
    heard = listener.capture(split_frames(speech.pcm(answer, VOICES["piper"])))
    assert heard.transcript is not None
    assert (heard.transcript.text, heard.transcript.rejected) == (answer, False)


# --- decoding early, during the trailing silence ---------------------------------------------------

def test_an_early_decode_is_used_when_only_silence_followed(recognizer: PocketSphinxRecognizer, speech: SpeechSynth) -> None:  # noqa: F811
    pcm = speech.pcm("open the kitchen blinds", VOICES["piper"])
    whole = recognizer.session()
    whole.feed(pcm + SILENCE_08)
    expected = whole.finish()
    early = recognizer.session()
    early.feed(pcm)
    early.pause()
    early.feed(SILENCE_08)
    transcript = early.finish()
    assert transcript.text == expected.text == "open the kitchen blinds"
    assert transcript.audio_seconds == pytest.approx(len(pcm) / 32000)  # decoded before the silence came in
    assert expected.audio_seconds == pytest.approx((len(pcm) + len(SILENCE_08)) / 32000)


def test_speech_after_a_pause_is_decoded_with_the_rest(recognizer: PocketSphinxRecognizer, speech: SpeechSynth) -> None:  # noqa: F811
    first = speech.pcm("turn on the", VOICES["piper"])
    rest = speech.pcm("kitchen light", VOICES["piper"])
    session = recognizer.session()
    session.feed(first)
    session.pause()  # the speaker hesitated ...
    session.feed(rest)
    session.resume()  # ... and went on: the early answer ("turn on the") no longer counts
    transcript = session.finish()
    assert transcript.audio_seconds == pytest.approx((len(first) + len(rest)) / 32000)
    assert transcript.text == "turn on the kitchen light"


def test_the_same_recording_is_heard_the_same_whatever_came_before(templates: TemplateRecognizer, speech: SpeechSynth) -> None:  # noqa: F811
    # A garbage case of the speech bench (Piper, fast, 10 dB). Without resetting the feature
    # extraction before each utterance, PocketSphinx carried its cepstral mean from one to the next:
    # "i would like an flat" (refused), then, decoded again, "i would like an coffee" (a command).
    strict = PocketSphinxRecognizer(compile_grammar(templates.intents, templates.slot_lists), open_vocabulary=False)
    pcm = add_noise(speech.pcm("i left the light on in the car", VOICES["piper-fast"]), 10, seed=1027)
    first = strict.transcribe(pcm)
    again = strict.transcribe(pcm)
    strict.transcribe(speech.pcm("turn on the kitchen light", VOICES["espeak"]))
    after_another = strict.transcribe(pcm)
    assert (first.text, first.confidence) == (again.text, again.confidence) == (after_another.text, after_another.confidence)

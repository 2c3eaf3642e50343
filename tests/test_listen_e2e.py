"""Spoken commands -> wake word, end of speech, recognition -> the exact MQTT messages on a real broker.

Every built-in intent, spoken by Piper and by espeak-ng. The phrasings are ones both voices get
right; how often each voice is understood over a larger corpus (and in noise) is measured by
``bench/speech.py``, not here.
"""

from __future__ import annotations

import time

import pytest

from assistant.audio.endpointer import EndpointerSettings, SpeechEnded, SpeechStarted
from assistant.audio.frames import level_dbfs, split_frames
from assistant.audio.settings import VadSettings
from assistant.audio.vad import SileroDetector, WebRtcDetector
from assistant.audio.wake import KeywordSpotter, WakeDetector, WakeEvent
from assistant.broker import LocalBroker
from assistant.commands.listen import act
from assistant.config import Config
from assistant.listener import Listener, ListenEvent
from assistant.mqtt import MqttLink
from assistant.nlu.templates import TemplateRecognizer, load_intents
from assistant.pipeline import Assistant
from assistant.registry import Registry
from assistant.stt.factory import command_grammar
from assistant.stt.pocketsphinx_engine import PocketSphinxRecognizer
from assistant.stt.transcript import Transcript

from .conftest import Recorder, config_for
from .speech import TEST_VOICES, VOICES, SpeechSynth, add_noise, pink_noise, speech  # noqa: F401 - the fixture

# Silero cannot share a process with the language model loaded by other test files.
pytestmark = pytest.mark.own_process

SPOKEN = [
    ("turn on the kitchen light", "done", [("zigbee2mqtt/kitchen_light/set", '{"state":"ON"}')]),
    ("switch the reading lamp off", "done", [("cmnd/lamp_livingroom/POWER", "OFF")]),
    # "toggle the printer" by espeak-ng (slow) is refused since the grammar has decoys (its fit drops just under
    # the bar); measured over all voices in bench/speech.py. The hallway light is toggled here instead.
    ("toggle the hallway light", "done", [("cmnd/hallway_light/POWER", "TOGGLE")]),
    ("set the kitchen light to forty percent", "done", [("zigbee2mqtt/kitchen_light/set", '{"state":"ON","brightness":102}')]),
    ("make the living room lamp brighter", "done", [("cmnd/lamp_livingroom/Dimmer", "+")]),
    ("dim the kitchen light", "done", [("zigbee2mqtt/kitchen_light/set", '{"brightness_step":-51}')]),
    ("set the kitchen light to red", "done", [("zigbee2mqtt/kitchen_light/set", '{"state":"ON","color":{"hex":"#FF0000"}}')]),
    ("set the bedroom light to warm white", "done", [("home/bedroom/light/set", '{"state":"ON","color_temp":370}')]),
    ("open the kitchen blinds", "done", [("cmnd/blinds_kitchen/ShutterOpen1", "")]),
    ("close the garage door", "question", []),  # confirm: true -> "are you sure?" first
    ("move the kitchen blinds to thirty percent", "done", [("cmnd/blinds_kitchen/ShutterPosition1", "30")]),
    ("lock the front door", "done", [("zigbee2mqtt/front_door_lock/set", '{"state":"LOCK"}')]),
    ("unlock the front door", "question", []),
    (
        "set the thermostat to twenty one point five degrees",
        "done",
        [("zigbee2mqtt/thermostat/set", '{"current_heating_setpoint":21.5}')],
    ),
    ("is the living room lamp on", "answer", []),
    ("what's the temperature in the bedroom", "answer", []),
    ("make me a small cappuccino", "done", [("home/kitchen/coffee/brew", '{"drink":"cappuccino","size":"small","milk":"no milk"}')]),
]
INTENTS = {
    "turn on the kitchen light": "TurnOn",
    "switch the reading lamp off": "TurnOff",
    "toggle the hallway light": "Toggle",
    "set the kitchen light to forty percent": "SetBrightness",
    "make the living room lamp brighter": "BrightnessUp",
    "dim the kitchen light": "BrightnessDown",
    "set the kitchen light to red": "SetColor",
    "set the bedroom light to warm white": "SetColorTemp",
    "open the kitchen blinds": "Open",
    "close the garage door": "Close",
    "move the kitchen blinds to thirty percent": "SetPosition",
    "lock the front door": "Lock",
    "unlock the front door": "Unlock",
    "set the thermostat to twenty one point five degrees": "SetTemperature",
    "is the living room lamp on": "QueryState",
    "what's the temperature in the bedroom": "QueryTemperature",
    "make me a small cappuccino": "MakeCoffee",
}


@pytest.fixture(scope="module")
def templates(example_config: Config) -> TemplateRecognizer:
    return TemplateRecognizer(load_intents(example_config.intent_paths), Registry.from_config(example_config))


@pytest.fixture(scope="module")
def recognizer(templates: TemplateRecognizer) -> PocketSphinxRecognizer:
    return PocketSphinxRecognizer(command_grammar(templates))


@pytest.fixture(scope="module")
def listener(recognizer: PocketSphinxRecognizer) -> Listener:
    return Listener(SileroDetector(), recognizer, VadSettings())


@pytest.fixture
def assistant(example_config: Config, mosquitto: LocalBroker, link: MqttLink, templates: TemplateRecognizer) -> Assistant:
    return Assistant(config_for(example_config, mosquitto), link, templates=templates, registry=templates.registry)


def test_every_built_in_intent_is_covered(templates: TemplateRecognizer) -> None:
    built_in = set(templates.intents.intents)
    assert set(INTENTS.values()) == built_in
    for text, name in INTENTS.items():
        intent = templates.recognize(text)
        assert intent is not None and intent.name == name


@pytest.mark.parametrize("voice", TEST_VOICES)
@pytest.mark.parametrize(("text", "outcome", "expected"), SPOKEN, ids=[text for text, _, _ in SPOKEN])
def test_spoken_command_publishes_exact_messages(
    listener: Listener,
    assistant: Assistant,
    recorder: Recorder,
    speech: SpeechSynth,  # noqa: F811
    text: str,
    outcome: str,
    expected: list[tuple[str, str]],
    voice: str,
) -> None:
    heard = listener.capture(split_frames(speech.pcm(text, VOICES[voice])))
    assert heard.transcript is not None and not heard.transcript.rejected
    turn = act(assistant, heard)
    assert turn.intent is not None and turn.intent.name == INTENTS[text], heard.transcript.text
    typed = assistant.templates.recognize(text)
    assert typed is not None
    if dict(turn.intent.slots) != dict(typed.slots):
        # "the kitchen lights" for "the kitchen light" (area + type instead of the name; the final
        # "s" is the recogniser's most common slip): allowed only where both mean the same devices.
        assert assistant.resolver.resolve(turn.intent) == assistant.resolver.resolve(typed), heard.transcript.text
    assert turn.outcome == outcome, turn.reply.text
    assert recorder.wait_for(len(expected)) == expected
    time.sleep(0.1)
    assert recorder.commands() == expected, "nothing more than the expected messages"


@pytest.mark.parametrize(
    "case",
    ["silence", "hiss", "pink noise", "joke", "pizza", "weather"],
)
def test_what_is_not_a_command_switches_nothing(
    listener: Listener, assistant: Assistant, recorder: Recorder, speech: SpeechSynth, case: str  # noqa: F811
) -> None:
    audio = {
        "silence": bytes(16000 * 2 * 3),
        "hiss": (pink_noise(16000 * 3, seed=7) * 60).astype("<i2").tobytes(),
        "pink noise": (pink_noise(16000 * 3, seed=8) * 5000).clip(-32768, 32767).astype("<i2").tobytes(),
        "joke": speech.pcm("can you tell me a joke about cats", VOICES["piper"]),
        "pizza": speech.pcm("order a pizza with extra cheese", VOICES["espeak-slow"]),
        "weather": speech.pcm("the weather will be sunny tomorrow afternoon", VOICES["piper-fast"]),
    }[case]
    heard = listener.capture(split_frames(audio))
    turn = act(assistant, heard)
    assert turn.outcome in ("not_heard", "not_understood"), (turn.outcome, heard.transcript)
    assert turn.intent is None
    if heard.transcript is None or heard.transcript.rejected:
        assert turn.reply.text == "I didn't catch that."
    time.sleep(0.2)
    assert recorder.commands() == []


@pytest.mark.parametrize("voice", ["piper", "espeak"])
@pytest.mark.parametrize(
    "text", ["dim the lights in the bathroom", "turn on the television", "make the office light brighter", "open the attic window"]
)
def test_what_this_home_does_not_have_is_not_taken_for_what_it_has(
    listener: Listener, assistant: Assistant, recorder: Recorder, speech: SpeechSynth, text: str, voice: str  # noqa: F811
) -> None:
    # Without decoys in the grammar "bathroom" was heard as "bedroom" and the bedroom light dimmed.
    heard = listener.capture(split_frames(speech.pcm(text, VOICES[voice])))
    turn = act(assistant, heard)
    assert turn.outcome in ("unknown_area", "unknown_device", "not_heard", "not_understood"), (turn.outcome, heard.transcript)
    time.sleep(0.2)
    assert recorder.commands() == []


def test_wake_word_then_command_with_the_event_stream(
    recognizer: PocketSphinxRecognizer, assistant: Assistant, recorder: Recorder, speech: SpeechSynth  # noqa: F811
) -> None:
    events: list[ListenEvent] = []
    listener = Listener(SileroDetector(), recognizer, VadSettings(), WakeDetector(KeywordSpotter()), on_event=events.append)
    pcm = bytes(16000) + speech.pcm("Hey computer, turn on the kitchen light.", VOICES["piper"])
    heard = listener.listen(split_frames(pcm))
    assert heard is not None and heard.wake is not None and heard.wake.source == "keyword"
    assert heard.transcript is not None and heard.transcript.text == "turn on the kitchen light"
    assert heard.end.speech_start is not None and heard.end.speech_start >= heard.wake.command_start - 0.35
    assert [type(event) for event in events] == [WakeEvent, SpeechStarted, SpeechEnded, Transcript]
    assert act(assistant, heard).outcome == "done"
    assert recorder.wait_for(1) == [("zigbee2mqtt/kitchen_light/set", '{"state":"ON"}')]


@pytest.mark.parametrize("onset_gap", [0.25, 0.0])
def test_in_noise_the_recogniser_gets_the_command_from_its_first_word(
    recognizer: PocketSphinxRecognizer, speech: SpeechSynth, onset_gap: float  # noqa: F811
) -> None:
    # Pink noise 10 dB below Piper's voice (the speech benchmark's recording 23): WebRTC's gate hears "make" of
    # "make the bedroom light darker" as short bursts, and the run that starts the command only at
    # "bedroom", 0.7 s later, more than the pre-roll. The bursts before that run belong to the command.
    # With onset_gap 0 they do not, and the first word is lost (as it was until session 14).
    settings = VadSettings(engine="webrtc", pre_roll=0.6, endpointer=EndpointerSettings(onset_gap=onset_gap))
    listener = Listener(WebRtcDetector(2), recognizer, settings)
    tail = bytes(16000 * 2)
    before = add_noise(speech.pcm("turn up the brightness of the bedroom light", VOICES["piper"]) + tail, 10, seed=22)
    listener.capture(split_frames(before))  # the detector has heard the room's noise
    clean = speech.pcm("make the bedroom light darker", VOICES["piper"]) + tail
    noisy = add_noise(clean, 10, seed=23)
    heard = listener.capture(split_frames(noisy))
    first_sound = next(frame.start for frame in split_frames(clean) if level_dbfs(frame.pcm) > -40)
    handed_from = noisy.find(heard.audio) / 32000
    assert heard.audio and handed_from >= 0
    if onset_gap:
        assert handed_from <= first_sound - 0.2
    else:
        assert handed_from > first_sound


def test_no_wake_word_no_command(recognizer: PocketSphinxRecognizer, speech: SpeechSynth) -> None:  # noqa: F811
    listener = Listener(SileroDetector(), recognizer, VadSettings(), WakeDetector(KeywordSpotter()))
    assert listener.listen(split_frames(speech.pcm("turn on the kitchen light", VOICES["piper"]))) is None


def test_push_to_talk_starts_listening_without_the_wake_word(
    recognizer: PocketSphinxRecognizer, speech: SpeechSynth  # noqa: F811
) -> None:
    wake = WakeDetector(KeywordSpotter())
    listener = Listener(SileroDetector(), recognizer, VadSettings(), wake)
    wake.push_to_talk.trigger()  # as the daemon does for a message on the push-to-talk topic
    heard = listener.listen(split_frames(speech.pcm("turn off the kitchen light", VOICES["piper"])))
    assert heard is not None and heard.wake is not None and heard.wake.source == "push_to_talk"
    assert heard.transcript is not None and heard.transcript.text == "turn off the kitchen light"

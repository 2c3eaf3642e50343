"""Misheard names (speech-recognition typos) taken for the home's own names, and only when clearly right."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from assistant.broker import LocalBroker
from assistant.config import Config, load_config
from assistant.dialogue import Session
from assistant.errors import ConfigErrors
from assistant.mqtt import MqttLink
from assistant.nlu.fuzzy import SOURCE, FuzzySettings, fuzzy_settings, similarity
from assistant.pipeline import Assistant

from .conftest import Recorder, config_for

REPO = Path(__file__).resolve().parent.parent
INTENTS = REPO / "intents"


@pytest.fixture(scope="module")
def offline(example_config: Config) -> Assistant:
    """The example home with no broker: every turn is a dry run showing what would be sent."""
    return Assistant(example_config, None)


# heard (speech-recognition typo), the words that were meant
TYPOS = [
    ("turn on the kitten light", "turn on the kitchen light"),
    ("switch on the celling fan", "switch on the ceiling fan"),
    ("turn off the desk plaque", "turn off the desk plug"),
    ("turn on the coffee machin", "turn on the coffee machine"),
    ("switch off the siding fan", "switch off the ceiling fan"),
    ("make the bedroom light worm", "make the bedroom light warm"),
    ("make the kitchen light read", "make the kitchen light red"),
    ("turn on the kitchen like", "turn on the kitchen light"),
    ("turn on the hall way light", "turn on the hallway light"),
    ("dim the living room lamb", "dim the living room lamp"),
    ("turn on the reading lamb", "turn on the reading lamp"),
    ("open the kitchen blinks", "open the kitchen blinds"),
]


@pytest.mark.parametrize(("heard", "meant"), TYPOS, ids=[h for h, _ in TYPOS])
def test_typo_gives_exactly_what_the_right_words_give(offline: Assistant, heard: str, meant: str) -> None:
    right = offline.handle_text(meant)
    turn = offline.handle_text(heard)
    assert right.outcome == "dry_run" and right.intent is not None and right.intent.source == "template"
    assert turn.outcome == "dry_run", turn.reply.text
    assert turn.intent is not None and turn.intent.source == SOURCE
    assert (turn.intent.name, dict(turn.intent.slots)) == (right.intent.name, dict(right.intent.slots))
    assert turn.devices == right.devices
    assert [c.as_dict() for c in turn.commands] == [c.as_dict() for c in right.commands]
    assert turn.reply.text == right.reply.text
    # what was heard is kept in the report
    report = turn.as_dict()
    assert report["text"] == heard and report["source"] == SOURCE
    [(said, taken)] = report["intent"]["corrected"].items()
    assert said in heard and taken in meant


def test_area_typo_in_a_question(offline: Assistant) -> None:
    turn = offline.handle_text("what's the temperature in the bad room")
    assert turn.intent is not None and turn.intent.source == SOURCE
    assert turn.intent.name == "QueryTemperature" and dict(turn.intent.slots) == {"area": "bedroom"}
    assert turn.intent.corrected == {"bad room": "bedroom"}


NOT_CORRECTED = [
    # names of things this home lacks, though close in sound to one it has
    ("unlock the back door", "back door"),
    ("lock the back door", "back door"),
    ("turn on the attic light", "attic light"),
    ("turn on the bathroom light", "bathroom light"),
    ("open the garden gate", "garden gate"),
    ("unlock the front window", "front window"),
    ("turn on the TV", "tv"),
    ("open the fridge", "fridge"),
    # too far from every name
    ("turn on the chicken light", "chicken light"),
    ("make the kitchen light black", "black"),
    # two readings too close to choose: the reading lamp or a ceiling light; the light or the whole kitchen
    ("turn on the ceiling lamp", "ceiling lamp"),
    ("switch on the kitchen lie", "lie"),
]


@pytest.mark.parametrize(("command", "unknown"), NOT_CORRECTED, ids=[c for c, _ in NOT_CORRECTED])
def test_near_misses_stay_unknown(offline: Assistant, command: str, unknown: str) -> None:
    turn = offline.handle_text(command)
    assert turn.intent is not None and turn.intent.source == "template"
    assert not turn.intent.corrected
    assert unknown in turn.intent.unknown.values()
    assert turn.outcome in ("unknown_device", "unknown_area", "unknown_color"), turn.outcome
    assert turn.commands == () and turn.devices == ()


def test_back_door_is_never_the_front_door(offline: Assistant) -> None:
    turn = offline.handle_text("unlock the back door")
    assert turn.reply.text == "I don't know a device called back door."


def test_similarity_prefers_sound_alike_words() -> None:
    assert similarity("kitchen light", "kitchen light") == 1.0
    assert similarity("hall way light", "hallway light") == 1.0
    assert similarity("kitten light", "kitchen light") > 0.75 > similarity("chicken light", "kitchen light")
    assert similarity("front tour", "front door") > similarity("back door", "front door") + 0.3
    assert similarity("siding fan", "ceiling fan") > similarity("siding fan", "reading lamp")


# --- on a real broker -------------------------------------------------------------------------


@pytest.fixture
def assistant(example_config: Config, mosquitto: LocalBroker, link: MqttLink) -> Assistant:
    return Assistant(config_for(example_config, mosquitto), link)


def test_corrected_command_reaches_the_device(assistant: Assistant, recorder: Recorder) -> None:
    turn = assistant.handle_text("turn on the kitten light")
    assert turn.outcome == "done", turn.reply.text
    assert turn.reply.text == "Turned on the kitchen light."
    expected = [("zigbee2mqtt/kitchen_light/set", '{"state":"ON"}')]
    assert recorder.wait_for(1) == expected
    turn = assistant.handle_text("make the bedroom light worm")
    assert turn.outcome == "done", turn.reply.text
    assert recorder.wait_for(2)[1:] == [("home/bedroom/light/set", '{"state":"ON","color_temp":370}')]
    time.sleep(0.2)
    assert len(recorder.commands()) == 2


@pytest.mark.parametrize(
    ("heard", "question", "topic", "payload"),
    [
        (
            "unlock the front tour",
            "Do you really want me to unlock the front door?",
            "zigbee2mqtt/front_door_lock/set",
            '{"state":"UNLOCK"}',
        ),
        ("close the garage store", "Do you really want me to close the garage door?", "home/garage/door/set", "CLOSE"),
    ],
)
def test_corrected_command_to_a_confirm_device_still_asks(
    assistant: Assistant, recorder: Recorder, heard: str, question: str, topic: str, payload: str
) -> None:
    session = Session()
    turn = assistant.handle_text(heard, session)
    assert turn.intent is not None and turn.intent.source == SOURCE
    assert turn.outcome == "question" and turn.reply.text == question
    time.sleep(0.3)
    assert recorder.commands() == [], "nothing is sent before the yes"
    turn = assistant.handle_text("yes", session)
    assert turn.outcome == "done", turn.reply.text
    assert [(c.topic, c.payload) for c in turn.commands] == [(topic, payload)]
    assert recorder.wait_for(1) == [(topic, payload)]


def test_corrected_command_refused_stays_unsent(assistant: Assistant, recorder: Recorder) -> None:
    session = Session()
    assert assistant.handle_text("unlock the front tour", session).outcome == "question"
    assert assistant.handle_text("no", session).outcome == "cancelled"
    time.sleep(0.3)
    assert recorder.commands() == []


# --- settings and other homes ------------------------------------------------------------------


def _config(tmp_path: Path, fuzzy: str = "", devices: str | None = None) -> Path:
    path = tmp_path / "assistant.yaml"
    text = (REPO / "config" / "assistant.yaml").read_text(encoding="utf-8")
    text = text.replace("  paths: [../intents]", f"  paths: [{INTENTS}]" + (f"\n  fuzzy: {fuzzy}" if fuzzy else ""))
    if devices is not None:
        text = text[: text.index("devices:")] + devices
    path.write_text(text, encoding="utf-8")
    return path


def test_settings_default_and_switch_off(tmp_path: Path) -> None:
    assert fuzzy_settings(load_config(_config(tmp_path))) == FuzzySettings()
    config = load_config(_config(tmp_path, "false"))
    assert fuzzy_settings(config).enabled is False
    turn = Assistant(config, None).handle_text("turn on the kitten light")
    assert turn.outcome == "unknown_device" and turn.reply.text == "I don't know a device called kitten light."


def test_settings_threshold_changes_what_is_accepted(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, "{threshold: 0.95, margin: 0.1}"))
    assert fuzzy_settings(config) == FuzzySettings(True, 0.95, 0.1)
    assistant = Assistant(config, None)
    assert assistant.handle_text("turn on the kitten light").outcome == "unknown_device"  # 0.82 < 0.95
    assert assistant.handle_text("turn on the hall way light").outcome == "dry_run"  # 1.0


def test_bad_settings_name_file_line_and_key(tmp_path: Path) -> None:
    path = _config(tmp_path, "{threshold: 2, colour: 1}")
    with pytest.raises(ConfigErrors) as caught:
        load_config(path)
    messages = [e.message for e in caught.value.errors]
    assert any(m.startswith(f"{path}:") and "intents.fuzzy" in m and "colour" in m for m in messages), messages
    path = _config(tmp_path, "{threshold: 2}")
    with pytest.raises(ConfigErrors) as caught:
        load_config(path)
    [message] = [e.message for e in caught.value.errors]
    assert message.startswith(f"{path}:") and "intents.fuzzy.threshold" in message
    path = _config(tmp_path, "maybe")
    with pytest.raises(ConfigErrors) as caught:
        load_config(path)
    assert any("intents.fuzzy" in e.message for e in caught.value.errors)


TWIN_LAMPS = """devices:
  - id: cat_lamp
    name: cat lamp
    area: kitchen
    type: light
    protocol: tasmota
    topic: cat_lamp
  - id: hat_lamp
    name: hat lamp
    area: kitchen
    type: light
    protocol: tasmota
    topic: hat_lamp
"""


def test_a_tie_between_two_names_stays_unknown(tmp_path: Path) -> None:
    assistant = Assistant(load_config(_config(tmp_path, devices=TWIN_LAMPS)), None)
    assert similarity("bat lamp", "cat lamp") == similarity("bat lamp", "hat lamp")
    turn = assistant.handle_text("turn on the bat lamp")
    assert turn.outcome == "unknown_device" and turn.commands == ()
    turn = assistant.handle_text("turn on the cat lump")
    assert turn.outcome == "dry_run" and [d.id for d in turn.devices] == ["cat_lamp"]


def test_a_home_word_the_home_has_is_corrected_towards(tmp_path: Path) -> None:
    """'bathroom' is protected only where the home has no bathroom; here it is a name to match."""
    devices = TWIN_LAMPS.replace("cat lamp", "bathroom light").replace("hat lamp", "hallway light")
    assistant = Assistant(load_config(_config(tmp_path, devices=devices)), None)
    turn = assistant.handle_text("turn on the bath room light")
    assert turn.outcome == "dry_run" and [d.id for d in turn.devices] == ["cat_lamp"]

"""The language model's answer must agree with the device or area a command names (no model needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import Config
from assistant.nlu.fuzzy import FuzzyNameRecognizer
from assistant.nlu.intent import IntentChain
from assistant.nlu.llm.grounding import Grounding, says_number
from assistant.nlu.templates import TemplateRecognizer, load_intents
from assistant.registry import Registry

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def registry(example_config: Config) -> Registry:
    return Registry.from_config(example_config)


@pytest.fixture(scope="module")
def grounding(registry: Registry) -> Grounding:
    return Grounding(registry)


def _ids(devices: tuple) -> list[str]:  # type: ignore[type-arg]
    return [device.id for device in devices]


def test_names_and_aliases_said_in_full(grounding: Grounding) -> None:
    assert _ids(grounding.named("the printer should get power")[0]) == ["office_plug"]  # an alias
    assert _ids(grounding.named("Turn on the reading lamp, please!")[0]) == ["living_room_lamp"]
    assert _ids(grounding.named("is the ceiling light on")[0]) == ["kitchen_light", "hallway_light"]  # a shared alias
    assert grounding.named("it's too dark in here") == ((), ())
    assert grounding.named("I need to print something") == ((), ())  # "print" is not "printer"


def test_the_longer_name_wins_and_areas_count_only_outside_device_names(grounding: Grounding) -> None:
    devices, areas = grounding.named("turn on the kitchen light")
    assert _ids(devices) == ["kitchen_light"] and areas == ()
    assert grounding.named("the sun is blinding me in the kitchen") == ((), ("kitchen",))
    assert grounding.named("the hall is dark") == ((), ("hallway",))  # an area's alias


def test_an_answer_on_another_device_is_refused(grounding: Grounding, registry: Registry) -> None:
    device = {d.id: d for d in registry.devices}
    assert grounding.check("the printer should get power", (device["coffee_machine"],)) == "the command names the desk plug"
    assert grounding.check("the printer should get power", (device["office_plug"],)) is None
    assert grounding.check("is the ceiling light on", (device["hallway_light"],)) is None
    # an area named, no device: the answer must act in that area
    assert grounding.check("too much sun in the kitchen", (device["garage_door"],)) == "the command names the kitchen"
    assert grounding.check("too much sun in the kitchen", (device["kitchen_blinds"],)) is None
    # nothing named: the model decides
    assert grounding.check("it's gloomy in here", (device["living_room_lamp"],)) is None


def test_a_temperature_must_be_the_number_the_command_says(grounding: Grounding) -> None:
    assert says_number("thermostat to 19 please", 19) and says_number("can you put the heating at 20.5", 20.5)
    assert says_number("put the heating on twenty one", 21) and says_number("heat to twenty-one point five", 21.5)
    assert not says_number("certainly i've been to 200 degrees", 20)
    assert not says_number("it's freezing in here", 21)
    # A command that says no number is left to the model ("I'm freezing": 21-26 degrees is right).
    assert grounding.unsaid_number("I'm freezing", {"name": "thermostat", "temperature": 22}) is None
    assert grounding.unsaid_number("certainly i've been to 200 degrees", {"name": "thermostat", "temperature": 20}) == (
        "the command says no temperature of 20"
    )
    assert grounding.unsaid_number("set the heating two 19", {"name": "thermostat", "temperature": 19}) is None
    # brightness and position are said as "half", "full", "a quarter": left to the model
    assert grounding.unsaid_number("put the blinds halfway", {"name": "kitchen blinds", "position": 50}) is None


def test_an_unknown_name_is_the_last_resort_of_the_chain(example_config: Config, registry: Registry, tmp_path: Path) -> None:
    """A template shape with a name the home lacks waits for the recognisers after it."""
    templates = TemplateRecognizer(load_intents(example_config.intent_paths), registry)
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "language: en\nintents:\n"
        '  Lock:\n    data:\n      - sentences: ["lock up [the] {name}"]\n'
        '  TurnOn:\n    data:\n      - sentences: ["turn on the kitchen tv"]\n        slots: {name: kitchen light}\n',
        encoding="utf-8",
    )
    later = TemplateRecognizer(load_intents([*example_config.intent_paths, extra]), registry)
    chain = IntentChain((templates, FuzzyNameRecognizer(templates), later))
    # the unknown-name pass wraps the front door in other words: tentative, the later recogniser reads it
    unknown = templates.recognize_unknown("lock up the front door")
    assert unknown is not None and unknown.tentative
    intent = chain.recognize("lock up the front door")
    assert intent is not None and intent.name == "Lock" and intent.slots["name"] == "front door" and not intent.unknown
    # an unknown name that holds no device of the home is final: nothing later is asked
    unknown = templates.recognize_unknown("turn on the kitchen tv")
    assert unknown is not None and not unknown.tentative and later.recognize("turn on the kitchen tv") is not None
    intent = chain.recognize("turn on the kitchen tv")
    assert intent is not None and dict(intent.unknown) == {"name": "tv"}
    intent = chain.recognize("turn on the attic light")
    assert intent is not None and dict(intent.unknown) == {"name": "attic light"}


def test_a_sentence_cut_in_the_wrong_place_is_no_unknown_name(example_config: Config, registry: Registry) -> None:
    templates = TemplateRecognizer(load_intents(example_config.intent_paths), registry)
    # unknown words no name is made of: not "a colour called needs to be brighter", left to the model
    assert templates.recognize_unknown("how hot is it in the bedroom right now") is None
    assert templates.recognize_unknown("the fan is making me cold") is None
    # a device named in full around the unknown words: the unknown name is only the last resort
    unknown = templates.recognize_unknown("switch the kitchen light colour to pink")
    assert unknown is not None and unknown.tentative and dict(unknown.unknown) == {"area": "colour"}
    # a plain unknown name stays an unknown name, final
    unknown = templates.recognize_unknown("close the garage window")
    assert unknown is not None and not unknown.tentative and dict(unknown.unknown) == {"name": "window"}

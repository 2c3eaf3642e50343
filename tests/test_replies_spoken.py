"""Every reply template, rendered for the example home, spoken by Piper and heard back by PocketSphinx."""

from __future__ import annotations

import pytest

from assistant.config import Config
from assistant.devices.model import DeviceState
from assistant.dialogue import Session
from assistant.pipeline import Assistant, Turn

# Conversations that between them reach every template in intents/responses.yaml.
CONVERSATIONS: list[list[str]] = [
    ["turn on the kitchen light"],
    ["turn off all the lights"],
    ["toggle the printer"],
    ["set the living room lamp to 40 percent"],
    ["make the kitchen light brighter"],
    ["dim the bedroom light"],
    ["set the kitchen light to blue"],
    ["set the bedroom light to warm white"],
    ["open the kitchen blinds"],
    ["close the kitchen blinds"],
    ["set the kitchen blinds to 30 percent"],
    ["lock the front door"],
    ["unlock the front door", "yes"],
    ["unlock the front door", "no"],
    ["set the temperature to 21.5 degrees"],
    ["make me a large cappuccino with oat milk"],
    ["is the front door locked"],
    ["is the garage door open"],
    ["is the living room lamp on"],
    ["what is the temperature in the living room"],
    ["what is the temperature in the garage"],
    ["what is the temperature of the bedroom sensor"],
    ["what is the reading of the thermostat"],
    ["how warm is it in the bedroom"],
    ["set the kitchen light to turquoise"],
    ["turn on the attic light"],
    ["turn on the light in the cellar"],
    ["turn on the ceiling fan in the kitchen"],
    ["turn on the bedroom fan"],
    ["turn on the switch in the bedroom"],
    ["unlock all the fans"],
    ["set the ceiling fan to red"],
    ["set the thermostat to 35 degrees"],
    ["turn on the ceiling light", "the pantry"],
    ["turn on the ceiling light", "stop"],
    ["what is the temperature in the hallway"],
    ["sing me a song"],
    [""],
]

STATES = {
    "front_door": DeviceState(locked=False),
    "thermostat": DeviceState(temperature=20.5),
    "living_room_lamp": DeviceState(power=True),
}


@pytest.fixture(scope="module")
def turns(example_config: Config) -> list[Turn]:
    assistant = Assistant(example_config, None)
    for device_id, state in STATES.items():
        assistant.states._states[device_id] = state  # noqa: SLF001 - as if reported over MQTT
    collected: list[Turn] = []
    for conversation in CONVERSATIONS:
        session = Session()
        collected.extend(assistant.handle_text(line, session) for line in conversation)
    return collected


def test_the_conversations_reach_every_reply_template(example_config: Config, turns: list[Turn]) -> None:
    assistant = Assistant(example_config, None)
    templates = {key for key in assistant.replies.templates if not key.startswith("actions.")}
    reached = {turn.reply.key for turn in turns}
    # Broker failures are reached on a real broker in test_text_to_mqtt; here nothing is published.
    assert templates - reached == {"problems.broker_down", "problems.timed_out", "problems.no_device_of_type_anywhere", "problems.no_device_for_intent", "done.default"}


def test_every_reply_is_heard_back_as_the_same_words(turns: list[Turn]) -> None:
    from assistant.tts.roundtrip import round_trip
    from assistant.tts.settings import TtsSettings
    from assistant.tts.voice import Voice

    replies = sorted({turn.reply.text for turn in turns} | {
        "I can't reach the MQTT broker, so nothing was changed.",
        "The MQTT broker didn't confirm the command in time, so I dropped it. Nothing was changed late.",
        "There is no fan in this home.",
        "I have no device that can do that.",
    })
    results = round_trip(Voice.load(TtsSettings(seed=2)), replies, attempts=2)
    failures = [str(result) for result in results if not result.ok]
    assert not failures, "\n".join(failures)

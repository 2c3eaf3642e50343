"""Round trip: replies spoken by Piper come back through PocketSphinx as the same words."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.audio.clip import AudioClip
from assistant.tts.roundtrip import RoundTrip, UnknownWords, round_trip, spoken_words
from assistant.tts.settings import TtsSettings
from assistant.tts.voice import Voice

# Replies of the example home, rendered as intents/responses.yaml renders them.
REPLIES = [
    "Turned off the kitchen light and the hallway light.",
    "Set the living room lamp to 40 percent.",
    "Opening the garage door.",
    "Set the thermostat to 21.5 degrees.",
    "Done.",
    "No, the front door is unlocked.",
    "I haven't heard from the thermostat yet, so I don't know.",
    "There are 2 lights called ceiling light: the kitchen light and the hallway light. Which one?",
    "I can't reach the MQTT broker, so nothing was changed.",
    "Do you really want me to unlock the front door?",
    "OK, I won't.",
    "Making a large cappuccino with oat milk.",
]


@pytest.fixture(scope="module")
def voice() -> Voice:
    return Voice.load(TtsSettings(seed=2))


@pytest.fixture(scope="module")
def checker(voice: Voice) -> RoundTrip:
    return RoundTrip(voice, REPLIES)


def test_every_reply_is_heard_back_as_the_same_words(voice: Voice) -> None:
    results = round_trip(voice, REPLIES, attempts=2)
    assert [result.text for result in results] == REPLIES
    failures = [str(result) for result in results if not result.ok]
    assert not failures, "\n".join(failures)
    assert sum(result.renderings == 1 for result in results) >= len(REPLIES) - 1


def test_the_recogniser_is_not_limited_to_the_listed_sentences(checker: RoundTrip) -> None:
    # Not in the list, but made of its words: heard correctly, so the model recombines words...
    assert checker.check("Unlock the kitchen light.").ok
    # ...and so audio that says something else comes back as other words.
    wrong = checker.check("Lock the garage door at once.")
    assert not wrong.ok
    assert wrong.heard != wrong.expected
    assert not RoundTrip(checker.voice, REPLIES, attempts=3).check("Lock the garage door at once.").ok


def test_noise_is_not_heard_as_a_reply(checker: RoundTrip) -> None:
    rng = np.random.default_rng(7)
    noise = AudioClip((rng.standard_normal(24000) * 300).astype(np.int16), 16000)
    assert checker.hear(noise) not in {spoken_words(reply) for reply in REPLIES}


def test_words_the_dictionary_lacks_are_named(voice: Voice) -> None:
    with pytest.raises(UnknownWords, match="zigbeeish, zzyzx"):
        RoundTrip(voice, ["The zigbeeish lamp is on.", "Zzyzx."])


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Set the thermostat to 21.5 degrees.", "set the thermostat to twenty one point five degrees"),
        ("It is -3 °C outside!", "it is minus three degrees outside"),
        ("Brightness 100%, colour: warm-white.", "brightness one hundred percent colour warm white"),
        ("I can't reach the MQTT broker.", "i can't reach the m q t t broker"),
        ("OK, 2 lights & 1 fan.", "ok two lights and one fan"),
        ("Room 2b", "room 2b"),
    ],
)
def test_spoken_words(text: str, words: str) -> None:
    assert spoken_words(text) == words

"""The wake word (PocketSphinx keyphrase search with the bundled model) and push-to-talk."""

from __future__ import annotations

import threading

import pytest

from assistant.audio.frames import AudioFrame, split_frames
from assistant.audio.wake import KeywordSpotter, PushToTalk, WakeDetector, WakeEvent, sensitivity_to_threshold

from .speech import VOICES, SpeechSynth, speech  # noqa: F401 - the fixture


@pytest.fixture(scope="module")
def spotter() -> KeywordSpotter:
    return KeywordSpotter("hey computer", sensitivity=0.5)


def spot(spotter: KeywordSpotter, pcm: bytes) -> list[WakeEvent]:
    spotter.reset()
    events = [spotter.process(frame) for frame in split_frames(pcm)]
    spotter.reset()
    return [event for event in events if event is not None]


@pytest.mark.parametrize("voice", ["piper", "piper-fast", "piper-slow"])
def test_the_wake_phrase_is_heard_and_the_command_starts_after_it(
    spotter: KeywordSpotter, speech: SpeechSynth, voice: str  # noqa: F811
) -> None:
    pcm = speech.pcm("Hey computer, turn on the kitchen light.", VOICES[voice])
    events = spot(spotter, pcm)
    assert len(events) == 1
    event = events[0]
    assert event.source == "keyword"
    assert event.phrase == "hey computer"
    # The phrase starts after 0.3 s of silence and lasts well under a second and a half.
    assert 0.6 < event.command_start <= event.at < 2.0


@pytest.mark.parametrize(
    "text",
    [
        "We bought a new computer for the kitchen yesterday.",
        "They computed the compound interest.",
        "Turn on the kitchen light.",
    ],
)
def test_similar_sentences_do_not_wake_it(spotter: KeywordSpotter, speech: SpeechSynth, text: str) -> None:  # noqa: F811
    assert spot(spotter, speech.pcm(text, VOICES["piper"])) == []


def test_silence_does_not_wake_it(spotter: KeywordSpotter) -> None:
    assert spot(spotter, bytes(16000 * 2 * 3)) == []


def test_a_second_wake_phrase_after_the_first_is_heard_too(spotter: KeywordSpotter, speech: SpeechSynth) -> None:  # noqa: F811
    once = speech.pcm("Hey computer, turn on the kitchen light.", VOICES["piper"])
    spotter.reset()
    events = []
    offset = 0.0
    for pcm in (once, once):
        for frame in split_frames(pcm, start=offset):
            event = spotter.process(frame)
            if event is not None:
                events.append(event)
        offset += len(pcm) / 32000
    spotter.reset()
    assert len(events) == 2
    assert events[1].at > offset / 2


def test_sensitivity_maps_onto_thresholds() -> None:
    assert sensitivity_to_threshold(0.0) > sensitivity_to_threshold(0.5) > sensitivity_to_threshold(1.0)
    assert sensitivity_to_threshold(0.5) == pytest.approx(100.0)
    with pytest.raises(ValueError):
        sensitivity_to_threshold(1.2)


def test_a_phrase_the_model_cannot_say_is_refused() -> None:
    with pytest.raises(ValueError, match="zorblax"):
        KeywordSpotter("hey zorblax")
    with pytest.raises(ValueError, match="empty"):
        KeywordSpotter("   ")


def test_push_to_talk_from_another_thread_wakes_the_detector() -> None:
    detector = WakeDetector(None)
    frame = AudioFrame(bytes(1024), 1.5)
    assert detector.process(frame) is None
    thread = threading.Thread(target=detector.push_to_talk.trigger)
    thread.start()
    thread.join()
    event = detector.process(frame)
    assert event == WakeEvent("push_to_talk", 1.5, 1.5)
    assert detector.process(frame) is None  # one press, one wake


def test_push_to_talk_wins_over_the_keyword_search(spotter: KeywordSpotter) -> None:
    push = PushToTalk()
    detector = WakeDetector(spotter, push)
    push.trigger()
    event = detector.process(AudioFrame(bytes(1024), 0.0))
    assert event is not None and event.source == "push_to_talk"

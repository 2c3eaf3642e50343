"""End of speech as a pure state machine: made-up (seconds, is_speech) steps, no audio, no model."""

from __future__ import annotations

import pytest

from assistant.audio.endpointer import (
    Endpointer,
    EndpointerSettings,
    EndReason,
    SpeechDiscarded,
    SpeechEnded,
    SpeechStarted,
)

STEP = 0.02


def run(pattern: str, settings: EndpointerSettings | None = None, step: float = STEP) -> list[tuple[float, object]]:
    """Feed "s" (speech) and "." (silence) steps; returns (time, event) for each event."""
    endpointer = Endpointer(settings or EndpointerSettings())
    events: list[tuple[float, object]] = []
    for char in pattern:
        event = endpointer.step(step, char == "s")
        if event is not None:
            events.append((round(endpointer.time, 6), event))
    return events


def test_a_command_starts_after_speech_start_and_ends_after_trailing_silence() -> None:
    settings = EndpointerSettings(speech_start=0.1, trailing_silence=0.3, min_command=0.2)
    events = run("." * 10 + "s" * 40 + "." * 20, settings)
    (start_time, started), (end_time, ended) = events
    assert isinstance(started, SpeechStarted)
    assert started.at == pytest.approx(0.2)  # where the speech run began
    assert start_time == pytest.approx(0.3)  # decided after 0.1 s of speech
    assert isinstance(ended, SpeechEnded)
    assert ended.reason is EndReason.SILENCE
    assert ended.speech_start == pytest.approx(0.2)
    assert ended.speech_end == pytest.approx(1.0)
    assert end_time == pytest.approx(1.3)  # 0.3 s of trailing silence after the last speech
    assert ended.has_speech


def test_short_pauses_between_words_do_not_end_the_command() -> None:
    settings = EndpointerSettings(speech_start=0.06, trailing_silence=0.3, min_command=0.2)
    events = run("s" * 10 + "." * 10 + "s" * 10 + "." * 14 + "s" * 10 + "." * 20, settings)
    ends = [event for _, event in events if isinstance(event, SpeechEnded)]
    assert len(ends) == 1
    assert ends[0].speech_end == pytest.approx(0.02 * 54)


def test_a_speech_blip_shorter_than_min_command_is_discarded_and_waiting_resumes() -> None:
    settings = EndpointerSettings(speech_start=0.04, trailing_silence=0.2, min_command=0.3)
    events = run("sss" + "." * 15 + "s" * 30 + "." * 15, settings)
    kinds = [type(event) for _, event in events]
    assert kinds == [SpeechStarted, SpeechDiscarded, SpeechStarted, SpeechEnded]
    ended = events[-1][1]
    assert isinstance(ended, SpeechEnded)
    assert ended.speech_start == pytest.approx(0.02 * 18)


def test_isolated_speech_frames_shorter_than_speech_start_never_start_a_command() -> None:
    settings = EndpointerSettings(speech_start=0.1, no_speech_timeout=1.0)
    events = run("s...s...ss..." * 10, settings)
    assert len(events) == 1
    ended = events[0][1]
    assert isinstance(ended, SpeechEnded)
    assert ended.reason is EndReason.NO_SPEECH
    assert not ended.has_speech


def test_no_speech_before_the_timeout_ends_with_no_speech() -> None:
    events = run("." * 100, EndpointerSettings(no_speech_timeout=1.0))
    assert [(round(t, 2), event.reason) for t, event in events] == [(1.0, EndReason.NO_SPEECH)]  # type: ignore[attr-defined]


def test_zero_timeout_waits_forever() -> None:
    assert run("." * 1000, EndpointerSettings(no_speech_timeout=0.0)) == []


def test_a_command_is_cut_off_at_max_command() -> None:
    settings = EndpointerSettings(speech_start=0.1, max_command=1.0)
    events = run("s" * 200, settings)
    ended = events[-1][1]
    assert isinstance(ended, SpeechEnded)
    assert ended.reason is EndReason.MAX_LENGTH
    assert events[-1][0] == pytest.approx(1.0)


def test_after_the_end_further_steps_are_ignored() -> None:
    endpointer = Endpointer(EndpointerSettings(speech_start=0.02, trailing_silence=0.04, min_command=0.02))
    for char in "sss..":
        endpointer.step(STEP, char == "s")
    assert endpointer.ended
    assert endpointer.step(STEP, True) is None


def test_finish_when_the_audio_runs_out_mid_command() -> None:
    endpointer = Endpointer(EndpointerSettings(speech_start=0.04, min_command=0.2))
    for _ in range(30):
        endpointer.step(STEP, True)
    ended = endpointer.finish()
    assert ended.reason is EndReason.END_OF_AUDIO
    assert ended.speech_start == pytest.approx(0.0)
    with pytest.raises(RuntimeError):
        endpointer.finish()


def test_finish_with_only_a_blip_counts_as_no_speech() -> None:
    endpointer = Endpointer(EndpointerSettings(speech_start=0.02, min_command=0.5))
    for char in "ss..":
        endpointer.step(STEP, char == "s")
    assert endpointer.finish().reason is EndReason.NO_SPEECH


def test_uneven_steps_are_summed_by_duration() -> None:
    endpointer = Endpointer(EndpointerSettings(speech_start=0.1, trailing_silence=0.5, min_command=0.1))
    assert isinstance(endpointer.step(0.15, True), SpeechStarted)
    assert endpointer.step(0.3, False) is None
    ended = endpointer.step(0.25, False)
    assert isinstance(ended, SpeechEnded)
    assert ended.at == pytest.approx(0.7)


@pytest.mark.parametrize(
    "changes",
    [{"trailing_silence": -1.0}, {"max_command": 0.0}, {"speech_start": -0.1}],
)
def test_impossible_settings_are_refused(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        EndpointerSettings(**changes)


def test_negative_step_is_refused() -> None:
    with pytest.raises(ValueError):
        Endpointer().step(-0.01, True)


def test_bursts_of_speech_just_before_the_run_are_the_start_of_the_command() -> None:
    # In noise the detector hears only the loud parts of a first word: two short bursts, then the run.
    settings = EndpointerSettings(speech_start=0.1, trailing_silence=0.3, min_command=0.2, onset_gap=0.25)
    events = run("." * 10 + "sss" + "." * 4 + "ss" + "." * 6 + "s" * 20 + "." * 20, settings)
    (start_time, started), (_, ended) = events
    assert isinstance(started, SpeechStarted) and isinstance(ended, SpeechEnded)
    assert started.at == pytest.approx(0.2)  # the first burst, not the run at 0.5
    assert started.lead == pytest.approx(0.3)
    assert start_time == pytest.approx(0.6)  # still decided by the run
    assert ended.speech_start == pytest.approx(0.2)


def test_with_no_onset_gap_a_command_starts_where_its_run_began() -> None:
    settings = EndpointerSettings(speech_start=0.1, trailing_silence=0.3, min_command=0.2, onset_gap=0.0)
    (_, started), _ = run("." * 10 + "sss" + "." * 4 + "ss" + "." * 6 + "s" * 20 + "." * 20, settings)
    assert isinstance(started, SpeechStarted)
    assert (started.at, started.lead) == (pytest.approx(0.5), 0.0)
    # Nor does a run with nothing before it reach back.
    (_, alone), _ = run("." * 10 + "s" * 20 + "." * 20, EndpointerSettings(speech_start=0.1, trailing_silence=0.3))
    assert isinstance(alone, SpeechStarted)
    assert (alone.at, alone.lead) == (pytest.approx(0.2), 0.0)


def test_speech_further_away_than_the_onset_gap_is_not_part_of_the_command() -> None:
    settings = EndpointerSettings(speech_start=0.1, trailing_silence=0.5, min_command=0.2, onset_gap=0.25)
    (_, started), _ = run("ss" + "." * 13 + "s" * 20 + "." * 30, settings)
    assert isinstance(started, SpeechStarted)
    assert started.at == pytest.approx(0.3)


def test_the_start_is_looked_for_no_further_back_than_onset_lookback() -> None:
    settings = EndpointerSettings(speech_start=0.1, trailing_silence=0.5, min_command=0.2, onset_gap=0.25, onset_lookback=0.3)
    (_, started), _ = run("ss." * 10 + "s" * 20 + "." * 30, settings)
    assert isinstance(started, SpeechStarted)
    assert started.at == pytest.approx(0.6 - 0.3)

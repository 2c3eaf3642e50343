"""Half commands the grammar itself finishes (half_commands.py), on the example home's grammar."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant.config import Config
from assistant.nlu.templates import TemplateRecognizer, load_intents
from assistant.registry import Registry
from assistant.stt.factory import command_grammar
from assistant.stt.grammar import CommandGrammar
from assistant.stt.half_commands import finished_command, lost_ending, politeness_begun
from assistant.stt.pocketsphinx_engine import last_word_ends_audio


@pytest.fixture(scope="module")
def grammar(example_config: Config) -> CommandGrammar:
    return command_grammar(TemplateRecognizer(load_intents(example_config.intent_paths), Registry.from_config(example_config)))


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def test_the_skip_phrases_come_from_the_intent_files(grammar: CommandGrammar) -> None:
    assert ("for", "me") in grammar.skip_phrases and ("would", "you") in grammar.skip_phrases
    assert ("please",) in grammar.skip_phrases


def test_a_word_heard_without_its_ending_is_finished(grammar: CommandGrammar) -> None:
    assert lost_ending(grammar.graph, words("is the front door lock")) == words("is the front door locked")
    # no word there starts with "de": nothing to finish
    assert lost_ending(grammar.graph, words("is the front door de")) is None
    # a word missing altogether is not a lost ending ("turn off the front" could be "... front door"
    # or the start of anything else the speaker said)
    assert lost_ending(grammar.graph, words("turn on the desk")) is None
    assert lost_ending(grammar.graph, words("lock")) is None


def test_a_politeness_phrase_begun_after_a_command_is_left_out(grammar: CommandGrammar) -> None:
    phrases = grammar.skip_phrases
    assert politeness_begun(grammar.graph, phrases, words("lock the front door for")) == words("lock the front door")
    assert politeness_begun(grammar.graph, phrases, words("lock the front door would")) == words("lock the front door")
    # the words before it must be a command; "me" ends "for me", it begins nothing
    assert politeness_begun(grammar.graph, phrases, words("lock the front for")) is None
    assert politeness_begun(grammar.graph, phrases, words("lock the front door me")) is None
    assert politeness_begun(grammar.graph, phrases, words("for")) is None


def test_a_politeness_fragment_is_cut_only_where_it_ends_the_audio(grammar: CommandGrammar) -> None:
    half = words("lock the front door for")
    assert finished_command(grammar, half, fragment_ends_audio=True) == words("lock the front door")
    assert finished_command(grammar, half, fragment_ends_audio=False) is None
    # a lost ending needs no such condition: clean speech has silence after "lock"
    assert finished_command(grammar, words("is the front door lock"), fragment_ends_audio=False) == words("is the front door locked")


def segments(*names: str) -> list[SimpleNamespace]:
    return [SimpleNamespace(word=name) for name in names]


def test_the_last_word_ends_the_audio_when_only_the_end_mark_follows() -> None:
    assert last_word_ends_audio(segments("<s>", "lock", "the", "front", "door", "for(2)", "</s>"))
    assert not last_word_ends_audio(segments("lock", "the", "front", "door", "for", "<sil>", "</s>"))
    assert not last_word_ends_audio(segments("the", "light", "for", "+GARBAGE_S", "</s>"))
    assert not last_word_ends_audio(segments("door", "for", "[NOISE]", "</s>"))
    assert last_word_ends_audio(segments("door", "for", "(NULL)", "</s>"))
    assert not last_word_ends_audio(segments("door", "for", "<sil>", "(NULL)", "</s>"))
    assert not last_word_ends_audio(segments("</s>"))
    assert not last_word_ends_audio([])

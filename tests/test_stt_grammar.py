"""The speech grammar compiled from hassil templates and the home's vocabulary."""

from __future__ import annotations

import random
import re

import pytest
from hassil import Intents, TextSlotList, sample_intents

from assistant.config import Config
from assistant.nlu.templates import TemplateRecognizer, load_intents
from assistant.registry import Registry
from assistant.stt.grammar import CommandGrammar, compile_grammar, tokenize
from assistant.stt.numbers import integer_words, number_words
from assistant.stt.wordgraph import Nfa


def small_intents() -> Intents:
    return Intents.from_dict(
        {
            "language": "en",
            "intents": {
                "TurnOn": {"data": [{"sentences": ["turn on [the] {name}", "switch [the] light[s] on in [the] {area}"]}]},
                "SetLevel": {"data": [{"sentences": ["set [the] {name} to {level}%"]}]},
                "Note": {"data": [{"sentences": ["note {anything}", "note nothing"]}]},
            },
            "lists": {
                "level": {"range": {"from": 0, "to": 100}},
                "anything": {"wildcard": True},
            },
            "skip_words": ["please"],
        }
    )


@pytest.fixture(scope="module")
def small() -> CommandGrammar:
    lists = {
        "name": TextSlotList.from_strings(["kitchen light", "Desk Lamp", "TV-2"]),
        "area": TextSlotList.from_strings(["kitchen", "living room"]),
    }
    return compile_grammar(small_intents(), lists)


@pytest.mark.parametrize(
    "sentence",
    [
        "turn on the kitchen light",
        "turn on desk lamp",
        "turn on the tv two",
        "switch the lights on in the living room",
        "switch light on in kitchen",
        "set the desk lamp to one hundred percent",
        "set kitchen light to forty two percent",
        "please turn on the kitchen light please",
        "note nothing",
    ],
)
def test_sentences_of_the_templates_are_in_the_grammar(small: CommandGrammar, sentence: str) -> None:
    assert small.graph.accepts(sentence.split())


@pytest.mark.parametrize(
    "sentence",
    [
        "turn on the",
        "turn on the bedroom light",
        "set the desk lamp to one hundred and one percent",
        "set the desk lamp to forty",
        "switch the lightss on in the kitchen",
        "note buy milk",
        "",
    ],
)
def test_other_sentences_are_not(small: CommandGrammar, sentence: str) -> None:
    assert not small.graph.accepts(sentence.split())


def test_words_are_spelled_as_spoken(small: CommandGrammar) -> None:
    assert {"tv", "two", "percent", "lights", "light", "hundred", "ninety", "please"} <= small.words
    assert not {"TV-2", "%", "Desk", "s"} & small.words


def test_wildcard_templates_are_left_out_and_reported(small: CommandGrammar) -> None:
    assert small.left_out == ("Note: note {anything} (wildcard list {anything})",)
    assert "Note" in small.intents


def test_jsgf_names_every_list_and_intent(small: CommandGrammar) -> None:
    jsgf = small.jsgf
    assert jsgf.startswith("#JSGF V1.0;")
    assert "public <command> = [ <skip> ] ( <intent_TurnOn> | <intent_SetLevel> | <intent_Note> ) [ <skip> ];" in jsgf
    assert "<list_name> = ( kitchen light | desk lamp | tv two );" in jsgf
    assert "( light | lights )" in jsgf
    # Number lists are factored: "forty [one | two | ...]" rather than 101 alternatives.
    assert "forty [ one | two | three | four | five | six | seven | eight | nine ]" in jsgf


def test_covering_phrases_use_every_list_value_and_stay_in_the_grammar(small: CommandGrammar) -> None:
    text = " ".join(small.phrases)
    for value in ("kitchen light", "desk lamp", "tv two", "living room", "lights", "ninety"):
        assert value in text
    for phrase in small.phrases:
        assert small.graph.accepts(phrase.split()), phrase


def test_the_graph_is_deterministic_and_minimal() -> None:
    nfa = Nfa()
    end = nfa.new_state()
    for words in (("a", "b", "c"), ("a", "b", "d"), ("x", "b", "c")):
        state = 0
        for word in words:
            state = nfa.word(state, word)
        nfa.link(state, end)
    graph = nfa.determinize(0, end)
    for arcs in graph.arcs:
        labels = [word for word, _ in arcs]
        assert len(labels) == len(set(labels))  # one arc per word: deterministic
    # start -a-> A -b-> AB -(c|d)-> F and start -x-> X -b-> XB -c-> F: the two finals merge.
    assert graph.num_states == 6
    assert graph.accepts(["a", "b", "d"]) and graph.accepts(["x", "b", "c"])
    assert not graph.accepts(["x", "b", "d"]) and not graph.accepts(["a", "b"])


def test_numbers_are_spelled_out() -> None:
    assert integer_words(0) == ("zero",)
    assert integer_words(15) == ("fifteen",)
    assert integer_words(42) == ("forty", "two")
    assert integer_words(100) == ("one", "hundred")
    assert integer_words(2305) == ("two", "thousand", "three", "hundred", "five")
    assert number_words(21.5) == ("twenty", "one", "point", "five")
    assert tokenize("Set it to 50% & dim") == ("set", "it", "to", "fifty", "percent", "and", "dim")
    assert tokenize("what's up, TV-2?") == ("what's", "up", "tv", "two")
    assert tokenize("거실 불 켜 줘") == ("거실", "불", "켜", "줘")


def test_every_template_sentence_of_the_example_home_is_in_its_grammar(example_config: Config) -> None:
    """The grammar and the templates speak the same language: sample the templates, check the graph."""
    registry = Registry.from_config(example_config)
    templates = TemplateRecognizer(load_intents(example_config.intent_paths), registry)
    grammar = compile_grammar(templates.intents, templates.slot_lists)
    samples = list(
        sample_intents(templates.intents, dict(templates.slot_lists), max_sentences_per_intent=60, expand_ranges=False)
    )
    rng = random.Random(5)
    checked = 0
    for intent_name, text in samples:
        # Ranges stay as {name} in the samples: put a number of the range there.
        text = re.sub(r"\{(\w+)\}", lambda m: str(rng.choice(list(templates.intents.slot_lists[m.group(1)].get_numbers()))), text)  # type: ignore[attr-defined]
        words = tokenize(text)
        assert grammar.graph.accepts(words), f"{intent_name}: {text!r}"
        checked += 1
    assert checked >= 200
    # ... and what the grammar produces, the templates understand.
    for phrase in grammar.phrases:
        assert templates.recognize(phrase) is not None or templates.recognize_unknown(phrase) is not None, phrase
    # Compact: a few hundred states, not one per sentence.
    assert grammar.graph.num_states < 2000


def test_decoys_add_common_rooms_and_things_the_home_lacks_and_never_its_own(example_config: Config) -> None:
    from assistant.stt.decoys import with_decoys

    registry = Registry.from_config(example_config)
    templates = TemplateRecognizer(load_intents(example_config.intent_paths), registry)
    lists, first_words = with_decoys(templates.slot_lists, registry.vocabulary())

    def texts(name: str) -> set[str]:
        return {value.text_in.text for value in lists[name].values}  # type: ignore[attr-defined]

    home_areas = {name for name, _ in registry.area_names()}
    assert {"bathroom", "attic", "office"} <= texts("area") - home_areas
    assert {"television", "radio", "back door"} <= texts("name") - set(registry.device_names())
    assert not {"den", "car", "gym"} & (texts("area") | texts("name"))  # too short: heard in "the"
    used = set(registry.vocabulary())
    decoy_rooms = texts("area") - home_areas
    decoy_names = texts("name") - set(registry.device_names())
    assert not {room.split()[0] for room in decoy_rooms} & used  # never "garage": the home's own
    assert not {name.split()[0] for name in decoy_names} & used  # never "printer" or "garage light"
    assert {"back door", "dining room"} <= decoy_names | decoy_rooms  # a front door and a living room are not these
    grammar = compile_grammar(templates.intents, lists)
    assert grammar.graph.accepts(tuple(["make", "the", "bathroom", "light", "brighter"]))  # {area} {type}
    assert {"bathroom", "television", "back"} <= first_words
    # Weights: after "turn on the", the decoys together weigh as much as one of the home's names.
    start, _, transitions = grammar.graph.fsg_transitions(first_words)
    state = start
    for word in ("turn", "on", "the"):
        state = next(t[1] for t in transitions if t[0] == state and len(t) == 4 and t[3] == word)
    arcs = {t[3]: t[2] for t in transitions if t[0] == state and len(t) == 4}
    decoys = sum(p for w, p in arcs.items() if w in first_words)
    assert arcs["kitchen"] > 20 * arcs["television"]
    assert decoys == pytest.approx(max(arcs.values()))
    assert sum(p for t in transitions if t[0] == state for p in [t[2]]) == pytest.approx(1.0)
    # The typed path is unchanged: decoys live only in the speech grammar.
    assert templates.recognize("dim the lights in the bathroom") is None

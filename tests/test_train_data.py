"""The training data generator: deterministic, true to each home, and in the recogniser's own format."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from assistant.nlu.llm.language import NONE_WORD
from assistant.train import phrasings as P
from assistant.train.generator import ExampleGenerator
from assistant.train.homes import Home, custom_intent_names, home_document, synthetic_homes
from assistant.train.noise import asr_noise
from assistant.train.progress import ProgressBar
from assistant.train.sound_alikes import SoundAlikes, bundled_sound_alikes, read_pronunciations

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def example_home(example_config_path: Path) -> Home:
    return Home.load(example_config_path, synthetic=False)


@pytest.fixture(scope="module")
def homes(example_home: Home, tmp_path_factory: pytest.TempPathFactory) -> list[Home]:
    return list(synthetic_homes(6, 11, example_home, tmp_path_factory.mktemp("homes")))


def test_same_seed_same_homes_and_examples(example_home: Home, tmp_path: Path) -> None:
    custom = custom_intent_names(example_home)
    first = home_document(random.Random("x"), example_home.config.intent_paths, custom)
    again = home_document(random.Random("x"), example_home.config.intent_paths, custom)
    other = home_document(random.Random("y"), example_home.config.intent_paths, custom)
    assert first == again
    assert first != other
    one = list(synthetic_homes(2, 5, example_home, tmp_path / "a"))
    two = list(synthetic_homes(2, 5, example_home, tmp_path / "b"))
    for left, right in zip(one, two, strict=True):
        assert ExampleGenerator(left, 3).generate(60) == ExampleGenerator(right, 3).generate(60)
    assert ExampleGenerator(one[0], 3).generate(60) != ExampleGenerator(one[0], 4).generate(60)


def test_synthetic_homes_differ_from_each_other_and_from_the_example(homes: list[Home], example_home: Home) -> None:
    device_sets = [frozenset(d.id for d in home.registry.devices) for home in homes]
    assert len(set(device_sets)) == len(homes)
    assert frozenset(d.id for d in example_home.registry.devices) not in device_sets
    assert all(home.synthetic and home.registry.devices for home in homes)


def test_answers_only_name_what_the_home_has(homes: list[Home], example_home: Home) -> None:
    for home in [*homes, example_home]:
        words = {target.word for target in home.language.targets}
        device_ids = {device.id for device in home.registry.devices}
        for example in ExampleGenerator(home, 1).generate(150):
            if example.line == NONE_WORD:
                continue
            assert example.line.split()[0] in words, (example, sorted(words))
            intent = home.language.parse(example.line, example.text)
            assert intent is not None
            resolved = home.language.resolver.resolve(intent)
            devices = {d.id for d in getattr(resolved, "devices", ())}
            assert devices and devices <= device_ids, example


def test_the_same_words_always_get_the_same_answer_in_a_home(homes: list[Home], example_home: Home) -> None:
    # one command with two right answers teaches the model to split its confidence between them
    # (the generator never repeats a text, so compare the commands without their polite words)
    prefixes = sorted({p.strip() for p in P.POLITE_PREFIXES if p.strip()}, key=len, reverse=True)
    suffixes = sorted({s.strip() for s in P.POLITE_SUFFIXES if s.strip()}, key=len, reverse=True)

    def bare(text: str) -> str:
        words = " ".join(text.lower().strip(" .!").split())  # "the awning closed?" is a question
        for prefix in prefixes:
            words = words.removeprefix(prefix + " ")
        for suffix in suffixes:
            words = words.removesuffix(" " + suffix)
        return words

    for home in [*homes, example_home]:
        answers: dict[str, set[str]] = {}
        for example in ExampleGenerator(home, 5).generate(3000):
            answers.setdefault(bare(example.text), set()).add(example.line)
        assert not {text: lines for text, lines in answers.items() if len(lines) > 1}


def test_every_kind_and_every_offered_intent_appears(example_home: Home) -> None:
    examples = ExampleGenerator(example_home, 2).generate(600)
    kinds = {example.kind for example in examples}
    assert kinds == {"template", "paraphrase", "indirect", "none", "asr"}
    offered = {verb.word for target in example_home.language.targets for verb in target.verbs}
    answered = {example.line.split()[1] for example in examples if example.line != NONE_WORD}
    assert offered <= answered, offered - answered
    assert 0.1 < sum(e.line == NONE_WORD for e in examples) / len(examples) < 0.4


def test_commands_naming_absent_devices_are_none(homes: list[Home]) -> None:
    for home in homes:
        vocabulary = set(home.registry.vocabulary())
        for example in ExampleGenerator(home, 7).generate(120):
            if example.kind == "none" and "television" in example.text:
                assert "television" not in vocabulary
                assert example.line == NONE_WORD


def test_asr_noise_is_seeded_and_keeps_the_words_recognisable() -> None:
    text = "Set the kitchen light to 40% please."
    first = asr_noise(text, random.Random(1), strength=2)
    assert first == asr_noise(text, random.Random(1), strength=2)
    assert first != text
    assert "%" not in first and first == first.lower()
    assert {asr_noise(text, random.Random(seed)) for seed in range(20)} != {first}


def test_sound_alikes_are_one_phone_away() -> None:
    dictionary = read_pronunciations(
        ["lamp L AE M P", "lamp(2) L AE M", "lamb L AE M", "camp K AE M P", "lamps L AE M P S", "dog D AO G", "am AE M"]
    )
    assert dictionary["lamp"] == ("L", "AE", "M", "P")
    alikes = SoundAlikes(dictionary, ["lamp", "lamb", "camp", "lamps", "dog", "am"])
    assert alikes.of("lamp") == ("camp", "lamb", "lamps")
    assert alikes.of("lamb") == ("am", "lamp")
    assert alikes.of("dog") == ()
    assert alikes.of("unknown") == ()
    only_common = SoundAlikes(dictionary, ["lamp", "dog"])
    assert only_common.of("lamp") == ()


def test_bundled_sound_alikes_come_from_the_recognisers_own_dictionary() -> None:
    alikes = bundled_sound_alikes()
    assert "lamb" in alikes.of("lamp")
    assert "kitten" in alikes.of("kitchen")
    assert "lamp" not in alikes.of("lamp")
    noisy = {asr_noise("turn on the reading lamp", random.Random(seed), 1, alikes) for seed in range(100)}
    assert any(text.split()[-1] in alikes.of("lamp") for text in noisy)


def test_near_misses_and_purposes_follow_the_home(homes: list[Home]) -> None:
    near_misses = purposes = 0
    for home in homes:
        generator = ExampleGenerator(home, 5)
        vocabulary = set(home.registry.vocabulary())
        for _ in range(80):
            example = generator._near_miss()
            if example is not None:
                near_misses += 1
                assert example.line == NONE_WORD and example.kind == "none"
                assert set(example.text.lower().replace(",", "").split()) - vocabulary, example
            example = generator._purpose()
            if example is not None:
                purposes += 1
                intent = home.language.parse(example.line, example.text)
                assert intent is not None and "name" in intent.slots, example
                named = home.registry.devices_named(str(intent.slots["name"]))
                assert len(named) == 1, example
    assert near_misses > 50 and purposes > 5, (near_misses, purposes)


def test_generator_never_reads_the_benchmark_sets() -> None:
    for source in (REPO / "assistant" / "train").glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert "bench" not in text.replace("benchmark", ""), f"{source.name} refers to bench/"


def test_progress_bar_reports_time_left() -> None:
    stream = io.StringIO()
    bar = ProgressBar(4, "training", stream=stream, every=0.0)
    for step in range(1, 5):
        bar.update(step, "loss 0.5")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[-1].startswith("training [########################] 4/4 loss 0.5")
    assert "left 00:00" in lines[-1] and "left" in lines[0]

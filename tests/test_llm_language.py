"""The language model's answer language, grammar, prompt and settings, checked without loading the model."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.config import Config, load_config
from assistant.errors import ConfigErrors
from assistant.nlu.intent import Intent
from assistant.nlu.llm.gbnf import to_gbnf
from assistant.nlu.llm.language import NONE_WORD, LineError, OutputLanguage, build_language, spoken_word
from assistant.nlu.llm.prompt import ABSENT_DEVICES, OUT_OF_HOME_COMMANDS, build_prompt
from assistant.nlu.llm.settings import LlmSettings, parse_llm_settings
from assistant.nlu.templates import TemplateRecognizer, load_intents
from assistant.registry import Registry

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "bench" / "data"


@pytest.fixture(scope="module")
def home(example_config: Config) -> tuple[Registry, TemplateRecognizer, OutputLanguage]:
    registry = Registry.from_config(example_config)
    templates = TemplateRecognizer(load_intents(example_config.intent_paths), registry)
    return registry, templates, build_language(registry, templates.intents, templates.slot_lists)


def _config_with(tmp_path: Path, extra: str) -> Config:
    text = (REPO / "config" / "assistant.yaml").read_text(encoding="utf-8")
    text = text.replace("paths: [../intents]", f"paths: [{REPO / 'intents'}]")
    path = tmp_path / "assistant.yaml"
    path.write_text(text + extra, encoding="utf-8")
    return load_config(path)


# --- the language: only what exists, only what it supports --------------------------------------


def test_targets_are_the_homes_devices_groups_and_areas(home: tuple[Registry, TemplateRecognizer, OutputLanguage]) -> None:
    registry, _, language = home
    words = {target.word for target in language.targets}
    # Spoken names, not config ids: the "desk plug" is office_plug in the config.
    device_words = {"_".join(device.name.split()) for device in registry.devices}
    assert "desk_plug" in device_words and "office_plug" not in words
    assert device_words <= words
    assert words - device_words <= {"all_lights", "all_switches", "kitchen", "living_room", "bedroom", "hallway"}
    assert NONE_WORD not in words


def test_answer_words_from_spoken_names() -> None:
    assert spoken_word("Kid's lamp", "plug_1") == "kid_s_lamp"
    assert spoken_word("  TV  ", "0x00158d0001a2b3c4") == "tv"
    assert spoken_word("!!", "0x00158d0001a2b3c4") == "0x00158d0001a2b3c4"


def test_each_target_offers_only_what_it_supports(home: tuple[Registry, TemplateRecognizer, OutputLanguage]) -> None:
    _, _, language = home
    verbs = {target.word: {verb.word for verb in target.verbs} for target in language.targets}
    assert verbs["front_door"] == {"lock", "unlock", "query_state"}
    assert verbs["thermostat"] == {"set_temperature", "query_temperature"}
    assert verbs["bedroom_sensor"] == {"query_temperature"}
    assert "set_color" in verbs["kitchen_light"] and "set_color" not in verbs["bedroom_light"]
    assert "set_brightness" not in verbs["hallway_light"]  # no brightness capability
    assert "make_coffee" in verbs["coffee_machine"] and "toggle" not in verbs["coffee_machine"]
    assert "turn_on" not in verbs["garage_door"]


def test_the_model_can_switch_an_area_off_but_never_its_switches_on(home: tuple[Registry, TemplateRecognizer, OutputLanguage]) -> None:
    _, _, language = home
    for line in language.lines():
        intent = language.parse(line)
        if intent is None or intent.name not in ("TurnOn", "Toggle"):
            continue
        resolved = language.resolver.resolve(intent)
        devices = {device.id for device in getattr(resolved, "devices", ())}
        assert "coffee_machine" not in devices or line.split()[0] in ("coffee_machine", "all_switches"), line
    on = language.parse("kitchen turn_on")
    assert on is not None
    assert [device.id for device in language.resolver.resolve(on).devices] == ["kitchen_light"]  # type: ignore[union-attr]
    off = language.parse("kitchen turn_off")
    assert off is not None
    assert {device.id for device in language.resolver.resolve(off).devices} == {"kitchen_light", "coffee_machine"}  # type: ignore[union-attr]


def test_an_area_that_can_be_switched_offers_on_off_and_toggle(home: tuple[Registry, TemplateRecognizer, OutputLanguage]) -> None:
    """Else a model that picks the room gets the one switching action left forced on it ("kitchen turn_off" for "on")."""
    _, _, language = home
    for word in ("kitchen", "living_room", "bedroom", "hallway"):
        area = language.target(word)
        assert area is not None and {"turn_on", "turn_off", "toggle"} <= {verb.word for verb in area.verbs}, word
    bedroom_on = language.parse("bedroom turn_on")  # one light, still offered on the room
    assert bedroom_on is not None
    assert [d.id for d in language.resolver.resolve(bedroom_on).devices] == ["bedroom_light"]  # type: ignore[union-attr]
    kitchen = language.target("kitchen")
    assert kitchen is not None and kitchen.verb("open") is None  # one cover: the model names the blinds
    assert language.target("kitchen_lights") is None  # a group of one device: the model names the device


def test_values_stay_in_range(home: tuple[Registry, TemplateRecognizer, OutputLanguage]) -> None:
    _, _, language = home
    thermostat = language.target("thermostat")
    assert thermostat is not None
    set_temperature = thermostat.verb("set_temperature")
    assert set_temperature is not None
    temperatures = [float(word) for word in set_temperature.values[0].words]
    assert min(temperatures) == 5 and max(temperatures) == 30  # the device's own min/max
    assert "20.5" in set_temperature.values[0].words
    kitchen = language.target("kitchen_light")
    assert kitchen is not None and kitchen.verb("set_brightness") is not None
    assert list(kitchen.verb("set_brightness").values[0].words) == [str(n) for n in range(101)]  # type: ignore[union-attr]
    front = language.target("front_door")
    assert front is not None and front.verb("query_state") is not None
    assert set(front.verb("query_state").values[0].words) == {"locked", "unlocked"}  # type: ignore[union-attr]


def test_lines_mean_the_same_intents_the_templates_give(home: tuple[Registry, TemplateRecognizer, OutputLanguage]) -> None:
    _, templates, language = home
    cases = {
        "turn on the kitchen lights": ("kitchen_light turn_on", {"name": "kitchen light"}),
        "make me a large latte with oat milk": (
            "coffee_machine make_coffee large latte oat_milk",
            {"size": "large", "drink": "latte", "milk": "oat milk"},
        ),
        "make me a latte": ("coffee_machine make_coffee latte", {"size": "medium", "drink": "latte", "milk": "no milk"}),
        "turn off all the lights": ("all_lights turn_off", {"scope": "all", "type": "light"}),
        "turn off the living room": ("living_room turn_off", {"area": "living_room"}),
        "is the front door locked": ("front_door query_state locked", {"name": "front door", "state": "locked"}),
        "set the bedroom light to warm white": ("bedroom_light set_color_temp warm", {"name": "bedroom light", "color_temp": 2700}),
        "set the temperature to 21.5 degrees": ("thermostat set_temperature 21.5", {"name": "thermostat", "temperature": 21.5}),
    }
    for text, (line, slots) in cases.items():
        intent = templates.recognize(text)
        assert intent is not None, text
        assert language.encode(intent) == line
        parsed = language.parse(line, text=text)
        assert parsed is not None
        assert (parsed.name, dict(parsed.slots), parsed.source) == (intent.name, slots, "llm")


def test_every_line_parses_and_encodes_back(home: tuple[Registry, TemplateRecognizer, OutputLanguage]) -> None:
    _, _, language = home
    lines = list(language.lines())
    assert len(lines) > 500
    for line in lines:
        intent = language.parse(line)
        if intent is None:
            assert line == NONE_WORD
            continue
        again = language.encode(intent)
        assert again is not None and language.parse(again) == intent, line


def test_lines_outside_the_language_are_refused(home: tuple[Registry, TemplateRecognizer, OutputLanguage]) -> None:
    _, _, language = home
    for line in (
        "back_door unlock",
        "front_door turn_on",
        "kitchen_light set_brightness 101",
        "thermostat set_temperature 31",
        "kitchen_light",
        "kitchen_light turn_on now",
        "",
    ):
        with pytest.raises(LineError):
            language.parse(line)
    assert language.parse("none") is None


def test_the_language_follows_the_config(tmp_path: Path) -> None:
    config = _config_with(
        tmp_path,
        """
  - id: attic_fan
    name: attic fan
    area: hallway
    type: fan
    protocol: tasmota
    topic: attic_fan
""",
    )
    registry = Registry.from_config(config)
    templates = TemplateRecognizer(load_intents(config.intent_paths), registry)
    language = build_language(registry, templates.intents, templates.slot_lists)
    attic = language.target("attic_fan")
    assert attic is not None and {verb.word for verb in attic.verbs} >= {"turn_on", "turn_off"}
    assert language.target("all_fans") is not None  # two fans now: "all the fans" means something
    assert "attic_fan" in to_gbnf(language)


def test_grammar_names_nothing_that_does_not_exist(home: tuple[Registry, TemplateRecognizer, OutputLanguage]) -> None:
    registry, _, language = home
    grammar = to_gbnf(language)
    assert grammar.startswith('root ::= " " ( "none" |')
    for target in language.targets:
        assert f'"{target.word} "' in grammar
    assert "back_door" not in grammar
    hallway = next(rule for rule in grammar.splitlines() if '::= "hallway_light "' in rule)
    assert '"turn_on"' in hallway and "set_brightness" not in hallway


# --- the prompt -----------------------------------------------------------------------------------


def test_prompt_examples_are_right_by_construction(home: tuple[Registry, TemplateRecognizer, OutputLanguage]) -> None:
    _, templates, language = home
    prompt = build_prompt(language, templates, per_intent=2, seed=0)
    offered = {verb.intent for target in language.targets for verb in target.verbs}
    shown = set()
    for example in prompt.examples:
        assert f"Command: {example.text}\nAction: {example.line}\n" in prompt.prefix
        if example.line == NONE_WORD:
            assert templates.recognize(example.text) is None
            continue
        intent = templates.recognize(example.text)
        assert intent is not None and language.encode(intent) == example.line, example
        shown.add(intent.name)
    assert shown == offered  # every intent the model may answer with is shown
    assert build_prompt(language, templates, per_intent=2, seed=0) == prompt  # seeded: the same prefix every start
    assert build_prompt(language, templates, per_intent=0, seed=0).examples == ()


def test_prompt_examples_do_not_leak_benchmark_commands(home: tuple[Registry, TemplateRecognizer, OutputLanguage]) -> None:
    _, templates, language = home
    benchmark = {json.loads(line)["text"].lower() for name in ("slm_dev.jsonl", "slm_test.jsonl") for line in (DATA / name).read_text().splitlines()}
    for seed in range(3):
        for example in build_prompt(language, templates, per_intent=3, seed=seed).examples:
            assert example.text.lower() not in benchmark
    assert not {text.lower() for text in OUT_OF_HOME_COMMANDS} & benchmark
    assert not any(name in text for name in ABSENT_DEVICES for text in benchmark)


# --- the benchmark data: commands the templates do not match, answers the grammar can give -------


@pytest.mark.parametrize("name", ["slm_dev.jsonl", "slm_test.jsonl"])
def test_benchmark_commands_are_not_template_matches(name: str, home: tuple[Registry, TemplateRecognizer, OutputLanguage]) -> None:
    _, templates, language = home
    items = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(items) >= (150 if name == "slm_dev.jsonl" else 40)
    assert len({item["text"] for item in items}) == len(items)
    assert sum(item["intent"] is None for item in items) >= 10
    for item in items:
        assert templates.recognize(item["text"]) is None, item["text"]
        for answer in [item, *item.get("alternatives", [])]:
            if answer["intent"] is None or any(isinstance(value, dict) for value in answer["slots"].values()):
                continue
            line = language.encode(Intent(answer["intent"], answer["slots"], item["text"]))
            assert line is not None, item
            parsed = language.parse(line)
            assert parsed is not None and dict(parsed.slots) == answer["slots"], item


# --- settings ---------------------------------------------------------------------------------------


def test_settings_default_when_the_section_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "home.yaml"
    path.write_text(
        f"intents:\n  paths: [{REPO / 'intents'}]\nareas:\n  - id: hall\ndevices:\n"
        "  - {id: lamp, name: lamp, area: hall, type: light, protocol: tasmota, topic: lamp}\n",
        encoding="utf-8",
    )
    settings = parse_llm_settings(load_config(path))
    assert settings == LlmSettings()
    assert (settings.enabled, settings.threads, settings.model) == (True, 1, None)
    assert settings.threads_for_prompt == max(1, min(4, os.cpu_count() or 1))  # the prompt is read by every core, up to 4


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("llm:\n  threads: 0\n", "llm.threads: 0 is too small"),
        ("llm:\n  prompt_threads: two\n", "llm.prompt_threads: expected a whole number"),
        ("llm:\n  model: nowhere.gguf\n", "llm.model: no such file"),
        ("llm:\n  confidence: 2\n", "llm.confidence: 2 is too large"),
        ("llm:\n  temperature: 0.2\n", "llm.temperature: unknown key"),
        ("llm:\n  enabled: maybe\n", "llm.enabled: expected true or false"),
    ],
)
def test_bad_settings_name_file_line_and_key(tmp_path: Path, section: str, message: str) -> None:
    with pytest.raises(ConfigErrors) as caught:
        _config_with(tmp_path, "\n" + section)
    text = str(caught.value)
    assert message in text and "assistant.yaml:" in text


def test_settings_read_paths_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "m.gguf").write_bytes(b"GGUF")
    config = _config_with(tmp_path, "\nllm:\n  model: models/m.gguf\n  threads: 2\n  prompt_threads: 3\n  examples: 0\n  enabled: false\n")
    settings = parse_llm_settings(config)
    assert settings.model == tmp_path / "models" / "m.gguf"
    assert (settings.threads, settings.threads_for_prompt, settings.examples, settings.enabled) == (2, 3, 0, False)


def test_every_bad_setting_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigErrors) as caught:
        _config_with(tmp_path, "\nllm:\n  threads: 0\n  confidence: 2\n")
    assert "llm.threads: 0 is too small" in str(caught.value)
    assert "llm.confidence: 2 is too large" in str(caught.value)

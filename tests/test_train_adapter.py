"""Training for real, in miniature: a few steps on a handful of examples, a GGUF adapter, llama.cpp loading it.

Needs the 'train' extra (torch, transformers, peft, gguf) and llama-cpp-python; skipped without them.
One module-scoped run of 3 training steps (about a minute on one core) serves every test here.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("llama_cpp")
pytest.importorskip("torch")
pytest.importorskip("peft")
pytest.importorskip("gguf")
pytest.importorskip("transformers")

from assistant.errors import ModelError  # noqa: E402
from assistant.nlu.adapters import SHIPPED, check_adapter, load_llama_with_adapter, trained_examples  # noqa: E402
from assistant.nlu.llm.language import NONE_WORD  # noqa: E402
from assistant.nlu.llm.model_file import resolve_model_path  # noqa: E402
from assistant.nlu.llm.prompt import Prompt  # noqa: E402
from assistant.nlu.llm.recognizer import create_recognizer, prompt_examples  # noqa: E402
from assistant.nlu.llm.settings import LlmSettings, default_cache_dir  # noqa: E402
from assistant.train.dataset import END, HomeEncoder, Tokenizer, pack_home  # noqa: E402
from assistant.train.finetune import CHECKPOINT, FitResult, FitSettings, fit, load_checkpoint  # noqa: E402
from assistant.train.generator import ExampleGenerator  # noqa: E402
from assistant.train.gguf_lora import write_gguf_lora  # noqa: E402
from assistant.train.homes import Home, synthetic_homes  # noqa: E402


@dataclass(frozen=True)
class Trained:
    home: Home
    model: Path
    adapter: Path
    result: FitResult
    work: Path
    sequences: tuple
    end_tokens: tuple[int, ...]


@pytest.fixture(scope="module")
def model() -> Path:
    return resolve_model_path(None, default_cache_dir())


@pytest.fixture(scope="module")
def tokenizer(model: Path) -> Tokenizer:
    return Tokenizer.load(str(model))


@pytest.fixture(scope="module")
def trained(example_config_path: Path, model: Path, tokenizer: Tokenizer, tmp_path_factory: pytest.TempPathFactory) -> Trained:
    folder = tmp_path_factory.mktemp("train")
    reference = Home.load(example_config_path, synthetic=False)
    home = next(synthetic_homes(1, 3, reference, folder / "homes"))
    encoder = HomeEncoder(home, tokenizer, 0, 0)
    examples = ExampleGenerator(home, 0).generate(6)
    sequences = tuple(pack_home(encoder, examples, 2, 0, random.Random(0)))
    settings = FitSettings(rank=4, alpha=8, learning_rate=1e-3, threads=1, checkpoint_every=1)
    result = fit(model, sequences, tokenizer.end_tokens, settings, folder, "tiny")
    adapter = write_gguf_lora(result.tensors, 8, result.architecture, result.block_count, folder / "tiny.gguf")
    return Trained(home, model, adapter, result, folder, sequences, tokenizer.end_tokens)


def test_packed_sequences_follow_the_recognisers_prompt_and_trie(example_config_path: Path, tokenizer: Tokenizer) -> None:
    home = Home.load(example_config_path, synthetic=False)
    encoder = HomeEncoder(home, tokenizer, 0, 0)
    examples = ExampleGenerator(home, 1).generate(8)
    packed = encoder.pack(examples, 0)
    assert list(packed.tokens[: len(encoder.prefix)]) == encoder.prefix
    first_command = tokenizer.tokenize(Prompt.command(" ".join(examples[0].text.split())), False)
    assert list(packed.tokens[len(encoder.prefix) : len(encoder.prefix) + len(first_command)]) == first_command
    ends = 0
    for decision in packed.decisions:
        chosen = decision.options[decision.answer]
        assert len(decision.options) > 1
        if chosen == END:
            ends += 1
        else:
            assert packed.tokens[decision.position + 1] == chosen
    open_ends = 0  # answers after which the grammar also allows more words: stopping is a decision
    for example in examples:
        position = encoder.trie.start()
        for token in encoder.answer_tokens(example.line):
            position = position.step(token)
        open_ends += bool(position.tokens())
    assert ends == open_ends
    with pytest.raises(ValueError, match="outside"):
        encoder.answer_tokens("attic_heater turn_on")


def test_a_few_steps_make_an_adapter_llama_cpp_loads_and_uses(trained: Trained) -> None:
    assert trained.result.steps == len(trained.sequences) == 3
    assert trained.result.tensors and all(a.shape[0] == 4 and b.shape[1] == 4 for a, b in trained.result.tensors.values())
    assert any(abs(b).max() > 0 for _, b in trained.result.tensors.values())  # B starts at zero: training moved it
    check_adapter(trained.adapter, "gemma3")
    settings = replace(LlmSettings(), model=trained.model, lora=trained.adapter, examples=0)
    recognizer = create_recognizer(settings, trained.home.registry, trained.home.templates)
    answer = recognizer.answer("turn off everything please")
    assert answer is not None
    words = {target.word for target in trained.home.language.targets} | {NONE_WORD}
    assert answer.line.split()[0] in words
    base = create_recognizer(replace(settings, lora=None), trained.home.registry, trained.home.templates)
    base_answer = base.answer("turn off everything please")
    assert base_answer is not None and base_answer.confidence != answer.confidence  # the adapter is applied


def test_a_finished_run_resumes_instead_of_training_again(trained: Trained) -> None:
    import torch

    again = fit(trained.model, trained.sequences, trained.end_tokens, FitSettings(rank=4, alpha=8, threads=1), trained.work, "tiny")
    assert again.resumed_from == 3 and again.steps == 3
    assert again.device == trained.result.device == "cpu (1 thread): 3 steps"  # where the steps ran, kept in the checkpoint
    for module, (lora_a, lora_b) in again.tensors.items():
        assert (lora_a == trained.result.tensors[module][0]).all() and (lora_b == trained.result.tensors[module][1]).all()
    checkpoint = trained.work / CHECKPOINT
    assert load_checkpoint(torch, checkpoint, "tiny") is not None
    assert load_checkpoint(torch, checkpoint, "other settings") is None  # never resumes another run's state


def test_a_run_stopped_at_its_time_limit_keeps_every_step_it_made(trained: Trained, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    from assistant.train import finetune

    clock = itertools.count(0.0, 25.0)  # each look at the clock finds it 25 s later: the 1-minute limit ends step 2
    # the trainer's clock only: other threads of the test run (MQTT clients) keep the real one
    monkeypatch.setattr(finetune, "time", SimpleNamespace(monotonic=lambda: next(clock)))
    limited = FitSettings(rank=4, alpha=8, threads=1, checkpoint_every=10, max_minutes=1.0)
    stopped = fit(trained.model, trained.sequences, trained.end_tokens, limited, tmp_path, "limited")
    assert stopped.stopped_early and 0 < stopped.steps < len(trained.sequences)
    saved = load_checkpoint(torch, tmp_path / CHECKPOINT, "limited")
    assert saved is not None and saved["step"] == stopped.steps  # not only the steps up to the last regular checkpoint
    assert saved["steps_on"] == {"cpu (1 thread)": stopped.steps}
    again = fit(trained.model, trained.sequences, trained.end_tokens, limited, tmp_path, "limited")
    assert again.resumed_from == stopped.steps == again.steps and again.stopped_early  # the same limit: no step more


def test_corrupt_adapter_is_a_clear_error_and_the_base_model_is_used(trained: Trained, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    data = trained.adapter.read_bytes()
    broken = {
        "truncated.gguf": data[: len(data) // 3],
        "garbage.gguf": b"GGUF" + bytes(range(256)) * 8,
        "text.gguf": b"this is not an adapter\n",
    }
    for name, content in broken.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(ModelError, match=name):
            check_adapter(path)
    with pytest.raises(ModelError, match="not a LoRA adapter"):
        check_adapter(trained.model)
    with pytest.raises(ModelError, match="not found"):
        check_adapter(tmp_path / "missing.gguf")
    with caplog.at_level(logging.WARNING, logger="assistant.nlu.adapters"):
        loaded = load_llama_with_adapter(trained.model, threads=1, context=512, batch=64, lora=tmp_path / "truncated.gguf")
    assert loaded.llama.n_vocab() > 1000 and loaded.adapter is None
    assert any("truncated.gguf" in r.getMessage() and "base model" in r.getMessage() for r in caplog.records)


def test_the_prompt_has_as_many_examples_as_the_adapter_was_trained_with(trained: Trained, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    assert trained_examples(SHIPPED) == 0  # the shipped adapter's record beside it
    record = json.dumps({"llm_examples": 3, "command": "assistant train"})
    write_gguf_lora(trained.result.tensors, 8, trained.result.architecture, trained.result.block_count, tmp_path / "three.gguf", {"llm_examples": 3})
    assert trained_examples(tmp_path / "three.gguf") == 3  # no record beside it: the one inside the GGUF
    (tmp_path / "three.json").write_text(record.replace("3", "1"), encoding="utf-8")
    assert trained_examples(tmp_path / "three.gguf") == 1  # the record beside it comes first
    (tmp_path / "three.json").write_text("{not json", encoding="utf-8")
    assert trained_examples(tmp_path / "three.gguf") == 3
    (tmp_path / "three.json").write_text(json.dumps({"llm_examples": 99}), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="assistant.nlu.adapters"):
        assert trained_examples(tmp_path / "three.gguf") is None  # out of range: said in the log, then the default
    assert "ignoring llm_examples 99" in caplog.text and "three.gguf" in caplog.text
    assert trained_examples(trained.adapter) is None  # written without a record
    settings = LlmSettings()
    assert settings.examples is None
    assert prompt_examples(settings, SHIPPED) == 0
    assert prompt_examples(settings, None) == 2  # the base model alone (also when an adapter failed to load)
    assert prompt_examples(settings, trained.adapter) == 2
    assert prompt_examples(replace(settings, examples=4), SHIPPED) == 4  # configured: as configured

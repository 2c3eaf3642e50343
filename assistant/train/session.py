"""One training run from start to finish: data, fine-tuning, GGUF adapter, verification, summary.

    summary = train(TrainSettings(homes=220), Path("config/assistant.yaml"), Path("home.gguf"))

The data: ``homes`` synthetic homes (and, unless ``synthetic_only``, the user's own home, drawn
on more often), ``examples_per_home`` commands each, packed ``per_sequence`` to a prompt. A few
further synthetic homes (``held_back_homes``) and a slice of the own home's commands are never
trained on: the verification decodes them with llama-cpp-python, base model and adapter.
Intermediate files live in ``<out>.work/``; running the same command again resumes there.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ModelError
from ..nlu.llm.model_file import resolve_model_path
from ..nlu.llm.settings import parse_llm_settings
from .dataset import HomeEncoder, Packed, Tokenizer, pack_home
from .finetune import FitSettings, fit
from .generator import GENERATOR_VERSION, Example, ExampleGenerator
from .gguf_lora import write_gguf_lora
from .homes import Home, synthetic_homes
from .verify import Score, score

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainSettings:
    seed: int = 0
    homes: int = 220
    """Synthetic homes trained on."""
    held_back_homes: int = 3
    """Further synthetic homes only used to check the adapter."""
    examples_per_home: int = 24
    per_sequence: int = 24
    """Commands packed after one prompt prefix."""
    own_home_examples: int = 0
    """Commands drawn from the user's own home (0: as many as ``examples_per_home`` x 8)."""
    synthetic_only: bool = False
    """Leave the user's own home out (the shipped general-purpose adapter)."""
    prompt_examples: int = 0
    """Template examples per intent in the prompt; recorded as ``llm_examples``, which the assistant follows."""
    example_prompt_share: float = 0.1
    """Share of training prompts written with one example per intent, so the adapter also reads those."""
    held_back_per_home: int = 20
    rank: int = 16
    alpha: float = 32.0
    dropout: float = 0.0
    learning_rate: float = 5e-4
    epochs: int = 1
    threads: int = 1
    max_minutes: float = 0.0
    verify: bool = True

    def fit_settings(self) -> FitSettings:
        return FitSettings(rank=self.rank, alpha=self.alpha, dropout=self.dropout, learning_rate=self.learning_rate, threads=self.threads, max_minutes=self.max_minutes)


@dataclass(frozen=True)
class Summary:
    adapter: Path
    adapter_bytes: int
    homes: int
    examples: int
    sequences: int
    steps: int
    planned_steps: int
    train_seconds: float
    total_seconds: float
    first_loss: float
    last_loss: float
    resumed_from: int
    stopped_early: bool
    held_back: int
    before: Score | None
    after: Score | None
    record: dict[str, Any]

    def lines(self) -> list[str]:
        lines = [
            f"adapter: {self.adapter} ({self.adapter_bytes / 1e6:.1f} MB)",
            f"data: {self.examples} examples from {self.homes} homes in {self.sequences} prompts (generator v{GENERATOR_VERSION})",
            f"training: {self.steps}/{self.planned_steps} steps in {self.train_seconds / 60:.1f} min on {self.record.get('trained_on', 'unknown')}"
            + (f" (resumed at step {self.resumed_from})" if self.resumed_from else "")
            + (" - stopped at the time limit" if self.stopped_early else ""),
            f"loss: {self.first_loss:.3f} -> {self.last_loss:.3f}",
        ]
        if self.before is not None and self.after is not None:
            lines.append(
                f"held-back commands ({self.held_back}): base model {self.before.correct}/{self.before.total} "
                f"({self.before.accuracy:.0%}), with the adapter {self.after.correct}/{self.after.total} ({self.after.accuracy:.0%})"
            )
            for text, expected, got in self.after.misses[:5]:
                lines.append(f"  missed: {text!r}: expected {expected!r}, got {got!r}")
        lines.append(f"total time: {self.total_seconds / 60:.1f} min")
        return lines


def own_home(config_path: Path) -> Home:
    return Home.load(config_path, synthetic=False)


def build_data(settings: TrainSettings, reference: Home, tokenizer: Tokenizer, work: Path) -> tuple[list[Packed], list[tuple[Home, list[Example]]], int, int]:
    """Packed training sequences (shuffled), held-back (home, examples), homes used, examples used."""
    rng = random.Random(f"pack-{settings.seed}")
    held_back: list[tuple[Home, list[Example]]] = []
    sequences: list[Packed] = []
    count = 0
    # one home at a time: only the held-back ones are kept (see synthetic_homes)
    for index, home in enumerate(synthetic_homes(settings.homes + settings.held_back_homes, settings.seed, reference, work / "homes")):
        if index >= settings.homes:
            examples = ExampleGenerator(home, settings.seed * 100_003 + 90_000 + index - settings.homes).generate(settings.held_back_per_home)
            held_back.append((home, examples))
            continue
        examples = ExampleGenerator(home, settings.seed * 100_003 + index).generate(settings.examples_per_home)
        per_intent = 1 if rng.random() < settings.example_prompt_share else settings.prompt_examples
        encoder = HomeEncoder(home, tokenizer, per_intent, rng.randrange(1000))
        sequences.extend(pack_home(encoder, examples, settings.per_sequence, index, rng))
        count += len(examples)
    used_homes = settings.homes
    if not settings.synthetic_only:
        wanted = settings.own_home_examples or settings.examples_per_home * 8
        examples = ExampleGenerator(reference, settings.seed * 100_003 + 77_777).generate(wanted + settings.held_back_per_home)
        keep, hold = examples[: len(examples) - settings.held_back_per_home], examples[len(examples) - settings.held_back_per_home :]
        encoder = HomeEncoder(reference, tokenizer, settings.prompt_examples, 0)
        sequences.extend(pack_home(encoder, keep, settings.per_sequence, -1, rng))
        held_back.append((reference, hold))
        count += len(keep)
        used_homes += 1
    sequences = sequences * settings.epochs
    rng.shuffle(sequences)
    return sequences, held_back, used_homes, count


def fingerprint(settings: TrainSettings, sequences: list[Packed], model: Path) -> str:
    """Identifies a run: its settings, the exact token data (prompt format included) and the base model."""
    digest = hashlib.sha256()
    relevant = {k: v for k, v in dataclasses.asdict(settings).items() if k not in ("threads", "max_minutes", "verify")}
    digest.update(json.dumps(relevant, sort_keys=True).encode())
    for packed in sequences:
        digest.update(repr((packed.tokens, packed.decisions)).encode())
    digest.update(f"{model.name}:{model.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def train(settings: TrainSettings, config_path: Path, out: Path, command: str = "", work: Path | None = None) -> Summary:
    started = time.monotonic()
    reference = own_home(config_path)
    llm = parse_llm_settings(reference.config)
    model = resolve_model_path(llm.model, llm.model_cache_dir)
    work = work or out.with_name(out.name + ".work")
    work.mkdir(parents=True, exist_ok=True)
    tokenizer = Tokenizer.load(str(model))
    sequences, held_back, homes, examples = build_data(settings, reference, tokenizer, work)
    if not sequences:
        raise ModelError("no training examples could be made from this home and its intents")
    _LOGGER.info("%d examples from %d homes in %d prompts", examples, homes, len(sequences))
    print(f"data: {examples} examples from {homes} homes, {len(sequences)} prompts of up to {settings.per_sequence} commands", flush=True)
    key = fingerprint(settings, sequences, model)
    result = fit(model, sequences, tokenizer.end_tokens, settings.fit_settings(), work, key)
    record: dict[str, Any] = {
        "command": command,
        "seed": settings.seed,
        "generator_version": GENERATOR_VERSION,
        "settings": dataclasses.asdict(settings),
        "base_model": model.name,
        "base_model_bytes": model.stat().st_size,
        "examples": examples,
        "homes": homes,
        "steps": result.steps,
        "train_minutes": round(result.seconds / 60, 1),
        "trained_on": result.device,
        "llm_examples": settings.prompt_examples,
        "data_fingerprint": key,
    }
    write_gguf_lora(result.tensors, settings.alpha, result.architecture, result.block_count, out, record)
    before = after = None
    if settings.verify:
        print("verifying with llama-cpp-python on the held-back commands ...", flush=True)
        after = score(held_back, model, out, settings.prompt_examples)
        before = score(held_back, model, None, settings.prompt_examples)
        record["held_back"] = {"commands": after.total, "base_correct": before.correct, "adapter_correct": after.correct}
    summary = Summary(
        adapter=out,
        adapter_bytes=out.stat().st_size,
        homes=homes,
        examples=examples,
        sequences=len(sequences),
        steps=result.steps,
        planned_steps=result.planned_steps,
        train_seconds=result.seconds,
        total_seconds=time.monotonic() - started,
        first_loss=result.first_loss,
        last_loss=result.last_loss,
        resumed_from=result.resumed_from,
        stopped_early=result.stopped_early,
        held_back=sum(len(e) for _, e in held_back),
        before=before,
        after=after,
        record=record,
    )
    record["total_minutes"] = round(summary.total_seconds / 60, 1)
    out.with_suffix(".json").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return summary

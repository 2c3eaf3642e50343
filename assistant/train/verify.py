"""Checking an adapter the way the assistant will use it: llama-cpp-python, the recogniser's decoder.

For each held-back home the real recogniser is built (prompt, grammar trie, decoder) with the
base model alone and with the adapter, and every held-back command is decoded; an answer counts
when its line is exactly the expected one.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..nlu.llm.decoder import load_llama
from ..nlu.llm.recognizer import recognizer_for_home
from ..nlu.llm.settings import LlmSettings
from .generator import Example
from .homes import Home


@dataclass(frozen=True)
class Score:
    correct: int = 0
    total: int = 0
    seconds: float = 0.0
    misses: tuple[tuple[str, str, str], ...] = field(default=())
    """(command, expected line, line given) for the first wrong answers."""

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def add(self, other: Score) -> Score:
        return Score(self.correct + other.correct, self.total + other.total, self.seconds + other.seconds, (self.misses + other.misses)[:20])


def score_home(home: Home, examples: Sequence[Example], settings: LlmSettings, llama: Any) -> Score:
    recognizer = recognizer_for_home(settings, llama, home.registry, home.templates)
    correct, misses = 0, []
    started = time.perf_counter()
    for example in examples:
        answer = recognizer.answer(example.text)
        line = answer.line if answer else ""
        if line == example.line:
            correct += 1
        else:
            misses.append((example.text, example.line, line))
    seconds = time.perf_counter() - started
    del recognizer
    gc.collect()
    return Score(correct, len(examples), seconds, tuple(misses[:5]))


def score(held_back: Sequence[tuple[Home, Sequence[Example]]], model: Path, lora: Path | None, examples_per_intent: int, threads: int = 1) -> Score:
    settings = replace(LlmSettings(), model=model, lora=lora, examples=examples_per_intent, threads=threads)
    llama = load_llama(model, threads=threads, context=settings.context, batch=settings.batch, lora=lora)
    total = Score()
    for home, examples in held_back:
        total = total.add(score_home(home, examples, settings, llama))
    del llama
    gc.collect()
    return total

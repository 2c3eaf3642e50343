"""LoRA adapters for the language model: the one that ships with the package, and loading with a fallback.

``shipped_adapter()`` is the general-purpose adapter trained by ``assistant train`` on synthetic
homes (``general.gguf``; how it was made is recorded in ``general.json`` beside it).

``load_llama_with_adapter`` loads the model with an adapter; when the adapter file is missing,
corrupt or does not fit the model, it logs a warning saying why and loads the base model alone,
so a bad adapter costs accuracy, never the assistant. ``trained_examples`` says which prompt an
adapter was trained for (how many example commands per intent).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, NamedTuple

from ...errors import ModelError
from ..llm.settings import MAX_EXAMPLES

_LOGGER = logging.getLogger(__name__)

SHIPPED = Path(__file__).resolve().parent / "general.gguf"


def shipped_adapter() -> Path | None:
    """The adapter in the package, or None when this install has none."""
    return SHIPPED if SHIPPED.is_file() else None


def training_record(adapter: Path) -> dict[str, Any]:
    """How ``adapter`` was made (command, seed, generator version, ``llm_examples``, figures): the record
    ``assistant train`` writes beside it (``<adapter>.json``), else the copy inside the GGUF; {} when none."""
    record: Any = None
    try:
        record = json.loads(adapter.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        try:
            import gguf

            record = json.loads(_text(gguf.GGUFReader(str(adapter)), "assistant.training") or "null")
        except (ImportError, ValueError, OSError, IndexError, KeyError, TypeError):
            return {}
    return dict(record) if isinstance(record, dict) else {}


def adapter_for(lora: Path | None, model: Path | None) -> Path | None:
    """The adapter to apply: the configured one, else the shipped one for the bundled model, else none.

    The shipped adapter was trained for the bundled Gemma 3 270M only; with another model
    (``llm.model`` set) and no ``llm.lora``, no adapter is used.
    """
    if lora is not None:
        return lora
    return shipped_adapter() if model is None else None


def check_adapter(path: Path, architecture: str | None = None) -> Path:
    """A readable GGUF LoRA adapter (for ``architecture`` if given), or ModelError saying what is wrong."""
    if not path.is_file():
        raise ModelError(f"LoRA adapter not found: {path}")
    try:
        import gguf

        reader = gguf.GGUFReader(str(path))
    except ImportError:
        return _check_magic(path)
    except (ValueError, OSError, IndexError, KeyError, TypeError) as err:  # gguf raises these on garbage
        raise ModelError(f"LoRA adapter {path} is not a readable GGUF file ({err}); is it corrupt?") from err
    kind = _text(reader, "general.type")
    if kind != "adapter" or _text(reader, "adapter.type") != "lora":
        raise ModelError(f"{path} is a GGUF file but not a LoRA adapter (general.type={kind!r})")
    found = _text(reader, "general.architecture")
    if architecture and found != architecture:
        raise ModelError(f"LoRA adapter {path} is for {found!r} models, not {architecture!r}")
    if not any(t.name.endswith(".lora_a") for t in reader.tensors):
        raise ModelError(f"LoRA adapter {path} has no LoRA tensors")
    return path


def _check_magic(path: Path) -> Path:
    with path.open("rb") as file:
        if file.read(4) != b"GGUF":
            raise ModelError(f"LoRA adapter {path} is not a GGUF file; is it corrupt?")
    return path


def _text(reader: Any, key: str) -> str | None:
    field = reader.fields.get(key)
    if field is None or not field.data:
        return None
    try:
        return bytes(field.parts[field.data[0]]).decode("utf-8")
    except (IndexError, UnicodeDecodeError, TypeError):
        return None


class LoadedModel(NamedTuple):
    llama: Any
    adapter: Path | None
    """The adapter applied; None when none was asked for or it could not be applied."""


def load_llama_with_adapter(model: Path, *, threads: int, context: int, batch: int, lora: Path | None = None) -> LoadedModel:
    """``load_llama`` with ``lora``; a bad adapter gives a warning and the base model alone.

    A model that cannot be loaded at all still raises ModelError.
    """
    from ..llm.decoder import apply_adapter, load_llama

    llama = load_llama(model, threads=threads, context=context, batch=batch)
    if lora is None:
        return LoadedModel(llama, None)
    try:
        check_adapter(lora)
        apply_adapter(llama, lora)
    except ModelError as err:
        problem = err.message if err.message.startswith("LoRA adapter") else f"LoRA adapter {lora} cannot be applied ({err.message})"
        _LOGGER.warning("%s; using the base model without the adapter (less accurate)", problem)
        return LoadedModel(llama, None)
    return LoadedModel(llama, lora)


def trained_examples(adapter: Path) -> int | None:
    """Example commands per intent in the prompts ``adapter`` was trained on (its record's
    ``llm_examples``); None when its record does not say."""
    record = training_record(adapter)
    if "llm_examples" not in record:
        return None
    examples = record["llm_examples"]
    if isinstance(examples, int) and not isinstance(examples, bool) and 0 <= examples <= MAX_EXAMPLES:
        return examples
    _LOGGER.warning("ignoring llm_examples %r in the training record of %s: not a number from 0 to %d", examples, adapter, MAX_EXAMPLES)
    return None

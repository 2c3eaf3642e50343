"""Writing a trained LoRA as a GGUF adapter that llama.cpp applies on top of the GGUF base model.

The same layout llama.cpp's ``convert_lora_to_gguf.py`` writes: ``general.type = adapter``,
``adapter.type = lora``, ``adapter.lora.alpha``, and for every adapted weight two tensors,
``<gguf name>.weight.lora_a`` (rank x in) and ``.lora_b`` (out x rank), named with gguf-py's own
map from Hugging Face module names (``model.layers.3.mlp.down_proj`` -> ``blk.3.ffn_down``).
Written directly with the ``gguf`` package: no Hugging Face model folder is needed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..errors import ModelError


def write_gguf_lora(
    tensors: Mapping[str, tuple[np.ndarray, np.ndarray]],
    alpha: float,
    architecture: str,
    block_count: int,
    path: Path,
    metadata: Mapping[str, object] | None = None,
) -> Path:
    """``tensors``: Hugging Face module name -> (A, B) as float arrays. Writes ``path`` atomically."""
    try:
        import gguf
    except ImportError as err:
        raise ModelError("writing the adapter needs the gguf package: pip install 'assistant[train]'") from err
    arch = next((key for key, name in gguf.MODEL_ARCH_NAMES.items() if name == architecture), None)
    if arch is None:
        raise ModelError(f"gguf does not know the architecture {architecture!r}")
    names = gguf.get_tensor_name_map(arch, block_count)
    partial = path.with_name(path.name + ".partial")
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(partial), architecture)
    writer.add_string(gguf.Keys.General.TYPE, "adapter")
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(alpha))
    writer.add_string(gguf.Keys.General.NAME, "assistant home adapter")
    if metadata:
        writer.add_string("assistant.training", json.dumps(dict(metadata), sort_keys=True))
    for module, (lora_a, lora_b) in sorted(tensors.items()):
        base = names.get_name(module)
        if base is None:
            raise ModelError(f"no GGUF tensor name for {module!r}")
        writer.add_tensor(f"{base}.weight.lora_a", np.ascontiguousarray(lora_a, dtype=np.float16))
        writer.add_tensor(f"{base}.weight.lora_b", np.ascontiguousarray(lora_b, dtype=np.float16))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    partial.replace(path)
    return path

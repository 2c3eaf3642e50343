"""LoRA fine-tuning of the GGUF base model on CPU (or a GPU if present), resumable.

The base model is read from the same GGUF file llama.cpp runs (transformers dequantizes it to
float); its attention is computed in blocks that skip what the causal and sliding-window masks hide
(``attention``). A LoRA of rank ``rank`` is trained on every attention and MLP projection. The loss is
the decoder's own: at each decision, a softmax over the tokens the grammar allows (and "end of
line"), so the expensive 262k-word output layer is only evaluated on a few hundred rows.

A checkpoint (adapter weights, optimizer, step) is written every ``checkpoint_every`` steps; a
run started again with the same settings continues from it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from . import attention
from .dataset import END, Packed
from .progress import ProgressBar

_LOGGER = logging.getLogger(__name__)

TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
CHECKPOINT = "checkpoint.pt"


@dataclass(frozen=True)
class FitSettings:
    rank: int = 16
    alpha: float = 32.0
    learning_rate: float = 3e-4
    dropout: float = 0.0
    """LoRA dropout. Each step draws fresh commands of fresh homes, so there is little to overfit, and
    drawing the dropout masks took 14% of a CPU step (0.05 until session 8: 4.8 s a step, 4.2 s without)."""
    warmup: int = 8
    threads: int = 1
    checkpoint_every: int = 10
    max_minutes: float = 0.0
    """Stop early (and still write the adapter) after this many minutes of training; 0: no limit."""
    bf16: bool | None = None
    """Compute in bfloat16 (autocast; weights and updates stay float32). None: where the CPU has AVX-512 or on a GPU."""


@dataclass(frozen=True)
class FitResult:
    tensors: dict[str, tuple[np.ndarray, np.ndarray]]
    steps: int
    planned_steps: int
    seconds: float
    """Training time of this run and the runs it resumed."""
    first_loss: float
    last_loss: float
    resumed_from: int
    stopped_early: bool
    architecture: str
    block_count: int
    device: str
    """Where the steps ran, with how many on each ("NVIDIA H200: 800 steps, cpu (2 threads): 1 step")."""


def _torch() -> Any:
    try:
        import torch
    except ImportError as err:
        raise ModelError(
            "training needs PyTorch, transformers, peft and gguf: pip install 'assistant[train]' "
            "(on x86 Linux: pip install torch==2.13.0 first for the CPU build; see README)"
        ) from err
    return torch


def load_base(model_path: Path, threads: int) -> Any:
    torch = _torch()
    torch.set_num_threads(threads)
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(
            str(model_path.parent), gguf_file=model_path.name, dtype=torch.float32, attn_implementation=attention.register()
        )
    except (ImportError, OSError, ValueError, KeyError, RuntimeError) as err:  # ImportError: a transformers without attention interfaces
        raise ModelError(f"transformers cannot load {model_path} for training: {err}") from err
    if torch.cuda.is_available():
        model = model.to("cuda")  # type: ignore[arg-type]
    return model


def fit(
    model_path: Path,
    sequences: Sequence[Packed],
    end_tokens: Sequence[int],
    settings: FitSettings,
    work_dir: Path,
    fingerprint: str,
) -> FitResult:
    torch = _torch()
    from peft import LoraConfig, get_peft_model, get_peft_model_state_dict, set_peft_model_state_dict

    checkpoint = work_dir / CHECKPOINT
    state = load_checkpoint(torch, checkpoint, fingerprint)
    total = len(sequences)
    if state is not None and int(state["step"]) >= total:
        return _result(state, total, stopped=False, resumed_from=int(state["step"]))  # finished: no model needed
    base = load_base(model_path, settings.threads)
    architecture = "gemma3" if "gemma3" in str(base.config.model_type) else str(base.config.model_type)
    block_count = int(base.config.num_hidden_layers)
    model = get_peft_model(
        base,
        LoraConfig(r=settings.rank, lora_alpha=int(settings.alpha), lora_dropout=settings.dropout, target_modules=list(TARGET_MODULES), bias="none"),
    )
    device = next(model.parameters()).device
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=settings.learning_rate, weight_decay=0.0)
    start, spent, losses = 0, 0.0, []
    steps_on: dict[str, int] = {}
    """Steps made on each machine: a run can be resumed elsewhere (a GPU, then this machine)."""
    if state is not None:
        set_peft_model_state_dict(model, state["lora"])
        optimizer.load_state_dict(state["optimizer"])
        start, spent, losses = int(state["step"]), float(state["seconds"]), list(state["losses"])
        steps_on.update(state.get("steps_on", {}))
        _LOGGER.warning("resuming from step %d of %d (%s)", start, total, checkpoint)
    bf16 = settings.bf16 if settings.bf16 is not None else _bf16_is_fast(torch, device)
    # steps_on is the live count: every checkpoint saves it as it stands at that step
    shape = {"architecture": architecture, "block_count": block_count, "fingerprint": fingerprint, "steps_on": steps_on}
    here = _device_name(torch, device)
    inner: Any = model.base_model.model
    lm_head = inner.get_output_embeddings().weight
    model.train()
    bar = ProgressBar(total, "training", done=start)
    started = time.monotonic()
    stopped = False
    step = start
    for step in range(start, total):
        if settings.max_minutes and spent + time.monotonic() - started > settings.max_minutes * 60:
            stopped = True
            _LOGGER.warning("time limit of %.0f minutes reached at step %d of %d", settings.max_minutes, step, total)
            break
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = _loss(torch, inner, lm_head, sequences[step], end_tokens, device)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        elapsed = spent + time.monotonic() - started
        progress = max(step / total, elapsed / (settings.max_minutes * 60) if settings.max_minutes else 0.0)
        for group in optimizer.param_groups:
            group["lr"] = settings.learning_rate * _rate(step, settings.warmup, progress)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(float(loss.detach()))
        steps_on[here] = steps_on.get(here, 0) + 1
        recent = losses[-10:]
        bar.update(step + 1, f"loss {sum(recent) / len(recent):.3f}")
        if (step + 1) % settings.checkpoint_every == 0 or step + 1 == total:
            _save(torch, checkpoint, shape, step + 1, spent + time.monotonic() - started, losses, model, optimizer, get_peft_model_state_dict)
    else:
        step = total
    bar.close()
    if stopped and step > start and step % settings.checkpoint_every:
        # what was learnt since the last checkpoint is kept: a run resumed with the same limit stops here too
        _save(torch, checkpoint, shape, step, spent + time.monotonic() - started, losses, model, optimizer, get_peft_model_state_dict)
    final = {**shape, "step": step, "seconds": spent + time.monotonic() - started, "losses": losses, "lora": get_peft_model_state_dict(model)}
    return _result(final, total, stopped=stopped, resumed_from=start)


def load_checkpoint(torch: Any, path: Path, fingerprint: str) -> dict[str, Any] | None:
    """The saved state of an earlier run with the same settings, or None."""
    if not path.is_file():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except (OSError, RuntimeError, EOFError, ValueError) as err:
        _LOGGER.warning("ignoring unreadable checkpoint %s: %s", path, err)
        return None
    if not isinstance(state, dict) or state.get("fingerprint") != fingerprint:
        _LOGGER.warning("ignoring %s: it belongs to a run with other settings", path)
        return None
    return state


def _result(state: dict[str, Any], total: int, stopped: bool, resumed_from: int) -> FitResult:
    losses = list(state["losses"])
    return FitResult(
        tensors=_lora_tensors(state["lora"]),
        steps=int(state["step"]),
        planned_steps=total,
        seconds=float(state["seconds"]),
        first_loss=float(np.mean(losses[:10])) if losses else math.nan,
        last_loss=float(np.mean(losses[-10:])) if losses else math.nan,
        resumed_from=resumed_from,
        stopped_early=stopped,
        architecture=str(state["architecture"]),
        block_count=int(state["block_count"]),
        device=_steps_on(state.get("steps_on", {})),
    )


def _steps_on(counts: dict[str, int]) -> str:
    return ", ".join(f"{name}: {count} step{'s' if count != 1 else ''}" for name, count in counts.items()) or "unknown"


def _device_name(torch: Any, device: Any) -> str:
    if device.type == "cuda":
        return str(torch.cuda.get_device_name(device))
    threads = torch.get_num_threads()
    return f"cpu ({threads} thread{'s' if threads != 1 else ''})"


def _bf16_is_fast(torch: Any, device: Any) -> bool:
    """bfloat16 autocast was 1.4x faster than float32 on the AVX-512 machines here; elsewhere keep float32."""
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    return str(torch.backends.cpu.get_cpu_capability()).startswith("AVX512")


def _rate(step: int, warmup: int, progress: float) -> float:
    """Warm-up, then cosine decay to a tenth over the run (by steps, or by time when time-limited)."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def _loss(torch: Any, inner: Any, lm_head: Any, packed: Packed, end_tokens: Sequence[int], device: Any) -> Any:
    """Mean over decisions of -log p(right choice | allowed choices), as the decoder normalises."""
    ids = torch.tensor([packed.tokens], dtype=torch.long, device=device)
    hidden = inner.model(input_ids=ids).last_hidden_state[0]
    vocabulary = sorted({t for d in packed.decisions for t in d.options if t != END} | set(end_tokens))
    column = {token: index for index, token in enumerate(vocabulary)}
    positions = torch.tensor([d.position for d in packed.decisions], dtype=torch.long, device=device)
    scores = hidden[positions] @ lm_head[vocabulary].T  # decisions x vocabulary
    end_columns = torch.tensor([column[t] for t in end_tokens], dtype=torch.long, device=device)
    end_score = torch.logsumexp(scores[:, end_columns], dim=1, keepdim=True)
    full = torch.cat([scores, end_score], dim=1)
    mask = torch.full(full.shape, float("-inf"), device=device)
    targets = []
    for row, decision in enumerate(packed.decisions):
        allowed = [column[t] if t != END else len(vocabulary) for t in decision.options]
        mask[row, allowed] = 0.0
        targets.append(allowed[decision.answer])
    return torch.nn.functional.cross_entropy(full + mask, torch.tensor(targets, dtype=torch.long, device=device))


def _save(torch: Any, path: Path, shape: dict[str, Any], step: int, seconds: float, losses: list[float], model: Any, optimizer: Any, state_dict: Any) -> None:
    partial = path.with_name(path.name + ".partial")
    torch.save(
        {
            **shape,
            "step": step,
            "seconds": seconds,
            "losses": losses,
            "lora": state_dict(model),
            "optimizer": optimizer.state_dict(),
        },
        partial,
    )
    partial.replace(path)


def _lora_tensors(state: dict[str, Any]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Hugging Face module name (``model.layers.0.self_attn.q_proj``) -> (A, B) as float32 arrays."""
    found: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for key, value in state.items():
        if ".lora_A." not in key:
            continue
        module = key.split(".lora_A.", 1)[0].removeprefix("base_model.model.")
        other = state.get(key.replace(".lora_A.", ".lora_B."))
        if other is None:
            raise ModelError(f"LoRA weights for {module} are incomplete")
        found[module] = (value.detach().float().cpu().numpy(), other.detach().float().cpu().numpy())
    if not found:
        raise ModelError("the trained model has no LoRA layers")
    return found

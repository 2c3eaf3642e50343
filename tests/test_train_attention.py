"""Block attention computes what transformers' own attention computes, sliding window included.

A small Gemma 3 with random weights (no file needed): window 16, blocks of 8, a 61-token sequence,
so blocks start inside and outside the window and the last block is short. Float32, so the two
must agree to rounding.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from assistant.train import attention  # noqa: E402

WINDOW = 16


def small_gemma(window: int = WINDOW) -> object:
    torch.manual_seed(0)
    config = transformers.Gemma3TextConfig(
        vocab_size=300,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=6,
        num_attention_heads=4,
        num_key_value_heads=1,
        head_dim=32,
        sliding_window=window,
        max_position_embeddings=256,
    )
    return transformers.Gemma3ForCausalLM(config)


def logits_and_gradients(model: object, implementation: str, ids: object) -> tuple[object, dict[str, object]]:
    model.set_attn_implementation(implementation)
    model.zero_grad()
    logits = model(input_ids=ids).logits
    (logits.float() ** 2).mean().backward()
    return logits.detach(), {name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None}


@pytest.fixture
def blocks_of_eight(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(attention, "BLOCK", 8)
    return attention.register()


def test_block_attention_gives_the_models_own_outputs_and_gradients(blocks_of_eight: str) -> None:
    model = small_gemma()
    assert "sliding_attention" in model.config.layer_types and "full_attention" in model.config.layer_types
    ids = torch.randint(0, 300, (1, 61), generator=torch.Generator().manual_seed(1))
    expected, expected_grads = logits_and_gradients(model, "eager", ids)
    got, got_grads = logits_and_gradients(model, blocks_of_eight, ids)
    torch.testing.assert_close(got, expected, atol=2e-5, rtol=1e-4)
    assert got_grads.keys() == expected_grads.keys()
    for name, grad in expected_grads.items():
        torch.testing.assert_close(got_grads[name], grad, atol=2e-5, rtol=1e-3, msg=name)


def test_the_window_matters_in_this_check(blocks_of_eight: str) -> None:
    """Without the window the same model answers otherwise: the check above would see a window ignored."""
    ids = torch.randint(0, 300, (1, 61), generator=torch.Generator().manual_seed(1))
    windowed, _ = logits_and_gradients(small_gemma(WINDOW), blocks_of_eight, ids)
    unwindowed, _ = logits_and_gradients(small_gemma(1000), blocks_of_eight, ids)
    assert torch.equal(windowed[0, :WINDOW], unwindowed[0, :WINDOW])
    assert (windowed[0, WINDOW:] - unwindowed[0, WINDOW:]).abs().max() > 1e-3


def test_a_batch_is_refused_with_a_clear_error(blocks_of_eight: str) -> None:
    model = small_gemma()
    model.set_attn_implementation(blocks_of_eight)
    with pytest.raises(ValueError, match="one sequence at a time"):
        model(input_ids=torch.zeros((2, 10), dtype=torch.long))

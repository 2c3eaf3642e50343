"""Grammar-constrained greedy decoding with llama.cpp, paying only for what each command adds.

- The prompt prefix is evaluated once; every command rewinds the context to the end of the prefix
  (``n_tokens``) and evaluates only its own tokens, reusing the prefix's KV cache.
- The token trie says which tokens may come next. Where only one may (most of ``_light`` after
  `` kitchen``), the token is forced: it is not decoded on its own but queued and evaluated in one
  batch with the tokens before the next real choice. A line like ``thermostat set_temperature 21``
  costs one model call per decision, not one per token.
- At each decision the model's logits over the allowed tokens (plus "end of line") are normalised;
  the product of the chosen tokens' probabilities is the answer's confidence: the model's own
  belief in the line, among the lines the grammar allows.
- Calibration (optional, on by default): a small model given a few examples leans towards the
  answers it saw in them, whatever the command. For the first ``calibrate`` decisions (the target
  and, mostly, the action) the decoder divides out that lean: the same decisions are scored once at
  start-up after content-free commands ("N/A", ...), and each command's probabilities are divided
  by those (Zhao et al. 2021, "Calibrate before use"). The probability of ``none`` is kept as the
  model gives it, so calibration cannot push an answer onto a command that has none. Calibration
  changes which token is chosen, not the confidence: a choice the model itself doubts stays below
  the threshold (on the dev set: +5 points of raw accuracy, and at the default threshold the same
  accuracy with 7.6% instead of 12.5% wrong actions).
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import ModelError
from .calibration_cache import CalibrationCache, cache_key, model_identity
from .trie import Position, TokenTrie

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decoded:
    line: str
    tokens: tuple[int, ...]
    confidence: float
    """The model's probability of this line among those the grammar allows (product over decisions)."""
    decisions: int
    """Model calls made for this command (prompt evaluation included)."""
    forced: int
    """Tokens the grammar forced, evaluated in batches instead of one call each."""


_LLAMA_LOG = logging.getLogger(__name__ + ".llama_cpp")
_log_callback: Any = None


def _route_llama_logs(llama_cpp: Any) -> None:
    """llama.cpp's own messages go to logging (debug), not straight to stderr."""
    global _log_callback
    if _log_callback is not None:
        return

    @llama_cpp.llama_log_callback  # type: ignore[misc]
    def callback(level: int, text: bytes, user_data: Any) -> None:
        message = text.decode("utf-8", errors="replace").rstrip()
        if message:
            _LLAMA_LOG.debug("%s", message)

    _log_callback = callback  # keep a reference: llama.cpp calls it later
    llama_cpp.llama_log_set(callback, None)


def load_llama(model: Path, *, threads: int, context: int, batch: int, lora: Path | None = None) -> Any:
    """A llama.cpp model, or ModelError naming the file when it cannot be loaded.

    The model file is memory-mapped. llama-cpp-python turns mmap off whenever it is given an
    adapter (a leftover from when llama.cpp merged adapters into the weights), and the whole model is
    then read into private memory; llama.cpp applies an adapter while computing now, so ``lora`` is
    applied to the loaded model by ``apply_adapter``.

    ``swa_full``: Gemma 3 attends over a sliding window of 512 tokens in most layers, and llama.cpp
    drops those layers' cache entries that fall out of the window. The decoder rewinds to the end of
    the prompt prefix for every command; without the full cache, prefix entries dropped while a
    longer sequence was in the context are missing, and answers depend on what came before. The
    full cache costs about 20 MB for a 2,048-token context.
    """
    try:
        import llama_cpp
        from llama_cpp import Llama
    except ImportError as err:
        raise ModelError(
            "the language model needs llama-cpp-python: pip install 'assistant[llm]' (see README for build flags)"
        ) from err
    _route_llama_logs(llama_cpp)
    try:
        llama = Llama(
            model_path=str(model),
            n_ctx=context,
            n_batch=batch,
            n_threads=threads,
            n_threads_batch=threads,
            logits_all=False,
            swa_full=True,
            verbose=False,
        )
    except (ValueError, RuntimeError, OSError) as err:
        raise ModelError(f"cannot load model {model}: {err} (is the file complete and a GGUF model?)") from err
    if lora is not None:
        apply_adapter(llama, lora)
    return llama


@contextlib.contextmanager
def batch_threads(llama: Any, threads: int | None) -> Iterator[None]:
    """llama.cpp evaluates batches with ``threads`` threads inside this block (None: unchanged)."""
    if threads is None or threads == llama.n_threads_batch:
        yield
        return
    import llama_cpp

    llama_cpp.llama_set_n_threads(llama.ctx, llama.n_threads, threads)
    try:
        yield
    finally:
        llama_cpp.llama_set_n_threads(llama.ctx, llama.n_threads, llama.n_threads_batch)


def apply_adapter(llama: Any, lora: Path, scale: float = 1.0) -> None:
    """Apply a GGUF LoRA adapter to a loaded model (freed with the model); ModelError if it does not fit."""
    import ctypes

    import llama_cpp

    adapter = llama_cpp.llama_adapter_lora_init(llama.model, str(lora).encode("utf-8"))
    if not adapter:
        raise ModelError(f"LoRA adapter {lora} cannot be applied to this model (llama.cpp refused it)")
    llama._stack.callback(llama_cpp.llama_adapter_lora_free, adapter)
    adapters = (llama_cpp.llama_adapter_lora_p_ctypes * 1)(adapter)
    scales = (ctypes.c_float * 1)(scale)
    if llama_cpp.llama_set_adapters_lora(llama.ctx, adapters, 1, scales):
        raise ModelError(f"LoRA adapter {lora} cannot be applied to this model (llama.cpp refused it)")
    llama.adapter_path = lora  # part of what a saved prefix depends on (prefix_cache.model_identity)


_MODEL_LOCKS: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
_MODEL_LOCKS_GUARD = threading.Lock()


def model_lock(llama: Any) -> threading.Lock:
    """The one lock of a loaded model: decoders sharing it (after a reload) take turns on its context."""
    with _MODEL_LOCKS_GUARD:
        lock = _MODEL_LOCKS.get(llama)
        if lock is None:
            lock = _MODEL_LOCKS[llama] = threading.Lock()
        return lock


NULL_COMMANDS = ("N/A", "hello", "...")
"""Content-free commands whose answers show the prompt's own lean (for calibration)."""


class ConstrainedDecoder:
    """Decodes one answer line per command after a fixed prefix that is evaluated only once."""

    def __init__(
        self,
        llama: Any,
        prefix: str,
        trie: TokenTrie,
        max_command_tokens: int = 96,
        *,
        calibrate: int = 0,
        command: Callable[[str], str] = lambda text: text,
        none_word: str = "none",
        cache: CalibrationCache | None = None,
    ) -> None:
        self.llama = llama
        self.cache = cache
        self.priors_from = ""
        """Where the calibration priors came from: "cache" (saved by an earlier start) or "model"."""
        self.trie = trie
        self.max_command_tokens = max_command_tokens
        self.calibrate = calibrate
        self.command = command
        self.end_tokens = self._newline_tokens()
        none_tokens = self.tokenize(" " + none_word)
        self.none_token = none_tokens[0] if len(none_tokens) == 1 else None
        self.prefix_tokens = self.tokenize(prefix, bos=True)
        self._priors: dict[tuple[int, ...], np.ndarray] = {}
        needed = len(self.prefix_tokens) + max_command_tokens + trie.depth + 1
        if needed > llama.n_ctx():
            raise ModelError(
                f"the prompt needs {needed} tokens of context but llm.context is {llama.n_ctx()}: "
                "raise llm.context or lower llm.examples"
            )
        self._lock = model_lock(llama)
        self.n_vocab = llama.n_vocab()
        self._cache_key = cache_key(f"{model_identity(llama)}|calibrate={calibrate}|{NULL_COMMANDS}", self.prefix_tokens) if cache else ""

    def tokenize(self, text: str, bos: bool = False) -> list[int]:
        return list(self.llama.tokenize(text.encode("utf-8"), add_bos=bos, special=False))

    def _newline_tokens(self) -> list[int]:
        found = []
        for text in ("\n", "\n\n"):
            tokens = self.tokenize(text)
            if len(tokens) == 1:
                found.append(tokens[0])
        if not found:
            raise ModelError("the model's vocabulary has no newline token; it cannot be used for commands")
        return found

    def prepare(self, threads: int | None = None) -> None:
        """Evaluate the prefix (once); later commands reuse its KV cache.

        ``threads``: llama.cpp threads for this evaluation only. The prefix is one batch of about
        1,300 tokens, which more threads read faster (3.7 s with two instead of 6.0 s with one, here);
        a command's few tokens stay on the model's own threads, where a second thread contending with
        the microphone and the recogniser made decoding slower, not faster.
        """
        with self._lock, batch_threads(self.llama, threads):
            self._prepare()

    def _prepare(self) -> None:
        if not self._prefix_in_context():
            self.llama.reset()
            self.llama.eval(self.prefix_tokens)
        if self.calibrate and not self._priors:
            self.priors_from = "cache"
            priors = self.cache.load(self._cache_key) if self.cache is not None else None
            if priors is None:
                self.priors_from = "model"
                priors = self._content_free_priors()
                if self.cache is not None:
                    self.cache.save(self._cache_key, priors)
            self._priors = priors

    def _content_free_priors(self) -> dict[tuple[int, ...], np.ndarray]:
        """Log-probabilities of the options at the first ``calibrate`` decisions after content-free commands."""
        nodes: list[tuple[tuple[int, ...], list[int], bool]] = []  # (path so far, options, can end)
        frontier: list[tuple[Position, tuple[int, ...]]] = [(self.trie.start(), ())]
        for _ in range(self.calibrate):
            following = []
            for position, path in frontier:
                options = position.tokens()
                nodes.append((path, options, position.can_end))
                for token in options:
                    after, after_path = position.step(token), (*path, token)
                    while len(after.tokens()) == 1 and not after.can_end:  # follow forced tokens
                        forced = after.tokens()[0]
                        after, after_path = after.step(forced), (*after_path, forced)
                    if len(after.tokens()) + int(after.can_end) > 1:
                        following.append((after, after_path))
            frontier = following
        sums: dict[tuple[int, ...], np.ndarray] = {}
        base = len(self.prefix_tokens)
        for null in NULL_COMMANDS:
            null_tokens = self.tokenize(self.command(null))
            for path, options, can_end in nodes:
                self.llama.n_tokens = base
                self.llama.eval([*null_tokens, *path])
                scores = self._scores(self._last_logits(), options, can_end)
                scores -= np.logaddexp.reduce(scores)
                sums[path] = scores if path not in sums else np.logaddexp(sums[path], scores)
        return {path: total - math.log(len(NULL_COMMANDS)) for path, total in sums.items()}

    def _scores(self, logits: np.ndarray, options: list[int], can_end: bool) -> np.ndarray:
        scores = logits[options].astype(np.float64)
        if can_end:
            scores = np.append(scores, float(np.logaddexp.reduce(logits[self.end_tokens].astype(np.float64))))
        return scores

    def _calibrated(self, scores: np.ndarray, prior: np.ndarray, options: list[int]) -> np.ndarray:
        """Scores with the content-free lean divided out; ``none`` keeps the model's own probability."""
        raw = scores - np.logaddexp.reduce(scores)
        calibrated = raw - prior
        if self.none_token in options:
            index = options.index(self.none_token)
            others = np.ones(len(raw), dtype=bool)
            others[index] = False
            rest = calibrated[others] - np.logaddexp.reduce(calibrated[others])
            calibrated[others] = rest + math.log1p(-min(math.exp(raw[index]), 1 - 1e-12))
            calibrated[index] = raw[index]
        return calibrated

    def _prefix_in_context(self) -> bool:
        """Whether the context still holds this prefix (another user of the model may have replaced it)."""
        count = len(self.prefix_tokens)
        return bool(self.llama.n_tokens >= count and np.array_equal(self.llama.input_ids[:count], self.prefix_tokens))

    def decode(self, command: str, starts: Sequence[Sequence[int]] | None = None) -> Decoded | None:
        """The most likely allowed line after the prefix and ``command``; None if the command is too long.

        ``starts``: when given, the line must begin with one of these token sequences (the words of
        the only targets allowed, and ``none``).
        """
        tokens = self.tokenize(command)
        if len(tokens) > self.max_command_tokens:
            _LOGGER.info("command of %d tokens is longer than the %d allowed; not decoded", len(tokens), self.max_command_tokens)
            return None
        with self._lock:
            self._prepare()
            return self._decode(tokens, [tuple(start) for start in starts] if starts is not None else None)

    def _decode(self, pending: list[int], starts: list[tuple[int, ...]] | None = None) -> Decoded:
        llama = self.llama
        llama.n_tokens = len(self.prefix_tokens)  # rewind to the end of the prefix; its KV cache stays
        position = self.trie.start()
        chosen: list[int] = []
        log_probability = 0.0
        calls = forced = 0
        while True:
            every = position.tokens()
            can_end = position.can_end
            options = every
            if starts is not None and not any(tuple(chosen[: len(start)]) == start for start in starts):
                # still inside the first word: only the tokens that continue an allowed start
                options = [t for t in every if any(start[: len(chosen) + 1] == (*chosen, t) for start in starts)]
                can_end = False
                if not options:  # a start the grammar does not have: nothing more to choose
                    break
            if len(options) + int(can_end) == 1:
                if can_end:
                    break
                token = options[0]
                forced += 1
            else:
                llama.eval(pending)
                calls += 1
                pending = []
                scores = self._scores(self._last_logits(), options, can_end)
                raw = scores - np.logaddexp.reduce(scores)
                prior = self._priors.get(tuple(chosen))
                if prior is not None and options is not every:
                    prior = prior[[every.index(t) for t in options]]
                best = int((raw if prior is None else self._calibrated(scores, prior, options)).argmax())
                log_probability += float(raw[best])  # confidence: the model's own belief in the choice
                if best == len(options):
                    break
                token = options[best]
            pending.append(token)
            chosen.append(token)
            position = position.step(token)
        line = self.llama.detokenize(chosen).decode("utf-8", errors="replace").strip()
        return Decoded(line, tuple(chosen), math.exp(log_probability), calls, forced)

    def _last_logits(self) -> np.ndarray:
        import llama_cpp

        pointer = llama_cpp.llama_get_logits_ith(self.llama.ctx, -1)
        return np.ctypeslib.as_array(pointer, shape=(self.n_vocab,))

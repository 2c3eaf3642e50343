"""Keeping the daemon's memory flat on glibc systems (Raspberry Pi OS, Debian).

Models allocate and free large temporary buffers while loading and while working (ONNX Runtime
without its arena, PocketSphinx's search, numpy). glibc keeps freed memory in the process for
reuse, per thread arena, so the resident size creeps up to the largest past need of each thread.
Two calls keep it near what is really in use:

- ``limit_malloc_arenas``: one malloc arena for every thread (glibc's default is up to eight per
  core), set before the worker threads start, so buffers freed by one thread serve the others and
  ``malloc_trim`` can return them. Measured with replies synthesized on their own thread: with two
  arenas the process kept ~30 MB more for the first dozen replies; with one it stayed flat;
- ``release_free_memory``: ``malloc_trim(0)``, which returns free pages to the system; called
  once the models are loaded and after each utterance (it takes well under a millisecond here).

Elsewhere (musl, macOS) both do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import cache
from typing import Any

_LOGGER = logging.getLogger(__name__)

M_ARENA_MAX = -8
"""glibc's mallopt parameter number for the arena limit."""


@cache
def _libc() -> Any | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    if libc is None or not hasattr(libc, "malloc_trim") or not hasattr(libc, "mallopt"):
        return None
    return libc


def limit_malloc_arenas(arenas: int = 1) -> None:
    libc = _libc()
    if libc is not None and libc.mallopt(M_ARENA_MAX, arenas) != 1:
        _LOGGER.debug("mallopt(M_ARENA_MAX, %d) refused", arenas)


def release_free_memory() -> None:
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)

"""The content-free calibration priors, kept on disk between starts.

Calibration (see ``decoder``) scores the first decisions after content-free commands at start-up:
about 40 model calls, 2.5 s on one core here. The priors depend only on the model, the adapter,
the prompt prefix and the calibration settings, so they are saved after the first start and read
on the next ones.

The key is a hash of all of that: the model and adapter files (path, size, modification time),
the llama-cpp-python version, the prefix tokens and the calibration settings. A changed config
gives a new key, so stale priors are never used. A cache file that cannot be read is ignored
with a log line and the priors are computed as before; a folder that cannot be written costs
only the time. Only the newest ``KEEP`` files are kept.

(The prompt prefix's KV cache would save more, 8 s, but a state saved with llama.cpp's
``llama_state_seq_save_file`` and loaded again gives logits up to 0.8 apart from the evaluated
one when a LoRA adapter is applied (llama-cpp-python 0.3.36), so it is not cached.)
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

_LOGGER = logging.getLogger(__name__)

KEEP = 4
"""Calibration files kept in the folder (one per recent config); older ones are removed."""
PREFIX = "llm-calibration-"

Priors = dict[tuple[int, ...], np.ndarray]


def file_identity(path: Path | None) -> str:
    """What changes when a file is replaced: its resolved path, size and modification time."""
    if path is None:
        return "-"
    try:
        stat = path.stat()
    except OSError:
        return f"{path}:missing"
    return f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


def model_identity(llama: Any) -> str:
    """The model file, its adapter (see ``decoder.apply_adapter``) and the llama.cpp build."""
    import llama_cpp

    adapter = getattr(llama, "adapter_path", None)
    return "|".join((file_identity(Path(llama.model_path)), file_identity(adapter), str(llama_cpp.__version__)))


def cache_key(identity: str, prefix_tokens: Sequence[int]) -> str:
    digest = hashlib.sha256(identity.encode("utf-8") + b"\0")
    digest.update(np.asarray(prefix_tokens, dtype=np.int32).tobytes())
    return digest.hexdigest()[:24]


class CalibrationCache:
    """Saved calibration priors in one folder (the assistant's cache folder)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _file(self, key: str) -> Path:
        return self.folder / f"{PREFIX}{key}.npz"

    def load(self, key: str) -> Priors | None:
        path = self._file(key)
        if not path.is_file():
            return None
        try:
            with np.load(path) as stored:
                paths, offsets, values = stored["paths"], stored["offsets"], stored["values"]
                priors = {
                    tuple(int(token) for token in paths[start:end]): values[low:high].copy()
                    for start, end, low, high in offsets.tolist()
                }
        except (OSError, ValueError, KeyError, IndexError, EOFError, zipfile.BadZipFile) as err:
            _LOGGER.info("ignoring the calibration cache %s: %s", path, err)
            return None
        os.utime(path)  # recently used: kept by the clean-up
        return priors

    def save(self, key: str, priors: Priors) -> None:
        paths: list[int] = []
        values: list[float] = []
        offsets: list[tuple[int, int, int, int]] = []
        for path, prior in priors.items():
            offsets.append((len(paths), len(paths) + len(path), len(values), len(values) + len(prior)))
            paths.extend(path)
            values.extend(prior.tolist())
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.folder, prefix=".tmp-", suffix=".npz", delete=False) as handle:
                np.savez(
                    handle,
                    paths=np.asarray(paths, dtype=np.int64),
                    offsets=np.asarray(offsets, dtype=np.int64).reshape(-1, 4),
                    values=np.asarray(values, dtype=np.float64),
                )
            Path(handle.name).replace(self._file(key))  # whole files only: a crash mid-write leaves no half cache
        except OSError as err:
            _LOGGER.info("cannot save the calibration cache in %s: %s", self.folder, err)
            return
        self._clean_up()

    def _clean_up(self) -> None:
        def age(path: Path) -> float:
            try:
                return path.stat().st_mtime
            except OSError:
                return 0.0

        for old in sorted(self.folder.glob(f"{PREFIX}*.npz"), key=age, reverse=True)[KEEP:]:
            old.unlink(missing_ok=True)

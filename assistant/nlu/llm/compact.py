"""The bundled model with a smaller token embedding: 61 MB less memory, the same answers.

Gemma 3 270M has a 262,144-token vocabulary; its token embedding (also its output layer) is 170 MB
of the 235 MB file, stored as q8_0 in the bundled Q4_K_M file. Every answer reads all of it (the
output layer scores every token), so all of it stays resident. Stored as q5_0 it is 110 MB.

Measured on the language-model dev set (184 commands, shipped adapter, one thread): exact accuracy
70.1% with both, wrong actions 7.1% vs 6.0% (two commands), latency within noise, resident size
350 vs 411 MB. (q4_0 is smaller still, but llama.cpp repacks q4_0 weights for this CPU into a
second copy in memory, so it ends up larger; Q6_K cannot be used: the rows are 640 wide, not a
multiple of 256.)

The compact file is made once from the bundled one with llama.cpp's own quantizer, only the token
embedding converted, every other tensor copied, and kept beside it in the cache folder with a
stamp (its size and time, and the bundled file's sha256) like the bundled model's. The quantizer
runs in a child process: llama.cpp aborts the whole process on some errors, and the daemon must
survive them. When it fails, the bundled file is used as it is and a warning says why.
"""

from __future__ import annotations

import ctypes
import logging
import subprocess
import sys
from pathlib import Path

from .model_file import stamp_matches, write_stamp

_LOGGER = logging.getLogger(__name__)

EMBEDDING_TYPE = 6
"""GGML_TYPE_Q5_0."""
SUFFIX = "-embq5_0"
TIMEOUT_S = 600


def compact_model(base: Path, base_sha256: str) -> Path:
    """The compact model for ``base`` (made on first use); ``base`` itself when it cannot be made."""
    target = base.with_name(base.stem + SUFFIX + base.suffix)
    stamp = target.with_name(target.name + ".verified")
    if target.is_file() and stamp_matches(stamp, target, base_sha256):
        return target
    partial = target.with_name(target.name + ".partial")
    _LOGGER.info("making the compact model %s (token embedding as q5_0; once)", target.name)
    try:
        done = subprocess.run(
            [sys.executable, "-m", __name__, str(base), str(partial)],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        _LOGGER.warning("cannot make the compact model (%s); using %s as it is", err, base.name)
        return base
    if done.returncode != 0 or not partial.is_file():
        reason = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        _LOGGER.warning("cannot make the compact model (%s); using %s as it is", reason, base.name)
        partial.unlink(missing_ok=True)
        return base
    try:
        partial.replace(target)
        write_stamp(stamp, target, base_sha256)
    except OSError as err:
        _LOGGER.warning("cannot keep the compact model in %s (%s); using %s as it is", target.parent, err, base.name)
        return base
    return target


def quantize(base: Path, target: Path) -> int:
    """llama.cpp's quantizer: the token embedding to q5_0, every other tensor copied as it is."""
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M  # the recipe the bundled file was made with
    params.allow_requantize = True
    params.token_embedding_type = EMBEDDING_TYPE
    params.nthread = 1
    return int(llama_cpp.llama_model_quantize(str(base).encode(), str(target).encode(), ctypes.byref(params)))


if __name__ == "__main__":
    sys.exit(quantize(Path(sys.argv[1]), Path(sys.argv[2])))

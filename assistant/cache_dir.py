"""The assistant's cache folder: assembled and derived model files, reproducible from the packages.

``$XDG_CACHE_HOME/assistant``, else ``~/.cache/assistant``; the systemd unit sets
``XDG_CACHE_HOME=/var/cache/assistant`` (its ``CacheDirectory=``). Everything in it can be deleted:
it is made again at the next start, which is then slower.
"""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/assistant``, else ``~/.cache/assistant``."""
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "assistant"

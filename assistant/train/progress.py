"""A one-line progress bar with the time left, for a terminal or a log."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60:02d}:{rest % 60:02d}"


class ProgressBar:
    """``update(done, note)`` redraws the bar; on a non-terminal it writes a line every ``every`` seconds."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None, every: float = 30.0, done: int = 0) -> None:
        self.total = max(1, total)
        self.label = label
        self.stream = stream or sys.stderr
        self.every = every
        self.started = time.monotonic()
        self.first = done
        self.last_line = 0.0
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def update(self, done: int, note: str = "") -> None:
        elapsed = time.monotonic() - self.started
        fresh = done - self.first
        left = elapsed / fresh * (self.total - done) if fresh > 0 else 0.0
        width = 24
        filled = int(width * done / self.total)
        bar = "#" * filled + "-" * (width - filled)
        text = f"{self.label} [{bar}] {done}/{self.total} {note} elapsed {clock(elapsed)} left {clock(left) if fresh else '?'}"
        if self.tty:
            self.stream.write("\r" + text + " " * 4)
            self.stream.flush()
        elif done >= self.total or time.monotonic() - self.last_line >= self.every:
            self.stream.write(text + "\n")
            self.stream.flush()
            self.last_line = time.monotonic()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

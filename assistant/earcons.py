"""Earcons: the short sounds for "wake word heard", "done" and "error", made here from sine tones.

The WAV files shipped in ``assistant/sounds/`` are this module's output; regenerate them with
``python -m assistant.earcons`` (``--check`` verifies that the shipped files are what it makes).
Each earcon is a few soft-edged partial-rich tones, under half a second, deterministic.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .audio.clip import AudioClip, read_wav, write_wav

EARCON_RATE = 22050
SOUNDS_DIR = Path(__file__).resolve().parent / "sounds"
EARCON_NAMES = ("wake", "done", "error")


@dataclass(frozen=True)
class Note:
    frequency: float
    """Hz."""
    start: float
    """Seconds from the start of the earcon."""
    length: float
    """Seconds."""
    level: float = 0.3
    """Peak amplitude, 0..1 of full scale."""


EARCON_NOTES: dict[str, tuple[Note, ...]] = {
    # Rising fifth: "I'm listening".
    "wake": (Note(660.0, 0.0, 0.09), Note(990.0, 0.08, 0.14)),
    # Falling major third ending low and soft: "done".
    "done": (Note(1046.5, 0.0, 0.08, 0.25), Note(784.0, 0.07, 0.16, 0.25)),
    # Two low, slightly detuned falling notes: "that did not work".
    "error": (Note(370.0, 0.0, 0.14), Note(277.2, 0.15, 0.22)),
}


def _tone(note: Note, rate: int) -> NDArray[np.float64]:
    count = round(note.length * rate)
    t = np.arange(count) / rate
    # A fundamental with two soft overtones sounds less piercing than a bare sine.
    wave = np.sin(2 * np.pi * note.frequency * t)
    wave += 0.25 * np.sin(2 * np.pi * 2 * note.frequency * t)
    wave += 0.08 * np.sin(2 * np.pi * 3 * note.frequency * t)
    wave /= 1.33
    # 5 ms raised-cosine attack, exponential decay to silence: no clicks at either end.
    attack = min(count, round(0.005 * rate))
    envelope = np.exp(-4.0 * t / note.length)
    envelope[:attack] *= 0.5 - 0.5 * np.cos(np.pi * np.arange(attack) / attack)
    envelope *= np.linspace(1.0, 0.0, count) ** 0.5
    return note.level * wave * envelope


def make_earcon(name: str, rate: int = EARCON_RATE) -> AudioClip:
    """The earcon ``name`` (wake, done or error), synthesized at ``rate``."""
    if name not in EARCON_NOTES:
        raise ValueError(f"unknown earcon {name!r} (expected one of: {', '.join(EARCON_NAMES)})")
    notes = EARCON_NOTES[name]
    end = max(note.start + note.length for note in notes)
    mix = np.zeros(round(end * rate) + 1)
    for note in notes:
        tone = _tone(note, rate)
        first = round(note.start * rate)
        mix[first : first + len(tone)] += tone
    return AudioClip.from_float(mix, rate)


def shipped_path(name: str) -> Path:
    return SOUNDS_DIR / f"{name}.wav"


def write_all(folder: Path = SOUNDS_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in EARCON_NAMES:
        path = folder / f"{name}.wav"
        write_wav(path, make_earcon(name))
        written.append(path)
    return written


def stale_files(folder: Path = SOUNDS_DIR) -> list[str]:
    """Names of shipped earcons that are missing or differ from what this module makes."""
    stale = []
    for name in EARCON_NAMES:
        path = folder / f"{name}.wav"
        if not path.exists():
            stale.append(name)
            continue
        shipped = read_wav(path)
        made = make_earcon(name)
        if shipped.sample_rate != made.sample_rate or shipped.frames != made.frames:
            stale.append(name)
        elif np.abs(shipped.samples.astype(np.int32) - made.samples).max() > 1:
            # One step of rounding is allowed: sin() may differ in the last bit between machines.
            stale.append(name)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.earcons", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only verify the shipped files")
    parser.add_argument("--out", type=Path, default=SOUNDS_DIR, help="folder to write to")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.out)
        if stale:
            print(f"out of date in {args.out}: {', '.join(stale)} (run python -m assistant.earcons)")
            return 1
        print(f"earcons in {args.out} are up to date")
        return 0
    for path in write_all(args.out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

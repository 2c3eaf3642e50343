"""``assistant audio-devices``: the microphones (and speakers) PortAudio can see."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from ..audio.sink import output_devices
from ..audio.source import input_devices


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "audio-devices", help="list audio input and output devices (for audio.device and tts.device)"
    )
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    inputs = input_devices()
    outputs = output_devices()
    if args.json:
        from ..cli import print_json

        report: dict[str, Any] = {
            "input": [asdict(device) for device in inputs],
            "output": [asdict(device) for device in outputs],
        }
        print_json(report)
        return 0
    print("input devices (audio.device):")
    for device in inputs:
        print(f"  {device}")
    if not inputs:
        print("  none (no microphone found; assistant listen --wav FILE still works)")
    print("output devices (tts.device):")
    for output in outputs:
        print(f"  {output}")
    if not outputs:
        print("  none (set tts.wav to write speech to a file)")
    return 0

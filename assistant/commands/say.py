"""``assistant say``: speak any text with the configured voice, or write it to a WAV file."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from ..errors import AssistantError
from ..tts.settings import parse_tts_settings
from ..tts.speaker import Speaker
from .common import add_config_option, load


class NothingToSay(AssistantError):
    code = "usage"


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("say", help="speak a text with the configured voice (or write it to a WAV file)")
    add_config_option(parser)
    parser.add_argument(
        "--wav", metavar="OUT", type=Path, help="write the speech to this WAV file instead of playing it"
    )
    parser.add_argument("--device", metavar="DEVICE", help="output device, by index or (part of) its name")
    parser.add_argument("--json", action="store_true", help="print what was spoken and how fast, as JSON")
    parser.add_argument("text", help='what to say; "-" reads it from standard input')
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        raise NothingToSay("nothing to say: the text is empty")
    settings = parse_tts_settings(load(args))
    if args.wav is not None:
        settings = dataclasses.replace(settings, wav=args.wav)
    if args.device is not None:
        settings = dataclasses.replace(settings, device=args.device, wav=None)
    speaker = Speaker.from_settings(settings)
    try:
        spoken = speaker.speak(text)
    finally:
        speaker.close()
    if spoken.audio_seconds == 0 and spoken.completed:
        raise NothingToSay(f"nothing to say: {text.strip()!r} has no words the voice can speak")
    if args.json:
        from ..cli import print_json

        print_json({**spoken.as_dict(), "output": speaker.sink.description})
    elif settings.wav is not None:
        print(f"wrote {settings.wav} ({spoken.audio_seconds:.2f} s)")
    return 0

"""``assistant listen --wav command.wav``: one spoken command through the whole chain.

Wake word (unless --no-wake) -> end of speech -> speech recognition -> the same stages as
``assistant text``. With ``--json`` it prints the report of ``assistant text --json`` plus
``transcript``, ``stt`` (engine, confidence, ...) and per-stage timings in milliseconds. Without
``--wav`` it listens to the microphone for one command.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from ..audio.settings import audio_settings, vad_settings, wake_settings
from ..audio.source import AudioSource, FileSource, MicrophoneSource
from ..audio.vad import make_detector
from ..audio.wake import KeywordSpotter, WakeDetector
from ..config import Config
from ..listener import Heard, Listener
from ..pipeline import Assistant, Turn
from ..stt.factory import build_recognizer
from ..stt.settings import ENGINES
from .common import add_config_option, connect, load
from .recognizers import build_assistant


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("listen", help="hear one spoken command (a WAV file or the microphone) and act on it")
    add_config_option(parser)
    parser.add_argument("--wav", metavar="FILE", help="a WAV (16-bit) or raw 16 kHz mono PCM file instead of the microphone")
    parser.add_argument("--json", action="store_true", help="print the JSON report")
    parser.add_argument("--dry-run", action="store_true", help="publish nothing (no broker needed)")
    parser.add_argument("--no-wake", action="store_true", help="do not wait for the wake word; the command starts right away")
    parser.add_argument("--engine", choices=ENGINES, help="speech recogniser (default: stt.engine from the config)")
    parser.add_argument("--device", help="microphone index or (part of) its name (default: audio.device)")
    parser.set_defaults(run=run)


def build_listener(config: Config, assistant: Assistant, *, engine: str | None, wake: bool) -> Listener:
    vad = vad_settings(config)
    detector = make_detector(vad.engine, vad.threshold, vad.aggressiveness)
    recognizer = build_recognizer(config, assistant.templates, engine=engine)
    wake_detector = None
    if wake:
        settings = wake_settings(config)
        spotter = KeywordSpotter(settings.phrase, settings.sensitivity) if settings.enabled else None
        wake_detector = WakeDetector(spotter)
    return Listener(detector, recognizer, vad, wake_detector)


def open_source(config: Config, args: argparse.Namespace) -> AudioSource:
    if args.wav:
        return FileSource(Path(args.wav))
    settings = audio_settings(config)
    device = args.device if args.device is not None else settings.device
    return MicrophoneSource(device, stall_seconds=settings.stall_seconds, retry_seconds=settings.retry_seconds)


def report(turn: Turn, heard: Heard, finished_at: float) -> dict[str, Any]:
    """``assistant text --json``'s report plus what the ears did."""
    result = turn.as_dict()
    transcript = heard.transcript
    result["transcript"] = transcript.text if transcript is not None else ""
    result["stt"] = transcript.as_dict() if transcript is not None else None
    timings = dict(result.get("timings_ms") or {})
    for stage, milliseconds in heard.timings_ms.items():
        timings[stage] = round(milliseconds, 3)
    timings["end_of_speech_to_done"] = round((finished_at - heard.ended_at) * 1000, 3)
    result["timings_ms"] = timings
    if heard.wake is not None:
        result["wake"] = {"source": heard.wake.source, "at": round(heard.wake.at, 3)}
    result["end_of_speech"] = {
        "reason": heard.end.reason.value,
        "speech_start": None if heard.end.speech_start is None else round(heard.end.speech_start, 3),
        "speech_end": None if heard.end.speech_end is None else round(heard.end.speech_end, 3),
    }
    return result


def act(assistant: Assistant, heard: Heard) -> Turn:
    """Nothing heard, or rejected as garbage: "I didn't catch that", never a device action."""
    return assistant.handle_heard(heard.transcript)


def run(args: argparse.Namespace) -> int:
    from ..cli import print_json

    config = load(args)
    source = open_source(config, args)
    link = None if args.dry_run else connect(config, wait=2.0)
    try:
        assistant = build_assistant(config, link)
        listener = build_listener(config, assistant, engine=args.engine, wake=not args.no_wake)
        if args.wav is None:
            print("listening...", file=sys.stderr, flush=True)
        try:
            heard = listener.listen(source.frames(), require_wake=not args.no_wake)
        finally:
            source.close()
        if heard is None:
            phrase = wake_settings(config).phrase
            message = f"the wake word {phrase!r} was not heard in {source.description} (use --no-wake if it has none)"
            if args.json:
                print_json({"text": "", "transcript": "", "outcome": "no_wake_word", "reply": "", "error": message})
            else:
                print(f"assistant: {message}", file=sys.stderr)
            return 1
        turn = act(assistant, heard)
        finished_at = time.perf_counter()
        if args.json:
            print_json(report(turn, heard, finished_at))
        else:
            if heard.transcript is not None:
                print(f"heard: {heard.transcript.text or '(nothing)'}", file=sys.stderr)
            print(turn.reply.text, flush=True)
        return 0 if turn.outcome in ("done", "dry_run", "answer", "question") else 1
    finally:
        if link is not None:
            link.stop()

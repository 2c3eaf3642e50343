"""``assistant run``: the assistant as a service (systemd unit in systemd/assistant.service)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
from pathlib import Path
from types import FrameType

from ..audio.settings import audio_settings
from ..audio.source import AudioSource, MicrophoneSource
from ..config import Config
from ..daemon.mouth import SpeakerMouth
from ..daemon.service import Daemon
from ..daemon.systemd import Notifier
from ..daemon.wav_input import WavInput
from ..memory import limit_malloc_arenas
from ..tts import Speaker, parse_tts_settings
from .common import add_config_option, connect, load

_LOGGER = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("run", help="listen, act and answer until stopped (the service)")
    add_config_option(parser)
    parser.add_argument("--input-wav", metavar="FILE", nargs="+", help="play these files in as if spoken into the microphone")
    parser.add_argument("--input-speed", type=float, default=1.0, help="play --input-wav files this many times faster than real time")
    parser.add_argument("--output-wav", metavar="FILE", help="write what the assistant says to this WAV file instead of the speaker")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    limit_malloc_arenas()  # before any thread starts (see memory.py)
    config = load(args)
    inputs = [Path(p) for p in args.input_wav] if args.input_wav else None
    wav_input = WavInput(inputs, speed=args.input_speed) if inputs else None

    def open_source(current: Config) -> AudioSource:
        if wav_input is not None:
            return wav_input
        settings = audio_settings(current)
        return MicrophoneSource(settings.device, stall_seconds=settings.stall_seconds, retry_seconds=settings.retry_seconds)

    tts = parse_tts_settings(config)
    if args.output_wav:
        tts = dataclasses.replace(tts, wav=Path(args.output_wav), device=None)
    speaker = Speaker.from_settings(tts)
    link = connect(config, wait=5.0)
    daemon = Daemon(config, open_source, link, SpeakerMouth(speaker), load_config=lambda: load(args), notifier=Notifier())

    def stop(signum: int, frame: FrameType | None) -> None:
        _LOGGER.info("stopping on signal %d", signum)
        daemon.stop()

    def reload(signum: int, frame: FrameType | None) -> None:
        daemon.reload_requested.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, reload)
    try:
        return daemon.run()
    finally:
        speaker.close()

"""``assistant check-config``: every problem in the config and intents files, with file and line."""

from __future__ import annotations

import argparse

from ..nlu.templates import load_intents
from ..replies import load_replies
from .common import add_config_option, load


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("check-config", help="validate the config and intents; non-zero exit on problems")
    add_config_option(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    intents = load_intents(config.intent_paths)
    load_replies(config.intent_paths)
    print(
        f"{config.source}: OK — {len(config.devices)} devices in {len(config.areas)} areas, "
        f"{len(intents.names)} intents from {len(intents.files)} files"
    )
    return 0

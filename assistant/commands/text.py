"""``assistant text "turn on the kitchen light"``: one typed command (or ``-``: one per line)."""

from __future__ import annotations

import argparse
import sys

from ..dialogue import Session
from ..dialogue_settings import dialogue_settings
from ..pipeline import Assistant, Turn
from .common import add_config_option, connect, load
from .recognizers import build_assistant


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("text", help="handle a typed command and print the reply")
    add_config_option(parser)
    parser.add_argument("command", help='the command, or "-" to read one command per line from stdin (a conversation)')
    parser.add_argument("--json", action="store_true", help="print one JSON object per command")
    parser.add_argument("--dry-run", action="store_true", help="publish nothing (no broker needed)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = load(args)
    link = None if args.dry_run else connect(config, wait=2.0)
    try:
        assistant = build_assistant(config, link)
        if link is not None:
            # Give retained device states a moment to arrive before the first question.
            link.wait_connected(0.5)
        session = Session(window=dialogue_settings(config).window)
        if args.command == "-":
            for line in sys.stdin:
                if line.strip():
                    _show(assistant.handle_text(line, session), args.json)
            return 0
        turn = assistant.handle_text(args.command, session)
        _show(turn, args.json)
        return 0 if turn.outcome in ("done", "dry_run", "answer", "question") else 1
    finally:
        if link is not None:
            link.stop()


def _show(turn: Turn, as_json: bool) -> None:
    from ..cli import print_json

    if as_json:
        print_json(turn.as_dict())
    else:
        print(turn.reply.text, flush=True)


__all__ = ["Assistant", "add_parser", "run"]

"""The ``assistant`` command: subcommands, exit codes, and the only place logging is configured."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
from collections.abc import Sequence
from types import ModuleType

from .errors import AssistantError, ConfigErrors

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2

SUBCOMMAND_MODULES = (
    "assistant.commands.text",
    "assistant.commands.devices",
    "assistant.commands.check_config",
    "assistant.commands.demo",
    "assistant.commands.say",
    "assistant.train.command",
    "assistant.commands.run",
    "assistant.commands.listen",
    "assistant.commands.audio_devices",
)


def build_parser(modules: Sequence[ModuleType]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="An offline voice assistant for the smart home.")
    parser.add_argument("--debug", action="store_true", help="log every stage")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in modules:
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    modules = [importlib.import_module(name) for name in SUBCOMMAND_MODULES]
    parser = build_parser(modules)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return int(args.run(args))
    except ConfigErrors as err:
        for error in err.errors:
            print(error.message, file=sys.stderr)
        return EXIT_CONFIG
    except AssistantError as err:
        print(f"assistant: {err.message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


def print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    sys.exit(main())

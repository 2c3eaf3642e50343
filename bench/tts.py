"""Speech out: time to first audio and real-time factor of the Piper voice, and its memory.

    python -m bench.tts [--runs 40] [--long-runs 8]

For each decoding mode (chunked "streaming", the default, and "whole sentences", which is what
piper-tts itself does) a fresh process loads the default voice with one onnxruntime thread and
synthesizes one-sentence replies and a long four-sentence reply. Time to first audio is from the
call to the first chunk of samples; the real-time factor is synthesis time / audio duration.
The Speaker figure is the same through ``Speaker.speak`` into a WAV sink (thread + queue included).
Writes bench/reports/tts.md and .json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .report import latency_summary, peak_rss_mb, percentile, write_report

SHORT_REPLIES = (
    "Turned on the kitchen light.",
    "It is 21.5 degrees in the living room.",
    "There is no fan in the bedroom.",
    "Do you really want me to unlock the front door?",
    "Set the living room lamp to 40 percent.",
    "Sorry, I didn't understand.",
    "Kitchen light or hallway light?",
    "Done.",
)
LONG_REPLY = (
    "There are two lights called ceiling light: the kitchen light and the hallway light. "
    "I haven't heard from the thermostat yet, so I don't know the temperature in the hallway. "
    "The MQTT broker didn't confirm the command in time, so I dropped it. "
    "Nothing was changed late, and the front door is still locked."
)
TARGET_MS = 200.0
SEED = 4


def measure(text: str, voice: Any) -> tuple[float, float, float, float, float]:
    """Milliseconds to the first chunk (wall, thread CPU), in all (wall, thread CPU), seconds of audio.

    With one onnxruntime thread the inference runs on the calling thread, so its CPU time is the
    work itself, whatever else the machine is doing; the wall time includes waiting for a core.
    """
    started, started_cpu = time.perf_counter(), time.thread_time()
    first_ms = first_cpu_ms = None
    seconds = 0.0
    for clip in voice.synthesize_stream(text):
        if first_ms is None:
            first_ms = (time.perf_counter() - started) * 1000
            first_cpu_ms = (time.thread_time() - started_cpu) * 1000
        seconds += clip.duration
    total_ms = (time.perf_counter() - started) * 1000
    total_cpu_ms = (time.thread_time() - started_cpu) * 1000
    assert first_ms is not None and first_cpu_ms is not None
    return first_ms, first_cpu_ms, total_ms, total_cpu_ms, seconds


def run_mode(streaming: bool, runs: int, long_runs: int) -> dict[str, Any]:
    from assistant.audio.sink import WavFileSink
    from assistant.tts.settings import TtsSettings
    from assistant.tts.speaker import Speaker
    from assistant.tts.voice import Voice

    settings = TtsSettings(streaming=streaming, threads=1, seed=SEED)
    started = time.perf_counter()
    voice = Voice.load(settings)
    load_s = time.perf_counter() - started
    rss_after_load = peak_rss_mb()

    short_first, short_cpu, short_rtf, short_rtf_cpu = [], [], [], []
    for index in range(runs):
        first_ms, cpu_ms, total_ms, total_cpu_ms, seconds = measure(SHORT_REPLIES[index % len(SHORT_REPLIES)], voice)
        short_first.append(first_ms)
        short_cpu.append(cpu_ms)
        short_rtf.append(total_ms / 1000 / seconds)
        short_rtf_cpu.append(total_cpu_ms / 1000 / seconds)
    long_first, long_rtf, long_rtf_cpu, long_seconds = [], [], [], 0.0
    for _ in range(long_runs):
        first_ms, _cpu_ms, total_ms, total_cpu_ms, long_seconds = measure(LONG_REPLY, voice)
        long_first.append(first_ms)
        long_rtf.append(total_ms / 1000 / long_seconds)
        long_rtf_cpu.append(total_cpu_ms / 1000 / long_seconds)
    speaker_first = []
    with tempfile.TemporaryDirectory() as folder:
        speaker = Speaker(settings, voice, WavFileSink(Path(folder) / "bench.wav"))
        for index in range(max(8, runs // 2)):
            spoken = speaker.speak(SHORT_REPLIES[index % len(SHORT_REPLIES)])
            assert spoken.first_audio_ms is not None
            speaker_first.append(spoken.first_audio_ms)
        speaker.close()
    short = latency_summary(short_first)
    long = latency_summary(long_first)
    via_speaker = latency_summary(speaker_first)
    return {
        "voice": voice.files.model.name,
        "load_s": round(load_s, 2),
        "peak_rss_after_load_mb": rss_after_load,
        "peak_rss_mb": peak_rss_mb(),
        "short_first_audio_p50_ms": short["p50_ms"],
        "short_first_audio_p95_ms": short["p95_ms"],
        "short_first_audio_max_ms": short["max_ms"],
        "short_first_audio_cpu_p50_ms": round(percentile(short_cpu, 0.5), 3),
        "short_first_audio_cpu_p95_ms": round(percentile(short_cpu, 0.95), 3),
        "short_rtf_p50": round(percentile(short_rtf, 0.5), 3),
        "short_rtf_p95": round(percentile(short_rtf, 0.95), 3),
        "short_rtf_cpu_p50": round(percentile(short_rtf_cpu, 0.5), 3),
        "long_first_audio_p50_ms": long["p50_ms"],
        "long_first_audio_p95_ms": long["p95_ms"],
        "long_rtf_p50": round(percentile(long_rtf, 0.5), 3),
        "long_rtf_p95": round(percentile(long_rtf, 0.95), 3),
        "long_rtf_cpu_p50": round(percentile(long_rtf_cpu, 0.5), 3),
        "long_audio_s": round(long_seconds, 2),
        "speaker_first_audio_p50_ms": via_speaker["p50_ms"],
        "speaker_first_audio_p95_ms": via_speaker["p95_ms"],
        "short_runs": runs,
        "long_runs": long_runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=40, help="one-sentence replies per mode")
    parser.add_argument("--long-runs", type=int, default=8, help="long replies per mode")
    parser.add_argument("--mode", choices=["streaming", "whole"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:  # the child process: one mode, figures as JSON on stdout
        print(json.dumps(run_mode(args.mode == "streaming", args.runs, args.long_runs)))
        return

    load_before = os.getloadavg()[0]
    modes = {}
    for mode in ("streaming", "whole"):
        child = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.tts",
                "--mode",
                mode,
                "--runs",
                str(args.runs),
                "--long-runs",
                str(args.long_runs),
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        modes[mode] = json.loads(child.stdout.strip().splitlines()[-1])
    streaming = modes["streaming"]
    p95 = streaming["short_first_audio_p95_ms"]
    figures = {
        "target": f"time to first audio p95 <= {TARGET_MS:.0f} ms for a one-sentence reply",
        "result": f"p95 {p95} ms: {'met' if p95 <= TARGET_MS else 'NOT met'}",
        "threads": 1,
        "cpu_cores": os.cpu_count(),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "streaming (default)": streaming,
        "whole sentences (piper-tts's own way)": modes["whole"],
    }
    notes = (
        "Short replies: " + " / ".join(SHORT_REPLIES) + "\n\n"
        f"Long reply ({streaming['long_audio_s']} s of audio): {LONG_REPLY}\n\n"
        "Streaming splits the voice's ONNX graph at the HiFi-GAN decoder and decodes each sentence "
        "in chunks (16 latent frames first, about 0.19 s of audio), so the first audio waits for the "
        "encoder and one small chunk instead of the whole sentence. Other work on the machine "
        "(load average above) shows up directly in the wall-clock figures; the CPU figures "
        "(thread CPU time to the first chunk) are what the synthesis itself costs."
    )
    write_report("tts", "Speech out (Piper, en_US-joe-medium, 1 thread)", figures, notes)


if __name__ == "__main__":
    main()

"""Spoken commands -> the same intent as typed -> MQTT, over a synthesized corpus.

    python -m bench.speech [--voices piper,espeak-fast] [--snr 10] [--engine pocketsphinx]

The corpus is every command in ``COMMANDS`` spoken by each voice (Piper's joe at three speeds,
three espeak-ng Klatt voices at three speeds), clean and with seeded pink noise at ``--snr`` dB.
Each recording goes through the real chain as the daemon builds it from the config: the
configured end-of-speech detector (WebRTC when the language model is on, as it is by default:
Silero cannot share its process), the recogniser with the example home's grammar, templates,
unknown names, fuzzy names, the language model, resolver, with a real Mosquitto. ``--no-model``
leaves the language model out (and then the config's detector is Silero unless set otherwise).

A command is *accepted* when the spoken path yields the intent and every slot the typed text does.
It *acts right* when the spoken path resolves to the same action on the same devices as the typed
text ("turn on the kitchen lights" = area kitchen + type light = the kitchen light in this home):
the strict figure is the issue's target, the second one says what the listener would notice.
Also measured: real-time factor of recognition, latency from the end-of-speech decision to the
MQTT message arriving at a subscriber (the configured trailing silence is before that point, so
it is not counted), and the peak memory of the process (the corpus is synthesized in a child
process, so Piper's memory is not counted). Out-of-domain sentences (small talk and near misses:
commands for things this home does not have), spoken by every voice clean and at ``--snr`` dB,
and noise-only clips check that nothing is switched on by what is not a command.

Each command recording is followed by the configured trailing silence (and 0.2 s more), with the
same noise, and the quiet after its last sound arrives in real time as it would from a microphone
(the speech before it is fed at once): a recogniser that decodes during the trailing silence (see
``RecognitionSession.pause``) is measured as it would be heard. ``--instant`` feeds everything
at once (quicker; the latency figure then includes the whole decoding).

Writes bench/reports/speech.md and .json.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.report import latency_summary, peak_rss_mb, percentile, write_report  # noqa: E402

COMMANDS = (
    "turn on the kitchen light",
    "turn off the kitchen light",
    "switch on the reading lamp",
    "switch the reading lamp off",
    "turn on the ceiling fan",
    "turn off the fan",
    "turn on the desk plug",
    "turn off the printer",
    "turn on the lights in the bedroom",
    "turn off all the lights",
    "turn on the hallway light",
    "turn on the coffee machine",
    "please turn on the bedroom light",
    "turn the kitchen light on",
    "toggle the printer",
    "toggle the hallway light",
    "set the kitchen light to forty percent",
    "set the bedroom light brightness to one hundred percent",
    "set the living room lamp to seventy five percent",
    "set the brightness of the bedroom light to sixty percent",
    "make the living room lamp brighter",
    "dim the kitchen light",
    "turn up the brightness of the bedroom light",
    "make the bedroom light darker",
    "set the kitchen light to red",
    "change the kitchen light to blue",
    "make the kitchen light green",
    "set the bedroom light to warm white",
    "set the kitchen light to daylight",
    "open the kitchen blinds",
    "close the blinds",
    "close the garage door",
    "raise the kitchen blinds",
    "lower the blinds",
    "set the kitchen blinds to thirty percent",
    "open the kitchen blinds to fifty percent",
    "lock the front door",
    "unlock the front door",
    "set the thermostat to twenty one degrees",
    "set the temperature to nineteen point five degrees",
    "set the temperature in the living room to twenty two degrees",
    "set the heating to eighteen degrees",
    "is the front door locked",
    "is the kitchen light on",
    "is the garage door open",
    "what's the temperature in the bedroom",
    "what is the temperature",
    "how warm is it in the living room",
    "make me a large latte with oat milk",
    "brew me an espresso",
    "i would like a small cappuccino with soy milk",
    "make me a flat white",
)

OUT_OF_DOMAIN = (
    "we bought a new computer for the kitchen yesterday",
    "the weather will be sunny tomorrow afternoon",
    "can you tell me a joke about cats",
    "my sister lives in a small town near the coast",
    "remind me to call my mother at six",
    "the meeting was moved to next thursday",
    "play some relaxing jazz music",
    "who won the football game last night",
    "order a pizza with extra cheese",
    "the dog is barking at the postman",
    # Near misses: command-like sentences about things this home does not have.
    "turn on the television",
    "switch off the radio",
    "open the window in the bedroom",
    "close the garage window",
    "lock the back door",
    "set the oven to two hundred degrees",
    "turn on the dishwasher",
    "dim the lights in the bathroom",
    "make the office light brighter",
    "is the back door locked",
    "turn up the music in the living room",
    "start the vacuum cleaner",
    "open the fridge",
    "turn the printer into a scanner",
    # Everyday speech that shares words with commands.
    "what time is it",
    "how much is a flight to paris",
    "the kitchen is a mess again",
    "i left the light on in the car",
    "she turned the light off and went to sleep",
    "do you know where my keys are",
    "call mum and tell her i am late",
    "set an alarm for seven in the morning",
    "what is the capital of france",
    "add milk to the shopping list",
    "the heating bill was very high this winter",
)

DEFAULT_VOICES = ("piper", "piper-fast", "piper-slow", "espeak", "espeak-fast", "espeak-slow")
NOISE_CLIPS = 20


def synthesize(cache: Path, voices: list[str]) -> None:
    """Fill the cache (run in a child process so Piper's memory is not the recogniser's)."""
    from tests.speech import VOICES, SpeechSynth

    synth = SpeechSynth(cache)
    started = time.perf_counter()
    count = 0
    for voice in voices:
        for text in (*COMMANDS, *OUT_OF_DOMAIN):
            synth.path(text, VOICES[voice])
            count += 1
    print(f"synthesized/cached {count} recordings in {time.perf_counter() - started:.1f} s", flush=True)


class Arrivals:
    """A subscriber that timestamps every command message a device would receive."""

    def __init__(self, host: str, port: int) -> None:
        import paho.mqtt.client as paho
        from paho.mqtt.enums import CallbackAPIVersion

        self.times: list[tuple[float, str]] = []
        self._lock = threading.Lock()
        subscribed = threading.Event()
        self.client = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id=f"bench-{os.getpid()}")
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.connect(host, port)
        self.client.loop_start()
        self.client.subscribe("#", qos=1)
        if not subscribed.wait(5):
            raise RuntimeError("the benchmark subscriber could not subscribe")

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        if message.retain or message.topic.startswith("assistant/"):
            return
        with self._lock:
            self.times.append((time.perf_counter(), message.topic))

    def take(self) -> list[tuple[float, str]]:
        with self._lock:
            taken, self.times = self.times, []
        return taken

    def wait(self, count: int, timeout: float) -> list[tuple[float, str]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.times) >= count:
                    break
            time.sleep(0.002)
        return self.take()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voices", default=",".join(DEFAULT_VOICES))
    parser.add_argument("--snr", type=float, default=10.0)
    parser.add_argument("--engine", default="pocketsphinx", choices=("pocketsphinx", "vosk", "auto"))
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "assistant-bench-speech")
    parser.add_argument("--limit", type=int, default=0, help="only the first N commands (a quick look)")
    parser.add_argument("--synthesize-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--name", default="speech", help="report name under bench/reports")
    parser.add_argument("--config", type=Path, default=REPO / "config" / "assistant.yaml", help="the home and its stt settings")
    parser.add_argument("--instant", action="store_true", help="feed the trailing silence at once too (quicker, latency overstated)")
    parser.add_argument("--details", action="store_true", help="also write every result to bench/reports/<name>_results.json")
    parser.add_argument("--no-model", dest="no_model", action="store_true", help="without the language model (it is on in the config)")
    args = parser.parse_args()
    voices = [v for v in args.voices.split(",") if v]
    if args.synthesize_only:
        synthesize(args.cache, voices)
        return
    subprocess.run(
        [sys.executable, "-m", "bench.speech", "--synthesize-only", "--voices", ",".join(voices), "--cache", str(args.cache)],
        check=True,
        cwd=REPO,
    )
    run_benchmark(args, voices)


def run_benchmark(args: argparse.Namespace, voices: list[str]) -> None:
    from assistant.audio.settings import VadSettings, vad_settings
    from assistant.audio.vad import make_detector
    from assistant.broker import LocalBroker, free_port
    from assistant.commands.listen import act
    from assistant.commands.recognizers import build_assistant
    from assistant.config import load_config
    from assistant.listener import Listener
    from assistant.mqtt import MqttLink
    from assistant.pipeline import Assistant
    from assistant.stt.factory import build_recognizer
    from tests.speech import VOICES, SpeechSynth, add_noise

    load_average = os.getloadavg()
    synth = SpeechSynth(args.cache)
    commands = COMMANDS[: args.limit] if args.limit else COMMANDS
    config = load_config(args.config)
    with LocalBroker(free_port()) as broker:
        config = dataclasses.replace(config, mqtt=dataclasses.replace(config.mqtt, host=broker.host, port=broker.port))
        link = MqttLink(config.mqtt)
        link.start()
        assert link.wait_connected(5), "could not connect to the local broker"
        arrivals = Arrivals(broker.host, broker.port)
        if args.no_model:
            assistant = Assistant(config, link)
            vad = VadSettings()  # Silero, which the language model would keep out of this process
        else:
            assistant = build_assistant(config, link, load_model_now=True)
            vad = vad_settings(config)
        started = time.perf_counter()
        recognizer = build_recognizer(config, assistant.templates, engine=args.engine)
        load_seconds = time.perf_counter() - started
        listener = Listener(make_detector(vad.engine, vad.threshold, vad.aggressiveness), recognizer, vad)
        tail_bytes = round((vad.endpointer.trailing_silence + 0.2) * 16000) * 2

        meanings = typed_meanings(assistant, commands)
        expected = {text: (intent.name, dict(intent.slots)) for text, intent in meanings.items()}
        resolutions = {text: assistant.resolver.resolve(intent) for text, intent in meanings.items()}

        results: list[dict[str, Any]] = []
        errors: list[str] = []
        for condition in ("clean", f"snr{args.snr:g}"):
            for voice_name in voices:
                voice = VOICES[voice_name]
                for index, text in enumerate(commands):
                    clean = synth.pcm(text, voice) + bytes(tail_bytes)
                    pcm = clean if condition == "clean" else add_noise(clean, args.snr, seed=index)
                    arrivals.take()
                    spoken = Spoken(pcm, last_sound(clean), paced=not args.instant)
                    heard = listener.capture(spoken)
                    ended_at = min(heard.ended_at, spoken.heard_at(heard.end.at)) if not args.instant else heard.ended_at
                    try:
                        turn = act(assistant, heard)
                    except Exception as err:  # noqa: BLE001 - a crash downstream is a result to report, not the end of the run
                        print(f"  ERROR [{condition} {voice_name}] {text!r}: {type(err).__name__}: {err}", flush=True)
                        errors.append(f"{text!r} heard as {heard.transcript.text if heard.transcript else ''!r}: {type(err).__name__}: {err}")
                        continue
                    done_at = time.perf_counter()
                    messages = arrivals.wait(len(turn.commands), 2.0) if turn.outcome == "done" else arrivals.take()
                    transcript = heard.transcript
                    got = (turn.intent.name, dict(turn.intent.slots)) if turn.intent is not None else None
                    result = {
                        "condition": condition,
                        "voice": voice_name,
                        "text": text,
                        "heard": transcript.text if transcript else "",
                        "grammar_heard": transcript.grammar_text if transcript else None,
                        "constrained": transcript.constrained if transcript else None,
                        "rejected": transcript.rejected if transcript else True,
                        "confidence": round(transcript.confidence, 3) if transcript else 0.0,
                        "accepted": got == expected[text],
                        "acts_right": turn.intent is not None
                        and turn.intent.name == expected[text][0]
                        and assistant.resolver.resolve(turn.intent) == resolutions[text],
                        "outcome": turn.outcome,
                        "audio_seconds": transcript.audio_seconds if transcript else 0.0,
                        "decode_seconds": transcript.decode_seconds if transcript else 0.0,
                        "end_to_done_ms": (done_at - ended_at) * 1000,
                    }
                    if messages and turn.outcome == "done":
                        result["end_to_publish_ms"] = (messages[0][0] - ended_at) * 1000
                    results.append(result)
                    if not result["accepted"]:
                        print(f"  miss [{condition} {voice_name}] {text!r} -> {result['heard']!r}", flush=True)
                rate = [r["accepted"] for r in results if r["condition"] == condition and r["voice"] == voice_name]
                print(f"{condition:8} {voice_name:12} {sum(rate)}/{len(rate)}", flush=True)

        garbage: list[dict[str, Any]] = []
        for voice_name in voices:
            for index, text in enumerate(OUT_OF_DOMAIN):
                pcm = synth.pcm(text, VOICES[voice_name])
                garbage.append(_garbage_case(listener, assistant, arrivals, pcm, f"{voice_name}: {text}"))
                noisy = add_noise(pcm, args.snr, seed=1000 + index)
                garbage.append(_garbage_case(listener, assistant, arrivals, noisy, f"{voice_name} {args.snr:g} dB: {text}"))
        from tests.speech import pink_noise

        for seed in range(NOISE_CLIPS):
            noise = (pink_noise(16000 * 3, seed) * 3000).clip(-32768, 32767).astype("<i2").tobytes()
            garbage.append(_garbage_case(listener, assistant, arrivals, noise, f"pink noise #{seed}"))
        arrivals.close()
        link.stop()

    figures = summarize(results, garbage, voices, args, load_seconds, load_average)
    figures["pipeline_errors"] = errors
    figures["end_of_speech_detector"] = vad.engine
    figures["language_model"] = not args.no_model
    notes = (
        "Accepted = the spoken command gives the intent and every slot the typed text gives. "
        "Latency = the moment the end of speech could be decided (the last frame of the configured "
        f"trailing silence of {VadSettings().endpointer.trailing_silence} s arriving in real time; "
        "with --instant, the decision itself) -> the MQTT message at a subscriber. "
        "Voices: piper = en_US-joe-medium (length scale 1.0 / 0.8 / 1.25); espeak = espeak-ng "
        "en-us Klatt variants (klatt3 150 wpm, klatt 175 wpm, klatt2 135 wpm). "
        f"Load average when the run started: {load_average[0]:.2f} on {os.cpu_count()} cores "
        "(other work on the machine slows every figure)."
    )
    write_report(args.name, "Speech in: spoken commands -> intent -> MQTT", figures, notes)
    if args.details:
        import json

        details = REPO / "bench" / "reports" / f"{args.name}_results.json"
        details.write_text(json.dumps({"results": results, "garbage": garbage}, indent=1) + "\n", encoding="utf-8")


def typed_meanings(assistant: Any, commands: Sequence[str]) -> dict[str, Any]:
    """What the typed path makes of each command of the corpus: what the spoken one must become."""
    meanings = {}
    for text in commands:
        intent = assistant.chain.recognize(text)
        if intent is None:
            raise SystemExit(f"the typed path does not understand {text!r}: fix the corpus")
        meanings[text] = intent
    return meanings


def last_sound(pcm: bytes) -> int:
    """Index of the frame after the last one with sound in it (above -50 dBFS) in a clean recording."""
    from assistant.audio.frames import level_dbfs, split_frames

    frames = list(split_frames(pcm))
    loud = [index for index, frame in enumerate(frames) if level_dbfs(frame.pcm) > -50]
    return loud[-1] + 1 if loud else 0


class Spoken:
    """The frames of a recording as a microphone delivers them: with ``paced``, those from
    ``tail_from`` on (the quiet after the command) in real time, the speech before at once.

    ``heard_at(stream_seconds)`` is when the frame that ends at that point of the recording was
    there to be read: the moment the end of speech could be decided. Measuring from it, rather
    than from when the listener got round to deciding, counts a listener held up (by a decoder
    that keeps the GIL, say) as the delay the speaker would notice."""

    def __init__(self, pcm: bytes, tail_from: int, *, paced: bool) -> None:
        from assistant.audio.frames import split_frames

        self.frames = list(split_frames(pcm))
        self.tail_from = tail_from if paced else len(self.frames)
        self.began = 0.0

    def __iter__(self) -> Any:
        from assistant.audio.frames import FRAME_SECONDS

        self.began = time.perf_counter()
        for index, frame in enumerate(self.frames):
            if index >= self.tail_from:
                if index == self.tail_from:
                    self.began = time.perf_counter()
                delay = self.began + (index - self.tail_from + 1) * FRAME_SECONDS - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            yield frame

    def heard_at(self, stream_seconds: float) -> float:
        from assistant.audio.frames import FRAME_SECONDS

        index = round(stream_seconds / FRAME_SECONDS) - 1
        return self.began + max(0, index - self.tail_from + 1) * FRAME_SECONDS


def _garbage_case(listener: Any, assistant: Any, arrivals: Arrivals, pcm: bytes, label: str) -> dict[str, Any]:
    from assistant.audio.frames import split_frames
    from assistant.commands.listen import act

    arrivals.take()
    heard = listener.capture(split_frames(pcm))
    turn = act(assistant, heard)
    time.sleep(0.05)
    messages = arrivals.take()
    transcript = heard.transcript
    return {
        "case": label,
        "heard": transcript.text if transcript else "",
        "rejected": transcript.rejected if transcript else True,
        "outcome": turn.outcome,
        "intent": turn.intent.name if turn.intent else None,
        "device_messages": len(messages),
    }


def summarize(
    results: list[dict[str, Any]],
    garbage: list[dict[str, Any]],
    voices: list[str],
    args: argparse.Namespace,
    load_seconds: float,
    load_average: tuple[float, float, float],
) -> dict[str, Any]:
    by_condition: dict[str, list[bool]] = defaultdict(list)
    acts_right: dict[str, list[bool]] = defaultdict(list)
    by_voice: dict[str, list[bool]] = defaultdict(list)
    for result in results:
        by_condition[result["condition"]].append(result["accepted"])
        acts_right[result["condition"]].append(result["acts_right"])
        by_voice[f"{result['condition']} / {result['voice']}"].append(result["accepted"])
    audio = sum(r["audio_seconds"] for r in results)
    decode = sum(r["decode_seconds"] for r in results)
    rtfs = [r["decode_seconds"] / r["audio_seconds"] for r in results if r["audio_seconds"] > 0]
    publish = [r["end_to_publish_ms"] for r in results if "end_to_publish_ms" in r]
    done = [r["end_to_done_ms"] for r in results]
    actions_from_garbage = [g for g in garbage if g["device_messages"] or g["outcome"] in ("done", "question")]
    clean_key = "clean"
    noisy_key = f"snr{args.snr:g}"
    figures: dict[str, Any] = {
        "engine": args.engine,
        "utterances": len(results),
        "commands": args.limit or len(COMMANDS),
        "voices": ", ".join(voices),
        "acceptance_clean": round(statistics.fmean(by_condition[clean_key]), 4),
        f"acceptance_{noisy_key}": round(statistics.fmean(by_condition[noisy_key]), 4),
        "acts_right_clean": round(statistics.fmean(acts_right[clean_key]), 4),
        f"acts_right_{noisy_key}": round(statistics.fmean(acts_right[noisy_key]), 4),
        "wrong_actions": sum(1 for r in results if r["outcome"] == "done" and not r["acts_right"]),
        "real_time_factor": round(decode / audio, 4) if audio else None,
        "real_time_factor_p95": round(percentile(rtfs, 0.95), 4),
        "end_of_speech_to_publish_p50_ms": round(percentile(publish, 0.5), 1) if publish else None,
        "end_of_speech_to_publish_p95_ms": round(percentile(publish, 0.95), 1) if publish else None,
        "end_of_speech_to_reply_p95_ms": round(percentile(done, 0.95), 1),
        "recognizer_load_s": round(load_seconds, 2),
        "peak_rss_mb": peak_rss_mb(),
        "garbage_cases": len(garbage),
        "garbage_device_actions": len(actions_from_garbage),
        "load_average_at_start": round(load_average[0], 2),
        "acceptance_by_voice": {key: f"{sum(v)}/{len(v)} ({100 * statistics.fmean(v):.1f}%)" for key, v in by_voice.items()},
        "latency_end_of_speech_to_publish": latency_summary(publish) if publish else {},
        "targets": {
            "acceptance clean >= 97%": by_condition[clean_key] and statistics.fmean(by_condition[clean_key]) >= 0.97,
            "acceptance 10 dB >= 90%": by_condition[noisy_key] and statistics.fmean(by_condition[noisy_key]) >= 0.90,
            "real-time factor <= 0.15": audio > 0 and decode / audio <= 0.15,
            "end of speech -> publish p95 <= 400 ms": bool(publish) and percentile(publish, 0.95) <= 400,
        },
        "misses": [
            f"[{r['condition']} {r['voice']}] {r['text']!r} -> {r['heard']!r} (grammar pass: {r['grammar_heard']!r})"
            for r in results
            if not r["accepted"]
        ],
        "garbage": [f"{g['case']} -> {g['heard']!r} ({g['outcome']}, {g['device_messages']} messages)" for g in garbage],
    }
    return figures


if __name__ == "__main__":
    main()

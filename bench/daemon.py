"""The running daemon: cold start to READY, memory with every model loaded, end of speech -> MQTT
publish, and a soak of many spoken commands.

    python -m bench.daemon [--utterances 1000] [--speed 4]

Starts a local Mosquitto and ``assistant run`` on the example home with commands spoken by Piper
played in as the microphone (``--input-wav``, ``--speed`` times faster than real time, the wake
word switched off so every utterance is a command). READY is read from the systemd notification
socket the benchmark provides; RSS from /proc at READY and at the end; latency from the daemon's
own metrics topic; errors are ERROR lines and tracebacks in its log, and commands that did not
arrive. Writes bench/reports/daemon.md and .json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from assistant.broker import LocalBroker, free_port

from .report import latency_summary, write_report

REPO = Path(__file__).resolve().parent.parent

COMMANDS = (
    ("turn on the kitchen light", "zigbee2mqtt/kitchen_light/set"),
    ("turn off the kitchen light", "zigbee2mqtt/kitchen_light/set"),
    ("set the kitchen light to red", "zigbee2mqtt/kitchen_light/set"),
    ("turn off the living room lamp", "cmnd/lamp_livingroom/POWER"),
    ("close the kitchen blinds", "cmnd/blinds_kitchen/ShutterClose1"),
    ("lock the front door", "zigbee2mqtt/front_door_lock/set"),
    ("turn on the fan", "cmnd/fan_livingroom/POWER"),
    ("set the temperature to twenty one degrees", "zigbee2mqtt/thermostat/set"),
)


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory in MB: ``VmRSS`` (all), ``RssAnon`` (the process's own) or ``RssFile`` (mapped files)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def rss_parts(pid: int) -> str:
    return f"RSS {rss_mb(pid)} MB (anonymous {rss_mb(pid, 'RssAnon')}, files {rss_mb(pid, 'RssFile')})"


def synthesize(folder: Path) -> list[Path]:
    sys.path.insert(0, str(REPO))
    from tests.speech import VOICES, SpeechSynth

    synth = SpeechSynth(folder / "cache", lead_silence=0.2, trail_silence=0.9)
    return [synth.path(text, VOICES["piper"]) for text, _ in COMMANDS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--utterances", type=int, default=1000)
    parser.add_argument("--speed", type=float, default=4.0)
    parser.add_argument("--report-every", type=int, default=100, help="print RSS every this many utterances")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-daemon-"))
    recordings = synthesize(work)
    inputs = [recordings[i % len(recordings)] for i in range(args.utterances)]
    expected_topics = [COMMANDS[i % len(COMMANDS)][1] for i in range(args.utterances)]
    with LocalBroker(free_port()) as broker:
        shutil.copytree(REPO / "intents", work / "intents")
        config = (REPO / "config" / "assistant.yaml").read_text(encoding="utf-8")
        config = config.replace("port: 1883", f"port: {broker.port}").replace("paths: [../intents]", "paths: [intents]")
        config += "\nwake:\n  enabled: false\ntts:\n  earcons: false\n"
        (work / "assistant.yaml").write_text(config, encoding="utf-8")

        received: list[tuple[str, str]] = []
        metrics: list[dict[str, float]] = []
        lock = threading.Lock()

        def on_message(client: paho.Client, userdata: object, message: paho.MQTTMessage) -> None:
            with lock:
                if message.topic == "assistant/metrics":
                    metrics.append(json.loads(message.payload))
                elif not message.topic.startswith(("assistant/", "homeassistant/")) and not message.retain:
                    received.append((message.topic, message.payload.decode()))

        watcher = paho.Client(callback_api_version=CallbackAPIVersion.VERSION2, client_id="bench-daemon")
        watcher.on_message = on_message
        watcher.connect(broker.host, broker.port)
        watcher.subscribe("#", qos=1)
        watcher.loop_start()

        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(str(work / "notify.sock"))
        notify.settimeout(120)
        log = (work / "daemon.log").open("w")
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "assistant", "run", "--config", str(work / "assistant.yaml"), "--output-wav", str(work / "replies.wav"),
             "--input-speed", str(args.speed), "--input-wav", *map(str, inputs)],
            cwd=REPO, stderr=log, stdout=subprocess.DEVNULL, env={**os.environ, "NOTIFY_SOCKET": str(work / "notify.sock")},
        )
        while "READY=1" not in notify.recv(4096).decode():
            pass
        ready_s = time.monotonic() - started
        watchdog_pings = [0]

        def drain() -> None:  # read what systemd would read: the watchdog pings
            notify.settimeout(1.0)
            while process.poll() is None:
                try:
                    if "WATCHDOG=1" in notify.recv(4096).decode():
                        watchdog_pings[0] += 1
                except OSError:
                    continue

        threading.Thread(target=drain, daemon=True).start()
        rss_ready = rss_mb(process.pid)
        print(f"READY after {ready_s:.1f} s, {rss_parts(process.pid)}; playing {args.utterances} utterances at {args.speed}x", flush=True)
        deadline = time.monotonic() + args.utterances * 6 / args.speed + 120
        last_report = 0
        rss_warm: float | None = None
        while time.monotonic() < deadline:
            with lock:
                done = len(metrics)
            if done >= args.utterances:
                break
            if done - last_report >= args.report_every:
                rss_now = rss_mb(process.pid)
                print(f"  {done} utterances handled, {rss_parts(process.pid)}", flush=True)
                last_report = done
                if rss_warm is None and done >= 100:
                    rss_warm = rss_now  # after the first hundred: caches and arenas have grown
            time.sleep(0.5)
        time.sleep(1.0)
        rss_end = rss_mb(process.pid)
        process.send_signal(signal.SIGTERM)
        exit_code = process.wait(timeout=60)
        log.close()
        watcher.loop_stop()
        watcher.disconnect()
    text = (work / "daemon.log").read_text(encoding="utf-8")
    error_lines = [line for line in text.splitlines() if re.match(r"(ERROR|CRITICAL)", line) or "Traceback" in line]
    with lock:
        got_topics = [topic for topic, _ in received]
        latencies = [m["end_of_speech_to_publish"] for m in metrics if "end_of_speech_to_publish" in m]
        first_audio = [m["first_audio"] for m in metrics if "first_audio" in m]
    wrong = sum(1 for got, want in zip(got_topics, expected_topics, strict=False) if got != want)
    figures = {
        "utterances": args.utterances,
        "speed": args.speed,
        "ready_s": round(ready_s, 2),
        "rss_at_ready_mb": rss_ready,
        "rss_at_end_mb": rss_end,
        "rss_growth_from_ready_pct": round(100 * (rss_end - rss_ready) / rss_ready, 1),
        "rss_after_100_mb": rss_warm,
        "rss_growth_after_100_pct": None if rss_warm is None else round(100 * (rss_end - rss_warm) / rss_warm, 1),
        "commands_published": len(got_topics),
        "commands_missing": max(0, args.utterances - len(got_topics)),
        "commands_wrong_topic": wrong,
        "error_lines": len(error_lines),
        "watchdog_pings": watchdog_pings[0],
        "exit_code": exit_code,
        "end_of_speech_to_publish": latency_summary(latencies) if latencies else {},
        "end_of_speech_to_first_audio": latency_summary(first_audio) if first_audio else {},
    }
    write_report(
        "daemon",
        f"The daemon: {args.utterances} spoken commands at {args.speed:g}x real time",
        figures,
        notes="End of speech -> publish is measured inside the daemon from the end-of-speech decision "
        "(after the configured trailing silence) to the broker's PUBACK. " + ("Errors:\n" + "\n".join(error_lines[:10]) if error_lines else ""),
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

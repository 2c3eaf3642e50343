"""Text -> MQTT publish acknowledged, against a real local Mosquitto.

    python -m bench.text [--commands 600]

Runs template-recognised commands from the example home through the whole text pipeline
(recognition, resolution, encoding, QoS 1 publish and its acknowledgement) and reports
latency p50/p95 and commands per second. Writes bench/reports/text.md and .json.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import time

from assistant.broker import LocalBroker, free_port
from assistant.config import load_config
from assistant.mqtt import MqttLink
from assistant.pipeline import Assistant

from .report import latency_summary, peak_rss_mb, write_report

COMMANDS = (
    "turn on the kitchen light",
    "turn off the kitchen light",
    "switch the reading lamp off",
    "set the kitchen light to 40 percent",
    "set the bedroom light brightness to 70%",
    "make the living room lamp brighter",
    "dim the kitchen light",
    "set the kitchen light to red",
    "set the bedroom light to warm white",
    "open the kitchen blinds",
    "set the kitchen blinds to 30 percent",
    "lock the front door",
    "set the temperature to 21.5 degrees",
    "make me a large latte with oat milk",
    "turn off the kitchen lights",
    "turn on the light",
    "turn off all the lights",
    "turn on the ceiling light in the hallway",
    "toggle the printer",
    "turn on the fan",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--commands", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    config = load_config()
    with LocalBroker(free_port()) as broker:
        config = dataclasses.replace(config, mqtt=dataclasses.replace(config.mqtt, host=broker.host, port=broker.port))
        link = MqttLink(config.mqtt)
        link.start()
        assert link.wait_connected(5), "could not connect to the local broker"
        assistant = Assistant(config, link)
        for command in COMMANDS:  # warm-up: hassil caches, first publishes
            assistant.handle_text(command)
        latencies: list[float] = []
        intent_ms: list[float] = []
        failures = 0
        started = time.perf_counter()
        for _ in range(args.commands):
            command = rng.choice(COMMANDS)
            begin = time.perf_counter()
            turn = assistant.handle_text(command)
            latencies.append((time.perf_counter() - begin) * 1000)
            intent_ms.append(turn.timings_ms.get("intent", 0.0))
            if turn.outcome != "done":
                failures += 1
        elapsed = time.perf_counter() - started
        link.stop()
    write_report(
        "text",
        "Text -> MQTT publish acknowledged (real Mosquitto, QoS 1)",
        {
            "commands": args.commands,
            "failures": failures,
            "commands_per_second": round(args.commands / elapsed, 1),
            "end_to_end": latency_summary(latencies),
            "intent_recognition": latency_summary(intent_ms),
            "peak_rss_mb": peak_rss_mb(),
        },
        notes="End to end = hassil recognition + resolution + encoding + publish until the broker's PUBACK.",
    )


if __name__ == "__main__":
    main()

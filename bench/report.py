"""Benchmarks print their figures and write them to bench/reports/<name>.md and .json."""

from __future__ import annotations

import json
import platform
import resource
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPORTS = Path(__file__).resolve().parent / "reports"


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def latency_summary(milliseconds: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(milliseconds),
        "p50_ms": round(percentile(milliseconds, 0.50), 3),
        "p95_ms": round(percentile(milliseconds, 0.95), 3),
        "max_ms": round(max(milliseconds), 3),
        "mean_ms": round(statistics.fmean(milliseconds), 3),
    }


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def write_report(name: str, title: str, figures: dict[str, Any], notes: str = "") -> Path:
    REPORTS.mkdir(parents=True, exist_ok=True)
    figures = {
        **figures,
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, python {platform.python_version()}",
        "date": time.strftime("%Y-%m-%d"),
    }
    (REPORTS / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    lines = [f"# {title}", "", "| figure | value |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in figures.items() if not isinstance(value, (dict, list))]
    for key, value in figures.items():
        if isinstance(value, dict):
            lines += ["", f"## {key}", "", "| | |", "|---|---|"]
            lines += [f"| {k} | {v} |" for k, v in value.items()]
    if notes:
        lines += ["", notes]
    path = REPORTS / f"{name}.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return path

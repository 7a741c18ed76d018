"""A one-repetition smoke run of the browser benchmark (bench/run.py --quick).

It checks that the benchmark still runs end to end and prints its table, so that it
cannot rot; it asserts nothing about the times it measures (docs/performance.md has
those). The first run installs the baselines into bench/node_modules (npm ci).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.chromium import CHROMIUM

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]


def test_benchmark_runs_and_prints_its_table() -> None:
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ENGAGE_CHROMIUM": str(CHROMIUM)},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "engage benchmark: 1 run(s) per measurement" in out, out
    header = next(line for line in out.splitlines() if "measured (median [min-max])" in line)
    assert "baseline, same run" in header and "goal" in header
    for row in (
        "warm boot: loader start -> first engage:evaluated",
        "cold boot: first visit, empty cache",
        "main thread: long tasks, demo page with engine minus without",
        "main thread: 1 Hz tick",
        "main thread: 1 Hz tick floor: the same page with an empty 1 Hz timer",
        "idle tick (nothing changed): engine core (Engine, no JSON) p50 / p95",
        "one fact changed: end to end through the worker p50 / p95",
        "baseline: GrowthBook evalCondition",
        "baseline: json-rules-engine 7.3.1",
        "weight: brotli bytes of a cold visit",
        "weight: loader.js",
        "memory: WebAssembly memory",
        "memory: JS heap of the worker",
        "endurance:",
    ):
        assert row in out, f"missing row {row!r} in:\n{out}"

"""Per-evaluation cost of the engine in CPython, at 100 and 1,000 rules.

    python bench/engine_cpython.py [--repeat 2000] [--traced]

Three states: an idle tick (nothing can change), one polled value changed (only the
rules that read it can change, the rest come from the page view's memo), and a
navigation step (everything re-evaluated from scratch). Prints median and p95 in µs.
Untraced, as the browser benchmark's "engine core" rows and the loader when nothing reads
the trace; ``--traced`` measures the traced path (debug overlay, ``explain()``, listeners).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
sys.path.insert(0, str(Path(__file__).parent))

from rules import make_config

from engine import Config, Engine, compile_config

T0 = 1_795_424_400_000
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"


def measure(count: int, repeat: int, traced: bool = False) -> dict[str, tuple[float, float]]:
    compiled = compile_config(make_config(count))
    assert isinstance(compiled, Config), compiled
    engine = Engine(compiled)
    engine.tracing = traced
    engine.receive_json([{"type": "device", "userAgent": UA}, {"type": "page", "now": T0, "url": "https://shop.test/x"}])
    engine.decisions()
    now = T0
    timings: dict[str, list[float]] = {"idle tick": [], "one fact changed": [], "navigation (all rules)": []}
    flag = False
    for i in range(repeat):
        now += 1
        started = time.perf_counter_ns()
        engine.receive_json([{"type": "tick", "now": now}])
        timings["idle tick"].append(time.perf_counter_ns() - started)
        flag = not flag
        batch = [{"type": "custom", "results": {"shop.flags.f3": {"value": flag, "error": None}}}, {"type": "tick", "now": now}]
        started = time.perf_counter_ns()
        engine.receive_json(batch)
        timings["one fact changed"].append(time.perf_counter_ns() - started)
        if i % 10 == 0:
            started = time.perf_counter_ns()
            engine.receive_json([{"type": "page", "now": now, "url": f"https://shop.test/x?{i}", "cause": "pushState"}])
            timings["navigation (all rules)"].append(time.perf_counter_ns() - started)
        engine.decisions()
    return {k: (statistics.median(v) / 1000, statistics.quantiles(v, n=20)[18] / 1000) for k, v in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--traced", action="store_true", help="build the trace, as when something reads it")
    args = parser.parse_args()
    path = "traced" if args.traced else "untraced"
    print(f"engine evaluation in CPython {sys.version.split()[0]}, {path} (µs per evaluation, median / p95)")
    print(f"{'rules':>6}  {'state':<24} {'median':>9} {'p95':>9}")
    for count in (100, 1000):
        for state, (median, p95) in measure(count, args.repeat, args.traced).items():
            print(f"{count:>6}  {state:<24} {median:>9.1f} {p95:>9.1f}")


if __name__ == "__main__":
    main()

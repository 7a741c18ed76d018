#!/usr/bin/env python3
"""The browser benchmark: the engine against the baselines a user would compare it with.

    .venv/bin/python bench/run.py [--runs 5]

Builds the engage folder, serves fixture pages and the demo shop locally, drives headless
Chromium with Playwright (CDP for CPU throttling, tracing and memory), repeats every
measurement `--runs` times and prints one table: the median of the runs with their spread
(min-max), the baseline measured in the same run, their ratio and the goal. What each row
measures is in docs/performance.md. Nothing here asserts a time; `--quick` (one run, small
sizes) is what the test suite runs so that the benchmark cannot rot.

The baselines' npm packages (bench/package.json: GrowthBook, json-rules-engine, esbuild)
are installed into bench/node_modules on first use and never shipped in the engage folder.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import html
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

from chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from rules import make_config  # noqa: E402

from engine.tools.build import NODE_MODULES, build  # noqa: E402
from engine.tools.serve import StaticServer, start_server  # noqa: E402

ISOLATED = {"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp"}
IMMUTABLE = ("/engage/pyodide/", "/npm/pyodide/")
BARE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
BARE_BROTLI_REFERENCE = 5.6e6  # npm defaults, as the issue states them
SNAPSHOT_CACHE = "engage-runtime"
T_CLOCK = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)

# Registered before any page script: loader start (the moment loader.js reads
# window.engage, which it does as it starts), the page's load event, the worker's `booted`,
# the first decision applied (engage:ready, which the loader raises once the first answer's
# decisions are on the page, whether or not a trace was asked for), long tasks.
# engage:evaluated is counted only where a trace is asked for: this early listener is one the
# loader cannot see (docs/loader.md), so it does not switch the trace on.
INIT_SCRIPT = """
(() => {
  const marks = window.__bench = {loaderStart: null, evaluated: null, evaluations: 0, errors: [], longtasks: [],
                                  load: null, booted: null};
  addEventListener("load", () => { if (marks.load === null) marks.load = performance.now(); });
  const Base = window.Worker;
  if (typeof Base === "function") {
    window.Worker = class extends Base {
      constructor(...args) {
        super(...args);
        this.addEventListener("message", (e) => {
          if (marks.booted === null && e.data && e.data.kind === "booted") marks.booted = performance.now();
        });
      }
    };
  }
  // Kept before page.clock (which replaces performance) can hide it.
  if (performance.measureUserAgentSpecificMemory) marks.measureMemory = performance.measureUserAgentSpecificMemory.bind(performance);
  let value;
  Object.defineProperty(window, "engage", {configurable: true, enumerable: true,
    get() {
      const s = document.currentScript;
      if (marks.loaderStart === null && s && /\\/loader\\.js/.test(s.src)) marks.loaderStart = performance.now();
      return value;
    },
    set(v) { value = v; }});
  addEventListener("engage:evaluated", () => { marks.evaluations++; });
  addEventListener("engage:ready", () => { if (marks.evaluated === null) marks.evaluated = performance.now(); });
  addEventListener("engage:error", (e) => marks.errors.push(e.detail && e.detail.message));
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) marks.longtasks.push([e.startTime, e.duration]);
    }).observe({type: "longtask", buffered: true});
  } catch (e) { /* no long-task timing */ }
  // Long animation frames name the scripts that ran in them: the engine's are under /engage/.
  marks.frames = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const engine = (e.scripts || []).filter((s) => /\\/engage\\//.test(s.sourceURL || ""));
        marks.frames.push([e.duration, engine.reduce((t, s) => t + s.duration, 0)]);
      }
    }).observe({type: "long-animation-frame", buffered: true});
  } catch (e) { /* no long-animation-frame timing */ }
})();
"""

# Brotli as `brotli FILE` writes it for a static host (quality 11, window 24).
BROTLI_JS = """
const zlib = require("zlib"), fs = require("fs");
const {files, quality} = JSON.parse(fs.readFileSync(0, "utf8"));
const out = {};
for (const file of files) {
  const data = fs.readFileSync(file);
  out[file] = zlib.brotliCompressSync(data, {params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: quality, [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length}}).length;
}
process.stdout.write(JSON.stringify(out));
"""
BROTLI_CACHE = REPO / ".cache" / "bench-brotli.json"


# --------------------------------------------------------------------------- settings


@dataclass
class Settings:
    runs: int = 5
    rules: tuple[int, ...] = (100, 1000)
    tick_rules: int = 100
    iterations: int = 300
    navigations: int = 60
    dwell: float = 2.0  # seconds a visit stays on the page before the next one
    settle: float = 2.0  # seconds of main-thread observation after the first evaluation
    tick_window: float = 10.0
    endurance_ticks: int = 3600
    warm_visits: int = 2
    throttle: tuple[int, ...] = (1, 4)
    brotli_quality: int = 11
    tick_lead: float = 1.5  # seconds between the first evaluation and the tick window

    @classmethod
    def quick(cls) -> Settings:
        return cls(runs=1, rules=(20,), tick_rules=20, iterations=20, navigations=5, dwell=0.5,
                   settle=0.3, tick_window=1.0, endurance_ticks=20, warm_visits=1, brotli_quality=5,
                   throttle=(4,), tick_lead=0.3)  # fmt: skip


# --------------------------------------------------------------------------- results table


def median_spread(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Row:
    section: str
    metric: str
    value: str
    baseline: str = ""
    ratio: str = ""
    goal: str = ""
    status: str = ""
    # the median of the runs' ratios, as a number, so runs can be compared (--json)
    ratio_median: float | None = None


@dataclass
class Table:
    rows: list[Row] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def add(self, *args: Any, **kwargs: Any) -> None:
        self.rows.append(Row(*args, **kwargs))

    def render(self) -> str:
        headers = ("", "measured (median [min-max])", "baseline, same run", "ratio", "goal", "")
        cells = [headers] + [(f"{r.section}: {r.metric}", r.value, r.baseline, r.ratio, r.goal, r.status) for r in self.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
        lines = []
        for number, row in enumerate(cells):
            lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
            if number == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)


def fmt(values: list[float], unit: str = "ms", digits: int = 0) -> str:
    if not values:
        return "n/a"
    m, lo, hi = median_spread(values)
    if len(values) == 1:
        return f"{m:.{digits}f} {unit}"
    return f"{m:.{digits}f} [{lo:.{digits}f}-{hi:.{digits}f}] {unit}"


def verdict(ok: bool | None) -> str:
    return "" if ok is None else ("met" if ok else "NOT MET")


# --------------------------------------------------------------------------- fixtures


def ensure_bench_packages() -> Path:
    """bench/node_modules with the pinned baselines (npm ci from bench/package-lock.json)."""
    wanted = json.loads((BENCH / "package.json").read_text())["devDependencies"]
    modules = BENCH / "node_modules"

    def installed(name: str) -> str | None:
        manifest = modules / name / "package.json"
        return json.loads(manifest.read_text()).get("version") if manifest.is_file() else None

    if all(installed(name) == version for name, version in wanted.items()):
        return modules
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("bench: npm is needed to install the baselines (bench/package.json); install Node.js")
    command = [npm, "ci" if (BENCH / "package-lock.json").is_file() else "install", "--no-audit", "--no-fund"]
    print(f"bench: installing the baselines: {' '.join(command[1:2])} in bench/", file=sys.stderr)
    result = subprocess.run(command, cwd=BENCH, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"bench: `{' '.join(command)}` failed in {BENCH}:\n{result.stderr}")
    return modules


def bundle_baselines(modules: Path, dest: Path) -> None:
    esbuild = modules / ".bin" / "esbuild"
    command = [str(esbuild), str(BENCH / "js" / "baselines.js"), "--bundle", "--format=iife",
               "--global-name=benchBaselines", "--platform=browser", "--log-level=error", f"--outfile={dest}"]  # fmt: skip
    result = subprocess.run(command, cwd=BENCH, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"bench: bundling the baselines failed:\n{result.stderr}")


def fixture_page(config_name: str, count: int, *, engine: bool = True, flipping: bool = False, timer: bool = False) -> str:
    """A light page with the elements and window paths the bench rules read. ``timer``: an
    empty 1 Hz timer, the floor of any script that polls once a second."""
    flags = {f"f{i}": False for i in range(count) if i % 5 == 3}
    script = f"window.shop = {{flags: {json.dumps(flags)}}};"
    if timer:
        script += "\nsetInterval(() => {}, 1000);"
    if flipping and flags:
        first = next(iter(flags))
        # Changes every second, so every tick reaches the engine (endurance).
        script += f"\nwindow.shop.flags.{first} = () => Math.floor(Date.now() / 1000) % 2 === 0;"
    promos = "".join(f'<p id="promo-{i}">Offer {i}</p>' for i in range(1, min(count, 40), 10))
    loader = f'<script src="/engage/loader.js" data-config="/{config_name}" async></script>' if engine else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>engage bench</title><link rel="icon" href="data:,">
<script>{script}</script>
{loader}
</head><body><main><h1>A page of a shop</h1>{promos}<p>{html.escape("Prices & delivery")}</p></main></body></html>
"""


@dataclass
class Fixtures:
    site: Path
    engage: Path
    engage_bench: Path  # the same build, its loader starting the worker with ?bench
    demo: Path
    demo_engage: Path


def make_fixtures(work: Path, settings: Settings) -> Fixtures:
    site = work / "site"
    (site / "bench").mkdir(parents=True)
    for name in ("eval.html", "bare.html"):
        shutil.copy2(BENCH / "pages" / name, site / name)
    for name in ("eval.js", "echo-worker.js"):
        shutil.copy2(BENCH / "pages" / name, site / "bench" / name)
    bundle_baselines(ensure_bench_packages(), site / "bench" / "baselines.js")
    npm = site / "npm" / "pyodide"
    npm.mkdir(parents=True)
    for name in BARE_FILES:
        shutil.copy2(NODE_MODULES / "pyodide" / name, npm / name)
    counts = sorted({*settings.rules, settings.tick_rules})
    for count in counts:
        (site / f"rules-{count}.json").write_text(json.dumps(make_config(count)))
        (site / f"boot-{count}.html").write_text(fixture_page(f"rules-{count}.json", count))
        (site / f"plain-{count}.html").write_text(fixture_page(f"rules-{count}.json", count, engine=False))
        (site / f"timer-{count}.html").write_text(fixture_page(f"rules-{count}.json", count, engine=False, timer=True))
        (site / f"endure-{count}.html").write_text(fixture_page(f"rules-{count}.json", count, flipping=True))
    engage = work / "engage"
    build(engage)
    engage_bench = work / "engage-bench"
    shutil.copytree(engage, engage_bench)
    loader = engage_bench / "loader.js"
    text = loader.read_text()
    if '"web/worker.js"' not in text:
        sys.exit("bench: loader.js no longer names \"web/worker.js\"; update make_fixtures")
    loader.write_text(text.replace('"web/worker.js"', '"web/worker.js?bench"'))
    # The demo shop, with and without the engine.
    demo = work / "demo"
    shutil.copytree(REPO / "demo-site", demo, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    demo_engage = work / "demo-engage"
    build(demo_engage, config=REPO / "demo-site" / "rules.json")
    index = (demo / "index.html").read_text()
    tag = next((line for line in index.splitlines() if "/engage/loader.js" in line), None)
    if tag is None:
        sys.exit("bench: demo-site/index.html no longer embeds /engage/loader.js")
    (demo / "index-without-engine.html").write_text(index.replace(tag, ""))
    return Fixtures(site, engage, engage_bench, demo, demo_engage)


# --------------------------------------------------------------------------- browser helpers


class Bench:
    def __init__(self, playwright: Any, fixtures: Fixtures, settings: Settings, servers: dict[str, StaticServer]) -> None:
        self.pw = playwright
        self.fx = fixtures
        self.settings = settings
        self.servers = servers
        self.browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

    def close(self) -> None:
        self.browser.close()

    def url(self, server: str, path: str) -> str:
        return self.servers[server].url + path

    @contextlib.contextmanager
    def context(self, **options: Any) -> Iterator[Any]:
        context = self.browser.new_context(**options)
        context.add_init_script(INIT_SCRIPT)
        try:
            yield context
        finally:
            context.close()

    @staticmethod
    def wait_evaluated(page: Any, timeout: float = 60_000) -> dict[str, Any]:
        page.wait_for_function("window.__bench && window.__bench.evaluated !== null", timeout=timeout)
        marks: dict[str, Any] = page.evaluate("window.__bench")
        return marks

    @staticmethod
    def wait_snapshot(page: Any, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        script = f"caches.open({json.dumps(SNAPSHOT_CACHE)}).then(c => c.keys()).then(k => k.length)"
        while time.monotonic() < deadline:
            if page.evaluate(script) > 0:
                return True
            time.sleep(0.1)
        return False


# --------------------------------------------------------------------------- 1-2: boot


def measure_boot(bench: Bench, table: Table) -> dict[str, list[tuple[str, int]]]:
    s = bench.settings
    count = s.tick_rules
    pages = {"bare": bench.url("plain", "bare.html"), "engine": bench.url("plain", f"boot-{count}.html")}
    times: dict[str, dict[str, list[float]]] = {k: {"cold": [], "warm": [], "after_load": [], "after_boot": []} for k in pages}
    snapshot_paths: list[str] = []
    fetched: dict[str, list[tuple[str, int]]] = {}
    before_load: list[str] = []
    for run in range(s.runs):
        for kind, url in pages.items():
            with bench.context() as context:
                page = context.new_page()
                responses: list[tuple[str, int]] = []
                if run == 0:
                    page.on("response", lambda r, out=responses: out.append((r.url, r.status)))
                page.goto(url)
                marks = bench.wait_evaluated(page)
                times[kind]["cold"].append(marks["evaluated"] - marks["loaderStart"])
                if run == 0:
                    fetched[kind] = responses
                    if kind == "engine":
                        before_load = page.evaluate("""() => {
                          const load = performance.getEntriesByType("navigation")[0].loadEventStart;
                          return performance.getEntriesByType("resource")
                            .filter((e) => e.startTime < load && /\\/engage\\//.test(e.name) && !/loader\\.js/.test(e.name))
                            .map((e) => e.name);
                        }""")
                if kind == "engine" and not bench.wait_snapshot(page):
                    snapshot_paths.append("none stored")
                time.sleep(s.dwell)
                warm: list[float] = []
                for _ in range(s.warm_visits):
                    page.goto(url)
                    marks = bench.wait_evaluated(page)
                    warm.append(marks["evaluated"] - marks["loaderStart"])
                    time.sleep(s.dwell)
                times[kind]["warm"].append(warm[-1])
                if kind == "engine":
                    # the last return visit: from the page's load event, and from the worker's boot
                    times[kind]["after_load"].append(marks["evaluated"] - marks["load"])
                    times[kind]["after_boot"].append(marks["evaluated"] - marks["booted"])
    table.raw["boot"] = times
    for phase, goal in (("warm", 0.25), ("cold", 0.7)):
        engine, bare = times["engine"][phase], times["bare"][phase]
        ratios = [e / b for e, b in zip(engine, bare, strict=True)]
        table.add(
            f"{phase} boot",
            f"loader start -> first engage:evaluated ({count} rules)" if phase == "warm" else "first visit, empty cache",
            fmt(engine),
            "bare loadPyodide() " + fmt(bare),
            fmt(ratios, "", 2),
            f"<= {goal}",
            verdict(statistics.median(ratios) <= goal),
            ratio_median=statistics.median(ratios),
        )
    after_load, after_boot, bare_warm = times["engine"]["after_load"], times["engine"]["after_boot"], times["bare"]["warm"]
    table.add("warm boot", f"return visit: page load event -> first decision applied ({count} rules)", fmt(after_load),
              "bare loadPyodide() " + fmt(bare_warm), fmt([a / b for a, b in zip(after_load, bare_warm, strict=True)], "", 2),
              "report", ratio_median=statistics.median([a / b for a, b in zip(after_load, bare_warm, strict=True)]))
    table.add("warm boot", "return visit: the engine's boot (worker `booted`) -> first decision applied", fmt(after_boot, "ms", 1),
              goal="<= 16.7 ms (one frame)", status=verdict(statistics.median(after_boot) <= 16.7))
    if snapshot_paths:
        table.add("warm boot", "memory snapshot", "not stored on some first visits", status="note")
    table.raw["before_load"] = before_load
    return {"fetched_engine": fetched.get("engine", []), "fetched_bare": fetched.get("bare", [])}


# --------------------------------------------------------------------------- 3: main thread


def measure_main_thread(bench: Bench, table: Table) -> None:
    s = bench.settings
    with_engine = bench.url("demo", "index.html")
    without = bench.url("demo", "index-without-engine.html")
    for rate in s.throttle:
        stats: dict[str, dict[str, list[float]]] = {k: {"tasks": [], "tbt": [], "max": [], "script": [], "frames": []} for k in ("with", "without")}
        for _ in range(s.runs):
            span = 0.0
            for kind, url in (("with", with_engine), ("without", without)):
                with bench.context() as context:
                    page = context.new_page()
                    cdp = context.new_cdp_session(page)
                    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                    page.goto(url, wait_until="load")
                    if kind == "with":
                        marks = bench.wait_evaluated(page)
                        load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
                        span = max(0.0, marks["evaluated"] - load) / 1000
                        time.sleep(s.settle)
                    else:
                        time.sleep(span + s.settle)
                    tasks = page.evaluate("window.__bench.longtasks")
                    stats[kind]["tasks"].append(len(tasks))
                    stats[kind]["tbt"].append(sum(max(0.0, d - 50) for _, d in tasks))
                    stats[kind]["max"].append(max((d for _, d in tasks), default=0.0))
                    frames = [f for f in page.evaluate("window.__bench.frames") if f[1] > 0]
                    stats[kind]["frames"].append(len(frames))
                    stats[kind]["script"].append(max((f[1] for f in frames), default=0.0))
        table.raw[f"main_thread_{rate}x"] = stats
        extra_tasks = [a - b for a, b in zip(stats["with"]["tasks"], stats["without"]["tasks"], strict=True)]
        extra_tbt = [a - b for a, b in zip(stats["with"]["tbt"], stats["without"]["tbt"], strict=True)]
        label = "no throttling" if rate == 1 else f"{rate}x CPU throttling"
        table.add("main thread", f"long tasks, demo page with engine minus without ({label})",
                  fmt(extra_tasks, "", 0), "without: " + fmt(stats["without"]["tasks"], "", 0), "",
                  "0", verdict(statistics.median(extra_tasks) <= 0))  # fmt: skip
        table.add("main thread", f"total blocking time, with minus without ({label})",
                  fmt(extra_tbt), "without: " + fmt(stats["without"]["tbt"]), "", "0 ms",
                  verdict(statistics.median(extra_tbt) <= 0))  # fmt: skip
        table.add("main thread", f"long frames (>50 ms) in which engine scripts ran; longest engine script ({label})",
                  f"{fmt(stats['with']['frames'], '', 0)}; {fmt(stats['with']['script'], 'ms', 0)}")  # fmt: skip


def _trace_main_thread(trace: bytes) -> tuple[float, float, int]:
    """(busy ms, longest task ms, tasks) on the page's main thread in a Chromium trace.

    The page's main thread is the renderer main thread with the most timer events: the
    fixture page has no timer of its own but the loader's tick.
    """
    events = json.loads(trace)["traceEvents"]
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e.get("ph") == "M" and e.get("name") == "thread_name"}
    mains = [k for k, v in names.items() if v == "CrRendererMain"]
    timers: dict[tuple[int, int], int] = {k: 0 for k in mains}
    for e in events:
        key = (e.get("pid"), e.get("tid"))
        if key in timers and e.get("name") == "TimerFire":
            timers[key] += 1
    if not timers:
        return 0.0, 0.0, 0
    main = max(timers, key=lambda k: timers[k])
    tasks = [e["dur"] / 1000 for e in events
             if (e.get("pid"), e.get("tid")) == main and e.get("ph") == "X" and e.get("name") == "RunTask"]  # fmt: skip
    return sum(tasks), max(tasks, default=0.0), len(tasks)


def _task_ms(cdp: Any) -> float:
    """The main thread's task time so far (Chromium's count), in ms."""
    metrics = cdp.send("Performance.getMetrics")["metrics"]
    return float(next(m["value"] for m in metrics if m["name"] == "TaskDuration")) * 1000


FLIP = "() => { const f = window.shop.flags; const k = Object.keys(f)[0]; if (k) f[k] = !f[k]; }"


def measure_tick(bench: Bench, table: Table) -> None:
    """Main-thread time while the loader ticks. Measured by Chromium's own count of the main
    thread's task time (``Performance.getMetrics`` ``TaskDuration``), not by a trace: with
    the timeline categories on, every script call is instrumented, which read a 0.2 ms tick
    as 1.3 ms (docs/performance.md, "The tick reads no DOM"). The floor is the same page
    with an empty 1 Hz timer: what waking the main thread once a second costs any poller.
    The longest task comes from a shorter traced window after it."""
    s = bench.settings
    count = s.tick_rules
    pages = {"engine": "boot", "timer": "timer", "plain": "plain"}
    result: dict[str, dict[str, list[float]]] = {k: {"per_s": [], "max": []} for k in pages}
    categories = ["toplevel", "devtools.timeline", "disabled-by-default-devtools.timeline"]
    for _ in range(s.runs):
        for kind, name in pages.items():
            with bench.context() as context:
                page = context.new_page()
                page.goto(bench.url("plain", f"{name}-{count}.html"))
                if kind == "engine":
                    bench.wait_evaluated(page)
                time.sleep(s.tick_lead)
                cdp = context.new_cdp_session(page)
                cdp.send("Performance.enable")
                before, started = _task_ms(cdp), time.monotonic()
                # A watched window value changes twice during the window (a round trip each).
                for _ in range(2):
                    time.sleep(s.tick_window / 3)
                    page.evaluate(FLIP)
                time.sleep(max(0.0, s.tick_window - (time.monotonic() - started)))
                result[kind]["per_s"].append((_task_ms(cdp) - before) / (time.monotonic() - started))
                if kind == "timer":
                    continue
                bench.browser.start_tracing(page=page, categories=categories)
                time.sleep(s.tick_window * 0.15)
                page.evaluate(FLIP)
                time.sleep(s.tick_window * 0.15)
                _, longest, _ = _trace_main_thread(bench.browser.stop_tracing())
                result[kind]["max"].append(longest)
    table.raw["tick"] = result
    plain = result["plain"]["per_s"]
    cost = [a - b for a, b in zip(result["engine"]["per_s"], plain, strict=True)]
    floor = [a - b for a, b in zip(result["timer"]["per_s"], plain, strict=True)]
    table.add("main thread", f"1 Hz tick: main-thread ms per second, {count} rules (engine minus same page without)",
              fmt(cost, "ms/s", 2), "without: " + fmt(plain, "ms/s", 2), "", "< 1 ms/s",
              verdict(statistics.median(cost) < 1))  # fmt: skip
    table.add("main thread", "1 Hz tick floor: the same page with an empty 1 Hz timer, minus without", fmt(floor, "ms/s", 2))
    table.add("main thread", "longest main-thread task while ticking (engine page)", fmt(result["engine"]["max"], "ms", 1),
              "without: " + fmt(result["plain"]["max"], "ms", 1), "", "< 16 ms",
              verdict(max(result["engine"]["max"]) < 16))  # fmt: skip


# --------------------------------------------------------------------------- 4: evaluation


def measure_evaluation(bench: Bench, table: Table) -> None:
    s = bench.settings
    raw: dict[int, list[dict[str, Any]]] = {}
    for count in s.rules:
        config = make_config(count)
        runs = []
        for _ in range(s.runs):
            with bench.context() as context:
                page = context.new_page()
                page.goto(bench.url("isolated", "eval.html"))
                page.wait_for_function("window.bench !== undefined && window.benchBaselines !== undefined")
                if not page.evaluate("window.bench.isolated"):
                    sys.exit("bench: the evaluation page is not cross-origin isolated (timer resolution)")
                engine = page.evaluate("([c, o]) => window.bench.engine(c, o)",
                                       [config, {"iterations": s.iterations, "navigations": s.navigations}])  # fmt: skip
                core = json.loads(_bench_worker(page).evaluate(
                    "([code, args]) => self.engage.pyodide.runPython(code).callKwargs(args)",
                    [CORE_PY, {"config_json": json.dumps(config), "iterations": s.iterations,
                               "navigations": s.navigations}],
                ))  # fmt: skip
                baselines = page.evaluate("([c, o]) => window.bench.baselines(c, o)", [config, {"samples": 30}])
                echo = page.evaluate("(o) => window.bench.echo(o)", {"iterations": s.iterations})
                runs.append({"engine": engine, "core": core, "baselines": baselines, "echo": echo})
        raw[count] = runs

        def p(values: list[float], q: float) -> float:
            return percentile(values, q) * 1000  # ms -> us

        loop = [statistics.median(r["baselines"]["handWritten"]) * 1000 for r in runs]
        gb = [statistics.median(r["baselines"]["growthbook"]) * 1000 for r in runs]
        jre = [statistics.median(r["baselines"]["jre"]) * 1000 for r in runs]
        states = (("idle", "idle tick (nothing changed)"), ("oneFact", "one fact changed"), ("all", "navigation: every rule re-evaluated"),
                  ("allTraced", "navigation, whole trace asked for (debug, explain(), a listener)"),
                  ("afterTraced", "navigation right after a traced one (its trace freed; once per trace reader)"),
                  ("empty", "bridge fixed cost: empty message (JSON in and out, nothing evaluated)"))  # fmt: skip
        # the goals by state and layer: (baseline, its values, the most a ratio may be, strict)
        goals: dict[str, dict[str, tuple[str, list[float], float, bool]]] = {
            "idle": {"core": ("JS loop", loop, 1.0, True), "bridge": ("JS loop", loop, 1.0, True)},
            "oneFact": {"core": ("GrowthBook", gb, 1.0, False), "bridge": ("GrowthBook", gb, 1.0, False)},
            "all": {"core": ("GrowthBook", gb, 0.5, False), "bridge": ("GrowthBook", gb, 1.0, False),
                    "e2e": ("GrowthBook", gb, 1.0, False)},
        }
        for key, label in states:
            if key not in runs[0]["engine"]:
                continue
            core_p50 = [p(r["core"][key], 0.5) for r in runs] if key in runs[0]["core"] else []
            core_p95 = [p(r["core"][key], 0.95) for r in runs] if key in runs[0]["core"] else []
            engine_p50 = [p(r["engine"][key]["engine"], 0.5) for r in runs]
            engine_p95 = [p(r["engine"][key]["engine"], 0.95) for r in runs]
            e2e_p50 = [p(r["engine"][key]["e2e"], 0.5) for r in runs]
            e2e_p95 = [p(r["engine"][key]["e2e"], 0.95) for r in runs]
            for short, layer, p50, p95 in (("core", "engine core (Engine, no JSON)", core_p50, core_p95),
                                           ("bridge", "engine-side (bridge: JSON in, decisions + trace out)", engine_p50, engine_p95),
                                           ("e2e", "end to end through the worker", e2e_p50, e2e_p95)):  # fmt: skip
                if not p50:
                    continue
                goal, ok, baseline, ratio, ratio_median = "", None, "", "", None
                reference = goals.get(key, {}).get(short)
                if reference is not None:
                    name, values, most, strict = reference
                    ratios = [a / b for a, b in zip(p50, values, strict=True)]
                    ratio_median = statistics.median(ratios)
                    ok = ratio_median < most if strict else ratio_median <= most
                    goal = f"{'<' if strict else '<='} {most:g}x {name} full pass"
                    baseline = f"{name} {fmt(values, 'us', 1)}"
                    ratio = fmt(ratios, "", 2)
                elif key == "empty" and short == "bridge":
                    # rounded: 0.03 ms * 1000 is 30.000000000000004 us
                    goal, ok = "<= 30 us", round(statistics.median(p50), 6) <= 30
                table.add(f"evaluation {count} rules", f"{label}: {layer} p50 / p95",
                          f"{fmt(p50, 'us', 1)} / {fmt(p95, 'us', 1)}", baseline, ratio, goal, verdict(ok),
                          ratio_median=ratio_median)  # fmt: skip
        # The floor of the end-to-end rows: the same messages to a worker without the engine.
        # Where it is above a goal's baseline, no engine in a worker meets that goal.
        for key, label in (("empty", "empty message"), ("all", "navigation's page fact")):
            floor = [p(r["echo"][key], 0.5) for r in runs]
            ratios = [a / b for a, b in zip(floor, gb, strict=True)]
            table.add(f"evaluation {count} rules", f"floor: the {label} to a worker without the engine and back (postMessage both ways) p50",
                      fmt(floor, "us", 1), f"GrowthBook {fmt(gb, 'us', 1)}", fmt(ratios, "", 2),
                      ratio_median=statistics.median(ratios))  # fmt: skip
        for name, values in (("hand-written JS loop", loop), ("GrowthBook evalCondition", gb), ("json-rules-engine 7.3.1", jre)):
            table.add(f"evaluation {count} rules", f"baseline: {name}, full pass (p50 of samples)", fmt(values, "us", 1))
    table.raw["evaluation"] = raw


def _bench_worker(page: Any) -> Any:
    workers = [w for w in page.workers if "worker.js?bench" in w.url]
    if not workers:
        sys.exit("bench: the engine worker of the evaluation page is gone")
    return workers[-1]


# The engine alone, inside the same worker's Pyodide: Engine.receive_json + decisions on
# Python objects, without the bridge's JSON and trace encoding. Batched, because an idle
# tick is a few microseconds and performance.now() has 5 us resolution here.
CORE_PY = """
import json, time
from engine import Config, Engine, compile_config


def measure(config_json, iterations, navigations, batch=20):
    config = json.loads(config_json)
    compiled = compile_config(config)
    assert isinstance(compiled, Config), compiled
    flag_path = next(c["value"] for r in config["rules"] for rs in r["rulesets"] for c in rs["conditions"] if c["type"] == "custom")
    engine = Engine(compiled)
    engine.tracing = False  # as the bridge runs it when no trace is asked for
    t0 = 1795424400000
    engine.receive_json([{"type": "device", "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"},
                         {"type": "page", "now": t0, "url": "https://shop.test/x", "cause": "load"}])
    engine.decisions()
    out = {"idle": [], "oneFact": [], "all": []}
    now, flag = t0 + 1000, False
    for i in range(iterations):
        started = time.perf_counter_ns()
        for _ in range(batch):
            now += 1
            engine.receive_json([{"type": "tick", "now": now}])
            engine.decisions()
        out["idle"].append((time.perf_counter_ns() - started) / batch / 1e6)
        started = time.perf_counter_ns()
        for _ in range(batch):
            flag = not flag
            engine.receive_json([{"type": "custom", "results": {flag_path: {"value": flag, "error": None}}},
                                 {"type": "tick", "now": now}])
            engine.decisions()
        out["oneFact"].append((time.perf_counter_ns() - started) / batch / 1e6)
        if i < navigations:
            started = time.perf_counter_ns()
            engine.receive_json([{"type": "page", "now": now, "url": f"https://shop.test/x?{i}", "cause": "pushState"}])
            engine.decisions()
            out["all"].append((time.perf_counter_ns() - started) / 1e6)
    return json.dumps(out)


measure
"""


# --------------------------------------------------------------------------- 5: weight


def brotli_sizes(files: list[Path], quality: int) -> dict[Path, int]:
    """Brotli size of each file; cached by content under .cache/ (quality 11 is slow)."""
    try:
        cache: dict[str, int] = json.loads(BROTLI_CACHE.read_text())
    except (OSError, ValueError):
        cache = {}
    keys = {f: f"{hashlib.sha256(f.read_bytes()).hexdigest()}:{quality}" for f in files}
    todo = sorted({str(f) for f, key in keys.items() if key not in cache})
    if todo:
        node = shutil.which("node")
        if node is None:
            sys.exit("bench: node is needed to measure brotli sizes")
        result = subprocess.run([node, "-e", BROTLI_JS], input=json.dumps({"files": todo, "quality": quality}),
                                capture_output=True, text=True, check=True)  # fmt: skip
        for name, size in json.loads(result.stdout).items():
            cache[keys[Path(name)]] = size
        with contextlib.suppress(OSError):
            BROTLI_CACHE.parent.mkdir(parents=True, exist_ok=True)
            BROTLI_CACHE.write_text(json.dumps(cache))
    return {f: cache[key] for f, key in keys.items()}


def local_file(bench: Bench, url: str) -> Path | None:
    for server in bench.servers.values():
        if url.startswith(server.url):
            path = url[len(server.url) :].split("?", 1)[0].split("#", 1)[0]
            break
    else:
        return None
    if path.startswith("engage/"):
        candidate = bench.fx.engage / path[len("engage/") :]
    else:
        candidate = bench.fx.site / path
    return candidate if candidate.is_file() else None


def measure_weight(bench: Bench, table: Table, fetched: dict[str, list[tuple[str, int]]]) -> None:
    def files(kind: str, predicate: Callable[[str], bool]) -> list[Path]:
        found = {local_file(bench, url) for url, status in fetched[kind] if status == 200 and predicate(url)}
        return sorted(p for p in found if p is not None)

    engine_files = files("fetched_engine", lambda u: "/engage/" in u or "/rules-" in u)
    bare_files = files("fetched_bare", lambda u: "/npm/pyodide/" in u)
    loader = bench.fx.engage / "loader.js"
    sizes = brotli_sizes([*engine_files, *bare_files, loader], bench.settings.brotli_quality)
    engine_total = sum(sizes[f] for f in engine_files)
    bare_total = sum(sizes[f] for f in bare_files)
    table.raw["weight"] = {str(f.relative_to(f.parents[1])): sizes[f] for f in engine_files + bare_files}
    quality = "" if bench.settings.brotli_quality == 11 else f", quality {bench.settings.brotli_quality}"
    table.add("weight", f"brotli bytes of a cold visit ({len(engine_files)} files{quality})", f"{engine_total / 1e6:.2f} MB",
              f"bare npm defaults {bare_total / 1e6:.2f} MB", f"{engine_total / bare_total:.2f}", "<= 0.7",
              verdict(engine_total / bare_total <= 0.7), ratio_median=engine_total / bare_total)  # fmt: skip
    raw = loader.stat().st_size
    table.add("weight", "loader.js", f"{raw / 1000:.1f} KB ({sizes[loader] / 1000:.1f} KB brotli)", goal="<= 15 KB",
              status=verdict(raw <= 15_000))  # fmt: skip
    early = table.raw.get("before_load", [])
    table.add("weight", "engine files fetched before the page's load event", str(len(early)), goal="0",
              status=verdict(not early))  # fmt: skip
    fallback = [f for f in engine_files if f.name.startswith("fallback-")]
    if fallback:
        table.add("weight", "fallback zip fetched (an import the trimmed zips missed)", "yes", status="NOT MET")


# --------------------------------------------------------------------------- 6: memory


def measure_memory(bench: Bench, table: Table) -> None:
    s = bench.settings
    count = s.tick_rules
    browser = bench.pw.chromium.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, "--enable-blink-features=ForceEagerMeasureMemory", "--js-flags=--expose-gc"])
    servers = bench.servers
    try:
        context = browser.new_context()
        context.add_init_script(INIT_SCRIPT)
        context.clock.install(time=T_CLOCK)
        page = context.new_page()
        page.goto(servers["endure"].url + f"endure-{count}.html")
        bench.wait_evaluated(page)

        def snapshot() -> dict[str, float]:
            worker = page.workers[0]
            # Garbage collected first (--expose-gc), in the worker and the page: what is live.
            worker.evaluate("gc()")
            page.evaluate("gc()")
            wasm = worker.evaluate("self.engage.pyodide._module.HEAP8.length")
            objects = worker.evaluate("self.engage.pyodide.runPython('import gc; gc.collect(); len(gc.get_objects())')")
            scopes = page.evaluate("""window.__bench.measureMemory().then((r) => {
              const by = {Window: 0, DedicatedWorkerGlobalScope: 0, shared: 0};
              for (const b of r.breakdown) {
                const scope = b.attribution.length ? b.attribution[0].scope : "shared";
                by[scope in by ? scope : "shared"] += b.bytes;
              }
              return by;
            })""")
            return {"wasm": wasm, "python_objects": objects, "page_js": scopes["Window"],
                    "worker_js": scopes["DedicatedWorkerGlobalScope"], "shared": scopes["shared"]}  # fmt: skip

        bench.wait_snapshot(page)  # the first visit stores its snapshot in the background
        # a listener the loader sees: every evaluation then carries a trace, and is counted
        page.evaluate("engage.on('evaluated', () => {})")
        before = snapshot()
        started = time.monotonic()
        missed = 0
        for _ in range(s.endurance_ticks):
            expected = page.evaluate("window.__bench.evaluations") + 1
            page.clock.run_for(1000)
            try:
                page.wait_for_function(f"window.__bench.evaluations >= {expected}", timeout=3000)
            except Exception:  # a tick that did not reach the engine is counted, not fatal
                missed += 1
        elapsed = time.monotonic() - started
        answered = page.evaluate("Promise.race([engage.evaluate().then(() => true), new Promise(r => setTimeout(() => r(false), 10000))])")
        after = snapshot()
        errors = page.evaluate("window.__bench.errors")
        evaluations = page.evaluate("window.__bench.evaluations")
    finally:
        browser.close()
    table.raw["memory"] = {"before": before, "after": after, "missed": missed, "errors": errors, "evaluations": evaluations}
    hours = s.endurance_ticks / 3600
    label = f"{s.endurance_ticks} ticks ({hours:.2f} h simulated, {elapsed:.0f} s real)"
    grew = after["wasm"] - before["wasm"]
    table.add("memory", "WebAssembly memory after boot -> after " + label,
              f"{before['wasm'] / 1e6:.1f} -> {after['wasm'] / 1e6:.1f} MB", goal="no growth", status=verdict(grew <= 0))  # fmt: skip
    def mb(key: str) -> str:
        return f"{before[key] / 1e6:.1f} -> {after[key] / 1e6:.1f} MB"

    for key, what in (("worker_js", "JS heap of the worker"), ("page_js", "JS heap of the page")):
        table.add("memory", f"{what} (measureUserAgentSpecificMemory, after GC)", mb(key), goal="no growth",
                  status=verdict(after[key] <= before[key] * 1.05 + 256_000))  # fmt: skip
    total = {k: v["worker_js"] + v["page_js"] + v["wasm"] for k, v in (("before", before), ("after", after))}
    table.add("memory", "JS heaps + WebAssembly memory", f"{total['before'] / 1e6:.1f} -> {total['after'] / 1e6:.1f} MB",
              goal="no growth", status=verdict(total["after"] <= total["before"] * 1.02))  # fmt: skip
    # Not attributed to page or worker; grows by ~1 KB per worker round trip under this
    # harness with a trivial echo worker too (docs/performance.md), so it is shown apart.
    table.add("memory", "memory measured as shared (not attributable to page or worker)", mb("shared"))
    table.add("memory", "Python objects (gc.get_objects) in the worker",
              f"{before['python_objects']} -> {after['python_objects']}", goal="no growth",
              status=verdict(after["python_objects"] <= before["python_objects"] * 1.02))  # fmt: skip
    table.add("endurance", f"evaluations / ticks, errors, still answering after {label}",
              f"{evaluations} / {s.endurance_ticks}, {len(errors)} errors, {'yes' if answered else 'NO'}",
              goal="no fatal error", status=verdict(answered and not errors))  # fmt: skip


# --------------------------------------------------------------------------- main


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return f"{cpu}, {os.cpu_count()} CPUs, load average {load}, {platform.system()} {platform.release()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=None, help="repetitions of every measurement (default 5)")
    parser.add_argument("--quick", action="store_true", help="one run, small sizes (the test suite's smoke run)")
    parser.add_argument("--rules", type=str, default=None, help="rule counts for the evaluation, e.g. 100,1000")
    parser.add_argument("--only", type=str, default=None, help="sections to run: boot,main,tick,eval,weight,memory")
    parser.add_argument("--json", type=Path, default=None, help="also write the raw measurements here")
    args = parser.parse_args(argv)
    settings = Settings.quick() if args.quick else Settings()
    if args.runs is not None:
        settings.runs = max(1, args.runs)
    if args.rules:
        settings.rules = tuple(int(x) for x in args.rules.split(","))
    sections = set((args.only or "boot,main,tick,eval,weight,memory").split(","))
    if not CHROMIUM.is_file():
        sys.exit(f"bench: no Chromium at {CHROMIUM}; install it (apt-get install chromium) or set ENGAGE_CHROMIUM")
    from playwright.sync_api import sync_playwright

    table = Table()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="engage-bench-") as tmp:
        fixtures = make_fixtures(Path(tmp), settings)
        with contextlib.ExitStack() as stack:
            servers = {
                "plain": stack.enter_context(start_server(fixtures.site, fixtures.engage, immutable=IMMUTABLE)),
                "isolated": stack.enter_context(start_server(fixtures.site, fixtures.engage, headers=ISOLATED, immutable=IMMUTABLE)),
                "endure": stack.enter_context(start_server(fixtures.site, fixtures.engage_bench, headers=ISOLATED, immutable=IMMUTABLE)),
                "demo": stack.enter_context(start_server(fixtures.demo, fixtures.demo_engage, immutable=IMMUTABLE)),
            }  # fmt: skip
            playwright = stack.enter_context(sync_playwright())
            bench = Bench(playwright, fixtures, settings, servers)
            stack.callback(bench.close)
            version = bench.browser.version
            fetched: dict[str, list[tuple[str, int]]] = {}
            timing: dict[str, float] = {}

            def timed(name: str, fn: Callable[[], Any]) -> Any:
                begun = time.monotonic()
                result = fn()
                timing[name] = time.monotonic() - begun
                print(f"bench: {name} measured in {timing[name]:.0f} s", file=sys.stderr)
                return result

            if sections & {"boot", "weight"}:
                fetched = timed("boot", lambda: measure_boot(bench, table))
            if "main" in sections:
                timed("main thread", lambda: measure_main_thread(bench, table))
            if "tick" in sections:
                timed("tick", lambda: measure_tick(bench, table))
            if "eval" in sections:
                timed("evaluation", lambda: measure_evaluation(bench, table))
            if "weight" in sections:
                timed("weight", lambda: measure_weight(bench, table, fetched))
            if "memory" in sections:
                timed("memory", lambda: measure_memory(bench, table))
    if "boot" not in sections:
        table.rows = [r for r in table.rows if not r.section.endswith("boot")]
    print(f"engage benchmark: {settings.runs} run(s) per measurement, {time.monotonic() - started:.0f} s")
    print(f"machine: {machine()}; Chromium {version}; Pyodide {json.loads((NODE_MODULES / 'pyodide' / 'package.json').read_text())['version']}")
    print()
    print(table.render())
    goals = [r for r in table.rows if r.status in ("met", "NOT MET")]
    if goals:
        print()
        print("goals:")
        for r in goals:
            ratio = f" (ratio {r.ratio_median:.2f})" if r.ratio_median is not None else ""
            print(f"  {r.status:<7} {r.section}: {r.metric.replace(' p50 / p95', '')} [{r.goal}]: {r.value}{ratio}")
    if args.json:
        args.json.write_text(json.dumps({"rows": [r.__dict__ for r in table.rows], "raw": table.raw}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

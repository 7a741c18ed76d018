"""Soak: a single-page app navigating 10,000 times by pushState, with 1,000 rules and a
custom function polled every second, over one simulated hour (page.clock).

Memory is read the way bench/run.py's memory row reads it: the worker's WebAssembly heap
(`HEAP8.length`, which only ever grows) and the Python objects alive after a collection,
through a copy of the build whose loader starts the worker with `?bench`. After a warm-up
of five simulated minutes, neither may grow over the remaining 55; no engage:error, and the
decisions at the end are the right ones. Marked `soak` (`-m "not soak"` leaves it out);
the full suite runs it among the parallel browser tests: it measures memory, not time (its
wall-time bound only catches a runaway), in the browser visitors get (Chromium, with V8's
optimising WebAssembly tier), whichever browser the other tests of its worker run on.
"""

from __future__ import annotations

import datetime
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext

from bench.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.browser.kept import module_browser_fixtures
from tests.browser.reliability_helpers import INIT, RECORDER, Host, HostSite

pytestmark = [pytest.mark.browser, pytest.mark.soak]

browser, kept_contexts = module_browser_fixtures(CHROMIUM, CHROMIUM_ARGS)

START = datetime.datetime(2026, 11, 25, 9, 0, tzinfo=datetime.UTC)
NAVIGATIONS = 10_000
MINUTES = 60
WARM_UP = 5

# 3,600,000 ms / 360 ms = 10,000 navigations in the hour; site.vip turns true after 30 min.
SPA = """<script>
window.__nav = 0;
window.__vipAt = Date.now() + 30 * 60 * 1000;
window.site.vip = function () { return Date.now() >= window.__vipAt; };
setInterval(function () {
  if (window.__nav < 10000) history.pushState({n: window.__nav}, "", "/spa/" + window.__nav++);
}, 360);
</script>"""


def rule(name: str, start: str, condition: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": name, "rulesets": [{"conditions": [condition]}], "outcome": {"start": start}, **extra}


def url(operator: str, value: str) -> dict[str, Any]:
    return {"type": "url", "criteria": "currentPage", "operator": operator, "value": value}


CONFIG = {
    "version": 1,
    "rules": [
        rule("VIP", "i-vip", {"type": "custom", "operator": "evaluatesTrue", "value": "site.vip"}, alwaysEvaluate=True),
        *(rule(f"Never {i}", "p-never", url("contains", f"/never-{i}/")) for i in range(998)),
        rule("Even page", "p-even", url("matches", r"/spa/\d*[02468]$")),
    ],
    "interactions": {
        "i-vip": {"type": "info", "target": "#notice", "text": "Welcome back, VIP"},
        "p-never": {"type": "panel", "title": "Never"},
        "p-even": {"type": "panel", "title": "An even page"},
    },
}

# The recorder (INIT) keeps every event; an hour of engage:evaluated traces of 1,000 rules
# would be its memory, not the engine's: those are left out here.
NO_TRACES = """(() => {
  const events = window.__rx.events, push = events.push;
  events.push = function (e) { return e.name === "evaluated" ? events.length : push.call(events, e); };
})();"""

HEAP = "self.engage.pyodide._module.HEAP8.length"
OBJECTS = "self.engage.pyodide.runPython('import gc; gc.collect(); len(gc.get_objects())')"


@pytest.fixture(scope="module")
def bench_build(engage_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's build whose loader starts the worker with ?bench (as bench/run.py does)."""
    out = tmp_path_factory.mktemp("soak-build") / "engage"
    shutil.copytree(engage_build, out, copy_function=os.link)
    loader = out / "loader.js"
    text = loader.read_text(encoding="utf-8")
    assert '"web/worker.js"' in text
    loader.unlink()  # a hard link: never written in place
    loader.write_text(text.replace('"web/worker.js"', '"web/worker.js?bench"'), encoding="utf-8")
    return out


def test_an_hour_of_spa_navigation_keeps_memory_flat_and_decisions_right(
    new_context: Callable[..., BrowserContext], site_server: Callable[..., str], bench_build: Path,
    tmp_path: Path,
) -> None:
    RECORDER.attempt("soak:spa-hour")
    assert len(CONFIG["rules"]) == 1000
    site = HostSite(tmp_path / "site")
    site.page("soak", CONFIG, head=SPA)
    context = new_context()
    context.add_init_script(INIT)
    context.add_init_script(NO_TRACES)
    context.clock.install(time=START)
    host = Host(context.new_page(), site_server(site.folder, bench_build))
    started = time.monotonic()
    host.open("soak.html")
    (worker,) = host.page.workers

    def minute() -> None:
        host.page.clock.run_for(60_000)
        host.page.evaluate("engage.evaluate().then(() => 0)")  # answered once everything before it is

    for _ in range(WARM_UP):
        minute()
    heap_before, objects_before = worker.evaluate(HEAP), worker.evaluate(OBJECTS)
    for _ in range(MINUTES - WARM_UP):
        minute()
    heap_after, objects_after = worker.evaluate(HEAP), worker.evaluate(OBJECTS)
    wall = time.monotonic() - started

    assert host.page.evaluate("window.__nav") == NAVIGATIONS
    assert host.page.evaluate("location.pathname") == f"/spa/{NAVIGATIONS - 1}"
    assert host.errors() == [], host.errors()
    assert not host.page_errors, host.page_errors
    # memory: the WebAssembly heap did not grow, Python objects stayed within 2 %
    assert heap_after == heap_before, (heap_before, heap_after)
    assert objects_after <= objects_before * 1.02, (objects_before, objects_after)
    # decisions: the custom function turned true after 30 minutes and is shown; the last
    # page (/spa/9999) is odd, so the even-page panel is not shown now
    trace = {r["name"]: r for r in host.page.evaluate("engage.explain()")["rules"]}
    assert trace["VIP"]["matched"] is True
    assert trace["Even page"]["matched"] is False
    assert any(e["interaction"] == "i-vip" for e in host.events("show"))
    state = host.page.evaluate("engage.state()")
    assert len(state["session"]["history"]) <= 3
    host.page.evaluate("history.pushState({}, '', '/spa/10000')")
    host.wait_event("show", interaction="p-even", timeout=10)
    shown_even = sum(1 for e in host.events("show") if e["interaction"] == "p-even")
    host.check_page_works(navigate=False)
    # about 35 s alone on a 2-core machine, 47 s beside two other test workers
    assert wall < 120, f"the soak took {wall:.0f} s of wall time"
    RECORDER.record(
        "soak:spa-hour",
        f"{NAVIGATIONS:,} pushState navigations, 3,600 ticks, 1,000 rules: WebAssembly heap unchanged after the "
        "warm-up, Python objects within 2 %; no engage:error; the custom rule shown after 30 min, the even-page "
        f"panel not shown on /spa/9999 and shown on /spa/10000 ({shown_even} time(s) then); wall time under 120 s; "
        "page works; 0 page errors",
    )
    print(f"soak: heap {heap_before} -> {heap_after}, objects {objects_before} -> {objects_after}, {wall:.0f} s")

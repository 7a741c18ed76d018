"""Helpers for browser tests on the demo shop: a Demo page driver with a paused clock.

The demo site (a copy of demo-site/) is served with an engage folder built with
demo-site/rules.json, exactly as a site owner would deploy it (fixtures `demo_site`,
`demo_engage`, `demo_url`, `demo_factory`, `demo` in conftest.py). Time is page.clock
time: every test installs a paused clock (a Wednesday, 10:00 in Oslo, unless it says
otherwise) before the first page load and moves it with `Demo.advance`, one second at a
time, waiting after each step until the loader has no message in flight to the worker (an
init script counts the messages). Nothing sleeps for engine time; the only real waits are
short ones before a negative assertion ("nothing else appeared").
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, ConsoleMessage, Locator, Page, expect

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "demo-site"
BOOT_MS = 60_000  # the worker boots Pyodide: seconds on a loaded 2-core machine
UI_MS = 10_000  # a decision reaching the page once the clock has moved
QUIET_MS = 400  # real time allowed for anything unexpected to show up
OSLO = datetime.timezone(datetime.timedelta(hours=1))  # CET: no summer time in Nov/Dec
WEDNESDAY_10 = datetime.datetime(2026, 11, 25, 10, 0, tzinfo=OSLO)
WEDNESDAY_20 = datetime.datetime(2026, 11, 25, 20, 0, tzinfo=OSLO)
CHRISTMAS_EVE_10 = datetime.datetime(2026, 12, 24, 10, 0, tzinfo=OSLO)  # a Thursday in closedDates

# Records the page's active 1 Hz intervals (the loader's tick; a test page has none of its
# own) and counts setTimeout calls. The interval functions are kept as accessors, so that
# page.clock, installed after it, fakes the timers beneath.
ONE_HZ = """(() => {
  const active = window.__hz = new Set();
  let set = window.setInterval, clear = window.clearInterval;
  const counting = function (fn, ms, ...rest) { const id = set.call(this, fn, ms, ...rest); if (ms === 1000) active.add(id); return id; };
  const clearing = function (id) { active.delete(id); return clear.call(this, id); };
  Object.defineProperty(window, "setInterval", {configurable: true, get: () => counting, set: (f) => { set = f; }});
  Object.defineProperty(window, "clearInterval", {configurable: true, get: () => clearing, set: (f) => { clear = f; }});
  // setTimeout only counted, not kept: page.clock calls the one it found for its own real-time
  // timer, which must not lead back into its fake
  window.__timeouts = 0;
  const after = window.setTimeout;
  window.setTimeout = function (...args) { window.__timeouts++; return after.apply(this, args); };
})();"""

# Records every engage:* event in `t.events` (part of an init script that defines `t`).
# The engine sends its trace only while something reads it, and the loader cannot see a
# listener added before it ran (docs/loader.md#the-trace): engage:evaluated is subscribed
# once the loader has installed window.engage (a microtask later, when its own
# addEventListener is in place), as a page script running after the loader would.
RECORD_EVENTS = """
  const {parse, stringify} = JSON;  // pages under test may replace them
  const soon = queueMicrotask.bind(window);
  const record = (name) => (e) => {
    let detail;
    try { detail = parse(stringify(e.detail)); } catch (err) { detail = String(err); }
    t.events.push({name, detail});
  };
  for (const name of ["ready", "show", "hide", "chat", "error", "control"]) window.addEventListener("engage:" + name, record(name));
  let api;
  Object.defineProperty(window, "engage", {configurable: true, enumerable: true, get: () => api, set: (v) => {
    api = v;
    if (v && typeof v.on === "function") soon(() => window.addEventListener("engage:evaluated", record("evaluated")));
  }});
"""

# Records engage:* events and counts loader <-> worker messages, in every document.
INIT_SCRIPT = """
(() => {
  const t = {events: [], io: {sent: 0, answered: 0, stable: 0, key: "", idleAt: -1}};
  Object.defineProperty(window, "__engageTest", {value: t});
""" + RECORD_EVENTS + """  const Base = window.Worker;
  if (typeof Base !== "function") return;
  window.Worker = class extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        if (!e.data || e.data.kind !== "booted") t.io.answered++;
      });
    }
    postMessage(...args) {
      t.io.sent++;
      return super.postMessage(...args);
    }
  };
})();
"""

# True once every message the loader sent has been answered, for 4 polls in a row (the
# loader sends queued facts right after it has applied an answer); at once when nothing
# at all was sent since the last time it was idle (an idle tick sends nothing).
IDLE = """() => {
  const io = window.__engageTest.io, key = io.sent + "/" + io.answered;
  if (io.sent === io.answered && io.sent === io.idleAt) return true;
  if (io.sent !== io.answered || key !== io.key) { io.key = key; io.stable = 0; return false; }
  if (++io.stable < 4) return false;
  io.idleAt = io.sent;
  return true;
}"""


def engage_with_rules(demo_engage: Path, folder: Path, text: str) -> Path:
    """A hard-linked copy of the demo build whose rules.json is `text`."""
    shutil.copytree(demo_engage, folder, copy_function=os.link)
    (folder / "rules.json").unlink()  # a new file: the demo build's one stays intact
    (folder / "rules.json").write_text(text, encoding="utf-8")
    return folder


class Demo:
    """A page of the demo shop with a paused clock, engage:* events and no-error checks."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    # ---- setting up and moving around

    def storage(self, **items: Any) -> None:
        """Set localStorage items on the site's origin before any engine page is loaded."""
        if not self.page.url.startswith(self.base):
            self.page.goto(self.base + "api/queues/sales.json")  # same origin, no engine
        for key, value in items.items():
            text = value if isinstance(value, str) else json.dumps(value)
            self.page.evaluate("([k, v]) => localStorage.setItem(k, v)", [key, text])

    def open(self, path: str) -> None:
        self.page.goto(self.base + path)
        self.wait_ready()

    def wait_ready(self) -> None:
        self.page.wait_for_function(
            "window.__engageTest.events.some(e => e.name === 'ready')", timeout=BOOT_MS
        )
        self.idle()

    def idle(self) -> None:
        self.page.wait_for_function(IDLE, polling=50, timeout=UI_MS)

    def advance(self, seconds: int) -> None:
        """Move page.clock on one second (one loader tick) at a time."""
        for _ in range(seconds):
            self.page.clock.run_for(1000)
            self.idle()

    def skip(self, seconds: int) -> None:
        """Move page.clock on `seconds` in one go, for a stretch where nothing is expected.

        Timers fire in order, but the worker answers only afterwards, so a tick that falls
        due meanwhile is sent by the next tick (the loader checks `nextTickAt`, not equality).
        """
        self.page.clock.run_for(seconds * 1000)
        self.idle()

    def quiet(self) -> None:
        """Give anything already decided a moment to reach the page."""
        self.idle()
        self.page.wait_for_timeout(QUIET_MS)

    # ---- what happened

    def events(self, name: str) -> list[Any]:
        return [
            e["detail"]
            for e in self.page.evaluate("window.__engageTest.events")
            if e["name"] == name
        ]

    def shown(self) -> list[str]:
        return [d["interaction"] for d in self.events("show")]

    def wait_event(self, name: str, **match: Any) -> dict[str, Any]:
        """Wait for an engage:NAME event whose detail holds `match`, and return it."""
        self.page.wait_for_function(
            """([name, match]) => window.__engageTest.events.some(e => e.name === name &&
                 Object.entries(match).every(([k, v]) => e.detail && e.detail[k] === v))""",
            arg=[name, match],
            timeout=UI_MS,
        )
        found = [d for d in self.events(name) if all(d.get(k) == v for k, v in match.items())]
        return found[0]

    def wait_shown(self, interaction: str) -> dict[str, Any]:
        detail = self.wait_event("show", interaction=interaction)
        expect(self.host(interaction)).to_be_attached()
        return detail

    def host(self, interaction: str) -> Locator:
        return self.page.locator(f'[data-engage-interaction="{interaction}"]')

    def statuses(self) -> dict[str, str]:
        trace = self.page.evaluate("engage.explain()")
        assert trace is not None, "engage.explain() returned no trace"
        return {r["name"]: r["status"] for r in trace["rules"]}

    def rule_trace(self, name: str) -> dict[str, Any]:
        trace = self.page.evaluate("engage.explain()")
        (rule,) = [r for r in trace["rules"] if r["name"] == name]
        return dict(rule)

    def conditions(self, rule: str, kind: str | None = None) -> list[dict[str, Any]]:
        """The conditions of `rule` in the last trace (of type `kind`), with result and read."""
        return [
            dict(c)
            for rs in self.rule_trace(rule)["rulesets"]
            for c in rs["conditions"]
            if kind is None or c["type"] == kind
        ]

    def data_layer(self) -> list[dict[str, Any]]:
        """What the page's window.dataLayer holds (engage_* entries only)."""
        return [
            dict(e)
            for e in self.page.evaluate("window.dataLayer || []")
            if isinstance(e, dict) and str(e.get("event", "")).startswith("engage_")
        ]

    def session(self) -> dict[str, Any]:
        state = self.page.evaluate("engage.state()")
        assert state is not None, "engage.state() returned nothing"
        return dict(state["session"])

    def visitor(self) -> dict[str, Any]:
        state = self.page.evaluate("engage.state()")
        assert state is not None, "engage.state() returned nothing"
        return dict(state["visitor"])

    def engine_errors(self) -> list[str]:
        return [e for e in self.console_errors if "[engage]" in e]

    def check_no_page_errors(self) -> None:
        assert not self.page_errors, f"uncaught errors in page code: {self.page_errors}"


def install_clock(context: BrowserContext, at: datetime.datetime) -> None:
    context.add_init_script(INIT_SCRIPT)
    context.clock.install(time=at)
    context.clock.pause_at(at)

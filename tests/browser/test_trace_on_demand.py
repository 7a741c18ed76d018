"""The trace travels only while something reads it (docs/loader.md#the-trace).

The worker's replies are recorded as they reach the page: without a debug overlay,
`data-trace`, `explain()` or an `engage:evaluated` listener the loader sees, decisions
travel alone; a listener added after the loader switches the trace on, the last
evaluation's trace arrives at once (without an `engage:evaluated` of its own), and every
evaluation after it raises `engage:evaluated` with its trace.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.kept import kept_site_fixtures
from tests.browser.reliability_helpers import HostSite

pytestmark = pytest.mark.browser

# Every output the worker sends, whether it carried a trace; engage:evaluated, counted.
RECORD = """(() => {
  const r = window.__rec = {replies: [], evaluated: []};
  const Base = window.Worker;
  window.Worker = class extends Base {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        const m = typeof e.data === "string" ? JSON.parse(e.data) : e.data;
        if (m && m.kind === "output") r.replies.push({trace: m.trace != null, replay: !!m.replay});
      });
    }
  };
})();"""

CONFIG = {
    "version": 1,
    "rules": [
        {"name": "offer", "rulesets": [{"conditions": [{"type": "url", "criteria": "currentPage", "operator": "contains", "value": "offer"}]}],
         "outcome": {"start": "p"}},
        {"name": "always", "rulesets": [{"conditions": [{"type": "static", "operator": "always"}]}], "outcome": {"start": "p"}},
    ],
    "interactions": {"p": {"type": "panel", "title": "Hello"}},
}


# Each test's site folder under one server, each page a new visitor in a kept context.
site_server, page = kept_site_fixtures("trace-sites")


def _open(page: Page, site_server: Callable[..., str], tmp_path: Path, attrs: str = "") -> None:
    site = HostSite(tmp_path / "site")
    path = site.page("trace", CONFIG, attrs=attrs)
    page.add_init_script(RECORD)
    page.goto(site_server(site.folder) + path)
    # the answer to init (what to gather, nothing evaluated), then the first evaluation's
    page.wait_for_function("window.__rec.replies.length >= 2", timeout=60_000)


def _navigate(page: Page, url: str) -> int:
    """A route change; waits for the worker's answer to it and returns the reply count."""
    before = page.evaluate("window.__rec.replies.length")
    page.evaluate("u => history.pushState({}, '', u)", url)
    page.wait_for_function(f"window.__rec.replies.length > {before}")
    return int(page.evaluate("window.__rec.replies.length"))


def _replies(page: Page) -> list[dict[str, Any]]:
    return list(page.evaluate("window.__rec.replies"))


def test_decisions_travel_alone_until_a_listener_asks(page: Page, site_server: Callable[..., str], tmp_path: Path) -> None:
    _open(page, site_server, tmp_path)
    _navigate(page, "?offer=1")
    assert not any(r["trace"] for r in _replies(page)), _replies(page)
    assert page.evaluate("engage.state()") is not None, "the evaluations ran and wrote their state"

    # a listener added now: the last evaluation's trace comes at once, as a replay
    page.evaluate("""addEventListener("engage:evaluated", (e) => window.__rec.evaluated.push(e.detail))""")
    page.wait_for_function("window.__rec.replies.some((r) => r.replay)")
    assert page.evaluate("window.__rec.evaluated.length") == 0, "a replay is not an evaluation"
    trace = page.evaluate("engage.explain()")
    assert {r["name"]: r["status"] for r in trace["rules"]} == {"offer": "shown", "always": "skipped"}

    # every evaluation from now on carries its trace and raises engage:evaluated
    _navigate(page, "?other=1")
    page.wait_for_function("window.__rec.evaluated.length === 1")
    detail = page.evaluate("window.__rec.evaluated[0]")
    assert detail["cause"] == "pushState"
    assert {r["name"]: r["status"] for r in detail["rules"]} == {"offer": "notMatched", "always": "shown"}


def test_explain_switches_the_trace_on(page: Page, site_server: Callable[..., str], tmp_path: Path) -> None:
    _open(page, site_server, tmp_path)
    assert page.evaluate("engage.explain()") is None, "nothing asked for a trace yet"
    page.wait_for_function("engage.explain() !== null")
    assert page.evaluate("engage.explain().rules[1].status") == "shown"
    _navigate(page, "?offer=2")
    page.wait_for_function("engage.explain().cause === 'pushState'")
    assert page.evaluate("engage.explain().rules[0].status") == "shown"


def test_data_trace_sends_it_from_the_first_evaluation(page: Page, site_server: Callable[..., str], tmp_path: Path) -> None:
    _open(page, site_server, tmp_path, attrs="data-trace")
    assert _replies(page)[1]["trace"], "a listener added before the loader needs data-trace"

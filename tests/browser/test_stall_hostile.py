"""A stalled evaluation, configs with every kind of problem, hostile host pages and markup in
what the page itself supplies (URL, title, pushes).

* A `matches` pattern that slips past the config's regex analysis stalls the very first
  evaluation: the watchdog catches it at boot, the probing worker names the rule, and the
  engine restarts without it (docs/architecture.md, "Watchdog").
* A config with five different mistakes is rejected in the browser with all five listed.
* Page scripts that replace `history.pushState`, `addEventListener`, `JSON.parse`,
  `Array.prototype.map`, `Promise`, or freeze `window.engage`, before the loader runs.
* Markup and `javascript:` links in the URL, the title and pushed strings.

What each test observed goes into the reliability observations (reliability_helpers).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.reliability_helpers import BOOT_S, RECORDER, Host, HostSite
from tests.browser.test_reliability import base, hosts, nothing_rendered, url_rule  # noqa: F401

pytestmark = pytest.mark.browser

FIVE = Path(__file__).parents[1] / "configs" / "five-problems.json"


def matches_rule(name: str, start: str, pattern: str) -> dict[str, Any]:
    cond = {"type": "url", "criteria": "currentPage", "operator": "matches", "value": pattern}
    return {"name": name, "rulesets": [{"conditions": [cond]}], "outcome": {"start": start}}


STALL = {
    "version": 1,
    "rules": [matches_rule("Backtracks", "p-never", "(a|aa)+$"), url_rule("Fine", "p-fine")],
    "interactions": {"p-never": {"type": "panel", "title": "Never"}, "p-fine": {"type": "panel", "title": "Fine"}},
}
BAD_SELECTOR = {
    "version": 1,
    "rules": [{"name": "Bad selector", "rulesets": [{"conditions": [{"type": "dom", "criteria": "div[", "operator": "exists"}]}],
               "outcome": {"start": "p"}}],
    "interactions": {"p": {"type": "panel", "title": "P"}},
}  # fmt: skip
BASIC = {"version": 1, "rules": [url_rule("Hello", "hello")], "interactions": {"hello": {"type": "panel", "title": "Hello"}}}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> HostSite:
    s = HostSite(tmp_path_factory.mktemp("stall-hostile") / "site")
    s.page("stall", STALL, attrs='data-answer-timeout="2"')
    s.page("bad-selector", BAD_SELECTOR)
    s.page("five", json.loads(FIVE.read_text()))
    return s


def test_an_evaluation_that_stalls_at_boot_names_its_rule_and_the_engine_goes_on_without_it(
    hosts: Callable[..., Host],  # noqa: F811
) -> None:
    RECORDER.attempt("stall:boot")
    host = hosts()
    host.goto("stall.html?q=" + "a" * 50 + "!")
    shown = host.wait_event("show", timeout=2 * BOOT_S, interaction="p-fine")
    assert shown["rule"] == "Fine"
    message = host.one_error('rule "Backtracks" did not finish within 2 s', "restarts without it")
    error = host.errors()[0]
    assert error["path"] == "rules[0]", error
    assert [e for e in host.events("show") if e["interaction"] == "p-never"] == []
    assert host.events("ready"), "engage:ready after the restart"
    # the stalled workers were terminated: one live worker, and it answers
    assert len(host.page.workers) == 1, host.page.workers
    assert host.page.evaluate("engage.evaluate().then((t) => t.rules.map((r) => r.name))") == ["Fine"]
    host.check_page_works()
    RECORDER.record(
        "stall:boot",
        f'watchdog fired at boot, probe worker named the rule; 1 engage:error: "{message}" (path rules[0]); '
        "engine restarted without it, the other rule's panel shown; 1 live worker; page works; 0 page errors",
    )


def test_an_invalid_selector_rejects_the_config_with_the_parsers_message(hosts: Callable[..., Host]) -> None:  # noqa: F811
    RECORDER.attempt("selector:invalid")
    host = hosts()
    host.goto("bad-selector.html")
    error = host.wait_error()
    message = host.one_error("invalid CSS selector 'div['", "expected attribute name")
    assert error["path"] == "rules[0].rulesets[0].conditions[0].criteria", error
    nothing_rendered(host)
    host.check_page_works()
    RECORDER.record("selector:invalid", f'config rejected; 1 engage:error: "{message}"; nothing rendered; page works; 0 page errors')


def test_the_five_problem_config_is_rejected_with_all_five_listed(hosts: Callable[..., Host]) -> None:  # noqa: F811
    RECORDER.attempt("config:every-problem")
    host = hosts()
    host.goto("five.html")
    error = host.wait_error()
    host.one_error("5 problems")
    paths = sorted(p["path"] for p in error["problems"])
    assert paths == ["rules[0].rulesets[0].conditions[0].value", "rules[1].rulesets[0].conditions[0].criteria",
                     "rules[2].rulesets[0].conditions[0].operator", "rules[3].outcome.start", "rules[3].ruleset"], error  # fmt: skip
    nothing_rendered(host)
    host.check_page_works()
    RECORDER.record("config:every-problem", f"1 engage:error, config rejected ({len(paths)} problems): {', '.join(paths)}; "
                    "nothing rendered; page works; 0 page errors")  # fmt: skip

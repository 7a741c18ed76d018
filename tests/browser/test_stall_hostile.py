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


def one_live_worker(host: Host) -> None:
    """The stalled workers were terminated (a terminated worker's close event can lag)."""
    for _ in range(100):
        if len(host.page.workers) == 1:
            return
        host.page.wait_for_timeout(100)
    raise AssertionError(f"stalled workers still running: {host.page.workers}")


@pytest.mark.quiet
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
    one_live_worker(host)
    assert host.page.evaluate("engage.evaluate().then((t) => t.rules.map((r) => r.name))") == ["Fine"]
    host.check_page_works()
    RECORDER.record(
        "stall:boot",
        f'watchdog fired at boot, probe worker named the rule; 1 engage:error: "{message}" (path rules[0]); '
        "engine restarted without it, the other rule's panel shown; 1 live worker; page works; 0 page errors",
    )


@pytest.mark.quiet
def test_an_evaluation_that_stalls_after_boot_names_its_rule_and_the_panel_stays(
    hosts: Callable[..., Host],  # noqa: F811
) -> None:
    RECORDER.attempt("stall:later")
    host = hosts()
    host.open("stall.html")
    host.wait_event("show", interaction="p-fine")
    host.page.evaluate("(u) => history.pushState({}, '', u)", "stall.html?q=" + "a" * 50 + "!")
    error = host.wait_error(timeout=2 * BOOT_S)
    message = error["message"]
    assert message.startswith('rule "Backtracks" did not finish within 2 s'), message
    assert error["path"] == "rules[0]", error
    host.wait("engage.evaluate().then((t) => t && t.rules.length === 1)", BOOT_S)
    host.one_error("restarts without it")
    one_live_worker(host)
    # the panel shown before the stall stays: shown once, still on the page
    assert len([e for e in host.events("show") if e["interaction"] == "p-fine"]) == 1
    assert host.host("p-fine").count() == 1
    host.check_page_works()
    RECORDER.record(
        "stall:later",
        f'1 engage:error: "{message}"; engine restarted without the rule, the panel shown before kept '
        "(1 engage:show); 1 live worker; page works; 0 page errors",
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


# --------------------------------------------------------------------------- hostile pages

# name -> (the page's script, run before the loader; JS that is true while the page's own
# override is still in place and does what the page made it do). The engine works on each
# page but two: EXPECTED_ERROR says what its one engage:error must say there.
HOSTILE = {
    "pushState": (
        "window.__calls = 0; history.pushState = function (s, t, u) { window.__calls++; };",
        "(() => { const before = window.__calls; history.pushState({}, '', '/routed'); "
        "return window.__calls === before + 1 && !location.pathname.endsWith('/routed'); })()",
    ),
    "addEventListener": (
        "window.__calls = 0; var real = EventTarget.prototype.addEventListener; window.__own = function () "
        "{ window.__calls++; return real.apply(this, arguments); }; EventTarget.prototype.addEventListener = window.__own;",
        "EventTarget.prototype.addEventListener === window.__own && window.__calls > 0",
    ),
    "JSON.parse": (
        'window.__own = function () { throw new Error("JSON.parse is disabled on this page"); }; JSON.parse = window.__own;',
        "JSON.parse === window.__own",
    ),
    "Array.map": (
        "window.__own = function () { return []; }; Array.prototype.map = window.__own;",
        "Array.prototype.map === window.__own && [1, 2].map((x) => x).length === 0",
    ),
    "Promise": (
        'window.__own = function () { throw new Error("no promises on this page"); }; window.Promise = window.__own;',
        "window.Promise === window.__own",
    ),
    "frozen-engage": (
        'Object.defineProperty(window, "engage", {value: Object.freeze([]), writable: false, configurable: false});',
        "Object.isFrozen(window.engage) && Array.isArray(window.engage)",
    ),
}


EXPECTED_ERROR = {
    "JSON.parse": "a script of this page replaced JSON.parse, which failed: JSON.parse is disabled on this page",
    "frozen-engage": "window.engage is read-only on this page",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_page_keeps_its_behaviour_and_gets_a_working_engine_or_one_error(
    name: str, hosts: Callable[..., Host], site: HostSite  # noqa: F811
) -> None:
    case = f"hostile:{name}"
    RECORDER.attempt(case)
    script, still_own = HOSTILE[name]
    page = site.page(f"hostile-{name.replace('.', '-')}", BASIC, head=f"<script>{script}</script>")
    host = hosts()
    host.goto(page)
    host.wait("window.__rx.events.some((e) => e.name === 'ready' || e.name === 'error')", BOOT_S)
    host.page.wait_for_timeout(1000)  # anything that would follow
    if name in EXPECTED_ERROR:
        outcome = f'1 engage:error: "{host.one_error(EXPECTED_ERROR[name])}"; nothing rendered'
        nothing_rendered(host)
    else:
        assert host.errors() == []
        host.wait_event("show", interaction="hello")
        outcome = "the engine worked: engage:ready, the panel shown, no engage:error"
    assert host.page.evaluate(still_own), f"the page's own {name} override was changed"
    host.check_page_works()
    RECORDER.record(case, f"{outcome}; the page's override still in place and working; page works; 0 page errors")


# --------------------------------------------------------------------------- markup from the page

IMG = '<img src=x onerror="__pwned(1)">'
JSLINK = '<a href="javascript:__pwned(2)">go</a>'
JS = "javascript:__pwned(3)"
ALL_ELEMENTS = """() => {
  const out = [];
  const walk = (root) => { for (const el of root.querySelectorAll("*")) { out.push(el); if (el.shadowRoot) walk(el.shadowRoot); } };
  walk(document);
  return out.map((el) => ({tag: el.tagName.toLowerCase(), shadow: el.getRootNode() !== document,
    handlers: [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => a.name),
    href: el.getAttribute("href") || ""}));
}"""


def always(name: str, start: str, conditions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"name": name, "alwaysEvaluate": True, "rulesets": [{"conditions": conditions}], "outcome": {"start": start}}


MARKUP = {
    "version": 1,
    "rules": [
        always("Markup in the URL", "i-url", [{"type": "url", "criteria": "currentPage", "operator": "contains", "value": JS}]),
        always("Markup in the title", "i-title", [{"type": "visitedEntryPoint", "entryPoint": "markup", "operator": "visited"}]),
        always("Markup pushed", "i-push", [{"type": "visitorError", "operator": "includes", "match": {"message": JSLINK + JS}}]),
        always("Pushed route", "i-route", [{"type": "url", "criteria": "currentPage", "operator": "contains", "value": "/route"}]),
    ],
    "entryPoints": {"markup": {"title": {"operator": "contains", "value": IMG}}},
    "interactions": {k: {"type": "info", "target": "#notice", "text": k} for k in ("i-url", "i-title", "i-push", "i-route")},
}


def test_markup_in_the_url_title_and_pushes_reaches_the_page_only_as_text(hosts: Callable[..., Host], site: HostSite) -> None:  # noqa: F811
    RECORDER.attempt("inject:url-title-pushed")
    # set by script: HostSite also writes a title into the page's own <h1> as HTML
    title = json.dumps(IMG + JSLINK).replace("</", "<\\/")
    page = site.page("markup", MARKUP, attrs="data-debug", head=f"<script>document.title = {title};</script>")
    host = hosts()
    host.goto(f"{page}?next={JS}&q={IMG}#{JSLINK}")
    host.wait_event("show", timeout=BOOT_S, interaction="i-url")
    host.wait_event("show", interaction="i-title")
    host.page.evaluate("([m, u]) => { engage.push({type: 'error', message: m, code: m}); history.pushState({}, m, u); }",
                      [JSLINK + JS, f"/route?x={JS}#{IMG}"])  # fmt: skip
    host.wait_event("show", interaction="i-push")
    host.wait_event("show", interaction="i-route")
    host.page.wait_for_timeout(800)  # an <img src=x> error handler would have fired by now
    assert host.page.evaluate("window.__rx.pwned") == [], "injected script ran"
    elements = host.page.evaluate(ALL_ELEMENTS)
    assert not [e for e in elements if e["handlers"]], [e for e in elements if e["handlers"]]
    assert not [e for e in elements if e["href"].strip().lower().startswith("javascript:")]
    engine_tags = {e["tag"] for e in elements if e["shadow"]}
    assert not engine_tags & {"img", "a", "script", "iframe"}, engine_tags
    # the overlay shows what the conditions read, as text: the URL (as the browser encodes it) and the pushed string
    overlay = str(host.page.evaluate(
        "() => [...document.querySelectorAll('*')].filter((e) => e.shadowRoot).map((e) => e.shadowRoot.textContent).join(' ')"))
    assert JS in overlay and "/route?x=javascript:" in overlay, overlay[:2000]
    host.check_page_works()
    RECORDER.record(
        "inject:url-title-pushed",
        "all four rules matched the raw strings; the debug overlay shows the URL and pushed strings as text; "
        "0 scripts ran, no handler, element or javascript: link created; page works; 0 page errors",
        attempts=4,
    )

"""Faults and state: the host page is never harmed and nothing is lost.

Each test loads a small host page (reliability_helpers.HostSite: its own script, a button
and a link) with the session's engage build at /engage/, breaks something (a file answering
404 or 500 or never, WebAssembly gone, the worker killed, a hostile custom function, a
flood of pushes, a huge config, broken storage, two tabs, a reload mid-chat) and checks:
no uncaught exception in page code (`pageerror`), exactly one clear engage:error where
something is wrong, the page's own script and link still working, and the engine
recovering where it can. What each test observed goes into docs/reliability.md.

No page.clock here: the faults are about real time (timeouts, a 200 ms function).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Route, expect

from tests.browser.demo_helpers import ONE_HZ
from tests.browser.reliability_cases import MISSING_FILES, WHEELS
from tests.browser.reliability_helpers import INIT, RECORDER, Host, HostSite

pytestmark = pytest.mark.browser


ANYWHERE = [
    {
        "conditions": [
            {"type": "url", "criteria": "currentPage", "operator": "contains", "value": "/"}
        ]
    }
]


def url_rule(name: str, start: str, value: str = "/", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "rulesets": [
            {
                "conditions": [
                    {
                        "type": "url",
                        "criteria": "currentPage",
                        "operator": "contains",
                        "value": value,
                    }
                ]
            }
        ],
        "outcome": {"start": start},
        **extra,
    }


# A panel at once on every page, with sanitised html and a chat behind its first button.
BASIC = {
    "version": 1,
    "rules": [url_rule("Hello", "hello")],
    "interactions": {
        "hello": {"type": "panel", "title": "Hello", "text": "Can we help?", "html": "<em>Really.</em>",
                  "buttons": [{"label": "Chat", "next": "chat"}, {"label": "No thanks", "action": "close"}]},
        "chat": {"type": "chat", "title": "Chat with us"},
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> HostSite:
    s = HostSite(tmp_path_factory.mktemp("reliability") / "site")
    s.page("basic", BASIC)
    s.page("basic-fast", BASIC, attrs='data-boot-timeout="2"')
    s.page("basic-watchdog", BASIC, attrs='data-answer-timeout="2"')
    return s


@pytest.fixture(scope="module")
def base(site_server: Callable[..., str], site: HostSite) -> str:
    return site_server(site.folder)


@pytest.fixture
def hosts(new_context: Callable[..., BrowserContext], base: str) -> Iterator[Callable[..., Host]]:
    """hosts(init=None, **context_options) -> a Host in a fresh context; no page errors at the end."""
    made: list[Host] = []

    def make(
        init: str | None = None, context: BrowserContext | None = None, **options: Any
    ) -> Host:
        if context is None:
            context = new_context(**options)
            context.add_init_script(INIT)
            if init:
                context.add_init_script(init)
        host = Host(context.new_page(), base)
        made.append(host)
        return host

    yield make
    for host in made:
        assert not host.page_errors, f"uncaught errors in page code: {host.page_errors}"


def nothing_rendered(host: Host) -> None:
    expect(host.page.locator("[data-engage-interaction]")).to_have_count(0)
    expect(host.page.locator("[data-engage-dock]")).to_have_count(0)


def observed_error(message: str, extra: str = "") -> str:
    return f'1 engage:error: "{message}"{extra}; page works; 0 page errors'


# --------------------------------------------------------------------------- missing files


def _route_pattern(missing: str) -> str:
    return "**/basic.json" if missing == "config" else f"**/{missing}"


def _names(missing: str) -> str:
    return "basic.json" if missing == "config" else missing.split("/")[-1].split("*")[0]


@pytest.mark.parametrize("missing", MISSING_FILES)
def test_missing_runtime_file_is_one_error_and_the_page_keeps_working(
    hosts: Callable[..., Host], missing: str
) -> None:
    case = f"missing:{missing}"
    RECORDER.attempt(case)
    host = hosts()
    host.page.route(
        _route_pattern(missing), lambda route: route.fulfill(status=404, body="not here")
    )
    host.goto("basic.html")
    error = host.wait_error()
    message = host.one_error(_names(missing))
    assert "404" in message or "Failed to fetch" in message or "failed" in message, message
    if missing.endswith("purify.min.js"):
        # Only the html part is left out; the rest of the panel is there, as text.
        panel = host.host("hello")
        expect(panel).to_be_attached()
        expect(panel.get_by_role("dialog", name="Hello")).to_be_visible()
        assert panel.evaluate("h => h.shadowRoot.querySelector('.html')") is None
        extra = "; the panel shown without its html part"
    else:
        nothing_rendered(host)
        extra = "; nothing rendered"
    assert error["message"] == message
    host.check_page_works()
    RECORDER.record(case, observed_error(message, extra))


@pytest.mark.parametrize(("case", "pattern", "name"), [
    ("http500:config", "**/basic.json", "basic.json"),
    ("http500:pyodide.asm.wasm", "**/pyodide.asm.wasm", "pyodide.asm.wasm"),
])  # fmt: skip
def test_server_error_is_one_error(
    hosts: Callable[..., Host], case: str, pattern: str, name: str
) -> None:
    RECORDER.attempt(case)
    host = hosts()
    host.page.route(pattern, lambda route: route.fulfill(status=500, body="oops"))
    host.goto("basic.html")
    host.wait_error()
    message = host.one_error(name, "500")
    nothing_rendered(host)
    host.check_page_works()
    RECORDER.record(case, observed_error(message))


@pytest.mark.parametrize(("case", "pattern"), [
    ("hang:config", "**/basic-fast.json"),
    ("hang:web/worker.js", "**/engage/web/worker.js"),
])  # fmt: skip
def test_hanging_server_gives_up_after_the_boot_timeout(
    hosts: Callable[..., Host], case: str, pattern: str
) -> None:
    RECORDER.attempt(case)
    host = hosts()
    held: list[Route] = []
    host.page.route(pattern, lambda route: held.append(route))  # never answered
    started = time.monotonic()
    host.goto("basic-fast.html")
    host.wait_error(timeout=15)
    waited = time.monotonic() - started
    message = host.one_error("did not start within 2 s")
    assert held, "the request was never made"
    assert waited >= 1.9, waited
    nothing_rendered(host)
    host.check_page_works()
    RECORDER.record(case, observed_error(message, f" after {round(waited)} s"))


# --------------------------------------------------------------------------- WebAssembly


def test_webassembly_missing_is_one_error(hosts: Callable[..., Host]) -> None:
    RECORDER.attempt("wasm:missing")
    host = hosts(init="delete window.WebAssembly;")
    host.goto("basic.html")
    host.wait_error()
    message = host.one_error("WebAssembly is not available")
    nothing_rendered(host)
    host.check_page_works()
    RECORDER.record("wasm:missing", observed_error(message))


def test_webassembly_blocked_by_csp_is_one_error_saying_how_to_fix(
    hosts: Callable[..., Host],
) -> None:
    RECORDER.attempt("wasm:csp")
    host = hosts()

    def with_csp(route: Route) -> None:
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": "script-src 'self'"}
        route.fulfill(response=response, headers=headers)

    host.page.route("**/*", with_csp)
    host.goto("basic.html")
    host.wait_error()
    message = host.one_error("'wasm-unsafe-eval'")
    nothing_rendered(host)
    host.check_page_works()
    RECORDER.record("wasm:csp", observed_error(message))


# --------------------------------------------------------------------------- the worker crashing


def _statuses(host: Host) -> dict[str, list[str]]:
    state = host.page.evaluate("engage.state()")
    return dict(state["session"]["statuses"])


@pytest.mark.quiet
def test_worker_terminated_mid_session_is_restarted_with_its_state(
    hosts: Callable[..., Host],
) -> None:
    RECORDER.attempt("crash:terminated")
    host = hosts()
    host.open("basic-watchdog.html")
    host.wait_event("show", interaction="hello")
    host.settle()
    before = _statuses(host)
    assert before["hello"] == ["exposed"], before
    # The browser kills the worker (out of memory, a crash): no event says so.
    host.page.evaluate("window.__rx.workers[0].terminate()")
    answer = host.page.evaluate("engage.evaluate().then(trace => trace && trace.cause)")
    error = host.wait_error(timeout=20)
    message = host.one_error("did not answer within 2 s", "restarted")
    assert error["message"] == message
    assert answer == "evaluate" or answer is None or isinstance(answer, str)
    assert host.page.evaluate("window.__rx.workers.length") == 2
    trace = host.page.evaluate("engage.evaluate()")
    assert trace is not None and any(r["name"] == "Hello" for r in trace["rules"]), trace
    host.page.wait_for_timeout(300)
    assert len(host.events("show")) == 1, "the panel stays; no second engage:show"
    assert host.events("hide") == []
    expect(host.host("hello")).to_be_attached()
    after = _statuses(host)
    assert after["hello"] == before["hello"], after
    # The restarted engine works: the visitor can still use the panel.
    host.host("hello").get_by_role("button", name="Chat").click()
    host.wait_event("chat", interaction="chat")
    host.settle()
    assert "interacted" in _statuses(host)["chat"]
    assert len(host.errors()) == 1
    host.check_page_works()
    RECORDER.record(
        "crash:terminated",
        f'1 engage:error: "{message}"; worker restarted, panel kept (1 engage:show), statuses '
        f"intact, then the panel's chat started; page works; 0 page errors",
    )


BIGINT = "w => w.postMessage({v: 1, kind: 'facts', facts: [{type: 'tick', now: 1n}]})"


def test_worker_failing_is_restarted_once_then_stops_cleanly(hosts: Callable[..., Host]) -> None:
    RECORDER.attempt("crash:fatal")
    host = hosts()
    host.open("basic.html")
    host.wait_event("show", interaction="hello")
    host.settle()
    before = _statuses(host)
    host.page.evaluate(f"({BIGINT})(window.__rx.workers[0])")
    first = host.wait_error(timeout=20)["message"]
    assert "BigInt" in first and "restarted" in first, first
    host.wait("window.__rx.workers.length === 2")
    trace = host.page.evaluate("engage.evaluate()")
    assert trace is not None, "the restarted engine answers"
    assert _statuses(host) == before
    expect(host.host("hello")).to_be_attached()
    assert len(host.events("show")) == 1
    # A second failure is final: one more error, the engine's panels go, calls answer null.
    host.page.evaluate(f"({BIGINT})(window.__rx.workers[1])")
    host.wait("window.__rx.events.filter(e => e.name === 'error').length === 2")
    host.page.wait_for_timeout(300)
    errors = [e["message"] for e in host.errors()]
    assert len(errors) == 2, errors
    assert "restarted" not in errors[1], errors
    assert len(host.engine_console("error")) == 2
    nothing_rendered(host)
    assert host.page.evaluate("engage.evaluate()") is None
    host.page.evaluate("engage.push({type: 'cart', total: 1, currency: 'EUR', products: []})")
    host.check_page_works()
    RECORDER.record(
        "crash:fatal",
        f'engage:error "{first}", restart, state intact, panel kept; second failure: engage:error '
        f'"{errors[1]}", panels removed, engage calls answer null; page works; 0 page errors',
    )


# --------------------------------------------------------------------------- hostile site code


def always(name: str, start: str, condition: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "alwaysEvaluate": True,
        "rulesets": [{"conditions": [condition]}],
        "outcome": {"start": start},
    }


HOSTILE = {
    "version": 1,
    "rules": [
        {"name": "Throws", "rulesets": [{"conditions": [{"type": "custom", "operator": "evaluatesTrue", "value": "site.throws"}]}],
         "outcome": {"start": "p-throws"}},
        url_rule("Fine", "p-fine"),
        always("Promise", "i-promise", {"type": "custom", "operator": "evaluatesTrue", "value": "site.later"}),
        always("Slow", "i-slow", {"type": "custom", "operator": "evaluatesTrue", "value": "site.slow"}),
    ],
    "interactions": {
        "p-throws": {"type": "panel", "title": "Never"},
        "p-fine": {"type": "panel", "title": "Fine"},
        "i-promise": {"type": "info", "target": "#notice", "text": "Promise settled"},
        "i-slow": {"type": "info", "target": "#notice", "text": "Slow but true"},
    },
}  # fmt: skip


@pytest.mark.quiet
def test_throwing_promise_and_slow_custom_functions(
    hosts: Callable[..., Host], site: HostSite
) -> None:
    cases = ("custom:throws", "custom:promise", "custom:slow")
    RECORDER.attempt(*cases)
    site.page("hostile", HOSTILE)
    host = hosts()
    host.open("hostile.html")
    host.wait_event("show", interaction="p-fine")
    host.wait_event("show", interaction="i-slow")
    host.wait_event("show", interaction="i-promise", timeout=5)
    # Let the loader poll for a while: every call throws, or takes 200 ms.
    calls_at = host.page.evaluate("site.slowCalls")
    host.page.wait_for_timeout(3000)  # three ticks: a 200 ms function is read at most once more
    slow_calls = host.page.evaluate("site.slowCalls") - calls_at
    assert slow_calls <= 1, f"a 200 ms function read {slow_calls} times in 3 s"
    statuses = {r["name"]: r for r in host.page.evaluate("engage.explain()")["rules"]}
    errors = {e["message"]: e for e in host.errors()}
    assert len(errors) == 2, list(errors)
    consoled = host.engine_console("error")
    assert len(consoled) == 2, consoled
    throws = [m for m in errors if "site.throws" in m]
    slow = [m for m in errors if "site.slow" in m]
    assert len(throws) == len(slow) == 1, list(errors)
    assert "threw" in throws[0] and "counts as false" in throws[0], throws
    assert "ms" in slow[0] and "at most every" in slow[0], slow
    assert statuses["Throws"]["matched"] is False
    assert host.events("show")[0]["interaction"] == "p-fine" or "p-fine" in [
        s["interaction"] for s in host.events("show")
    ]
    assert "p-throws" not in [s["interaction"] for s in host.events("show")]
    host.check_page_works()
    tail = "; other rules shown; page works; 0 page errors"
    RECORDER.record("custom:throws", f'false; 1 engage:error: "{throws[0]}"{tail}')
    RECORDER.record("custom:promise", f"true once settled, its info shown; no error{tail}")
    took_ms = int(re.search(r"took (\d+) ms", slow[0]).group(1))  # type: ignore[union-attr]
    assert 200 <= took_ms < 1000, slow
    # the measured duration, and the interval derived from it, as the bounds asserted above
    bounded = re.sub(r"every \d+ s", "every 4+ s", re.sub(r"took \d+ ms", "took 200+ ms", slow[0]))
    RECORDER.record(
        "custom:slow",
        f'true; 1 engage:error: "{bounded}"; '
        f"at most 1 call in the next 3 s (3 ticks){tail}",
    )


# --------------------------------------------------------------------------- load


FLOOD = {
    "version": 1,
    "rules": [
        always("Viewed the last one", "i-last", {"type": "viewedProduct", "operator": "includes", "match": {"sku": "S9999"}}),
        always("Cart", "i-cart", {"type": "cartValue", "operator": "between", "min": 100, "max": 200}),
    ],
    "interactions": {
        "i-last": {"type": "info", "target": "#notice", "text": "You looked at S9999"},
        "i-cart": {"type": "info", "target": "#notice", "text": "Cart between 100 and 200"},
    },
}  # fmt: skip

PUSH_10000 = """() => {
  const t0 = performance.now();
  for (let i = 0; i < 10000; i++) {
    engage.push({type: "viewedProduct", name: "Product " + i, sku: "S" + i, category: "c", price: i});
  }
  engage.push({type: "cart", total: 150, currency: "EUR", products: []});
  return performance.now() - t0;
}"""


def test_an_idle_page_wakes_no_timer_unless_a_rule_polls(hosts: Callable[..., Host], site: HostSite) -> None:
    # Waking the main thread once a second costs a page even when the callback does nothing
    # (docs/performance.md): the loader's tick runs only while it has work.
    host = hosts(init=ONE_HZ)
    host.open("basic.html")  # rules that read only the URL
    host.wait_event("show", interaction="hello")
    host.wait("() => window.__hz.size === 0")
    # a pushed fact goes to the engine and back: the watchdog's tick runs only meanwhile
    host.page.evaluate("engage.push({type: 'cart', total: 1})")
    host.wait("() => window.__hz.size === 0")
    polled = {**BASIC, "rules": [*BASIC["rules"], {"name": "Flag", "rulesets": [{"conditions": [
        {"type": "custom", "operator": "evaluatesTrue", "value": "shopFlag"}]}], "outcome": {"start": "hello"}}]}  # fmt: skip
    site.page("polled", polled)
    host = hosts(init=ONE_HZ + "window.shopFlag = false;")
    host.open("polled.html")  # a custom path: read every second
    host.wait_event("show", interaction="hello")
    assert host.page.evaluate("window.__hz.size") == 1
    assert host.errors() == []
    # a time condition whose moment is further than a timer's 32-bit delay (~24.8 days):
    # waited for in steps, not by a timer that fires at once again and again
    # (first, so that the engine waits for it: nextTickAt)
    far = {**BASIC, "rules": [{"name": "Far", "rulesets": [{"conditions": [
        {"type": "time", "criteria": "onPage", "operator": "moreThan", "value": 3_000_000}]}], "outcome": {"start": "hello"}}, *BASIC["rules"]]}  # fmt: skip
    site.page("far", far)
    host = hosts(init=ONE_HZ)
    host.open("far.html")
    host.wait_event("show", interaction="hello")
    host.wait("() => window.__hz.size === 0")
    before = host.page.evaluate("window.__timeouts")
    host.page.wait_for_timeout(300)
    assert host.page.evaluate("window.__timeouts") - before <= 1


@pytest.mark.quiet
def test_ten_thousand_pushes_in_a_second(hosts: Callable[..., Host], site: HostSite) -> None:
    RECORDER.attempt("load:10000-pushes")
    site.page("flood", FLOOD)
    host = hosts()
    host.open("flood.html")
    sent_before = host.page.evaluate("window.__rx.events.length")
    started = time.monotonic()
    loop_ms = host.page.evaluate(PUSH_10000)
    # The page answers at once, while the engine works through the batch.
    host.check_page_works(navigate=False)
    host.wait_event("show", interaction="i-last", timeout=20)
    host.wait_event("show", interaction="i-cart", timeout=5)
    answered_s = time.monotonic() - started
    assert sent_before > 0
    assert loop_ms < 1000, f"10,000 pushes took {loop_ms} ms of the page's main thread"
    assert host.errors() == []
    state = host.page.evaluate("engage.state()")
    assert state["session"]["behaviour"]["cart"]["total"] == 150
    stored = host.page.evaluate("localStorage.getItem('engage:state').length")
    assert stored < 100_000, f"stored state grew to {stored} bytes"
    host.check_page_works()
    assert answered_s < 25
    RECORDER.record(
        "load:10000-pushes",
        "the loop took under 1,000 ms of main thread, both rules shown within 25 s; "
        "stored state under 100 KB; no error; page works; 0 page errors",
    )


@pytest.mark.quiet
def test_a_config_of_five_thousand_rules(hosts: Callable[..., Host], site: HostSite) -> None:
    RECORDER.attempt("load:5000-rules")
    rules = [url_rule(f"Rule {i}", "never", f"/no-such-page-{i}") for i in range(4999)]
    rules.append(url_rule("The last rule", "last"))
    config = {"version": 1, "rules": rules, "interactions": {
        "never": {"type": "panel", "title": "Never"}, "last": {"type": "panel", "title": "The last rule"}}}  # fmt: skip
    site.page("big", config)
    host = hosts()
    started = time.monotonic()
    host.goto("big.html")
    shown = host.wait_event("show", timeout=20)
    took = time.monotonic() - started
    assert shown["interaction"] == "last", shown
    assert host.errors() == []
    trace = host.page.evaluate("engage.explain()")
    assert len(trace["rules"]) == 5000
    size = len(json.dumps(config)) // 1024
    host.check_page_works()
    assert took < 25
    RECORDER.record(
        "load:5000-rules",
        f"config {size} KB; the last rule's panel shown within 25 s of navigation "
        f"(boot included); no error; page works; 0 page errors",
    )


# --------------------------------------------------------------------------- state


QUOTA = """Storage.prototype.setItem = function () {
  throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
};"""
DISABLED = """for (const name of ["localStorage", "sessionStorage"]) {
  Object.defineProperty(window, name, {configurable: true,
    get() { throw new DOMException("The operation is insecure.", "SecurityError"); }});
}"""


@pytest.mark.parametrize(
    ("case", "init"), [("state:storage-full", QUOTA), ("state:storage-disabled", DISABLED)]
)
def test_storage_full_or_disabled_keeps_the_session_in_memory(
    hosts: Callable[..., Host], case: str, init: str
) -> None:
    RECORDER.attempt(case)
    host = hosts(init=init)
    host.open("basic.html")
    host.wait_event("show", interaction="hello")
    host.host("hello").get_by_role("button", name="Close", exact=True).first.click()
    host.wait_event("hide", interaction="hello")
    host.settle()
    assert _statuses(host)["hello"] == ["exposed", "declined"]
    warnings = host.engine_console("warning")
    assert len(warnings) == 1 and "kept in memory" in warnings[0], warnings
    assert host.errors() == []
    host.check_page_works()
    RECORDER.record(
        case,
        f'1 warning: "{warnings[0]}"; statuses kept in memory; no engage:error; page works; 0 page errors',
    )


BAD_STATES = [
    ("state:corrupt-json", "{not json", "unreadable"),
    (
        "state:corrupt-shape",
        {"session": {"version": 1, "history": "oops"}, "visitor": None},
        "unexpected fields",
    ),
    (
        "state:older-version",
        {"session": {"version": 0, "started_at": 1, "last_seen_at": 1, "history": []}},
        "version 0",
    ),
]


def test_corrupt_or_older_stored_state_is_dropped_with_a_warning(
    hosts: Callable[..., Host],
) -> None:
    RECORDER.attempt(*(case for case, _, _ in BAD_STATES))
    host = hosts()
    context = host.page.context
    for case, stored, needle in BAD_STATES:
        page = hosts(context=context)
        page.goto("other.html")  # same origin, no engine
        value = (
            stored
            if isinstance(stored, str)
            else json.dumps({"savedAt": int(time.time() * 1000), "state": stored})
        )
        page.page.evaluate("v => localStorage.setItem('engage:state', v)", value)
        page.open("basic.html")
        page.wait_event("show", interaction="hello")
        page.settle()
        warnings = page.engine_console("warning")
        assert len(warnings) == 1 and needle in warnings[0], (case, warnings)
        assert page.errors() == [], page.errors()
        session = page.page.evaluate("engage.state()")["session"]
        assert len(session["history"]) == 1 and session["history"][0].endswith("basic.html")
        written = json.loads(page.page.evaluate("localStorage.getItem('engage:state')"))
        assert written["state"]["session"]["version"] == 1
        page.check_page_works()
        page.page.close()
        RECORDER.record(
            case,
            f'dropped; 1 warning: "{warnings[0]}"; a new session written; no engage:error; 0 page errors',
        )


TABS = {
    "version": 1,
    "rules": [url_rule("Tab A", "pa", "tab=a"), url_rule("Tab B", "pb", "tab=b")],
    "interactions": {
        "pa": {"type": "panel", "title": "Panel A"},
        "pb": {"type": "panel", "title": "Panel B", "buttons": [{"label": "Tell me more", "next": "pb-more"}]},
        "pb-more": {"type": "panel", "title": "More about B"},
    },
}  # fmt: skip

HAS_ALL_IN_ENGINE = """expected => { const s = engage.state();
  return !!s && Object.entries(expected).every(([k, v]) => v.every(x => (s.session.statuses[k] || []).includes(x))); }"""
HAS_ALL_STORED = """expected => { const s = JSON.parse(localStorage.getItem('engage:state')).state.session.statuses;
  return Object.entries(expected).every(([k, v]) => v.every(x => (s[k] || []).includes(x))); }"""


def test_two_tabs_acting_at_once_lose_nothing(hosts: Callable[..., Host], site: HostSite) -> None:
    RECORDER.attempt("state:two-tabs")
    site.page("tabs", TABS)
    a = hosts()
    b = hosts(context=a.page.context)
    a.open("tabs.html?tab=a")
    b.open("tabs.html?tab=b")
    a.wait_event("show", interaction="pa")
    b.wait_event("show", interaction="pb")
    a.settle()
    b.settle()
    # At once: each tab closes its panel (one state write each, crossing in storage).
    close = a.host("pa").get_by_role("button", name="Close", exact=True).first.element_handle()
    other = b.host("pb").get_by_role("button", name="Close", exact=True).first.element_handle()
    at = int(time.time() * 1000) + 400  # the same moment in both tabs
    at_once = "([h, at]) => setTimeout(() => h.click(), at - Date.now())"
    a.page.evaluate(at_once, [close, at])
    b.page.evaluate(at_once, [other, at])
    expected = {"pa": ["exposed", "declined"], "pb": ["exposed", "declined"]}

    def has_all(statuses: dict[str, list[str]]) -> bool:
        return all(set(v) <= set(statuses.get(k, [])) for k, v in expected.items())

    for tab in (a, b):
        tab.wait(HAS_ALL_IN_ENGINE, arg=expected)
    a.wait(HAS_ALL_STORED, arg=expected)
    for tab in (a, b):
        statuses = _statuses(tab)
        assert has_all(statuses), statuses
        assert all(len(v) == len(set(v)) for v in statuses.values()), statuses
    c = hosts(context=a.page.context)
    c.open("tabs.html")
    assert has_all(_statuses(c)), _statuses(c)
    for tab in (a, b, c):
        assert tab.errors() == []
        assert not tab.page_errors
    RECORDER.record(
        "state:two-tabs",
        "both tabs and localStorage end with pa and pb exposed+declined (no duplicates); a third "
        "tab starts with both; no error; 0 page errors",
    )


CHAT_FLOW = {
    "version": 1,
    "rules": [url_rule("Offer", "offer", "step=2", frequency={"maxPerSession": 1})],
    "interactions": {
        "offer": {"type": "panel", "title": "Need a hand?", "buttons": [{"label": "Chat now", "next": "live"}]},
        "live": {"type": "chat", "title": "Chat"},
    },
    "entryPoints": {
        "one": {"url": {"operator": "contains", "value": "step=1"}},
        "two": {"url": {"operator": "contains", "value": "step=2"}},
        "three": {"url": {"operator": "contains", "value": "step=3"}},
    },
    "flows": {"steps": {"steps": [{"entryPoint": "one", "required": True}, {"entryPoint": "two", "required": True},
                                  {"entryPoint": "three", "required": True}]}},
}  # fmt: skip


def test_reload_in_the_middle_of_a_chat_loses_and_duplicates_nothing(
    hosts: Callable[..., Host], site: HostSite
) -> None:
    RECORDER.attempt("state:reload-mid-chat")
    site.page("chatflow", CHAT_FLOW)
    host = hosts()
    host.open("chatflow.html?step=1")
    host.page.evaluate("history.pushState(null, '', '?step=2')")
    host.wait_event("show", interaction="offer")
    host.settle()
    flows_before = host.page.evaluate("engage.state()")["session"]["behaviour"]["flows"]
    host.host("offer").get_by_role("button", name="Chat now").click()
    host.wait_event("chat", interaction="live")
    host.page.reload()  # at once: the chat's shown / chatStarted may still be on their way
    host.wait_ready()
    resumed = host.wait_event("chat", interaction="live")
    host.settle(500)
    assert resumed["resumed"] is True
    assert len(host.events("chat")) == 1, host.events("chat")
    expect(host.page.locator('[data-engage-interaction="live"]')).to_have_count(1)
    expect(host.host("offer")).to_have_count(0)
    session = host.page.evaluate("engage.state()")["session"]
    statuses = session["statuses"]
    assert statuses["offer"] == ["exposed", "clicked", "interacted"], statuses  # the click started the chat
    assert statuses["live"] == ["exposed", "interacted"], statuses
    assert session["displays"] == {"Offer": 1}, session["displays"]
    assert [u.split("/")[-1] for u in session["history"]] == [
        "chatflow.html?step=1",
        "chatflow.html?step=2",
    ]
    assert session["behaviour"]["flows"] == flows_before, (
        flows_before,
        session["behaviour"]["flows"],
    )
    assert [s["interaction"] for s in session["sticky"]] == ["live"]
    assert host.errors() == []
    host.check_page_works()
    RECORDER.record(
        "state:reload-mid-chat",
        "after the reload: engage:chat once with resumed: true, one chat window; statuses offer "
        "exposed+clicked+interacted, live exposed+interacted; displays {Offer: 1}; history and flow progress "
        "unchanged; no error; 0 page errors",
    )


@pytest.mark.parametrize("early", [False, True], ids=["after-boot-began", "before-the-journals-module"])
def test_a_push_just_before_leaving_reaches_the_next_page(
    hosts: Callable[..., Host], site: HostSite, early: bool
) -> None:
    RECORDER.attempt("state:push-then-leave" + (":early" if early else ""))
    site.page("leave", BASIC)
    site.page("arrive", BASIC)
    host = hosts()
    held: list[Route] = []
    if early:  # the first page's web/lifecycle.js never arrives: the page is left before it
        host.page.route("**/web/lifecycle.js", lambda route: route.continue_() if held else held.append(route))
    host.goto("leave.html")
    for _ in range(200 if early else 0):  # the loader has asked for it (after `load`)
        if held:
            break
        host.page.wait_for_timeout(25)
    assert len(held) == int(early)
    booted = host.page.evaluate("window.__rx.events.some(e => e.name === 'ready')")
    host.page.evaluate(
        "() => { engage.push({type: 'cart', total: 42, currency: 'EUR', products: []});"
        " location.href = 'arrive.html'; }"
    )
    host.page.wait_for_url("**/arrive.html")
    host.wait_ready()
    host.settle()
    session = host.page.evaluate("engage.state()")["session"]
    assert session["behaviour"]["cart"]["total"] == 42, session["behaviour"]["cart"]
    assert [u.split("/")[-1] for u in session["history"]] == ["leave.html", "arrive.html"]
    assert host.page.evaluate("sessionStorage.getItem('engage:pending')") is None
    assert host.errors() == []
    RECORDER.record(
        "state:push-then-leave" + (":early" if early else ""),
        f"the next page's session has the cart (total 42) and history [leave.html, arrive.html] "
        f"(engine {'running' if booted else 'not yet started'} when the page was left); no error; 0 page errors",
    )


def test_registry_covers_every_wheel_in_the_build(engage_build: Path) -> None:
    built = sorted(p.name.split("-")[0] for p in (engage_build / "wheels").glob("*.whl"))
    assert built == sorted(WHEELS), built

"""Engagement controls (SPEC section 5) on the demo shop, end to end through loader.js.

Wildcard URLs, frequency caps across page loads and sessions, control groups, a hidden
tab, `activeOnly` time, consent mode, the dataLayer hand-off and keyboard use of panels,
each with the rule of demo-site/rules.json that shows it (rules.html says how to see each
by hand). Time is page.clock time (see demo_helpers.py); every test fails on an uncaught
page error.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from engine.display import bucket as _bucket
from engine.state import SESSION_VERSION
from tests.browser.demo_helpers import UI_MS, WEDNESDAY_10, Demo

pytestmark = pytest.mark.browser

# Emulates a hidden tab: document.hidden / visibilityState read a flag, and setting it
# dispatches visibilitychange, as the browser does when the visitor switches tabs.
HIDDEN_TAB = """
(() => {
  let hidden = false;
  Object.defineProperty(Document.prototype, "hidden", {configurable: true, get: () => hidden});
  Object.defineProperty(Document.prototype, "visibilityState", {
    configurable: true, get: () => (hidden ? "hidden" : "visible")});
  Object.defineProperty(window, "__engageTab", {value: (h) => {
    hidden = h;
    document.dispatchEvent(new Event("visibilitychange"));
  }});
})();
"""

STORAGE = """async () => ({
  localStorage: Object.fromEntries(Object.keys(localStorage).map((k) => [k, localStorage.getItem(k)])),
  sessionStorage: Object.fromEntries(Object.keys(sessionStorage).map((k) => [k, sessionStorage.getItem(k)])),
  cookie: document.cookie,
  indexedDB: (await indexedDB.databases()).map((d) => d.name),
})"""

NOTHING_STORED = {"localStorage": {}, "sessionStorage": {}, "cookie": "", "indexedDB": []}


def ms(at: datetime.datetime) -> int:
    return int(at.timestamp() * 1000)


def set_visible(demo: Demo, visible: bool) -> None:
    demo.page.evaluate("(hidden) => window.__engageTab(hidden)", not visible)
    demo.idle()


# --------------------------------------------------------------------------- wildcard


def test_wildcard_url_rule_in_the_single_page_app(demo: Demo) -> None:
    demo.open("app.html")
    # Anchored to the whole URL: the app's own address does not match it.
    (cond,) = demo.conditions("App accessories view")
    assert cond["operator"] == "wildcard" and cond["value"] == "*/app*?view=accessories*"
    assert cond["result"] is False and str(cond["read"]).endswith("/app.html"), cond
    nav = demo.page.locator(".app-nav")
    nav.locator('a[data-route="accessories"]').click()  # pushState to app.html?view=accessories
    shown = demo.wait_shown("accessories-info")
    assert shown == {"rule": "App accessories view", "interaction": "accessories-info",
                     "type": "info", "language": "en", "queueKey": None}  # fmt: skip
    notice = demo.page.locator("#engage-notice").locator(
        '[data-engage-interaction="accessories-info"]'
    )
    expect(notice).to_contain_text("Which accessories fit?")
    (cond,) = demo.conditions("App accessories view")
    assert cond["result"] is True and str(cond["read"]).endswith("/app.html?view=accessories")

    # Another view: a navigation step the wildcard does not match.
    nav.locator('a[data-route="compare"]').click()
    assert demo.wait_event("hide", interaction="accessories-info")["reason"] == "navigation"
    demo.wait_shown("compare-info")


# --------------------------------------------------------------------------- frequency


def test_trade_in_frequency_min_interval_and_max_per_visitor_across_sessions(demo: Demo) -> None:
    # "Trade-in offer": on the phones page after 5 s; maxPerVisitor 2, minIntervalSeconds 60.
    demo.open("category.html")
    demo.advance(6)
    assert demo.wait_shown("trade-in-panel")["rule"] == "Trade-in offer"
    demo.idle()
    assert demo.visitor()["displays"]["Trade-in offer"] == 1
    assert demo.session()["displays"]["Trade-in offer"] == 1
    visitor_id = demo.visitor()["visitor_id"]

    # Reloaded 6 s later: within the minimum interval.
    demo.page.reload()
    demo.wait_ready()
    demo.advance(6)
    demo.quiet()
    assert "trade-in-panel" not in demo.shown()
    assert demo.statuses()["Trade-in offer"] == "capped"

    # The visitor spends a minute on the home page; back on the phones page the offer may
    # show again: the visitor's second display. (The minute is spent elsewhere because the
    # engine schedules no tick for the moment an interval ends; on the phones page the
    # display would then depend on another rule's time condition happening to flip.)
    demo.open("index.html")
    demo.page.clock.fast_forward(60_000)
    demo.open("category.html")
    demo.advance(6)
    demo.wait_shown("trade-in-panel")
    demo.idle()
    assert demo.visitor()["displays"]["Trade-in offer"] == 2
    assert demo.session()["displays"]["Trade-in offer"] == 2

    # 31 idle minutes end the session; the visitor's count lives on (localStorage).
    demo.page.clock.fast_forward(31 * 60_000)
    demo.page.reload()
    demo.wait_ready()
    session = demo.session()
    assert len(session["history"]) == 1 and session["displays"] == {}, "a new session"
    assert demo.visitor()["visitor_id"] == visitor_id
    assert demo.visitor()["displays"]["Trade-in offer"] == 2
    demo.advance(6)
    demo.quiet()
    assert "trade-in-panel" not in demo.shown()
    assert demo.statuses()["Trade-in offer"] == "capped", "maxPerVisitor 2 reached"
    stored = json.loads(demo.page.evaluate("localStorage.getItem('engage:state')"))
    assert stored["state"]["visitor"]["displays"]["Trade-in offer"] == 2


def test_trade_in_not_after_the_visitor_declined_it(demo: Demo) -> None:
    demo.open("category.html")
    demo.advance(6)
    demo.wait_shown("trade-in-panel")
    demo.host("trade-in-panel").get_by_role("button", name="No thanks").click()
    assert demo.wait_event("hide", interaction="trade-in-panel")["reason"] == "closed"
    demo.idle()
    # Past the minimum interval, below maxPerVisitor: only notAfter ["declined"] holds it back.
    demo.page.clock.fast_forward(61_000)
    demo.page.reload()
    demo.wait_ready()
    demo.advance(6)
    demo.quiet()
    assert "trade-in-panel" not in demo.shown()
    assert demo.statuses()["Trade-in offer"] == "capped"
    assert demo.visitor()["displays"]["Trade-in offer"] == 1
    assert "declined" in demo.session()["rule_statuses"]["Trade-in offer"]


# --------------------------------------------------------------------------- control group


def visitor_state(in_control: bool) -> dict[str, Any]:
    """A stored visitor whose id buckets in (or out of) the "Fold video demo" control half."""
    vid = next(
        v
        for v in (f"{i:016x}" for i in range(1000))
        if (_bucket(v, "Fold video demo") < 0.5) == in_control
    )
    now = ms(WEDNESDAY_10)
    visitor = {"version": SESSION_VERSION, "visitor_id": vid, "first_seen_at": now,
               "last_seen_at": now, "displays": {}}  # fmt: skip
    return {"savedAt": now, "state": {"visitor": visitor}}


FOLD = {"rule": "Fold video demo", "interaction": "fold-demo-panel", "type": "panel",
        "language": "en", "queueKey": "Sales"}  # fmt: skip


def test_control_group_visitor_gets_engage_control_and_nothing_shown(demo: Demo) -> None:
    stored = visitor_state(in_control=True)
    demo.storage(**{"engage:state": stored})
    demo.open("category.html#phone-z-fold")
    assert demo.wait_event("control", rule="Fold video demo") == FOLD
    demo.quiet()
    assert demo.events("control") == [FOLD]
    assert demo.events("show") == []
    expect(demo.host("fold-demo-panel")).to_have_count(0)
    (decided,) = [t for t in demo.events("evaluated") if t["cause"] == "load"]
    assert {r["name"]: r["status"] for r in decided["rules"]}["Fold video demo"] == "control"
    assert demo.visitor()["visitor_id"] == stored["state"]["visitor"]["visitor_id"]
    assert demo.session()["displays"]["Fold video demo"] == 1, "counts as a display for the caps"
    # The analytics hand-off: the same detail, as the GTM convention has it.
    assert demo.data_layer() == [{"event": "engage_control", **FOLD}]


def test_visitor_outside_the_control_group_sees_the_panel_and_the_data_layer_follows(
    demo: Demo,
) -> None:
    demo.storage(**{"engage:state": visitor_state(in_control=False)})
    demo.open("category.html#phone-z-fold")
    assert demo.wait_shown("fold-demo-panel") == FOLD  # the same shape as engage:control
    assert demo.events("control") == []
    assert demo.statuses()["Fold video demo"] == "shown"
    assert demo.data_layer() == [{"event": "engage_show", **FOLD}]

    # Visitor actions: a button that opens the chat, then closing the chat.
    demo.host("fold-demo-panel").get_by_role("button", name="Book a video demo").click()
    demo.wait_shown("live-chat")
    demo.host("live-chat").get_by_role("button", name="Close", exact=True).click()
    demo.wait_event("hide", interaction="live-chat")
    chat = {"rule": "Fold video demo", "interaction": "live-chat", "type": "chat",
            "language": "en", "queueKey": "Sales"}  # fmt: skip
    assert demo.data_layer() == [
        {"event": "engage_show", **FOLD},
        {"event": "engage_clicked", "rule": "Fold video demo", "interaction": "fold-demo-panel",
         "next": "live-chat"},
        {"event": "engage_hide", **FOLD, "reason": "next"},
        {"event": "engage_chat", "rule": "Fold video demo", "interaction": "live-chat",
         "queueKey": "Sales", "language": "en", "resumed": False},
        {"event": "engage_show", **chat},
        {"event": "engage_chat_started", "rule": "Fold video demo", "interaction": "live-chat",
         "next": None},
        {"event": "engage_closed", "rule": "Fold video demo", "interaction": "live-chat",
         "next": None},
        {"event": "engage_hide", **chat, "reason": "closed"},
    ]  # fmt: skip


# --------------------------------------------------------------------------- visibility


def test_nothing_is_displayed_in_a_hidden_tab_until_the_visitor_returns(
    demo_factory: Callable[..., Demo],
) -> None:
    demo = demo_factory(init=HIDDEN_TAB)
    demo.storage(demo_agents="3")
    demo.open("index.html")
    demo.advance(1)
    set_visible(demo, False)
    demo.advance(6)  # "Welcome" (5 s on the page, wall time) matches while hidden
    demo.quiet()
    assert demo.shown() == []
    expect(demo.page.locator("[data-engage-interaction]")).to_have_count(0)
    (on_page,) = demo.conditions("Welcome", "time")
    assert on_page["result"] is True, "the rule matched; only the display waits"

    set_visible(demo, True)
    assert demo.wait_shown("welcome-panel")["rule"] == "Welcome"
    expect(
        demo.host("welcome-panel").get_by_role("dialog", name="Welcome to Fjord Gadgets")
    ).to_be_visible()


def test_active_only_time_counts_only_while_the_tab_is_visible(
    demo_factory: Callable[..., Demo],
) -> None:
    # "Order feedback": more than 10 s of *visible* time on the confirmation page.
    demo = demo_factory(init=HIDDEN_TAB)
    demo.open("confirmation.html")
    demo.advance(4)
    set_visible(demo, False)
    demo.skip(19)
    demo.advance(1)
    demo.quiet()
    (active,) = demo.conditions("Order feedback", "time")
    assert active["activeOnly"] is True
    assert active["result"] is False and active["read"] < 5, active  # 24 s on the page, 4 visible
    set_visible(demo, True)
    demo.advance(5)
    demo.quiet()
    assert demo.shown() == [], "9 s visible"
    demo.advance(2)
    assert demo.wait_shown("feedback-panel")["rule"] == "Order feedback"
    (active,) = demo.conditions("Order feedback", "time")
    assert 10 < active["read"] < 12, active


# --------------------------------------------------------------------------- consent


def test_consent_mode_stores_nothing_until_consent_and_erases_on_refusal(
    demo_factory: Callable[..., Demo],
) -> None:
    demo = demo_factory()
    page = demo.page
    demo.open("privacy.html")  # data-consent="required"; the page itself stores nothing

    def stored() -> dict[str, Any]:
        snapshot = dict(page.evaluate(STORAGE))
        assert page.context.cookies() == []
        return snapshot

    def page_now() -> str:
        return str(demo.session()["history"][-1])

    def navigate(hash_: str) -> None:
        page.evaluate("(h) => { location.hash = h; }", hash_)
        page.wait_for_function(
            "(h) => engage.state() && engage.state().session.history.at(-1).endsWith(h)",
            arg=hash_,
            timeout=UI_MS,
        )
        demo.idle()

    assert stored() == NOTHING_STORED
    # The engine runs, with the visitor's state in memory only.
    assert len(demo.session()["history"]) == 1 and demo.visitor()["visitor_id"]
    navigate("#choices")
    demo.quiet()
    assert stored() == NOTHING_STORED

    # Consent: what the engine knows is written at once, in full.
    page.get_by_role("button", name="Allow", exact=True).click()
    written = stored()
    assert list(written["localStorage"]) == ["engage:state"], written
    assert (
        written["sessionStorage"] == {} and written["cookie"] == "" and written["indexedDB"] == []
    )
    saved = json.loads(written["localStorage"]["engage:state"])
    assert saved["state"] == page.evaluate("engage.state()")
    navigate("#later")
    page.wait_for_function(
        "JSON.parse(localStorage.getItem('engage:state')).state.session.history.at(-1).endsWith('#later')",
        timeout=UI_MS,
    )

    # Refusal: what was stored is erased, and nothing is written afterwards.
    page.get_by_role("button", name="Don't allow").click()
    assert stored() == NOTHING_STORED
    navigate("#after")
    demo.quiet()
    assert stored() == NOTHING_STORED
    assert page_now().endswith("#after"), "the engine goes on in memory"
    expect(page.locator("#stored-now")).to_contain_text("localStorage:\n  nothing")


# --------------------------------------------------------------------------- panels and keyboard


def test_panels_do_not_steal_focus_are_announced_leave_the_page_usable_and_work_by_keyboard(
    demo: Demo,
) -> None:
    page = demo.page
    demo.open("index.html")
    shop = page.get_by_role("link", name="Shop phones")
    shop.focus()
    demo.advance(6)
    demo.wait_shown("welcome-panel")
    host = demo.host("welcome-panel")

    # No focus stealing.
    assert page.evaluate("document.activeElement.textContent") == "Shop phones"
    assert host.evaluate("h => h.shadowRoot.activeElement") is None
    # A polite announcement (filled just after insertion).
    demo.advance(1)
    live = host.evaluate(
        """h => [...h.shadowRoot.querySelectorAll('[aria-live]')].map(
             e => ({live: e.getAttribute('aria-live'), text: e.textContent}))"""
    )
    assert [x["live"] for x in live] == ["polite"], live
    assert "Welcome to Fjord Gadgets" in live[0]["text"]
    assert host.get_by_role("dialog").get_attribute("aria-modal") == "false"
    # No blocking overlay: outside the panel the page gets the pointer.
    box = host.bounding_box()
    viewport = page.viewport_size
    assert box and viewport and box["width"] < viewport["width"] / 2
    for x, y in [
        (10, 10),
        (viewport["width"] // 2, viewport["height"] // 2),
        (10, viewport["height"] - 10),
    ]:
        hit = page.evaluate(
            "([x, y]) => { const e = document.elementFromPoint(x, y); return !!e && !e.closest('[data-engage-dock]'); }",
            [x, y],
        )
        assert hit, f"({x}, {y}) is covered by the engine"
    inside = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).getAttribute('data-engage-interaction')",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert inside == "welcome-panel"

    def focused() -> str | None:
        return host.evaluate(
            "h => { const a = h.shadowRoot && h.shadowRoot.activeElement;"
            " return a ? a.getAttribute('aria-label') || a.textContent : null; }"
        )

    # Keyboard: the panel comes after the page in the tab order.
    last = page.locator("footer a").last
    last.focus()
    page.keyboard.press("Tab")
    assert focused() == "Close"
    page.keyboard.press("Tab")
    assert focused() == "Chat with an adviser"
    page.keyboard.press("Escape")
    assert demo.wait_event("hide", interaction="welcome-panel")["reason"] == "closed"
    expect(host).to_have_count(0)
    assert page.evaluate("document.activeElement.textContent") == last.text_content(), (
        "focus returns"
    )

    # Shown again by the site; Enter on a button opens the chat, which takes the focus
    # the visitor asked for; Escape closes it and focus goes back to where it was.
    page.evaluate("engage.triggerRule('Welcome')")
    demo.wait_event("show", interaction="welcome-panel", rule="Welcome")
    demo.page.wait_for_function(
        "window.__engageTest.events.filter(e => e.name === 'show').length === 2", timeout=UI_MS
    )
    assert page.evaluate("document.activeElement.textContent") == last.text_content()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert focused() == "Chat with an adviser"
    page.keyboard.press("Enter")
    demo.wait_shown("live-chat")
    chat = demo.host("live-chat")
    assert (
        page.evaluate("document.activeElement.getAttribute('data-engage-interaction')")
        == "live-chat"
    )
    assert chat.evaluate("h => h.shadowRoot.activeElement.getAttribute('aria-label')") == "Close"
    page.keyboard.press("Escape")
    assert demo.wait_event("hide", interaction="live-chat")["reason"] == "closed"
    assert page.evaluate("document.activeElement.textContent") == last.text_content(), (
        "focus returns"
    )

"""What a visitor of the demo shop sees: SPEC behaviours end to end, through loader.js.

The demo site (a copy of demo-site/) is served with an engage folder built with
demo-site/rules.json, exactly as a site owner would deploy it. Time is page.clock time:
every test installs a paused clock (a Wednesday, 10:00 in Oslo, unless it says otherwise)
before the first page load and moves it with `Demo.advance`, one second at a time, waiting
after each step until the loader has no message in flight to the worker (an init script
counts the messages). Nothing here sleeps for engine time; the only real waits are short
ones before a negative assertion ("nothing else appeared"). The fixtures are in
conftest.py, the `Demo` driver in demo_helpers.py.

Every test fails on an uncaught page error (`pageerror`).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.browser.demo_helpers import (
    BOOT_MS,
    CHRISTMAS_EVE_10,
    QUIET_MS,
    UI_MS,
    WEDNESDAY_10,
    WEDNESDAY_20,
    Demo,
    engage_with_rules,
)

pytestmark = pytest.mark.browser

IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
IPAD_UA = (
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1"
)
# iPadOS 13+ Safari asks for desktop sites with exactly the Mac Safari UA; only its touch
# screen (navigator.maxTouchPoints 5) tells it from a Mac.
IPADOS_MAC_UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Safari/605.1.15"
)
DESKTOP_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
)

# Installed before site.js: window.visitorIsVIP always throws, whatever the site assigns.
THROWING_VIP = """
Object.defineProperty(window, "visitorIsVIP", {
  configurable: true,
  get() { return function visitorIsVIP() { throw new Error("VIP service unavailable"); }; },
  set(_) { /* the site's own definition is ignored */ },
});
"""

BAD_CONFIG = {
    "version": 1,
    "rules": [
        {
            "name": "Typo",
            "rulesets": [{"conditions": [
                {"type": "url", "criteria": "currentPage", "operator": "contians", "value": "/"}
            ]}],
            "outcome": {"start": "hello"},
        }
    ],
    "interactions": {"hello": {"type": "panel", "title": "Hello"}},
}  # fmt: skip


# --------------------------------------------------------------------------- evaluation


def test_nothing_of_the_engine_is_fetched_before_the_pages_load_event(
    new_context: Callable[..., BrowserContext], demo_url: str
) -> None:
    # loader.js waits for `load` (unless data-eager): until then the page's own resources
    # have the network to themselves (docs/loader.md). Real time here: page.clock replaces
    # `performance`, whose entries this reads.
    page = new_context().new_page()
    page.goto(demo_url + "index.html")
    page.wait_for_function("performance.getEntriesByType('resource').some(e => e.name.endsWith('/web/signals.js'))")
    early = page.evaluate("""() => {
      const load = performance.getEntriesByType("navigation")[0].loadEventStart;
      return performance.getEntriesByType("resource")
        .filter((e) => e.startTime < load && e.name.includes("/engage/") && !e.name.endsWith("/loader.js"))
        .map((e) => e.name);
    }""")
    assert early == []


def test_first_matching_rule_wins_and_always_evaluated_note_shows_alongside(demo: Demo) -> None:
    # Phone X + Phone Z Fold: 1998 EUR. "Big cart" and, lower down, "Case for Phone X" match.
    demo.storage(demo_cart=[{"sku": "PX-1", "quantity": 1}, {"sku": "ZF-1", "quantity": 1}])
    demo.open("cart.html")
    big = demo.wait_shown("big-cart-panel")
    assert big == {"rule": "Big cart", "interaction": "big-cart-panel", "type": "panel",
                   "language": "en", "queueKey": "Sales"}  # fmt: skip
    note = demo.wait_shown("shipping-info")
    assert note["rule"] == "Free shipping note" and note["type"] == "info"
    # The always-evaluated note is rendered inside the page, in its target.
    expect(
        demo.page.locator("#cart-promo").locator('[data-engage-interaction="shipping-info"]')
    ).to_have_count(1)
    expect(demo.host("shipping-info")).to_contain_text("Free shipping on every order over €500")
    demo.quiet()
    assert sorted(demo.shown()) == ["big-cart-panel", "shipping-info"]
    expect(demo.host("case-info")).to_have_count(0)
    # The page load's evaluation: rules below the winner were not even tried.
    (load,) = [t for t in demo.events("evaluated") if t["cause"] == "load"]
    statuses = {r["name"]: r["status"] for r in load["rules"]}
    assert statuses["Big cart"] == "shown"
    assert statuses["Free shipping note"] == "shown"
    assert statuses["Case for Phone X"] == "skipped"
    assert statuses["Default chat button"] == "skipped"


def test_welcome_appears_after_five_seconds_on_the_home_page(demo: Demo) -> None:
    demo.open("index.html")
    demo.advance(4)
    demo.quiet()
    assert demo.shown() == [], "nothing before 5 s on the page"
    demo.advance(2)
    assert demo.wait_shown("welcome-panel") == {
        "rule": "Welcome", "interaction": "welcome-panel", "type": "panel",
        "language": "en", "queueKey": "Sales",
    }  # fmt: skip
    demo.quiet()
    assert demo.shown() == ["welcome-panel"]
    statuses = demo.statuses()
    assert statuses["Welcome"] == "shown" and statuses["Welcome back"] == "notMatched"


def test_displayed_interaction_has_host_attributes_open_shadow_root_and_close_button(
    demo: Demo,
) -> None:
    demo.open("index.html")
    demo.advance(6)
    demo.wait_shown("welcome-panel")
    host = demo.host("welcome-panel")
    expect(host).to_have_count(1)
    expect(host).to_have_attribute("data-engage-rule", "Welcome")
    shadow = host.evaluate(
        "h => h.shadowRoot && {mode: h.shadowRoot.mode, text: h.shadowRoot.textContent}"
    )
    assert shadow is not None, "no open shadow root (closed roots read as null)"
    assert shadow["mode"] == "open"
    assert "Welcome to Fjord Gadgets" in shadow["text"]
    # Content lives in the shadow root, not in the light DOM the page's CSS reaches.
    assert host.evaluate("h => h.children.length") == 0
    dialog = host.get_by_role("dialog", name="Welcome to Fjord Gadgets")
    expect(dialog).to_be_visible()
    expect(host.get_by_role("button", name="Close", exact=True)).to_have_count(1)
    expect(host.get_by_role("button", name="Close", exact=True)).to_be_visible()
    # Panels never steal focus when they appear.
    assert (
        host.evaluate("h => document.activeElement === h || h.contains(document.activeElement)")
        is False
    )


def test_closed_interaction_is_declined_and_not_shown_again_in_that_page_view(demo: Demo) -> None:
    # "Lost visitor" has no frequency cap, so only the decline keeps it away.
    demo.open("error.html")
    demo.wait_shown("lost-panel")
    host = demo.host("lost-panel")
    # The panel's own "Close" action and the x button are both named "Close"; the x is first.
    close = host.get_by_role("button", name="Close", exact=True)
    expect(close.first).to_be_visible()
    close.first.click()
    hidden = demo.wait_event("hide", interaction="lost-panel")
    assert hidden == {"rule": "Lost visitor", "interaction": "lost-panel", "type": "panel",
                      "language": "en", "queueKey": "Support", "reason": "closed"}  # fmt: skip
    expect(host).to_have_count(0)
    demo.idle()
    assert "declined" in demo.session()["statuses"]["lost-panel"]
    # Re-checks and time do not bring it back in this page view.
    demo.page.evaluate("engage.evaluate()")
    demo.advance(3)
    demo.quiet()
    assert demo.shown() == ["lost-panel"]
    expect(host).to_have_count(0)
    assert demo.statuses()["Lost visitor"] == "declined"
    # A navigation step is a new page view: the rule may show again.
    demo.page.evaluate("location.hash = '#again'")
    demo.page.wait_for_function(
        "window.__engageTest.events.filter(e => e.name === 'show').length >= 2", timeout=UI_MS
    )
    assert demo.shown() == ["lost-panel", "lost-panel"]


def test_max_per_session_welcome_is_not_shown_again_after_reload(demo: Demo) -> None:
    demo.open("index.html")
    demo.advance(6)
    demo.wait_shown("welcome-panel")
    demo.idle()
    demo.page.reload()
    demo.wait_ready()
    demo.advance(8)
    demo.quiet()
    assert demo.shown() == [], "Welcome is once per visit"
    assert demo.statuses()["Welcome"] == "capped"
    # What happened before the reload survives it.
    session = demo.session()
    assert "exposed" in session["statuses"]["welcome-panel"]


def test_async_rule_matching_later_is_suppressed_while_another_is_displayed(demo: Demo) -> None:
    demo.open("index.html")
    demo.advance(6)
    demo.wait_shown("welcome-panel")
    # VIP sits above Welcome in the list and starts matching now (polled custom function).
    demo.page.evaluate("localStorage.setItem('total_sum', '1500')")
    assert demo.page.evaluate("visitorIsVIP()") is True
    demo.advance(3)
    demo.quiet()
    assert demo.shown() == ["welcome-panel"]
    expect(demo.host("vip-panel")).to_have_count(0)
    expect(demo.host("welcome-panel")).to_have_count(1)
    assert demo.rule_trace("VIP")["status"] == "suppressed"


# --------------------------------------------------------------------------- navigation


def test_hash_and_push_state_navigation_in_the_single_page_app(demo: Demo) -> None:
    demo.open("app.html")
    demo.quiet()
    assert demo.shown() == []
    nav = demo.page.locator(".app-nav")

    nav.locator('a[data-route="deals"]').click()  # hashchange to #/deals
    assert demo.wait_shown("deals-panel")["rule"] == "App deals"

    nav.locator('a[data-route="help"]').click()  # hashchange to #/help, coming from #/deals
    assert demo.wait_shown("app-help-panel")["rule"] == "App help after deals"
    assert demo.wait_event("hide", interaction="deals-panel")["reason"] == "navigation"
    expect(demo.host("deals-panel")).to_have_count(0)
    rule = demo.rule_trace("App help after deals")
    previous = [
        c
        for rs in rule["rulesets"]
        for c in rs["conditions"]
        if c.get("criteria") == "previousPage"
    ]
    assert previous and previous[0]["result"] is True
    assert str(previous[0]["read"]).endswith("app.html#/deals")
    history = [u.removeprefix(demo.base) for u in demo.session()["history"]]
    assert history[-3:] == ["app.html", "app.html#/deals", "app.html#/help"]

    nav.locator('a[data-route="compare"]').click()  # history.pushState to ?view=compare
    compare = demo.wait_shown("compare-info")
    assert compare["rule"] == "App compare view" and compare["type"] == "info"
    expect(
        demo.page.locator("#engage-notice").locator('[data-engage-interaction="compare-info"]')
    ).to_have_count(1)
    assert demo.wait_event("hide", interaction="app-help-panel")["reason"] == "navigation"
    assert demo.session()["history"][-1].endswith("app.html?view=compare")

    demo.page.go_back()  # popstate back to #/help, now coming from the compare view
    demo.wait_event("hide", interaction="compare-info")
    demo.quiet()
    assert demo.session()["history"][-1].endswith("app.html#/help")
    assert demo.shown() == ["deals-panel", "app-help-panel", "compare-info"]


def test_previous_pages_are_remembered_across_page_loads(demo: Demo) -> None:
    demo.open("product-phone-x.html")
    demo.open("product-tablet-y.html")
    demo.open("category.html")
    shown = demo.wait_shown("compare-panel")
    assert shown["rule"] == "Comparing phones"
    history = [u.removeprefix(demo.base) for u in demo.session()["history"]]
    assert history == ["product-phone-x.html", "product-tablet-y.html", "category.html"]
    rule = demo.rule_trace("Comparing phones")
    first = rule["rulesets"][0]
    assert first["matched"] is True
    reads = {c["criteria"]: c["read"] for c in first["conditions"]}
    assert str(reads["previousPage"]).endswith("product-tablet-y.html")
    assert str(reads["twoPagesBack"]).endswith("product-phone-x.html")


# --------------------------------------------------------------------------- conditions


def test_dom_contains_text_on_the_404_page(demo: Demo) -> None:
    demo.open("error.html")
    shown = demo.wait_shown("lost-panel")
    assert shown == {"rule": "Lost visitor", "interaction": "lost-panel", "type": "panel",
                     "language": "en", "queueKey": "Support"}  # fmt: skip
    expect(demo.host("lost-panel").get_by_role("dialog", name="Lost?")).to_be_visible()
    # The heading no longer says it: the next re-check removes the invitation. (DOM
    # changes are not triggers; the tick between reports the new text.)
    demo.page.evaluate("document.getElementById('not-found').textContent = 'Moved'")
    demo.advance(1)
    demo.quiet()
    assert demo.events("hide") == []
    demo.page.evaluate("engage.evaluate()")
    hidden = demo.wait_event("hide", interaction="lost-panel")
    assert hidden["reason"] == "ruleStoppedMatching"
    expect(demo.host("lost-panel")).to_have_count(0)


def test_evaluate_reads_the_dom_as_it_is_now(demo: Demo) -> None:
    # A site changes its page and asks for a re-check straight away, without waiting for
    # the next one-second tick to report the change.
    demo.open("error.html")
    demo.wait_shown("lost-panel")
    demo.page.evaluate(
        "() => { document.getElementById('not-found').textContent = 'Moved'; engage.evaluate(); }"
    )
    assert demo.wait_event("hide", interaction="lost-panel")["reason"] == "ruleStoppedMatching"


def test_an_idle_second_reads_only_the_polled_selectors(demo: Demo) -> None:
    # A DOM change alone triggers nothing (Puzzel), so the 1 Hz tick reads the DOM only
    # for login detection's selector, whose change can flip a result on a tick; a dom
    # condition's selector is read once with each message that goes to the engine.
    demo.open("error.html")
    demo.wait_shown("lost-panel")
    demo.quiet()
    demo.page.evaluate("""() => {
      window.__reads = {}; window.__posts = 0;
      const query = Document.prototype.querySelectorAll;
      Document.prototype.querySelectorAll = function (s) { window.__reads[s] = (window.__reads[s] || 0) + 1; return query.call(this, s); };
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (m) { if (m && m.kind === "facts") window.__posts++; return post.apply(this, arguments); };
    }""")
    demo.advance(10)
    demo.quiet()
    reads, posts = demo.page.evaluate("[window.__reads, window.__posts]")
    assert reads.get("#account-name", 0) >= 10, reads  # detectLogin: polled every second
    assert reads.get("#not-found", 0) == posts, (reads, posts)
    assert reads.get("#cart-promo", 0) == posts, (reads, posts)
    # and the DOM as it is goes with the next message (engage.evaluate() here)
    demo.page.evaluate("document.getElementById('not-found').textContent = 'Moved'")
    demo.advance(1)
    demo.page.evaluate("engage.evaluate()")
    assert demo.wait_event("hide", interaction="lost-panel")["reason"] == "ruleStoppedMatching"


def test_dom_visible_low_stock_after_five_seconds(demo: Demo) -> None:
    demo.open("product-tablet-y.html")
    demo.page.evaluate("document.getElementById('low-stock').style.display = 'none'")
    demo.advance(6)
    demo.quiet()
    assert demo.shown() == [], "#low-stock exists but is not visible"
    assert demo.statuses()["Low stock"] == "notMatched"
    demo.page.evaluate("document.getElementById('low-stock').style.display = ''")
    demo.advance(1)
    demo.page.evaluate("engage.evaluate()")
    shown = demo.wait_shown("low-stock-panel")
    assert shown["rule"] == "Low stock"
    expect(
        demo.host("low-stock-panel").get_by_role("dialog", name="Only a few left")
    ).to_be_visible()


def test_custom_function_vip_reads_local_storage_total_sum(demo: Demo) -> None:
    demo.open("vip.html")
    demo.advance(4)
    demo.quiet()
    assert demo.shown() == [], "not a VIP yet (total_sum 0)"
    assert demo.statuses()["VIP"] == "notMatched"
    demo.page.get_by_role("button", name="Make me a VIP (1500)").click()
    assert demo.page.evaluate("localStorage.getItem('total_sum')") == "1500"
    demo.advance(2)  # the loader polls custom paths every second: no reload needed
    shown = demo.wait_shown("vip-panel")
    assert shown == {"rule": "VIP", "interaction": "vip-panel", "type": "panel",
                     "language": "en", "queueKey": "VIP"}  # fmt: skip


def test_custom_dotted_path_welcome_back_for_a_returning_visitor(demo: Demo) -> None:
    demo.storage(demo_returning="1")
    demo.open("index.html")
    demo.advance(6)
    assert demo.wait_shown("welcome-back-panel")["rule"] == "Welcome back"
    demo.quiet()
    assert demo.shown() == ["welcome-back-panel"]
    read = [c["read"] for rs in demo.rule_trace("Welcome back")["rulesets"] for c in rs["conditions"]
            if c["type"] == "custom"]  # fmt: skip
    assert read and read[0] in (True, 1, "true"), read
    # Welcome back and Welcome started matching on the same tick: Welcome's own time
    # condition reached its flip, so it was re-tested, matched, and waits below the
    # displayed winner: "suppressed" (docs/semantics.md).
    assert demo.statuses()["Welcome"] == "suppressed", "trace of the tick that showed Welcome back"


@pytest.mark.parametrize(
    ("options", "interaction", "rule"),
    [
        pytest.param(
            {
                "user_agent": IPHONE_UA,
                "viewport": {"width": 390, "height": 844},
                "is_mobile": True,
                "has_touch": True,
            },
            "mobile-panel",
            "Mobile test: phone",
            id="iphone",
        ),
        pytest.param(
            {"user_agent": IPAD_UA, "viewport": {"width": 820, "height": 1180}, "has_touch": True},
            "tablet-panel",
            "Mobile test: tablet",
            id="ipad",
        ),
        pytest.param(
            {
                "user_agent": IPADOS_MAC_UA,
                "viewport": {"width": 820, "height": 1180},
                "has_touch": True,
            },
            "tablet-panel",
            "Mobile test: tablet",
            id="ipados-desktop-class-ua",
        ),
        pytest.param(
            {"user_agent": DESKTOP_UA}, "desktop-info", "Mobile test: desktop", id="desktop"
        ),
    ],
)
def test_device_type_from_the_user_agent(
    demo_factory: Callable[..., Demo], options: dict[str, Any], interaction: str, rule: str
) -> None:
    # A real iPad reports 5 touch points; Playwright's has_touch reports 1.
    touch = "Object.defineProperty(Navigator.prototype, 'maxTouchPoints', {get: () => 5});"
    demo = demo_factory(init=touch if options.get("has_touch") else None, **options)
    demo.open("mobile-test.html")
    shown = demo.wait_shown(interaction)
    assert shown["rule"] == rule
    demo.quiet()
    assert demo.shown() == [interaction], "exactly one of the three device rules"
    if interaction == "mobile-panel":
        assert shown["language"] == "sv" and shown["queueKey"] == "Chat 9"
        expect(demo.host(interaction).get_by_role("dialog", name="Hej!")).to_be_visible()
    if interaction == "desktop-info":
        expect(
            demo.page.locator("#device-result").locator('[data-engage-interaction="desktop-info"]')
        ).to_have_count(1)


def test_login_is_detected_from_the_page_and_unlocks_the_adviser(demo: Demo) -> None:
    demo.open("account.html")
    demo.advance(9)
    hint = demo.wait_shown("login-hint-info")
    assert hint["rule"] == "Log in hint"
    expect(
        demo.page.locator("#login-hint").locator('[data-engage-interaction="login-hint-info"]')
    ).to_have_count(1)
    assert demo.session()["login"] is False

    demo.page.get_by_role("button", name="Log in").click()
    expect(demo.page.locator("#account-name")).to_be_visible()
    demo.advance(1)  # the next tick sees #account-name
    adviser = demo.wait_shown("adviser-panel")
    assert adviser == {"rule": "Account adviser", "interaction": "adviser-panel", "type": "panel",
                       "language": "en", "queueKey": "Advisers"}  # fmt: skip
    assert demo.wait_event("hide", interaction="login-hint-info")["rule"] == "Log in hint"
    demo.idle()
    assert demo.session()["login"] is True


def test_static_never_rule_runs_only_through_trigger_rule(demo: Demo) -> None:
    demo.open("rules.html")
    demo.advance(2)
    demo.quiet()
    assert "newsletter-panel" not in demo.shown()
    assert demo.statuses()["Newsletter offer"] in ("notMatched", "skipped")
    demo.page.evaluate("engage.triggerRule('Newsletter offer')")
    shown = demo.wait_shown("newsletter-panel")
    assert shown == {"rule": "Newsletter offer", "interaction": "newsletter-panel", "type": "panel",
                     "language": "en", "queueKey": None}  # fmt: skip
    expect(
        demo.host("newsletter-panel").get_by_role("dialog", name="10% off your next order")
    ).to_be_visible()
    expect(demo.host("newsletter-panel")).to_have_attribute("data-engage-rule", "Newsletter offer")


# --------------------------------------------------------------------------- outcomes


@pytest.mark.parametrize(
    ("at", "interaction"),
    [
        pytest.param(WEDNESDAY_10, "sales-panel", id="wednesday-10-open"),
        pytest.param(WEDNESDAY_20, "closed-info", id="wednesday-20-closed"),
        pytest.param(CHRISTMAS_EVE_10, "closed-info", id="closed-date-10"),
    ],
)
def test_office_hours_schedule_picks_the_outcome_variant(
    demo_factory: Callable[..., Demo], at: datetime.datetime, interaction: str
) -> None:
    demo = demo_factory(at=at)
    demo.storage(demo_agents="3")
    demo.open("product-phone-x.html")
    demo.advance(9)
    demo.quiet()
    assert demo.shown() == [], "Sales on product pages waits 10 s"
    demo.advance(2)
    shown = demo.wait_shown(interaction)
    assert shown["rule"] == "Sales on product pages"
    assert shown["queueKey"] == "Sales"
    demo.quiet()
    assert demo.shown() == [interaction]
    if interaction == "closed-info":
        notice = demo.page.locator("#engage-notice").locator(
            '[data-engage-interaction="closed-info"]'
        )
        expect(notice).to_contain_text("Our advisers are offline")
    else:
        expect(
            demo.host(interaction).get_by_role("dialog", name="Questions about this product?")
        ).to_be_visible()


def test_no_agents_available_from_a_queue_status_push_gives_the_callback_variant(
    demo: Demo,
) -> None:
    demo.open("product-phone-x.html")
    demo.advance(2)
    demo.page.evaluate(
        "engage.push({type: 'queueStatus', queueKey: 'Sales', agentsAvailable: 0, queueLength: 0})"
    )
    demo.advance(9)
    shown = demo.wait_shown("callback-panel")
    assert shown["rule"] == "Sales on product pages"
    demo.quiet()
    assert demo.shown() == ["callback-panel"]
    expect(
        demo.host("callback-panel").get_by_role("dialog", name="All advisers are busy")
    ).to_be_visible()


# --------------------------------------------------------------------------- state


def test_a_new_tab_continues_the_visitors_session(demo: Demo) -> None:
    first = demo
    first.open("index.html")
    first.advance(6)
    first.wait_shown("welcome-panel")
    first.idle()

    second = Demo(first.page.context.new_page(), first.base)
    second.open("index.html")
    second.advance(7)
    second.quiet()
    assert second.shown() == [], "Welcome is once per visit, whichever tab"
    assert second.statuses()["Welcome"] == "capped"
    session = second.session()
    assert "exposed" in session["statuses"]["welcome-panel"]
    second.check_no_page_errors()


def test_open_tabs_share_login_and_engagement_statuses(demo: Demo) -> None:
    first = demo
    first.open("app.html")
    second = Demo(first.page.context.new_page(), first.base)
    second.open("account.html")
    second.page.get_by_role("button", name="Log in").click()
    second.advance(1)
    second.wait_shown("adviser-panel")
    second.idle()
    assert second.session()["login"] is True
    # The first tab, open all along, hears of it through storage and merges it.
    first.page.wait_for_function(
        "() => JSON.parse(localStorage.getItem('engage:state')).state.session.login === true",
        timeout=UI_MS,
    )
    first.quiet()
    assert any(t["cause"] == "sessionSync" for t in first.events("evaluated"))
    session = first.session()
    assert session["login"] is True, "engage.state() in the first tab after the second tab's log-in"
    assert "exposed" in session["statuses"].get("adviser-panel", []), session["statuses"]
    second.check_no_page_errors()


# --------------------------------------------------------------------------- failures


def assert_engine_stayed_out_of_the_way(demo: Demo) -> None:
    demo.advance(6)  # the Welcome invitation would be up by now
    demo.page.wait_for_timeout(QUIET_MS)
    assert demo.shown() == []
    expect(demo.page.locator("[data-engage-interaction]")).to_have_count(0)
    expect(demo.page.locator("[data-engage-dock]")).to_have_count(0)
    demo.check_no_page_errors()
    # The page itself still works: its own script and its links.
    demo.page.locator("[data-add-to-cart='PX-1']").first.click()
    expect(demo.page.locator("[data-cart-count]").first).to_have_text("1")
    demo.page.get_by_role("navigation", name="Shop").get_by_role("link", name="Phones").click()
    expect(demo.page).to_have_url(re.compile(r"/category\.html$"))
    expect(demo.page.locator("h1")).to_be_visible()


def wait_for_engine_error(demo: Demo) -> dict[str, Any]:
    demo.page.wait_for_function(
        "window.__engageTest.events.some(e => e.name === 'error')", timeout=BOOT_MS
    )
    demo.page.wait_for_timeout(QUIET_MS)
    errors = demo.events("error")
    assert len(errors) == 1, errors
    assert len(demo.engine_errors()) == 1, demo.console_errors
    return dict(errors[0])


def test_missing_config_is_one_engage_error_and_the_page_keeps_working(
    demo_factory: Callable[..., Demo], site_server: Callable[..., str], demo_site: Path
) -> None:
    # The session's plain build has no rules.json: data-config points at a 404.
    demo = demo_factory(base=site_server(demo_site))
    demo.page.goto(demo.base + "index.html")
    error = wait_for_engine_error(demo)
    assert "rules.json" in error["message"] and "404" in error["message"], error
    assert_engine_stayed_out_of_the_way(demo)


@pytest.mark.parametrize("kind", ["invalid-config", "not-json"])
def test_bad_config_is_one_engage_error_and_nothing_is_shown(
    demo_factory: Callable[..., Demo],
    site_server: Callable[..., str],
    demo_site: Path,
    demo_engage: Path,
    tmp_path: Path,
    kind: str,
) -> None:
    text = json.dumps(BAD_CONFIG) if kind == "invalid-config" else '{"version": 1, "rules": [,]}'
    engage = engage_with_rules(demo_engage, tmp_path / "engage", text)
    demo = demo_factory(base=site_server(demo_site, engage))
    demo.page.goto(demo.base + "index.html")
    error = wait_for_engine_error(demo)
    if kind == "invalid-config":
        assert error.get("code") == "config.invalid", error
        assert "rules[0].rulesets[0].conditions[0].operator" in error["message"], error
        assert 'did you mean "contains"' in error["message"], error
        assert error["path"] == "rules[0].rulesets[0].conditions[0].operator", error
        paths = [p["path"] for p in error.get("problems") or []]
        assert paths == ["rules[0].rulesets[0].conditions[0].operator"], error
    else:
        assert "rules.json" in error["message"] and "JSON" in error["message"], error
    assert_engine_stayed_out_of_the_way(demo)


def test_throwing_custom_function_is_reported_once_and_the_rest_keeps_working(
    demo_factory: Callable[..., Demo],
) -> None:
    demo = demo_factory(init=THROWING_VIP)
    demo.storage(demo_agents="3")
    demo.open("index.html")
    demo.advance(7)  # seven polls of visitorIsVIP, all throwing
    assert demo.wait_shown("welcome-panel")["rule"] == "Welcome"
    demo.quiet()
    errors = demo.events("error")
    assert len(errors) == 1, errors
    assert "visitorIsVIP" in errors[0]["message"], errors
    assert len(demo.engine_errors()) == 1, demo.console_errors
    assert demo.statuses()["VIP"] == "notMatched"

"""LivePerson's "Visitor behavior" sentences (issue 12, points 6 to 11) on the demo shop,
end to end through loader.js in Chromium.

The one-page order (demo-site/lptag.html) reports only through `lpTag.sdes.push` with
LivePerson's engagement attributes; its loader tag has `data-lptag="sdes"`. The other
scenarios use the demo's pages with a config of their own where the demo's rules.json has
no rule for the point. Time is page.clock time (demo_helpers.py); every test fails on an
uncaught page error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.demo_helpers import UI_MS, Demo, engage_with_rules

pytestmark = pytest.mark.browser

MINI = [{"sku": "PXM-1", "quantity": 1}]  # Phone X Mini, 499 EUR


def behaviour(demo: Demo) -> dict[str, Any]:
    return dict(demo.session()["behaviour"])


def wait_state(demo: Demo, script: str) -> None:
    """Wait until `script` (an expression over `b`, the behaviour state) is true."""
    demo.page.wait_for_function(
        f"(() => {{ const s = engage.state(); const b = s && s.session.behaviour; return !!b && ({script}); }})()",
        timeout=UI_MS,
    )


def follow(demo: Demo, name: str) -> None:
    demo.page.get_by_role("link", name=name, exact=True).first.click()
    demo.page.wait_for_load_state()
    demo.wait_ready()


# ----------------------------------------------------------------- 11: lpTag.sdes


def test_lptag_attributes_reach_the_engine_unchanged(demo: Demo) -> None:
    demo.storage(demo_cart=MINI)
    demo.open("lptag.html")
    # The page queued a cart and a customer-info attribute in an array before the loader:
    # the cart arrived, customer info (unused) was dropped without an error.
    assert demo.page.evaluate("typeof lpTag.sdes.push === 'function' && !Array.isArray(lpTag.sdes)")
    cart = behaviour(demo)["cart"]
    assert cart["total"] == 499 and cart["currency"] == "EUR", cart
    assert [p["sku"] for p in cart["products"]] == ["PXM-1"], cart
    assert cart["products"][0]["quantity"] == 1 and cart["products"][0]["category"], cart

    # The rest of LivePerson's public list, as a LivePerson site pushes it: several
    # attributes in one call, an array, and attributes the engine does not use.
    demo.page.evaluate("""() => {
      lpTag.sdes.push(
        {type: "prodView", currency: "EUR", products: [{product: {name: "Tablet Y", category: "tablets", sku: "TY-1", price: "649"}}]},
        {type: "service", service: {topic: "order checkbook", status: 12, category: "finance", serviceId: "s-1"}});
      lpTag.sdes.push([
        {type: "mrktInfo", info: {channel: "1", affiliate: "Yahoo", campaignId: "US coupon campaign"}},
        {type: "personal", personal: {firstname: "Kari", contacts: [{email: "kari@example.com"}]}},
        {type: "lead", lead: {topic: "luxury car test drive", value: 22.22, currency: "EUR", leadId: "x1"}},
        {type: "searchInfo", keywords: ["reset password"]},
        {type: "somethingNew", value: 1},
        {type: "error", error: {contextId: "form", message: "Expiration date missing", code: "er100004", resolved: true}}]);
      lpTag.sdes.send({type: "error", error: {message: "Expiration date missing", code: "er100004"}});
    }""")
    wait_state(demo, "b.services['order checkbook'] && b.errors.length === 1")
    b = behaviour(demo)
    assert [(v["sku"], v["price"]) for v in b["viewed"]] == [("TY-1", 649)], b["viewed"]
    assert b["services"]["order checkbook"]["status"] == "Pending"  # LivePerson's status 12
    # a resolved error is no new occurrence
    assert [(e["code"], e["count"]) for e in b["errors"]] == [("er100004", 1)], b["errors"]
    assert demo.page.evaluate("lpTag.sdes.get('lead').length") == 1
    demo.quiet()
    assert demo.events("error") == [], "unused attributes are ignored without an error"
    # the service attribute drives the demo's serviceActivity rule
    assert demo.wait_shown("support-case-button")["rule"] == "Support case pending"

    # A single-page app's route change, told to LivePerson with lpTag.newPage: the sections
    # belong to the new page view, the attributes are pushed as any.
    demo.page.evaluate("""() => {
      history.pushState({}, "", "lptag.html?step=review");
      lpTag.newPage(location.href, {section: ["Review"], sdes: [{type: "error", error: {message: "Address missing", code: "A1"}}]});
    }""")
    wait_state(demo, "b.page.url.endsWith('?step=review') && b.page.sections.includes('review') && b.errors.length === 2")
    assert demo.events("error") == []


# LivePerson's own tag on the page as well: its lpTag.sdes is an object, not a queue.
LIVEPERSON_TAG = """
window.lpTag = {sdes: {got: [], push(...items) { this.got.push(...items); return this.got.length; }}};
"""


def test_with_livepersons_own_tag_on_the_page_both_receive_each_attribute(demo_factory: Callable[..., Demo]) -> None:
    demo = demo_factory(init=LIVEPERSON_TAG)
    demo.storage(demo_cart=MINI)
    demo.open("lptag.html")
    demo.page.evaluate("lpTag.sdes.push({type: 'error', error: {message: 'Card declined', code: 'E402'}})")
    wait_state(demo, "b.errors.length === 1")
    got = demo.page.evaluate("lpTag.sdes.got.map(s => s.type)")
    assert got == ["cart", "ctmrinfo", "error"], got  # LivePerson's tag still gets everything
    assert demo.events("error") == []


def test_lptag_errors_and_the_purchase_attribute_complete_a_flow_without_a_last_page(demo: Demo) -> None:
    demo.storage(demo_cart=MINI)
    demo.open("lptag.html")  # entering the one-page order flow at its second step

    pay = demo.page.get_by_role("button", name="Pay by card")
    for _ in range(2):
        pay.click()  # LivePerson's {type: "error", error: {message, code, ...}}
    shown = demo.wait_shown("one-page-help-panel")
    assert shown["rule"] == "One-page order help"
    (read,) = [c["read"] for c in demo.conditions("One-page order help", "visitorError")]
    assert read == 2
    expect(demo.page.locator('[data-known="errors"]')).to_have_text("2 times: Card declined (E402)")

    demo.page.get_by_role("button", name="Place order by invoice").click()
    # the page pushes the purchase, then the emptied cart: the engine may take them in two
    # batches, so wait for both before reading the cart
    wait_state(demo, "b.flows.onePage && b.flows.onePage.completed && b.cart && b.cart.total === 0")
    assert behaviour(demo)["cart"]["total"] == 0
    expect(demo.page.locator('[data-known="flow"]')).to_have_text("completed")

    follow(demo, "Home")
    demo.quiet()
    assert "one-page-help-panel" not in demo.shown(), "a completed flow is not abandoned"
    assert behaviour(demo)["flows"]["onePage"]["completed"] is True


def test_leaving_the_one_page_order_without_the_purchase_is_abandoning(demo: Demo) -> None:
    demo.storage(demo_cart=MINI)
    demo.open("lptag.html")
    demo.quiet()
    assert demo.shown() == []
    follow(demo, "Home")
    assert demo.wait_shown("one-page-help-panel")["rule"] == "One-page order help"
    (cond,) = demo.conditions("One-page order help", "flow")
    assert cond["result"] is True and "abandoned" in str(cond["read"]), cond


# ----------------------------------------------------------- 6: content engagements


def test_a_click_on_a_content_engagement_is_also_its_interaction(demo: Demo) -> None:
    demo.open("rules.html")
    demo.page.evaluate("engage.triggerInteraction('callback-panel')")
    demo.wait_shown("callback-panel")
    demo.host("callback-panel").get_by_role("button", name="Call me back").click()
    demo.wait_shown("callback-thanks")
    demo.idle()
    statuses = demo.session()["statuses"]
    assert statuses["callback-panel"] == ["exposed", "clicked", "interacted"], statuses

    # A panel whose button opens a chat: the click starts the conversation, so the panel
    # is interacted with too, and the chat when it starts.
    demo.page.evaluate("engage.triggerInteraction('sales-panel')")
    demo.wait_shown("sales-panel")
    demo.host("sales-panel").get_by_role("button", name="Start chat").click()
    demo.wait_event("chat", interaction="live-chat")
    demo.idle()
    statuses = demo.session()["statuses"]
    assert statuses["sales-panel"] == ["exposed", "clicked", "interacted"], statuses
    assert "interacted" in statuses["live-chat"] and "clicked" not in statuses["live-chat"], statuses


# ------------------------- 7, 8, 9, 10: error instance, entry points, currency, flowStep

RULES: dict[str, Any] = {
    "version": 1,
    "currencies": {"EUR": 1, "SEK": 0.087},
    "entryPoints": {"cart": {"url": {"operator": "contains", "value": "/cart"}},
                    "checkout": {"title": {"operator": "contains", "value": "Checkout"}}},
    "flows": {"purchase": {"steps": [{"entryPoint": "cart"}, {"entryPoint": "checkout"}, {"event": "paid"}]}},
    "interactions": {name: {"type": "panel", "title": name, "text": name}
                     for name in ("long-panel", "eur-panel", "second-error-panel", "abandoned-panel")},
    "rules": [
        {"name": "Cart 100 to 1000 EUR", "alwaysEvaluate": True,
         "rulesets": [{"conditions": [{"type": "cartValue", "operator": "between", "min": 100, "max": 1000, "currency": "EUR"}]}],
         "outcome": {"start": "eur-panel"}},
        {"name": "Long purchase", "alwaysEvaluate": True,
         "rulesets": [{"conditions": [{"type": "timeOnEntryPoint", "entryPoint": ["cart", "checkout"], "operator": "moreThan", "value": 30}]}],
         "outcome": {"start": "long-panel"}},
        {"name": "Exactly the second decline", "alwaysEvaluate": True,
         "rulesets": [{"conditions": [{"type": "visitorError", "operator": "includes", "match": {"code": "E402"},
                                       "instance": 2, "instanceMatch": "exactly"}]}],
         "outcome": {"start": "second-error-panel"}},
        {"name": "Abandoned", "alwaysEvaluate": True,
         "rulesets": [{"conditions": [{"type": "flow", "flow": "purchase", "operator": "abandoned"}]}],
         "outcome": {"start": "abandoned-panel"}},
    ],
}


def cart_condition(demo: Demo) -> tuple[bool, object]:
    (cond,) = demo.conditions("Cart 100 to 1000 EUR", "cartValue")
    return cond["result"], cond["read"]


def test_currency_entry_points_error_instance_and_flow_step(
    demo_factory: Callable[..., Demo], site_server: Callable[..., str], demo_site: Path, demo_engage: Path, tmp_path: Path
) -> None:
    engage = engage_with_rules(demo_engage, tmp_path / "engage", json.dumps(RULES))
    demo = demo_factory(base=site_server(demo_site, engage))
    demo.storage(demo_cart=MINI)
    demo.open("cart.html")

    # 9: the demo pushes 499 EUR; a cart in SEK is converted; NOK has no rate.
    assert demo.wait_shown("eur-panel")["rule"] == "Cart 100 to 1000 EUR"
    for total, currency, expected in ((1000, "SEK", False), (2000, "SEK", True), (200, "NOK", False)):
        demo.page.evaluate("([t, c]) => engage.push({type: 'cart', total: t, currency: c})", [total, currency])
        demo.idle()
        result, read = cart_condition(demo)
        assert result is expected, (total, currency, read)
    assert demo.wait_event("hide", interaction="eur-panel")["reason"] == "ruleStoppedMatching"

    # 8: 20 s on the cart and 11 s on checkout add up to more than 30.
    demo.advance(20)
    follow(demo, "Go to checkout")
    demo.advance(10)
    assert "long-panel" not in demo.shown()
    demo.advance(1)
    assert demo.wait_shown("long-panel")["rule"] == "Long purchase"

    # 7: the demo's card is declined each time; "exactly the second" holds until the third.
    pay = demo.page.get_by_role("button", name="Pay", exact=True)
    for attempt in (1, 2, 3):
        pay.click()
        demo.page.clock.run_for(700)  # the demo's fake payment takes 600 ms
        expect(demo.page.locator("#payment-attempts")).to_contain_text(f"Failed attempts: {attempt}")
        demo.idle()
        if attempt == 2:
            assert demo.wait_shown("second-error-panel")["rule"] == "Exactly the second decline"
    assert demo.wait_event("hide", interaction="second-error-panel")["reason"] == "ruleStoppedMatching"

    # 10: the payment form is the last page; a pushed event completes the flow.
    demo.page.evaluate("engage.push({type: 'flowStep', flow: 'purchase', step: 'paid'})")
    wait_state(demo, "b.flows.purchase.completed")
    follow(demo, "Home")
    demo.quiet()
    assert "abandoned-panel" not in demo.shown()
    assert demo.events("error") == []

"""Visitor behaviour (SPEC section 3) on the demo shop, end to end through loader.js.

Every fact here comes from the demo pages themselves: site.js pushes the cart on every
page load and change, product pages push `viewedProduct`, checkout pushes `section` and a
`Card declined` error per failed payment, support pushes `serviceActivity`. The rules are
demo-site/rules.json as deployed. Time is page.clock time (see demo_helpers.py); every
test fails on an uncaught page error.

Page loads are the expensive part (the worker boots Pyodide each time), so each journey
is one test that checks every rule it passes, in the order a visitor meets them.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.demo_helpers import UI_MS, Demo

pytestmark = pytest.mark.browser

# Phone X Mini (499 EUR): a cart no cart rule reacts to at load (below "Big cart", not the
# Phone X that "Case for Phone X" looks for).
MINI = [{"sku": "PXM-1", "quantity": 1}]


def flow(demo: Demo) -> dict[str, object]:
    return dict(demo.session()["behaviour"]["flows"]["purchase"])


def follow(demo: Demo, link: str) -> None:
    """Click a link of the page (a real navigation) and wait for the engine on the new page.

    "Cart" is the header's cart link (its accessible name includes the item count).
    """
    page = demo.page
    target = (
        page.locator("a.cart-link")
        if link == "Cart"
        else page.get_by_role("link", name=link, exact=True)
    )
    target.first.click()
    demo.page.wait_for_load_state()
    demo.wait_ready()


def close(demo: Demo, interaction: str) -> None:
    """Press the interaction's x button (the first control named "Close")."""
    demo.host(interaction).get_by_role("button", name="Close", exact=True).first.click()
    assert demo.wait_event("hide", interaction=interaction)["reason"] == "closed"


# --------------------------------------------------------------------------- flows


def test_backflow_from_checkout_then_leaving_the_flow_is_abandonment(demo: Demo) -> None:
    demo.storage(demo_cart=MINI)
    demo.open("cart.html")
    follow(demo, "Go to checkout")
    demo.quiet()
    assert demo.shown() == [], "nothing on checkout yet"  # (events are per page view)
    assert flow(demo)["at"] == 1

    # checkout -> cart: a step back in the purchase flow.
    follow(demo, "Back to cart")
    shown = demo.wait_shown("backflow-panel")
    assert shown == {"rule": "Back from checkout", "interaction": "backflow-panel",
                     "type": "panel", "language": "en", "queueKey": "Sales"}  # fmt: skip
    expect(
        demo.host("backflow-panel").get_by_role("dialog", name="Back in your cart?")
    ).to_be_visible()
    (cond,) = demo.conditions("Back from checkout", "flow")
    assert cond["result"] is True and "backflow" in str(cond["read"]), cond
    assert "abandoned" not in str(cond["read"]), "the cart is in the flow: not abandoned"
    assert flow(demo)["backflow"] is True and flow(demo)["abandoned"] is False

    # cart -> home: out of the flow before its last step.
    follow(demo, "Home")
    shown = demo.wait_shown("abandoned-panel")
    assert shown["rule"] == "Checkout abandoned"
    expect(
        demo.host("abandoned-panel").get_by_role("dialog", name="Your cart is waiting")
    ).to_be_visible()
    (cond,) = demo.conditions("Checkout abandoned", "flow")
    assert cond["result"] is True and "outside the flow" in str(cond["read"]), cond
    assert flow(demo)["abandoned"] is True
    demo.quiet()
    assert [d["interaction"] for d in demo.events("show")] == ["abandoned-panel"]
    assert demo.session()["displays"]["Back from checkout"] == 1, "once per visit"


def test_checkout_help_then_second_declined_card_then_a_completed_order_triggers_neither(
    demo: Demo,
) -> None:
    demo.storage(demo_cart=MINI)
    demo.open("cart.html")
    follow(demo, "Go to checkout")

    # timeOnEntryPoint: more than 45 s on the checkout entry point (title "Checkout").
    demo.skip(44)
    demo.advance(1)
    demo.quiet()
    assert demo.shown() == []
    demo.advance(1)
    assert demo.wait_shown("checkout-help-panel")["rule"] == "Slow checkout"
    (spent,) = demo.conditions("Slow checkout", "timeOnEntryPoint")
    assert spent["result"] is True and spent["read"] > 45, spent
    close(demo, "checkout-help-panel")

    # visitorError instance 2: the first declined card does not trigger "Payment trouble".
    pay = demo.page.get_by_role("button", name="Pay", exact=True)
    pay.click()
    demo.advance(1)  # the page's 600 ms "processing" delay, then the error push
    expect(demo.page.locator("#payment-error")).to_contain_text("Card declined")
    demo.quiet()
    assert demo.shown() == ["checkout-help-panel"]
    (errors,) = demo.conditions("Payment trouble", "visitorError")
    assert errors == {**errors, "result": False, "read": 1}
    pay.click()
    demo.advance(1)
    shown = demo.wait_shown("payment-help-panel")
    assert shown == {"rule": "Payment trouble", "interaction": "payment-help-panel",
                     "type": "panel", "language": "en", "queueKey": "Sales"}  # fmt: skip
    (errors,) = demo.conditions("Payment trouble", "visitorError")
    assert errors["result"] is True and errors["read"] == 2
    assert demo.session()["behaviour"]["errors"][0]["count"] == 2

    # Pay by invoice: cart > checkout > confirmation, in order. The flow is completed.
    demo.page.get_by_role("button", name="Pay by invoice").click()
    demo.page.wait_for_url("**/confirmation.html")
    demo.wait_ready()
    assert flow(demo)["completed"] is True
    # Whatever follows, neither backflow (confirmation -> cart) nor abandonment (-> home).
    follow(demo, "Cart")
    demo.quiet()
    statuses = demo.statuses()
    assert statuses["Back from checkout"] == "notMatched"
    assert statuses["Checkout abandoned"] == "notMatched"
    assert statuses["Cart reduced"] == "notMatched", "the order emptied the cart, not the visitor"
    (cond,) = demo.conditions("Back from checkout", "flow")
    assert cond["read"] == "completed"
    follow(demo, "Home")
    demo.quiet()
    assert demo.statuses()["Checkout abandoned"] == "notMatched"
    assert flow(demo)["completed"] is True and flow(demo)["abandoned"] is False
    shown_all = [d["interaction"] for d in demo.events("show")]
    assert "backflow-panel" not in shown_all and "abandoned-panel" not in shown_all


# --------------------------------------------------------------------------- exit intent


@pytest.mark.parametrize("path", ["checkout.html", "cart.html"])
def test_exit_intent_through_the_top_of_the_window(demo: Demo, path: str) -> None:
    demo.storage(demo_cart=MINI)
    demo.open(path)
    demo.advance(2)
    mouse = demo.page.mouse
    # Out through the left edge: not exit intent.
    mouse.move(400, 300)
    mouse.move(-5, 300)
    demo.quiet()
    assert [d for d in demo.shown() if d != "shipping-info"] == []
    assert demo.session()["behaviour"]  # the engine is answering
    # Out through the top, as towards the tab bar: Chromium raises mouseout with
    # relatedTarget null and clientY <= 0, which web/observe.js reports as exit intent.
    mouse.move(400, 300)
    mouse.move(400, -5)
    shown = demo.wait_shown("exit-panel")
    assert shown == {"rule": "Leaving with a full cart", "interaction": "exit-panel",
                     "type": "panel", "language": "en", "queueKey": "Sales"}  # fmt: skip
    read = [c["read"] for c in demo.conditions("Leaving with a full cart", "aboutToAbandon")]
    assert True in read, read


# --------------------------------------------------------------------------- cart and products


def test_products_in_cart_then_the_cart_emptied_to_zero(demo: Demo) -> None:
    demo.storage(demo_cart=[{"sku": "PX-1", "quantity": 1}])
    demo.open("cart.html")
    # productsInCart: Phone X and no accessory -> the case tip inside the cart.
    assert demo.wait_shown("case-info")["rule"] == "Case for Phone X"
    expect(
        demo.page.locator("#cart-suggestion").locator('[data-engage-interaction="case-info"]')
    ).to_have_count(1)
    (has_phone, no_case) = demo.conditions("Case for Phone X", "productsInCart")
    assert has_phone["result"] is True and no_case["result"] is True
    # Adding the case (a cart push from the page) makes the rule stop matching.
    demo.page.get_by_role("button", name="Add Phone X Case to cart").click()
    assert demo.wait_event("hide", interaction="case-info")["reason"] == "ruleStoppedMatching"
    assert demo.session()["behaviour"]["cart"]["total"] == 728

    # cartValue decreasedToZero: the visitor empties the cart on the cart page.
    demo.page.get_by_role("button", name="Empty the cart").click()
    shown = demo.wait_shown("cart-emptied-panel")
    assert shown["rule"] == "Cart emptied"
    expect(
        demo.host("cart-emptied-panel").get_by_role("dialog", name="Changed your mind?")
    ).to_be_visible()
    (cond,) = demo.conditions("Cart emptied", "cartValue")
    assert cond["result"] is True and cond["read"] == "728 -> 0", cond
    demo.quiet()
    assert demo.shown() == ["shipping-info", "case-info", "cart-emptied-panel"], demo.shown()
    assert demo.statuses()["Cart reduced"] == "skipped", "the higher rule won"


def test_viewed_product_not_in_the_cart(demo: Demo) -> None:
    demo.open("product-tablet-y.html")
    viewed = demo.session()["behaviour"]["viewed"]
    assert [v["sku"] for v in viewed] == ["TY-1"], viewed
    follow(demo, "Cart")
    shown = demo.wait_shown("tablet-reminder-panel")
    assert shown["rule"] == "Forgot Tablet Y"
    (seen, not_in_cart) = demo.conditions("Forgot Tablet Y")[1:]
    assert seen["type"] == "viewedProduct" and seen["result"] is True
    assert not_in_cart["type"] == "productsInCart" and not_in_cart["result"] is True


# --------------------------------------------------------------------------- engagement


def test_a_declined_panel_gives_the_quiet_chat_button_on_the_next_page(demo: Demo) -> None:
    demo.open("product-phone-x.html")
    demo.advance(11)
    assert demo.wait_shown("sales-panel")["rule"] == "Sales on product pages"
    close(demo, "sales-panel")
    demo.idle()
    assert "declined" in demo.session()["statuses"]["sales-panel"]
    # Closing re-evaluates nothing on this page; the next page reads the status.
    demo.quiet()
    assert demo.shown() == ["sales-panel"]

    follow(demo, "Cart")
    shown = demo.wait_shown("chat-button")
    assert shown == {"rule": "Quiet chat button after a no", "interaction": "chat-button",
                     "type": "button", "language": "en", "queueKey": "Sales"}  # fmt: skip
    (engaged,) = demo.conditions("Quiet chat button after a no", "engagedInSession")
    assert engaged["result"] is True and "sales-panel" in str(engaged["read"]), engaged
    expect(demo.host("chat-button").get_by_role("button", name="Chat with us")).to_be_visible()


# --------------------------------------------------------------------------- service activity, pushes


def test_the_first_display_already_knows_the_queue_status(demo: Demo) -> None:
    # An unknown queue status counts as no agents available, so an evaluation before
    # queues.Support.statusUrl was read would pick the busy variant. The status says two
    # advisers are free: the button is the first and only thing shown.
    demo.page.route(
        "**/api/queues/support.json",
        lambda route: route.fulfill(json={"agentsAvailable": 2, "queueLength": 0}),
    )
    demo.open("support.html")
    shown = demo.wait_event("show", rule="Support case pending")
    assert shown["interaction"] == "support-case-button", shown
    demo.quiet()
    assert demo.shown() == ["support-case-button"]
    assert demo.events("hide") == []


def test_a_page_left_while_the_queue_status_is_awaited_loses_nothing(demo: Demo) -> None:
    # The status URL never answers, so the first evaluation waits for it (2 s of the
    # paused clock). The visitor leaves meanwhile: the next page still gets the service
    # activity support.html pushed before the loader started, and the page view itself.
    demo.page.route("**/api/queues/support.json", lambda route: None)  # left unanswered
    with demo.page.expect_request("**/api/queues/support.json"):
        demo.page.goto(demo.base + "support.html")
    assert demo.events("ready") == []
    with demo.page.expect_request("**/api/queues/support.json"):
        demo.page.evaluate("location.href = 'index.html'")
    demo.page.wait_for_url("**/index.html")
    # The next page's own wait for the status (2 s of the paused clock, counted once the
    # engine has named the status URL, after its boot) runs out.
    for _ in range(300):
        demo.page.clock.run_for(500)
        if demo.events("ready"):
            break
        demo.page.wait_for_timeout(100)
    demo.wait_ready()
    assert demo.session()["behaviour"]["services"]["order checkbook"]["status"] == "Pending"
    assert [u.split("/")[-1] for u in demo.session()["history"]] == ["support.html", "index.html"]


def test_service_activity_and_a_wrong_push_that_changes_nothing(demo: Demo) -> None:
    demo.open("support.html")
    shown = demo.wait_event("show", rule="Support case pending")
    (cond,) = demo.conditions("Support case pending", "serviceActivity")
    assert cond["result"] is True and cond["read"] == "Pending"
    rendered = demo.host(shown["interaction"])
    expect(rendered).to_have_count(1)

    # Pushes of the wrong shape: one engage:error each, naming the field; ignored.
    demo.page.evaluate(
        """() => {
          engage.push({type: "serviceActivity", topic: "order checkbook", status: "Lost"});
          engage.push({type: "viewedProduct", sku: "PX-1", prize: 699});
        }"""
    )
    demo.page.wait_for_function(
        "window.__engageTest.events.filter(e => e.name === 'error').length >= 2", timeout=UI_MS
    )
    demo.quiet()
    errors = demo.events("error")
    assert [(e["code"], e["path"]) for e in errors] == [
        ("push.invalid", "status"),
        ("push.invalid", "prize"),
    ], errors
    assert 'unknown status "Lost"' in errors[0]["message"]
    assert 'did you mean "price"' in errors[1]["message"], errors[1]
    assert demo.session()["behaviour"]["services"]["order checkbook"]["status"] == "Pending"
    assert demo.session()["behaviour"]["viewed"] == []
    assert demo.events("hide") == []
    expect(rendered).to_have_count(1)
    demo.check_no_page_errors()

    # The page's own control still works, and so does the engine: the right push counts.
    demo.page.get_by_label("Demo: change the case status").select_option("Resolved")
    expect(demo.page.locator("#case-status")).to_have_text("Resolved")
    hidden = demo.wait_event("hide", interaction=shown["interaction"])
    assert hidden["reason"] == "ruleStoppedMatching"
    assert demo.session()["behaviour"]["services"]["order checkbook"]["status"] == "Resolved"

"""Accessibility: axe-core on every interaction type, and keyboard-only use.

axe-core runs through axe-playwright-python (it bundles axe.min.js) on a host page showing a
panel, a button, an info and a chat at once; each violation would be attributed to the
interaction whose shadow root holds it. The keyboard test never touches the mouse: Tab into
a panel, Enter on its button, Escape in the chat it opened, and focus must come back to
where the visitor was. What each test observed goes into docs/reliability.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext

from tests.browser.reliability_helpers import INIT, RECORDER, Host, HostSite

pytestmark = pytest.mark.browser

KINDS = {"panel": "offer", "button": "help-button", "info": "notice-info", "chat": "help-chat"}


def on(*kinds: str) -> list[dict[str, Any]]:
    return [{"conditions": [{"type": "url", "criteria": "currentPage", "operator": "contains", "value": f"kind={k}"}]}
            for k in kinds]  # fmt: skip


A11Y = {
    "version": 1,
    "rules": [
        {"name": "Offer", "alwaysEvaluate": True, "rulesets": on("all", "panel"), "outcome": {"start": "offer", "language": "en"}},
        {"name": "Button", "alwaysEvaluate": True, "rulesets": on("all"), "outcome": {"start": "help-button"}},
        {"name": "Info", "alwaysEvaluate": True, "rulesets": on("all"), "outcome": {"start": "notice-info"}},
        {"name": "Chat", "alwaysEvaluate": True, "rulesets": on("all"), "outcome": {"start": "help-chat", "queueKey": "Sales"}},
    ],
    "interactions": {
        "offer": {"type": "panel", "title": "Questions about your order?", "text": "An adviser can help you now.",
                  "buttons": [{"label": "Chat with an adviser", "next": "help-chat"}, {"label": "No thanks", "action": "close"}]},
        "help-button": {"type": "button", "label": "Help", "next": "offer"},
        "notice-info": {"type": "info", "target": "#notice", "title": "Free delivery", "text": "On every order over 500 euros.",
                        "html": "<p>See <a href='#delivery'>delivery terms</a>.</p>"},
        "help-chat": {"type": "chat", "title": "Chat with an adviser", "text": "Connecting you to an adviser."},
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def base(site_server: Callable[..., str], tmp_path_factory: pytest.TempPathFactory) -> str:
    site = HostSite(tmp_path_factory.mktemp("a11y") / "site")
    site.page(
        "a11y",
        A11Y,
        title="Your order",
        body='<p id="delivery">Delivery terms: two working days.</p>',
    )
    return site_server(site.folder)


@pytest.fixture
def host(new_context: Callable[..., BrowserContext], base: str) -> Iterator[Host]:
    context = new_context()
    context.add_init_script(INIT)
    h = Host(context.new_page(), base)
    yield h
    assert not h.page_errors, f"uncaught errors in page code: {h.page_errors}"


def test_axe_finds_no_violations_on_any_interaction_type(host: Host) -> None:
    RECORDER.attempt(*(f"a11y:axe-{kind}" for kind in KINDS))
    host.open("a11y.html?kind=all")
    for interaction in KINDS.values():
        host.wait_event("show", interaction=interaction)
    host.page.wait_for_timeout(300)  # the polite announcements are filled in after insertion
    results = Axe().run(host.page, options={"resultTypes": ["violations", "passes"]}).response
    assert results["violations"] == [], Axe_report(results)
    version = results["testEngine"]["version"]
    for kind, interaction in KINDS.items():
        mine = f'[data-engage-interaction="{interaction}"]'
        passed = sorted(
            {
                p["id"]
                for p in results["passes"]
                for n in p["nodes"]
                if _in_host(n["target"], interaction)
            }
        )
        assert passed, f"axe checked nothing inside {mine}"
        RECORDER.record(
            f"a11y:axe-{kind}",
            f"axe-core {version}: 0 violations on the page; {len(passed)} rules passed inside the "
            f"{kind} ({', '.join(passed)})",
        )


def _in_host(target: list[Any], interaction: str) -> bool:
    first = target[0]
    text = " ".join(first) if isinstance(first, list) else str(first)
    return interaction in text


def Axe_report(results: dict[str, Any]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']]}"
        for v in results["violations"]
    )


FOCUSED = """() => {
  let el = document.activeElement, host = null;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) { host = el; el = el.shadowRoot.activeElement; }
  return {host: host && host.dataset.engageInteraction, id: el && el.id,
          name: el && (el.getAttribute("aria-label") || el.textContent.trim()),
          outline: el ? getComputedStyle(el).outlineStyle : null};
}"""


def test_keyboard_only_open_use_close_and_focus_returns(host: Host) -> None:
    RECORDER.attempt("a11y:keyboard")
    host.goto("a11y.html?kind=panel")
    host.page.focus("#own-button")
    host.wait_ready()
    host.wait_event("show", interaction="offer")
    host.page.wait_for_timeout(300)
    assert host.page.evaluate(FOCUSED)["id"] == "own-button", (
        "the panel took the focus when it appeared"
    )
    live = host.host("offer").evaluate("h => h.shadowRoot.querySelector('[aria-live]').textContent")
    assert (
        live == "Questions about your order?. An adviser can help you now." or "Questions" in live
    ), live

    presses = 0
    while host.page.evaluate(FOCUSED)["host"] != "offer":
        host.page.keyboard.press("Tab")
        presses += 1
        assert presses < 10, "Tab never reached the panel"
    first = host.page.evaluate(FOCUSED)
    assert first["name"] == "Close" and first["outline"] != "none", first
    host.page.keyboard.press("Tab")
    use = host.page.evaluate(FOCUSED)
    assert use["host"] == "offer" and use["name"] == "Chat with an adviser", use
    host.page.keyboard.press("Enter")
    chat = host.wait_event("chat", interaction="help-chat")
    host.wait_event("show", interaction="help-chat")
    host.page.wait_for_timeout(200)
    inside = host.page.evaluate(FOCUSED)
    assert inside["host"] == "help-chat", f"focus did not follow into the chat: {inside}"
    host.page.keyboard.press("Escape")
    hidden = host.wait_event("hide", interaction="help-chat")
    assert hidden["reason"] == "closed"
    host.page.wait_for_timeout(200)
    back = host.page.evaluate(FOCUSED)
    assert back["id"] == "own-button" and back["host"] is None, f"focus did not return: {back}"
    host.settle()
    statuses = host.page.evaluate("engage.state()")["session"]["statuses"]
    assert statuses["offer"] == ["exposed", "clicked", "interacted"] and "declined" in statuses["help-chat"], (
        statuses
    )
    assert chat["queueKey"] is None
    RECORDER.record(
        "a11y:keyboard",
        f"focus stayed on the page's button when the panel appeared; {presses} Tab(s) reached its "
        f'Close button (focus ring: outline {first["outline"]}), one more its "Chat with an adviser"; '
        "Enter opened the chat with focus inside it; Escape closed it (declined) and focus returned "
        "to the page's button; 0 page errors",
    )

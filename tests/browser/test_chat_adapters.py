"""The chat hand-off (docs/chat.md): a rule's chat opens the vendor widget the site runs.

Each vendor's widget is a stand-in under pages/chat/, built from the vendor's public API
reference (the URL is at the top of each stand-in and in the adapter's docstring): it
records the calls the adapter makes and fires the vendor's events, which must come back as
the chat's statuses (engage.state()) and as the post-chat survey.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PAGES, SiteServer
from tests.browser.kept import kept_site_fixtures

ROUTING = {
    "intercom": {"attributes": {"team": "sales"}},
    "zendesk": {"tags": ["sales"]},
    "crisp": {"segments": ["sales"]},
    "tawk": {"tags": ["sales"]},
    "livechat": {"sessionVariables": {"team": "sales"}},
    "freshchat": {"topic": "Sales", "tags": ["sales"]},
    "chatwoot": {"label": "sales"},
    "rocketchat": {"department": "Sales"},
    "liveperson": {"engagementId": "12345", "section": ["sales"]},
}

CONFIG: dict[str, Any] = {
    "version": 1,
    "rules": [
        {"name": "Sales help", "rulesets": [{"conditions": [{"type": "url", "criteria": "currentPage", "operator": "contains", "value": "/shop"}]}],
         "outcome": {"start": "sales-panel", "queueKey": "Sales", "language": "sv"}},
    ],
    "interactions": {
        "sales-panel": {"type": "panel", "title": "Questions?", "buttons": [{"label": "Chat now", "next": "sales-chat"}]},
        "sales-chat": {"type": "chat", "title": "Chat", "after": "survey-1"},
        "survey-1": {"type": "survey", "title": "How did it go?", "questions": [{"id": "q1", "kind": "rating", "label": "How did we do?"}]},
        "callback": {"type": "panel", "title": "We will call you back"},
    },
    "queues": {"Sales": {"routing": ROUTING}},
    "chat": {"fallback": "callback", "waitSeconds": 1},
}

# provider -> (the calls opening a chat makes, event that starts, event that ends (None: the
# site pushes chatEnded), [event, arg] that closes before a start, or None)
VENDORS: dict[str, tuple[list[list[Any]], list[Any], list[Any] | None]] = {
    "intercom": ([["update", {"team": "sales", "language_override": "sv"}], ["showNewMessage"]], ["onShow"], ["onHide"]),
    "zendesk": ([["messenger:set:locale", "sv"], ["messenger:set:conversationTags", ["sales"]], ["messenger:open"]], ["open"], ["close"]),
    "crisp": ([["set:session:segments", [["sales"]]], ["do:chat:open"]], ["message:sent"], ["chat:closed"]),
    "tawk": ([["addTags", ["sales"]], ["maximize"]], ["onChatStarted"], ["onChatEnded"]),
    "livechat": ([["set_session_variables", {"team": "sales"}], ["maximize"]], ["new_event", {}],
                 ["visibility_changed", {"visibility": "minimized"}]),
    "hubspot": ([["widget.open"]], ["conversationStarted"], ["conversationClosed"]),
    "freshchat": ([["user.setLocale", "sv"], ["setTags", ["sales"]], ["open", {"name": "Sales"}]], ["message:sent"], ["widget:closed"]),
    "chatwoot": ([["setLocale", "sv"], ["setLabel", "sales"], ["toggle", "open"]], ["chatwoot:on-message"], None),
    "rocketchat": ([["setDepartment", "Sales"], ["setLanguage", "sv"], ["maximizeWidget"]], ["onChatStarted"], ["onChatEnded"]),
    "liveperson": ([["section", ["sales"]], ["rendererStub.click", "12345"]], ["lpUnifiedWindow:state", {"state": "chatting"}],
                   ["lpUnifiedWindow:state", {"state": "ended"}]),
}


# Each test's site folder under one server, each page a new visitor in a kept context.
site_server, page = kept_site_fixtures("chat-sites")


def site(tmp_path: Path, provider: str, stand_in: bool = True, config: dict[str, Any] = CONFIG, tag: bool = True) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    scripts = ""
    if stand_in:
        for name in ("record.js", f"{provider}.js"):
            shutil.copyfile(PAGES / "chat" / name, root / name)
        scripts = f'<script src="record.js"></script><script src="{provider}.js"></script>'
    (root / "rules.json").write_text(json.dumps(config))
    chat = f' data-chat="{provider}"' if tag else ""
    (root / "shop.html").write_text(
        f'<!doctype html><html lang="en"><head><title>Shop</title>{scripts}'
        f'<script src="/engage/loader.js" data-config="rules.json"{chat} data-eager></script></head>'
        '<body><main><h1>Shop</h1></main><script>addEventListener("engage:error", (e) => '
        '(window.__errors ||= []).push(e.detail.message));</script></body></html>'
    )
    return root


def open_chat(page: Page, base: str) -> None:
    page.goto(base + "shop.html")
    page.get_by_role("button", name="Chat now").click()


def open_tawk(page: Page, site_server: SiteServer, tmp_path: Path) -> None:
    open_chat(page, site_server(site(tmp_path, "tawk")))
    page.wait_for_function("window.__chat.calls.some(c => c[0] === 'maximize')")


def wait_status(page: Page, status: str) -> None:
    page.wait_for_function(f"(engage.state().session.statuses['sales-chat'] || []).includes('{status}')")


def statuses(page: Page) -> list[str]:
    return list(page.evaluate("engage.state()")["session"]["statuses"].get("sales-chat", []))


@pytest.mark.parametrize("provider", sorted(VENDORS))
def test_a_rule_opens_the_vendor_widget_and_its_events_come_back(page: Page, site_server: SiteServer, tmp_path: Path, provider: str) -> None:
    calls, started, ended = VENDORS[provider]
    base = site_server(site(tmp_path, provider))
    open_chat(page, base)
    page.wait_for_function(f"window.__chat.calls.length >= {len(calls)}")
    assert page.evaluate("window.__chat.calls") == calls
    expect(page.locator('[data-engage-interaction="sales-chat"]')).to_have_count(0)  # no window of ours
    if provider not in ("intercom", "zendesk"):  # their widget's own open event is the start
        assert "interacted" not in statuses(page)

    page.evaluate("([e, a]) => window.__chat.fire(e, a)", [started[0], started[1] if len(started) > 1 else None])
    wait_status(page, "interacted")

    if ended is None:  # no "ended" event in this vendor's API: the site says so
        page.evaluate("engage.push({type: 'chatEnded'})")
    else:
        page.evaluate("([e, a]) => window.__chat.fire(e, a)", [ended[0], ended[1] if len(ended) > 1 else None])
    expect(page.get_by_role("dialog", name="How did it go?")).to_be_visible()
    assert "declined" not in statuses(page)
    assert page.evaluate("window.__errors || []") == []


# provider -> [event, arg] the vendor fires when the visitor closes its widget
CLOSED = {
    "tawk": ["onChatMinimized", None],
    "crisp": ["chat:closed", None],
    "livechat": ["visibility_changed", {"visibility": "minimized"}],
    "rocketchat": ["onChatMinimized", None],
    "freshchat": ["widget:closed", None],
    "liveperson": ["lpUnifiedWindow:windowClosed", None],
}


@pytest.mark.parametrize("provider", sorted(CLOSED))
def test_closing_the_widget_before_a_conversation_is_declined(page: Page, site_server: SiteServer, tmp_path: Path, provider: str) -> None:
    open_chat(page, site_server(site(tmp_path, provider)))
    page.wait_for_function(f"window.__chat.calls.length >= {len(VENDORS[provider][0])}")
    page.evaluate("([e, a]) => window.__chat.fire(e, a)", CLOSED[provider])
    wait_status(page, "declined")
    assert "interacted" not in statuses(page)


def test_a_livechat_greeting_is_not_a_conversation(page: Page, site_server: SiteServer, tmp_path: Path) -> None:
    open_chat(page, site_server(site(tmp_path, "livechat")))
    page.wait_for_function("window.__chat.calls.some(c => c[0] === 'maximize')")
    page.evaluate("window.__chat.fire('new_event', {type: 'message', author: {type: 'agent'}, greeting: {id: 1, uniqueId: 'g'}})")
    page.evaluate("window.__chat.fire('visibility_changed', {visibility: 'minimized'})")
    wait_status(page, "declined")
    assert "interacted" not in statuses(page)


def test_a_widget_that_never_loads_gives_one_error_and_the_fallback(page: Page, site_server: SiteServer, tmp_path: Path) -> None:
    base = site_server(site(tmp_path, "tawk", stand_in=False))
    open_chat(page, base)
    expect(page.get_by_role("dialog", name="We will call you back")).to_be_visible(timeout=8000)
    errors = page.evaluate("window.__errors")
    assert len(errors) == 1 and 'chat provider "tawk"' in errors[0] and "did not load within 1 s" in errors[0], errors
    expect(page.locator('[data-engage-interaction="sales-chat"]')).to_have_count(0)  # never a dead window


def test_the_provider_can_come_from_the_config_alone(page: Page, site_server: SiteServer, tmp_path: Path) -> None:
    config = {**CONFIG, "chat": {**CONFIG["chat"], "provider": "chatwoot"}}
    base = site_server(site(tmp_path, "chatwoot", config=config, tag=False))
    open_chat(page, base)
    page.wait_for_function("window.__chat.calls.length >= 3")
    assert page.evaluate("window.__chat.calls") == VENDORS["chatwoot"][0]


def test_an_adapter_that_throws_gives_one_error_and_the_fallback(page: Page, site_server: SiteServer, tmp_path: Path) -> None:
    routing = {**ROUTING, "liveperson": {"section": ["sales"]}}  # no engagementId: nothing to open
    config = {**CONFIG, "queues": {"Sales": {"routing": routing}}}
    base = site_server(site(tmp_path, "liveperson", config=config))
    open_chat(page, base)
    expect(page.get_by_role("dialog", name="We will call you back")).to_be_visible()
    errors = page.evaluate("window.__errors")
    assert len(errors) == 1 and "engagementId is needed" in errors[0], errors
    assert page.evaluate("window.__chat.calls") == []


HELP_RULE: dict[str, Any] = {
    "name": "Help", "rulesets": [{"conditions": [{"type": "url", "criteria": "currentPage", "operator": "contains", "value": "#help"}]}],
    "outcome": {"start": "sales-panel", "queueKey": "Sales",
                "variants": [{"when": {"queue": "Sales", "agentsAvailable": {"lessThan": 1}}, "start": "callback"}]}}


def ask_for_help(page: Page) -> None:
    page.evaluate("engage.evaluate()")
    page.evaluate("location.hash = 'help'")


@pytest.mark.parametrize(("status", "shown"), [("offline", "We will call you back"), ("online", "Questions?")])
def test_the_vendor_availability_chooses_the_outcome_variant(page: Page, site_server: SiteServer, tmp_path: Path, status: str, shown: str) -> None:
    base = site_server(site(tmp_path, "tawk", config={**CONFIG, "rules": [HELP_RULE]}))
    page.add_init_script(f"window.__tawkStatus = {json.dumps(status)}")
    page.goto(base + "shop.html")
    page.wait_for_function("typeof Tawk_API.onStatusChange === 'function'")  # the adapter listens: the status is sent
    ask_for_help(page)
    expect(page.get_by_role("dialog", name=shown)).to_be_visible()


# provider -> (the event the adapter subscribes to, a script making the vendor say "no agents")
OFFLINE = {
    "crisp": ("website:availability:changed", "window.__crispAvailable = false; __chat.fire('website:availability:changed', false)"),
    "livechat": ("availability_changed", "__chat.fire('availability_changed', {availability: 'offline'})"),
    "rocketchat": ("onServiceOffline", "__chat.fire('onServiceOffline', {})"),
    "liveperson": ("LP_OFFERS:START", "__chat.fire('LP_OFFERS:START', {engagementId: 12345, state: 2})"),
}


@pytest.mark.parametrize("provider", sorted(OFFLINE))
def test_the_vendor_saying_no_agents_chooses_the_callback_variant(page: Page, site_server: SiteServer, tmp_path: Path, provider: str) -> None:
    event, offline = OFFLINE[provider]
    base = site_server(site(tmp_path, provider, config={**CONFIG, "rules": [HELP_RULE]}))
    page.goto(base + "shop.html")
    page.wait_for_function(f"!!(window.__chat.handlers[{json.dumps(event)}] || []).length")  # the adapter listens
    page.evaluate(offline)
    ask_for_help(page)
    expect(page.get_by_role("dialog", name="We will call you back")).to_be_visible()


def test_a_chat_resumed_on_the_next_page_is_not_opened_again_and_still_reports(page: Page, site_server: SiteServer, tmp_path: Path) -> None:
    open_tawk(page, site_server, tmp_path)
    page.evaluate("window.__chat.fire('onChatStarted')")
    wait_status(page, "interacted")
    page.reload()
    page.wait_for_function("(engage.state() || {session: {}}).session.sticky?.length === 1")
    # the vendor ends the conversation once the adapter has the resumed chat: then the survey
    page.wait_for_function("window.__chat.fire('onChatEnded'), !!document.querySelector('[data-engage-interaction=\"survey-1\"]')")
    expect(page.get_by_role("dialog", name="How did it go?")).to_be_visible()
    assert page.evaluate("window.__chat.calls") == []  # not maximised again

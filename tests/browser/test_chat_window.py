"""The built-in chat window converses (docs/chat.md, "The built-in window").

The demo's config sets `chat.endpoint` to the reference endpoint (engine/tools/chat_endpoint.py,
answering POST /engage/chat on the test server as on `python -m engine serve`): a visitor
chats with a person on the agent page, in a second browser context, and gets the post-chat
survey when the agent ends the chat.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from engine.serve import start_server
from engine.tools.chat_endpoint import SCRIPT, ChatEndpoint

UI_MS = 20_000


@pytest.fixture(scope="module")
def demo_url(demo_site: Path, demo_engage: Path) -> Iterator[str]:
    """The demo on a server of this module's own: its chat endpoint holds only this module's
    conversations, whichever modules ran before on the same test worker, so the agent
    page's "Conversation 1" is the first test's visitor."""
    with start_server(demo_site, demo_engage, chat=ChatEndpoint()) as server:
        yield server.url


def test_a_visitor_chats_with_the_agent_page_then_gets_the_survey(new_context: Callable[..., BrowserContext], demo_url: str) -> None:
    visitor = new_context().new_page()
    errors: list[str] = []
    visitor.on("pageerror", lambda e: errors.append(str(e)))
    visitor.goto(demo_url + "rules.html")
    visitor.wait_for_function("window.engage && typeof engage.state === 'function' && engage.state() !== null", timeout=60_000)
    visitor.get_by_role("button", name="Open a support chat (a survey follows)").click()
    chat = visitor.locator('[data-engage-interaction="support-chat"]').get_by_role("dialog")
    expect(chat).to_be_visible(timeout=UI_MS)
    expect(chat).not_to_contain_text("Support")  # the queue key is never shown (the title is "Fjord Gadgets support")
    chat.get_by_role("textbox", name="Message").fill("Hello, is the Phone X waterproof?")
    chat.get_by_role("button", name="Send").click()
    log = chat.get_by_role("log")
    expect(log).to_contain_text("You: Hello, is the Phone X waterproof?", timeout=UI_MS)
    expect(log).to_contain_text(SCRIPT[0], timeout=UI_MS)  # the canned script answers until an agent does

    agent = new_context().new_page()
    agent.goto(demo_url + "agent.html")
    agent.get_by_role("button", name=re.compile(r"^Conversation 1 \(")).click()
    talk = agent.get_by_role("log")
    expect(talk).to_contain_text("visitor: Hello, is the Phone X waterproof?", timeout=UI_MS)
    agent.get_by_role("textbox", name="Reply").fill("Yes, to 1.5 m for 30 minutes.")
    agent.get_by_role("button", name="Send reply").click()
    expect(log).to_contain_text("Agent: Yes, to 1.5 m for 30 minutes.", timeout=UI_MS)

    agent.get_by_role("button", name="End chat").click()
    survey = visitor.locator('[data-engage-interaction="chat-survey"]').get_by_role("dialog")
    expect(survey).to_be_visible(timeout=UI_MS)
    expect(chat).to_have_count(0)
    assert "interacted" in visitor.evaluate("engage.state()")["session"]["statuses"]["support-chat"]
    assert errors == []


def test_the_endpoint_says_what_is_wrong() -> None:
    chat = ChatEndpoint()
    assert chat.handle(b"nope")[0] == 400
    status, answer = chat.handle(b'{"op": "talk"}')
    assert status == 400 and "expected start, send, poll, end" in answer["error"]
    status, answer = chat.handle(b'{"op": "send", "conversation": 7, "text": "hi"}')
    assert status == 404 and "no conversation 7" in answer["error"]
    cid = chat.handle(b'{"op": "start", "queueKey": "Sales"}')[1]["conversation"]
    assert chat.handle(b'{"op": "send", "conversation": %d, "text": "  "}' % cid)[0] == 400
    chat.handle(b'{"op": "close", "conversation": %d}' % cid)
    assert chat.handle(b'{"op": "poll", "conversation": %d}' % cid)[1] == {"messages": [], "ended": True}


def test_closing_the_window_ends_the_conversation_for_the_agent(new_context: Callable[..., BrowserContext], demo_url: str) -> None:
    visitor = new_context().new_page()
    visitor.goto(demo_url + "rules.html")
    visitor.wait_for_function("window.engage && typeof engage.state === 'function' && engage.state() !== null", timeout=60_000)
    visitor.get_by_role("button", name="Open a support chat (a survey follows)").click()
    chat = visitor.locator('[data-engage-interaction="support-chat"]').get_by_role("dialog")
    chat.get_by_role("textbox", name="Message").fill("Never mind")
    chat.get_by_role("button", name="Send").click()
    expect(chat.get_by_role("log")).to_contain_text(SCRIPT[0], timeout=UI_MS)
    conversations = visitor.evaluate("fetch('/engage/chat', {method: 'POST', body: JSON.stringify({op: 'list'})}).then(r => r.json())")
    mine = max(c["conversation"] for c in conversations["conversations"])
    chat.get_by_role("button", name="Close", exact=True).click()
    expect(visitor.locator('[data-engage-interaction="chat-survey"]').get_by_role("dialog")).to_be_visible(timeout=UI_MS)
    visitor.wait_for_function(
        "id => fetch('/engage/chat', {method: 'POST', body: JSON.stringify({op: 'poll', conversation: id})})"
        ".then(r => r.json()).then(j => j.ended)", arg=mine, timeout=UI_MS)

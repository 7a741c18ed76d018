"""The built-in chat window converses (docs/chat.md, "The built-in window").

The demo's config sets `chat.endpoint` to the reference endpoint (engine/tools/chat_endpoint.py,
answering POST /engage/chat on the test server as on `python -m engine serve`): a visitor
chats with a person on the agent page, in a second browser context, and gets the post-chat
survey when the agent ends the chat.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Locator, Route, expect

from engine.tools.chat_endpoint import SCRIPT, ChatEndpoint
from engine.tools.serve import STRICT_CSP, start_server
from tests.browser.demo_helpers import Demo

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


def endpoint(demo: Demo, **request: Any) -> dict[str, Any]:
    """A request to the demo's reference chat endpoint from outside the page (as the agent page makes them)."""
    post = urllib.request.Request(demo.base + "engage/chat", data=json.dumps(request).encode(), method="POST")
    with urllib.request.urlopen(post) as answer:
        return dict(json.load(answer))


def open_support_chat(demo: Demo) -> tuple[Locator, int]:
    """Open the demo's support chat with the clock paused; return its log and conversation id."""
    before = {c["conversation"] for c in endpoint(demo, op="list")["conversations"]}
    demo.open("rules.html")
    demo.page.get_by_role("button", name="Open a support chat (a survey follows)").click()
    demo.wait_shown("support-chat")
    chat = demo.host("support-chat").get_by_role("dialog")
    expect(chat.get_by_role("textbox", name="Message")).to_be_visible()
    demo.page.wait_for_function(
        "n => fetch('/engage/chat', {method: 'POST', body: JSON.stringify({op: 'list'})}).then(r => r.json())"
        ".then(j => j.conversations.length > n)", arg=len(before), timeout=UI_MS)
    (mine,) = {c["conversation"] for c in endpoint(demo, op="list")["conversations"]} - before
    return chat.get_by_role("log"), mine


def stream_answers(demo: Demo) -> list[tuple[str, int, str]]:
    """(url, status, content type) of each answer to a GET on the chat endpoint, as it comes."""
    seen: list[tuple[str, int, str]] = []
    demo.page.on("response", lambda r: seen.append((r.url, r.status, r.headers.get("content-type", "")))
                 if r.request.method == "GET" and "/engage/chat?" in r.url else None)
    return seen


def wait_for(demo: Demo, seen: list[Any]) -> None:
    for _ in range(UI_MS // 50):
        if seen:
            return
        demo.page.wait_for_timeout(50)  # real time: the stream's answer is network, not clock
    raise AssertionError("no GET on the chat endpoint")


def test_agent_replies_arrive_by_server_sent_events_while_the_clock_stands_still(demo: Demo) -> None:
    streams = stream_answers(demo)
    log, mine = open_support_chat(demo)
    wait_for(demo, streams)
    assert streams[0][1:] == (200, "text/event-stream") and f"conversation={mine}" in streams[0][0], streams
    # the clock is paused: no poll timer can fire, only the event stream can bring this
    endpoint(demo, op="reply", conversation=mine, text="Hello from the desk")
    expect(log).to_contain_text("Agent: Hello from the desk", timeout=UI_MS)
    endpoint(demo, op="close", conversation=mine)  # the agent ends it: the stream says so, the survey follows
    expect(demo.host("chat-survey").get_by_role("dialog")).to_be_visible(timeout=UI_MS)


def test_without_an_event_stream_the_window_polls_every_one_and_a_half_seconds(demo: Demo) -> None:
    refused: list[str] = []

    def no_stream(route: Route) -> None:
        refused.append(route.request.url)
        route.fulfill(status=404, content_type="application/json", body=json.dumps({"error": "no event stream here"}))

    polls: list[str] = []
    demo.page.on("request", lambda r: polls.append(r.url) if r.method == "POST" and '"op":"poll"' in (r.post_data or "") else None)
    demo.page.route("**/engage/chat?*", no_stream)  # GETs only: the protocol's POSTs carry no query
    log, mine = open_support_chat(demo)
    wait_for(demo, polls)  # the first poll, right after the stream was refused
    demo.quiet()
    endpoint(demo, op="reply", conversation=mine, text="Polled reply")
    demo.quiet()
    expect(log).not_to_contain_text("Polled reply")  # the clock stands still: the next poll has not come
    demo.page.clock.run_for(1500)
    expect(log).to_contain_text("Agent: Polled reply", timeout=UI_MS)
    assert refused and all(f"conversation={mine}" in url for url in refused)


VIOLATIONS = """document.addEventListener("securitypolicyviolation", (e) =>
  (window.__violations ||= []).push(e.violatedDirective + " " + e.blockedURI));"""


def test_the_event_stream_works_under_the_strict_content_security_policy(
    new_context: Callable[..., BrowserContext], demo_site: Path, demo_engage: Path
) -> None:
    server = start_server(demo_site, demo_engage, headers={"Content-Security-Policy": STRICT_CSP}, chat=ChatEndpoint())
    try:
        context = new_context()
        context.add_init_script(VIOLATIONS)
        visitor = context.new_page()
        streams: list[str] = []
        visitor.on("response", lambda r: streams.append(r.headers.get("content-type", ""))
                   if r.request.method == "GET" and "/engage/chat?" in r.url else None)
        visitor.goto(server.url + "rules.html")
        for _ in range(600):  # wait_for_function would evaluate a string, which this policy forbids
            if visitor.evaluate("!!(window.engage && typeof engage.state === 'function' && engage.state())"):
                break
            visitor.wait_for_timeout(100)
        visitor.get_by_role("button", name="Open a support chat (a survey follows)").click()
        chat = visitor.locator('[data-engage-interaction="support-chat"]').get_by_role("dialog")
        chat.get_by_role("textbox", name="Message").fill("Hello under CSP")
        chat.get_by_role("button", name="Send").click()
        expect(chat.get_by_role("log")).to_contain_text(SCRIPT[0], timeout=UI_MS)
        assert streams and streams[0].startswith("text/event-stream"), streams
        assert visitor.evaluate("window.__violations || []") == []
    finally:
        server.stop()

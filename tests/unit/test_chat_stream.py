"""The reference chat endpoint's server-sent events (engine/tools/chat_endpoint.py, docs/chat.md)."""

from __future__ import annotations

import json
import threading
from typing import Any

from engine.tools.chat_endpoint import ChatEndpoint


def request(chat: ChatEndpoint, **body: Any) -> dict[str, Any]:
    status, answer = chat.handle(json.dumps(body).encode())
    assert status == 200, answer
    return answer


def events(chunks: list[bytes]) -> list[tuple[int, dict[str, Any]]]:
    """(id, data) of each event among the stream's chunks (comments and retry left out)."""
    found = []
    for chunk in chunks:
        fields = dict(line.split(": ", 1) for line in chunk.decode().strip().splitlines() if not line.startswith(":"))
        if "data" in fields:
            found.append((int(fields["id"]), json.loads(fields["data"])))
    return found


def test_the_stream_sends_what_is_there_then_each_change_until_the_conversation_ends() -> None:
    chat = ChatEndpoint()
    cid = request(chat, op="start", queueKey="Sales")["conversation"]
    request(chat, op="send", conversation=cid, text="Hi")  # message 1, and the script's answer 2
    status, stream = chat.stream(f"conversation={cid}&after=1", keepalive=5, limit=10)
    assert status == 200 and not isinstance(stream, dict)
    chunks = [next(stream), next(stream)]
    assert chunks[0] == b"retry: 1000\n\n"
    threading.Timer(0.2, lambda: request(chat, op="reply", conversation=cid, text="Hello, agent here")).start()
    chunks.append(next(stream))  # waits for the reply: no polling, the reply wakes the stream
    threading.Timer(0.2, lambda: request(chat, op="close", conversation=cid)).start()
    chunks += list(stream)  # the close ends the stream
    assert events(chunks) == [
        (2, {"messages": [{"id": 2, "from": "bot", "text": "Thanks for your message! An agent has been told and will answer here."}], "ended": False}),
        (3, {"messages": [{"id": 3, "from": "agent", "text": "Hello, agent here"}], "ended": False}),
        (3, {"messages": [], "ended": True}),
    ]


def test_a_reconnecting_browser_resumes_after_its_last_event_id() -> None:
    chat = ChatEndpoint()
    cid = request(chat, op="start")["conversation"]
    request(chat, op="send", conversation=cid, text="One")
    request(chat, op="send", conversation=cid, text="Two")
    request(chat, op="end", conversation=cid)
    status, stream = chat.stream(f"conversation={cid}&after=0", last_event_id="2")  # messages: 1 One, 2 script, 3 Two, 4 script
    assert status == 200 and not isinstance(stream, dict)
    ((last, answer),) = events(list(stream))
    assert [m["text"] for m in answer["messages"]] == ["Two", "An agent will be with you shortly; you can keep writing meanwhile."]
    assert answer["ended"] is True and last == 4


def test_an_idle_stream_keeps_alive_and_closes_for_the_browser_to_reconnect() -> None:
    chat = ChatEndpoint()
    cid = request(chat, op="start")["conversation"]
    status, stream = chat.stream(f"conversation={cid}", keepalive=0.05, limit=0.2)
    assert status == 200 and not isinstance(stream, dict)
    chunks = list(stream)
    assert chunks[0] == b"retry: 1000\n\n" and b": keepalive\n\n" in chunks and events(chunks) == []


def test_a_stream_for_no_conversation_says_what_is_wrong() -> None:
    chat = ChatEndpoint()
    assert chat.stream("conversation=7") == (404, {"error": 'no conversation 7; start one with {"op": "start"}'})
    status, answer = chat.stream("after=2")
    assert status == 400 and "conversation=ID" in str(answer)

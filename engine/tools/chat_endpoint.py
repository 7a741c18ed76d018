"""The reference chat endpoint behind the built-in chat window (docs/chat.md, "The built-in window").

One same-origin URL (`chat.endpoint` in the config; `python -m engine serve` answers
POST /engage/chat) takes JSON `{"op": ...}` requests and answers JSON:

visitor  start {queueKey, language}           -> {conversation}
         send  {conversation, text}           -> {ok: true}
         poll  {conversation, after}          -> {messages: [{id, from, text}], ended}
         end   {conversation}                 -> {ok: true}
agent    list  {}                             -> {conversations: [{conversation, queueKey, language, ended, messages}]}
         reply {conversation, text}           -> {ok: true}
         close {conversation}                 -> {ok: true}

`from` is "visitor", "agent" or "bot". Until an agent replies, the visitor's messages are
answered from a short canned script, so the demo converses on its own. Backed by SQLite
(an in-memory database unless a path is given); one lock serialises the server's threads.
This is a reference for site developers, not a product: it has no authentication.

Server-sent events, in place of polling: GET on the same URL with `?conversation=ID&after=N`
(a reconnecting EventSource's Last-Event-ID header wins over `after`) answers
`text/event-stream`. Each event's data is what `poll` answers, `{messages, ended}`, and its
id the last message id in it: first the messages after N, then each change as it happens,
until the conversation ends (the last event says `ended`). An idle stream sends a comment
every KEEPALIVE_SECONDS and closes after STREAM_SECONDS; the browser then reconnects where
it left off.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

SCRIPT = (
    "Thanks for your message! An agent has been told and will answer here.",
    "An agent will be with you shortly; you can keep writing meanwhile.",
)
MAX_TEXT = 2000
KEEPALIVE_SECONDS = 15.0
STREAM_SECONDS = 30.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
  id INTEGER PRIMARY KEY, queue_key TEXT, language TEXT, ended INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY, conversation INTEGER NOT NULL REFERENCES conversations(id),
  sender TEXT NOT NULL, text TEXT NOT NULL);
"""


class ChatEndpoint:
    def __init__(self, path: str = ":memory:") -> None:
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # notified after every request that changes a conversation

    def handle(self, body: bytes) -> tuple[int, dict[str, Any]]:
        """One request: (HTTP status, JSON answer). Bad requests say what is wrong."""
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return 400, {"error": "the body must be JSON: {\"op\": \"start\" | \"send\" | \"poll\" | \"end\", ...}"}
        if not isinstance(request, dict):
            return 400, {"error": "the body must be a JSON object with \"op\""}
        op = request.get("op")
        handler = getattr(self, f"_op_{op}", None) if isinstance(op, str) else None
        if handler is None:
            return 400, {"error": f"unknown op {op!r}; expected start, send, poll, end, list, reply or close"}
        with self._lock:
            try:
                answer = handler(request)
                if op not in ("poll", "list"):
                    self._changed.notify_all()
                return 200, answer
            except LookupError as exc:
                return 404, {"error": str(exc)}
            except ValueError as exc:
                return 400, {"error": str(exc)}

    def _conversation(self, request: dict[str, Any]) -> tuple[int, bool]:
        cid = request.get("conversation")
        row = self._db.execute("SELECT id, ended FROM conversations WHERE id = ?", (cid,)).fetchone() if isinstance(cid, int) else None
        if row is None:
            raise LookupError(f"no conversation {cid!r}; start one with {{\"op\": \"start\"}}")
        return row[0], bool(row[1])

    def _add(self, cid: int, sender: str, text: object) -> None:
        if not isinstance(text, str) or not text.strip():
            raise ValueError("\"text\" must be a non-empty string")
        self._db.execute("INSERT INTO messages (conversation, sender, text) VALUES (?, ?, ?)", (cid, sender, text.strip()[:MAX_TEXT]))

    def _op_start(self, request: dict[str, Any]) -> dict[str, Any]:
        queue, language = request.get("queueKey"), request.get("language")
        cur = self._db.execute("INSERT INTO conversations (queue_key, language) VALUES (?, ?)",
                               (queue if isinstance(queue, str) else None, language if isinstance(language, str) else None))
        self._db.commit()
        return {"conversation": cur.lastrowid}

    def _op_send(self, request: dict[str, Any]) -> dict[str, Any]:
        cid, ended = self._conversation(request)
        if ended:
            raise ValueError("this conversation has ended")
        self._add(cid, "visitor", request.get("text"))
        senders = [r[0] for r in self._db.execute("SELECT sender FROM messages WHERE conversation = ?", (cid,))]
        bot = senders.count("bot")
        if "agent" not in senders and bot < len(SCRIPT):
            self._add(cid, "bot", SCRIPT[bot])
        self._db.commit()
        return {"ok": True}

    def _op_poll(self, request: dict[str, Any]) -> dict[str, Any]:
        cid, ended = self._conversation(request)
        after = request.get("after") if isinstance(request.get("after"), int) else 0
        rows = self._db.execute("SELECT id, sender, text FROM messages WHERE conversation = ? AND id > ? ORDER BY id", (cid, after))
        return {"messages": [{"id": i, "from": s, "text": t} for i, s, t in rows], "ended": ended}

    def _op_end(self, request: dict[str, Any]) -> dict[str, Any]:
        cid, _ = self._conversation(request)
        self._db.execute("UPDATE conversations SET ended = 1 WHERE id = ?", (cid,))
        self._db.commit()
        return {"ok": True}

    _op_close = _op_end  # the agent ends it: the visitor's window sees `ended` on its next poll

    def _op_reply(self, request: dict[str, Any]) -> dict[str, Any]:
        cid, ended = self._conversation(request)
        if ended:
            raise ValueError("this conversation has ended")
        self._add(cid, "agent", request.get("text"))
        self._db.commit()
        return {"ok": True}

    def _op_list(self, request: dict[str, Any]) -> dict[str, Any]:
        rows = self._db.execute(
            "SELECT c.id, c.queue_key, c.language, c.ended, COUNT(m.id) FROM conversations c "
            "LEFT JOIN messages m ON m.conversation = c.id GROUP BY c.id ORDER BY c.id")
        return {"conversations": [{"conversation": i, "queueKey": q, "language": lang, "ended": bool(e), "messages": n}
                                  for i, q, lang, e, n in rows]}

    def stream(self, query: str, last_event_id: str | None = None, *, keepalive: float = KEEPALIVE_SECONDS,
               limit: float = STREAM_SECONDS) -> tuple[int, dict[str, Any] | Iterator[bytes]]:
        """A GET with `query` ("conversation=ID&after=N"): (200, the event stream's chunks), or
        (HTTP status, {"error": ...}) when there is no such conversation."""
        params = parse_qs(query)
        try:
            cid = int(params.get("conversation", [""])[0])
            after = int(last_event_id or params.get("after", ["0"])[0] or 0)
        except ValueError:
            return 400, {"error": "give ?conversation=ID (and after=N, the last message id seen) as whole numbers"}
        with self._lock:
            try:
                self._conversation({"conversation": cid})
            except LookupError as exc:
                return 404, {"error": str(exc)}
        return 200, self._events(cid, after, keepalive, limit)

    def _events(self, cid: int, after: int, keepalive: float, limit: float) -> Iterator[bytes]:
        yield b"retry: 1000\n\n"
        deadline = time.monotonic() + limit
        while True:
            with self._changed:
                answer = self._op_poll({"conversation": cid, "after": after})
                if not answer["messages"] and not answer["ended"]:
                    self._changed.wait(max(0.0, min(keepalive, deadline - time.monotonic())))
                    answer = self._op_poll({"conversation": cid, "after": after})
            if answer["messages"] or answer["ended"]:
                after = max([after, *(m["id"] for m in answer["messages"])])
                yield f"id: {after}\ndata: {json.dumps(answer)}\n\n".encode()
                if answer["ended"]:
                    return
            elif time.monotonic() < deadline:
                yield b": keepalive\n\n"
            if time.monotonic() >= deadline:
                return

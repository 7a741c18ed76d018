"""The collector: a small ASGI app that stores the events `web/collect.js` sends.

    POST /engage/collect   {"events": [{"id", "event", "visitor", "rule", "interaction",
                                        "arm", "time", "value", ...}, ...]}

Mount `engine.collect:app` in any ASGI server (it reads its database URL from
`ENGAGE_COLLECT_DB`, default `sqlite:///events.db`), build one with `create_app(url)`, or
run `python -m engine collect --db URL [--port P]` (uvicorn). Answers:

* 200 `{"stored": N, "duplicates": M}`: the batch is stored; ids stored before are
  skipped, so a batch sent twice (a beacon and a retry) is stored once;
* 400 `{"error": reason}`: the body is not JSON or an event breaks the schema; nothing of
  the batch is stored (the reason names the field, e.g. `events[2].arm`);
* 413: the body is over `max_body` bytes or holds over `max_events` events;
* 429 with `Retry-After`: a visitor sent more than `rate` events in the last `per` seconds.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import math
import os
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import fastjsonschema

from engine.tools import store

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

EVENTS = (
    "engage_show", "engage_control", "engage_hide", "engage_clicked", "engage_closed",
    "engage_chat_started", "engage_survey", "engage_conversion",
)  # fmt: skip
MAX_BODY = 256 * 1024
MAX_EVENTS = 500
RATE = 600  # events per visitor ...
PER = 60.0  # ... per this many seconds
DEFAULT_DB = "sqlite:///events.db"
_TEXT = {"type": ["string", "null"], "maxLength": 200}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["events"],
    "additionalProperties": False,
    "properties": {"events": {"type": "array", "items": {"$ref": "#/definitions/event"}}},
    "definitions": {
        "event": {
            "type": "object",
            "required": ["id", "event", "visitor", "time"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,64}$"},
                "event": {"enum": list(EVENTS)},
                "visitor": {"type": "string", "minLength": 1, "maxLength": 128},
                "rule": _TEXT,
                "interaction": _TEXT,
                "arm": {"enum": ["treatment", "control", None]},
                "time": {"type": "integer", "minimum": 0, "maximum": 2**53},
                "value": {"type": ["number", "null"]},
                "currency": {"type": ["string", "null"], "pattern": "^[A-Za-z]{3}$"},
                "name": _TEXT,
                "split": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
            },
            "allOf": [
                # Everything but a conversion belongs to a rule's interaction.
                {"if": {"properties": {"event": {"not": {"const": "engage_conversion"}}}},
                 "then": {"required": ["rule", "interaction", "arm"],
                          "properties": {"rule": {"type": "string"}, "interaction": {"type": "string"},
                                         "arm": {"type": "string"}}}},
            ],
        }
    },
}  # fmt: skip
_validate = fastjsonschema.compile(SCHEMA)


class Reject(Exception):
    def __init__(self, status: int, reason: str, headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers


def check(body: bytes, max_events: int = MAX_EVENTS) -> list[dict[str, Any]]:
    """The batch's events, or Reject(400/413) with the first problem found."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise Reject(400, f"the body is not JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get("events"), list) and len(data["events"]) > max_events:
        raise Reject(413, f"{len(data['events'])} events in one batch; send at most {max_events}")
    try:
        _validate(data)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise Reject(400, _reason(exc)) from None
    batch: list[dict[str, Any]] = data["events"]
    for i, event in enumerate(batch):
        value = event.get("value")
        if isinstance(value, float) and not math.isfinite(value):
            raise Reject(400, f"events[{i}].value must be a finite number")
        arm = "control" if event["event"] == "engage_control" else "treatment"
        if event["event"] != "engage_conversion" and event["arm"] != arm:
            raise Reject(400, f'events[{i}].arm must be "{arm}" for {event["event"]}, not {json.dumps(event["arm"])}')
    return batch


def _reason(exc: fastjsonschema.JsonSchemaValueException) -> str:
    # "data.events[2].arm must be one of [...]" -> "events[2].arm must be one of [...]"
    message = str(exc.message)
    return message[5:] if message.startswith("data.") else message.replace("data ", "the body ", 1)


class RateLimit:
    """At most `rate` events per visitor in any `per` seconds (a token bucket each)."""

    def __init__(self, rate: int = RATE, per: float = PER, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.per, self.clock = rate, per, clock
        self.buckets: dict[str, tuple[float, float]] = {}

    def take(self, counts: dict[str, int]) -> float:
        """0 if every visitor may send its count now (and it is taken), else seconds to wait."""
        now = self.clock()
        refill = self.rate / self.per
        levels = {}
        for visitor, count in counts.items():
            tokens, at = self.buckets.get(visitor, (float(self.rate), now))
            tokens = min(float(self.rate), tokens + (now - at) * refill)
            if tokens < count:
                return max((count - tokens) / refill, 1.0)
            levels[visitor] = tokens - count
        if len(self.buckets) > 100_000:  # forget full buckets: they behave as new ones
            self.buckets = {v: b for v, b in self.buckets.items() if b[0] + (now - b[1]) * refill < self.rate}
        for visitor, tokens in levels.items():
            self.buckets[visitor] = (tokens, now)
        return 0.0


class Collector:
    """The ASGI app. `engine` (SQLAlchemy) is opened from `db_url` on first use."""

    def __init__(self, db_url: str | None = None, *, max_body: int = MAX_BODY,
                 max_events: int = MAX_EVENTS, rate: RateLimit | None = None) -> None:  # fmt: skip
        self.db_url = db_url
        self.max_body = max_body
        self.max_events = max_events
        self.rate = rate or RateLimit()
        self._engine: Any = None
        self._opening = threading.Lock()
        # Group commit: batches that arrive while one transaction runs share the next one.
        self._waiting: list[tuple[list[dict[str, Any]], concurrent.futures.Future[int]]] = []
        self._writing = False
        self._queue_lock = threading.Lock()

    @property
    def engine(self) -> Any:
        with self._opening:  # the first requests may come at once; migrate once
            if self._engine is None:
                self._engine = store.open_store(self.db_url or os.environ.get("ENGAGE_COLLECT_DB", DEFAULT_DB))
        return self._engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        if scope["type"] != "http":
            return None
        try:
            if scope["method"] != "POST":
                raise Reject(405, "send events with POST", ((b"allow", b"POST"),))
            body = await self._body(scope, receive)
            batch = check(body, self.max_events)
            counts: dict[str, int] = {}
            for event in batch:
                counts[event["visitor"]] = counts.get(event["visitor"], 0) + 1
            wait = self.rate.take(counts)
            if wait:
                raise Reject(429, f"too many events from one visitor; retry in {math.ceil(wait)} s",
                             ((b"retry-after", str(math.ceil(wait)).encode()),))  # fmt: skip
            stored = await self.store(batch)
        except Reject as r:
            return await _answer(send, r.status, {"error": r.reason}, r.headers)
        return await _answer(send, 200, {"stored": stored, "duplicates": len(batch) - stored})

    async def store(self, batch: list[dict[str, Any]]) -> int:
        """Store one batch; the number of events not stored before."""
        received = int(time.time() * 1000)
        rows = [{c: event.get(c) for c in store.COLUMNS} | {"received": received} for event in batch]
        done: concurrent.futures.Future[int] = concurrent.futures.Future()
        with self._queue_lock:
            self._waiting.append((rows, done))
            start, self._writing = not self._writing, True
        if start:
            threading.Thread(target=self._write, name="engage collector writer", daemon=True).start()
        return await asyncio.wrap_future(done)

    def _write(self) -> None:
        while True:
            with self._queue_lock:
                jobs, self._waiting = self._waiting, []
                if not jobs:
                    self._writing = False
                    return
            try:
                counts = store.insert_batches(self.engine, [rows for rows, _ in jobs])
            except Exception as exc:
                for _, done in jobs:
                    done.set_exception(exc)
            else:
                for (_, done), count in zip(jobs, counts, strict=True):
                    done.set_result(count)

    async def _body(self, scope: Scope, receive: Receive) -> bytes:
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body:
                raise Reject(413, f"the body is over {self.max_body} bytes; send smaller batches")
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise Reject(400, "the client went away before the body was complete")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise Reject(413, f"the body is over {self.max_body} bytes; send smaller batches")
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await asyncio.to_thread(lambda: self.engine)
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": f"cannot open the event store: {exc}"})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._engine is not None:
                    self._engine.dispose()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _answer(send: Send, status: int, payload: dict[str, Any],
                  headers: tuple[tuple[bytes, bytes], ...] = ()) -> None:  # fmt: skip
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"cache-control", b"no-store"),
                            (b"content-length", str(len(body)).encode()), *headers]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def create_app(db_url: str | None = None, **options: Any) -> Collector:
    return Collector(db_url, **options)


app = Collector()


def call(app: Collector, method: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Run one request through `app` synchronously: for servers that are not ASGI servers
    (the demo's static server mounts the collector with it) and for tests."""
    sent: list[Message] = []
    chunks = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> Message:
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": "/engage/collect",
             "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]}  # fmt: skip
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return (start["status"], {k.decode(): v.decode() for k, v in start["headers"]},
            b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))  # fmt: skip


@contextlib.contextmanager
def running(app: Collector, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `app` with uvicorn from a background thread; yields its collect URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="engage collector", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the collector did not start")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()
    try:
        yield f"http://{bound[0]}:{bound[1]}/engage/collect"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main(argv: list[str]) -> int:
    """`python -m engine collect --db URL [--host H] [--port P]`."""
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m engine collect",
                                     description="Store the events loader.js sends (data-collect) into a database.")  # fmt: skip
    parser.add_argument("--db", default=DEFAULT_DB, help="sqlite:///FILE or postgresql://... (default: %(default)s)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8001, help="port (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        store.open_store(args.db).dispose()  # migrate, and fail here rather than on the first event
    except Exception as exc:
        print(f"engine collect: error: cannot open {args.db}: {exc}", file=sys.stderr)
        return 1
    print(f"Collecting into {args.db} at http://{args.host}:{args.port}/engage/collect (Ctrl-C stops)", file=sys.stderr)
    uvicorn.run(create_app(args.db), host=args.host, port=args.port, log_level="warning")
    return 0

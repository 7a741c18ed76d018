"""Results (docs/analytics.md) end to end: the demo shop with `data-collect`, the collector
mounted in the test server, events stored in SQLite, and `report` counting exactly what
the visitors did.

Visitors are browser contexts with a stored visitor id in one arm or the other of the
"Fold video demo" control group (as in test_controls_demo.py); each page's window events
are recorded before it is left, so the expected counts come from what the page raised,
not from the report.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from engine.display import bucket as _bucket
from engine.tools import report, store
from engine.tools.chat_endpoint import ChatEndpoint
from engine.tools.collect import Collector, create_app
from engine.tools.serve import start_server
from tests.browser.demo_helpers import DEMO, Demo
from tests.browser.test_controls_demo import NOTHING_STORED, STORAGE, visitor_state

pytestmark = pytest.mark.browser

RULE = "Fold video demo"
# Every window event the collector listens to, recorded per document.
RECORD = """
(() => {
  const seen = [];
  Object.defineProperty(window, "__collectTest", {value: seen});
  for (const name of ["show", "control", "hide", "clicked", "closed", "chat_started"]) {
    window.addEventListener("engage:" + name, (e) => seen.push({name, rule: e.detail.rule, interaction: e.detail.interaction}));
  }
  const posts = [];
  Object.defineProperty(window, "__collectPosts", {value: posts});
  // answers: one entry per collector answer the loader has read. It is pushed as the loader's
  // r.json() settles, so the loader's own handling of the answer (a retry's timer) runs in
  // the same microtask checkpoint, before a test can look.
  const answers = [];
  Object.defineProperty(window, "__collectAnswers", {value: answers});
  const f = window.fetch;
  window.fetch = (url, init) => {
    if (!String(url).endsWith("/engage/collect")) return f(url, init);
    posts.push(init.body);
    return f(url, init).then((r) => {
      const json = r.json.bind(r);
      r.json = () => json().finally(() => answers.push(r.status));
      return r;
    });
  };
})();
"""


class Switch:
    """The collector, or 503 for every request while `down` (counted in `refused`)."""

    def __init__(self, app: Collector) -> None:
        self.app, self.down, self.refused = app, False, 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not self.down:
            return await self.app(scope, receive, send)
        self.refused += 1
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b"collector down"})
        return None


@pytest.fixture(scope="module")
def switch() -> Switch:
    return Switch(create_app())


@pytest.fixture(scope="module")
def collect_site(tmp_path_factory: pytest.TempPathFactory, demo_engage: Path, switch: Switch) -> Iterator[tuple[str, str]]:
    """(base URL, database URL): the demo with data-collect on every loader tag."""
    root = tmp_path_factory.mktemp("collect")
    site = root / "site"
    shutil.copytree(DEMO, site)
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        page.write_text(text.replace('<script src="/engage/loader.js"', '<script src="/engage/loader.js" data-collect="/engage/collect"'), encoding="utf-8")
    db = f"sqlite:///{root / 'events.db'}"
    switch.app.db_url = db
    server = start_server(site, demo_engage, collect=switch, chat=ChatEndpoint())  # as `engine serve` answers /engage/chat
    yield server.url, db
    server.stop()


def stored_visitor(in_control: bool, label: str) -> dict[str, Any]:
    """test_controls_demo's stored visitor, with an id of its own (`label`) in that arm."""
    state = visitor_state(in_control)
    state["state"]["visitor"]["visitor_id"] = next(
        v for v in (f"{label}{i:08x}" for i in range(1000)) if (_bucket(v, RULE) < 0.5) == in_control
    )
    return state


def leave(demo: Demo, seen: list[dict[str, Any]]) -> None:
    """Record what the page raised, then leave it for a page without the engine (pagehide: beacon)."""
    demo.idle()
    seen.extend(demo.page.evaluate("window.__collectTest"))
    demo.page.goto(demo.base + "api/queues/sales.json")


def report_json(db: str) -> list[dict[str, Any]]:
    out = io.StringIO()
    assert report.main(["--db", db, "--json"], out) == 0
    return list(json.loads(out.getvalue()))


def wait_for(db: str, count: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 15
    while True:
        result = report_json(db)
        if count(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_both_arms_collected_through_the_loader_and_reported_exactly(
    demo_factory: Callable[..., Demo], collect_site: tuple[str, str]
) -> None:
    base, db = collect_site
    seen: list[dict[str, Any]] = []
    conversions = {"treatment": [120.0], "control": [80.0]}

    def visitor(in_control: bool, label: str) -> Demo:
        demo = demo_factory(base=base, init=RECORD)
        demo.storage(demo_agents="3", **{"engage:state": stored_visitor(in_control, label)})
        demo.open("category.html#phone-z-fold")
        return demo

    # Treatment, converting: the panel, its button to the chat, the chat closed, a purchase.
    a = visitor(False, "a")
    a.wait_shown("fold-demo-panel")
    a.host("fold-demo-panel").get_by_role("button", name="Book a video demo").click()
    a.wait_shown("live-chat")
    a.host("live-chat").get_by_role("button", name="Close", exact=True).click()
    a.wait_event("hide", interaction="live-chat")
    a.page.evaluate("engage.push({type: 'conversion', value: 120, currency: 'EUR', name: 'order'})")
    leave(a, seen)
    # Treatment, declining: the panel closed, no purchase.
    b = visitor(False, "b")
    b.wait_shown("fold-demo-panel")
    b.host("fold-demo-panel").get_by_role("button", name="Close", exact=True).click()
    b.wait_event("hide", interaction="fold-demo-panel")
    leave(b, seen)
    # Control, converting; the batch goes by fetch after 5 s, and by beacon at pagehide.
    c = visitor(True, "c")
    c.wait_event("control", rule=RULE)
    c.page.evaluate("engage.push({type: 'conversion', value: 80, currency: 'EUR', name: 'order'})")
    c.advance(5)
    c.page.wait_for_function("window.__collectPosts.length > 0")
    leave(c, seen)
    # Control, not converting; back on a second engine page: the journal's resend is no duplicate.
    d = visitor(True, "d")
    d.wait_event("control", rule=RULE)
    leave(d, seen)
    d.open("index.html")
    leave(d, seen)

    counted = Counter((e["rule"], e["interaction"], e["name"]) for e in seen)
    fold = next(r for r in wait_for(db, lambda rs: any(r["rule"] == RULE and r["conversions"]["control"] and r["conversions"]["treatment"] and sum(r["visitors"].values()) == 4 for r in rs)) if r["rule"] == RULE)
    assert fold["visitors"] == {"treatment": 2, "control": 2}
    assert fold["conversions"] == {"treatment": 1, "control": 1}
    assert fold["value"] == {arm: sum(v) for arm, v in conversions.items()}
    assert fold["split"] == 0.5 and fold["control_group"] is True
    assert fold["lift"] is None and fold["note"].startswith("not enough data yet")
    items = {i["interaction"]: i for i in fold["interactions"]}
    assert items["fold-demo-panel"]["visitors"] == {"treatment": 2, "control": 2}
    assert items["fold-demo-panel"]["shown"] == 2 == counted[(RULE, "fold-demo-panel", "show")]
    assert items["fold-demo-panel"]["control"] == 2 == counted[(RULE, "fold-demo-panel", "control")]
    assert items["fold-demo-panel"]["clicked"] == 1 == counted[(RULE, "fold-demo-panel", "clicked")]
    assert items["fold-demo-panel"]["declined"] == 1 == counted[(RULE, "fold-demo-panel", "closed")]
    assert items["live-chat"]["chats"] == 1 == counted[(RULE, "live-chat", "chat_started")]
    assert items["live-chat"]["declined"] == 1 == counted[(RULE, "live-chat", "closed")]
    # Every other rule too: the report counts exactly what the pages raised.
    final = report_json(db)
    reported = Counter()
    for entry in final:
        for item in entry["interactions"]:
            for key, name in (("shown", "show"), ("control", "control"), ("clicked", "clicked"),
                              ("declined", "closed"), ("chats", "chat_started")):  # fmt: skip
                if item[key]:
                    reported[(entry["rule"], item["interaction"], name)] = item[key]
    assert reported == Counter({k: v for k, v in counted.items() if k[2] != "hide"})


def test_consent_mode_sends_nothing_before_consent_then_everything(
    demo_factory: Callable[..., Demo], collect_site: tuple[str, str]
) -> None:
    base, db = collect_site
    demo = demo_factory(base=base, init=RECORD)
    demo.open("privacy.html")  # data-consent="required"
    demo.page.evaluate("engage.push({type: 'conversion', value: 5, currency: 'EUR', name: 'consent-test'})")
    demo.advance(6)
    assert demo.page.evaluate("window.__collectPosts") == []
    assert demo.page.evaluate(STORAGE) == NOTHING_STORED
    visitor_id = demo.visitor()["visitor_id"]
    demo.page.evaluate("engage.push({type: 'consent', granted: true})")
    demo.page.wait_for_function("window.__collectPosts.length > 0")
    (body,) = demo.page.evaluate("window.__collectPosts")
    (event,) = json.loads(body)["events"]
    assert re.fullmatch(r"[0-9a-f]{32}", event.pop("id"))
    assert event.pop("time") == demo.page.evaluate("Date.now()") - 6000
    assert event == {"event": "engage_conversion", "visitor": visitor_id, "rule": None, "interaction": None,
                     "arm": None, "value": 5, "currency": "EUR", "name": "consent-test"}  # fmt: skip
    demo.page.wait_for_function("!localStorage.getItem('engage:collect')")  # confirmed: the journal is empty
    # Consent withdrawn before the next batch went out: it is dropped, with its journal.
    demo.page.evaluate("engage.push({type: 'conversion', value: 6, currency: 'EUR', name: 'consent-test'})")
    assert "engage:collect" in demo.page.evaluate(STORAGE)["localStorage"]
    demo.page.evaluate("engage.push({type: 'consent', granted: false})")
    demo.advance(6)
    assert len(demo.page.evaluate("window.__collectPosts")) == 1
    assert "engage:collect" not in demo.page.evaluate(STORAGE)["localStorage"]
    with store.open_store(db).connect() as connection:
        stored = connection.execute(sa.select(store.events).where(store.events.c.name == "consent-test")).mappings().all()
    assert [(r["visitor"], r["value"]) for r in stored] == [(visitor_id, 5.0)]


def test_failed_sends_are_kept_in_the_journal_and_sent_once_from_the_next_page(
    demo_factory: Callable[..., Demo], collect_site: tuple[str, str], switch: Switch
) -> None:
    base, db = collect_site
    demo = demo_factory(base=base, init=RECORD)
    demo.storage(demo_agents="3", **{"engage:state": stored_visitor(True, "journal")})
    switch.down, switch.refused = True, 0
    demo.open("category.html#phone-z-fold")
    demo.wait_event("control", rule=RULE)
    demo.page.evaluate("engage.push({type: 'conversion', value: 7, currency: 'EUR', name: 'journal-test'})")
    demo.advance(5)  # the batch is sent and refused: kept, retried later
    demo.page.wait_for_function("window.__collectPosts.length > 0")
    journal = json.loads(demo.page.evaluate("localStorage.getItem('engage:collect')"))
    kept = {e["id"]: e["event"] for e in journal["events"]}
    assert sorted(kept.values()) == ["engage_control", "engage_conversion"]
    # the retry is timed from the refusal, which arrives in real time
    demo.page.wait_for_function("window.__collectAnswers.length > 0")
    demo.advance(5)  # the retry, 5 s after the refusal, is refused as well
    demo.page.wait_for_function("window.__collectPosts.length > 1")
    # Leaving the page: the beacon is refused too.
    demo.page.goto(demo.base + "api/queues/sales.json")
    deadline = time.monotonic() + 10
    while switch.refused < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    # The first send, its retry, a fetch as the tab is hidden, the beacon at pagehide.
    assert switch.refused == 4
    with store.open_store(db).connect() as connection:
        assert not connection.execute(sa.select(store.events).where(store.events.c.id.in_(list(kept)))).all()

    # The collector is back; the next page sends the journal, and once only.
    switch.down = False
    demo.open("index.html")
    demo.advance(1)  # the resend is a timer of 0 s: page.clock runs it
    demo.page.wait_for_function("!localStorage.getItem('engage:collect')", timeout=15_000)
    demo.open("category.html")  # a third page: nothing left to resend
    demo.idle()
    with store.open_store(db).connect() as connection:
        stored = connection.execute(sa.select(store.events.c.id, store.events.c.event).where(store.events.c.id.in_(list(kept)))).all()
        visitor = connection.execute(sa.select(store.events.c.visitor).where(store.events.c.name == "journal-test")).scalar_one()
    assert dict(stored) == kept
    assert visitor.startswith("journal")

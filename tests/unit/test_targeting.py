"""Visitor targeting beyond the shared cases: the referrer table's origin, and visit counts
carried from one page load to the next through the stored state, as the loader does."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine import Config, Engine, compile_config
from engine.audience import SOURCES, classify
from engine.tools import referrers

T0 = 1795424400000
MIN = 60_000
DAY = 86_400_000


def test_the_shipped_referrer_table_is_generated_from_the_package() -> None:
    # engine/referrers.json is written by python -m engine.tools.referrers, never by hand.
    assert referrers.OUT.read_text(encoding="utf-8") == referrers.render()
    table = json.loads(referrers.render())
    assert set(table["hosts"]) <= set(SOURCES)
    assert len(table["hosts"]["search"]) > 1000 and len(table["hosts"]["social"]) > 100


@pytest.mark.parametrize(
    ("page", "referrer", "source"),
    [
        ("https://shop.test/", "", "direct"),
        ("https://shop.test/", "https://www.bing.com/search?q=phone", "search"),
        ("https://shop.test/", "https://www.linkedin.com/feed/", "social"),
        ("https://shop.test/", "https://outlook.live.com/mail/0/", "email"),
        ("https://shop.test/", "android-app://com.google.android.gm/", "email"),
        ("https://shop.test/", "https://shop.test/cart", "internal"),
        ("https://shop.test/", "https://blog.example.net/", "other"),
        ("https://shop.test/?utm_medium=Newsletter", "", "email"),
        ("https://shop.test/?utm_medium=paid_social", "https://t.co/x", "paid"),
        ("https://shop.test/?msclkid=1", "https://www.bing.com/", "paid"),
        ("https://shop.test/?utm_medium=referral", "https://blog.example.net/", "other"),
    ],
)
def test_referrer_sources(page: str, referrer: str, source: str) -> None:
    assert classify(page, referrer) == source


def _config() -> Config:
    config = compile_config({
        "version": 1,
        "rules": [{"name": "Returning", "rulesets": [{"conditions": [
            {"type": "visits", "operator": "moreThan", "value": 1}]}], "outcome": {"start": "hello"}}],
        "interactions": {"hello": {"type": "panel", "title": "Welcome back"}},
    })
    assert isinstance(config, Config)
    return config


def _load(state: dict[str, Any] | None, now: int, url: str = "https://shop.test/") -> tuple[Engine, list[str]]:
    """One page load: a new engine from the stored state, as the worker starts on each page."""
    engine = Engine(_config(), (state or {}).get("session"), (state or {}).get("visitor"))
    engine.receive_json([{"type": "page", "now": now, "url": url, "referrer": ""}])
    shown = [d.rule for d in engine.decisions() if type(d).__name__ == "Show"]
    return engine, shown


def test_visits_survive_page_loads_and_count_a_new_visit_after_30_minutes_idle() -> None:
    engine, shown = _load(None, T0)
    assert shown == []
    state = json.loads(json.dumps(engine.state()))
    assert state["visitor"]["visits"] == 1
    engine, shown = _load(state, T0 + 30 * MIN, "https://shop.test/a")
    assert shown == [], "exactly 30 minutes idle: the same visit"
    state = engine.state()
    engine, shown = _load(state, T0 + 60 * MIN + 1, "https://shop.test/b")
    assert shown == ["Returning"]
    assert engine.state()["visitor"]["visits"] == 2
    assert engine.state()["visitor"]["previous_visit_at"] == T0 + 30 * MIN


def test_without_stored_state_every_load_is_a_first_visit() -> None:
    # Consent mode: until the visitor consents, the loader stores nothing, so nothing counts.
    for hours in range(3):
        _, shown = _load(None, T0 + hours * 3600_000)
        assert shown == []


def test_a_visitor_idle_past_90_days_starts_over() -> None:
    engine, _ = _load(None, T0)
    engine, shown = _load(engine.state(), T0 + DAY)
    assert shown == ["Returning"]
    engine, shown = _load(engine.state(), T0 + 92 * DAY)
    assert shown == []
    assert engine.state()["visitor"]["visits"] == 1


def test_languages_in_a_page_fact_must_be_a_list_of_tags() -> None:
    from engine.facts import FactError, Page, decode

    page = decode({"type": "page", "now": T0, "url": "https://shop.test/", "languages": ["sv-SE", "en"]})
    assert isinstance(page, Page) and page.languages == ("sv-SE", "en")
    assert isinstance(decode({"type": "page", "now": T0, "url": "https://shop.test/"}), Page)
    wrong = decode({"type": "page", "now": T0, "url": "https://shop.test/", "languages": "sv-SE"})
    assert isinstance(wrong, FactError) and wrong.field == "languages"
    wrong = decode({"type": "page", "now": T0, "url": "https://shop.test/", "languages": ["sv", 5]})
    assert isinstance(wrong, FactError) and "language tags" in wrong.message

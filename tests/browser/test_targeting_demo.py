"""Targeting the visitor on the demo shop: where they came from, their language, their visits.

The browser supplies what the engine reads: Playwright's `referer` on `goto` becomes
`document.referrer`, a context's `locale` becomes `navigator.languages`, and page.clock
moves time past the 30-minute visit boundary.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SiteServer
from tests.browser.demo_helpers import Demo, engage_with_rules

pytestmark = pytest.mark.browser

CAMPAIGN = "category.html?utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale"
AWAY_MS = 40 * 60 * 1000  # longer than a visit's 30 minutes idle


def come_back_later(demo: Demo, path: str, **goto: str) -> None:
    demo.page.clock.fast_forward(AWAY_MS)
    demo.idle()
    demo.page.goto(demo.base + path, **goto)
    demo.wait_ready()


def read(demo: Demo, rule: str, kind: str) -> object:
    (condition,) = demo.conditions(rule, kind)
    return condition["read"]


@pytest.mark.parametrize(
    ("locale", "language", "title", "chat"),
    [
        pytest.param("sv-SE", "sv", "Välkommen tillbaka!", "Chatta med en rådgivare", id="swedish"),
        pytest.param("nb-NO", "nb", "Velkommen tilbake!", "Chat med en rådgiver", id="norwegian"),
        pytest.param("de-DE", "en", "Welcome back!", "Chat with an adviser", id="german-gets-english"),
    ],
)
def test_a_returning_campaign_visitor_is_welcomed_back_in_their_language(
    demo_factory: Callable[..., Demo], locale: str, language: str, title: str, chat: str
) -> None:
    demo = demo_factory(locale=locale)
    demo.page.goto(demo.base + CAMPAIGN, referer="https://l.facebook.com/")
    demo.wait_ready()
    assert demo.statuses()["Campaign welcome back"] == "notMatched", "a first visit"
    assert read(demo, "Campaign welcome back", "queryParameter") == "spring-sale"
    assert demo.visitor()["visits"] == 1

    come_back_later(demo, CAMPAIGN)
    shown = demo.wait_shown("campaign-welcome-panel")
    assert shown["rule"] == "Campaign welcome back" and shown["language"] == language, shown
    dialog = demo.host("campaign-welcome-panel").get_by_role("dialog", name=title)
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("lang", language)
    expect(dialog.get_by_role("button", name=chat)).to_be_visible()
    assert demo.visitor()["visits"] == 2
    assert demo.engine_errors() == []


def test_a_second_visit_without_the_campaign_is_not_welcomed(demo_factory: Callable[..., Demo]) -> None:
    demo = demo_factory(locale="sv-SE")
    demo.open(CAMPAIGN)
    come_back_later(demo, "category.html")
    demo.quiet()
    assert "campaign-welcome-panel" not in demo.shown()
    assert demo.statuses()["Campaign welcome back"] == "notMatched"
    assert read(demo, "Campaign welcome back", "queryParameter") is None


def test_within_30_minutes_it_is_the_same_visit(demo_factory: Callable[..., Demo]) -> None:
    demo = demo_factory(locale="sv-SE")
    demo.open(CAMPAIGN)
    demo.page.clock.fast_forward(20 * 60 * 1000)
    demo.idle()
    demo.open(CAMPAIGN)
    demo.quiet()
    assert "campaign-welcome-panel" not in demo.shown()
    assert demo.visitor()["visits"] == 1


def test_consent_mode_counts_no_visits_before_consent(demo_factory: Callable[..., Demo]) -> None:
    # privacy.html embeds the loader with data-consent="required": nothing is stored.
    demo = demo_factory()
    demo.open("privacy.html")
    come_back_later(demo, "privacy.html")
    assert demo.visitor()["visits"] == 1
    assert demo.page.evaluate("localStorage.getItem('engage:state')") is None


REFERRER_RULES = {
    "version": 1,
    "rules": [
        {"name": "From search", "alwaysEvaluate": True,
         "rulesets": [{"conditions": [{"type": "referrer", "criteria": "landing", "source": "search"}]}],
         "outcome": {"start": "search-info"}},
        {"name": "Came through the shop", "alwaysEvaluate": True,
         "rulesets": [{"conditions": [{"type": "referrer", "criteria": "currentPage", "source": "internal"}]}],
         "outcome": {"start": "internal-info"}},
        {"name": "From Google", "alwaysEvaluate": True,
         "rulesets": [{"conditions": [{"type": "referrer", "criteria": "landing", "operator": "contains", "value": "google."}]}],
         "outcome": {"start": "google-info"}},
        {"name": "Swedish anywhere", "alwaysEvaluate": True,
         "rulesets": [{"conditions": [{"type": "language", "operator": "is", "value": "sv", "anyOf": True}]}],
         "outcome": {"start": "swedish-info"}},
    ],
    "interactions": {
        name: {"type": "info", "target": "main", "text": name}
        for name in ("search-info", "internal-info", "google-info", "swedish-info")
    },
}


def test_the_referrer_and_languages_come_from_the_browser(
    demo_factory: Callable[..., Demo], demo_engage: Path, demo_site: Path,
    site_server: SiteServer, tmp_path: Path,
) -> None:
    engage = engage_with_rules(demo_engage, tmp_path / "engage", json.dumps(REFERRER_RULES))
    demo = demo_factory(base=site_server(demo_site, engage), locale="en-GB",
                        extra_http_headers={"Accept-Language": "en-GB,sv;q=0.8"})
    demo.page.goto(demo.base + "category.html", referer="https://www.google.se/")
    demo.wait_ready()
    statuses = demo.statuses()
    assert statuses["From search"] == "shown" and statuses["From Google"] == "shown", statuses
    assert statuses["Came through the shop"] == "notMatched", statuses
    assert read(demo, "From search", "referrer") == "search"
    assert read(demo, "Swedish anywhere", "language") == demo.page.evaluate("navigator.languages.join(', ')")

    # A link inside the shop: the landing referrer stays, the current page's is the shop.
    demo.page.goto(demo.base + "index.html", referer=demo.base + "category.html")
    demo.wait_ready()
    statuses = demo.statuses()
    assert statuses["From search"] == "shown" and statuses["Came through the shop"] == "shown", statuses
    assert read(demo, "Came through the shop", "referrer") == "internal"
    assert demo.engine_errors() == []

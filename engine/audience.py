"""Who the visitor is, not only which page they are on: where they came from (referrer,
landing page, its query parameters), which languages they prefer, how often they return.

The engine calls two hooks: ``on_page`` on every page fact (the first of a session starts
a visit), and ``view`` when it builds the conditions' ``View``.

* A visit is a session: a new one starts after ``SESSION_IDLE_MS`` without activity. The
  visitor state counts visits and keeps when the previous visit was last active; it lives
  as long as the visitor state does (90 days idle), and, like all visitor state, is stored
  only once the visitor consented where the site asks for consent.
* The landing page and its referrer are the session's first page fact; later page facts
  (and ``replaceState`` rewriting the landing URL, as apps that tidy away ``utm_*`` do) do
  not change them.
* Languages are the browser's ``navigator.languages``, first choice first, sent with each
  page fact; a page fact without them keeps the ones known.

Referrer sources come from ``referrers.json``, generated from a maintained database of
search, social, email and advertising hosts (``python -m engine.tools.referrers``), and
from the landing URL's campaign parameters, in the order of ``SOURCE_RULES``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DAY_MS = 24 * 3600 * 1000
SOURCES = ("search", "social", "email", "paid", "direct", "internal", "other")

# Campaign parameters of the page URL, tried before the referrer: the first row that
# holds decides. ``utm_medium`` values follow the usual channel groupings of analytics
# tools (matched whole, case-insensitively).
SOURCE_RULES: tuple[tuple[str, str, str], ...] = (
    # (parameter, value pattern, source); an empty pattern: the parameter is present
    ("utm_medium", r"e-?mail|newsletter", "email"),
    ("utm_medium", r"cpc|ppc|cpm|cpv|cpa|paid.*|display|banner|retargeting", "paid"),
    ("utm_medium", r"social|social[-_ ]?(network|media)|sm|sn", "social"),
    ("utm_medium", r"organic", "search"),
    ("gclid", "", "paid"),       # Google Ads auto-tagging
    ("gbraid", "", "paid"),
    ("wbraid", "", "paid"),
    ("msclkid", "", "paid"),     # Microsoft Advertising
    ("dclid", "", "paid"),       # Google display
    ("fbclid", "", "social"),    # Facebook and Instagram add it to every outbound link
    ("ttclid", "", "paid"),      # TikTok ads
    ("li_fat_id", "", "social"),
)
_COMPILED = tuple((name, re.compile(pattern, re.IGNORECASE) if pattern else None, source)
                  for name, pattern, source in SOURCE_RULES)


@dataclass(frozen=True, slots=True)
class Audience:
    """What audience conditions read, for one evaluation."""

    landing_url: str | None = None
    landing_referrer: str = ""
    referrer: str = ""
    languages: tuple[str, ...] = ()
    visits: int = 1
    days_since_last_visit: int | None = None

    def page(self, criteria: str, current_url: str | None) -> tuple[str | None, str]:
        """(page URL, its referrer) for ``landing`` or ``currentPage``."""
        if criteria == "landing":
            return self.landing_url, self.landing_referrer
        return current_url, self.referrer


# ------------------------------------------------------------------ engine hooks


def on_page(session: Any, visitor: Any, url: str, referrer: str) -> None:
    """On the session's first page fact: its landing page and referrer, and one more visit.

    ``session`` and ``visitor`` are ``engine.state`` objects; call this before the page
    fact's activity moves ``visitor.last_seen_at``, which is then the previous visit's end.
    """
    data = session.audience
    if "landing" in data:
        return
    data["landing"] = url
    data["referrer"] = referrer
    if visitor.visits > 0:
        visitor.previous_visit_at = visitor.last_seen_at
    visitor.visits += 1


def view(session: Any, visitor: Any, referrer: str, languages: tuple[str, ...]) -> Audience:
    data = session.audience
    previous = visitor.previous_visit_at if visitor is not None else None
    days = None if previous is None else max(0, session.started_at - previous) // DAY_MS
    return Audience(
        landing_url=data.get("landing"),
        landing_referrer=str(data.get("referrer") or ""),
        referrer=referrer,
        languages=languages,
        visits=max(1, visitor.visits if visitor is not None else 1),
        days_since_last_visit=days,
    )


# ------------------------------------------------------------- query parameters


def query_parameter(url: str | None, name: str) -> str | None:
    """The first value of parameter ``name`` in ``url``'s query, percent-decoded; None if absent."""
    if not url:
        return None
    for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        if key == name:
            return value
    return None


# ---------------------------------------------------------------- referrer source


@cache
def _hosts() -> Mapping[str, str]:
    raw = json.loads(resources.files("engine").joinpath("referrers.json").read_text(encoding="utf-8"))
    return {host: source for source, hosts in raw["hosts"].items() for host in hosts}


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def host_source(host: str) -> str | None:
    """The database's source for ``host`` or its nearest listed parent domain."""
    table = _hosts()
    while host:
        found = table.get(host)
        if found is not None:
            return found
        _, _, host = host.partition(".")
    return None


def classify(page_url: str | None, referrer: str) -> str:
    """One of ``SOURCES`` for a page reached from ``referrer``."""
    params = dict(parse_qsl(urlsplit(page_url or "").query, keep_blank_values=True))
    for name, pattern, source in _COMPILED:
        value = params.get(name)
        if value is not None and (pattern is None or pattern.fullmatch(value.strip())):
            return source
    if not referrer:
        return "direct"
    ref_host = _host(referrer)
    if not ref_host:
        # android-app://com.google.android.gm/ and other non-web referrers
        scheme_rest = referrer.partition("://")[2]
        return host_source(scheme_rest.split("/")[0].lower()) or "other"
    if page_url and ref_host == _host(page_url):
        return "internal"
    return host_source(ref_host) or "other"

"""The rule playground's Python half: a simulated visitor, replayed through the engine.

playground.html runs this file under PyScript, on the same self-hosted Pyodide and the
same engine wheel the loader's worker uses. The page's JavaScript owns the form; it sends
the whole scenario here as one JSON string and renders the JSON that comes back. As in
engine/_bridge.py, only strings cross between JavaScript and Python.

Nothing above ``_start_in_browser`` touches the browser, so the tests import this file in
CPython and check that the facts file the page offers for download replays to the same
decisions with ``python -m engine explain CONFIG --facts FILE``.

How a scenario becomes facts (docs/playground.md says the same for site owners):

* The pages are visited in order. The first is a page load; each next one is a page load
  too, or a ``hashchange`` when only the part after ``#`` differs from the page before.
* ``clock`` (in ``timezone``) is *now*: the moment the visitor has spent ``onPage``
  seconds on the last page and ``onSite`` seconds on the site. The earlier pages share
  the rest of the site time equally.
* Before each page the selector and custom path answers are reported, as the loader does
  before every page fact. The selector answers describe the last page (on the pages before
  it no selector matches); custom paths hold on every page. Queue statuses go with the
  first page; pushes are made on the last page, just after it loads.
* Between two steps the engine is ticked exactly when it asks to be (``watch.nextTickAt``),
  on the loader's one-second beat, so time rules flip when they would on a real page.
* The first page is the landing page; ``referrer`` is where the visitor came from (its
  referrer), each next page's referrer is the page before. ``languages`` go with every
  page, as the loader sends ``navigator.languages``.
* ``visit`` above 1 starts the engine from a stored visitor state with ``visit - 1``
  earlier visits, the last one ending ``daysSinceLastVisit`` days (0: 31 minutes) before
  the first page; the facts file carries that state, so ``explain`` replays it too.
"""

from __future__ import annotations

import datetime
import json
import math
import re
import sys
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine import Config, Engine, parse_config
from engine.decisions import encode

SCENARIO_VERSION = 1
BASE_URL = "https://www.example.com/"
MAX_PAGES = 50
MAX_TICKS = 2000
MAX_SECONDS = 24 * 3600
MAX_VISITS = 100_000
DAY_MS = 24 * 3600 * 1000
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")

USER_AGENTS = {
    "desktop": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
    ),
    "tablet": (
        "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1"
    ),
    "mobile": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
    ),
}

DEFAULT_SCENARIO: dict[str, Any] = {
    "v": SCENARIO_VERSION,
    "pages": "https://www.example.com/",
    "device": "desktop",
    "userAgent": "",
    "onPage": 0,
    "onSite": 0,
    "clock": "2026-11-25T10:00",
    "timezone": "UTC",
    "dom": {},
    "custom": {},
    "queues": {},
    "pushes": "[]",
    "exitIntent": False,
    "referrer": "",
    "languages": "en",
    "visit": 1,
    "daysSinceLastVisit": 1,
}


class ScenarioError(Exception):
    """A simulated-visitor input that cannot be turned into facts; names the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# --------------------------------------------------------------------------- reading inputs


def parse_pages(text: str) -> list[dict[str, str]]:
    """One page per line: ``URL`` or ``URL | page title``; paths are on www.example.com."""
    pages = []
    for number, line in enumerate(str(text).splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        url, _, title = line.partition(" | ")
        url = url.strip()
        if " " in url:
            raise ScenarioError("pages", f"line {number}: a URL has no spaces (give a title after \" | \")")
        absolute = urljoin(BASE_URL, url)
        if urlsplit(absolute).scheme not in ("http", "https"):
            raise ScenarioError("pages", f"line {number}: {url!r} is not an http(s) URL or a path")
        pages.append({"url": absolute, "title": title.strip()})
    if not pages:
        raise ScenarioError("pages", "give at least one page the visitor is on")
    if len(pages) > MAX_PAGES:
        raise ScenarioError("pages", f"at most {MAX_PAGES} pages")
    return pages


def parse_pushes(text: str) -> list[dict[str, Any]]:
    """What the site passes to ``engage.push``: a JSON object or a list of them."""
    text = str(text).strip()
    if not text:
        return []
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError("pushes", f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    items = value if isinstance(value, list) else [value]
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise ScenarioError("pushes", f"item {index + 1}: expected an object with a \"type\", such as {{\"type\": \"cart\", \"total\": 120}}")
    return items


def parse_referrer(text: Any) -> str:
    """Where the visitor came from: empty (typed in, a bookmark) or an http(s) URL."""
    referrer = str(text or "").strip()
    if referrer and (" " in referrer or urlsplit(referrer).scheme not in ("http", "https", "android-app")):
        raise ScenarioError("referrer", f"{referrer!r} is not a URL such as https://www.google.com/; leave it empty for a direct visit")
    return referrer


def parse_languages(text: Any) -> list[str]:
    """``navigator.languages``: language tags, first choice first, by commas or spaces."""
    tags = [t for t in re.split(r"[,\s]+", str(text or "")) if t]
    for tag in tags:
        if not LANGUAGE_TAG.match(tag):
            raise ScenarioError("languages", f"{tag!r} is not a language tag such as sv-SE or en")
    return tags[:20]


def whole(scenario: dict[str, Any], key: str, low: int, high: int) -> int:
    value = scenario.get(key, low)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < low:
        raise ScenarioError(key, f"expected a whole number, {low} or more")
    return min(int(value), high)


def visitor_state(scenario: dict[str, Any], first_load: int) -> dict[str, Any] | None:
    """A stored visitor with ``visit - 1`` earlier visits, or None for a first visit."""
    visit = whole(scenario, "visit", 1, MAX_VISITS)
    if visit == 1:
        return None
    days = whole(scenario, "daysSinceLastVisit", 0, 89)
    # 0 days: long enough idle (31 minutes) that the first page starts a new visit
    last = first_load - (days * DAY_MS if days else 31 * 60 * 1000)
    return {"version": 1, "visitor_id": "playground", "first_seen_at": last, "last_seen_at": last,
            "displays": {}, "visits": visit - 1, "previous_visit_at": None}


def seconds(scenario: dict[str, Any], key: str) -> int:
    value = scenario.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(key, "expected a number of seconds")
    return max(0, min(int(value), MAX_SECONDS))


def clock_ms(scenario: dict[str, Any]) -> int:
    """``clock`` (a local date and time, as a datetime-local input gives it) in ``timezone``."""
    name = str(scenario.get("timezone") or "UTC")
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScenarioError("timezone", f"unknown time zone {name!r}; use an IANA name such as Europe/Oslo") from None
    try:
        local = datetime.datetime.fromisoformat(str(scenario.get("clock")))
    except ValueError:
        raise ScenarioError("clock", "expected a date and time such as 2026-11-25T10:00") from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone)
    return int(local.timestamp() * 1000)


def user_agent(scenario: dict[str, Any]) -> str:
    device = scenario.get("device", "desktop")
    if device == "custom":
        agent = str(scenario.get("userAgent") or "").strip()
        if not agent:
            raise ScenarioError("userAgent", "give the User-Agent string to test")
        return agent
    if device not in USER_AGENTS:
        raise ScenarioError("device", "expected desktop, tablet, mobile or custom")
    return USER_AGENTS[device]


def answers(config: Config, scenario: dict[str, Any], *, last_page: bool) -> list[dict[str, Any]]:
    """The selector and custom path facts for the config, from the scenario's answers.

    The selector answers describe the page the visitor is on now (the last one); on the
    pages before it no selector matches. Custom paths are window values of the visitor's
    session, the same on every page.
    """
    facts: list[dict[str, Any]] = []
    dom = _obj(scenario.get("dom")) if last_page else {}
    custom = _obj(scenario.get("custom"))
    if config.selectors:
        results = {}
        for selector in config.selectors:
            given = _obj(dom.get(selector))
            exists = bool(given.get("exists"))
            results[selector] = {
                "exists": exists,
                "visible": exists and bool(given.get("visible")),
                "text": str(given.get("text") or "") if exists else "",
            }
        facts.append({"type": "selectors", "results": results})
    if config.custom_paths:
        facts.append({
            "type": "custom",
            "results": {path: {"value": bool(custom.get(path)), "error": None} for path in config.custom_paths},
        })
    return facts


def queue_keys(raw: Any) -> list[str]:
    """Every queue key a config names: its queues, outcomes and variants."""
    keys: dict[str, None] = dict.fromkeys(str(k) for k in _obj(_obj(raw).get("queues")))
    for rule in _items(_obj(raw).get("rules")):
        outcome = _obj(_obj(rule).get("outcome"))
        named = [outcome.get("queueKey")]
        for variant in _items(outcome.get("variants")):
            named += [_obj(variant).get("queueKey"), _obj(_obj(variant).get("when")).get("queue")]
        keys.update(dict.fromkeys(k for k in named if isinstance(k, str)))
    return list(keys)


def timezones(raw: Any) -> list[str]:
    found = (_obj(s).get("timezone") for s in _obj(_obj(raw).get("schedules")).values())
    return list(dict.fromkeys(z for z in found if isinstance(z, str)))


def queue_facts(raw: Any, scenario: dict[str, Any], now: int) -> list[dict[str, Any]]:
    given = _obj(scenario.get("queues"))
    facts = []
    for key in queue_keys(raw):
        status = _obj(given.get(key))
        agents, length = status.get("agentsAvailable"), status.get("queueLength")
        if agents is None and length is None:
            continue  # unknown: the engine counts it as no agents available
        facts.append({"type": "queueStatus", "queueKey": key, "now": now,
                      "agentsAvailable": _count(agents, f"queues.{key}.agentsAvailable"),
                      "queueLength": _count(length, f"queues.{key}.queueLength")})
    return facts


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _count(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ScenarioError(field, "expected a whole number, 0 or more, or nothing for unknown")
    return int(value)


# --------------------------------------------------------------------------- replaying


class Replay:
    """Feeds steps to an engine and records each one as the facts file and the timeline."""

    def __init__(self, config: Config, started: int, visitor: dict[str, Any] | None = None) -> None:
        self.engine = Engine(config, None, visitor)
        self.visitor = visitor
        self.started = started
        self.page_start = started
        self.page_number = 0
        self.steps: list[list[dict[str, Any]]] = []
        self.timeline: list[dict[str, Any]] = []
        self.displayed: dict[str, dict[str, Any]] = {}

    def step(self, facts: list[dict[str, Any]], label: str) -> None:
        before = self.engine.trace
        self.engine.receive_json(facts)
        decisions = [encode(d) for d in self.engine.decisions()]
        if any(f["type"] == "page" and f["cause"] == "load" for f in facts):
            # A new document starts with nothing on screen; sticky chats come back as
            # "resumed" shows among this step's decisions.
            self.displayed.clear()
        for decision in decisions:
            if decision["type"] == "show":
                self.displayed[decision["interaction"]] = {
                    k: decision[k] for k in ("rule", "interaction", "interactionType", "language", "queueKey")
                }
            elif decision["type"] == "hide":
                self.displayed.pop(decision["interaction"], None)
        trace = self.engine.trace
        now = self.engine.now
        self.steps.append(facts)
        self.timeline.append({
            "step": len(self.steps),
            "label": label,
            "page": self.page_number,
            "onSite": round((now - self.started) / 1000, 3),
            "onPage": round((now - self.page_start) / 1000, 3),
            "decisions": decisions,
            "evaluated": trace is not None and trace is not before,
            "trace": trace.to_json() if trace is not None and trace is not before else None,
        })

    def ticks_until(self, until: int, *, inclusive: bool) -> None:
        """Tick on the loader's one-second beat whenever the engine says a tick matters."""
        while len(self.steps) < MAX_TICKS:
            due = self.engine.watch.next_tick_at
            if due is None:
                return
            beat = self.page_start + max(1, math.ceil((due - self.page_start) / 1000)) * 1000
            if beat > until or (beat == until and not inclusive):
                return
            self.step([{"type": "tick", "now": beat}], "tick")


def replay(raw: Any, config: Config, scenario: dict[str, Any]) -> Replay:
    """Run the scenario through a fresh engine; ScenarioError names a bad input."""
    pages = parse_pages(scenario.get("pages", ""))
    pushes = parse_pushes(scenario.get("pushes", ""))
    now = clock_ms(scenario)
    on_page = seconds(scenario, "onPage")
    on_site = max(on_page, seconds(scenario, "onSite")) if len(pages) > 1 else on_page
    last_load = now - on_page * 1000
    first_load = last_load - (on_site - on_page) * 1000
    gap = (last_load - first_load) / (len(pages) - 1) if len(pages) > 1 else 0
    agent = user_agent(scenario)
    queues = queue_facts(raw, scenario, first_load)
    referrer = parse_referrer(scenario.get("referrer"))
    languages = parse_languages(scenario.get("languages"))

    run = Replay(config, first_load, visitor_state(scenario, first_load))
    previous: str | None = None
    for index, page in enumerate(pages):
        at = last_load if index == len(pages) - 1 else first_load + round(index * gap)
        if index:
            run.ticks_until(at, inclusive=False)
        same_document = previous is not None and previous.split("#")[0] == page["url"].split("#")[0]
        cause = "hashchange" if same_document and previous != page["url"] else "load"
        fact: dict[str, Any] = {"type": "page", "now": at, "url": page["url"], "cause": cause}
        if page["title"]:
            fact["title"] = page["title"]
        if previous is not None:
            fact["referrer"] = previous
        elif referrer:
            fact["referrer"] = referrer
        fact["languages"] = languages
        batch = [*answers(config, scenario, last_page=index == len(pages) - 1), fact]
        if index == 0:
            batch = [{"type": "device", "userAgent": agent}, *queues, *batch]
        run.page_start, run.page_number = at, index + 1
        run.step(batch, f"{'page load' if cause == 'load' else 'hash change'}: {page['url']}")
        previous = page["url"]
    if pushes:
        batch = []
        for item in pushes:
            if item.get("type") == "queueStatus":
                # The loader turns a queueStatus push into a queueStatus fact.
                batch.append({"type": "queueStatus", "now": last_load, "queueKey": item.get("queueKey"),
                              "agentsAvailable": item.get("agentsAvailable"), "queueLength": item.get("queueLength")})
            else:
                batch.append({"type": "push", "now": last_load, "data": item})
        run.step(batch, "pushes: " + ", ".join(str(item["type"]) for item in pushes))
    run.ticks_until(now, inclusive=True)
    if scenario.get("exitIntent"):
        run.step([{"type": "exitIntent", "now": now}], "exit intent")
    return run


def facts_file(scenario: dict[str, Any], steps: list[list[dict[str, Any]]],
               visitor: dict[str, Any] | None = None) -> dict[str, Any]:
    """What "Download facts" saves: ``python -m engine explain`` replays ``steps`` (from
    the stored visitor ``state`` of a returning visitor)."""
    saved: dict[str, Any] = {
        "description": "A simulated visitor from the rule playground. Replay it with: "
        "python -m engine explain rules.json --facts this-file.json",
        "scenario": {k: v for k, v in scenario.items() if k != "config"},
        "steps": steps,
    }
    if visitor is not None:
        saved["state"] = {"visitor": visitor}
    return saved


def run(config_text: str, scenario: dict[str, Any]) -> dict[str, Any]:
    """Everything the page shows for one state of the form."""
    scenario = {**DEFAULT_SCENARIO, **scenario}
    result: dict[str, Any] = {"ok": False, "problems": [], "scenarioProblems": [], "inputs": None}
    compiled = parse_config(config_text)
    if not isinstance(compiled, Config):
        result["problems"] = [{"path": e.path, "message": e.message} for e in compiled]
        return result
    raw = json.loads(config_text)  # it compiled, so it is JSON
    result["inputs"] = {
        "selectors": list(compiled.selectors),
        "customPaths": list(compiled.custom_paths),
        "queues": queue_keys(raw),
        "timezones": timezones(raw),
        "rules": [rule.name for rule in compiled.rules],
    }
    try:
        replayed = replay(raw, compiled, scenario)
    except ScenarioError as exc:
        result["scenarioProblems"] = [{"field": exc.field, "message": exc.message}]
        return result
    last = next((s for s in reversed(replayed.timeline) if s["evaluated"]), None)
    for step in replayed.timeline:
        # Traces of ticks that changed nothing are left out (except the last evaluation's):
        # with a long config and minutes on a page they would weigh hundreds of kilobytes.
        if step["label"] == "tick" and not step["decisions"] and step is not last:
            step["trace"] = None
    due = replayed.engine.watch.next_tick_at
    result.update({
        "ok": True,
        "timeline": replayed.timeline,
        "traceStep": last["step"] if last else None,
        "displayed": list(replayed.displayed.values()),
        "errors": [d for s in replayed.timeline for d in s["decisions"] if d["type"] == "error"],
        "nextCheck": None if due is None else round((due - replayed.page_start) / 1000, 3),
        "facts": facts_file(scenario, replayed.steps, replayed.visitor),
    })
    return result


def run_json(text: str) -> str:
    """JSON in (``{"config": TEXT, "scenario": {...}}``), JSON out; never raises."""
    try:
        message = json.loads(text)
        reply = run(str(message.get("config", "")), dict(message.get("scenario") or {}))
    except Exception as exc:  # the page shows it; the playground keeps working
        reply = {"ok": False, "problems": [], "scenarioProblems": [], "inputs": None,
                 "failure": f"{type(exc).__name__}: {exc}"}
    return json.dumps(reply, separators=(",", ":"), default=str)


# --------------------------------------------------------------------------- in the browser


def _pyodide_version() -> str | None:
    try:
        import pyodide
    except ImportError:
        return None
    return str(getattr(pyodide, "__version__", "")) or None


def _start_in_browser() -> None:
    import js
    from pyodide.ffi import create_proxy, to_js

    import engine

    info = {
        "engine": engine.__version__,
        "python": sys.version.split()[0],
        "pyodide": _pyodide_version(),
        "userAgents": USER_AGENTS,
    }
    api = js.Object.new()
    api.run = create_proxy(run_json)
    api.info = json.dumps(info)
    js.window.enginePlayground = api
    detail = to_js({"detail": info["engine"]}, dict_converter=js.Object.fromEntries)
    js.window.dispatchEvent(js.CustomEvent.new("playground:ready", detail))


if __name__ == "__main__" and sys.platform == "emscripten":
    _start_in_browser()

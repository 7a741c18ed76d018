"""The rule playground (demo-site/playground.html) in Chromium: the engine under PyScript.

The demo is built with `engine.tools.serve.build_demo`, exactly as `python -m engine serve` does
(PyScript copied to /pyscript/, the engage folder to /engage/), and served by the
conftest's site_server. The page runs under its own Content-Security-Policy (a meta tag),
so a CSP violation shows up here as a console error. The last tests serve the same site
with the headers of `python -m engine serve --csp`: the strict policy for the shop, the
playground's own policy for its page.

Set ENGAGE_SCREENSHOTS=1 to refresh docs/img/playground*.png from this run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.chromium import CHROMIUM_ARGS
from engine.__main__ import main as engine_cli
from engine.tools.chat_endpoint import ChatEndpoint
from engine.tools.serve import (
    CSP_HEADERS,
    CSP_PATH_HEADERS,
    PLAYGROUND_CSP,
    STRICT_CSP,
    build_demo,
    start_server,
)
from tests.browser.kept import KeptContexts, module_browser_fixtures

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "docs" / "img"
BOOT_MS = 60_000  # PyScript starts Pyodide and installs the engine wheels
RUN_MS = 10_000

RULE = "Help after 30 seconds"
CONFIG = {
    "version": 1,
    "rules": [
        {
            "name": RULE,
            "rulesets": [{"conditions": [
                {"type": "url", "criteria": "currentPage", "operator": "contains", "value": "/help"},
                {"type": "time", "criteria": "onPage", "operator": "moreThan", "value": 30},
            ]}],
            "outcome": {"start": "help-panel", "language": "en", "queueKey": "Support"},
        }
    ],
    "interactions": {"help-panel": {"type": "panel", "title": "Need a hand?", "text": "We are online."}},
}  # fmt: skip


CAMPAIGN_CONFIG = {
    "version": 1,
    "rules": [{
        "name": "Welcome back from search",
        "rulesets": [{"conditions": [
            {"type": "referrer", "criteria": "landing", "source": "search"},
            {"type": "queryParameter", "name": "utm_campaign", "criteria": "landing", "operator": "equals", "value": "spring sale"},
            {"type": "language", "operator": "in", "value": ["sv", "nb"]},
            {"type": "visits", "operator": "moreThan", "value": 2},
        ]}],
        "outcome": {"start": "welcome", "language": "auto"},
    }],
    "interactions": {"welcome": {"type": "panel", "title": {"en": "Welcome back", "sv": "Välkommen tillbaka"}}},
}  # fmt: skip


@pytest.fixture(scope="module")
def playground_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("playground") / "site"
    build_demo(ROOT / "demo-site", site)
    return site


@pytest.fixture(scope="module")
def playground_url(site_server: Callable[..., str], playground_site: Path) -> str:
    return site_server(playground_site, playground_site / "engage") + "playground.html"


@pytest.fixture(scope="module")
def csp_site_url(playground_site: Path) -> Iterator[str]:
    """The demo served with the headers `python -m engine serve --csp` sends."""
    server = start_server(
        playground_site,
        playground_site / "engage",
        headers=CSP_HEADERS,
        path_headers=CSP_PATH_HEADERS,
        chat=ChatEndpoint(),  # as `engine serve --csp` answers POST /engage/chat
    )
    yield server.url
    server.stop()


class Playground:
    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        page.on(
            "request",
            lambda r: (
                None if r.url.startswith((base, "data:", "blob:")) else self.foreign.append(r.url)
            ),
        )

    def open(self, url: str) -> None:
        self.page.goto(url)
        status = self.page.locator("#pg-status")
        expect(status).to_have_attribute("data-state", "ready", timeout=BOOT_MS)
        expect(status).to_have_attribute("data-runs", "1", timeout=RUN_MS)

    def runs(self) -> int:
        return int(self.page.locator("#pg-status").get_attribute("data-runs") or 0)

    def change(self, action: Callable[[], None]) -> None:
        """Do something to the form and wait until the engine has answered it."""
        before = self.runs()
        action()
        expect(self.page.locator("#pg-status")).not_to_have_attribute(
            "data-runs", str(before), timeout=RUN_MS
        )

    def rule(self, name: str) -> Any:
        return self.page.locator(f'#trace [data-rule="{name}"]')

    def typo_then_fix(self) -> None:
        """A typo is listed by its JSON path with a suggestion; the fixed config is valid."""
        page = self.page
        typo = json.loads(json.dumps(CONFIG))
        typo["rules"][0]["rulesets"][0]["conditions"][1]["operator"] = "moreThen"
        self.change(lambda: page.locator("#config").fill(json.dumps(typo, indent=2)))
        problem = page.locator(
            '#config-problems [data-path="rules[0].rulesets[0].conditions[1].operator"]'
        )
        expect(problem).to_contain_text('did you mean "moreThan"?')
        self.change(lambda: page.locator("#config").fill(json.dumps(CONFIG, indent=2)))
        expect(page.locator("#config-problems")).to_have_attribute("data-valid", "true")

    def check(self) -> None:
        assert not self.errors, self.errors
        assert not self.foreign, f"requests left the site: {self.foreign}"


# The playground runs Python on every change: Chromium with V8's optimising WebAssembly
# tier (as the editor's tests), and one context kept across the tests (a new visitor each
# time, PyScript and Pyodide from the HTTP cache).
browser, kept_contexts = module_browser_fixtures(None, CHROMIUM_ARGS)


@pytest.fixture
def playground(kept_contexts: KeptContexts, playground_url: str) -> Iterator[Playground]:
    context = kept_contexts.take("playground", {"viewport": {"width": 1500, "height": 1100}, "accept_downloads": True}, None, None)
    base = playground_url.rsplit("/", 1)[0] + "/"
    tool = Playground(context.new_page(), base)
    yield tool
    tool.check()
    kept_contexts.release("playground")


def test_type_a_rule_move_the_time_and_the_trace_flips(
    playground: Playground, playground_url: str, tmp_path: Path
) -> None:
    page = playground.page
    playground.open(playground_url)
    expect(page.locator("#pg-status")).to_contain_text("PyScript")

    # A typo first: the problem is listed by its JSON path, with a suggestion.
    playground.typo_then_fix()
    playground.change(lambda: page.locator("#pages").fill("https://shop.test/help"))
    playground.change(lambda: page.locator("#on-page-number").fill("10"))

    rule = playground.rule(RULE)
    expect(rule).to_have_attribute("data-status", "notMatched")
    time_condition = rule.locator(".pg-condition").nth(1)
    expect(time_condition).to_have_attribute("data-result", "false")
    expect(page.locator("#displayed")).to_contain_text("Nothing is displayed")
    expect(page.locator("#trace-caption")).to_contain_text("next check")

    # Move the time slider past 30 s: a tick flips the rule and its panel is shown.
    playground.change(lambda: page.locator("#on-page").fill("31"))
    expect(rule).to_have_attribute("data-status", "shown")
    expect(time_condition).to_have_attribute("data-result", "true")
    expect(time_condition).to_contain_text("read 31")
    expect(page.locator('#displayed [data-interaction="help-panel"]')).to_contain_text(RULE)
    expect(page.locator("#timeline")).to_contain_text("show help-panel")
    # Any step of the timeline shows its own trace: at the page load the rule did not match.
    page.locator('#timeline button[data-step="1"]').click()
    expect(rule).to_have_attribute("data-status", "notMatched")
    expect(page.locator("#trace-caption")).to_contain_text("step 1 (load)")

    # The downloaded facts file replays to the same decision in CPython.
    with page.expect_download() as download:
        page.locator("#download-facts").click()
    facts = tmp_path / "playground.facts.json"
    download.value.save_as(facts)
    config = tmp_path / "rules.json"
    config.write_text(json.dumps(CONFIG), encoding="utf-8")
    report = replay(config, facts)
    shown = [d for step in report for d in step["decisions"] if d["type"] == "show"]
    assert [(d["rule"], d["interaction"]) for d in shown] == [(RULE, "help-panel")]

    # The share link holds the whole scenario: a new tab shows the same result.
    link = page.locator("#share-url").input_value()
    assert "#z=" in link or "#j=" in link
    other = Playground(page.context.new_page(), playground.base)
    other.open(link)
    expect(other.page.locator("#config")).to_have_value(json.dumps(CONFIG, indent=2))
    expect(other.rule(RULE)).to_have_attribute("data-status", "shown")
    other.check()

    # And back under 30 s, the trace flips back.
    playground.change(lambda: page.locator("#on-page-number").fill("30"))
    expect(rule).to_have_attribute("data-status", "notMatched")


def test_visitor_answers_follow_the_config(playground: Playground, playground_url: str) -> None:
    page = playground.page
    playground.open(playground_url)
    config = {
        "version": 1,
        "rules": [{
            "name": "VIP on phones",
            "rulesets": [{"conditions": [
                {"type": "custom", "operator": "evaluatesTrue", "value": "visitorIsVIP"},
                {"type": "dom", "criteria": "#price", "operator": "containsText", "value": "999"},
                {"type": "device", "operator": "is", "value": "mobile"},
            ]}],
            "outcome": {"start": "vip", "queueKey": "VIP",
                        "variants": [{"when": {"agentsAvailable": {"lessThan": 1}}, "start": "callback"}]},
        }],
        "interactions": {"vip": {"type": "panel", "title": "VIP"}, "callback": {"type": "panel", "title": "Call back"}},
    }  # fmt: skip
    playground.change(lambda: page.locator("#config").fill(json.dumps(config, indent=2)))
    # The form now asks about exactly what the config reads.
    row = page.locator('#dom-rows [data-selector="#price"]')
    expect(row).to_be_visible()
    expect(page.locator('#custom-rows [data-path="visitorIsVIP"]')).to_be_visible()
    expect(page.locator('#queue-rows [data-queue="VIP"]')).to_be_visible()
    playground.change(lambda: page.get_by_label("Mobile").check())
    playground.change(lambda: page.locator('#custom-rows [data-path="visitorIsVIP"] input').check())
    playground.change(lambda: row.locator('[data-answer="exists"]').check())
    playground.change(lambda: row.locator('[data-answer="text"]').fill("Now 999 EUR"))
    expect(playground.rule("VIP on phones")).to_have_attribute("data-status", "shown")
    # Unknown queue status counts as no agents: the call-back variant.
    expect(page.locator('#displayed [data-interaction="callback"]')).to_be_visible()
    playground.change(
        lambda: page.locator('#queue-rows [data-queue="VIP"] [data-answer="agentsAvailable"]').fill(
            "2"
        )
    )
    expect(page.locator('#displayed [data-interaction="vip"]')).to_be_visible()
    playground.change(lambda: page.locator("#pushes").fill("[{"))
    expect(page.locator('#scenario-problems [data-field="pushes"]')).to_contain_text(
        "not valid JSON"
    )


def test_the_visitor_comes_from_a_campaign_in_their_language_on_a_later_visit(
    playground: Playground, playground_url: str
) -> None:
    page = playground.page
    playground.open(playground_url)
    config = CAMPAIGN_CONFIG
    playground.change(lambda: page.locator("#config").fill(json.dumps(config, indent=2)))
    playground.change(lambda: page.locator("#pages").fill("/?utm_campaign=spring%20sale\n/help"))
    rule = playground.rule("Welcome back from search")
    expect(rule).to_have_attribute("data-status", "notMatched")
    playground.change(lambda: page.get_by_label("Came from").fill("https://www.bing.com/search?q=phones"))
    playground.change(lambda: page.get_by_label("Preferred languages").fill("sv-SE, en"))
    expect(rule).to_have_attribute("data-status", "notMatched")
    visits = rule.locator(".pg-condition").nth(3)
    expect(visits).to_contain_text("read 1")
    playground.change(lambda: page.get_by_label("Visit number").fill("3"))
    expect(rule).to_have_attribute("data-status", "shown")
    expect(visits).to_contain_text("read 3")
    expect(page.locator('#displayed [data-interaction="welcome"]')).to_contain_text("sv")
    playground.change(lambda: page.get_by_label("Preferred languages").fill("sv-SE, english!"))
    expect(page.locator('#scenario-problems [data-field="languages"]')).to_contain_text("not a language tag")


def test_the_documented_scenes_render(playground: Playground, playground_url: str, tmp_path: Path) -> None:
    """The scenes in the docs' screenshots: every run renders them (into tmp_path), and with
    ENGAGE_SCREENSHOTS=1 the run refreshes docs/img from them."""
    shots = IMG if os.environ.get("ENGAGE_SCREENSHOTS") else tmp_path
    page = playground.page
    playground.open(playground_url)  # the starter config
    playground.change(lambda: page.locator("#clock").fill("2026-11-25T10:00"))
    playground.change(lambda: page.locator("#timezone").fill("Europe/Oslo"))
    playground.change(lambda: page.locator("#on-page-number").fill("31"))
    playground.change(lambda: page.locator("#on-site-number").fill("75"))
    playground.change(
        lambda: page.locator(
            '#queue-rows [data-queue="Support"] [data-answer="agentsAvailable"]'
        ).fill("2")
    )
    expect(playground.rule("Help after 30 seconds")).to_have_attribute("data-status", "shown")
    page.locator("#config").evaluate("textarea => { textarea.blur(); window.scrollTo(0, 0); }")
    page.screenshot(path=str(shots / "playground.png"), full_page=True)
    page.locator(".pg-result").screenshot(path=str(shots / "playground-trace.png"))
    # A config mistake, listed by path.
    text = page.locator("#config").input_value().replace('"moreThan"', '"moreThen"', 1)
    playground.change(lambda: page.locator("#config").fill(text))
    page.locator("#config").evaluate("textarea => { textarea.scrollTop = 0; }")
    expect(page.locator("#config-problems")).to_contain_text('did you mean "moreThan"')
    page.locator(".pg-config").screenshot(path=str(shots / "playground-problems.png"))
    assert all((shots / name).stat().st_size > 10_000 for name in ("playground.png", "playground-trace.png", "playground-problems.png"))


def replay(config: Path, facts: Path) -> list[dict[str, Any]]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert engine_cli(["explain", str(config), "--facts", str(facts), "--json"]) == 0
    report: list[dict[str, Any]] = json.loads(out.getvalue())
    return report


# --------------------------------------------------------------------------- under --csp

# Records every CSP violation the page sees, before any page script runs.
VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
"""


def test_under_the_csp_server_the_playground_validates_a_config(
    browser: Browser, csp_site_url: str
) -> None:
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    context.add_init_script(VIOLATIONS)
    tool = Playground(context.new_page(), csp_site_url)
    page = tool.page
    response = page.goto(csp_site_url + "playground.html")
    assert response is not None
    assert response.headers["content-security-policy"] == PLAYGROUND_CSP
    status = page.locator("#pg-status")
    expect(status).to_have_attribute("data-state", "ready", timeout=BOOT_MS)
    expect(status).to_have_attribute("data-runs", "1", timeout=RUN_MS)
    expect(status).to_contain_text("PyScript")
    tool.typo_then_fix()
    assert page.evaluate("window.__violations") == []
    tool.check()
    context.close()


def test_under_the_csp_server_a_shop_page_keeps_the_strict_policy(
    browser: Browser, csp_site_url: str
) -> None:
    context = browser.new_context()
    context.add_init_script(VIOLATIONS)
    page = context.new_page()
    for path in ("", "cart.html", "assets/playground.js", "pyscript/core.js", "engage/loader.js"):
        response = page.request.head(csp_site_url + path)
        assert response.headers["content-security-policy"] == STRICT_CSP, path
    response = page.goto(csp_site_url)
    assert response is not None
    assert response.headers["content-security-policy"] == STRICT_CSP
    # Enforced, not just sent: Trusted Types refuse an HTML string and a string timer, which
    # the playground's policy allows. (An eval() inside page.evaluate ran even under this
    # policy when tried, so 'unsafe-eval' is not probed that way.)
    blocked = page.evaluate(
        """() => {
          const out = {};
          try { document.createElement("div").innerHTML = "<b>x</b>"; out.html = "ran"; }
          catch (e) { out.html = e.name; }
          try { setTimeout("window.__timer = 1", 0); out.timer = "queued"; }
          catch (e) { out.timer = e.name; }
          return out;
        }"""
    )
    assert blocked == {"html": "TypeError", "timer": "TypeError"}, blocked
    violations = page.evaluate("window.__violations")
    assert violations and all(v.startswith("require-trusted-types-for") for v in violations)
    context.close()

"""The rule playground's Python half (demo-site/assets/playground.py), in CPython.

The browser test (tests/browser/test_playground.py) drives the page; here the scenario ->
facts logic is checked directly, and above all the round trip: the facts file the page
offers for download, replayed by `python -m engine explain`, gives the very decisions the
playground showed.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]
SPEC_EXAMPLE = ROOT / "examples" / "puzzel-first-rule.json"
DEMO_RULES = ROOT / "demo-site" / "rules.json"


@pytest.fixture(scope="module")
def playground() -> ModuleType:
    spec = importlib.util.spec_from_file_location("playground", ROOT / "demo-site" / "assets" / "playground.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def statuses(result: dict[str, Any]) -> dict[str, str]:
    step = next(s for s in result["timeline"] if s["step"] == result["traceStep"])
    return {rule["name"]: rule["status"] for rule in step["trace"]["rules"]}


def explain(config: Path, facts: dict[str, Any], tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "playground.facts.json"
    path.write_text(json.dumps(facts), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "engine", "explain", str(config), "--facts", str(path), "--json"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report: list[dict[str, Any]] = json.loads(done.stdout)
    return report


def test_the_spec_rule_flips_from_not_matched_to_shown_past_30_seconds(playground: ModuleType) -> None:
    config = SPEC_EXAMPLE.read_text()
    scenario = {"pages": "https://shop.test/help#testingtesting", "clock": "2026-11-25T10:00", "timezone": "Europe/Oslo"}
    before = playground.run(config, {**scenario, "onPage": 30})
    assert before["ok"] and before["displayed"] == []
    assert statuses(before) == {"First rule": "notMatched"}
    assert before["nextCheck"] == 30.001, "the engine says when it must look again"
    after = playground.run(config, {**scenario, "onPage": 31})
    assert statuses(after) == {"First rule": "shown"}
    assert [d["interaction"] for d in after["displayed"]] == ["panel-1"]
    # The tick comes on the loader's one-second beat, as on a real page.
    assert [s["label"] for s in after["timeline"]] == [
        "page load: https://shop.test/help#testingtesting", "tick",
    ]  # fmt: skip
    assert after["timeline"][1]["onPage"] == 31.0


def test_device_presets_and_the_facts_they_give(playground: ModuleType) -> None:
    config = SPEC_EXAMPLE.read_text()
    scenario = {"pages": "https://shop.test/mobile-test", "clock": "2026-11-25T10:00"}
    shown = {
        device: playground.run(config, {**scenario, "device": device})["displayed"]
        for device in ("desktop", "tablet", "mobile")
    }
    assert shown["desktop"] == [] and shown["tablet"] == []
    assert shown["mobile"][0]["interaction"] == "panel-1"
    facts = playground.run(config, {**scenario, "device": "custom", "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile"})["facts"]
    assert facts["steps"][0][0] == {"type": "device", "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile"}


def test_journey_causes_referrers_and_times(playground: ModuleType) -> None:
    config = SPEC_EXAMPLE.read_text()
    result = playground.run(config, {
        "pages": "/\n/help | Help\n/help#testingtesting",
        "onPage": 5, "onSite": 65, "clock": "2026-11-25T10:00", "timezone": "UTC",
    })  # fmt: skip
    pages = [fact for step in result["facts"]["steps"] for fact in step if fact["type"] == "page"]
    assert [p["url"] for p in pages] == [
        "https://www.example.com/", "https://www.example.com/help", "https://www.example.com/help#testingtesting",
    ]  # fmt: skip
    assert [p["cause"] for p in pages] == ["load", "load", "hashchange"]
    assert pages[1]["title"] == "Help" and pages[1]["referrer"] == "https://www.example.com/"
    now = 1795600800000  # 2026-11-25 10:00 UTC
    assert [p["now"] for p in pages] == [now - 65_000, now - 35_000, now - 5_000]


def test_round_trip_of_the_downloaded_facts_through_engine_explain(
    playground: ModuleType, tmp_path: Path
) -> None:
    # The demo shop's rules with every kind of simulated input.
    scenario = {
        "pages": "/index.html\n/product-phone-x.html | Phone X\n/cart.html | Cart\n/checkout.html | Checkout\n/index.html",
        "device": "desktop", "onPage": 30, "onSite": 400,
        "clock": "2026-11-25T10:00", "timezone": "Europe/Oslo",
        "dom": {"#home-hero": {"exists": True, "visible": True, "text": "Welcome"}},
        "custom": {"visitorIsVIP": False, "shopApi.visitor.isReturning": True},
        "queues": {"Sales": {"agentsAvailable": 0, "queueLength": 2}},
        "pushes": json.dumps([
            {"type": "cart", "total": 1200, "products": [{"sku": "PX-1", "price": 1200, "quantity": 1}]},
            {"type": "queueStatus", "queueKey": "Support", "agentsAvailable": 1, "queueLength": 0},
        ]),
        "exitIntent": True,
    }  # fmt: skip
    result = playground.run(DEMO_RULES.read_text(), scenario)
    assert result["ok"], result
    assert any(s["decisions"] for s in result["timeline"]), "the scenario shows something"
    assert result["facts"]["scenario"]["pages"] == scenario["pages"], "the file can be reopened in the page"
    report = explain(DEMO_RULES, result["facts"], tmp_path)
    assert len(report) == len(result["timeline"])
    for replayed, shown in zip(report, result["timeline"], strict=True):
        assert replayed["decisions"] == shown["decisions"], f"step {shown['step']}: {shown['label']}"
    last = result["traceStep"] - 1
    assert report[last]["trace"] == next(s["trace"] for s in result["timeline"] if s["step"] == result["traceStep"])


def test_config_problems_are_listed_by_path(playground: ModuleType) -> None:
    config = json.loads(SPEC_EXAMPLE.read_text())
    config["rules"][0]["rulesets"][0]["conditions"][0]["operator"] = "contians"
    result = playground.run(json.dumps(config), {})
    assert result["ok"] is False
    assert result["problems"] == [{
        "path": "rules[0].rulesets[0].conditions[0].operator",
        "message": 'unknown operator "contians"; did you mean "contains"?',
    }]  # fmt: skip
    broken = playground.run('{"version": 1,', {})
    assert broken["problems"][0]["path"] == "" and "not valid JSON" in broken["problems"][0]["message"]


def test_a_returning_campaign_visitor_in_their_language_and_the_replay_of_it(
    playground: ModuleType, tmp_path: Path
) -> None:
    scenario = {"pages": "/category.html?utm_source=newsletter&utm_campaign=spring-sale\n/index.html",
                "referrer": "https://l.facebook.com/", "languages": "sv-FI, en", "onSite": 30,
                "clock": "2026-11-25T10:00", "timezone": "Europe/Oslo", "visit": 2, "daysSinceLastVisit": 3}
    result = playground.run(DEMO_RULES.read_text(), scenario)
    assert result["ok"], result
    # shown on the landing page (once per visit: the next page does not show it again)
    (shown,) = [d for d in result["timeline"][0]["decisions"] if d["type"] == "show"]
    assert shown["interaction"] == "campaign-welcome-panel" and shown["language"] == "sv"
    assert shown["content"]["title"] == "Välkommen tillbaka!"
    pages = [fact for step in result["facts"]["steps"] for fact in step if fact["type"] == "page"]
    assert pages[0]["referrer"] == "https://l.facebook.com/" and pages[1]["referrer"] == pages[0]["url"]
    assert all(p["languages"] == ["sv-FI", "en"] for p in pages)
    assert result["facts"]["state"]["visitor"]["visits"] == 1
    report = explain(DEMO_RULES, result["facts"], tmp_path)
    for replayed, step in zip(report, result["timeline"], strict=True):
        assert replayed["decisions"] == step["decisions"], f"step {step['step']}: {step['label']}"
    first = playground.run(DEMO_RULES.read_text(), {**scenario, "visit": 1})
    assert not [d for s in first["timeline"] for d in s["decisions"] if d.get("interaction") == "campaign-welcome-panel"]
    assert "state" not in first["facts"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pages": ""}, "pages"),
        ({"pages": "not a url"}, "pages"),
        ({"pushes": "[{"}, "pushes"),
        ({"pushes": "[1]"}, "pushes"),
        ({"clock": "yesterday"}, "clock"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"device": "custom", "userAgent": ""}, "userAgent"),
        ({"queues": {"Chat 9": {"agentsAvailable": -1}}}, "queues.Chat 9.agentsAvailable"),
        ({"referrer": "google"}, "referrer"),
        ({"languages": "sv-SE, english!"}, "languages"),
        ({"visit": 0}, "visit"),
        ({"visit": 2, "daysSinceLastVisit": -1}, "daysSinceLastVisit"),
    ],
)
def test_visitor_problems_name_the_field(playground: ModuleType, change: dict[str, Any], field: str) -> None:
    result = playground.run(SPEC_EXAMPLE.read_text(), change)
    assert result["ok"] is False
    assert [p["field"] for p in result["scenarioProblems"]] == [field]
    assert result["inputs"]["rules"] == ["First rule"], "the form still learns what the config names"


def test_run_json_never_raises(playground: ModuleType) -> None:
    for text in ("", "[]", '{"config": 5}', '{"config": "{}", "scenario": {"onPage": "soon"}}'):
        reply = json.loads(playground.run_json(text))
        assert reply["ok"] is False
    good = json.loads(playground.run_json(json.dumps({"config": SPEC_EXAMPLE.read_text(), "scenario": {}})))
    assert good["ok"] is True

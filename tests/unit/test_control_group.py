"""Control groups bucket visitors deterministically, independently per rule."""

from __future__ import annotations

import pytest

from engine import Config, Engine, compile_config
from engine.decisions import Control, Show
from engine.display import bucket as _bucket

CONFIG = {
    "version": 1,
    "rules": [
        {"name": "Sales", "alwaysEvaluate": True, "controlGroup": 0.2,
         "rulesets": [{"conditions": [{"type": "static", "operator": "always"}]}], "outcome": {"start": "p"}},
        {"name": "Support", "alwaysEvaluate": True, "controlGroup": 0.5,
         "rulesets": [{"conditions": [{"type": "static", "operator": "always"}]}], "outcome": {"start": "p"}},
    ],
    "interactions": {"p": {"type": "panel", "title": "Hi"}},
}


def outcomes(visitors: int) -> dict[str, list[bool]]:
    compiled = compile_config(CONFIG)
    assert isinstance(compiled, Config)
    seen: dict[str, list[bool]] = {"Sales": [], "Support": []}
    for number in range(visitors):
        visitor = {"version": 1, "visitor_id": f"visitor-{number}", "first_seen_at": 0, "last_seen_at": 10**12, "displays": {}}
        engine = Engine(compiled, None, visitor)
        engine.receive_json([{"type": "page", "now": 10**12, "url": "https://shop.test/"}])
        for decision in engine.decisions():
            assert isinstance(decision, Show | Control)
            seen[decision.rule].append(isinstance(decision, Control))
    return seen


def test_observed_fraction_is_within_one_point_of_the_configured_one() -> None:
    seen = outcomes(10_000)
    assert abs(sum(seen["Sales"]) / 10_000 - 0.2) < 0.01
    assert abs(sum(seen["Support"]) / 10_000 - 0.5) < 0.01


def test_buckets_do_not_correlate_across_rules() -> None:
    seen = outcomes(10_000)
    both = sum(a and b for a, b in zip(seen["Sales"], seen["Support"], strict=True)) / 10_000
    # Independent buckets: P(both) = 0.2 * 0.5.
    assert abs(both - 0.1) < 0.01


@pytest.mark.parametrize("visitor", ["a", "b", "visitor-42"])
def test_bucketing_is_deterministic(visitor: str) -> None:
    assert _bucket(visitor, "Sales") == _bucket(visitor, "Sales")
    assert 0 <= _bucket(visitor, "Sales") < 1

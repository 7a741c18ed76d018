"""The worker's probe mode: the bridge names each rule before the engine tests it, so a
rule that never finishes is the last name the loader received (docs/architecture.md)."""

from __future__ import annotations

import json
from typing import Any

from engine import _bridge


def rule(name: str, value: str) -> dict[str, Any]:
    cond = {"type": "url", "criteria": "currentPage", "operator": "contains", "value": value}
    return {"name": name, "rulesets": [{"conditions": [cond]}], "outcome": {"start": "p"}}


CONFIG = {"version": 1, "rules": [rule("First", "/x"), rule("Second", "/y"), rule("Third", "/z")],
          "interactions": {"p": {"type": "panel", "title": "P"}}}  # fmt: skip
PAGE = {"type": "page", "now": 0, "url": "https://shop.test/y"}


def test_probe_mode_names_each_rule_before_testing_it_and_normal_mode_names_none() -> None:
    named: list[str] = []
    init = {"v": 1, "kind": "init", "config": CONFIG, "state": None, "seed": "s", "facts": [PAGE]}
    reply = json.loads(_bridge.handle(json.dumps(init), named.append))
    assert reply["kind"] == "output"
    assert named == ["First", "Second"]  # Second matched: Third is never tested
    named.clear()
    again = {"v": 1, "kind": "facts", "facts": [{**PAGE, "now": 1, "url": "https://shop.test/z"}]}
    _bridge.handle(json.dumps(again))
    assert named == []


def test_the_last_name_is_the_rule_that_was_under_test_when_it_failed() -> None:
    named: list[str] = []

    def stall(name: str) -> None:
        named.append(name)
        if name == "Second":
            raise TimeoutError("stands for a rule that never returns")

    init = {"v": 1, "kind": "init", "config": CONFIG, "state": None, "seed": "s", "facts": [PAGE]}
    reply = json.loads(_bridge.handle(json.dumps(init), stall))
    assert reply["kind"] == "fatal"
    assert named[-1] == "Second"

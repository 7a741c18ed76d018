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


def _init(config: Any, skip: Any) -> dict[str, Any]:
    message = {"v": 1, "kind": "init", "config": config, "configError": None, "skip": skip, "state": None, "seed": "s", "facts": []}
    reply: dict[str, Any] = json.loads(_bridge.handle(json.dumps(message)))
    assert reply["kind"] == "output", reply
    return reply


def _tested(facts: list[dict[str, Any]]) -> list[str]:
    named: list[str] = []
    _bridge.handle(json.dumps({"v": 1, "kind": "facts", "facts": facts}), named.append)
    return named


def test_init_skip_compiles_the_config_without_the_named_rule_and_says_where_it_was() -> None:
    """The loader only names the rule a second stall named; the engine leaves it out and
    answers its path, which the loader's one engage:error carries (docs/architecture.md)."""
    reply = _init(CONFIG, ["Second"])
    assert reply["skipped"] == {"Second": "rules[1]"}
    assert reply["decisions"] == []
    # the page Second matched: First and Third are tested, Second is gone
    assert _tested([{**PAGE, "url": "https://shop.test/z"}]) == ["First", "Third"]
    # the path is where the rule is in the site's config, whatever else is left out
    assert _init(CONFIG, ["Third", "First"])["skipped"] == {"First": "rules[0]", "Third": "rules[2]"}


def test_without_skip_or_with_unknown_names_nothing_is_left_out_and_nothing_is_said() -> None:
    for skip in (None, [], ["Nope"], "Second", [1, {"a": 2}]):
        reply = _init(CONFIG, skip)
        assert "skipped" not in reply, skip
        assert _tested([PAGE]) == ["First", "Second"], skip
    assert "skipped" not in json.loads(_bridge.handle(json.dumps({"v": 1, "kind": "facts", "facts": [PAGE]})))


def test_a_config_rejected_without_the_rule_still_says_where_the_rule_was() -> None:
    broken = {**CONFIG, "rules": [rule("First", "/x"), {"name": ["not", "a", "string"]}, rule("Second", "/y")]}
    reply = _init(broken, ["Second"])
    assert reply["skipped"] == {"Second": "rules[2]"}
    assert [d["code"] for d in reply["decisions"]] == ["config.invalid"]

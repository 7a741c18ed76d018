"""Run every shared case (tests/cases/*.json) against the engine in CPython."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine import Config, Engine, compile_config
from engine.decisions import encode

CASES = Path(__file__).parents[1] / "cases"


def load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        configs = document.get("configs", {})
        names = set()
        for case in document["cases"]:
            assert case["name"] not in names, f"duplicate case name {case['name']!r} in {path.name}"
            names.add(case["name"])
            config = case["config"]
            resolved = configs[config] if isinstance(config, str) else config
            params.append(pytest.param(case, resolved, id=f"{path.stem}: {case['name']}"))
    return params


def subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and subset(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)


# "fast": evaluated untraced (engine/fastpath.py), the trace built only when a step reads it,
# as the loader asks for it only while something reads it
@pytest.mark.parametrize("tracing", [True, False], ids=["traced", "fast"])
@pytest.mark.parametrize(("case", "config"), load_cases())
def test_case(case: dict[str, Any], config: Any, tracing: bool) -> None:
    compiled = compile_config(config)
    if "errors" in case:
        assert not isinstance(compiled, Config), "config compiled, but the case expects errors"
        assert [str(e) for e in compiled] == case["errors"]
        return
    assert isinstance(compiled, Config), "\n".join(map(str, compiled))
    state = case.get("state") or {}
    engine = Engine(compiled, state.get("session"), state.get("visitor"), visitor_seed=case.get("seed", ""))
    engine.tracing = tracing
    for number, step in enumerate(case["steps"], 1):
        engine.receive_json(step["facts"])
        decisions = [encode(d) for d in engine.decisions()]
        where = f"step {number} ({step.get('note', '')})"
        if "expect" in step:
            expected = step["expect"]
            ok = len(decisions) == len(expected) and all(subset(e, a) for e, a in zip(expected, decisions, strict=False))
            assert ok, f"{where}: expected {json.dumps(expected)}\n got {json.dumps(decisions, default=str)}"
        if "expectStatus" in step:
            assert engine.trace is not None, f"{where}: no evaluation ran"
            statuses = {r["name"]: r["status"] for r in engine.trace.to_json()["rules"]}
            wanted = step["expectStatus"]
            assert {k: statuses.get(k) for k in wanted} == wanted, f"{where}: statuses {statuses}"
        if "expectRead" in step:
            reads = {r["name"]: [c["read"] for rs in r["rulesets"] for c in rs["conditions"] if c["result"] is not None]
                     for r in engine.trace.to_json()["rules"]}
            wanted = step["expectRead"]
            assert {k: reads.get(k) for k in wanted} == wanted, f"{where}: reads {reads}"
        if "expectWatch" in step:
            watch = engine.watch.to_json()
            assert subset(step["expectWatch"], watch), f"{where}: watch {watch}"
        if "expectState" in step:
            session = engine.state()["session"]
            assert subset(step["expectState"], session), f"{where}: state {json.dumps(session)}"

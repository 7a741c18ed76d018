"""engine.fastpath: an untraced evaluation decides exactly what a traced one decides.

Every shared case runs twice side by side, once tracing (``test_rule``) and once with the
compiled checks; decisions, watch and state must be the same after every step. (A trace
asked for after an untraced evaluation tests the rules again against what the engine knows
then, which an evaluation's own displays can have changed: tests/unit/test_bridge.py.)
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.rules import make_config
from engine import Config, Engine, compile_config, trace
from engine.decisions import encode
from engine.fastpath import checks_for
from tests.unit.test_cases import load_cases


@pytest.mark.parametrize(("case", "config"), load_cases())
def test_untraced_evaluation_decides_as_the_traced_one(case: dict[str, Any], config: Any) -> None:
    compiled = compile_config(config)
    if not isinstance(compiled, Config):
        return
    engines = []
    for _ in range(2):
        state = json.loads(json.dumps(case.get("state") or {}))  # each its own copy: the engine keeps it
        engines.append(Engine(compiled, state.get("session"), state.get("visitor"), visitor_seed=case.get("seed", "")))
    engines[1].tracing = False
    for number, step in enumerate(case["steps"], 1):
        seen = []
        for engine in engines:
            engine.receive_json(json.loads(json.dumps(step["facts"])))
            seen.append(([encode(d) for d in engine.decisions()], engine.watch, engine.state()))
        assert seen[0] == seen[1], f"step {number} ({step.get('note', '')})"


def test_each_compiled_check_agrees_with_the_traced_test() -> None:
    compiled = compile_config(make_config(50))
    assert isinstance(compiled, Config)
    engine = Engine(compiled)
    engine.receive_json([{"type": "device", "userAgent": "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) Mobile"},
                         {"type": "custom", "results": {"shop.flags.f3": {"value": True}}},
                         {"type": "page", "now": 1_000, "url": "https://shop.test/from-3"},
                         {"type": "page", "now": 2_000, "url": "https://shop.test/c2/x#r4"}])
    view = engine._view(engine._ensure_session())
    checks = checks_for(compiled)
    results = [check(view) for check in checks]
    assert results == [trace.test_rule(rule, view).matched for rule in compiled.rules]
    assert True in results[:-1] and False in results, "both outcomes are exercised"

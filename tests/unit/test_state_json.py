"""engine.state: the states' JSON is what dataclasses.asdict gives, copied, not shared."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import pytest

from engine import Config, Engine, compile_config
from tests.unit.test_cases import load_cases


@pytest.mark.parametrize(("case", "config"), load_cases())
def test_state_json_equals_asdict_and_is_a_copy(case: dict[str, Any], config: Any) -> None:
    compiled = compile_config(config)
    if not isinstance(compiled, Config):
        return
    state = case.get("state") or {}
    engine = Engine(compiled, state.get("session"), state.get("visitor"), visitor_seed=case.get("seed", ""))
    for step in case["steps"]:
        engine.receive_json(step["facts"])
        engine.decisions()
        for kept in (engine._session, engine._visitor):
            if kept is None:
                continue
            made = kept.to_json()
            assert made == {"version": 1, **asdict(kept)}
            assert json.dumps(made) == json.dumps({"version": 1, **asdict(kept)})
            for name, value in made.items():
                if isinstance(value, dict | list):
                    assert value is not getattr(kept, name), f"{name} is shared with the engine's state"

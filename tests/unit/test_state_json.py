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


T0 = 1_795_424_400_000
TWO_BACK = {"version": 1, "interactions": {"p": {"type": "panel", "title": "Hi"}}, "rules": [
    {"name": "came through the cart", "rulesets": [{"conditions": [
        {"type": "url", "criteria": "twoPagesBack", "operator": "contains", "value": "/cart"}]}], "outcome": {"start": "p"}}]}


def _shown(engine: Engine) -> list[str]:
    return [d.rule for d in engine.decisions() if getattr(d, "rule", None)]


def test_the_history_keeps_the_pages_url_conditions_read() -> None:
    from engine.conditions.url import STEPS_BACK
    from engine.state import HISTORY_LIMIT

    assert max(STEPS_BACK.values()) + 1 == HISTORY_LIMIT, "the pages a URL condition reads"
    compiled = compile_config(TWO_BACK)
    assert isinstance(compiled, Config)
    engine = Engine(compiled)
    pages = [f"https://shop.test/p{i}" for i in range(8)] + ["https://shop.test/cart", "https://shop.test/a"]
    for i, url in enumerate(pages):
        engine.receive_json([{"type": "page", "now": T0 + i, "url": url, "cause": "pushState"}])
        assert not _shown(engine)
    engine.receive_json([{"type": "page", "now": T0 + 20, "url": "https://shop.test/b", "cause": "pushState"}])
    assert _shown(engine) == ["came through the cart"]
    history = engine.state()["session"]["history"]
    assert history == ["https://shop.test/cart", "https://shop.test/a", "https://shop.test/b"]


def test_a_longer_stored_history_is_cut_to_the_pages_read() -> None:
    compiled = compile_config(TWO_BACK)
    assert isinstance(compiled, Config)
    stored = {"version": 1, "started_at": T0, "last_seen_at": T0,
              "history": [f"https://shop.test/p{i}" for i in range(48)] + ["https://shop.test/cart", "https://shop.test/a"]}
    engine = Engine(compiled, stored)
    engine.receive_json([{"type": "page", "now": T0 + 1, "url": "https://shop.test/b", "cause": "load"}])
    assert _shown(engine) == ["came through the cart"]
    assert engine.state()["session"]["history"] == ["https://shop.test/cart", "https://shop.test/a", "https://shop.test/b"]

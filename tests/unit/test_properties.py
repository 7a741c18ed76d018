"""Property tests: no input, however odd, makes the engine raise.

Configs, facts and stored state all cross a trust boundary (site owners' files, page
scripts, storage anyone can edit). Each must end as a value: a compiled config or config
errors, a fact or an error decision, a restored or a discarded state.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import Config, ConfigError, Engine, compile_config
from engine.decisions import Error, encode
from engine.facts import FactError, decode
from engine.state import session_from_json

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=30,
)

SHOP = json.loads((Path(__file__).parents[1] / "cases" / "engine.json").read_text())["configs"]["shop"]

CONDITION_KEYS = st.sampled_from(["type", "criteria", "operator", "value", "caseSensitive", "activeOnly"])
CONDITION_VALUES = st.sampled_from(
    ["url", "dom", "time", "custom", "device", "static", "login", "contains", "matches", "wildcard",
     "currentPage", "onPage", "moreThan", "(", "*", "a.b", 3, -1, None, True]
)
near_miss_conditions = st.dictionaries(CONDITION_KEYS, CONDITION_VALUES, max_size=5)


def structured_configs() -> st.SearchStrategy[Any]:
    """Configs shaped almost right: where real mistakes live."""
    rule = st.fixed_dictionaries(
        {"name": st.text(max_size=5), "rulesets": st.lists(st.fixed_dictionaries({"conditions": st.lists(near_miss_conditions, max_size=3)}), max_size=2),
         "outcome": st.fixed_dictionaries({"start": st.sampled_from(["p", "x", ""])})},
        optional={"alwaysEvaluate": st.booleans() | st.integers(), "frequency": json_values},
    )
    return st.fixed_dictionaries(
        {"version": st.sampled_from([1, 2, "1"]), "rules": st.lists(rule, max_size=3)},
        optional={"interactions": st.dictionaries(st.sampled_from(["p", "x"]), json_values, max_size=2), "schedules": json_values},
    )


def check_config(raw: object) -> None:
    result = compile_config(raw)
    assert isinstance(result, Config) or (result and all(isinstance(e, ConfigError) for e in result))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_is_a_config_or_config_errors(raw: object) -> None:
    check_config(raw)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(structured_configs())
def test_near_miss_configs_are_a_config_or_config_errors(raw: object) -> None:
    check_config(raw)


@settings(max_examples=300)
@given(json_values)
def test_any_json_is_a_fact_or_a_fact_error(raw: object) -> None:
    decoded = decode(raw)
    assert decoded is not None
    if isinstance(raw, dict) and raw.get("type") not in ("page", "tick", "selectors", "custom", "device", "action", "evaluate",
                                                         "triggerRule", "triggerInteraction", "queueStatus", "push",
                                                         "visibility", "exitIntent", "sessionSync"):
        assert isinstance(decoded, FactError)


fact_types = st.sampled_from(["page", "tick", "action", "push", "queueStatus", "selectors", "custom", "evaluate", "triggerRule", "visibility", "exitIntent", "sessionSync"])


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.builds(lambda t, body: {**body, "type": t}, fact_types, st.dictionaries(st.sampled_from(["now", "url", "action", "interaction", "data", "results", "name", "visible", "state", "queueKey"]), json_values, max_size=4)), max_size=6))
def test_engine_survives_any_fact_sequence(batch: list[dict[str, Any]]) -> None:
    compiled = compile_config(SHOP)
    assert isinstance(compiled, Config)
    engine = Engine(compiled)
    engine.receive_json([{"type": "page", "now": 1_000, "url": "https://shop.test/"}])
    engine.receive_json(batch)
    for decision in engine.decisions():
        encode(decision)
    json.dumps(engine.state())


@settings(max_examples=300)
@given(json_values)
def test_any_stored_state_is_restored_or_discarded(raw: object) -> None:
    state, warning = session_from_json(raw, 10**12)
    assert state is None or warning is None


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["version", "started_at", "last_seen_at", "history", "statuses", "rule_statuses", "displays",
                                        "last_display_at", "login", "device", "sticky", "behaviour"]), json_values))
def test_engine_starts_from_any_stored_session(raw: dict[str, Any]) -> None:
    compiled = compile_config(SHOP)
    assert isinstance(compiled, Config)
    engine = Engine(compiled, {**raw, "version": 1})
    engine.receive_json([{"type": "page", "now": 10**12, "url": "https://shop.test/products/1"}])
    decisions = engine.decisions()
    assert any(not isinstance(d, Error) for d in decisions)

"""Visitor behaviour beyond the shared cases: stored-state repair, tabs merging, bounds,
the schema/registry contract, what conditions read, and properties of the flow machine.

Behaviour that a site owner can observe is specified in tests/cases/behaviour.json; these
tests cover what cases cannot express (internals' invariants, many random journeys).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Config, Engine, behaviour, compile_config
from engine.conditions import REGISTRY, View
from engine.decisions import Error, encode
from engine.state import SessionState
from engine.validation import load_schema

T = 1795424400000
SITE = "https://shop.test"

ENTRY_POINTS = {
    "cart": {"url": {"operator": "contains", "value": "/cart"}},
    "checkout": {"url": {"operator": "contains", "value": "/checkout"}},
    "confirmation": {"url": {"operator": "contains", "value": "/thanks"}},
    "help": {"section": "support"},
}
FLOW = {"steps": [{"entryPoint": "cart"}, {"entryPoint": "checkout"}, {"entryPoint": "confirmation"}]}


def config(rules: list[dict[str, Any]] | None = None) -> Config:
    compiled = compile_config({
        "version": 1,
        "entryPoints": ENTRY_POINTS,
        "flows": {"purchase": FLOW},
        "rules": rules or [{"name": "R", "rulesets": [{"conditions": [{"type": "static", "operator": "never"}]}],
                            "outcome": {"start": "p"}}],
        "interactions": {"p": {"type": "panel", "title": "P", "text": "P"}},
    })
    assert isinstance(compiled, Config), compiled
    return compiled


def page(now: int, path: str, cause: str = "load") -> dict[str, Any]:
    return {"type": "page", "now": now, "url": SITE + path, "title": "", "cause": cause}


def push(now: int, **data: Any) -> dict[str, Any]:
    return {"type": "push", "now": now, "data": data}


def behaviour_of(engine: Engine) -> dict[str, Any]:
    state: dict[str, Any] = engine.state()["session"]["behaviour"]
    return state


# ------------------------------------------------------------------ the contract


def test_every_condition_type_has_a_schema_branch_and_a_compiler() -> None:
    definitions = load_schema()["definitions"]
    branches = {definitions[ref["$ref"].rsplit("/", 1)[-1]]["properties"]["type"]["const"]
                for ref in definitions["condition"]["oneOf"]}
    assert branches == set(REGISTRY)


def test_every_push_type_has_a_schema_branch() -> None:
    definitions = load_schema()["definitions"]
    branches = {definitions[ref["$ref"].rsplit("/", 1)[-1]]["properties"]["type"]["const"]
                for ref in definitions["push"]["oneOf"]}
    assert branches == set(behaviour.PUSH_TYPES)
    assert definitions["serviceStatus"]["enum"] == list(behaviour.SERVICE_STATUSES)


def test_conditions_name_what_they_read() -> None:
    rules = [{"name": f"R{i}", "rulesets": [{"conditions": [c]}], "outcome": {"start": "p"}} for i, c in enumerate([
        {"type": "flow", "flow": "purchase", "operator": "abandoned"},
        {"type": "timeOnEntryPoint", "entryPoint": "cart", "operator": "moreThan", "value": 1},
        {"type": "visitedEntryPoint", "entryPoint": "help", "operator": "visited"},
        {"type": "aboutToAbandon"},
        {"type": "cartValue", "operator": "decreased"},
        {"type": "productsInCart", "operator": "includes"},
        {"type": "viewedProduct", "operator": "excludes"},
        {"type": "visitorError", "operator": "includes"},
        {"type": "engagedInSession", "operator": "includes", "statuses": ["clicked"]},
        {"type": "serviceActivity", "topic": "loan", "statuses": ["Approved"]},
    ])]
    compiled = config(rules)
    assert [set(r.deps) for r in compiled.rules] == [
        {"flow:purchase"}, {"entryPoint:cart"}, {"entryPoint:help"}, {"exitIntent"}, {"cart"}, {"cart"},
        {"viewedProduct"}, {"errors"}, {"engagement"}, {"serviceActivity"},
    ]
    # Only time on an entry point moves by itself; the rest change with facts.
    assert [r.monitored for r in compiled.rules] == [False, True] + [False] * 8


def test_conditions_read_nothing_without_a_session() -> None:
    rules = [{"name": f"R{i}", "rulesets": [{"conditions": [c]}], "outcome": {"start": "p"}} for i, c in enumerate([
        {"type": "flow", "flow": "purchase", "operator": "backflow"},
        {"type": "timeOnEntryPoint", "entryPoint": "cart", "operator": "lessThan", "value": 1},
        {"type": "cartValue", "operator": "between", "min": 0},
        {"type": "productsInCart", "operator": "excludes"},
        {"type": "engagedInSession", "operator": "excludes", "statuses": ["clicked"]},
    ])]
    results = [r.rulesets[0].conditions[0].test(View(now=T)) for r in config(rules).rules]
    assert results == [(False, "not entered"), (True, 0.0), (False, None), (True, 0), (True, None)]


# ------------------------------------------------------------------ stored state


def test_a_broken_part_of_stored_behaviour_is_reset_and_the_rest_kept() -> None:
    engine = Engine(config())
    engine.receive_json([page(T, "/cart"), push(T + 1, type="cart", total=5)])
    stored = copy.deepcopy(engine.state()["session"])
    stored["behaviour"]["cart"] = {"total": "five"}
    stored["behaviour"]["viewed"] = [{"key": 3}]
    stored["behaviour"]["surprise"] = 1
    again = Engine(config(), stored)
    again.receive_json([page(T + 1000, "/checkout")])
    state = behaviour_of(again)
    assert state["cart"] is None and state["viewed"] == [] and "surprise" not in state
    assert state["flows"]["purchase"]["reached"] == [0, 1]  # the journey survived
    assert [d for d in again.decisions() if isinstance(d, Error)] == []


def test_stored_behaviour_of_another_version_starts_over() -> None:
    stored = SessionState(started_at=T, last_seen_at=T, behaviour={"v": 99, "cart": {"total": 1}}).to_json()
    engine = Engine(config(), stored)
    engine.receive_json([page(T + 1000, "/home")])
    assert behaviour_of(engine)["v"] == behaviour.VERSION
    assert behaviour_of(engine)["cart"] is None


def test_conditions_survive_a_corrupt_state_read_before_any_page() -> None:
    rules = [{"name": "R", "rulesets": [{"conditions": [{"type": "productsInCart", "operator": "includes"}]}],
              "outcome": {"start": "p"}}]
    stored = SessionState(started_at=T, last_seen_at=T,
                          behaviour={"v": 1, "cart": {"total": 1, "products": "junk", "at": T}}).to_json()
    engine = Engine(config(rules), stored)
    engine.receive_json([{"type": "evaluate", "now": T + 10}])
    assert engine.trace is not None and engine.trace.to_json()["rules"][0]["status"] == "notMatched"


def test_a_stored_flow_position_beyond_the_steps_is_forgotten() -> None:
    # The config lost a step while the visitor's session was stored.
    engine = Engine(config())
    engine.receive_json([page(T, "/cart")])
    stored = copy.deepcopy(engine.state()["session"])
    stored["behaviour"]["flows"]["purchase"]["at"] = 7
    again = Engine(config(), stored)
    again.receive_json([page(T + 1000, "/checkout")])
    assert behaviour_of(again)["flows"]["purchase"]["at"] == 1
    assert behaviour_of(again)["flows"]["purchase"]["backflow"] is False


# ------------------------------------------------------------------ tabs


def test_another_tabs_pushes_are_merged_and_its_journey_is_not() -> None:
    rules = [{"name": "Phone", "alwaysEvaluate": True,
              "rulesets": [{"conditions": [{"type": "productsInCart", "operator": "includes", "match": {"sku": "px-1"}}]}],
              "outcome": {"start": "p"}}]
    tab_a, tab_b = Engine(config(rules)), Engine(config(rules))
    tab_a.receive_json([page(T, "/cart"), push(T + 1, type="error", message="Card declined")])
    tab_b.receive_json([
        page(T + 2, "/product/1"),
        push(T + 3, type="cart", total=120, products=[{"sku": "PX-1"}]),
        push(T + 4, type="error", message="Card declined"),
        push(T + 5, type="viewedProduct", sku="PX-1"),
        push(T + 6, type="serviceActivity", topic="loan", status="approved"),
    ])
    tab_a.decisions()
    tab_a.receive_json([{"type": "sessionSync", "state": tab_b.state()}])
    assert [encode(d)["type"] for d in tab_a.decisions()] == ["show"]
    merged = behaviour_of(tab_a)
    assert merged["cart"]["total"] == 120
    assert [v["key"][1] for v in merged["viewed"]] == ["px-1"]
    assert merged["services"]["loan"]["status"] == "Approved"
    # Counts take the larger, never the sum: a count both tabs carry from storage must not
    # double (two tabs each seeing a first decline undercount by one, which is the safe side).
    assert [e["count"] for e in merged["errors"]] == [1]
    # Navigation is per tab: tab A is still in the cart, on the first step.
    assert merged["page"]["url"] == SITE + "/cart"
    assert merged["flows"]["purchase"]["at"] == 0


def test_a_flow_completed_in_another_tab_is_completed_here() -> None:
    rules = [{"name": "Abandoned", "rulesets": [{"conditions": [{"type": "flow", "flow": "purchase", "operator": "abandoned"}]}],
              "outcome": {"start": "p"}}]
    tab_a, tab_b = Engine(config(rules)), Engine(config(rules))
    tab_a.receive_json([page(T, "/cart"), page(T + 1, "/home", "pushState")])
    tab_b.receive_json([page(T + 2, "/cart"), page(T + 3, "/checkout"), page(T + 4, "/thanks")])
    assert behaviour_of(tab_a)["flows"]["purchase"]["abandoned"] is True
    tab_a.receive_json([{"type": "sessionSync", "state": tab_b.state()}])
    assert behaviour_of(tab_a)["flows"]["purchase"]["completed"] is True
    tab_a.receive_json([page(T + 5, "/elsewhere", "pushState")])
    assert behaviour_of(tab_a)["flows"]["purchase"]["abandoned"] is False


def test_merging_a_state_with_itself_changes_nothing() -> None:
    engine = Engine(config())
    engine.receive_json([page(T, "/cart"), push(T + 1, type="cart", total=5), push(T + 2, type="error", code=1)])
    state = behaviour_of(engine)
    assert behaviour.merge(copy.deepcopy(state), copy.deepcopy(state)) is False


# ------------------------------------------------------------------ bounds


def test_histories_are_bounded() -> None:
    engine = Engine(config())
    facts: list[dict[str, Any]] = [page(T, "/home")]
    for i in range(120):
        facts += [push(T + i, type="viewedProduct", sku=f"S{i}"), push(T + i, type="error", code=f"E{i}"),
                  push(T + i, type="cart", total=i), push(T + i, type="serviceActivity", topic=f"t{i}", status="Closed")]
    engine.receive_json(facts)
    state = behaviour_of(engine)
    assert len(state["viewed"]) == behaviour.VIEWED_LIMIT and state["viewed"][-1]["sku"] == "S119"
    assert len(state["errors"]) == behaviour.ERROR_LIMIT and state["errors"][0]["code"] == "E70"
    assert [h["total"] for h in state["cartHistory"]] == list(range(100, 120))
    assert len(state["services"]) == behaviour.SERVICE_LIMIT
    assert len(json.dumps(engine.state())) < 40_000  # fits comfortably in sessionStorage


def test_a_long_page_view_of_many_url_replacements_stays_bounded() -> None:
    engine = Engine(config())
    engine.receive_json([page(T, "/cart")] + [page(T + i, f"/cart?{i % 2}/checkout" * (i % 2), "replaceState")
                                              for i in range(1, 100)])
    assert len(behaviour_of(engine)["page"]["seen"]) <= behaviour.SEEN_LIMIT


# ------------------------------------------------------------------ pushes


def test_a_push_the_site_sends_twice_is_one_change() -> None:
    state: dict[str, Any] = {}
    cfg = config()
    cart = {"type": "cart", "total": 10, "currency": "EUR", "products": [{"sku": "A", "quantity": 2}]}
    assert behaviour.on_push(state, cfg, cart, T) == behaviour.PushOutcome(True)
    assert behaviour.on_push(state, cfg, dict(cart), T + 1) == behaviour.PushOutcome(False)
    section = {"type": "section", "sections": ["A", "b"]}
    assert behaviour.on_push(state, cfg, section, T).changed
    assert not behaviour.on_push(state, cfg, {"type": "section", "sections": ["b", "a"]}, T).changed


def test_a_wrong_push_never_touches_the_state() -> None:
    state: dict[str, Any] = {}
    cfg = config()
    behaviour.on_push(state, cfg, {"type": "cart", "total": 3}, T)
    before = copy.deepcopy(state)
    outcome = behaviour.on_push(state, cfg, {"type": "cart", "total": 4, "products": [{"price": "x"}]}, T)
    assert outcome.error is not None and outcome.error[0] == "products[0].price"
    assert state == before


# ------------------------------------------------------------------ the flow machine

PAGES = st.sampled_from(["/cart", "/checkout", "/thanks", "/home", "/faq"])
CAUSES = st.sampled_from(["load", "pushState", "replaceState", "hashchange"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(PAGES, CAUSES, st.booleans()), min_size=1, max_size=12))
def test_flow_invariants_hold_on_any_journey(journey: list[tuple[str, str, bool]]) -> None:
    engine = Engine(config())
    completed = False
    entered = False
    for i, (path, cause, with_section) in enumerate(journey):
        facts = [page(T + i * 1000, path, cause)]
        if with_section:
            facts.append(push(T + i * 1000 + 1, type="section", sections=["support"]))
        engine.receive_json(facts)
        progress = behaviour_of(engine)["flows"]["purchase"]
        entered = entered or bool(progress["reached"])
        # completion is final and silences both conditions
        if completed:
            assert progress["completed"]
        completed = progress["completed"]
        if completed:
            assert not progress["abandoned"] and not progress["backflow"]
        # nothing is abandoned or backflowed before the flow was entered
        if not entered:
            assert not progress["abandoned"] and not progress["backflow"]
        assert progress["reached"] == sorted(set(progress["reached"]))
        entries = behaviour_of(engine)["entryPoints"]
        assert all(e["ms"] >= 0 for e in entries.values())
        assert not [d for d in engine.decisions() if isinstance(d, Error)]


def test_time_on_an_entry_point_adds_only_the_time_spent_there() -> None:
    engine = Engine(config())
    engine.receive_json([page(T, "/cart"), page(T + 4000, "/cart?x", "pushState"), page(T + 9000, "/home"),
                         page(T + 60000, "/cart/edit", "pushState")])
    assert behaviour_of(engine)["entryPoints"]["cart"] == {"visits": 3, "ms": 9000, "since": T + 60000}
    assert behaviour.entry_point_time(behaviour_of(engine), "cart", T + 61000) == (10000, True)


def test_non_finite_numbers_are_refused() -> None:
    # JSON.stringify never sends them, but Python's json accepts NaN: the stored state
    # must stay valid JSON for the page whatever arrives.
    state: dict[str, Any] = {}
    outcome = behaviour.on_push(state, config(), {"type": "viewedProduct", "sku": "A", "price": float("nan")}, T)
    assert outcome.error is not None and outcome.error[0] == "price"
    assert behaviour.on_push(state, config(), {"type": "cart", "total": float("inf")}, T).error is not None
    json.dumps(state, allow_nan=False)

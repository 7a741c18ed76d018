"""LivePerson seed points (issue 12) beyond the shared cases in tests/cases/seed-liveperson.json:
stored state written before event steps existed, replays within one page view, the
status numbers LivePerson uses, and which clicks are content engagements."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Config, Engine, behaviour, compile_config
from engine.conditions.visitor import content_engagement

T = 1795424400000
SITE = "https://shop.test"

CONFIG: dict[str, Any] = {
    "version": 1,
    "entryPoints": {"cart": {"url": {"operator": "contains", "value": "/cart"}},
                    "pay": {"url": {"operator": "contains", "value": "/pay"}},
                    "card": {"section": "card"}},
    "flows": {"purchase": {"steps": [{"entryPoint": "cart"}, {"entryPoint": "pay"}, {"event": "purchase"}]}},
    "rules": [{"name": "R", "rulesets": [{"conditions": [
        {"type": "timeOnEntryPoint", "entryPoint": ["pay", "card"], "operator": "moreThan", "value": 100}]}],
        "outcome": {"start": "p"}}],
    "interactions": {"p": {"type": "panel", "title": "P", "text": "P"}},
}


def engine(state: dict[str, Any] | None = None) -> Engine:
    compiled = compile_config(CONFIG)
    assert isinstance(compiled, Config), compiled
    return Engine(compiled, state)


def page(now: int, path: str, cause: str = "load") -> dict[str, Any]:
    return {"type": "page", "now": T + now, "url": SITE + path, "title": "", "cause": cause}


def push(now: int, **data: Any) -> dict[str, Any]:
    return {"type": "push", "now": T + now, "data": data}


def purchase_flow(e: Engine) -> dict[str, Any]:
    flows: dict[str, Any] = e.state()["session"]["behaviour"]["flows"]
    return dict(flows["purchase"])


def test_a_page_stored_before_event_steps_existed_is_kept_and_takes_events() -> None:
    e = engine()
    e.receive_json([page(0, "/cart"), page(1000, "/pay")])
    stored = e.state()["session"]
    del stored["behaviour"]["page"]["pushed"]  # the layout before this change
    e2 = engine(stored)
    e2.receive_json([push(2000, type="purchase")])
    b = e2.state()["session"]["behaviour"]
    assert b["page"]["url"] == SITE + "/pay", "the stored page view was not reset"
    assert purchase_flow(e2)["completed"] is True


def test_an_event_survives_a_replace_state_and_a_section_push_in_the_same_view() -> None:
    e = engine()
    e.receive_json([page(0, "/cart"), page(1000, "/pay"), push(2000, type="purchase")])
    e.receive_json([page(3000, "/pay?step=done", cause="replaceState"), push(3500, type="section", sections=["card"])])
    assert purchase_flow(e)["completed"] is True


def test_an_event_step_pushed_twice_is_one_change() -> None:
    compiled = compile_config(CONFIG)
    assert isinstance(compiled, Config)
    state: dict[str, Any] = {}
    behaviour.on_page(state, compiled, SITE + "/cart", "", T)
    step = {"type": "flowStep", "flow": "purchase", "step": "pay"}
    assert behaviour.on_push(state, compiled, step, T + 1000).changed is True
    assert behaviour.on_push(state, compiled, step, T + 2000).changed is False
    assert behaviour.on_push(state, compiled, {"type": "purchase"}, T + 3000).changed is True
    assert behaviour.flow_progress(state, "purchase")["completed"] is True  # type: ignore[index]


def test_time_on_a_list_of_entry_points_is_kept_as_one_and_survives_a_reload() -> None:
    e = engine()
    e.receive_json([page(0, "/pay"), push(10_000, type="section", sections=["card"]), page(40_000, "/cart")])
    entries = e.state()["session"]["behaviour"]["entryPoints"]
    key = behaviour.group_key(("card", "pay"))
    assert entries[key]["ms"] == 40_000, "a page in both entry points counts once"
    assert entries["pay"]["ms"] + entries["card"]["ms"] == 70_000
    e2 = engine(e.state()["session"])
    e2.receive_json([page(50_000, "/pay"), {"type": "tick", "now": T + 110_001}])
    assert [d for d in e2.decisions() if getattr(d, "interaction", None) == "p"], "40 s + 60 s > 100 s"


@pytest.mark.parametrize(("given", "status"), [
    (0, "Complete"), (1, "In Progress"), (12, "Pending"), (13, "Resolved"), (14, None), (-1, None),
    (True, None), ("waiting_for_customer_response", "Waiting for Customer Response"),
])
def test_service_status_numbers_are_livepersons_order(given: object, status: str | None) -> None:
    assert behaviour.canonical_status(given) == status  # type: ignore[arg-type]


def test_a_status_number_out_of_range_is_an_invalid_push() -> None:
    e = engine()
    e.receive_json([page(0, "/cart"), push(1000, type="serviceActivity", topic="loan", status=14)])
    errors = [d for d in e.decisions() if getattr(d, "code", None) == "push.invalid"]
    assert len(errors) == 1 and "status" in errors[0].message, errors


INTERACTIONS = {
    "panel": {"type": "panel"}, "chat": {"type": "chat"}, "info": {"type": "info"},
    "trigger": {"type": "button", "next": "chat"}, "opener": {"type": "button", "next": "panel"},
}


@pytest.mark.parametrize(("clicked", "content"), [
    ("panel", True), ("info", True), ("opener", True),
    ("trigger", True),  # a chat button: the click starts the conversation at once
    ("chat", False),    # a chat is interacted with when it starts, not when clicked
    ("unknown", True),
])
def test_which_clicks_are_also_interactions(clicked: str, content: bool) -> None:
    assert content_engagement(INTERACTIONS, clicked) is content


# ------------------------------------------------ random journeys with pushed steps

ACTIONS = st.sampled_from([
    ("page", "/cart"), ("page", "/pay"), ("page", "/home"), ("replace", "/pay?x"),
    ("section", "card"), ("purchase", ""), ("step", "cart"), ("step", "pay"), ("step", "purchase"),
])


def journey_fact(kind: str, arg: str, now: int) -> dict[str, Any]:
    if kind in ("page", "replace"):
        return page(now, arg, cause="load" if kind == "page" else "replaceState")
    if kind == "section":
        return push(now, type="section", sections=[arg])
    if kind == "purchase":
        return push(now, type="purchase")
    return push(now, type="flowStep", flow="purchase", step=arg)


@settings(max_examples=150, deadline=None)
@given(st.lists(ACTIONS, min_size=1, max_size=14))
def test_flow_and_time_invariants_hold_with_pushed_steps(journey: list[tuple[str, str]]) -> None:
    e = engine()
    completed = backflow = False
    for i, (kind, arg) in enumerate(journey):
        now = i * 1000
        fact = journey_fact(kind, arg, i * 1000)
        e.receive_json([fact])
        assert not [d for d in e.decisions() if getattr(d, "code", None)], journey
        progress = purchase_flow(e)
        if completed:  # completion is final
            assert progress["completed"], journey
        completed = progress["completed"]
        if completed:
            assert not progress["abandoned"] and not progress["backflow"]
        if kind in ("purchase", "step") and not completed:
            assert progress["backflow"] == backflow, f"a pushed step is never a backflow: {journey}"
        backflow = progress["backflow"]
        assert progress["reached"] == sorted(set(progress["reached"]))
        # a purchase push after both page steps were reached always completes the flow
        if kind == "purchase" and {0, 1} <= set(progress["reached"]):
            assert completed, journey
        b = e.state()["session"]["behaviour"]
        group = behaviour.entry_point_time(b, behaviour.group_key(("card", "pay")), now)[0]
        pay = behaviour.entry_point_time(b, "pay", now)[0]
        card = behaviour.entry_point_time(b, "card", now)[0]
        assert max(pay, card) <= group <= pay + card, (journey, group, pay, card)

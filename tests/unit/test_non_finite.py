"""NaN and the infinities (Python's json reads NaN, Infinity and 1e999) in facts, config
and stored state end as errors with a path, never as an exception."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Config, Engine, compile_config
from engine.decisions import Error
from engine.facts import FactError, decode
from engine.state import session_from_json, visitor_from_json

ROOT = Path(__file__).parents[2]
SHOP = json.loads((ROOT / "tests" / "cases" / "engine.json").read_text())["configs"]["shop"]
COMPILED = compile_config(SHOP)

non_finite = st.sampled_from([math.nan, math.inf, -math.inf, float("1e999")])
any_number = st.floats(allow_nan=True, allow_infinity=True) | st.integers()

NUMERIC_FIELDS = {
    "page": ("now", {"url": "/"}),
    "tick": ("now", {}),
    "evaluate": ("now", {}),
    "exitIntent": ("now", {}),
    "visibility": ("now", {"visible": True}),
    "push": ("now", {"data": {"type": "cart"}}),
    "device": ("maxTouchPoints", {"userAgent": "x"}),
    "queueStatus": ("agentsAvailable", {"queueKey": "sales"}),
}


@settings(max_examples=300)
@given(st.sampled_from(sorted(NUMERIC_FIELDS)), any_number)
def test_a_number_in_a_fact_is_a_fact_or_a_fact_error_naming_it(kind: str, number: float) -> None:
    field, rest = NUMERIC_FIELDS[kind]
    fact = decode({"type": kind, **rest, field: number})
    if isinstance(number, float) and not math.isfinite(number):
        assert isinstance(fact, FactError) and fact.field == field, fact
        assert "finite" in fact.message
    else:
        assert not isinstance(fact, FactError) or fact.field == field


@settings(max_examples=200, deadline=None)
@given(st.recursive(non_finite, lambda c: st.lists(c, min_size=1, max_size=2) | st.dictionaries(st.sampled_from(["total", "x"]), c, min_size=1, max_size=2)))
def test_a_non_finite_number_deep_in_a_push_is_an_error_decision(value: Any) -> None:
    assert isinstance(COMPILED, Config)
    engine = Engine(COMPILED)
    engine.receive_json([{"type": "page", "now": 0, "url": "/"}, {"type": "push", "now": 1, "data": {"type": "cart", "total": value}}])
    errors = [d for d in engine.decisions() if isinstance(d, Error)]
    assert len(errors) == 1 and "push.data.total" in errors[0].message, errors


def leaf_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in leaf_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in leaf_paths(v, (*path, i))]
    return [path]


SHOP_LEAVES = leaf_paths(SHOP)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SHOP_LEAVES), non_finite)
def test_a_non_finite_number_anywhere_in_a_config_is_a_config_error_at_its_path(where: tuple[Any, ...], number: float) -> None:
    raw = json.loads(json.dumps(SHOP))
    node = raw
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = number
    result = compile_config(raw)
    assert not isinstance(result, Config)
    dotted = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in where).lstrip(".")
    # a discriminator ("type") that is a number is an unknown type; any other leaf says "finite"
    assert any(e.path == dotted and ("finite" in e.message or where[-1] == "type") for e in result), (dotted, result)


SESSION = {"version": 1, "started_at": 0, "last_seen_at": 0, "history": ["/"], "statuses": {}, "rule_statuses": {},
           "displays": {}, "last_display_at": {}, "login": False, "device": None, "sticky": [],
           "behaviour": {"cart": {"total": 1.5}}}  # fmt: skip


@settings(max_examples=100)
@given(st.sampled_from(["started_at", "last_seen_at", "behaviour", "device", "sticky"]), non_finite)
def test_a_non_finite_number_in_stored_state_discards_it_with_a_warning(field: str, number: float) -> None:
    raw = {**SESSION, field: {"cart": {"total": number}} if field == "behaviour" else number}
    state, warning = session_from_json(raw, 0)
    assert state is None and warning and "corrupt" in warning, warning
    visitor, warning = visitor_from_json({"version": 1, "visitor_id": "v", "first_seen_at": number, "last_seen_at": 0, "displays": {}}, 0)
    assert visitor is None and warning and "not finite at first_seen_at" in warning


def test_explain_on_a_facts_file_with_1e999_reports_an_error(tmp_path: Path) -> None:
    config = tmp_path / "rules.json"
    config.write_text(json.dumps(SHOP))
    facts = tmp_path / "facts.json"
    facts.write_text('[{"type": "page", "now": 0, "url": "/"}, {"type": "tick", "now": 1e999}]')
    done = subprocess.run([sys.executable, "-m", "engine", "explain", str(config), "--facts", str(facts)],
                          capture_output=True, text=True, cwd=ROOT, check=False, env={**os.environ, "PYTHONWARNINGS": "error"})
    assert done.returncode == 0, done.stderr
    assert "error fact.invalid: fact tick.now: is not a finite number" in done.stdout or "tick.now" in done.stdout, done.stdout
    assert "Traceback" not in done.stderr


def test_the_ci_profile_is_derandomised_without_a_database() -> None:
    code = "from hypothesis import settings; import tests.conftest; d = settings.default; print(d.derandomize, d.database)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False,
                          env={**os.environ, "CI": "true", "HYPOTHESIS_PROFILE": ""})
    assert done.stdout.split() == ["True", "None"], done.stdout + done.stderr


def test_what_a_regex_reads_is_bounded() -> None:
    from engine.facts import TEXT_LIMIT, URL_LIMIT, Page, Push

    page = decode({"type": "page", "now": 1, "url": "/" + "a" * 10 * URL_LIMIT, "title": "t" * 10 * TEXT_LIMIT,
                   "referrer": "r" * 10 * URL_LIMIT})
    assert isinstance(page, Page)
    assert (len(page.url), len(page.title), len(page.referrer)) == (URL_LIMIT, TEXT_LIMIT, URL_LIMIT)
    push = decode({"type": "push", "now": 1, "data": {"type": "error", "message": "m" * 5000, "list": [{"k" * 5000: "v" * 5000}]}})
    assert isinstance(push, Push)
    assert len(push.data["message"]) == TEXT_LIMIT
    ((key, value),) = push.data["list"][0].items()
    assert len(key) == len(value) == TEXT_LIMIT

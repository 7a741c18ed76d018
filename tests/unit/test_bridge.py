"""engine._bridge: the worker protocol, and the trace deltas the loader applies.

The loader keeps one trace and patches it with each reply's ``changed`` entries; these
tests apply the same patches and compare the result with the engine's whole trace after
every step of every shared case, so a delta that leaves out a changed rule fails here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.rules import make_config
from engine import _bridge
from tests.unit.test_cases import load_cases


def call(message: dict[str, Any]) -> dict[str, Any]:
    reply = json.loads(_bridge.handle(json.dumps({"v": 1, "trace": True, **message})))
    assert reply["kind"] == "output", reply
    return reply


class Loader:
    """What loader.js keeps between replies: the last watch, state and patched trace."""

    def __init__(self) -> None:
        self.trace: dict[str, Any] | None = None
        self.watch: Any = None
        self.state: Any = None

    def apply(self, reply: dict[str, Any]) -> None:
        if "watch" in reply:
            self.watch = reply["watch"]
        if reply["state"] is not None:
            assert isinstance(reply["state"], str), "the state travels as JSON text"
            self.state = json.loads(reply["state"])
        delta = reply["trace"]
        if delta is None:
            return
        if "rules" in delta:
            self.trace = delta
            return
        assert self.trace is not None, "a delta arrived before any whole trace"
        rules = list(self.trace["rules"])
        for index, entry in delta["changed"].items():
            rules[int(index)] = entry
        self.trace = {"now": delta["now"], "cause": delta["cause"], "rules": rules}


# the cases whose config compiles (the others expect errors and have no steps to run)
RUNNABLE = [p for p in load_cases() if "errors" not in p.values[0]]


def started(case: dict[str, Any], config: Any, *, trace: bool) -> Loader:
    """A loader that sent the case's init (with or without asking for the trace)."""
    loader = Loader()
    loader.apply(call({"kind": "init", "config": config, "state": case.get("state") or {}, "seed": case.get("seed", ""),
                       "facts": [], "trace": trace}))
    return loader


@pytest.mark.parametrize(("case", "config"), RUNNABLE)
def test_patched_trace_equals_the_whole_trace(case: dict[str, Any], config: Any) -> None:
    loader = started(case, config, trace=True)
    for number, step in enumerate(case["steps"], 1):
        loader.apply(call({"kind": "facts", "facts": step["facts"]}))
        engine = _bridge._engine
        assert engine is not None
        if engine.trace is not None:
            assert loader.trace == engine.trace.to_json(), f"step {number} ({step.get('note', '')})"
        assert loader.watch == engine.watch.to_json(), f"step {number}: watch"


@pytest.mark.parametrize(("case", "config"), RUNNABLE)
def test_the_state_sent_is_the_engines_state(case: dict[str, Any], config: Any) -> None:
    # the bridge writes the engine's own lists and dicts, not copies (state(shared=True))
    loader = started(case, config, trace=False)
    for number, step in enumerate(case["steps"], 1):
        loader.apply(call({"kind": "facts", "facts": step["facts"], "trace": False}))
        engine = _bridge._engine
        assert engine is not None
        if loader.state is not None:
            assert loader.state == json.loads(json.dumps(engine.state())), f"step {number} ({step.get('note', '')})"


def test_a_changed_fact_sends_only_the_rules_that_read_it() -> None:
    call({"kind": "init", "config": make_config(500), "state": None, "seed": "s", "facts": []})
    url = "https://shop.test/c2/page"
    first = call({"kind": "facts", "facts": [
        {"type": "device", "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0"},
        {"type": "page", "now": 1_000, "url": url, "title": "t"},
    ]})
    assert len(first["trace"]["rules"]) == 501
    assert "watch" in first

    # rule 3 reads window path shop.flags.f3; flipping it re-tests that rule alone
    changed = call({"kind": "facts", "facts": [
        {"type": "custom", "now": 2_000, "results": {"shop.flags.f3": {"value": True}}},
        {"type": "tick", "now": 2_000},
    ]})
    assert changed["trace"]["cause"]
    assert set(changed["trace"]["changed"]) == {"3"}
    assert changed["trace"]["changed"]["3"]["rulesets"][0]["conditions"][0]["read"] is True
    assert "watch" not in changed, "an unchanged watch is left out"

    # a tick that changes nothing evaluates nothing and sends no trace
    idle = call({"kind": "facts", "facts": [{"type": "tick", "now": 2_500}]})
    assert idle["trace"] is None


def test_a_recheck_with_the_same_results_sends_no_rule_again() -> None:
    # evaluate() re-tests every rule; entries equal to the ones sent are not sent again
    config = {"version": 1, "rules": [
        {"name": f"r{i}", "rulesets": [{"conditions": [{"type": "url", "criteria": "currentPage", "operator": "contains", "value": f"/x{i}"}]}],
         "outcome": {"start": "p"}} for i in range(50)
    ], "interactions": {"p": {"type": "panel", "title": "Hi"}}}
    call({"kind": "init", "config": config, "state": None, "seed": "s", "facts": []})
    call({"kind": "facts", "facts": [{"type": "page", "now": 1_000, "url": "https://a.test/y", "title": "t"}]})
    again = call({"kind": "facts", "facts": [{"type": "evaluate", "now": 2_000}]})
    assert again["trace"] == {"now": 2_000, "cause": again["trace"]["cause"], "changed": {}}
    # a navigation changes what every url condition read, so every tested rule is sent
    moved = call({"kind": "facts", "facts": [{"type": "page", "now": 3_000, "url": "https://a.test/x7", "title": "t"}]})
    assert len(moved["trace"]["changed"]) == 50
    assert moved["trace"]["changed"]["7"]["status"] == "shown"


def test_a_status_that_changes_on_a_tick_alone_is_sent() -> None:
    # an always-evaluated rule capped by minIntervalSeconds: when the interval lifts, a
    # tick shows it again without re-testing its conditions
    config = {"version": 1, "rules": [
        {"name": "tip", "alwaysEvaluate": True, "frequency": {"minIntervalSeconds": 60},
         "rulesets": [{"conditions": [{"type": "static", "operator": "always"}]}], "outcome": {"start": "p"}},
    ], "interactions": {"p": {"type": "panel", "title": "Tip"}}}
    loader = Loader()
    loader.apply(call({"kind": "init", "config": config, "state": None, "seed": "s", "facts": []}))
    steps = [
        [{"type": "page", "now": 1_000, "url": "https://a.test/", "title": "t"}],
        [{"type": "action", "now": 2_000, "action": "closed", "interaction": "p", "rule": "tip"}],
        [{"type": "page", "now": 10_000, "url": "https://a.test/b", "title": "t"}],
        [{"type": "tick", "now": 62_000}],
    ]
    statuses = []
    for facts in steps:
        loader.apply(call({"kind": "facts", "facts": facts}))
        assert _bridge._engine is not None and _bridge._engine.trace is not None
        assert loader.trace == _bridge._engine.trace.to_json()
        statuses.append(loader.trace["rules"][0]["status"])
    assert statuses[2:] == ["capped", "shown"], statuses


def test_an_init_with_the_config_compiled_before_reuses_it() -> None:
    # the worker compiles the site's config before its memory snapshot; the visit's own
    # init then finds it compiled (and a changed config is compiled afresh)
    config = make_config(20)
    call({"kind": "init", "config": config, "state": None, "seed": "s", "facts": []})
    assert _bridge._compiled is not None
    first = _bridge._compiled[1]
    call({"kind": "init", "config": None, "configError": "warm-up", "state": None, "seed": "", "facts": []})
    assert _bridge._engine is None
    call({"kind": "init", "config": json.loads(json.dumps(config)), "state": None, "seed": "s", "facts": []})
    assert _bridge._compiled[1] is first
    assert _bridge._engine is not None and _bridge._engine.config is first
    changed = json.loads(json.dumps(config))
    changed["rules"][0]["name"] = "renamed"
    call({"kind": "init", "config": changed, "state": None, "seed": "s", "facts": []})
    assert _bridge._compiled[1] is not first
    assert _bridge._engine is not None and _bridge._engine.config.rules[0].name == "renamed"
    # a value equal in Python but not in JSON (true against 1) is not the same config
    always = json.loads(json.dumps(config))
    always["rules"][0]["alwaysEvaluate"] = True
    assert call({"kind": "init", "config": always, "state": None, "seed": "s", "facts": []})["decisions"] == []
    always["rules"][0]["alwaysEvaluate"] = 1
    assert call({"kind": "init", "config": always, "state": None, "seed": "s", "facts": []})["decisions"][0]["code"] == "config.invalid"


def init_apart(config: Any, **message: Any) -> dict[str, Any]:
    """An init as the worker sends it: the config as its own JSON text, beside the message."""
    text = json.dumps({"v": 1, "kind": "init", "config": None, "state": None, "seed": "s", "facts": [], **message})
    reply = json.loads(_bridge.handle(text, None, json.dumps(config, separators=(",", ":"))))
    assert reply["kind"] == "output", reply
    return reply


def test_a_config_sent_as_text_is_keyed_by_that_text() -> None:
    config = make_config(20)
    init_apart(config)
    assert _bridge._compiled is not None
    first = _bridge._compiled[1]
    assert _bridge._compiled[0] == json.dumps(config, separators=(",", ":"))
    call({"kind": "init", "config": None, "configError": "warm-up", "state": None, "seed": "", "facts": []})
    assert not _bridge._reused
    # the same text: the compiled config is reused without reading the text
    init_apart(config)
    assert _bridge._reused and _bridge._compiled[1] is first
    assert _bridge._engine is not None and _bridge._engine.config is first
    # a rule named after a stall is left out: compiled afresh, without it
    reply = init_apart(config, skip=["rule 0"])
    assert reply["skipped"] == {"rule 0": "rules[0]"} and not _bridge._reused
    assert _bridge._engine is not None and _bridge._engine.config is not first
    assert "rule 0" not in [r.name for r in _bridge._engine.config.rules]
    # a changed config, and then a config error, as with the config inside the message
    changed = json.loads(json.dumps(config))
    changed["rules"][0]["name"] = "renamed"
    init_apart(changed)
    assert _bridge._engine is not None and _bridge._engine.config.rules[0].name == "renamed"
    changed["rules"][0]["alwaysEvaluate"] = 1
    assert init_apart(changed)["decisions"][0]["code"] == "config.invalid"


@pytest.mark.parametrize(("case", "config"), RUNNABLE)
def test_a_trace_asked_after_untraced_evaluations_is_whole_and_exact(case: dict[str, Any], config: Any) -> None:
    # The loader asks for the trace only while it is read: evaluations between go out with
    # decisions alone, and the next trace asked for must not be a delta against a trace the
    # loader never had.
    loader = started(case, config, trace=False)
    for number, step in enumerate(case["steps"], 1):
        asked = number % 2 == 0
        reply = call({"kind": "facts", "facts": step["facts"], "trace": asked})
        if not asked:
            assert reply["trace"] is None, f"step {number}: a trace nobody asked for"
            continue
        loader.apply(reply)
        engine = _bridge._engine
        assert engine is not None
        if engine.trace is not None and loader.trace is not None:
            assert loader.trace == engine.trace.to_json(), f"step {number} ({step.get('note', '')})"


def test_switching_tracing_on_replays_the_last_evaluation_whole() -> None:
    call({"kind": "init", "config": make_config(20), "state": None, "seed": "s", "facts": [], "trace": False})
    page = call({"kind": "facts", "facts": [{"type": "page", "now": 1_000, "url": "https://shop.test/section-0/", "title": "t"}],
                 "trace": False})
    assert page["trace"] is None and page["decisions"], "decisions travel alone"
    asked = call({"kind": "facts", "facts": [], "trace": True})
    assert asked["replay"] is True and len(asked["trace"]["rules"]) == 21
    assert asked["trace"]["rules"][0]["status"] == "shown"
    again = call({"kind": "facts", "facts": [], "trace": True})
    assert again["trace"] is None, "the loader has that trace already"


def test_the_reply_encoder_keeps_its_circular_reference_check() -> None:
    # the bridge calls json's C encoder directly; a reply made circular by a bug must stop
    # with an error (the worker turns it into a fatal message), not recurse to the stack's end
    looped: list[Any] = []
    looped.append(looped)
    with pytest.raises(ValueError, match="Circular reference"):
        _bridge._dumps({"decisions": looped})
    # and the encoder carries nothing over from the failed call
    assert _bridge._dumps({"decisions": [[1.5, "é", None]]}) == '{"decisions":[[1.5,"\\u00e9",null]]}'

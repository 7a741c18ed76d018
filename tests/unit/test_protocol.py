"""Both sides of the worker protocol speak the shapes of types/protocol.schema.json.

For every shared case, the messages a loader sends (init with the case's config, state,
seed and first facts, then one `facts` message per step) and every answer of
engine/_bridge.py are validated against the schema; the schema's lists are the engine's
own, and types/protocol.d.ts (the shell's JSDoc types) names the same fields.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest

from engine import _bridge, facts
from engine.vocabulary import ErrorCode, HideReason
from tests.unit.test_cases import load_cases

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "types" / "protocol.schema.json").read_text(encoding="utf-8"))
DEFS = SCHEMA["definitions"]


def _validator(name: str) -> Any:
    return fastjsonschema.compile({"$ref": f"#/definitions/{name}", "definitions": DEFS})


TO_ENGINE = _validator("toEngine")
FROM_ENGINE = _validator("fromEngine")
STORED_STATE = _validator("storedState")


def _well_formed(batch: list[Any]) -> bool:
    """Facts a correct loader sends (some cases send broken ones on purpose)."""
    return all(not isinstance(facts.decode(f), facts.FactError) for f in batch)


@pytest.mark.parametrize(("case", "config"), load_cases())
def test_what_each_side_sends_has_the_schemas_shape(case: dict[str, Any], config: Any) -> None:
    steps = case.get("steps") or [{"facts": []}]
    state = case.get("state")
    messages = [{"v": 1, "kind": "init", "config": config, "configError": None, "state": state if isinstance(state, dict) else None,
                 "seed": case.get("seed", ""), "facts": steps[0]["facts"]}]
    # the trace asked for every other message, then once more with nothing to evaluate (a replay)
    messages += [{"v": 1, "kind": "facts", "facts": step["facts"], "trace": number % 2 == 0}
                 for number, step in enumerate(steps[1:])]
    messages.append({"v": 1, "kind": "facts", "facts": [], "trace": True})
    for number, message in enumerate(messages):
        if _well_formed(message["facts"]):
            TO_ENGINE(message)
        reply = json.loads(_bridge.handle(json.dumps(message)))
        try:
            FROM_ENGINE(reply)
        except fastjsonschema.JsonSchemaValueException as exc:
            raise AssertionError(f"answer to message {number}: {exc.message}\n{json.dumps(reply)[:2000]}") from exc
        if isinstance(reply.get("state"), str):  # JSON text (contentSchema, which the validator leaves out)
            STORED_STATE(json.loads(reply["state"]))


def test_the_schemas_lists_are_the_engines() -> None:
    assert set(DEFS["decision.hide"]["properties"]["reason"]["enum"]) == set(HideReason)
    assert set(DEFS["decision.error"]["properties"]["code"]["enum"]) == set(ErrorCode)
    tree = ast.parse(Path(facts.__file__).read_text(encoding="utf-8"))
    decoded = {node.comparators[0].value for node in ast.walk(tree)
               if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == "kind"
               and isinstance(node.ops[0], ast.Eq) and isinstance(node.comparators[0], ast.Constant)}
    assert set(DEFS["fact"]["properties"]["type"]["enum"]) == decoded


def test_a_wrong_answer_fails_the_schema() -> None:
    reply = json.loads(_bridge.handle(json.dumps({"v": 1, "kind": "init", "config": {"version": 1, "rules": []}, "configError": None,
                                                  "state": None, "seed": "", "facts": [{"type": "tick", "now": 1}]})))
    FROM_ENGINE(reply)
    with pytest.raises(fastjsonschema.JsonSchemaValueException):
        FROM_ENGINE({**reply, "decisions": [{"type": "hide", "rule": "r", "interaction": "i", "interactionType": "panel", "reason": "gone"}]})


def test_the_shells_types_name_the_schemas_fields() -> None:
    """types/protocol.d.ts declares each message and decision with the schema's fields."""
    text = (REPO / "types" / "protocol.d.ts").read_text(encoding="utf-8")
    for name, interface in [("init", "InitMessage"), ("facts", "FactsMessage"), ("output", "OutputMessage"), ("fatal", "FatalMessage"),
                            ("probe", "ProbeMessage"), ("booted", "BootedMessage"),
                            ("watch", "Watch"), ("decision.show", "ShowDecision"), ("decision.hide", "HideDecision"),
                            ("decision.chat", "ChatDecision"), ("decision.control", "ControlDecision"),
                            ("decision.survey", "SurveyDecision"), ("decision.error", "ErrorDecision")]:
        body = re.search(rf"interface {interface} \{{(.*?)\n\}}", text, re.S)
        assert body, f"types/protocol.d.ts has no interface {interface}"
        fields = set(re.findall(r"^\s+(\w+)\??:", body.group(1), re.M))
        assert fields == set(DEFS[name]["properties"]), f"{interface}: {sorted(fields)} != {sorted(DEFS[name]['properties'])}"


def test_init_with_skip_and_its_answer_have_the_schemas_shape() -> None:
    """After a second stall the loader's init names the rule to leave out; the answer says where it was."""
    rule = {"name": "Slow", "rulesets": [{"conditions": [{"type": "url", "criteria": "currentPage", "operator": "contains", "value": "/"}]}],
            "outcome": {"start": "p"}}
    message = {"v": 1, "kind": "init", "config": {"version": 1, "rules": [rule], "interactions": {"p": {"type": "panel", "title": "P"}},
                                                  "queues": {"Sales": {}}},
               "configError": None, "skip": ["Slow"], "state": None, "seed": "", "facts": [], "probe": False, "trace": False}
    TO_ENGINE(message)
    reply = json.loads(_bridge.handle(json.dumps(message)))
    FROM_ENGINE(reply)
    assert reply["skipped"] == {"Slow": "rules[0]"} and reply["watch"]["queueKeys"] == ["Sales"]
    with pytest.raises(fastjsonschema.JsonSchemaValueException):
        FROM_ENGINE({**reply, "skipped": {"Slow": 0}})
    with pytest.raises(fastjsonschema.JsonSchemaValueException):
        TO_ENGINE({**message, "skip": "Slow"})

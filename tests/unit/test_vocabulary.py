"""The sets of words both sides and the docs use are the ones the code defines.

Statuses, hide reasons, error codes, action kinds and events each have one definition
(engine/vocabulary.py, engine/facts.py, schema.json, the shell's emit calls); the docs list
them, and a list that gains, loses or misspells one fails here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from engine import facts
from engine.behaviour.pushes import EXAMPLES, PUSH_TYPES
from engine.validation import load_schema
from engine.vocabulary import EngagementStatus, ErrorCode, HideReason, RuleStatus

REPO = Path(__file__).resolve().parents[2]
ARCHITECTURE = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
LOADER_DOC = (REPO / "docs" / "loader.md").read_text(encoding="utf-8")


def _quoted_alternatives(text: str, key: str) -> set[str]:
    """The `"a" | "b" | ...` values after `"key":` on its line in a doc's JSON sketch."""
    (line,) = [ln for ln in text.splitlines() if re.search(rf'"{key}": "[^"]+" \|', ln)]
    tail = line.split(f'"{key}":', 1)[1]
    values = re.match(r'\s*((?:"[^"]+"\s*\|\s*)*"[^"]+")', tail)
    assert values, line
    return set(re.findall(r'"([^"]+)"', values.group(1)))


def _table_row(text: str, first_cell: str) -> str:
    (row,) = [ln for ln in text.splitlines() if ln.startswith(f"| {first_cell} ")]
    return row


def test_trace_statuses_in_the_docs_are_the_engines() -> None:
    assert _quoted_alternatives(ARCHITECTURE, "status") == set(RuleStatus)


def test_hide_reasons_in_the_docs_are_the_engines() -> None:
    assert _quoted_alternatives(ARCHITECTURE, "reason") == set(HideReason)
    # The loader's event table adds the one reason the shell itself gives (web/ui.js).
    row = _table_row(LOADER_DOC, "`engage:hide`")
    listed = set(re.findall(r"`(\w+)`", row.split("reason", 1)[1]))
    assert listed == set(HideReason) | {"restart"}
    assert 'hide(id, "restart")' in (REPO / "web" / "ui.js").read_text(encoding="utf-8")


def test_error_codes_in_the_docs_are_the_engines() -> None:
    assert _quoted_alternatives(ARCHITECTURE, "code") == set(ErrorCode)


def test_error_codes_are_produced_only_through_the_enum() -> None:
    """No error decision is built with a bare string code anywhere in the engine."""
    for path in (REPO / "engine").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("_error", "Error"):
                first = node.args[0] if node.args else None
                assert not isinstance(first, ast.Constant), f"{path.name}:{node.lineno}: use ErrorCode"


def test_action_kinds_in_the_docs_are_the_engines_and_the_shell_sends_only_those() -> None:
    row = _table_row(ARCHITECTURE, "`action`")
    kinds = row.split("`action`:", 1)[1].split(", `interaction`", 1)[0]
    assert set(re.findall(r"`(\w+)`", kinds)) == set(facts.ACTIONS)
    sent = set(re.findall(r'action\(send, "(\w+)"', (REPO / "web" / "ui.js").read_text(encoding="utf-8")))
    assert sent and sent <= set(facts.ACTIONS)


def test_engagement_statuses_are_what_state_accepts() -> None:
    from engine.state import STATUSES

    assert set(STATUSES) == set(EngagementStatus)


def test_events_in_the_loader_doc_are_those_the_shell_raises() -> None:
    shell = "\n".join(p.read_text(encoding="utf-8") for p in [REPO / "loader.js", *sorted((REPO / "web").glob("*.js"))])
    raised = set(re.findall(r'\bemit\("(\w+)"', shell))
    # web/ui.js raises one event per visitor action, named after it
    raised |= {"chat_started" if k == "chatStarted" else k for k in re.findall(r'action\(send, "(\w+)"', shell)}
    documented = {m for row in LOADER_DOC.splitlines() if row.startswith("| `engage:")
                  for m in re.findall(r"^\| (`engage:\w+`(?:, `engage:\w+`)*)", row)[0].replace("`", "").replace("engage:", "").split(", ")}
    assert documented == raised


def test_shown_is_no_action_the_engine_takes() -> None:
    """The shell no longer reports displays back (the engine records them itself)."""
    fact = facts.decode({"type": "action", "now": 1, "action": "shown", "interaction": "x", "rule": "r"})
    assert isinstance(fact, facts.FactError)


def test_push_types_are_defined_once_in_the_schema() -> None:
    refs = load_schema()["definitions"]["push"]["oneOf"]
    assert tuple(r["$ref"].rsplit("push.", 1)[1] for r in refs) == PUSH_TYPES
    assert set(EXAMPLES) == set(PUSH_TYPES)
    for kind in PUSH_TYPES:
        assert load_schema()["definitions"][f"push.{kind}"]["properties"]["type"] == {"const": kind}

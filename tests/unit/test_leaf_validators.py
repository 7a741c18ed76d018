"""The generated leaf validators: up to date with the schema, and identical to what
fastjsonschema.compile makes of each leaf, on values that pass and values that fail."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest

from engine import _leaf_validators
from engine.tools import leaf_validators
from engine.tools.generated import write_or_check
from engine.validation import SchemaWalker, leaf_schema, load_schema

CASES = Path(__file__).resolve().parents[1] / "cases"
WALKER = SchemaWalker(load_schema())
LEAVES = leaf_validators.leaves(WALKER)
# Values of every JSON type, plus the leaf's own enum/const values and near misses.
PROBES: list[Any] = [None, True, False, 0, 1, -1, 0.5, 10**6, "", "a", "x y", "sv-SE", "*", "#id",
                     "https://example.com/", [], ["a"], [1], {}, {"a": "b"}, {"sv": "Hej"}]  # fmt: skip


def test_the_generated_module_is_up_to_date_with_the_schema() -> None:
    # engine/_leaf_validators.py is written by python -m engine.tools.leaf_validators.
    assert leaf_validators.OUT.read_text(encoding="utf-8") == leaf_validators.render()


def test_it_holds_every_leaf_and_nothing_else() -> None:
    assert set(_leaf_validators.VALIDATORS) == set(LEAVES)
    assert len(LEAVES) > 50


def _probes(node: dict[str, Any]) -> list[Any]:
    values = list(PROBES)
    for word in ("enum", "examples"):
        values += node.get(word, [])
    if "const" in node:
        values += [node["const"], f"{node['const']}x"]
    return values


def _outcome(validator: Any, value: Any) -> tuple[Any, ...]:
    try:
        return ("ok", validator(value))
    except fastjsonschema.JsonSchemaValueException as exc:
        return ("error", type(exc).__name__, exc.message, exc.rule, exc.rule_definition, exc.definition, exc.name)


@pytest.mark.parametrize("key", list(LEAVES), ids=range(len(LEAVES)))
def test_each_generated_validator_agrees_with_fastjsonschema_compile(key: str) -> None:
    schema = LEAVES[key]
    generated = _leaf_validators.VALIDATORS[key]()
    compiled = fastjsonschema.compile(schema)
    for value in _probes(schema):
        assert _outcome(generated, value) == _outcome(compiled, value), value


def test_the_walker_finds_its_leaves_in_the_generated_module(monkeypatch: pytest.MonkeyPatch) -> None:
    # Validating a config compiles nothing: fastjsonschema.compile is never called.
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("compiled at run time")

    monkeypatch.setattr(fastjsonschema, "compile", refuse)
    walker = SchemaWalker(load_schema())
    errors = walker.validate({"version": 1, "rules": [{"name": "", "when": {"type": "url", "operator": "contians"}}]})
    assert errors
    for path in sorted(CASES.glob("*.json")):  # every config the shared cases hold
        document = json.loads(path.read_text(encoding="utf-8"))
        for config in [*document.get("configs", {}).values(), *(c.get("config") for c in document.get("cases", []))]:
            if isinstance(config, dict):
                walker.validate(config)


def test_a_leaf_schema_keeps_every_keyword_that_decides_validity() -> None:
    node = {"type": "string", "pattern": "^a$", "description": "A.", "x-css-selector": True,
            "items": {"$ref": "#/definitions/b"}}  # fmt: skip
    definitions = {"a": {"type": "number"}, "b": {"$ref": "#/definitions/c"}, "c": {"enum": [1]}}
    assert leaf_schema(node, definitions) == {
        "type": "string", "pattern": "^a$", "items": {"$ref": "#/definitions/b"},
        "definitions": {"b": {"$ref": "#/definitions/c"}, "c": {"enum": [1]}},
    }  # fmt: skip


def test_the_engine_loads_without_fastjsonschemas_code_generator() -> None:
    code = (
        "import sys, json\n"
        "from engine.validation import validate\n"
        "errors = validate({'version': 1, 'rules': [{'name': 3}]})\n"
        "assert errors, errors\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('fastjsonschema'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == '["fastjsonschema.exceptions"]'


def test_the_tool_rewrites_the_module_and_its_check_fails_on_a_stale_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "_leaf_validators.py"
    args = {"module": "engine.tools.leaf_validators", "doc": "Writes it.", "out": out, "render": lambda: "x = 1\n",
            "source": "engine/schema.json"}  # fmt: skip
    assert write_or_check(["--check"], **args) == 1  # missing
    assert write_or_check([], **args) == 0
    assert out.read_text(encoding="utf-8") == "x = 1\n"
    assert write_or_check(["--check"], **args) == 0
    out.write_text("x = 2\n", encoding="utf-8")
    assert write_or_check(["--check"], **args) == 1
    assert "run python -m engine.tools.leaf_validators" in capsys.readouterr().out

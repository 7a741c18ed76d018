"""Every condition type registered in engine/conditions/ is wired end to end: its schema
branch, validation and compilation of a real use, the config reference, and the shared
cases; and a new module dropped into the package registers itself, from source or from
.pyc-only zips as the browser loads the engine (the recipe in engine/conditions/__init__.py).
"""

from __future__ import annotations

import json
import py_compile
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.conditions import REGISTRY
from engine.config import Config, compile_config
from engine.validation import load_schema
from tests.unit.test_cases import load_cases
from tests.unit.test_config_reference import generator

REPO = Path(__file__).resolve().parents[2]
TYPES = sorted(REGISTRY)


def _conditions(config: Any) -> Iterator[dict[str, Any]]:
    for rule in config.get("rules", []) if isinstance(config, dict) else []:
        for ruleset in rule.get("rulesets", []) if isinstance(rule, dict) else []:
            yield from (c for c in ruleset.get("conditions", []) if isinstance(c, dict))


def _case_configs() -> list[tuple[str, Any]]:
    return [(p.id, p.values[1]) for p in load_cases()]


def test_registry_and_schema_list_the_same_types() -> None:
    definitions = load_schema()["definitions"]
    branches = [ref["$ref"].rsplit("/", 1)[1] for ref in definitions["condition"]["oneOf"]]
    consts = {definitions[b]["properties"]["type"]["const"] for b in branches}
    assert consts == set(REGISTRY)
    for kind in REGISTRY:
        assert definitions[f"condition.{kind}"]["properties"]["type"] == {"const": kind}


@pytest.mark.parametrize("kind", TYPES)
def test_a_shared_case_uses_it_and_it_compiles_to_its_class(kind: str) -> None:
    uses = [(case_id, config) for case_id, config in _case_configs()
            if any(c.get("type") == kind for c in _conditions(config))]
    assert uses, f"no case in tests/cases/ uses a {kind!r} condition: add tests/cases/{kind}.json"
    compiled = next((c for _, config in uses if isinstance(c := compile_config(config), Config)), None)
    assert compiled is not None, f"every case config using {kind!r} is rejected: {uses[0][0]}"
    found = {type(c) for rule in compiled.rules for rs in rule.rulesets for c in rs.conditions}
    assert any(issubclass(cls, REGISTRY[kind]) for cls in found)


@pytest.mark.parametrize("kind", TYPES)
def test_validation_knows_it_and_not_a_misspelling(kind: str) -> None:
    config = {"version": 1, "rules": [{"name": "r", "rulesets": [{"conditions": [{"type": kind}]}], "outcome": {"start": "p"}}],
              "interactions": {"p": {"type": "panel", "title": "t"}}}
    errors = compile_config(config)  # a Config when the type needs no other field
    assert isinstance(errors, Config) or not [e for e in errors if e.path.endswith(".type")], errors
    config["rules"][0]["rulesets"][0]["conditions"][0]["type"] = kind + "x"
    errors = compile_config(config)
    assert isinstance(errors, list) and any(e.path == "rules[0].rulesets[0].conditions[0].type" for e in errors)


def test_the_config_reference_documents_each() -> None:
    text = generator().generate()
    missing = [k for k in TYPES if f"[`{k}`](#" not in text]
    assert not missing


# A condition module as the recipe describes it, registering a type no real module has.
NEW_MODULE = '''
from engine.conditions.base import Condition, register


class ProbeCondition(Condition):
    type = "wiringProbe"


register("wiringProbe")(ProbeCondition)
'''


@pytest.mark.parametrize("layout", ["source", "pyc zip"])
def test_a_module_dropped_into_the_package_registers_itself(tmp_path: Path, layout: str) -> None:
    """No list to extend: the package imports every module it holds, also from .pyc-only
    zips (the browser's site zip)."""
    tree = tmp_path / "tree"
    shutil.copytree(REPO / "engine", tree / "engine", ignore=shutil.ignore_patterns("__pycache__", "tools"))
    (tree / "engine" / "conditions" / "wiring_probe.py").write_text(NEW_MODULE, encoding="utf-8")
    path = tree
    if layout == "pyc zip":
        path = tmp_path / "site.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for source in sorted(tree.rglob("*")):
                name = source.relative_to(tree).as_posix()
                if source.suffix == ".py":
                    compiled = tmp_path / "pyc" / (name + "c")
                    compiled.parent.mkdir(parents=True, exist_ok=True)
                    py_compile.compile(str(source), cfile=str(compiled), dfile=name, doraise=True)
                    zf.write(compiled, name + "c")
                elif source.is_file():
                    zf.write(source, name)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import engine.conditions as c; import json; "
            "print(json.dumps([c.__file__, sorted(c.REGISTRY)]))")
    run = subprocess.run([sys.executable, "-c", code, str(path)], cwd=tmp_path, capture_output=True, text=True, check=True)
    origin, types = json.loads(run.stdout)
    assert origin.startswith(str(path))
    assert set(types) == set(REGISTRY) | {"wiringProbe"}

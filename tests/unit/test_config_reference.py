"""docs/config-reference.md is what scripts/gen-config-reference writes from the schema."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "scripts" / "gen-config-reference"
DOC = ROOT / "docs" / "config-reference.md"
SCHEMA = ROOT / "engine" / "schema.json"


def generator() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("gen_config_reference", str(SCRIPT))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_committed_reference_is_the_generated_one() -> None:
    assert DOC.read_text(encoding="utf-8") == generator().generate(), (
        "docs/config-reference.md is out of date: run scripts/gen-config-reference"
    )


def names_in(schema: Any) -> set[str]:
    """Every field name, enum value and const in the schema."""
    found: set[str] = set()
    if isinstance(schema, dict):
        found.update(schema.get("properties", {}))
        found.update(str(v) for v in schema.get("enum", []))
        if "const" in schema:
            found.add(str(schema["const"]))
        for value in schema.values():
            found |= names_in(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= names_in(value)
    return found


def test_reference_names_every_field_and_value_of_the_schema() -> None:
    text = DOC.read_text(encoding="utf-8")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    missing = sorted(n for n in names_in(schema) if f"`{n}`" not in text and f'`"{n}"`' not in text)
    assert not missing, f"not in docs/config-reference.md: {missing}"
    assert "## Other definitions" not in text, "place new schema definitions in SECTIONS"


def test_every_link_in_the_reference_points_at_a_heading() -> None:
    module = generator()
    text = DOC.read_text(encoding="utf-8")
    anchors = {module.slug(line.lstrip("#").strip()) for line in text.splitlines() if line.startswith("#")}
    targets = set(re.findall(r"\]\(#([^)]+)\)", text))
    assert targets <= anchors, sorted(targets - anchors)
    for relative in re.findall(r"\]\(([^)#:]+)\)", text):
        assert (DOC.parent / relative).exists(), relative

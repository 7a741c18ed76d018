"""The wheel's build step imports the engine (setup.py runs its prebuild), so every runtime
dependency must also be a build requirement: a dependency added to one list and not the
other breaks `python -m build` in a clean environment, which only the slow install tests see."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _names(requirements: list[str]) -> dict[str, str]:
    parsed = (Requirement(r) for r in requirements)
    return {r.name.lower(): str(r.specifier) for r in parsed}


def test_every_runtime_dependency_is_a_build_requirement_with_the_same_pin() -> None:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    runtime = _names(project["project"]["dependencies"])
    build = _names(project["build-system"]["requires"])
    missing = {name: pin for name, pin in runtime.items() if build.get(name) != pin}
    assert not missing, f"add these to [build-system] requires in pyproject.toml: {missing}"

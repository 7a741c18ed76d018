"""The engine's module layout: no import circles between its modules (a lazy import inside
a function counts: it only hides one)."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"


def _module(path: Path) -> str:
    parts = list(path.relative_to(ENGINE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Module -> the engine modules importing it runs (packages' __init__ included), not
    counting imports under ``if TYPE_CHECKING:`` nor a module's own parent packages. A
    package that imports every module it holds (engine.conditions) runs them all."""
    modules = {_module(p): p for p in ENGINE.rglob("*.py") if "tools" not in p.parts}

    def runs(name: str) -> set[str]:
        parts = name.split(".")
        return {".".join(parts[:i]) for i in range(2, len(parts) + 1)} & modules.keys()

    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                       for n in ast.walk(node)}
        edges: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "engine":
                edges |= runs(node.module)
                for alias in node.names:
                    edges |= runs(f"{node.module}.{alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    edges |= runs(alias.name)
        if "pkgutil.iter_modules(__path__)" in ast.unparse(tree):  # imports all its modules
            edges |= {m for m in modules if m.rsplit(".", 1)[0] == name}
        graph[name] = {e for e in edges if e != name and not name.startswith(e + ".")}
    return graph


def test_no_import_circle_in_the_engine() -> None:
    graph = _import_graph()
    assert "engine.conditions.commerce" in graph["engine.conditions"]
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError naming the circle


def test_the_check_sees_a_circle() -> None:
    graph = _import_graph()
    # the circle there was: behaviour.places -> conditions (all modules) -> commerce -> behaviour
    graph["engine.behaviour.places"] = graph["engine.behaviour.places"] | {"engine.conditions"}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError:
        return
    raise AssertionError("a circle went unseen")

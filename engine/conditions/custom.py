"""``custom``: a window path the loader resolves by property access and polls each second.

The loader calls a function (no arguments) or reads a value and sends only its
truthiness; the engine never sees page objects. A path that throws or does not exist
is falsy, and the engine reports it once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.conditions.base import CompileContext, Condition, CustomResult, View, register

UNKNOWN = CustomResult()


class CustomCondition(Condition):
    type = "custom"
    monitored = True

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.path: str = raw["value"]
        self.expected = raw["operator"] == "evaluatesTrue"

    @property
    def deps(self) -> frozenset[str]:
        return frozenset({f"custom:{self.path}"})

    def custom_paths(self) -> tuple[str, ...]:
        return (self.path,)

    def test(self, view: View) -> tuple[bool, object]:
        value = view.custom.get(self.path, UNKNOWN).value
        return value == self.expected, value

    def check(self) -> Callable[[View], bool]:
        path, expected = self.path, self.expected
        return lambda view: view.custom.get(path, UNKNOWN).value == expected


register("custom")(CustomCondition)

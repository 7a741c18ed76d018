"""``static``: always or never; a ``never`` rule runs only through ``engage.triggerRule``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.conditions.base import CompileContext, Condition, View, register


class StaticCondition(Condition):
    type = "static"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.value = raw["operator"] == "always"

    @property
    def deps(self) -> frozenset[str]:
        return frozenset()

    def test(self, view: View) -> tuple[bool, object]:
        return self.value, None

    def check(self) -> Callable[[View], bool]:
        value = bool(self.value)
        return lambda view: value


register("static")(StaticCondition)

"""``login``: whether a ``detectLogin`` interaction (or a push) recorded a login this session."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.conditions.base import CompileContext, Condition, View, register


class LoginCondition(Condition):
    type = "login"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.expected = raw["operator"] == "detected"

    def test(self, view: View) -> tuple[bool, object]:
        return view.login == self.expected, view.login


register("login")(LoginCondition)

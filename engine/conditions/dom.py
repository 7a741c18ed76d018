"""``dom``: a CSS selector on the current page, as the loader last reported it.

The engine never touches the DOM: it asks the loader to watch the selectors named in the
config, and the loader reports exists/visible/text with each page and tick. A selector
not reported (yet) counts as absent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.conditions.base import CompileContext, Condition, SelectorResult, View, register
from engine.validation import ConfigError

ABSENT = SelectorResult()


class DomCondition(Condition):
    type = "dom"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.selector: str = raw["criteria"].strip()
        self.operator: str = raw["operator"]
        self.case_sensitive = bool(raw.get("caseSensitive"))
        text = raw.get("value")
        if self.operator == "containsText" and not isinstance(text, str):
            ctx.errors.append(ConfigError(path, 'operator "containsText" needs a "value": the text to look for'))
            text = ""
        self.text = (text or "") if self.case_sensitive else (text or "").casefold()

    @property
    def deps(self) -> frozenset[str]:
        return frozenset({f"dom:{self.selector}"})

    def selectors(self) -> tuple[str, ...]:
        return (self.selector,)

    def test(self, view: View) -> tuple[bool, object]:
        found = view.selectors.get(self.selector, ABSENT)
        if self.operator == "exists":
            return found.exists, found.exists
        if self.operator == "notExists":
            return not found.exists, found.exists
        if self.operator == "visible":
            return found.visible, found.visible
        haystack = found.text if self.case_sensitive else found.text.casefold()
        return found.exists and self.text in haystack, found.text

    def check(self) -> Callable[[View], bool]:
        selector = self.selector
        if self.operator == "exists":
            return lambda view: view.selectors.get(selector, ABSENT).exists
        if self.operator == "notExists":
            return lambda view: not view.selectors.get(selector, ABSENT).exists
        return super().check()


register("dom")(DomCondition)

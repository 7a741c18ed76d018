"""``url``: the current, previous or two-pages-back URL (path, query and hash), raw or
percent-decoded (``/kjøp`` matches ``/kj%C3%B8p``; see engine.text)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.conditions.base import CompileContext, Condition, View, register
from engine.text import compile_text_match

STEPS_BACK = {"currentPage": 0, "previousPage": 1, "twoPagesBack": 2}


class UrlCondition(Condition):
    type = "url"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.back = STEPS_BACK[raw["criteria"]]
        self.match = compile_text_match(
            raw["operator"], raw["value"], bool(raw.get("caseSensitive")), path, ctx.errors,
            percent_decoded=True,
        )

    def test(self, view: View) -> tuple[bool, object]:
        url = view.page(self.back)
        # A page that does not exist matches nothing, not even "notContains":
        # "previous page is not /cart" must not fire on a visitor's first page.
        if url is None:
            return False, None
        return self.match(url), url

    def check(self) -> Callable[[View], bool]:
        match, back = self.match, self.back
        if back == 0:
            return lambda view: bool(view.history) and match(view.history[-1])
        return lambda view: (url := view.page(back)) is not None and match(url)


register("url")(UrlCondition)

"""``time``: seconds on this page or on the site, strictly more or less than a value.

Time is the ``now`` of the last fact; nothing here reads a clock. ``moreThan 30`` holds
once more than 30 s have passed, so it flips one millisecond after the 30 s mark and
``next_flip`` says exactly when. With ``activeOnly`` only visible time counts, and a
hidden tab never flips the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.conditions.base import CompileContext, Condition, View, register


class TimeCondition(Condition):
    type = "time"
    monitored = True

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.on_site = raw["criteria"] == "onSite"
        self.more_than = raw["operator"] == "moreThan"
        self.limit_ms = round(float(raw["value"]) * 1000)
        self.active_only = bool(raw.get("activeOnly"))

    @property
    def deps(self) -> frozenset[str]:
        return frozenset({"time", "visibility"} if self.active_only else {"time"})

    def elapsed_ms(self, view: View) -> int:
        if self.active_only:
            counted = view.visible_ms_on_site if self.on_site else view.visible_ms_on_page
            if view.visible_since is not None:
                counted += max(0, view.now - view.visible_since)
            return counted
        start = view.site_started_at if self.on_site else view.page_started_at
        return max(0, view.now - start)

    def test(self, view: View) -> tuple[bool, object]:
        elapsed = self.elapsed_ms(view)
        result = elapsed > self.limit_ms if self.more_than else elapsed < self.limit_ms
        return result, elapsed / 1000

    def next_flip(self, view: View) -> int | None:
        if self.active_only and view.visible_since is None:
            return None
        elapsed = self.elapsed_ms(view)
        # moreThan flips when elapsed exceeds the limit; lessThan when it reaches it.
        flip_at = self.limit_ms + 1 if self.more_than else self.limit_ms
        if elapsed >= flip_at:
            return None
        return view.now + (flip_at - elapsed)


register("time")(TimeCondition)

"""Visible time: how long the visitor has had the page in front of them.

Time conditions with ``activeOnly`` count only the time the tab was visible (Puzzel's
"active time"): on this page view (``visible_ms_on_page``) and since the session started
(``visible_ms_on_site``). The clock is fed by two facts: a page view starts (``new_page``)
and the tab is hidden or shown again (``change``). What is visible *now* is added by the
conditions themselves from ``visible_since``, so the banked counts move only on those facts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ActiveTime:
    visible: bool = True
    # when the tab became visible last (None while hidden)
    since: int | None = None
    # visible time banked on this page view, and in this session before it
    ms_page: int = 0
    ms_site: int = 0

    @property
    def visible_since(self) -> int | None:
        return self.since if self.visible else None

    def new_session(self) -> None:
        self.ms_site = 0

    def new_page(self, now: int) -> None:
        """A new page view: its own count starts at 0; the previous one's is banked for onSite."""
        self.ms_page = 0
        if self.visible:
            if self.since is not None:
                self.ms_site += now - self.since
            self.since = now

    def change(self, visible: bool, now: int) -> bool:
        """The tab was shown or hidden; False when it already was."""
        if visible == self.visible:
            return False
        self.visible = visible
        if visible:
            self.since = now
        else:
            if self.since is not None:
                spent = now - self.since
                self.ms_page += spent
                self.ms_site += spent
            self.since = None
        return True

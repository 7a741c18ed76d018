"""The modules Engine orchestrates, on their own: visible time and session merge.

(Display bookkeeping, engine/display.py, is exercised through Engine by every shared case
that shows, hides, caps or counts.)
"""

from __future__ import annotations

import copy

from engine.merge import merge_session
from engine.state import SessionState
from engine.visibility import ActiveTime


def test_visible_time_banks_on_hide_and_on_a_new_page_view() -> None:
    clock = ActiveTime()
    clock.new_page(1_000)
    assert (clock.ms_page, clock.ms_site, clock.visible_since) == (0, 0, 1_000)
    assert clock.change(False, 4_000)
    assert (clock.ms_page, clock.ms_site, clock.visible_since) == (3_000, 3_000, None)
    assert not clock.change(False, 5_000), "already hidden: no change"
    assert clock.change(True, 10_000)
    clock.new_page(12_000)  # the previous page view's 2 s visible go to the site's count
    assert (clock.ms_page, clock.ms_site, clock.visible_since) == (0, 5_000, 12_000)
    clock.new_session()
    assert clock.ms_site == 0


def test_a_page_view_started_while_hidden_counts_nothing_until_shown() -> None:
    clock = ActiveTime()
    clock.change(False, 0)
    clock.new_page(1_000)
    assert (clock.ms_page, clock.visible_since) == (0, None)
    clock.change(True, 3_000)
    assert clock.visible_since == 3_000


def _session(**kw: object) -> SessionState:
    session = SessionState(started_at=0, last_seen_at=0)
    for name, value in kw.items():
        setattr(session, name, value)
    return session


def test_merge_adds_only_and_says_whether_it_changed_anything() -> None:
    mine = _session(displays={"a": 2}, rule_statuses={"a": ["exposed"]}, last_seen_at=10)
    other = _session(displays={"a": 1, "b": 3}, rule_statuses={"a": ["exposed", "clicked"]}, login=True, last_seen_at=20)
    assert merge_session(mine, other)
    assert mine.displays == {"a": 2, "b": 3}, "the larger count of the two"
    assert mine.rule_statuses == {"a": ["exposed", "clicked"]}
    assert mine.login and mine.last_seen_at == 20
    again = copy.deepcopy(mine)
    assert not merge_session(mine, other), "the same state again changes nothing (no echo between tabs)"
    assert mine.to_json() == again.to_json()

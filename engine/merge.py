"""Session merge: another tab's session state folded into this one (a ``sessionSync`` fact).

Tabs of one site share a session (docs/semantics.md): each writes its state to storage and
the others merge it in. The merge only ever adds: statuses are unions, display counts and
times the larger of the two, a login seen in either tab counts. It is idempotent, so two
tabs that keep sending each other the same state change nothing after the first exchange.
"""

from __future__ import annotations

from engine import behaviour
from engine.state import SessionState


def merge_session(session: SessionState, other: SessionState) -> bool:
    """Fold ``other`` into ``session``; True when that changed ``session``."""
    before = session.to_json()
    for interaction, statuses in other.statuses.items():
        for status in statuses:
            session.add_status(interaction, None, status)
    for rule, statuses in other.rule_statuses.items():
        known = session.rule_statuses.setdefault(rule, [])
        for status in statuses:
            if status not in known:
                known.append(status)
    for rule, count in other.displays.items():
        session.displays[rule] = max(count, session.displays.get(rule, 0))
    session.login = session.login or other.login
    session.last_seen_at = max(session.last_seen_at, other.last_seen_at)
    behaviour.merge(session.behaviour, other.behaviour)
    # Changed only when the merge changed it: tabs that wrote each other an unchanged state
    # would otherwise echo storage events back and forth forever.
    return session.to_json() != before

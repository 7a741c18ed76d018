"""Session and visitor state: plain JSON, versioned, owned by the engine, stored by the loader.

Invariants:

* Everything here is JSON-serialisable as is; ``to_json`` / ``from_json`` round-trip.
* ``SESSION_VERSION`` changes whenever a field changes meaning. A stored state of another
  version, or of the wrong shape, is discarded with a warning: the visitor starts a new
  session, the page never sees an exception.
* A session ends after ``SESSION_IDLE_MS`` without visitor activity (page views, pushes,
  actions). The engine decides this from ``now``; the loader only stores.
* Visitor state (capping across sessions, the control-group id, the visit count) is kept
  apart from the session, because it lives for ``VISITOR_TTL_MS`` and consent rules may
  treat it apart.
* Fields added later have defaults, so a state stored before them is still read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, asdict, dataclass, field, is_dataclass
from typing import Any

from engine.validation import non_finite
from engine.vocabulary import EngagementStatus

SESSION_VERSION = 1
SESSION_IDLE_MS = 30 * 60 * 1000
VISITOR_TTL_MS = 90 * 24 * 3600 * 1000
# The pages a URL condition can read: the current one, the previous one, two back
# (conditions/url.py, STEPS_BACK; Puzzel's URL condition reads "maximum two steps back in
# the navigation history"). The history goes into the stored state on every page
# view, so a longer one costs every navigation its encoding, cloning and storing for
# nothing any rule reads (docs/performance.md, "Round five").
HISTORY_LIMIT = 3
STATUSES = tuple(EngagementStatus)


@dataclass
class SessionState:
    started_at: int
    last_seen_at: int
    history: list[str] = field(default_factory=list)
    # interaction id -> statuses reached, in the order first reached
    statuses: dict[str, list[str]] = field(default_factory=dict)
    # rule name -> statuses of the interactions it started (for frequency.notAfter)
    rule_statuses: dict[str, list[str]] = field(default_factory=dict)
    displays: dict[str, int] = field(default_factory=dict)
    last_display_at: dict[str, int] = field(default_factory=dict)
    login: bool = False
    device: dict[str, Any] | None = None
    # interactions that survive navigation and page loads (a chat under way)
    sticky: list[dict[str, Any]] = field(default_factory=list)
    # owned by engine.behaviour: cart, products, errors, entry points, flows ...
    behaviour: dict[str, Any] = field(default_factory=dict)
    # owned by engine.audience: the session's landing page and its referrer
    audience: dict[str, Any] = field(default_factory=dict)

    def add_status(self, interaction: str, rule: str | None, status: str) -> bool:
        changed = False
        for key, table in ((interaction, self.statuses), (rule, self.rule_statuses)):
            if key is None:
                continue
            seen = table.setdefault(key, [])
            if status not in seen:
                seen.append(status)
                changed = True
        return changed

    def to_json(self, *, shared: bool = False) -> dict[str, Any]:
        return {"version": SESSION_VERSION, **_as_json(self, shared)}


@dataclass
class VisitorState:
    visitor_id: str
    first_seen_at: int
    last_seen_at: int
    displays: dict[str, int] = field(default_factory=dict)
    # engine.audience: visits so far (this one included), last activity of the previous one
    visits: int = 0
    previous_visit_at: int | None = None

    def to_json(self, *, shared: bool = False) -> dict[str, Any]:
        return {"version": SESSION_VERSION, **_as_json(self, shared)}


def _as_json(state: Any, shared: bool = False) -> dict[str, Any]:
    """``dataclasses.asdict`` for states of plain JSON values, without its deep copies.

    The state is sent after every evaluation that changed it (a page view does): asdict's
    generic recursion was half the cost of a navigation's message at 100 rules. ``shared``:
    the state's own lists and dicts, not copies, for a caller that serializes them before
    the state changes again (the bridge, which writes its reply at once).
    """
    if shared:
        return {name: getattr(state, name) for name in state.__dataclass_fields__}
    return {name: _copied(getattr(state, name)) for name in state.__dataclass_fields__}


# immutable JSON leaves, returned as they are (a session's history is a list of them)
_LEAVES = frozenset({str, int, float, bool, type(None)})


def _copied(value: Any) -> Any:
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is dict:
        return {k: v if type(v) in _LEAVES else _copied(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        items = [v if type(v) in _LEAVES else _copied(v) for v in value]
        return items if kind is list else tuple(items)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


def _fields(cls: type) -> set[str]:
    return set(cls.__dataclass_fields__)  # type: ignore[attr-defined]


def _required(cls: type) -> set[str]:
    # Fields added later have defaults: a state stored before them is still read.
    return {name for name, f in cls.__dataclass_fields__.items()  # type: ignore[attr-defined]
            if f.default is MISSING and f.default_factory is MISSING}


def _decode(cls: type, raw: object, label: str) -> tuple[Any, str | None]:
    if raw is None:
        return None, None
    if not isinstance(raw, Mapping):
        return None, f"stored {label} state is not an object; starting a new {label}"
    if raw.get("version") != SESSION_VERSION:
        return None, f"stored {label} state has version {raw.get('version')!r}, this engine reads {SESSION_VERSION}; starting a new {label}"
    body = {k: v for k, v in raw.items() if k != "version"}
    if not _required(cls) <= set(body) <= _fields(cls):
        return None, f"stored {label} state has unexpected fields; starting a new {label}"
    bad = next(non_finite(body), None)
    if bad is not None:
        return None, f"stored {label} state is corrupt (a number that is not finite at {bad}); starting a new {label}"
    try:
        state = cls(**body)
        _check_types(state)
    except (TypeError, ValueError) as exc:
        return None, f"stored {label} state is corrupt ({exc}); starting a new {label}"
    return state, None


def _check_types(state: Any) -> None:
    # Stored state crosses a trust boundary (storage can be edited or half-written):
    # check the shape of every field the engine will index into.
    expect = {
        "started_at": int, "last_seen_at": int, "first_seen_at": int, "visitor_id": str,
        "history": list, "statuses": dict, "rule_statuses": dict, "displays": dict,
        "last_display_at": dict, "login": bool, "sticky": list, "behaviour": dict,
        "audience": dict, "visits": int,
    }
    for name, kind in expect.items():
        if hasattr(state, name) and not isinstance(getattr(state, name), kind):
            raise ValueError(f"{name} should be {kind.__name__}")
    for name in ("history",):
        if hasattr(state, name) and not all(isinstance(u, str) for u in getattr(state, name)):
            raise ValueError(f"{name} should hold strings")
    for name in ("statuses", "rule_statuses"):
        if hasattr(state, name):
            for value in getattr(state, name).values():
                if not isinstance(value, list) or not all(s in STATUSES for s in value):
                    raise ValueError(f"{name} holds an unknown status")
    for name in ("displays", "last_display_at"):
        if hasattr(state, name) and not all(isinstance(v, int) and not isinstance(v, bool) for v in getattr(state, name).values()):
            raise ValueError(f"{name} should hold numbers")
    if getattr(state, "previous_visit_at", None) is not None and not isinstance(state.previous_visit_at, int):
        raise ValueError("previous_visit_at should be a number")
    if hasattr(state, "sticky") and not all(isinstance(s, dict) and isinstance(s.get("interaction"), str) for s in state.sticky):
        raise ValueError("sticky should hold interactions")


def session_from_json(raw: object, now: int) -> tuple[SessionState | None, str | None]:
    """The stored session if it is valid and not idle-expired; else None and maybe a warning."""
    state, warning = _decode(SessionState, raw, "session")
    if state is not None and now - state.last_seen_at > SESSION_IDLE_MS:
        return None, None
    if state is not None:
        del state.history[:-HISTORY_LIMIT]  # stored by a version that kept more
    return state, warning


def visitor_from_json(raw: object, now: int) -> tuple[VisitorState | None, str | None]:
    state, warning = _decode(VisitorState, raw, "visitor")
    if state is not None and now - state.last_seen_at > VISITOR_TTL_MS:
        return None, None
    return state, warning

"""The behaviour state: its layout, its checks, and the accessors conditions read.

Stored state crosses a trust boundary (storage can be edited by hand or written by another
engine version), so it is checked before anything indexes into it; a broken part is reset
on its own, the rest is kept. The layout is described in ``engine/behaviour/__init__.py``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

VERSION = 1
VIEWED_LIMIT = 50
ERROR_LIMIT = 50
CART_HISTORY_LIMIT = 20
SERVICE_LIMIT = 50
PRODUCT_LIMIT = 200
# distinct memberships remembered within one page view (replaceState / section pushes)
SEEN_LIMIT = 20

SERVICE_STATUSES = (
    "Complete", "In Progress", "Approved", "Cancelled", "Not Approved", "Reviewed", "Missing Details",
    "Closed", "Removed", "Assigned", "Waiting for Customer Response", "Waiting for Response",
    "Pending", "Resolved",
)
PRODUCT_FIELDS = ("name", "sku", "category")
ERROR_FIELDS = ("message", "code")
def _status_key(text: str) -> str:
    # "in_progress", "IN-PROGRESS" and "In  Progress" all name the same status.
    return " ".join(re.sub(r"[-_]", " ", text).split()).casefold()


_STATUS_BY_KEY = {_status_key(s): s for s in SERVICE_STATUSES}


def canonical_status(text: str | int) -> str | None:
    """The canonical spelling of a service status, matched case-insensitively; a whole
    number is its place in the list from 0, as LivePerson's service attribute numbers them."""
    if isinstance(text, int):
        return SERVICE_STATUSES[text] if 0 <= text < len(SERVICE_STATUSES) and not isinstance(text, bool) else None
    return _STATUS_BY_KEY.get(_status_key(text))



# Stored state crosses a trust boundary (storage can be edited by hand or written by
# another engine version), so it is checked before this module indexes into it; a
# broken part is reset on its own, the rest is kept.


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_strings(value: object, length: int | None = None) -> bool:
    return (isinstance(value, list) and all(isinstance(v, str) for v in value)
            and (length is None or len(value) == length))


def _ok_page(p: Any) -> bool:
    return (isinstance(p, dict) and isinstance(p.get("url"), str) and isinstance(p.get("title"), str)
            and is_int(p.get("at")) and _is_strings(p.get("sections")) and _is_strings(p.get("in"))
            and isinstance(p.get("seen"), list) and all(_is_strings(s) for s in p["seen"])
            and _ok_list(p.get("pushed", []), lambda e: isinstance(e, dict) and isinstance(e.get("flow"), str)
                         and is_int(e.get("step")) and e["step"] >= 0))


def _ok_entry(e: Any) -> bool:
    return (isinstance(e, dict) and is_int(e.get("visits")) and is_int(e.get("ms"))
            and (e.get("since") is None or is_int(e.get("since"))))


def _ok_flow(f: Any) -> bool:
    return (isinstance(f, dict) and (f.get("at") is None or (is_int(f.get("at")) and f["at"] >= 0))
            and isinstance(f.get("reached"), list) and all(is_int(i) for i in f["reached"])
            and all(isinstance(f.get(k), bool) for k in ("abandoned", "backflow", "completed")))


def _ok_item(item: Any, key_length: int) -> bool:
    return (isinstance(item, dict) and _is_strings(item.get("key"), key_length)
            and (item.get("price") is None or _is_number(item.get("price"))))


def _ok_cart(c: Any) -> bool:
    return c is None or (
        isinstance(c, dict) and _is_number(c.get("total")) and is_int(c.get("at"))
        and (c.get("currency") is None or isinstance(c.get("currency"), str))
        and isinstance(c.get("products"), list) and all(_ok_item(p, 3) for p in c["products"]))


def _ok_list(items: Any, check: Any) -> bool:
    return isinstance(items, list) and all(check(i) for i in items)


_CHECKS: dict[str, Any] = {
    "page": _ok_page,
    "entryPoints": lambda d: isinstance(d, dict) and all(_ok_entry(e) for e in d.values()),
    "flows": lambda d: isinstance(d, dict) and all(_ok_flow(f) for f in d.values()),
    "flowsBefore": lambda d: isinstance(d, dict) and all(_ok_flow(f) for f in d.values()),
    "cart": _ok_cart,
    "cartHistory": lambda h: _ok_list(h, lambda i: isinstance(i, dict) and _is_number(i.get("total")) and is_int(i.get("at"))),
    "viewed": lambda v: _ok_list(v, lambda i: _ok_item(i, 3) and is_int(i.get("views")) and is_int(i.get("at"))),
    "errors": lambda v: _ok_list(v, lambda i: _ok_item(i, 2) and is_int(i.get("count")) and is_int(i.get("last"))),
    "services": lambda d: isinstance(d, dict) and all(
        isinstance(s, dict) and s.get("status") in SERVICE_STATUSES and is_int(s.get("at")) for s in d.values()),
}


def new_page(url: str = "", title: str = "", at: int = 0) -> dict[str, Any]:
    return {"url": url, "title": title, "at": at, "sections": [], "in": [], "seen": [], "pushed": []}


def fresh() -> dict[str, Any]:
    return {
        "v": VERSION, "page": new_page(), "entryPoints": {}, "flows": {}, "flowsBefore": {},
        "cart": None, "cartHistory": [], "viewed": [], "errors": [], "services": {},
    }


def repair(state: dict[str, Any]) -> None:
    """Make ``state`` a valid behaviour state in place (the engine holds this very dict)."""
    if state.get("v") != VERSION:
        state.clear()
        state.update(fresh())
        return
    defaults = fresh()
    for key in list(state):
        if key not in defaults:
            del state[key]
    for key, default in defaults.items():
        if key != "v" and not _CHECKS[key](state.get(key)):
            state[key] = default


# Dicts already checked, by identity (the object is kept so its id cannot be reused).
# Conditions read the state on every evaluation; checking it once per session object
# keeps that a dictionary lookup. A handful covers the engine's live sessions.
_CHECKED: dict[int, dict[str, Any]] = {}


def checked(state: dict[str, Any]) -> dict[str, Any]:
    if _CHECKED.get(id(state)) is not state:
        repair(state)
        _CHECKED[id(state)] = state
        while len(_CHECKED) > 8:
            del _CHECKED[next(iter(_CHECKED))]
    return state


def fold(value: object) -> str:
    return value.casefold() if isinstance(value, str) else ""




# What conditions read. ``view_state`` checks the stored state once per session object.

EMPTY: Mapping[str, Any] = fresh()


def view_state(view: Any) -> Mapping[str, Any]:
    session = getattr(view, "session", None)
    if session is None:
        return EMPTY
    return checked(session.behaviour)


def entry_point_time(state: Mapping[str, Any], name: str, now: int) -> tuple[int, bool]:
    """Milliseconds spent in the entry point this session, and whether it still runs."""
    entry = state["entryPoints"].get(name)
    if entry is None:
        return 0, False
    running = entry["since"] is not None
    return entry["ms"] + (max(0, now - entry["since"]) if running else 0), running


def visits(state: Mapping[str, Any], name: str) -> int:
    entry = state["entryPoints"].get(name)
    return 0 if entry is None else int(entry["visits"])


def flow_progress(state: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    progress: Mapping[str, Any] | None = state["flows"].get(name)
    return progress


def cart(state: Mapping[str, Any]) -> Mapping[str, Any] | None:
    current: Mapping[str, Any] | None = state["cart"]
    return current


def cart_totals(state: Mapping[str, Any]) -> list[float]:
    """The cart totals the visitor went through, oldest first, each different from the last."""
    return [h["total"] for h in state["cartHistory"]]


def viewed(state: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items: list[Mapping[str, Any]] = state["viewed"]
    return items


def errors(state: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items: list[Mapping[str, Any]] = state["errors"]
    return items


def service_status(state: Mapping[str, Any], topic: str) -> str | None:
    """The latest status of a topic (``topic`` casefolded)."""
    service = state["services"].get(topic)
    return None if service is None else str(service["status"])

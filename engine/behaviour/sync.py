"""Folding in what another tab of the same visitor learned."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.behaviour.flows import copy_flow
from engine.behaviour.store import CART_HISTORY_LIMIT, ERROR_LIMIT, VIEWED_LIMIT, checked, repair


def merge(state: dict[str, Any], other: Mapping[str, Any]) -> bool:
    """Fold in what another tab of the same visitor learned; True when anything changed.

    Pushed facts are the visitor's, whichever tab saw them: the newer cart and service
    statuses win, viewed products and errors are united. Navigation is per tab, so flow
    positions stay this tab's, except that a flow completed anywhere is completed here.
    """
    b = checked(state)
    theirs = dict(other)
    repair(theirs)
    before = repr(b)
    if theirs["cart"] is not None and (b["cart"] is None or theirs["cart"]["at"] > b["cart"]["at"]):
        b["cart"] = theirs["cart"]
        history = sorted(b["cartHistory"] + theirs["cartHistory"], key=lambda h: h["at"])
        collapsed: list[dict[str, Any]] = []
        for entry in history:
            if not collapsed or collapsed[-1]["total"] != entry["total"]:
                collapsed.append(entry)
        b["cartHistory"] = collapsed[-CART_HISTORY_LIMIT:]
    b["viewed"] = _unite(b["viewed"], theirs["viewed"], lambda i: (*i["key"], i.get("price")), "views", "at", VIEWED_LIMIT)
    b["errors"] = _unite(b["errors"], theirs["errors"], lambda i: tuple(i["key"]), "count", "last", ERROR_LIMIT)
    for key, service in theirs["services"].items():
        mine = b["services"].get(key)
        if mine is None or service["at"] > mine["at"]:
            b["services"][key] = service
    for name, entry in theirs["entryPoints"].items():
        mine = b["entryPoints"].setdefault(name, {"visits": 0, "ms": 0, "since": None})
        mine["visits"], mine["ms"] = max(mine["visits"], entry["visits"]), max(mine["ms"], entry["ms"])
    for name, progress in theirs["flows"].items():
        if progress["completed"] and not b["flows"].get(name, {}).get("completed"):
            b["flows"][name], b["flowsBefore"][name] = copy_flow(progress), copy_flow(progress)
    return repr(b) != before


def _unite(mine: list[dict[str, Any]], theirs: list[dict[str, Any]], key: Any, count: str, at: str, limit: int) -> list[dict[str, Any]]:
    # The same push seen by both tabs is one fact, not two: counts take the larger.
    united: dict[Any, dict[str, Any]] = {key(i): dict(i) for i in mine}
    for item in theirs:
        have = united.get(key(item))
        if have is None:
            united[key(item)] = dict(item)
        else:
            have[count], have[at] = max(have[count], item[count]), max(have[at], item[at])
    return sorted(united.values(), key=lambda i: i[at])[-limit:]



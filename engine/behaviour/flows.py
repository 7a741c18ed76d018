"""Where the visitor is: entry-point visits and time, and progress through each flow.

docs/behaviour.md gives the reasons behind each rule applied here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from engine.behaviour.places import Flow
from engine.behaviour.store import SEEN_LIMIT, checked, new_page

if TYPE_CHECKING:
    from engine.config import Config


def on_page(state: dict[str, Any], config: Config, url: str, title: str, now: int, *, same_view: bool = False) -> None:
    """A navigation step (or, with ``same_view``, a new address for the same page view)."""
    b = checked(state)
    if same_view:
        b["page"]["url"], b["page"]["title"] = url, title
    else:
        # Close the running intervals at the step: time accrues per page view, as
        # analytics tools count it (the engine cannot see a tab being closed).
        for entry in b["entryPoints"].values():
            close_interval(entry, now)
        b["flowsBefore"] = {name: copy_flow(f) for name, f in b["flows"].items()}
        b["page"] = new_page(url, title, now)
    place(b, config, now)


def group_key(names: tuple[str, ...]) -> str:
    """Where the combined time of several entry points is kept in ``entryPoints``."""
    return names[0] if len(names) == 1 else "\u001f".join(names)


def close_interval(entry: dict[str, Any], now: int) -> None:
    if entry["since"] is not None:
        entry["ms"] += max(0, now - entry["since"])
        entry["since"] = None


def place(b: dict[str, Any], config: Config, now: int) -> None:
    """Recompute which entry points the current page view is in, and what follows."""
    page = b["page"]
    sections = frozenset(page["sections"])
    inside = [name for name, ep in config.entry_points.items() if ep.contains(page["url"], page["title"], sections)]
    # A set of entry points one condition names is in force where any of them is: its time
    # adds up across them, and a page in two of them counts once.
    inside += [group_key(g) for g in config.entry_point_groups if any(name in inside for name in g)]
    entries = b["entryPoints"]
    for name in set(page["in"]) - set(inside):
        if name in entries:
            close_interval(entries[name], now)
    for name in inside:
        if name not in page["in"]:
            entry = entries.setdefault(name, {"visits": 0, "ms": 0, "since": None})
            entry["visits"] += 1
            entry["since"] = now
    page["in"] = inside
    if not page["seen"] or page["seen"][-1] != inside:
        page["seen"].append(inside)
        del page["seen"][:-SEEN_LIMIT]
    pushed = page.get("pushed", [])
    for flow in config.flows.values():
        steps = [p["step"] for p in pushed if p["flow"] == flow.name]
        b["flows"][flow.name] = _replay(flow, b["flowsBefore"].get(flow.name), page["seen"], steps)


def reach(b: dict[str, Any], config: Config, flow: str, step: int, now: int) -> bool:
    """A pushed event reached a step of a flow in this page view; whether the flow moved.

    It is kept with the page view, like its memberships, so a later section push in the
    same view replays it again instead of losing it.
    """
    before = copy_flow(b["flows"].get(flow) or _new_flow())
    pushed = b["page"].setdefault("pushed", [])
    if {"flow": flow, "step": step} not in pushed:  # at most one per step: bounded by the config
        pushed.append({"flow": flow, "step": step})
    place(b, config, now)
    return bool(b["flows"].get(flow) != before)


def _new_flow() -> dict[str, Any]:
    return {"at": None, "reached": [], "abandoned": False, "backflow": False, "completed": False}


def copy_flow(progress: Mapping[str, Any]) -> dict[str, Any]:
    return {**progress, "reached": list(progress["reached"])}


def _replay(flow: Flow, before: Mapping[str, Any] | None, seen: list[list[str]], pushed: list[int]) -> dict[str, Any]:
    """The flow after this page view: its memberships applied, in order, to ``before``.

    A page view whose membership changed (a section pushed after the page fact, a
    replaceState) is one visit to the flow: a moment outside it in the middle of the view
    is not a departure. Only where the view stands now can take the visitor out.
    """
    progress = _new_flow() if before is None else copy_flow(before)
    if progress["at"] is not None and progress["at"] > flow.last:
        progress["at"] = None  # the config changed under a stored session
    visits = [flow.steps_in(names) for names in seen]
    for steps in [s for s in visits[:-1] if s] + visits[-1:]:
        _step(progress, flow, steps)
    for index in pushed:
        _reach_step(progress, flow, index)
    return progress


def _reach_step(progress: dict[str, Any], flow: Flow, index: int) -> None:
    """A pushed event reached step ``index``: progress, never a backflow (no page moved)."""
    if progress["completed"] or index > flow.last:
        return
    if progress["at"] is None or index > progress["at"]:
        progress["at"] = index
    if index not in progress["reached"]:
        progress["reached"] = sorted([*progress["reached"], index])
    _complete(progress, flow, progress["at"])


def _step(progress: dict[str, Any], flow: Flow, steps: tuple[int, ...]) -> None:
    """One page view of the visitor, standing on ``steps`` of the flow (none: outside)."""
    if progress["completed"]:
        return  # a completed flow triggers nothing, whatever follows
    at = progress["at"]
    if not steps:
        if at is not None:
            progress["abandoned"] = True
        progress["at"] = None
        return
    # A page on several steps counts as the nearest step ahead (progress in order), else
    # the step the visitor is on (a refresh), else the nearest step behind.
    ahead = [i for i in steps if at is None or i > at]
    if ahead:
        target = ahead[0]
    elif at in steps:
        target = at
    else:
        target = steps[-1]
        progress["backflow"] = True
    progress["at"] = target
    if target not in progress["reached"]:
        progress["reached"] = sorted([*progress["reached"], target])
    _complete(progress, flow, target)


def _complete(progress: dict[str, Any], flow: Flow, target: int) -> None:
    if target == flow.last and all(i in progress["reached"] for i in flow.required):
        progress.update(completed=True, abandoned=False, backflow=False)



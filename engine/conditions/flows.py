"""Where the visitor has been: ``flow``, ``visitedEntryPoint``, ``timeOnEntryPoint``.

Entry points and flows are named in the config's ``entryPoints`` / ``flows``;
``engine.behaviour`` follows the visitor through them on every navigation step, and these
conditions only read what it recorded. A name that does not exist is a config error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import behaviour
from engine.conditions.base import CompileContext, Condition, View, register
from engine.validation import ConfigError, known_names


def _reference(raw: Mapping[str, Any], key: str, section: str, noun: str, path: str, ctx: CompileContext) -> str:
    name: str = raw[key]
    known = ctx.names(section)
    if name not in known:
        ctx.errors.append(ConfigError(f"{path}.{key}", f'no {noun} "{name}"{known_names(name, known, section)}'))
    return name


def _step_names(ctx: CompileContext, flow: str) -> tuple[str, ...]:
    # For the trace only ("at checkout"); a broken flow is reported by the schema.
    spec = ctx.config.get("flows", {}).get(flow) if isinstance(ctx.config.get("flows"), dict) else None
    steps = spec.get("steps") if isinstance(spec, dict) else None
    if not isinstance(steps, list):
        return ()
    return tuple(str(s.get("entryPoint")) if isinstance(s, dict) else "?" for s in steps)


class FlowCondition(Condition):
    """``abandoned``: entered the flow, then left it before completing it.
    ``backflow``: moved straight from a step to an earlier one. A completed flow is neither."""

    type = "flow"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.flow = _reference(raw, "flow", "flows", "flow", path, ctx)
        self.abandoned = raw["operator"] == "abandoned"
        self.step_names = _step_names(ctx, self.flow)

    @property
    def deps(self) -> frozenset[str]:
        return frozenset({f"flow:{self.flow}"})

    def test(self, view: View) -> tuple[bool, object]:
        progress = behaviour.flow_progress(behaviour.view_state(view), self.flow)
        if progress is None or not progress["reached"]:
            return False, "not entered"
        if progress["completed"]:
            return False, "completed"
        result = bool(progress["abandoned"] if self.abandoned else progress["backflow"])
        at = progress["at"]
        where = "outside the flow" if at is None else f"at {self._step(at)}"
        marks = [m for m in ("abandoned", "backflow") if progress[m]]
        return result, ", ".join([where, *marks])

    def _step(self, index: int) -> str:
        return self.step_names[index] if index < len(self.step_names) else f"step {index + 1}"


def _references(raw: Mapping[str, Any], path: str, ctx: CompileContext, key: str = "entryPoint") -> tuple[str, ...]:
    """``raw[key]`` as one entry point name or a list of names, each checked against ``entryPoints``."""
    if not isinstance(raw[key], list):
        return (_reference(raw, key, "entryPoints", "entry point", path, ctx),)
    known = ctx.names("entryPoints")
    for index, name in enumerate(raw[key]):
        if name not in known:
            ctx.errors.append(ConfigError(
                f"{path}.{key}[{index}]", f'no entry point "{name}"{known_names(name, known, "entryPoints")}'))
    return tuple(dict.fromkeys(raw[key]))


class VisitedEntryPointCondition(Condition):
    """Whether a page of the entry point(s) was viewed this session (the current one included).

    LivePerson: "when a consumer lands on this entry point(s), they will be eligible": with a
    list, ``visited`` holds once any of them was visited and ``notVisited`` while none was.
    """

    type = "visitedEntryPoint"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.entry_points = _references(raw, path, ctx)
        self.expected = raw["operator"] == "visited"

    @property
    def deps(self) -> frozenset[str]:
        return frozenset(f"entryPoint:{name}" for name in self.entry_points)

    def test(self, view: View) -> tuple[bool, object]:
        state = behaviour.view_state(view)
        count = sum(behaviour.visits(state, name) for name in self.entry_points)
        return (count > 0) == self.expected, count


class TimeOnEntryPointCondition(Condition):
    """Seconds spent on pages of the entry point this session, strictly more or less than a value.

    ``entryPoint`` may be a list ("the selected entry point(s)"): the time on pages of any
    of them adds up, a page in two of them counting once (``engine.behaviour`` keeps the
    set's time as one entry, see ``Config.entry_point_groups``).

    Like ``time``, it flips exactly one millisecond after the limit for ``moreThan`` (at
    the limit for ``lessThan``) and only while the visitor is on the entry point: away
    from it, nothing but a navigation step can change the result.
    """

    type = "timeOnEntryPoint"
    monitored = True

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        key = "entryPoints" if "entryPoints" in raw else "entryPoint"
        if ("entryPoint" in raw) == ("entryPoints" in raw):
            ctx.errors.append(ConfigError(
                path, 'give either "entryPoint": NAME (or a list of names) or "entryPoints": [NAME, ...], not both'
                if "entryPoint" in raw else 'missing "entryPoint": the name of an entry point, or a list of them'))
            self.group: tuple[str, ...] = ()
        else:
            self.group = tuple(sorted(_references(raw, path, ctx, key)))
        self.entry_point = behaviour.group_key(self.group)
        self.more_than = raw["operator"] == "moreThan"
        self.limit_ms = round(float(raw["value"]) * 1000)

    @property
    def deps(self) -> frozenset[str]:
        return frozenset(f"entryPoint:{name}" for name in self.group)

    def test(self, view: View) -> tuple[bool, object]:
        spent, _ = behaviour.entry_point_time(behaviour.view_state(view), self.entry_point, view.now)
        result = spent > self.limit_ms if self.more_than else spent < self.limit_ms
        return result, spent / 1000

    def next_flip(self, view: View) -> int | None:
        spent, running = behaviour.entry_point_time(behaviour.view_state(view), self.entry_point, view.now)
        if not running:
            return None
        flip_at = self.limit_ms + 1 if self.more_than else self.limit_ms
        if spent >= flip_at:
            return None
        return view.now + (flip_at - spent)


register("flow")(FlowCondition)
register("visitedEntryPoint")(VisitedEntryPointCondition)
register("timeOnEntryPoint")(TimeOnEntryPointCondition)

"""Entry points and flows as configured: named places and ordered routes, compiled once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.text import Matcher, compile_text_match
from engine.validation import ConfigError, join, known_names


@dataclass(frozen=True, slots=True)
class EntryPoint:
    name: str
    url: Matcher | None
    title: Matcher | None
    section: str | None  # casefolded at compile time

    def contains(self, url: str, title: str, sections: frozenset[str]) -> bool:
        """Whether a page is in this entry point; ``sections`` are casefolded."""
        if self.url is not None and not self.url(url):
            return False
        if self.title is not None and not self.title(title):
            return False
        return self.section is None or self.section in sections


@dataclass(frozen=True, slots=True)
class FlowStep:
    entry_point: str | None
    required: bool
    # An event step has no page: a pushed event reaches it ({type: "flowStep"} or "purchase").
    event: str | None = None

    @property
    def name(self) -> str:
        """What a ``flowStep`` push calls this step: its entry point or its event."""
        return self.entry_point if self.entry_point is not None else str(self.event)


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    steps: tuple[FlowStep, ...]
    # Derived once: entry point -> its step indices, and the required steps before the last.
    by_entry_point: Mapping[str, tuple[int, ...]] = field(init=False, compare=False)
    required: tuple[int, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, tuple[int, ...]] = {}
        for i, step in enumerate(self.steps):
            if step.entry_point is not None:
                index[step.entry_point] = (*index.get(step.entry_point, ()), i)
        object.__setattr__(self, "by_entry_point", index)
        object.__setattr__(self, "required", tuple(i for i, s in enumerate(self.steps[:-1]) if s.required))

    @property
    def last(self) -> int:
        return len(self.steps) - 1

    def steps_in(self, entry_points: Iterable[str]) -> tuple[int, ...]:
        """The step indices a page in these entry points stands on, ascending."""
        found: set[int] = set()
        for name in entry_points:
            found.update(self.by_entry_point.get(name, ()))
        return tuple(sorted(found))

    def step_named(self, name: str | int) -> int | None:
        """The index of the step a ``flowStep`` push names: its entry point or event name,
        or its position counted from 1."""
        if isinstance(name, int):
            return name - 1 if 1 <= name <= len(self.steps) else None
        return next((i for i, s in enumerate(self.steps) if s.name == name), None)

    def event_step(self, event: str) -> int | None:
        return next((i for i, s in enumerate(self.steps) if s.event == event), None)


def compile_entry_points(raw: Mapping[str, Any], errors: list[ConfigError]) -> dict[str, EntryPoint]:
    compiled = {}
    for name, spec in raw.items():
        path = join("entryPoints", name)
        matchers: dict[str, Matcher | None] = {}
        for key in ("url", "title"):
            match = spec.get(key)
            matchers[key] = None if match is None else compile_text_match(
                match["operator"], match["value"], bool(match.get("caseSensitive")), join(path, key), errors,
                percent_decoded=key == "url",
            )
        section = spec.get("section")
        compiled[name] = EntryPoint(name, matchers["url"], matchers["title"], None if section is None else section.casefold())
    return compiled


def compile_flows(
    raw: Mapping[str, Any], entry_points: Mapping[str, EntryPoint], errors: list[ConfigError], names: list[str] | None = None
) -> dict[str, Flow]:
    """Flows over entry points; ``names`` are all configured ones, broken or not, so a
    step naming an entry point that has its own error is not also reported unknown."""
    known = list(entry_points) if names is None else names
    compiled = {}
    for name, spec in raw.items():
        steps = []
        first_index: dict[str, int] = {}
        for index, step in enumerate(spec["steps"]):
            ref = step.get("entryPoint")
            event = step.get("event")
            path = f"{join(join('flows', name), 'steps')}[{index}].entryPoint"
            if (ref is None) == (event is None):
                errors.append(ConfigError(
                    path[: -len(".entryPoint")], 'give a step either "entryPoint" (a page) or "event" (reached by a push), '
                    'e.g. {"entryPoint": "cart"} or {"event": "purchase"}'))
                continue
            if event is not None:
                if event in first_index:
                    errors.append(ConfigError(
                        f"{path[: -len('.entryPoint')]}.event",
                        f'"{event}" already names step {first_index[event] + 1} of this flow; give each step its own name'))
                first_index.setdefault(event, index)
                steps.append(FlowStep(None, bool(step.get("required", True)), event))
                continue
            if ref not in known:
                errors.append(ConfigError(path, f'no entry point "{ref}"{known_names(ref, known, "entryPoints")}'))
            elif ref in first_index:
                # One entry point on two steps would make "which step is the visitor on" a guess.
                errors.append(ConfigError(
                    path, f'entry point "{ref}" is already step {first_index[ref] + 1} of this flow; '
                          "give each step its own entry point"))
            first_index.setdefault(ref, index)
            steps.append(FlowStep(ref, bool(step.get("required", True))))
        compiled[name] = Flow(name, tuple(steps))
    return compiled



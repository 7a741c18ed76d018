"""Entry points and flows: named places on the site and ordered routes through them.

An entry point names a location by URL (any URL operator), by page title, or by a
section the page pushed (``{type: "section", sections: [...]}``). When it gives several
of these, all must hold. Flows are ordered steps over entry points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.conditions.text import Matcher, compile_text_match
from engine.validation import ConfigError, join, suggest


@dataclass(frozen=True, slots=True)
class EntryPoint:
    name: str
    url: Matcher | None
    title: Matcher | None
    section: str | None

    def contains(self, url: str, title: str, sections: frozenset[str]) -> bool:
        if self.url is not None and not self.url(url):
            return False
        if self.title is not None and not self.title(title):
            return False
        return self.section is None or self.section.casefold() in sections


@dataclass(frozen=True, slots=True)
class FlowStep:
    entry_point: str
    required: bool


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    steps: tuple[FlowStep, ...]


def compile_entry_points(raw: Mapping[str, Any], errors: list[ConfigError]) -> dict[str, EntryPoint]:
    compiled = {}
    for name, spec in raw.items():
        path = join("entryPoints", name)
        matchers: dict[str, Matcher | None] = {}
        for key in ("url", "title"):
            match = spec.get(key)
            matchers[key] = None if match is None else compile_text_match(
                match["operator"], match["value"], bool(match.get("caseSensitive")), join(path, key), errors
            )
        compiled[name] = EntryPoint(name, matchers["url"], matchers["title"], spec.get("section"))
    return compiled


def compile_flows(raw: Mapping[str, Any], entry_points: Mapping[str, EntryPoint], errors: list[ConfigError]) -> dict[str, Flow]:
    compiled = {}
    for name, spec in raw.items():
        steps = []
        for index, step in enumerate(spec["steps"]):
            ref = step["entryPoint"]
            if ref not in entry_points:
                hint = suggest(ref, list(entry_points)) if entry_points else '; add it under "entryPoints"'
                errors.append(ConfigError(f"{join(join('flows', name), 'steps')}[{index}].entryPoint", f'no entry point "{ref}"{hint}'))
            steps.append(FlowStep(ref, bool(step.get("required", True))))
        compiled[name] = Flow(name, tuple(steps))
    return compiled


# --------------------------------------------------------------------------- hooks
# The engine calls these; they own ``SessionState.behaviour`` (plain JSON).


@dataclass(frozen=True, slots=True)
class PushOutcome:
    changed: bool
    error: tuple[str, str] | None = None  # (field path, what is wrong and how to fix it)


def on_page(state: dict[str, Any], config: Any, url: str, title: str, now: int, *, same_view: bool = False) -> None:
    """A navigation step (or, with ``same_view``, a new address for the same page view)."""


def on_push(state: dict[str, Any], config: Any, data: Mapping[str, Any], now: int) -> PushOutcome:
    """Apply one ``engage.push`` object; report a wrong shape instead of raising."""
    return PushOutcome(False, ("type", f"unknown push type {data.get('type')!r}"))

"""What every condition is, and the read-only view of facts it is tested against.

A condition is compiled once from config and then only *tested*. Testing reads the
engine's current knowledge through a ``View`` and returns ``(result, read)``: ``read`` is
the fact value it looked at, which the trace shows so a site owner can see why.

Each condition declares:

* ``deps``: the fact keys it reads (``url``, ``time``, ``custom:<path>``, ...), so the
  engine knows which rules a changed fact can affect;
* ``monitored``: whether its result can change without any trigger fact, only because
  time passed or a polled value moved (time and custom conditions): rules holding one are
  re-checked on ticks, the others never are;
* ``next_flip(view)``: for time-based conditions, the earliest ``now`` at which the result
  can change, so an idle tick can be skipped without testing anything.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from engine.validation import ConfigError


@dataclass(frozen=True, slots=True)
class SelectorResult:
    exists: bool = False
    visible: bool = False
    text: str = ""


@dataclass(frozen=True, slots=True)
class CustomResult:
    value: bool = False
    error: str | None = None


@dataclass(slots=True)
class View:
    """The engine's knowledge at one evaluation. Conditions read it, never write it."""

    now: int = 0
    history: tuple[str, ...] = ()
    title: str = ""
    page_started_at: int = 0
    site_started_at: int = 0
    visible_ms_on_page: int = 0
    visible_ms_on_site: int = 0
    visible_since: int | None = None
    selectors: Mapping[str, SelectorResult] = field(default_factory=dict)
    custom: Mapping[str, CustomResult] = field(default_factory=dict)
    device: str | None = None
    device_why: str = ""  # which signal decided the device type, for the trace
    login: bool = False
    exit_intent: bool = False
    session: Any = None  # engine.state.SessionState, for behaviour conditions
    audience: Any = None  # engine.audience.Audience, for referrer, language and visit conditions

    def page(self, back: int) -> str | None:
        """The URL ``back`` navigation steps ago (0 = the current page)."""
        index = len(self.history) - 1 - back
        return self.history[index] if index >= 0 else None


class Condition(ABC):
    type: ClassVar[str]
    monitored: ClassVar[bool] = False

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = dict(raw)

    @property
    def deps(self) -> frozenset[str]:
        return frozenset({self.type})

    @abstractmethod
    def test(self, view: View) -> tuple[bool, object]: ...

    def check(self) -> Callable[[View], bool]:
        """The result alone, for evaluations nobody traces (engine.fastpath): ``test(view)[0]``.

        Condition types that run on every navigation return a closure that reads only
        what decides the result; the default asks ``test``.
        """
        test = self.test
        return lambda view: bool(test(view)[0])

    def next_flip(self, view: View) -> int | None:
        return None

    def selectors(self) -> tuple[str, ...]:
        return ()

    def custom_paths(self) -> tuple[str, ...]:
        return ()


@dataclass
class CompileContext:
    """What a condition may consult while compiling: the rest of the config."""

    config: Mapping[str, Any]
    errors: list[ConfigError]

    def names(self, section: str) -> list[str]:
        value = self.config.get(section)
        return list(value) if isinstance(value, dict) else []


Compiler = Callable[[Mapping[str, Any], str, CompileContext], Condition]

REGISTRY: dict[str, Compiler] = {}


def register(type_name: str) -> Callable[[Compiler], Compiler]:
    def add(compiler: Compiler) -> Compiler:
        REGISTRY[type_name] = compiler
        return compiler

    return add

"""Input facts: what the loader observed, as typed, frozen values.

Facts arrive from the bridge as JSON objects with a ``type``. ``decode`` turns each into
one of the dataclasses below or a ``FactError`` naming the fact and the field, so a
malformed message becomes an error decision instead of an exception, and the engine's
state is untouched by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.conditions.base import CustomResult, SelectorResult
from engine.validation import all_finite, non_finite

PAGE_CAUSES = ("load", "hashchange", "pushState", "replaceState", "popstate")
# What any text operator (and so any regex) sees is bounded (docs/semantics.md, "Size
# limits"): a URL or referrer is cut to its first URL_LIMIT characters, a title, a
# selector's text and every string a page pushes to TEXT_LIMIT.
URL_LIMIT = 4096
TEXT_LIMIT = 1000
ACTIONS = ("closed", "clicked", "chatStarted", "submitted", "chatFailed")


@dataclass(frozen=True, slots=True)
class Device:
    """What the browser knows about its device (docs/device-detection.md); None = not known."""

    user_agent: str
    mobile: bool | None = None
    max_touch_points: int | None = None
    platform: str | None = None  # userAgentData.platform
    model: str | None = None  # high-entropy client hint
    form_factors: tuple[str, ...] | None = None  # high-entropy client hint
    screen: tuple[int, int] | None = None  # screen.width, screen.height in CSS pixels
    coarse_pointer: bool | None = None  # matchMedia("(pointer: coarse)")
    no_hover: bool | None = None  # matchMedia("(hover: none)")


@dataclass(frozen=True, slots=True)
class Page:
    now: int
    url: str
    title: str = ""
    referrer: str = ""
    cause: str = "load"
    reload: bool = False
    # navigator.languages, first choice first; None: not sent, the ones known stay
    languages: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Tick:
    now: int


@dataclass(frozen=True, slots=True)
class Selectors:
    results: Mapping[str, SelectorResult]


@dataclass(frozen=True, slots=True)
class Custom:
    results: Mapping[str, CustomResult]


@dataclass(frozen=True, slots=True)
class Action:
    now: int
    action: str
    interaction: str
    rule: str = ""
    next: str | None = None
    # a survey's answers, with `submitted`: question id -> rating, option or text
    answers: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Evaluate:
    now: int


@dataclass(frozen=True, slots=True)
class TriggerRule:
    now: int
    name: str


@dataclass(frozen=True, slots=True)
class TriggerInteraction:
    now: int
    id: str


@dataclass(frozen=True, slots=True)
class QueueStatus:
    queue_key: str
    agents_available: int | None
    queue_length: int | None
    now: int | None = None


@dataclass(frozen=True, slots=True)
class Push:
    """Anything the site passed to ``engage.push`` that is not queue status."""

    now: int
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Visibility:
    now: int
    visible: bool


@dataclass(frozen=True, slots=True)
class ExitIntent:
    now: int


@dataclass(frozen=True, slots=True)
class SessionSync:
    """Another tab of the same visitor wrote its state."""

    state: Mapping[str, Any]


Fact = (
    Device | Page | Tick | Selectors | Custom | Action | Evaluate | TriggerRule | TriggerInteraction
    | QueueStatus | Push | Visibility | ExitIntent | SessionSync
)


@dataclass(frozen=True, slots=True)
class FactError:
    fact: str
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.fact}.{self.field}" if self.field else self.fact
        return f"fact {where}: {self.message}"


class _Invalid(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _get(obj: Mapping[str, Any], name: str, kind: type | tuple[type, ...], default: Any = ..., choices: tuple[str, ...] = ()) -> Any:
    if name not in obj or obj[name] is None:
        if default is ...:
            raise _Invalid(name, "is missing")
        return default
    value = obj[name]
    # bool is an int in Python; a boolean where a number is wanted is a mistake.
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise _Invalid(name, f"expected a number, got {value!r}")
    if not isinstance(value, kind):
        raise _Invalid(name, f"expected {getattr(kind, '__name__', kind)}, got {type(value).__name__}")
    if choices and value not in choices:
        raise _Invalid(name, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def _now(obj: Mapping[str, Any]) -> int:
    value = _get(obj, "now", (int, float))
    return int(value)


def _number(obj: Mapping[str, Any], name: str) -> int | None:
    value = _get(obj, name, (int, float), None)
    return None if value is None else int(value)


def _languages(obj: Mapping[str, Any]) -> tuple[str, ...] | None:
    raw = _get(obj, "languages", list, None)
    if raw is None:
        return None
    if not all(isinstance(tag, str) for tag in raw):
        raise _Invalid("languages", "expected a list of language tags such as [\"sv-SE\", \"en\"]")
    return tuple(tag[:35] for tag in raw[:20])


def _bounded(value: Any) -> Any:
    """Pushed data with every string cut to TEXT_LIMIT characters."""
    if isinstance(value, str):
        return value[:TEXT_LIMIT]
    if isinstance(value, dict):
        return {str(k)[:TEXT_LIMIT]: _bounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_bounded(v) for v in value]
    return value


def _selectors(obj: Mapping[str, Any]) -> Selectors:
    raw = _get(obj, "results", dict)
    results = {}
    for selector, found in raw.items():
        if not isinstance(found, dict):
            raise _Invalid(f"results[{selector!r}]", "expected an object with exists, visible and text")
        text = found.get("text") or ""
        results[selector] = SelectorResult(bool(found.get("exists")), bool(found.get("visible")), str(text)[:TEXT_LIMIT])
    return Selectors(results)


def _custom(obj: Mapping[str, Any]) -> Custom:
    raw = _get(obj, "results", dict)
    results = {}
    for path, found in raw.items():
        if not isinstance(found, dict):
            raise _Invalid(f"results[{path!r}]", "expected an object with value and error")
        error = found.get("error")
        results[path] = CustomResult(bool(found.get("value")), None if error is None else str(error))
    return Custom(results)


def _short(obj: Mapping[str, Any], name: str) -> str | None:
    value: str | None = _get(obj, name, str, None)
    if value is not None and len(value) > 100:
        raise _Invalid(name, f"expected at most 100 characters, got {len(value)}")
    return value


def _device(obj: Mapping[str, Any]) -> Device:
    touch = _number(obj, "maxTouchPoints")
    if touch is not None and touch < 0:
        raise _Invalid("maxTouchPoints", f"expected 0 or more, got {touch}")
    factors = _get(obj, "formFactors", list, None)
    if factors is not None and (len(factors) > 10 or not all(isinstance(f, str) and len(f) <= 100 for f in factors)):
        raise _Invalid("formFactors", 'expected a list of up to 10 names such as ["Tablet"]')
    screen = _get(obj, "screen", list, None)
    if screen is not None:
        if len(screen) != 2 or not all(isinstance(n, int | float) and not isinstance(n, bool) and 0 < n < 100_000 for n in screen):
            raise _Invalid("screen", f"expected [width, height] in CSS pixels, both above 0, got {screen!r}")
        screen = (round(screen[0]), round(screen[1]))
    return Device(
        _get(obj, "userAgent", str), _get(obj, "mobile", bool, None), touch, _short(obj, "platform"),
        _short(obj, "model"), None if factors is None else tuple(factors), screen,
        _get(obj, "coarsePointer", bool, None), _get(obj, "noHover", bool, None),
    )


def _decode(obj: Mapping[str, Any]) -> Fact:
    kind = obj.get("type")
    if kind == "tick":
        return Tick(_now(obj))
    if kind == "page":
        return Page(
            _now(obj), _get(obj, "url", str)[:URL_LIMIT], _get(obj, "title", str, "")[:TEXT_LIMIT],
            _get(obj, "referrer", str, "")[:URL_LIMIT],
            _get(obj, "cause", str, "load", PAGE_CAUSES), bool(_get(obj, "reload", bool, False)),
            _languages(obj),
        )
    if kind == "selectors":
        return _selectors(obj)
    if kind == "custom":
        return _custom(obj)
    if kind == "device":
        return _device(obj)
    if kind == "action":
        return Action(
            _now(obj), _get(obj, "action", str, choices=ACTIONS), _get(obj, "interaction", str),
            _get(obj, "rule", str, ""), _get(obj, "next", str, None), _get(obj, "answers", dict, None),
        )
    if kind == "evaluate":
        return Evaluate(_now(obj))
    if kind == "triggerRule":
        return TriggerRule(_now(obj), _get(obj, "name", str))
    if kind == "triggerInteraction":
        return TriggerInteraction(_now(obj), _get(obj, "id", str))
    if kind == "queueStatus":
        return QueueStatus(
            _get(obj, "queueKey", str), _number(obj, "agentsAvailable"), _number(obj, "queueLength"),
            _number(obj, "now"),
        )
    if kind == "push":
        return Push(_now(obj), _bounded(_get(obj, "data", dict)))
    if kind == "visibility":
        return Visibility(_now(obj), _get(obj, "visible", bool))
    if kind == "exitIntent":
        return ExitIntent(_now(obj))
    if kind == "sessionSync":
        return SessionSync(_get(obj, "state", dict))
    raise _Invalid("type", f"unknown fact type {kind!r}")


def decode(obj: object) -> Fact | FactError:
    if not isinstance(obj, dict):
        return FactError("fact", None, f"expected an object, got {type(obj).__name__}")
    name = obj.get("type") if isinstance(obj.get("type"), str) else "fact"
    # Python's json reads NaN, Infinity and 1e999; none of them is a time, a count or a price.
    bad = None if all_finite(obj) else next(non_finite(obj), None)
    if bad is not None:
        return FactError(str(name), bad, "is not a finite number (NaN or Infinity); send a finite number")
    try:
        return _decode(obj)
    except _Invalid as exc:
        return FactError(str(name), exc.field, exc.message)

"""Who the visitor is: ``referrer``, ``queryParameter``, ``language``, ``visits``,
``daysSinceLastVisit`` (the facts behind them: ``engine.audience``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from engine.audience import SOURCES, Audience, classify, query_parameter
from engine.conditions.base import CompileContext, Condition, View, register
from engine.languages import tag_matches
from engine.text import NEGATED, Matcher, compile_text_match
from engine.validation import ConfigError

COMPARE: dict[str, Callable[[float, float], bool]] = {
    "moreThan": lambda actual, value: actual > value,
    "lessThan": lambda actual, value: actual < value,
    "equals": lambda actual, value: actual == value,
}


def _audience(view: View) -> Audience:
    return view.audience if isinstance(view.audience, Audience) else Audience()


def _text(raw: Mapping[str, Any], path: str, ctx: CompileContext) -> tuple[Matcher, bool]:
    match = compile_text_match(raw["operator"], raw["value"], bool(raw.get("caseSensitive")), path, ctx.errors)
    return match, raw["operator"] in NEGATED


class ReferrerCondition(Condition):
    """The referring URL of the session's landing page or of the current page view: text
    operators on it (raw or percent-decoded; no referrer is the empty text), or its
    ``source``."""

    type = "referrer"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.criteria = raw["criteria"]
        self.source = raw.get("source")
        self.match: Matcher | None = None
        self.negated = False
        texts = "operator" in raw or "value" in raw
        if self.source is not None and texts:
            ctx.errors.append(ConfigError(path, 'give either "source" or "operator" with "value", not both'))
        elif self.source is None and not ("operator" in raw and "value" in raw):
            ctx.errors.append(ConfigError(path, f'give "source" ({", ".join(SOURCES[:-1])} or {SOURCES[-1]}), '
                                                'or "operator" with "value"'))
        elif self.source is None:
            self.match, self.negated = _text(raw, path, ctx)

    def test(self, view: View) -> tuple[bool, object]:
        url, referrer = _audience(view).page(self.criteria, view.page(0))
        if self.match is None:
            source = classify(url, referrer)
            return source == self.source, source
        forms = {referrer, unquote(referrer)}
        # notContains holds only when neither form contains it, contains when either does
        found = all(map(self.match, forms)) if self.negated else any(map(self.match, forms))
        return found, referrer or None


class QueryParameterCondition(Condition):
    """A query parameter of the landing or the current page's URL, percent-decoded. A
    missing parameter holds for the negated operators only (``notEquals`` ...)."""

    type = "queryParameter"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.criteria = raw["criteria"]
        self.name = raw["name"]
        self.match, self.negated = _text(raw, path, ctx)

    def test(self, view: View) -> tuple[bool, object]:
        url, _ = _audience(view).page(self.criteria, view.page(0))
        value = query_parameter(url, self.name)
        if value is None:
            return self.negated, None
        return self.match(value), value


class LanguageCondition(Condition):
    """The visitor's first preferred language (any of them with ``anyOf``) against BCP 47
    ranges: ``sv`` matches ``sv`` and ``sv-SE``, ``sv-FI`` does not match ``sv-SE``."""

    type = "language"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        value = raw["value"]
        self.ranges: tuple[str, ...] = (value,) if isinstance(value, str) else tuple(value)
        self.negated = raw["operator"] == "isNot"
        self.any_of = bool(raw.get("anyOf"))

    def test(self, view: View) -> tuple[bool, object]:
        languages = _audience(view).languages
        considered = languages if self.any_of else languages[:1]
        hit = any(tag_matches(r, tag) for tag in considered for r in self.ranges)
        return hit != self.negated, ", ".join(considered) or None


class _CountCondition(Condition):
    """``moreThan`` / ``lessThan`` / ``equals`` on a whole number the audience holds;
    no comparison holds when it is unknown (None)."""

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.compare = COMPARE[raw["operator"]]
        self.value = raw["value"]

    def count(self, audience: Audience) -> int | None:
        raise NotImplementedError

    def test(self, view: View) -> tuple[bool, object]:
        count = self.count(_audience(view))
        return count is not None and self.compare(count, self.value), count


class VisitsCondition(_CountCondition):
    """The visitor's visit number, this visit included (1 on a first visit)."""

    type = "visits"

    def count(self, audience: Audience) -> int | None:
        return audience.visits


class DaysSinceLastVisitCondition(_CountCondition):
    """Whole days from the previous visit's last activity to this visit's start. A first
    visit has no previous one: no comparison holds."""

    type = "daysSinceLastVisit"

    def count(self, audience: Audience) -> int | None:
        return audience.days_since_last_visit


register("referrer")(ReferrerCondition)
register("queryParameter")(QueryParameterCondition)
register("language")(LanguageCondition)
register("visits")(VisitsCondition)
register("daysSinceLastVisit")(DaysSinceLastVisitCondition)

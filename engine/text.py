"""Text operators shared by URL conditions and entry points (compiled once).

``matches`` searches (not anchored), like the regular expressions site owners paste from
analytics tools. ``wildcard`` is anchored to the whole text: ``*`` stands for any run of
characters and nothing else is special, so ``*/products/*/reviews*`` reads as written.
Everything is case-insensitive unless ``caseSensitive`` is true.

URLs are matched as people write them as well as the browser holds them: with
``percent_decoded``, a text matches when either the raw URL or the URL percent-decoded
as the URL standard decodes it (UTF-8; an invalid escape left as is) matches, so
``/kjøp`` finds ``/kj%C3%B8p``. A negated operator holds when neither form matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import unquote

from engine.regex_safety import backtracking_problem
from engine.validation import ConfigError

Matcher = Callable[[str], bool]

NEGATED = {"notContains": "contains", "notEquals": "equals", "notMatches": "matches"}


def _positive(operator: str, value: str, case_sensitive: bool) -> Matcher:
    if operator in ("matches", "wildcard"):
        flags = 0 if case_sensitive else re.IGNORECASE
        if operator == "wildcard":
            pattern = re.compile(".*".join(re.escape(part) for part in value.split("*")), flags | re.DOTALL)
            return lambda text: pattern.fullmatch(text) is not None
        compiled = re.compile(value, flags)
        return lambda text: compiled.search(text) is not None
    needle = value if case_sensitive else value.casefold()
    fold: Callable[[str], str] = (lambda t: t) if case_sensitive else str.casefold
    if operator == "contains":
        return lambda text: needle in fold(text)
    if operator == "equals":
        return lambda text: fold(text) == needle
    if operator == "startsWith":
        return lambda text: fold(text).startswith(needle)
    if operator == "endsWith":
        return lambda text: fold(text).endswith(needle)
    raise ValueError(f"unknown text operator {operator!r}")


@lru_cache(maxsize=64)
def decode_url(text: str) -> str:
    """``text`` with %XX escapes decoded as UTF-8 (invalid bytes become U+FFFD, as the URL
    standard's percent-decode followed by UTF-8 decode does); a ``%`` not followed by two
    hex digits stays as it is."""
    return unquote(text, errors="replace") if "%" in text else text


def compile_text_match(
    operator: str, value: str, case_sensitive: bool, path: str, errors: list[ConfigError],
    *, percent_decoded: bool = False,
) -> Matcher:
    """A matcher for one operator; a regex that does not compile is a config error."""
    base = NEGATED.get(operator, operator)
    try:
        positive = _positive(base, value, case_sensitive)
    except re.error as exc:
        errors.append(ConfigError(f"{path}.value", f"invalid regular expression {value!r}: {exc}; escape special characters with \\"))
        return lambda text: False
    problem = backtracking_problem(value) if base == "matches" else None
    if problem:
        errors.append(ConfigError(f"{path}.value", problem))
        return lambda text: False
    if percent_decoded:
        positive = _either_form(positive)
    if operator in NEGATED:
        return lambda text: not positive(text)
    return positive


def _either_form(raw: Matcher) -> Matcher:
    def either(text: str) -> bool:
        if raw(text):
            return True
        decoded = decode_url(text)
        return decoded != text and raw(decoded)

    return either

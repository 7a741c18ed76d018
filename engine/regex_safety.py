"""Regular expressions that can backtrack catastrophically are config errors.

``matches`` runs Python's backtracking ``re``: a pattern such as ``(a+)+$`` takes time
exponential in the length of the text it fails on, so one URL can stall the engine. Each
pattern is checked once, when the config is compiled (in the CLI's ``validate``, the
playground and the browser alike), by regexploit's analysis of the parsed pattern:
nested quantifiers, overlapping alternatives inside a repeat and three or more unbounded
repeats that can match the same text are rejected, with a way to rewrite them. regexploit
is pure Python, bundled with the engine and imported only by configs that use ``matches``.

The analysis does not find every slow pattern (``(a|aa)+$`` passes); what slips through
is bounded by the size limits on text (docs/semantics.md) and caught by the loader's
watchdog, which restarts the engine without the rule (docs/architecture.md).
"""

from __future__ import annotations

import warnings
from functools import cache

# regexploit's own threshold: a starriness of 3 or more is cubic or worse (11: exponential).
STARRINESS_LIMIT = 3


@cache
def backtracking_problem(pattern: str) -> str | None:
    """Why ``pattern`` can backtrack catastrophically and how to rewrite it, or None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # regexploit reads sre_parse
        from regexploit.ast.sre import SreOpParser
        from regexploit.redos import find
    try:
        found = find(SreOpParser().parse_sre(pattern))
    except Exception:  # syntax regexploit does not model (atomic groups, possessive repeats)
        return None
    worst = max(found, key=lambda r: r.starriness, default=None)
    if worst is None or worst.starriness < STARRINESS_LIMIT:
        return None
    repeated = worst.repeated_character.example()
    if worst.starriness > 10:
        kind = (
            "a repeated group holds a repeat that can match the same text "
            f"(nested quantifiers such as (a+)+ or (\\w+\\s?)*, here on {repeated!r}): "
            "its time doubles with each character of a text it fails on"
        )
        fix = "repeat once, without the group (a+ instead of (a+)+), or make the parts unable to match the same characters"
    else:
        kind = (
            f"{worst.starriness} unbounded repeats in a row can all match {repeated!r}: "
            f"its time grows as the length of the text to the power {worst.starriness}"
        )
        fix = "drop the leading .* (matches searches anywhere), or use a character class that excludes what follows ([^/]* instead of .*)"
    return f"this regular expression can backtrack catastrophically and stall the engine: {kind}; {fix}"

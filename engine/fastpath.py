"""Rules compiled to plain checks, for evaluations nobody traces.

Most evaluations are read by no one: the trace is the debug overlay's, ``explain()``'s and
``engage:evaluated``'s, and the loader asks for it only while one of them is in use. Then a
rule needs only its result, and testing it through ``engine.trace.test_rule`` (a tuple of
``(result, read)`` per condition, a ``RuleTrace`` per rule) costs several times the check.

``checks_for(config)`` compiles each rule once into one callable ``view -> bool`` with the
same short-circuits as the trace (a ruleset stops at its first false condition, a rule at
its first true ruleset), from each condition's own ``check()`` closure. The traced path
(``test_rule``) tests the same compiled conditions, so the two cannot disagree on what a
condition means; ``tests/unit/test_fastpath.py`` checks that they agree on every shared case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from engine.conditions.base import View

if TYPE_CHECKING:
    from engine.config import Config

Check = Callable[[View], bool]

# the last config compiled: an engine is made per visit (and per test), its config rarely changes
_cache: tuple[Config, tuple[Check, ...]] | None = None


def checks_for(config: Config) -> tuple[Check, ...]:
    """One check per rule of ``config.rules``, by rule index."""
    global _cache
    if _cache is not None and _cache[0] is config:
        return _cache[1]
    checks = tuple(rule_check([[c.check() for c in rs.conditions] for rs in rule.rulesets])
                   for rule in config.rules)
    _cache = (config, checks)
    return checks


def rule_check(rulesets: Sequence[Sequence[Check]]) -> Check:
    if len(rulesets) == 1:
        conditions = tuple(rulesets[0])
        if len(conditions) == 1:
            return conditions[0]
        if len(conditions) == 2:
            first, second = conditions
            return lambda view: first(view) and second(view)
        return lambda view: all(c(view) for c in conditions)
    sets = tuple(tuple(rs) for rs in rulesets)
    return lambda view: any(all(c(view) for c in conditions) for conditions in sets)

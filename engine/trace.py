"""Why each rule did or did not match: the trace a site owner reads.

Testing a rule records, for each condition it tried, the result and the fact value it
read. Conditions short-circuit like the semantics say (a ruleset stops at its first
false condition, a rule at its first true ruleset); untried ones appear as not tested.
The trace is kept compact while evaluating and turned into JSON only when asked.

Invariant: a TraceEncoder's deltas, applied in order to its first full trace, give exactly
``Trace.to_json()`` of the latest trace. The bridge sends a trace on every evaluation (it is
the ``engage:evaluated`` detail), so only the rules whose entry can have changed are
encoded: those re-tested, those with an explicit status now or before, and every rule when
the displayed regular rule changed (which moves matched <-> suppressed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.conditions.base import View
from engine.vocabulary import RuleStatus

if TYPE_CHECKING:
    from engine.config import Rule


@dataclass(frozen=True, slots=True)
class RuleTrace:
    matched: bool
    # per ruleset: (result, read) for each condition tried, in order
    rulesets: tuple[tuple[tuple[bool, object], ...], ...]


def test_rule(rule: Rule, view: View) -> RuleTrace:
    tried = []
    for ruleset in rule.rulesets:
        results = []
        for condition in ruleset.conditions:
            result, read = condition.test(view)
            results.append((result, read))
            if not result:
                break
        tried.append(tuple(results))
        if len(results) == len(ruleset.conditions) and results[-1][0]:
            return RuleTrace(True, tuple(tried))
    return RuleTrace(False, tuple(tried))


@dataclass(frozen=True, slots=True)
class Trace:
    now: int
    cause: str
    rules: Sequence[Rule]
    results: Mapping[int, RuleTrace]
    statuses: Mapping[int, RuleStatus]
    displayed_regular: str | None = None
    # rule indexes tested afresh by this evaluation, and whether every earlier result was
    # dropped first (so a rule tested before and not now is "skipped" again)
    retested: Sequence[int] = ()
    cleared: bool = True

    def status(self, rule: Rule) -> RuleStatus:
        traced = self.results.get(rule.index)
        if rule.index in self.statuses:
            return self.statuses[rule.index]
        if traced is None:
            return RuleStatus.SKIPPED
        if not traced.matched:
            return RuleStatus.NOT_MATCHED
        if not rule.always_evaluate and self.displayed_regular not in (None, rule.name):
            return RuleStatus.SUPPRESSED
        return RuleStatus.MATCHED

    def to_json(self) -> dict[str, Any]:
        return {"now": self.now, "cause": self.cause, "rules": [self.rule_json(rule) for rule in self.rules]}

    def rule_json(self, rule: Rule) -> dict[str, Any]:
        traced = self.results.get(rule.index)
        rulesets = []
        for rs_index, ruleset in enumerate(rule.rulesets):
            tried = traced.rulesets[rs_index] if traced and rs_index < len(traced.rulesets) else ()
            conditions = []
            for c_index, condition in enumerate(ruleset.conditions):
                entry: dict[str, Any] = dict(condition.raw)
                if c_index < len(tried):
                    entry["result"], entry["read"] = tried[c_index][0], _plain(tried[c_index][1])
                else:
                    entry["result"], entry["read"] = None, None
                conditions.append(entry)
            matched = bool(tried) and len(tried) == len(ruleset.conditions) and tried[-1][0]
            rulesets.append({"matched": matched if tried else None, "conditions": conditions})
        return {
            "name": rule.name,
            "alwaysEvaluate": rule.always_evaluate,
            "matched": None if traced is None else traced.matched,
            "status": self.status(rule),
            "rulesets": rulesets,
        }

    def render(self) -> str:
        """The trace as indented text: rule > ruleset > condition, the value read, the result."""
        marks = {True: "yes", False: "no ", None: " - "}
        lines = []
        for rule in self.to_json()["rules"]:
            always = " (always evaluated)" if rule["alwaysEvaluate"] else ""
            lines.append(f"rule {rule['name']!r}{always}: {rule['status']}")
            for index, ruleset in enumerate(rule["rulesets"]):
                lines.append(f"  ruleset {index + 1}: {marks[ruleset['matched']].strip() or '-'}")
                for cond in ruleset["conditions"]:
                    # Every field the site owner wrote, in their order: flows, entry points
                    # and product matches need theirs as much as URLs do.
                    described = " ".join(
                        v if isinstance(v, str) else json.dumps(v) for k, v in cond.items() if k not in ("result", "read")
                    )
                    read = "not tested" if cond["result"] is None else f"read {cond['read']!r}"
                    lines.append(f"    [{marks[cond['result']]}] {described}  ({read})")
        return "\n".join(lines)


def _plain(value: object) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class TraceEncoder:
    """Successive traces as JSON: the first whole, then only the rule entries that changed.

    ``{"now", "cause", "rules": [...]}`` is a whole trace; ``{"now", "cause", "changed":
    {"INDEX": entry}}`` replaces those entries of the trace before it. At 1,000 rules the
    whole trace is hundreds of kilobytes of JSON, while a changed fact re-tests a handful
    of rules: encoding only those keeps the bridge's cost near the evaluation's.
    """

    def __init__(self) -> None:
        self._rules: Sequence[Rule] | None = None
        self._sent: list[tuple[RuleTrace | None, str]] = []
        self._results: Mapping[int, RuleTrace] = {}
        self._explicit: Sequence[int] = ()
        self._displayed: str | None = None

    def encode(self, trace: Trace) -> dict[str, Any]:
        rules = trace.rules
        if rules is not self._rules:
            self._rules = rules
            self._sent = [(trace.results.get(r.index), trace.status(r)) for r in rules]
            self._remember(trace)
            return trace.to_json()
        if trace.displayed_regular != self._displayed:
            candidates: Iterable[int] = range(len(rules))
        else:
            due = set(trace.retested)
            due.update(trace.statuses, self._explicit)
            if trace.cleared:
                due.update(self._results)
            candidates = due
        sent, changed = self._sent, {}
        for index in candidates:
            rule = rules[index]
            now = (trace.results.get(index), trace.status(rule))
            if sent[index] != now:
                sent[index] = now
                changed[str(index)] = trace.rule_json(rule)
        self._remember(trace)
        return {"now": trace.now, "cause": trace.cause, "changed": changed}

    def _remember(self, trace: Trace) -> None:
        self._results = trace.results
        self._explicit = tuple(trace.statuses)
        self._displayed = trace.displayed_regular

"""engine.urlindex: a closed URL gate never hides a rule that matches.

Random URLs and needles (mixed case, percent-encoded and non-ASCII characters whose case
folding differs between ``re`` and ``str.casefold``) are checked two ways: every gated rule
the index reports closed must fail its own check; and an engine evaluating untraced (which
skips closed rules) decides exactly as one evaluating traced (which tests every rule).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.rules import make_config
from engine import Config, Engine, compile_config
from engine.conditions.base import View
from engine.decisions import encode
from engine.fastpath import checks_for
from engine.urlindex import CASE_SAFE, UrlIndex, gram_scanner, required_literal

# characters that make case and percent-decoding matter
PIECES = ["a", "B", "k", "K", "s", "S", "\u017f", "i", "I", "\u0131", "\u0130", "ß", "SS", "ø", "Ø", "%C3%B8", "%c3%b8", "%", "%2",
          "/", "-", ".", "?", "#", "=", "x", "1", "22", "/shop", "/Kjøp", "/kj%C3%B8p", "é", "E\u0301", "\u212a",
          "/kids", "Skirt", "/Info"]
text = st.lists(st.sampled_from(PIECES), min_size=1, max_size=6).map("".join)
REGEX_PIECES = [r"\d+", ".*", "[a-z]", "(ab)+", "(?:x|y)", "a?", r"\b", "(?i:skate)", "(?-i:SKATE)", "x{2}", "^", "$",
                "(/sale)?", "(?:/shop)*", "(?:/outlet){0,2}", "(?:/tops){1,2}"]


@st.composite
def regex(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(text.map(re.escape), st.sampled_from(REGEX_PIECES)), min_size=1, max_size=5))
    flags = draw(st.sampled_from(["", "(?i)", "(?a)"]))
    return flags + "".join(parts)


@st.composite
def condition(draw: st.DrawFn) -> dict[str, Any]:
    operator = draw(st.sampled_from(["contains", "equals", "startsWith", "endsWith", "matches", "wildcard",
                                     "notContains"]))
    if operator == "matches":
        value = draw(regex())
    elif operator == "wildcard":
        value = "*".join(draw(st.lists(text, min_size=1, max_size=3)))
        value = draw(st.sampled_from(["", "*"])) + value + draw(st.sampled_from(["", "*"]))
    else:
        value = draw(text)
    return {"type": "url", "criteria": draw(st.sampled_from(["currentPage", "previousPage", "twoPagesBack"])),
            "operator": operator, "value": value, "caseSensitive": draw(st.booleans())}


def config_of(rulesets: list[list[dict[str, Any]]]) -> Config | None:
    rules = [{"name": f"r{i}", "rulesets": [{"conditions": conds} for conds in rs], "outcome": {"start": "p"}}
             for i, rs in enumerate(rulesets)]
    compiled = compile_config({"version": 1, "rules": rules, "interactions": {"p": {"type": "panel", "title": "P"}}})
    return compiled if isinstance(compiled, Config) else None


# re folds these to other letters; casefold folds some of them differently
UNICODE_CASE = str.maketrans({"i": "\u0131", "I": "\u0130", "k": "\u212a", "s": "\u017f", "S": "\u017f", "ø": "Ø"})
FORMS = [str, str.upper, str.lower, str.swapcase, quote, lambda t: quote(t.upper()), lambda t: t.translate(UNICODE_CASE)]


@st.composite
def holding(draw: st.DrawFn, cond: dict[str, Any]) -> str:
    """Text that often satisfies ``cond``, as written, re-cased or percent-encoded."""
    value = cond["value"]
    if cond["operator"] == "matches":
        try:
            sample = draw(st.from_regex(value))
        except Exception:  # a pattern hypothesis cannot sample: any text
            sample = draw(text)
    else:
        sample = value.replace("*", draw(text))
    before = draw(st.sampled_from(["", "https://shop.test/"])) + draw(st.sampled_from(["", "x", "/a%2"]))
    return before + draw(st.sampled_from(FORMS))(sample) + draw(st.sampled_from(["", "#x", "/b", "%"]))


@st.composite
def url_like(draw: st.DrawFn, conditions: list[dict[str, Any]]) -> str:
    if conditions and draw(st.integers(0, 3)):
        return draw(holding(draw(st.sampled_from(conditions))))
    return "https://shop.test" + draw(text)


rulesets = st.lists(st.lists(condition(), min_size=1, max_size=2), min_size=1, max_size=2)
BACKS = {"currentPage": 0, "previousPage": 1, "twoPagesBack": 2}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(condition(), st.data())
def test_a_closed_gate_never_hides_a_matching_condition(cond: dict[str, Any], data: st.DataObject) -> None:
    compiled = config_of([[[cond]]])
    if compiled is None:
        return
    history = [data.draw(url_like([])) for _ in range(3)]
    history[2 - BACKS[cond["criteria"]]] = data.draw(holding(cond))
    view = View(history=tuple(history))
    index = UrlIndex(compiled)
    if 0 in index.gated and 0 not in index.at(view).open:
        assert not checks_for(compiled)[0](view), f"{cond} matches {history} but its gate is closed"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rulesets, min_size=1, max_size=6), st.data())
def test_a_closed_gate_never_hides_a_matching_rule(rules: list[list[list[dict[str, Any]]]], data: st.DataObject) -> None:
    compiled = config_of(rules)
    if compiled is None:
        return
    conditions = [c for r in rules for rs in r for c in rs]
    history = tuple(data.draw(st.lists(url_like(conditions), min_size=1, max_size=3)))
    view = View(history=history)
    index = UrlIndex(compiled)
    opened = index.at(view)
    for rule, check in zip(compiled.rules, checks_for(compiled), strict=True):
        if rule.index in index.gated and rule.index not in opened.open:
            assert not check(view), f"{rule.name} matches {history} but its gate is closed"


@pytest.mark.parametrize(("operator", "value", "case_sensitive", "url"), [
    ("matches", "/kids/", False, "https://shop.test/k\u0131ds/"),  # re folds dotless i to i, casefold does not
    ("matches", "/KIDS/", False, "https://shop.test/k\u0130ds/"),
    ("matches", "/skate", False, "https://shop.test/\u017f\u212aate"),  # long s and the Kelvin sign fold to s and k both ways
    ("wildcard", "*/kids/*", False, "https://shop.test/k\u0131ds/x"),
    ("matches", "(?i:skate)", True, "https://shop.test/SKATE"),  # the group's own flag: case-insensitive
    ("matches", "(?i)/skate", True, "https://shop.test/SKATE"),
    ("matches", "/a(/outlet)?", True, "https://shop.test/a"),  # an optional group is not required
    ("matches", "/a(?:/outlet)*", True, "https://shop.test/a"),
    ("contains", "/kjøp", False, "https://shop.test/KJ%C3%B8P"),  # decoded, then casefolded
    ("startsWith", "https://shop.test/ß", False, "https://shop.test/SS"),
    ("endsWith", "/ø", True, "https://shop.test/%C3%B8"),
    ("equals", "https://shop.test/ø", False, "https://shop.test/%c3%98"),
])
def test_a_gate_stays_open_where_case_or_decoding_makes_its_condition_match(
    operator: str, value: str, case_sensitive: bool, url: str,
) -> None:
    cond = {"type": "url", "criteria": "currentPage", "operator": operator, "value": value, "caseSensitive": case_sensitive}
    compiled = config_of([[[cond]]])
    assert compiled is not None
    view = View(history=(url,))
    assert checks_for(compiled)[0](view), "the example matches"
    index = UrlIndex(compiled)
    assert 0 not in index.gated or 0 in index.at(view).open


def test_the_benchmark_rules_are_all_gated_and_few_open() -> None:
    compiled = compile_config(make_config(1000))
    assert isinstance(compiled, Config)
    index = UrlIndex(compiled)
    assert len(index.gated) == 1000  # every rule but the fallback, which has no URL condition
    opened = index.at(View(history=("https://shop.test/from-3", "https://shop.test/c12/x#r4")))
    checks = checks_for(compiled)
    view = View(history=("https://shop.test/from-3", "https://shop.test/c12/x#r4"))
    matching = {r.index for r, check in zip(compiled.rules, checks, strict=True) if check(view)}
    assert len(opened.open) < 60, "the gates are selective"
    assert matching - {1000} <= opened.open  # the fallback (index 1000) is not gated
    assert len(opened.regular) < 60, "a full evaluation visits only the open rules (and the ungated)"


def test_the_required_literal_of_a_regular_expression() -> None:
    assert required_literal(r"/product/12\b", True) == ("/product/12", True)
    assert required_literal(r"/Product/(\d+)/reviews", False) == ("/product/", False), "no i: re also folds it to \u0131"
    assert required_literal(r"(?i)/ABC/", True) == ("/abc/", False), "an inline (?i) makes it case-insensitive"
    assert required_literal(r"/kids/(shoes)+", False) == ("shoes", False)
    assert required_literal("/kids", True) == ("/kids", True)
    assert required_literal("/kids", False) is None, "/k and ds: too short to look up"
    assert required_literal("foo|bar", True) is None, "no literal every match holds"
    assert required_literal("a?b?c?d?", True) is None
    assert required_literal("(?i:abcdef)x", True) is None, "a group with its own flags is not read"


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4).flatmap(lambda k: st.tuples(
    st.sets(st.text("ab/.|*()?\\\u0131", min_size=k, max_size=k), max_size=12), st.text("ab/.|*()?\\\u0131", max_size=40))))
def test_the_gram_scanner_finds_every_piece_a_text_holds(case: tuple[set[str], str]) -> None:
    """Overlapping pieces, pieces sharing a prefix, regex metacharacters: what the scanner
    finds is exactly the set of pieces that occur in the text."""
    pieces, text = case
    assert set(gram_scanner(pieces).findall(text)) == {p for p in pieces if p in text}


def test_the_gram_scanner_of_no_pieces_finds_nothing() -> None:
    assert gram_scanner([]).findall("any text") == []


def test_case_safe_characters_fold_in_re_as_in_casefold() -> None:
    """Every character ``re.IGNORECASE`` matches to a CASE_SAFE character casefolds as it does."""
    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    for char in sorted(CASE_SAFE):
        for found in set(re.findall(re.escape(char), every, re.IGNORECASE)):
            assert found.casefold() == char.casefold(), (char, found)
    assert {"\u0131", "\u0130"} & set(re.findall("i", every, re.IGNORECASE)), "why i is left out"


@st.composite
def timed_rule(draw: st.DrawFn) -> list[list[dict[str, Any]]]:
    rs = draw(rulesets)
    if draw(st.booleans()):
        rs[0].append({"type": "time", "criteria": "onPage", "operator": draw(st.sampled_from(["moreThan", "lessThan"])),
                      "value": draw(st.integers(1, 20))})
    return rs


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(timed_rule(), min_size=1, max_size=6), st.lists(st.booleans(), max_size=3), st.data())
def test_untraced_evaluation_skipping_closed_rules_decides_as_the_traced_one(
    rules: list[list[list[dict[str, Any]]]], caps: list[bool], data: st.DataObject,
) -> None:
    raw_rules = [{"name": f"r{i}", "rulesets": [{"conditions": c} for c in rs], "outcome": {"start": "p"}}
                 for i, rs in enumerate(rules)]
    for rule, capped in zip(raw_rules, caps, strict=False):
        if capped:
            rule["frequency"] = {"maxPerSession": 1}
    raw_rules.append({"name": "fallback", "rulesets": [{"conditions": [{"type": "static", "operator": "always"}]}],
                      "outcome": {"start": "p"}})
    compiled = compile_config({"version": 1, "rules": raw_rules, "interactions": {"p": {"type": "panel", "title": "P"}}})
    if not isinstance(compiled, Config):
        return
    conditions = [c for r in rules for rs in r for c in rs if c["type"] == "url"]
    engines = [Engine(compiled, visitor_seed="s"), Engine(compiled, visitor_seed="s")]
    engines[1].tracing = False
    now = 1_795_424_400_000
    for step in range(data.draw(st.integers(1, 5))):
        now += data.draw(st.integers(0, 15_000))
        kind = data.draw(st.sampled_from(["page", "page", "replace", "tick", "close"]))
        if kind == "tick":
            facts: list[dict[str, Any]] = [{"type": "tick", "now": now}]
        elif kind == "close":
            facts = [{"type": "action", "now": now, "rule": data.draw(st.sampled_from([r["name"] for r in raw_rules])),
                      "interaction": "p", "action": "close"}]
        else:
            facts = [{"type": "page", "now": now, "url": data.draw(url_like(conditions)),
                      "cause": "replaceState" if kind == "replace" else data.draw(st.sampled_from(["load", "pushState"]))}]
        seen = []
        for engine in engines:
            engine.receive_json(json.loads(json.dumps(facts)))
            seen.append(([encode(d) for d in engine.decisions()], engine.watch, engine.state()))
        assert seen[0] == seen[1], f"step {step}: {facts}"
        if data.draw(st.booleans()):  # the trace asked for afterwards: the same rules tested, skipped, matched
            shown = [[(r["name"], r["status"], r["matched"]) for r in (e.trace.to_json()["rules"] if e.trace else [])]
                     for e in engines]
            assert shown[0] == shown[1], f"step {step}: {facts}"


def test_a_closed_rule_whose_polled_value_changes_is_traced_as_the_traced_engine_tests_it() -> None:
    # A navigation leaves the closed rules out of the memo until it is read (Engine._unfilled):
    # a tick that re-tests a closed rule because a value it reads changed must find it there,
    # so that a trace asked for afterwards says what a traced engine says.
    compiled = compile_config({"version": 1, "interactions": {"p": {"type": "panel", "title": "P"}}, "rules": [
        {"name": "gated", "outcome": {"start": "p"}, "rulesets": [{"conditions": [
            {"type": "url", "criteria": "currentPage", "operator": "contains", "value": "/a"},
            {"type": "custom", "operator": "evaluatesTrue", "value": "shop.flag"}]}]},
        {"name": "fallback", "outcome": {"start": "p"}, "rulesets": [{"conditions": [{"type": "static", "operator": "always"}]}]},
    ]})
    assert isinstance(compiled, Config)
    traced, untraced = Engine(compiled, visitor_seed="s"), Engine(compiled, visitor_seed="s")
    untraced.tracing = False
    now = 1_795_424_400_000
    steps = [[{"type": "page", "now": now, "url": "https://shop.test/b", "cause": "load"}],
             [{"type": "custom", "results": {"shop.flag": {"value": True, "error": None}}}, {"type": "tick", "now": now + 1_000}]]
    for facts in steps:
        for engine in (traced, untraced):
            engine.receive_json(json.loads(json.dumps(facts)))
            engine.decisions()
    assert traced.trace is not None and untraced.trace is not None
    assert untraced.trace.retested == traced.trace.retested == [0]
    assert untraced.trace.to_json() == traced.trace.to_json()

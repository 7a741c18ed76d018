"""Rules indexed by a URL "gate", so a navigation tests only the rules its URL can match.

A navigation re-tests every rule, and almost every rule of a real site holds a URL
condition that the new page does not match. For each ruleset, ``index_for(config)``
picks at compile time one *gate*: a URL condition the ruleset cannot match without (its
conditions are ANDed; a negated operator never gates) whose operator can be looked up
instead of tested one by one:

* ``equals``: the whole URL, in a dict;
* ``startsWith`` / ``endsWith``: the URL's prefix / suffix of each distinct needle length;
* ``contains``: a short piece of the needle (its rarest *k*-gram among all needles, or the
  whole needle when it is shorter than the smallest *k*), found among the URL's *k*-grams;
* ``matches`` and ``wildcard``: a run of literal characters the regular expression
  requires, read with Python's own regex parser, then looked up as ``contains``. Under
  case-insensitive matching only characters that ``re`` folds exactly as
  ``str.casefold`` does (``CASE_SAFE``) are used; a pattern with no such run of at least
  ``MIN_LITERAL`` characters is simply not gated.

A rule is *gated* when every ruleset has a gate; it is *closed* at a URL when every gate
is, and then it cannot match: the engine records it as not matched without calling its
checks. Every URL operator matches the raw or the percent-decoded URL (engine.text), so
gates are looked up in both forms (casefolded unless the condition is case-sensitive).
A gate may open for a URL its condition then rejects (a *k*-gram is only a part of the
needle); it never stays closed for one the condition accepts: the rule's own checks
decide whenever it is open. ``tests/unit/test_urlindex.py`` compares gated and ungated
evaluation on random URLs and needles.

What is open depends only on the pages the conditions read (the last three of the
history), so it is computed once per distinct pages and kept for a few.
"""

from __future__ import annotations

import importlib
import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from engine.conditions.base import View
from engine.conditions.url import UrlCondition
from engine.text import decode_url

try:  # the parser behind re.compile; private, so a Python without it simply gates no regex
    _regex_parser: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - every supported Python has it
    _regex_parser = None

if TYPE_CHECKING:
    from engine.config import Config, Rule, Ruleset

# ASCII characters that ``re.IGNORECASE`` matches only against characters with the same
# ``casefold()``: "i" is left out because re also matches it to the dotless i (U+0131) and the
# dotted capital I (U+0130), whose folds differ. tests/unit/test_urlindex.py checks this against
# every Unicode code point.
CASE_SAFE = frozenset(chr(c) for c in range(0x20, 0x7F)) - set("iI")
MIN_LITERAL = 3
# the k-gram lengths "contains" needles are indexed by (the longest that fits each needle)
GRAMS = (3, 6, 10)
# how many distinct page histories' open gates are kept
KEEP = 8

Ids = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Gate:
    back: int  # 0 = current page, 1 = previous, 2 = two pages back
    kind: str  # "equals", "prefix", "suffix" or "contains"
    needle: str  # casefolded unless case_sensitive
    case_sensitive: bool


def gate_of(condition: UrlCondition) -> Gate | None:
    """The lookup ``condition`` can be replaced by as a necessary test, or None."""
    raw = condition.raw
    operator, value = raw.get("operator"), raw.get("value")
    if not isinstance(value, str):
        return None
    sensitive = bool(raw.get("caseSensitive"))
    kinds = {"equals": "equals", "startsWith": "prefix", "endsWith": "suffix", "contains": "contains"}
    if operator in kinds:
        if not value:
            return None
        return Gate(condition.back, kinds[operator], value if sensitive else value.casefold(), sensitive)
    if operator == "matches":
        found = required_literal(value, sensitive)
    elif operator == "wildcard":
        found = _longest_safe(value.split("*"), sensitive)
    else:
        return None
    if found is None:
        return None
    literal, sensitive = found
    return Gate(condition.back, "contains", literal, sensitive)


def required_literal(pattern: str, case_sensitive: bool) -> tuple[str, bool] | None:
    """The longest run of literal characters every match of ``pattern`` contains, as
    (needle, case-sensitive); None when there is none worth a lookup or any doubt."""
    if _regex_parser is None:
        return None
    runs: list[str] = []
    try:
        parsed = _regex_parser.parse(pattern, 0)
        sensitive = case_sensitive and not parsed.state.flags & re.IGNORECASE
        _literal_runs(list(parsed.data), runs)
    except Exception:  # an invalid pattern is the config's error; a parser we misread gates nothing
        return None
    return _longest_safe(runs, sensitive)


def _literal_runs(items: Sequence[tuple[Any, Any]], runs: list[str]) -> None:
    """Append to ``runs`` each run of consecutive literals that every match goes through."""
    constants = _regex_parser
    run: list[str] = []
    for op, arg in items:
        if op is constants.LITERAL:
            run.append(chr(arg))
            continue
        runs.append("".join(run))
        run = []
        if op is constants.SUBPATTERN:
            _group, add_flags, del_flags, body = arg
            if not add_flags and not del_flags:  # its own flags would change how it matches
                _literal_runs(list(body.data), runs)
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT) and arg[0] >= 1:
            _literal_runs(list(arg[2].data), runs)
    runs.append("".join(run))


def _longest_safe(runs: Iterable[str], sensitive: bool) -> tuple[str, bool] | None:
    best = ""
    for run in runs:
        if sensitive:
            pieces = [run]
        else:
            # only characters re folds as casefold does; any piece of a required run is required
            pieces = "".join(c if c in CASE_SAFE else "\0" for c in run).split("\0")
        for piece in pieces:
            if len(piece) > len(best):
                best = piece
    if len(best) < MIN_LITERAL:
        return None
    return (best, True) if sensitive else (best.casefold(), False)


_PREFERENCE = {"equals": 3, "prefix": 2, "suffix": 2, "contains": 1}


def ruleset_gate(ruleset: Ruleset) -> Gate | None:
    """The most selective gate among a ruleset's URL conditions (all ANDed)."""
    gates = [g for c in ruleset.conditions if isinstance(c, UrlCondition) and (g := gate_of(c)) is not None]
    return max(gates, key=lambda g: (_PREFERENCE[g.kind], len(g.needle)), default=None)


class _Lookup:
    """The gates on one page (``back``) with one case rule, by kind."""

    def __init__(self, gates: Sequence[tuple[Gate, int]]) -> None:
        equals: dict[str, list[int]] = defaultdict(list)
        prefix: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        suffix: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        contains: list[tuple[str, int]] = []
        for gate, rule in gates:
            if gate.kind == "equals":
                equals[gate.needle].append(rule)
            elif gate.kind == "prefix":
                prefix[len(gate.needle)][gate.needle].append(rule)
            elif gate.kind == "suffix":
                suffix[len(gate.needle)][gate.needle].append(rule)
            else:
                contains.append((gate.needle, rule))
        self.equals = _frozen(equals)
        self.prefix = tuple((n, _frozen(d)) for n, d in prefix.items())
        self.suffix = tuple((n, _frozen(d)) for n, d in suffix.items())
        short: dict[str, list[int]] = defaultdict(list)
        grams: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        counts: Counter[str] = Counter()
        for needle, _rule in contains:
            counts.update({needle[i:i + k] for k in GRAMS for i in range(len(needle) - k + 1)})
        for needle, rule in contains:
            k = max((k for k in GRAMS if k <= len(needle)), default=0)
            if not k:
                short[needle].append(rule)
                continue
            # the needle's rarest piece of length k: fewest other needles open with it
            pieces = sorted({needle[i:i + k] for i in range(len(needle) - k + 1)})
            grams[k][min(pieces, key=counts.__getitem__)].append(rule)
        self.short = tuple((needle, tuple(rules)) for needle, rules in short.items())
        self.grams = tuple((_frozen(d), gram_scanner(d)) for _k, d in sorted(grams.items()))

    def open(self, text: str, found: set[int]) -> None:
        """Add to ``found`` the rules of every gate ``text`` opens."""
        if self.equals:
            hit = self.equals.get(text)
            if hit:
                found.update(hit)
        for n, table in self.prefix:
            hit = table.get(text[:n])
            if hit:
                found.update(hit)
        for n, table in self.suffix:
            hit = table.get(text[-n:])
            if hit:
                found.update(hit)
        for table, scan in self.grams:
            for piece in set(scan.findall(text)):
                found.update(table[piece])
        for needle, rules in self.short:
            if needle in text:
                found.update(rules)


def gram_scanner(pieces: Iterable[str]) -> re.Pattern[str]:
    """A pattern whose ``findall`` lists every occurrence in a text of ``pieces`` (all of
    one length), overlapping ones included.

    A lookahead at each position, so overlapping pieces are all found (two pieces of one
    length cannot both start at one position), over the pieces as a trie: at each step the
    regex engine tries one literal per distinct next character instead of every piece. For
    a URL this takes 0.4-0.5 us at 100 or 1,000 rules, where slicing the URL into its k-grams
    and intersecting took 1.5-1.9 us and a flat alternation 1.3-17 us (docs/performance.md,
    "Round five")."""
    trie: dict[str, Any] = {}
    for piece in pieces:
        node = trie
        for char in piece:
            node = node.setdefault(char, {})
    if not trie:
        return re.compile("(?!)")  # finds nothing

    def alternatives(node: dict[str, Any]) -> str:
        if not node:
            return ""
        branches = [re.escape(char) + alternatives(child) for char, child in sorted(node.items())]
        return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"

    return re.compile(f"(?=({alternatives(trie)}))")


def _frozen(table: Mapping[str, list[int]]) -> dict[str, Ids]:
    return {key: tuple(rules) for key, rules in table.items()}


@dataclass(frozen=True, slots=True)
class Opened:
    """What the gates say for one page history."""

    open: frozenset[int]  # gated rules that may match
    regular: tuple[Rule, ...]  # the regular rules a full evaluation visits, in order
    closed: dict[int, bool]  # the gated regular rules it does not visit: not matched


class UrlIndex:
    def __init__(self, config: Config) -> None:
        per_rule: dict[int, list[Gate]] = {}
        for rule in config.rules:
            gates = [g for rs in rule.rulesets if (g := ruleset_gate(rs)) is not None]
            if gates and len(gates) == len(rule.rulesets):
                per_rule[rule.index] = gates
        self.gated = frozenset(per_rule)
        groups: dict[tuple[int, bool], list[tuple[Gate, int]]] = defaultdict(list)
        for index, gates in per_rule.items():
            for gate in gates:
                groups[gate.back, gate.case_sensitive].append((gate, index))
        self._lookups = tuple((back, sensitive, _Lookup(gates)) for (back, sensitive), gates in sorted(groups.items()))
        # A full evaluation need not visit a gated regular rule whose gate is closed,
        # unless it has a frequency cap (whose status the evaluation records either way).
        skippable = sorted(r.index for r in config.regular if r.index in self.gated and not r.frequency.active)
        self._skippable = tuple(skippable)
        self._skip_all = dict.fromkeys(skippable, False)
        self._always_visit = tuple(r for r in config.regular if r.index not in self._skip_all)
        self._rules = config.rules
        self._seen: dict[tuple[str, ...], Opened] = {}

    def at(self, view: View) -> Opened:
        key = view.history[-3:]
        opened = self._seen.get(key)
        if opened is None:
            if len(self._seen) >= KEEP:
                self._seen.clear()
            opened = self._seen[key] = self._open(view)
        return opened

    def _open(self, view: View) -> Opened:
        found: set[int] = set()
        history = view.history
        for back, sensitive, lookup in self._lookups:
            if back >= len(history):
                continue  # no such page: every URL condition on it is false
            url = history[-1 - back]
            lookup.open(url if sensitive else url.casefold(), found)
            if "%" in url:
                decoded = decode_url(url)
                if decoded != url:
                    lookup.open(decoded if sensitive else decoded.casefold(), found)
        opened = frozenset(found)
        rules = self._rules
        visit = self._always_visit
        extra = [rules[i] for i in found if i in self._skip_all]
        if extra:
            visit = tuple(sorted((*visit, *extra), key=attrgetter("index")))
        closed = self._skip_all
        if extra:
            closed = closed.copy()
            for rule in extra:
                del closed[rule.index]
        return Opened(opened, visit, closed)

    def fill(self, memo: dict[int, bool], retested: list[int], opened: Opened, stopped: int) -> None:
        """Record as not matched the closed rules a full evaluation passed without
        visiting: all of them, or those before ``stopped`` when it stopped at a winner."""
        closed = opened.closed
        if stopped < len(self._rules):
            # the rules after the winner are not tested (their trace says "skipped")
            keys = self._skippable[:bisect_left(self._skippable, stopped)]
            closed = {i: False for i in keys if i in closed}
        memo.update(closed)
        retested.extend(closed)


# the last config indexed: an engine is made per visit (and per test), its config rarely changes
_cache: tuple[Config, UrlIndex] | None = None


def index_for(config: Config) -> UrlIndex:
    global _cache
    if _cache is not None and _cache[0] is config:
        return _cache[1]
    index = UrlIndex(config)
    _cache = (config, index)
    return index

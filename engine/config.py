"""Config JSON in, a compiled, immutable ``Config`` out, or every problem by JSON path.

Compilation happens once, when the config is loaded: regexes are compiled, operators are
bound to functions, names are resolved, and each rule learns which facts it depends on
and whether time or polled values can change it. Evaluation then does no parsing.

Errors are values: ``compile_config`` returns either a ``Config`` or a non-empty list of
``ConfigError``. It never raises for bad input, whatever JSON it is given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from engine import behaviour, chat, languages, placement
from engine.conditions import REGISTRY, CompileContext, Condition
from engine.schedule import Schedule, compile_schedule
from engine.survey import check_config as check_survey
from engine.validation import (
    ConfigError,
    ConfigWarning,
    join,
    json_syntax_error,
    known_names,
    validate,
)

INVISIBLE = frozenset({"detectLogin"})


@dataclass(frozen=True, slots=True)
class Comparison:
    operator: str
    value: float

    def holds(self, actual: float) -> bool:
        if self.operator == "lessThan":
            return actual < self.value
        if self.operator == "moreThan":
            return actual > self.value
        return actual == self.value


@dataclass(frozen=True, slots=True)
class When:
    schedule: str | None = None
    open: bool | None = None
    agents_available: Comparison | None = None
    queue_length: Comparison | None = None
    queue: str | None = None


@dataclass(frozen=True, slots=True)
class Variant:
    when: When
    start: str | None
    language: str | None
    queue_key: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    start: str
    language: str | None
    queue_key: str | None
    variants: tuple[Variant, ...]

    def starts(self) -> tuple[str, ...]:
        return (self.start, *(v.start for v in self.variants if v.start))


@dataclass(frozen=True, slots=True)
class Frequency:
    max_per_session: int | None = None
    max_per_visitor: int | None = None
    min_interval_ms: int | None = None
    not_after: frozenset[str] = frozenset()

    @property
    def active(self) -> bool:
        return bool(self.max_per_session or self.max_per_visitor or self.min_interval_ms is not None or self.not_after)


@dataclass(frozen=True, slots=True)
class Ruleset:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Rule:
    index: int
    name: str
    always_evaluate: bool
    rulesets: tuple[Ruleset, ...]
    outcome: Outcome
    frequency: Frequency
    control_group: float
    # Re-checked on ticks: holds a condition time or a polled value can flip.
    monitored: bool
    deps: frozenset[str]
    timed: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class Config:
    rules: tuple[Rule, ...]
    interactions: Mapping[str, Mapping[str, Any]]
    schedules: Mapping[str, Schedule]
    queues: Mapping[str, Mapping[str, Any]]
    entry_points: Mapping[str, behaviour.EntryPoint]
    flows: Mapping[str, behaviour.Flow]
    selectors: tuple[str, ...]
    custom_paths: tuple[str, ...]
    # Selectors and paths whose change can flip a result on a tick (detectLogin, custom).
    monitored_keys: frozenset[str]
    # The selectors among them: the shell reads these every second with the custom paths,
    # the others only when it sends a message (a DOM change alone triggers nothing).
    polled_selectors: tuple[str, ...]
    raw: Mapping[str, Any]
    needs_device: bool
    # queue key -> its statusUrl: the shell reads these for queueStatus facts (Watch)
    status_urls: tuple[tuple[str, str], ...]
    # fact key -> indexes of the rules that read it, so a changed fact finds its rules
    rules_by_dep: Mapping[str, tuple[int, ...]]
    # the same rules, split and indexed once so that an evaluation never scans for them
    always: tuple[Rule, ...]
    regular: tuple[Rule, ...]
    by_name: Mapping[str, Rule]
    # the indexes of the rules with a frequency cap: the others are never capped, so never asked
    cappable: frozenset[int] = frozenset()
    # Sets of entry points one timeOnEntryPoint condition names: their time is kept as one.
    entry_point_groups: tuple[tuple[str, ...], ...] = ()
    # interaction id -> what its show / chat decisions tell the loader about placement
    placements: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    # what the config says that the engine overrides; it loads, `validate` prints them
    warnings: tuple[ConfigWarning, ...] = ()

    def rule(self, name: str) -> Rule | None:
        return self.by_name.get(name)


@dataclass(frozen=True)
class Checked:
    """Everything one look at a config found: the ``Config`` (None if there is any error),
    every error, and the warnings of the parts that compiled (``validate`` prints both)."""

    config: Config | None
    errors: tuple[ConfigError, ...]
    warnings: tuple[ConfigWarning, ...]


def parse_config(text: str | bytes, source: str = "") -> Config | list[ConfigError]:
    """Compile config JSON text; malformed JSON is one error with its file, line and column."""
    checked = check_text(text, source)
    return checked.config if checked.config is not None else list(checked.errors)


def check_text(text: str | bytes, source: str = "") -> Checked:
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        return Checked(None, (json_syntax_error(exc, source),), ())
    except UnicodeDecodeError as exc:
        return Checked(None, (ConfigError("", f"not valid JSON: not UTF-8 text ({exc}); save the file as UTF-8"),), ())
    return check_config(raw)


SECTIONS = ("interactions", "schedules", "queues", "entryPoints", "flows")


def compile_config(raw: object) -> Config | list[ConfigError]:
    checked = check_config(raw)
    return checked.config if checked.config is not None else list(checked.errors)


def check_config(raw: object) -> Checked:
    errors = validate(raw)
    if not isinstance(raw, dict):
        return Checked(None, tuple(errors or [ConfigError("", "expected a JSON object")]), ())
    skip = _broken_items(raw, errors)
    if skip is None:
        return Checked(None, tuple(errors), ())
    # Items the schema accepted are still compiled, so one run lists the schema
    # mistakes *and* the semantic ones (unknown names, bad regexes) together.
    compiler = _Compiler(raw, errors, skip)
    config = compiler.compile()
    return Checked(None if errors else config, tuple(errors), tuple(compiler.warnings))


def _broken_items(raw: dict[str, Any], errors: list[ConfigError]) -> set[str] | None:
    """Paths of the rules and named items with schema errors; None if the top level is broken.

    A problem outside every item (a missing "version", an unknown top-level field) breaks
    no item: the items are still compiled and cross-checked.
    """
    if not errors:
        return set()
    if not isinstance(raw.get("rules"), list) or any(not isinstance(raw.get(s, {}), dict) for s in SECTIONS):
        return None
    prefixes = [join("rules", i) for i in range(len(raw["rules"]))]
    prefixes += [join(s, name) for s in SECTIONS for name in raw.get(s, {})]
    broken = set()
    for error in errors:
        owner = next((p for p in prefixes if _under(error.path, p)), None)
        if owner is not None:
            broken.add(owner)
    return broken


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def _index_deps(rules: tuple[Rule, ...]) -> dict[str, tuple[int, ...]]:
    index: dict[str, list[int]] = {}
    for rule in rules:
        for dep in rule.deps:
            index.setdefault(dep, []).append(rule.index)
    return {dep: tuple(found) for dep, found in index.items()}


def _languages_named(rules: tuple[Rule, ...]) -> list[tuple[str, str | None, tuple[str, ...]]]:
    """(path, language, interactions it starts) for each language an outcome names."""
    named: list[tuple[str, str | None, tuple[str, ...]]] = []
    for rule in rules:
        path = f"rules[{rule.index}].outcome"
        outcome = rule.outcome
        named.append((f"{path}.language", outcome.language, (outcome.start,)))
        for index, variant in enumerate(outcome.variants):
            if variant.language is not None:
                named.append((f"{path}.variants[{index}].language", variant.language, (variant.start or outcome.start,)))
    return named


class _Compiler:
    def __init__(self, raw: dict[str, Any], errors: list[ConfigError], skip: set[str]) -> None:
        self.raw = raw
        self.errors = errors
        self.skip = skip
        # Names of all interactions (refs to a broken one are not "unknown"), bodies of
        # the valid ones only.
        self.interaction_names: list[str] = list(raw.get("interactions", {}))
        self.interactions: dict[str, Any] = self.valid("interactions")
        self.ctx = CompileContext(raw, errors)
        self.warnings: list[ConfigWarning] = []
        # the schema's problems, so that a rule it rejected is still cross-checked where it can be
        self.schema_paths = [e.path for e in errors]

    def error(self, path: str, message: str) -> None:
        self.errors.append(ConfigError(path, message))

    def compile(self) -> Config:
        schedules = self.schedules()
        entry_points = behaviour.compile_entry_points(self.valid("entryPoints"), self.errors)
        flows = behaviour.compile_flows(self.valid("flows"), entry_points, self.errors, list(self.raw.get("entryPoints", {})))
        self.check_interactions()
        rules = tuple(
            self.rule(i, r, schedules) for i, r in enumerate(self.raw["rules"]) if join("rules", i) not in self.skip
        )
        for i, r in enumerate(self.raw["rules"]):
            if join("rules", i) in self.skip:
                self.check_broken_rule(i, r, schedules)
        self.check_rule_names(rules)
        languages.check(self.interactions, _languages_named(rules), self.errors)
        selectors: dict[str, None] = {}
        paths: dict[str, None] = {}
        monitored: set[str] = set()
        for rule in rules:
            for ruleset in rule.rulesets:
                for condition in ruleset.conditions:
                    selectors.update(dict.fromkeys(condition.selectors()))
                    paths.update(dict.fromkeys(condition.custom_paths()))
                    if condition.monitored:
                        monitored |= condition.deps
        for interaction in self.interactions.values():
            if interaction["type"] == "detectLogin":
                if "selector" in interaction:
                    selectors[interaction["selector"]] = None
                    monitored.add(f"dom:{interaction['selector']}")
                if "custom" in interaction:
                    paths[interaction["custom"]] = None
                    monitored.add(f"custom:{interaction['custom']}")
        return Config(
            rules=rules,
            interactions=MappingProxyType(self.interactions),
            schedules=MappingProxyType(schedules),
            queues=MappingProxyType(self.raw.get("queues", {})),
            entry_points=MappingProxyType(entry_points),
            flows=MappingProxyType(flows),
            selectors=tuple(selectors),
            custom_paths=tuple(paths),
            monitored_keys=frozenset(monitored),
            polled_selectors=tuple(s for s in selectors if f"dom:{s}" in monitored),
            raw=MappingProxyType(self.raw),
            needs_device=any("device" in rule.deps for rule in rules),
            status_urls=tuple((k, q["statusUrl"]) for k, q in self.raw.get("queues", {}).items() if isinstance(q.get("statusUrl"), str)),
            rules_by_dep=MappingProxyType(_index_deps(rules)),
            always=tuple(r for r in rules if r.always_evaluate),
            regular=tuple(r for r in rules if not r.always_evaluate),
            by_name=MappingProxyType({r.name: r for r in rules}),
            cappable=frozenset(r.index for r in rules if r.frequency.active),
            entry_point_groups=tuple(dict.fromkeys(
                g for r in rules for rs in r.rulesets for c in rs.conditions if len(g := getattr(c, "group", ())) > 1)),
            placements=placement.compile_placements(self.raw, self.interactions, self.errors),
            warnings=tuple(self.warnings),
        )

    def valid(self, section: str) -> dict[str, Any]:
        return {k: v for k, v in self.raw.get(section, {}).items() if join(section, k) not in self.skip}

    def schedules(self) -> dict[str, Schedule]:
        compiled: dict[str, Schedule] = {}
        for name, raw in self.valid("schedules").items():
            schedule, problems = compile_schedule(raw, join("schedules", name))
            for path, message in problems:
                self.error(path, message)
            if schedule is not None:
                compiled[name] = schedule
        return compiled

    def interaction_ref(self, name: str, path: str) -> None:
        if name not in self.interaction_names:
            self.error(path, f'no interaction "{name}"{known_names(name, self.interaction_names, "interactions")}')

    def check_interactions(self) -> None:
        # every interaction's type, broken ones too: a reference to one is not "unknown"
        kinds = {iid: i.get("type") for iid, i in self.raw.get("interactions", {}).items() if isinstance(i, dict)}
        for iid, interaction in self.interactions.items():
            path = join("interactions", iid)
            kind = interaction["type"]
            if kind == "button":
                self.interaction_ref(interaction["next"], join(path, "next"))
            for index, button in enumerate(interaction.get("buttons", [])):
                bpath = join(join(path, "buttons"), index)
                if "next" in button and "action" in button:
                    self.error(bpath, 'give either "next" or "action", not both')
                elif "next" in button:
                    self.interaction_ref(button["next"], join(bpath, "next"))
                elif "action" not in button:
                    self.error(bpath, 'a button needs "next" (an interaction id) or "action": "close"')
            if kind == "detectLogin" and "selector" not in interaction and "custom" not in interaction:
                self.error(path, 'detectLogin needs "selector" (a CSS selector) or "custom" (a window path)')
            check_survey(iid, interaction, kinds, self.error)
        chat.check_config(self.raw, self.interaction_ref)

    def clean(self, path: str) -> bool:
        """Whether the schema found nothing wrong at or below ``path``."""
        return not any(_under(p, path) for p in self.schema_paths)

    def check_broken_rule(self, index: int, raw: object, schedules: dict[str, Schedule]) -> None:
        """The cross-reference checks of a rule the schema rejected, on the parts it accepted
        (its conditions, its outcome's interactions and schedules), so that one run lists
        every problem. The rule itself is not kept: the config is invalid anyway."""
        path = join("rules", index)
        if not isinstance(raw, dict):
            return
        rulesets = raw.get("rulesets")
        for rs_index, rs in enumerate(rulesets if isinstance(rulesets, list) else []):
            conditions = rs.get("conditions") if isinstance(rs, dict) else None
            for c_index, cond in enumerate(conditions if isinstance(conditions, list) else []):
                cpath = f"{path}.rulesets[{rs_index}].conditions[{c_index}]"
                if self.clean(cpath):
                    REGISTRY[cond["type"]](cond, cpath, self.ctx)
        outcome, opath = raw.get("outcome"), f"{path}.outcome"
        if isinstance(outcome, dict) and self.clean(opath):
            self.outcome(outcome, opath, schedules)
        elif isinstance(outcome, dict) and isinstance(outcome.get("start"), str):
            self.interaction_ref(outcome["start"], f"{opath}.start")

    def check_rule_names(self, rules: tuple[Rule, ...]) -> None:
        seen: set[str] = set()
        for rule in rules:
            if rule.name in seen:
                self.error(f"rules[{rule.index}].name", f'duplicate rule name "{rule.name}"; rule names must be unique')
            seen.add(rule.name)

    def rule(self, index: int, raw: dict[str, Any], schedules: dict[str, Schedule]) -> Rule:
        path = f"rules[{index}]"
        rulesets = []
        for rs_index, rs in enumerate(raw["rulesets"]):
            conditions = []
            for c_index, cond in enumerate(rs["conditions"]):
                cpath = f"{path}.rulesets[{rs_index}].conditions[{c_index}]"
                conditions.append(REGISTRY[cond["type"]](cond, cpath, self.ctx))
            rulesets.append(Ruleset(tuple(conditions)))
        outcome = self.outcome(raw["outcome"], f"{path}.outcome", schedules)
        # Puzzel: a rule starting "Detect Visitor Login" is always evaluated, and that
        # cannot be changed. An explicit false is overridden, with a warning.
        login = next((s for s in outcome.starts() if self.interactions.get(s, {}).get("type") == "detectLogin"), None)
        always = bool(raw.get("alwaysEvaluate", False)) or login is not None
        if login is not None and raw.get("alwaysEvaluate") is False:
            self.warnings.append(ConfigWarning(
                f"{path}.alwaysEvaluate",
                f'rule "{raw["name"]}" starts detectLogin interaction "{login}", which is always evaluated; '
                '"alwaysEvaluate": false is ignored (remove it)',
            ))
        freq = raw.get("frequency", {})
        all_conditions = [c for rs in rulesets for c in rs.conditions]
        return Rule(
            index=index,
            name=raw["name"],
            always_evaluate=always,
            rulesets=tuple(rulesets),
            outcome=outcome,
            frequency=Frequency(
                freq.get("maxPerSession"),
                freq.get("maxPerVisitor"),
                None if "minIntervalSeconds" not in freq else round(freq["minIntervalSeconds"] * 1000),
                frozenset(freq.get("notAfter", ())),
            ),
            control_group=float(raw.get("controlGroup", 0)),
            monitored=any(c.monitored for c in all_conditions),
            deps=frozenset().union(*(c.deps for c in all_conditions)),
            timed=tuple(c for c in all_conditions if c.monitored),
        )

    def outcome(self, raw: dict[str, Any], path: str, schedules: dict[str, Schedule]) -> Outcome:
        self.interaction_ref(raw["start"], f"{path}.start")
        variants = []
        for index, variant in enumerate(raw.get("variants", [])):
            vpath = f"{path}.variants[{index}]"
            if "start" in variant:
                self.interaction_ref(variant["start"], f"{vpath}.start")
            variants.append(
                Variant(self.when(variant["when"], f"{vpath}.when", schedules), variant.get("start"),
                        variant.get("language"), variant.get("queueKey"))
            )
        return Outcome(raw["start"], raw.get("language"), raw.get("queueKey"), tuple(variants))

    def when(self, raw: dict[str, Any], path: str, schedules: dict[str, Schedule]) -> When:
        schedule = raw.get("schedule")
        if schedule is not None and schedule not in self.raw.get("schedules", {}):
            known = list(self.raw.get("schedules", {}))
            self.error(f"{path}.schedule", f'no schedule "{schedule}"{known_names(schedule, known, "schedules")}')
        if (schedule is None) != ("is" not in raw):
            self.error(path, '"schedule" and "is" go together: {"schedule": "office", "is": "open"}')
        if raw.keys() == {"queue"}:
            self.error(path, '"queue" only says which queue agentsAvailable / queueLength read; add one of them')

        def comparison(key: str) -> Comparison | None:
            if key not in raw:
                return None
            ((operator, value),) = raw[key].items()
            return Comparison(operator, float(value))

        return When(
            schedule=schedule,
            open=None if "is" not in raw else raw["is"] == "open",
            agents_available=comparison("agentsAvailable"),
            queue_length=comparison("queueLength"),
            queue=raw.get("queue"),
        )

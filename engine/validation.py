"""Config validation against ``schema.json``, reporting every problem by JSON path.

A JSON Schema validator stops at the first error, and a ``oneOf`` failure says little more
than "no branch matched". Site owners need every mistake at once, with the field named.
So we walk the schema's *structure* ourselves (objects, arrays, ``$ref`` and the
discriminated unions marked ``x-discriminator``), and hand each *leaf* value to
fastjsonschema, which owns the keyword semantics (type, enum, const, pattern, bounds).
The schema stays the single source of truth: nothing here knows a field name.

The leaf validators are generated ahead of time from the schema into
``engine/_leaf_validators.py`` (``python -m engine.tools.leaf_validators``), so checking a
config compiles nothing and the browser ships no code generator; only a leaf that module
does not hold (a schema changed without regenerating it) is compiled here.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from engine._fastjsonschema import JsonSchemaValueException

_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$\-]*$")

_TYPE_WORDS = {
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "object": "an object",
    "array": "a list",
    "null": "null",
}


@dataclass(frozen=True, slots=True)
class ConfigError:
    """One problem in a config, at a JSON path such as ``rules[2].outcome.start``."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass(frozen=True, slots=True)
class ConfigWarning:
    """Something a config says that the engine overrides: the config still loads."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: warning: {self.message}"


def join(path: str, key: str | int) -> str:
    """Extend a JSON path the way a reader would write it: ``a.b[0]["odd key"]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not _IDENTIFIER.match(key):
        return f"{path}[{json.dumps(key)}]"
    return f"{path}.{key}" if path else key


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """A ``did you mean`` clause for near misses, or nothing."""
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return f'; did you mean "{lowered[word.lower()]}"?'
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


def field_name(path: str) -> str:
    """The last named segment of a path: the thing a message talks about."""
    tail = re.sub(r"\[\d+\]$", "", path)
    tail = tail.rsplit(".", 1)[-1]
    return tail.strip('[]"') or "value"


def known_names(name: str, known: list[str], section: str) -> str:
    """``; did you mean "x"?``, else what exists, else where to add it."""
    if not known:
        return f'; add it under "{section}"'
    return suggest(name, known) or f"; known {section}: {', '.join(known[:10])}"


def unknown(name: str, value: object, choices: list[str]) -> str:
    """``unknown operator "contians"; did you mean "contains"?`` or the list of choices."""
    hint = suggest(value, choices) if isinstance(value, str) else ""
    return f"unknown {name} {json.dumps(value)}{hint or '; expected one of: ' + ', '.join(choices)}"


NOT_FINITE = "must be a finite number; JSON has no NaN or Infinity (and 1e999 is Infinity)"


def non_finite(value: object, path: str = "") -> Iterator[str]:
    """The JSON paths of every NaN or infinity in ``value`` (Python's json reads them)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, _HOLDERS):  # a string, an int or a bool holds no float: no generator for it
                yield from non_finite(item, join(path, str(key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            if isinstance(item, _HOLDERS):
                yield from non_finite(item, join(path, index))


_HOLDERS = (float, dict, list, tuple)


def all_finite(value: object) -> bool:
    """Whether ``value`` holds no NaN or infinity: ``non_finite`` without building the paths,
    for what is checked on every message (facts) and is almost always clean."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        items: Iterable[object] = value.values()
    elif isinstance(value, list | tuple):
        items = value
    else:
        return True
    # a loop, not all(<generator>): this runs on every fact, and the generator costs a third more
    for item in items:  # noqa: SIM110
        if isinstance(item, _HOLDERS) and not all_finite(item):
            return False
    return True


@cache
def load_schema() -> dict[str, Any]:
    text = resources.files("engine").joinpath("schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


class SchemaWalker:
    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.definitions: dict[str, Any] = schema.get("definitions", {})
        self._leaf_validators: dict[str, Callable[[Any], Any]] = {}

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            node = self.definitions[name]
        return node

    def definition(self, name: str) -> dict[str, Any]:
        return self.resolve(self.definitions[name])

    def validate(self, value: object, node: dict[str, Any] | None = None, path: str = "") -> list[ConfigError]:
        errors: list[ConfigError] = []
        self._walk(self.schema if node is None else node, value, path, errors)
        return errors

    def _walk(self, node: dict[str, Any], value: object, path: str, errors: list[ConfigError]) -> None:
        node = self.resolve(node)
        kind = shape(node)
        if kind == "union":
            self._walk_union(node, value, path, errors)
        elif kind == "object":
            self._walk_object(node, value, path, errors)
        elif kind == "array":
            self._walk_array(node, value, path, errors)
        else:
            self._check_leaf(node, value, path, errors)

    def _walk_union(self, node: dict[str, Any], value: object, path: str, errors: list[ConfigError]) -> None:
        key = node["x-discriminator"]
        if not isinstance(value, dict):
            errors.append(ConfigError(path, f"expected an object, got {json_type(value)}"))
            return
        branches = {self.resolve(b)["properties"][key]["const"]: b for b in node["oneOf"]}
        tag = value.get(key)
        if tag is None:
            errors.append(ConfigError(path, f'missing required field "{key}"; one of: {", ".join(branches)}'))
        elif not isinstance(tag, str) or tag not in branches:
            errors.append(ConfigError(join(path, key), unknown(key, tag, list(branches))))
        else:
            self._walk(branches[tag], value, path, errors)

    def _walk_object(self, node: dict[str, Any], value: object, path: str, errors: list[ConfigError]) -> None:
        if not isinstance(value, dict):
            errors.append(ConfigError(path, f"expected an object, got {json_type(value)}"))
            return
        properties: dict[str, Any] = node.get("properties", {})
        extra = node.get("additionalProperties", True)
        # A misspelt field is one problem ("unknown field ...; did you mean"), not that
        # plus "missing required field" for the name it was meant to be.
        strays = [k for k in value if k not in properties] if extra is False else []
        for name in node.get("required", []):
            if name not in value and not any(suggest(k, [name]) for k in strays):
                errors.append(ConfigError(path, f'missing required field "{name}"'))
        for key, item in value.items():
            if key in properties:
                self._walk(properties[key], item, join(path, key), errors)
            elif isinstance(extra, dict):
                self._walk(extra, item, join(path, key), errors)
            elif extra is False:
                errors.append(ConfigError(join(path, key), f'unknown field "{key}"{suggest(key, list(properties))}'))
        if "minProperties" in node and len(value) < node["minProperties"]:
            wanted = ", ".join(f'"{p}"' for p in properties)
            errors.append(ConfigError(path, f"must not be empty; give one of {wanted}"))
        if "maxProperties" in node and len(value) > node["maxProperties"]:
            errors.append(ConfigError(path, f"give only {node['maxProperties']} of: {', '.join(properties)}"))

    def _walk_array(self, node: dict[str, Any], value: object, path: str, errors: list[ConfigError]) -> None:
        if not isinstance(value, list):
            errors.append(ConfigError(path, f"expected a list, got {json_type(value)}"))
            return
        minimum = node.get("minItems", 0)
        if len(value) < minimum:
            errors.append(ConfigError(path, f"needs at least {minimum} item{'s' if minimum != 1 else ''}"))
        for index, item in enumerate(value):
            self._walk(node["items"], item, join(path, index), errors)

    def _leaf_validator(self, node: dict[str, Any]) -> Callable[[Any], Any]:
        # Identical leaves (every "operator" enum, every non-empty string) share one
        # validator, built on first use from the generated module.
        key = leaf_key(node)
        validator = self._leaf_validators.get(key)
        if validator is None:
            from engine._leaf_validators import VALIDATORS

            schema = leaf_schema(node, self.definitions)
            factory: Callable[[], Callable[[Any], Any]] | None = VALIDATORS.get(leaf_key(schema))
            if factory is not None:
                validator = factory()
            else:  # a schema edited without regenerating engine/_leaf_validators.py
                import fastjsonschema

                validator = fastjsonschema.compile(schema)
            self._leaf_validators[key] = validator
        return validator

    def _check_leaf(self, node: dict[str, Any], value: object, path: str, errors: list[ConfigError]) -> None:
        found = [ConfigError(p, NOT_FINITE) for p in non_finite(value, path)]
        if found:
            errors.extend(found)
            return
        try:
            self._leaf_validator(node)(value)
        except JsonSchemaValueException as exc:
            errors.append(ConfigError(path, leaf_message(exc, node, value, path)))
            return
        if node.get("x-css-selector") and isinstance(value, str):
            from engine.selectors import selector_problem

            problem = selector_problem(value)
            if problem:
                errors.append(ConfigError(path, problem))


def shape(node: dict[str, Any]) -> str:
    """How the walker treats a (resolved) schema node: "union" (``x-discriminator``),
    "object" or "array" (walked into), or "leaf" (handed to a validator). The generator of
    ``engine/_leaf_validators.py`` asks the same, so the two agree on what a leaf is."""
    if "x-discriminator" in node:
        return "union"
    if node.get("type") == "object" and ("properties" in node or "additionalProperties" in node):
        return "object"
    if node.get("type") == "array" and "items" in node:
        return "array"
    return "leaf"


def leaf_key(node: dict[str, Any]) -> str:
    """The key under which identical leaves share one validator."""
    return json.dumps(node, sort_keys=True)


# Keywords that say nothing about what is valid. A leaf's validator is made without them
# (the messages come from the leaf itself), so leaves that differ only in their
# description share one.
_ANNOTATIONS = frozenset({"description", "title", "examples", "$comment"})


def leaf_schema(node: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """The schema fastjsonschema validates a leaf against: the leaf without its annotations,
    with the definitions it refers to (directly or through another definition) and no
    others, since fastjsonschema's compile time and generated code grow with them."""
    rules = {k: v for k, v in node.items() if k not in _ANNOTATIONS and not k.startswith("x-")}
    used: dict[str, Any] = {}
    pending = re.findall(r'"\$ref": "#/definitions/([^"]+)"', leaf_key(node))
    while pending:
        name = pending.pop()
        if name not in used:
            used[name] = definitions[name]
            pending += re.findall(r'"\$ref": "#/definitions/([^"]+)"', leaf_key(used[name]))
    return {**rules, "definitions": dict(sorted(used.items()))} if used else rules


def leaf_message(exc: JsonSchemaValueException, node: dict[str, Any], value: object, path: str) -> str:
    rule, definition = exc.rule, exc.rule_definition
    name = field_name(path)
    if rule == "type":
        wanted = definition if isinstance(definition, list) else [definition]
        words = " or ".join(_TYPE_WORDS.get(str(w), str(w)) for w in wanted)
        return f"expected {words}, got {json_type(value)}"
    if rule == "enum":
        return unknown(name, value, [str(c) for c in definition])
    if rule == "const":
        return f"must be {json.dumps(definition)}, got {json.dumps(value)}"
    if rule == "minLength":
        return "must not be empty"
    if rule == "minimum":
        return f"must be at least {definition}, got {json.dumps(value)}"
    if rule == "maximum":
        return f"must be at most {definition}, got {json.dumps(value)}"
    if rule == "minItems":  # a leaf that may be a list or a single value
        return f"needs at least {definition} item{'s' if definition != 1 else ''}"
    if rule == "pattern":
        described = node.get("description", "")
        return f"{json.dumps(value)} does not have the expected form. {described}".strip()
    return str(exc.message).replace("data", name, 1)


@cache
def walker() -> SchemaWalker:
    return SchemaWalker(load_schema())


def validate(config: object) -> list[ConfigError]:
    """Every schema problem of a config, in document order."""
    return walker().validate(config)


# What a JSON syntax error usually means, by what stands where the parser stopped.
_SYNTAX_CAUSES: tuple[tuple[Callable[[str, str, str, str], bool], str], ...] = (
    (lambda ch, before, rest, msg: ch in "}]" and before == ",",
     "a trailing comma: JSON allows no comma before } or ]; remove it"),
    (lambda ch, before, rest, msg: ch == "'",
     "single quotes: JSON strings and keys take double quotes"),
    (lambda ch, before, rest, msg: rest.startswith(("//", "/*", "#")),
     "a comment: JSON has no comments; remove it (or move it into a \"description\" field)"),
    (lambda ch, before, rest, msg: msg.startswith("Expecting property name") and (ch.isalpha() or ch in "_$"),
     'an unquoted key: JSON keys take double quotes ("key": ...)'),
    (lambda ch, before, rest, msg: re.match(r"-?(NaN|Infinity|undefined|True|False|None)\b", rest) is not None,
     "a value JSON does not have: use true, false, null or a finite number"),
    (lambda ch, before, rest, msg: msg.startswith("Expecting ',' delimiter"),
     "a missing comma between two items (or a string not closed with \")"),
    (lambda ch, before, rest, msg: msg.startswith("Unterminated string"),
     'a string not closed with "'),
    (lambda ch, before, rest, msg: msg.startswith("Invalid control character"),
     "a line break or tab inside a string: write \\n or \\t"),
    (lambda ch, before, rest, msg: msg.startswith("Extra data"),
     "more text after the end of the JSON value: a config is one object { ... }"),
    (lambda ch, before, rest, msg: not rest.strip() and not before,
     "an empty file"),
)


def json_syntax_error(exc: json.JSONDecodeError, source: str = "") -> ConfigError:
    """A JSON syntax error with its file, line and column, the line and a caret under the
    spot, and the usual cause of that error there."""
    text, pos = exc.doc, exc.pos
    ch = text[pos] if pos < len(text) else ""
    before = text[:pos].rstrip()[-1:]
    rest = text[pos:]
    line = text.splitlines()[exc.lineno - 1] if text.strip() else ""
    where = f"{source}:{exc.lineno}:{exc.colno}" if source else f"line {exc.lineno}, column {exc.colno}"
    cause = next((c for test, c in _SYNTAX_CAUSES if test(ch, before, rest, exc.msg)), "")
    gutter = f"{exc.lineno} | "
    shown = line[:200].expandtabs(1)
    lines = [f"not valid JSON at {where}: {exc.msg}", f"    {gutter}{shown}",
             f"    {' ' * len(gutter)}{' ' * min(exc.colno - 1, len(shown))}^"]
    if cause:
        lines.append(f"    probably {cause}")
    return ConfigError("", "\n".join(lines))

"""`validate` lists every problem of a config in one run, each once, by JSON path.

The config under tests/configs/five-problems.json holds a catastrophically backtracking
regex, an invalid CSS selector, an operator typo, `ruleset` for `rulesets` and a `start`
naming a missing interaction (in the rule that also has the typo): one run reports all
five, and nothing else.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine import Config, compile_config, parse_config
from engine.regex_safety import backtracking_problem
from engine.selectors import selector_problem

ROOT = Path(__file__).parents[2]
FIVE = ROOT / "tests" / "configs" / "five-problems.json"


def run(*args: str) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True, cwd=ROOT, check=False)
    return done.returncode, done.stdout + done.stderr


def test_the_five_problems_are_listed_by_path_in_one_run() -> None:
    code, out = run("validate", str(FIVE))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "5 problems:"
    by_path = dict(line.strip().split(": ", 1) for line in lines[1:])
    assert set(by_path) == {
        "rules[0].rulesets[0].conditions[0].value",
        "rules[1].rulesets[0].conditions[0].criteria",
        "rules[2].rulesets[0].conditions[0].operator",
        "rules[3].ruleset",
        "rules[3].outcome.start",
    }
    assert "backtrack catastrophically" in by_path["rules[0].rulesets[0].conditions[0].value"]
    assert "a+ instead of (a+)+" in by_path["rules[0].rulesets[0].conditions[0].value"]
    assert "invalid CSS selector '#help['" in by_path["rules[1].rulesets[0].conditions[0].criteria"]
    assert "expected attribute name" in by_path["rules[1].rulesets[0].conditions[0].criteria"]
    assert 'did you mean "contains"' in by_path["rules[2].rulesets[0].conditions[0].operator"]
    assert by_path["rules[3].ruleset"] == 'unknown field "ruleset"; did you mean "rulesets"?'
    assert by_path["rules[3].outcome.start"].startswith('no interaction "chat-offer"')


def config(**rule: Any) -> dict[str, Any]:
    cond = {"type": "url", "criteria": "currentPage", "operator": "contains", "value": "/"}
    base = {"name": "r", "rulesets": [{"conditions": [cond]}], "outcome": {"start": "p"}}
    return {"version": 1, "rules": [{**base, **rule}], "interactions": {"p": {"type": "panel", "title": "P"}}}


def problems(raw: object) -> list[str]:
    result = compile_config(raw)
    assert not isinstance(result, Config)
    return [str(e) for e in result]


def test_a_misspelt_field_is_one_problem_with_its_suggestion() -> None:
    raw = config()
    raw["rules"][0]["outcom"] = raw["rules"][0].pop("outcome")
    assert problems(raw) == ['rules[0].outcom: unknown field "outcom"; did you mean "outcome"?']


def test_a_rule_with_a_schema_error_is_still_cross_checked() -> None:
    raw = config(outcome={"start": "nope", "variants": [{"when": {"schedule": "office", "is": "open"}, "start": "gone"}]},
                 alwaysEvaluate="yes")
    found = problems(raw)
    assert 'rules[0].outcome.start: no interaction "nope"; known interactions: p' in found
    assert 'rules[0].outcome.variants[0].start: no interaction "gone"; known interactions: p' in found
    assert any(p.startswith('rules[0].outcome.variants[0].when.schedule: no schedule "office"') for p in found)
    assert any(p.startswith("rules[0].alwaysEvaluate: expected true or false") for p in found)
    assert len(found) == len(set(found)) == 4


def test_a_top_level_mistake_does_not_hide_the_rules_problems() -> None:
    raw = config(outcome={"start": "nope"})
    del raw["version"]
    found = problems(raw)
    assert 'missing required field "version"' in found
    assert any(p.startswith('rules[0].outcome.start: no interaction "nope"') for p in found)


@pytest.mark.parametrize(
    ("text", "where", "cause"),
    [
        ('{\n  "version": 1,\n  "rules": [],\n}', "rules.json:4:1", "a trailing comma"),
        ('{"version": 1, "rules": [1, 2,]}', "rules.json:1:31", "a trailing comma"),
        ("{'version': 1}", "rules.json:1:2", "single quotes"),
        ('{\n  // the rules\n  "version": 1}', "rules.json:2:3", "a comment"),
        ("{version: 1}", "rules.json:1:2", "an unquoted key"),
        ('{"version": 1 "rules": []}', "rules.json:1:15", "a missing comma"),
        ('{"a": undefined}', "rules.json:1:7", "a value JSON does not have"),
        ("", "rules.json:1:1", "an empty file"),
    ],
)
def test_a_json_syntax_error_names_file_line_column_and_cause(tmp_path: Path, text: str, where: str, cause: str) -> None:
    path = tmp_path / "rules.json"
    path.write_text(text)
    code, out = run("validate", str(path))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "1 problem:"
    assert lines[1].startswith(f"  not valid JSON at {path.parent}/{where}: "), lines
    # the line itself, then a caret under the column
    line_no, column = (int(n) for n in where.split(":")[1:])
    shown = text.splitlines()[line_no - 1] if text else ""
    assert lines[2].rstrip() == f"      {line_no} | {shown}".rstrip()
    assert lines[3].index("^") == lines[2].index("|") + 2 + column - 1
    assert lines[4].strip().startswith(f"probably {cause}"), lines


def test_parse_config_without_a_file_name_gives_line_and_column() -> None:
    (error,) = parse_config('{"rules": [1,]}')  # type: ignore[misc]
    assert error.path == ""
    assert error.message.startswith("not valid JSON at line 1, column 14:")


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(\w+\s?)*$", r"(.*)*x", r"^(\d+)+$", r"(a+){2,}$", r".*a.*a.*b"])
def test_backtracking_patterns_are_rejected(pattern: str) -> None:
    assert backtracking_problem(pattern), pattern
    cond = {"type": "url", "criteria": "currentPage", "operator": "notMatches", "value": pattern}
    found = problems(config(rulesets=[{"conditions": [cond]}]))
    assert len(found) == 1 and found[0].startswith("rules[0].rulesets[0].conditions[0].value: this regular expression can backtrack")


@pytest.mark.parametrize(
    "pattern",
    [r"/app(\.html)?\?(.*&)?view=compare", r"/product-[a-z0-9-]+", r".*/products/.*/reviews.*", r"^/(en|de)/.*\?.*utm_source=.*",
     r"^([a-z0-9]+-)*[a-z0-9]+$", r"\d+\.\d+", r"/(checkout|confirmation)", r"x(?>a+)+", r"a++"],
)
def test_ordinary_patterns_pass(pattern: str) -> None:
    assert backtracking_problem(pattern) is None


def test_a_backtracking_entry_point_pattern_is_rejected() -> None:
    raw = config()
    raw["entryPoints"] = {"sale": {"title": {"operator": "matches", "value": "(x+x+)+y"}}}
    found = problems(raw)
    assert len(found) == 1 and found[0].startswith("entryPoints.sale.title.value: this regular expression can backtrack")


@pytest.mark.parametrize("selector", ["#help[", ".a,", ">>", "a[href=", "div:not(", ""])
def test_invalid_selectors_are_rejected_with_the_parsers_message(selector: str) -> None:
    if selector:
        assert selector_problem(selector)
    dom = {"type": "dom", "criteria": selector or " ", "operator": "exists"}
    raw = config(rulesets=[{"conditions": [dom]}])
    raw["interactions"]["info"] = {"type": "info", "target": selector or "#a[", "text": "x"}
    raw["interactions"]["login"] = {"type": "detectLogin", "selector": selector or "#b["}
    found = problems(raw)
    paths = sorted(p.split(": ", 1)[0] for p in found)
    assert paths == ["interactions.info.target", "interactions.login.selector", "rules[0].rulesets[0].conditions[0].criteria"], found
    assert all("invalid CSS selector" in p for p in found if "criteria" not in p or selector)


@pytest.mark.parametrize(
    "selector",
    ["#help", ".a > b:not(.c, .d)", 'a[href^="/x" i]', "div:has(> img)", "li:nth-child(2n+1 of .x)", ":is(a, b) c",
     "input:checked + label", r"#a\.b", ".cart-count:not(:empty)", "a:-webkit-any-link", "*|*", "[data-x~=y]"],
)
def test_valid_selectors_pass(selector: str) -> None:
    assert selector_problem(selector) is None, selector


def test_the_shipped_examples_and_demo_config_still_validate() -> None:
    for path in [*sorted((ROOT / "examples").glob("[0-9]*[a-z].json")), ROOT / "demo-site" / "rules.json"]:
        if path.name.endswith((".facts.json", ".expected.json")):
            continue
        result = parse_config(path.read_bytes())
        assert isinstance(result, Config), (path, result)

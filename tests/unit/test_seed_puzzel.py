"""Puzzel seed sentences the shared cases cannot show: config warnings and the CLI.

"When a rule's outcome is set to trigger an interaction of type "Detect Visitor Login",
the option "Always evaluate this rule" is automatically enabled and it can't be changed."
A config that says `"alwaysEvaluate": false` on such a rule still loads (the engine
overrides it) and `validate` says so as a warning, with exit status 0.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from engine import Config, _bridge, compile_config
from engine.__main__ import explain, main
from engine.__main__ import validate as run_validate
from engine.text import decode_url
from engine.validation import ConfigWarning


def login_config(always: object) -> dict[str, Any]:
    rule: dict[str, Any] = {"name": "Detect login", "rulesets": [{"conditions": [{"type": "static", "operator": "always"}]}],
                            "outcome": {"start": "panel", "variants": [{"when": {"agentsAvailable": {"moreThan": 0}}, "start": "detect"}]}}
    if always is not None:
        rule["alwaysEvaluate"] = always
    return {"version": 1, "rules": [rule], "interactions": {
        "panel": {"type": "panel", "title": "Hi"},
        "detect": {"type": "detectLogin", "selector": "#account"}}}


def compiled(raw: dict[str, Any]) -> Config:
    result = compile_config(raw)
    assert isinstance(result, Config), result
    return result


def test_explicit_false_on_a_detect_login_rule_is_overridden_with_a_warning() -> None:
    config = compiled(login_config(False))
    assert config.rules[0].always_evaluate is True
    assert config.warnings == (ConfigWarning(
        "rules[0].alwaysEvaluate",
        'rule "Detect login" starts detectLogin interaction "detect", which is always evaluated; '
        '"alwaysEvaluate": false is ignored (remove it)',
    ),)


@pytest.mark.parametrize("always", [None, True])
def test_omitted_or_true_gives_no_warning(always: object) -> None:
    config = compiled(login_config(always))
    assert config.rules[0].always_evaluate is True
    assert config.warnings == ()


def test_a_rule_without_detect_login_keeps_its_false() -> None:
    raw = login_config(False)
    raw["rules"][0]["outcome"] = {"start": "panel"}
    config = compiled(raw)
    assert config.rules[0].always_evaluate is False
    assert config.warnings == ()


def validate(tmp_path: Path, raw: dict[str, Any]) -> tuple[int, str]:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    out = io.StringIO()
    return run_validate([str(path)], out), out.getvalue()


def test_validate_prints_warnings_and_exits_zero(tmp_path: Path) -> None:
    code, out = validate(tmp_path, login_config(False))
    assert code == 0
    assert out.splitlines() == [
        "OK, 1 warning:",
        '  rules[0].alwaysEvaluate: warning: rule "Detect login" starts detectLogin interaction "detect", '
        'which is always evaluated; "alwaysEvaluate": false is ignored (remove it)',
    ]


def test_validate_prints_warnings_beside_errors_and_exits_one(tmp_path: Path) -> None:
    raw = login_config(False)
    raw["rules"].append({"name": "Broken", "rulesets": [], "outcome": {"start": "nowhere"}})
    code, out = validate(tmp_path, raw)
    lines = out.splitlines()
    assert code == 1
    assert lines[0].endswith("problems and 1 warning:") or lines[0].endswith("problem and 1 warning:"), lines
    assert any(line.startswith("  rules[1]") for line in lines), lines
    assert lines[-1] == ('  rules[0].alwaysEvaluate: warning: rule "Detect login" starts detectLogin interaction "detect", '
                         'which is always evaluated; "alwaysEvaluate": false is ignored (remove it)')


@pytest.mark.parametrize("always", [False, None])
def test_the_worker_answers_init_with_the_warnings_the_loader_prints(always: object) -> None:
    reply = json.loads(_bridge.handle(json.dumps({"v": 1, "kind": "init", "config": login_config(always), "facts": []})))
    expected = ['rules[0].alwaysEvaluate: warning: rule "Detect login" starts detectLogin interaction "detect", '
                'which is always evaluated; "alwaysEvaluate": false is ignored (remove it)']
    assert reply.get("warnings") == (expected if always is False else None)


def test_validate_without_warnings_prints_ok(tmp_path: Path) -> None:
    assert validate(tmp_path, login_config(None)) == (0, "OK\n")


def test_validate_command_line_exit_status_with_only_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(login_config(False)), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    assert "warning: rule \"Detect login\"" in capsys.readouterr().out


@pytest.mark.parametrize(("raw", "decoded"), [
    ("/kj%C3%B8p", "/kjøp"),
    ("/%C3%BCber-uns", "/über-uns"),
    ("/%e4%ba%a7%e5%93%81", "/产品"),
    ("/100%zz/%", "/100%zz/%"),        # not an escape: left as is
    ("/%C3", "/\ufffd"),               # an incomplete UTF-8 sequence: U+FFFD, as the URL standard
    ("/a%2Fb", "/a/b"),
    ("/plain", "/plain"),
])
def test_urls_are_percent_decoded_as_the_url_standard_does(raw: str, decoded: str) -> None:
    assert decode_url(raw) == decoded


def test_explain_describes_the_survey_chain(tmp_path: Path) -> None:
    config = {"version": 1, "rules": [{"name": "Support", "rulesets": [{"conditions": [{"type": "static", "operator": "always"}]}],
                                       "outcome": {"start": "chat"}}],
              "interactions": {"chat": {"type": "chat", "after": "survey"},
                               "survey": {"type": "survey", "questions": [{"id": "q1", "kind": "rating", "label": "How did we do?"}]}}}
    facts = [{"type": "page", "now": 1000, "url": "https://shop.test/"},
             {"type": "push", "now": 2000, "data": {"type": "chatEnded"}},
             {"type": "action", "now": 3000, "action": "submitted", "interaction": "survey", "rule": "Support", "answers": {"q1": 5}}]
    (tmp_path / "rules.json").write_text(json.dumps(config), encoding="utf-8")
    (tmp_path / "facts.json").write_text(json.dumps(facts), encoding="utf-8")
    out = io.StringIO()
    assert explain(str(tmp_path / "rules.json"), str(tmp_path / "facts.json"), out) == 0
    text = out.getvalue()
    assert "hide chat of rule 'Support' (chatEnded)" in text
    assert "show survey (survey) for rule 'Support'" in text
    assert "survey survey of rule 'Support' sent: {\"q1\": 5}" in text
    assert "hide survey of rule 'Support' (submitted)" in text

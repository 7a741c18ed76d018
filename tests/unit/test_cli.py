"""The command line a site owner uses before publishing."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.__main__ import main

ROOT = Path(__file__).parents[2]
SPEC_EXAMPLE = ROOT / "examples" / "puzzel-first-rule.json"


def run(*args: str, stdin: str = "") -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "engine", *args], input=stdin, capture_output=True, text=True, cwd=ROOT, check=False)
    return done.returncode, done.stdout + done.stderr


def test_validate_ok_on_the_spec_example() -> None:
    assert run("validate", str(SPEC_EXAMPLE)) == (0, "OK\n")


def test_validate_lists_five_mistakes_with_paths(tmp_path: Path) -> None:
    cases = json.loads((ROOT / "tests" / "cases" / "engine.json").read_text())
    five = next(c for c in cases["cases"] if c["name"].startswith("five different mistakes"))
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(five["config"]))
    code, out = run("validate", str(path))
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "6 problems:"
    assert [line.strip() for line in lines[1:]] == five["errors"]


def test_validate_reports_bad_json_and_missing_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1,')
    code, out = run("validate", str(bad), str(tmp_path / "missing.json"))
    assert code == 1
    assert "bad.json: 1 problem:" in out and "not valid JSON" in out
    assert "missing.json: cannot read" in out


def test_explain_shows_no_match_at_10s_and_a_match_at_31s() -> None:
    out = io.StringIO()
    sys_stdout = sys.stdout
    try:
        sys.stdout = out
        code = main(["explain", str(SPEC_EXAMPLE), "--facts", str(SPEC_EXAMPLE.with_suffix(".facts.json"))])
    finally:
        sys.stdout = sys_stdout
    text = out.getvalue()
    assert code == 0
    step2, step3 = text.split("== step 2")[1].split("== step 3")
    assert "(no change)" in step2 and "rule 'First rule': notMatched" in step2
    assert "[no ] time onPage moreThan 30  (read 10.0)" in step2
    assert "show panel-1 (panel) for rule 'First rule', language sv, queue Chat 9" in step3
    assert "[yes] time onPage moreThan 30  (read 31.0)" in step3


def test_explain_json_report() -> None:
    code, out = run("explain", str(SPEC_EXAMPLE), "--facts", str(SPEC_EXAMPLE.with_suffix(".facts.json")), "--json")
    assert code == 0
    report = json.loads(out)
    assert [len(step["decisions"]) for step in report] == [0, 0, 1]
    assert report[2]["trace"]["rules"][0]["status"] == "shown"


@pytest.mark.parametrize(
    ("agent", "kind"),
    [
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "mobile"),
        ("Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "tablet"),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "desktop"),
    ],
)
def test_device_command(agent: str, kind: str) -> None:
    assert run("device", stdin=agent + "\n") == (0, kind + "\n")

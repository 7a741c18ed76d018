"""docs/reliability.md is what the browser tests observed, for exactly the registered cases;
the README states exactly the policy the strict-CSP test runs under."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from engine.tools.serve import STRICT_CSP
from tests.browser.reliability_cases import CASES

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

import reliability_table  # noqa: E402


def test_the_table_is_rendered_from_the_registry_and_the_observed_results() -> None:
    results = reliability_table.load()
    assert set(results) <= {c.id for c in CASES}, "results for cases no longer registered"
    assert reliability_table.DOC.read_text(encoding="utf-8") == reliability_table.render(results), (
        "docs/reliability.md is out of date: run the browser tests (or scripts/reliability_table.py)"
    )


def test_regenerating_merges_the_observations_and_tests_write_no_tracked_file(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The tests write observations under .cache/ (ignored); only the command writes docs/."""
    assert reliability_table.OBSERVED.is_relative_to(REPO / ".cache")
    ignored = subprocess.run(["git", "check-ignore", "-q", str(reliability_table.OBSERVED)], cwd=REPO, check=False)
    assert ignored.returncode == 0, "the observations file must be git-ignored"
    results, doc, observed = tmp_path / "results.json", tmp_path / "doc.md", tmp_path / "observed.json"
    monkeypatch.setattr(reliability_table, "RESULTS", results)
    monkeypatch.setattr(reliability_table, "DOC", doc)
    monkeypatch.setattr(reliability_table, "OBSERVED", observed)
    monkeypatch.setattr(reliability_table, "REPO", tmp_path)
    first, second = CASES[0].id, CASES[1].id
    results.write_text(json.dumps({first: {"observed": "old", "page_errors": 0}}))
    assert reliability_table.main([]) == 1  # nothing observed yet
    reliability_table.observe({second: {"observed": "new", "page_errors": 0}, "gone": {}})
    assert reliability_table.main([]) == 0
    merged = json.loads(results.read_text())
    assert merged == {first: {"observed": "old", "page_errors": 0}, second: {"observed": "new", "page_errors": 0}}
    assert doc.read_text() == reliability_table.render(merged)


def test_observations_carry_no_machine_timings() -> None:
    timed = {k: r["observed"] for k, r in reliability_table.load().items()
             if re.search(r"\b\d+\.\d+ s\b|took \d+ ms of", r["observed"])}
    assert timed == {}


def test_no_observation_reports_a_page_error() -> None:
    assert reliability_table.summary(reliability_table.load())["page_errors"] == 0


def test_readme_states_the_policy_the_tests_use() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```\nContent-Security-Policy: (.*?)\n```", readme, re.S)
    assert block, "README has no Content-Security-Policy block"
    assert " ".join(block.group(1).split()) == STRICT_CSP

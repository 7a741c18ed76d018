"""docs/reliability.md is what the browser tests observed, for exactly the registered cases;
the README states exactly the policy the strict-CSP test runs under."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from engine.serve import STRICT_CSP
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


def test_every_registered_case_has_been_observed() -> None:
    missing = [c.id for c in CASES if c.id not in reliability_table.load()]
    assert missing == [], (
        f"run tests/browser/test_reliability.py, test_security.py, test_accessibility.py: {missing}"
    )


def test_no_observation_reports_a_page_error() -> None:
    assert reliability_table.summary(reliability_table.load())["page_errors"] == 0


def test_readme_states_the_policy_the_tests_use() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```\nContent-Security-Policy: (.*?)\n```", readme, re.S)
    assert block, "README has no Content-Security-Policy block"
    assert " ".join(block.group(1).split()) == STRICT_CSP

#!/usr/bin/env python3
"""Regenerate docs/reliability.md from what the browser tests observed.

The reliability, security and accessibility tests (tests/browser/test_reliability.py,
test_security.py, test_accessibility.py) record, for every case of
tests/browser/reliability_cases.py, what actually happened. They write only to
`.cache/reliability/observed.json` (git-ignored; `ENGAGE_RELIABILITY_OBSERVED` moves it):
a test run never changes a tracked file. A person regenerates the tracked doc from the
last run's observations with

    .venv/bin/python scripts/reliability_table.py            # merge observed.json, re-render
    .venv/bin/python scripts/reliability_table.py --render   # re-render the stored results only

which merges them into docs/reliability-results.json and renders docs/reliability.md. The
observations carry no machine timings, only what the tests assert (a bound, not a
measurement), so regenerating on another machine changes nothing but real behaviour.
tests/unit/test_reliability_doc.py checks that the table matches the registry and the
stored results.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.browser.reliability_cases import CASES  # noqa: E402

RESULTS = REPO / "docs" / "reliability-results.json"
DOC = REPO / "docs" / "reliability.md"
OBSERVED = Path(os.environ.get("ENGAGE_RELIABILITY_OBSERVED") or REPO / ".cache" / "reliability" / "observed.json")

CATEGORIES = (
    ("fault", "Faults"),
    ("state", "State"),
    ("injection", "Injection"),
    ("policy", "Policies"),
    ("accessibility", "Accessibility"),
    ("debug", "Debug overlay"),
)

INTRO = """\
# Reliability, security and accessibility: what was tried

*Observed by the browser tests (`tests/browser/test_reliability.py`, `test_security.py`,
`test_accessibility.py`), which write only to the git-ignored `.cache/reliability/`;
regenerate this page after a test run with `.venv/bin/python scripts/reliability_table.py`;
do not edit by hand. Each row is one case of `tests/browser/reliability_cases.py`; the last
column is what the test observed in headless Chromium on the run the page was regenerated
from. Durations are the bounds the tests assert, not this machine's timings. A case whose
test failed or did not run shows "not observed".*

Every page-level test listens for `pageerror`: an uncaught exception in page code fails it.
How the loader behaves in each situation is described in [loader.md](loader.md) (section
"When something goes wrong") and the policy a site needs is in the README.
"""


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def summary(results: dict[str, Any]) -> dict[str, int]:
    observed = [results[c.id] for c in CASES if c.id in results]
    return {
        "cases": len(CASES),
        "observed": len(observed),
        "faults": sum(1 for c in CASES if c.category == "fault" and c.id in results),
        "state": sum(1 for c in CASES if c.category == "state" and c.id in results),
        "injections": sum(int(r.get("attempts", 0)) for r in observed),
        "page_errors": sum(int(r.get("page_errors", 0)) for r in observed),
    }


def render(results: dict[str, Any]) -> str:
    s = summary(results)
    lines = [INTRO]
    lines.append(
        f"**{s['observed']} of {s['cases']} cases observed**: {s['faults']} faults, "
        f"{s['state']} state cases, {s['injections']} injection payloads placed, "
        f"{s['page_errors']} uncaught page errors.\n"
    )
    for category, title in CATEGORIES:
        cases = [c for c in CASES if c.category == category]
        lines.append(f"## {title}\n")
        lines.append("| case | tried | expected | observed |")
        lines.append("|---|---|---|---|")
        for c in cases:
            r = results.get(c.id)
            observed = r["observed"] if r else "not observed"
            lines.append(
                f"| `{_cell(c.id)}` | {_cell(c.tried)} | {_cell(c.expected)} | {_cell(observed)} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def load(path: Path | None = None) -> dict[str, Any]:
    path = RESULTS if path is None else path
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _kept(results: dict[str, Any]) -> dict[str, Any]:
    known = {c.id for c in CASES}
    return {k: results[k] for k in sorted(results) if k in known}


def observe(results: dict[str, Any], path: Path | None = None) -> None:
    """What a test run saw; the only file the tests write (outside their temp dirs)."""
    path = OBSERVED if path is None else path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_kept(results), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write(results: dict[str, Any]) -> None:
    kept = _kept(results)
    RESULTS.write_text(json.dumps(kept, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    DOC.write_text(render(kept), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    results = load()
    if "--render" not in args:
        observed = load(OBSERVED)
        if not observed:
            print(f"nothing observed in {OBSERVED}: run the browser tests first (or pass --render)")
            return 1
        results.update(observed)
    write(results)
    print(f"wrote {DOC.relative_to(REPO)} and {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run every shared case (tests/cases/*.json) through the real worker under Pyodide.

The same files, ids and comparison rules as tests/unit/test_cases.py (CPython), but the
engine runs in /engage/web/worker.js inside Chromium and every fact and decision crosses
the worker boundary as protocol-v1 messages (docs/architecture.md). The harness page
(pages/cases.html + cases.js) boots the worker once for the whole module; each case
starts with an `init` (which resets the engine) and sends one `facts` message per step.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, Playwright

from tests.unit.test_cases import load_cases, subset

pytestmark = pytest.mark.browser

BOOT_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def harness(
    playwright: Playwright,
    browser_type_launch_args: dict[str, Any],
    site_server: Callable[..., str],
) -> Iterator[Page]:
    """One page, one worker, booted once: every case of this module runs in it.

    The browser is launched here rather than taken from pytest-playwright's `browser`
    fixture, which would parametrize every test by browser name ("chromium-..."): the
    ids stay exactly those of the CPython runner (tests/unit/test_cases.py).
    """
    browser = playwright.chromium.launch(**browser_type_launch_args)
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(BOOT_TIMEOUT_MS)
    page.goto(site_server() + "cases.html")
    page.wait_for_function("window.harness !== undefined")
    boot_ms = page.evaluate("window.harness.boot()")
    print(f"worker booted in {boot_ms:.0f} ms")
    page.set_default_timeout(15_000)
    yield page
    browser.close()
    assert not errors, f"uncaught errors on the harness page: {errors}"


def problems_as_text(decisions: list[dict[str, Any]]) -> list[str]:
    """The `path: message` lines of the one config.invalid error (message alone without a path)."""
    errors = [
        d for d in decisions if d.get("type") == "error" and d.get("code") == "config.invalid"
    ]
    assert len(errors) == 1 and len(decisions) == 1, (
        f"expected one config.invalid error, got {json.dumps(decisions)}"
    )
    problems = errors[0].get("problems")
    assert isinstance(problems, list), f"config.invalid without problems: {json.dumps(errors[0])}"
    return [f"{p['path']}: {p['message']}" if p.get("path") else p["message"] for p in problems]


@pytest.mark.parametrize(("case", "config"), load_cases())
def test_case(harness: Page, case: dict[str, Any], config: Any) -> None:
    sent = {"config": config, "state": case.get("state"), "seed": case.get("seed", ""),
            "steps": case.get("steps", [])}  # fmt: skip
    result = harness.evaluate("c => window.harness.runCase(c)", sent)
    assert result["fatal"] is None, f"the worker failed: {json.dumps(result['fatal'])}"
    init = result["init"]
    if "errors" in case:
        assert problems_as_text(init["decisions"]) == case["errors"]
        return
    assert init["decisions"] == [], f"init: {json.dumps(init['decisions'])}"
    assert len(result["steps"]) == len(case["steps"])
    for number, (step, out) in enumerate(zip(case["steps"], result["steps"], strict=True), 1):
        decisions = out["decisions"]
        where = f"step {number} ({step.get('note', '')})"
        if "expect" in step:
            expected = step["expect"]
            ok = len(decisions) == len(expected) and all(
                subset(e, a) for e, a in zip(expected, decisions, strict=False)
            )
            assert ok, f"{where}: expected {json.dumps(expected)}\n got {json.dumps(decisions)}"
        if "expectStatus" in step:
            assert out["trace"] is not None, f"{where}: no evaluation ran"
            statuses = {r["name"]: r["status"] for r in out["trace"]["rules"]}
            wanted = step["expectStatus"]
            assert {k: statuses.get(k) for k in wanted} == wanted, f"{where}: statuses {statuses}"
        if "expectRead" in step:
            reads = {r["name"]: [c["read"] for rs in r["rulesets"] for c in rs["conditions"] if c["result"] is not None]
                     for r in out["trace"]["rules"]}
            wanted = step["expectRead"]
            assert {k: reads.get(k) for k in wanted} == wanted, f"{where}: reads {reads}"
        if "expectWatch" in step:
            watch = out["watch"]
            assert subset(step["expectWatch"], watch), f"{where}: watch {watch}"
        if "expectState" in step:
            state = json.loads(out["state"]) if out["state"] else case.get("state") or {}
            session = state.get("session")
            assert subset(step["expectState"], session), f"{where}: state {json.dumps(session)}"

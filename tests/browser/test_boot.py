"""The worker boots Pyodide from the built folder, relays JSON, and fails loudly.

These run web/worker.js directly from a bare page (tests/browser/pages/worker.html), so a
failure here points at the build or the worker rather than at loader.js.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Route

pytestmark = pytest.mark.browser

BOOT_TIMEOUT_MS = 60_000
INIT = {"v": 1, "kind": "init", "config": {"version": 1, "rules": []},
        "configError": None, "state": None, "facts": []}  # fmt: skip


def first_message(page: Page) -> dict[str, Any]:
    page.wait_for_function("window.received && window.received.length > 0", timeout=BOOT_TIMEOUT_MS)
    message: dict[str, Any] = page.evaluate("window.received[0]")
    return message


def test_worker_boots_imports_engine_and_answers_queued_messages_in_order(
    page: Page, site_server: Callable[..., str]
) -> None:
    page.goto(site_server() + "worker.html")
    # Sent while Pyodide is still starting: the worker must queue them, in order.
    page.evaluate(
        "init => { send(init); send(JSON.stringify({v: 1, kind: 'facts', facts: []})); }", INIT
    )
    assert first_message(page) == {"v": 1, "kind": "booted"}
    page.wait_for_function("window.received.length >= 3", timeout=10_000)
    received = page.evaluate("window.received")
    assert [m["kind"] for m in received] == ["booted", "output", "output"], received
    assert all(m["v"] == 1 for m in received)


def test_boot_time_cold_and_warm(
    page: Page, site_server: Callable[..., str], record_property: Callable[[str, object], None]
) -> None:
    url = site_server() + "worker.html"
    times = []
    for _ in range(3):  # cold (fresh context, empty HTTP cache), then warm reloads
        page.goto(url)
        assert first_message(page)["kind"] == "booted"
        times.append(round(page.evaluate("window.bootMs")))
    record_property("boot_ms_cold", times[0])
    record_property("boot_ms_warm", times[1:])
    print(f"worker booted in {times[0]} ms cold, {times[1:]} ms warm")


@pytest.mark.parametrize(
    "missing",
    [
        "pyodide/*/pyodide.mjs",
        "pyodide/*/pyodide.asm.mjs",
        "pyodide/*/pyodide.asm.wasm",
        "pyodide/stdlib-*.zip",
        "pyodide/site-*.zip",
    ],
)
def test_missing_file_is_one_fatal_message_naming_it(
    page: Page,
    site_server: Callable[..., str],
    broken_build: Callable[..., Path],
    missing: str,
) -> None:
    engage = broken_build(missing)
    page.goto(site_server(engage_dir=engage) + "worker.html")
    message = first_message(page)
    assert message["kind"] == "fatal", message
    assert missing.split("/")[-1].split("*")[0] in message["message"], message["message"]
    if not missing.endswith("asm.mjs"):  # imported by Pyodide itself, which names no status
        # a 404 says so, even for the zips fetched with their sha256 as integrity
        assert "HTTP 404" in message["message"] and "sha256" not in message["message"], message

    page.wait_for_timeout(200)
    assert page.evaluate("window.received.length") == 1, "the worker must go quiet after a fatal"


@pytest.mark.parametrize("tampered", ["pyodide/site-*.zip", "pyodide/stdlib-*.zip"])
def test_tampered_zip_fails_its_integrity_check(
    page: Page, site_server: Callable[..., str], broken_build: Callable[..., Path], tampered: str
) -> None:
    engage = broken_build(tampered, b"PK\x05\x06" + bytes(18))
    page.goto(site_server(engage_dir=engage) + "worker.html")
    message = first_message(page)
    assert message["kind"] == "fatal", message
    name = tampered.split("/")[-1].split("*")[0]
    assert name in message["message"] and "sha256 does not match" in message["message"], message


def test_webassembly_blocked_by_csp_is_fatal_and_says_how_to_fix(
    context: BrowserContext, page: Page, site_server: Callable[..., str]
) -> None:
    def with_csp(route: Route) -> None:
        response = route.fetch()
        csp = "script-src 'self'"  # no 'wasm-unsafe-eval'
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": csp}
        )

    context.route("**/worker.js", with_csp)
    page.goto(site_server() + "worker.html")
    message = first_message(page)
    assert message["kind"] == "fatal", message
    assert "'wasm-unsafe-eval'" in message["message"], message


def test_wasm_served_with_a_generic_type_still_boots(
    context: BrowserContext, page: Page, site_server: Callable[..., str]
) -> None:

    def as_octet_stream(route: Route) -> None:
        response = route.fetch()
        headers = {**response.headers, "content-type": "application/octet-stream"}
        route.fulfill(response=response, headers=headers)

    context.route("**/*.wasm", as_octet_stream)
    page.goto(site_server() + "worker.html")
    assert first_message(page) == {"v": 1, "kind": "booted"}

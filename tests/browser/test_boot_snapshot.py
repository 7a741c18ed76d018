"""The boot levers of web/worker.js (docs/performance.md) and their fallbacks.

A memory snapshot of the booted engine is made on the first visit and kept in Cache
Storage; a return visit restores it. It uses a private Pyodide API, so every way it can
fail must leave a working engine: a broken snapshot is dropped and the engine boots
normally, and a build or a browser without snapshots boots normally every time. Modules
the build's trimmed zips left out are imported from the fallback zip, checked against its
sha256. The worker runs from tests/browser/pages/worker.html with `?bench`, which reports
how it booted and exposes the runtime as `self.engage`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import BrowserContext, Page

from engine.tools.build import build

pytestmark = pytest.mark.browser

BOOT_TIMEOUT_MS = 60_000
CONFIG = {
    "version": 1,
    "rules": [
        {"name": "Phones", "rulesets": [{"conditions": [
            {"type": "url", "criteria": "currentPage", "operator": "contains", "value": "/phones"},
            {"type": "device", "operator": "is", "value": "mobile"}]}],
         "outcome": {"start": "p"}},
    ],
    "schedules": {"office": {"timezone": "Europe/Oslo", "weekly": {"mon": ["08:00-16:00"]}}},
    "interactions": {"p": {"type": "panel", "title": "Hi"}},
}  # fmt: skip
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
INIT = {"v": 1, "kind": "init", "config": CONFIG, "configError": None, "state": None, "seed": "s",
        "facts": [{"type": "device", "userAgent": IPHONE},
                  {"type": "page", "now": 1795424400000, "url": "https://shop.test/phones", "cause": "load"}]}  # fmt: skip
SNAPSHOT_CACHE = "engage-runtime"


def visit(page: Page, base: str, query: str = "?bench") -> dict[str, Any]:
    """Load the worker page, send INIT, return {"boot": ..., "output": ...}."""
    page.goto(base + "worker.html?worker=" + quote("/engage/web/worker.js" + query))
    page.evaluate("init => send(init)", INIT)
    page.wait_for_function("window.received && window.received.length >= 2", timeout=BOOT_TIMEOUT_MS)
    booted, output = page.evaluate("window.received.slice(0, 2)")
    assert booted["kind"] == "booted", booted
    assert output["kind"] == "output", output
    output.pop("engineMs", None)
    return {"boot": booted.get("boot"), "output": output}


def stored_snapshots(page: Page) -> list[str]:
    urls: list[str] = page.evaluate(
        f"caches.open('{SNAPSHOT_CACHE}').then(c => c.keys()).then(k => k.map(r => r.url))"
    )
    return urls


def wait_stored(page: Page) -> list[str]:
    """The snapshot is stored in the background after boot: wait for it (real time)."""
    script = (
        f"caches.open('{SNAPSHOT_CACHE}').then(c => c.keys().then(keys => Promise.all("
        "keys.map(k => c.match(k).then(r => r.blob()).then(b => [k.url, b.size])))))"
    )
    for _ in range(150):
        stored = page.evaluate(script)
        if stored and all(size > 1_000_000 for _, size in stored):
            return [url for url, _ in stored]
        page.wait_for_timeout(100)
    raise AssertionError("no snapshot was stored within 15 s")


def test_return_visit_restores_the_snapshot_and_answers_the_same(
    page: Page, site_server: Callable[..., str]
) -> None:
    base = site_server()
    first = visit(page, base)
    assert first["boot"]["snapshot"] == "made"
    (key,) = wait_stored(page)
    assert "/engage/pyodide/snapshot-" in key
    second = visit(page, base)
    assert second["boot"]["snapshot"] == "restored"
    assert second["boot"]["configCompiled"] is True  # the config was compiled in the snapshot
    (worker,) = page.workers
    # and the visit's init found it by its JSON text (web/worker.js configApart), not compiling again
    assert worker.evaluate("() => self.engage.pyodide.runPython('import engine._bridge as b\\nb._reused')") is True
    assert second["output"] == first["output"]
    assert [d["type"] for d in second["output"]["decisions"]] == ["show"]  # the device parser ran
    # The config reads the device type, so the snapshot holds this browser's own User-Agent
    # already read: a later session decides it from the cache (INIT's facts name another UA).
    cached = worker.evaluate("""() => self.engage.pyodide.runPython(
      `import engine.device as d\nh = d._classify_ua.cache_info().hits\n` +
      `d._classify_ua(${JSON.stringify(navigator.userAgent)})\nd._classify_ua.cache_info().hits - h`)""")
    assert cached == 1


def test_a_broken_snapshot_is_dropped_and_the_engine_boots_normally(
    page: Page, site_server: Callable[..., str]
) -> None:
    base = site_server()
    first = visit(page, base)
    (key,) = wait_stored(page)
    # Same key, wrong bytes: what a half-written or foreign entry would look like.
    page.evaluate(
        "([name, key]) => caches.open(name).then(c => c.put(key, new Response(new Uint8Array(4096))))",
        [SNAPSHOT_CACHE, key],
    )
    warnings: list[str] = []
    page.on("console", lambda m: m.type == "warning" and warnings.append(m.text))
    second = visit(page, base)
    assert second["boot"]["snapshot"] == "failed, made", second["boot"]
    assert second["output"] == first["output"]
    assert any("snapshot could not be used" in w for w in warnings), warnings
    assert wait_stored(page) == [key]  # replaced by a good one
    third = visit(page, base)
    assert third["boot"]["snapshot"] == "restored"
    assert third["output"] == first["output"]


def test_without_snapshots_every_visit_boots_normally(
    context: BrowserContext,
    page: Page,
    site_server: Callable[..., str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    base = site_server()
    # Turned off for one worker ...
    assert visit(page, base, "?bench&snapshot=0")["boot"]["snapshot"] == "off"
    assert visit(page, base, "?bench&snapshot=0")["boot"]["snapshot"] == "off"
    assert stored_snapshots(page) == []
    # ... and by the build (`python -m engine build --no-snapshot`).
    engage = tmp_path_factory.mktemp("no-snapshot") / "engage"
    manifest = build(engage, snapshot=False)
    assert manifest["snapshot"] is False
    base = site_server(engage_dir=engage)
    for _ in range(2):
        assert visit(page, base)["boot"]["snapshot"] == "off"
    assert stored_snapshots(page) == []


def test_an_import_the_trimmed_zips_left_out_comes_from_the_fallback(
    page: Page, site_server: Callable[..., str], engage_build: Path
) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    visit(page, site_server(), "?bench&snapshot=0")
    assert not any("/fallback-" in url for url in requests)
    (worker,) = page.workers
    names = worker.evaluate(
        "() => self.engage.pyodide.runPython("
        "'import email.message, ua_parser_builtins.lazy as lazy\\n"
        "[type(email.message.EmailMessage()).__name__, lazy.__name__]').toJs()"
    )
    assert names == ["EmailMessage", "ua_parser_builtins.lazy"]
    manifest = json.loads((engage_build / "manifest.json").read_text())
    assert sum(url.endswith(manifest["fallback"]["url"]) for url in requests) == 1


def test_a_tampered_fallback_zip_is_refused(
    page: Page, site_server: Callable[..., str], broken_build: Callable[..., Path]
) -> None:
    engage = broken_build("pyodide/fallback-*.zip", b"PK\x05\x06" + bytes(18))
    visit(page, site_server(engage_dir=engage), "?bench&snapshot=0")
    (worker,) = page.workers
    message = worker.evaluate(
        "() => { try { self.engage.pyodide.runPython('import email.message'); return 'imported'; }"
        " catch (e) { return String(e.message); } }"
    )
    assert "ImportError" in message and "sha256" in message, message

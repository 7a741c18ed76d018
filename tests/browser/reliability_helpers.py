"""Shared by test_reliability.py, test_security.py and test_accessibility.py.

* `HostSite`: a folder of small host pages written by the tests (each with its own script,
  a button and a link, so a test can check that the page keeps working), served with the
  session's engage build at /engage/.
* `Host`: a page driver that records engage:* events, console messages, page errors and
  CSP violations from an init script, and polls with `page.evaluate` only (Playwright's
  `wait_for_function` evaluates strings, which a strict CSP forbids).
* `Recorder`: what each test observed, under the ids of reliability_cases.py; merged into
  the git-ignored `.cache/reliability/observed.json` when a module ends (never into docs/:
  `scripts/reliability_table.py` regenerates docs/reliability.md from it, by hand).
"""

from __future__ import annotations

import fcntl
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import ConsoleMessage, Page, expect

from tests.browser.demo_helpers import RECORD_EVENTS
from tests.browser.reliability_cases import BY_ID, CASES

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "scripts") not in sys.path:
    sys.path.insert(0, str(REPO / "scripts"))

import reliability_table  # noqa: E402

BOOT_S = 60.0  # Pyodide on a loaded 2-core machine
UI_S = 10.0

# Installed in every document before any page script: events, CSP violations, workers.
INIT = """
(() => {
  const t = {events: [], violations: [], workers: [], pwned: []};
  Object.defineProperty(window, "__rx", {value: t});
""" + RECORD_EVENTS + """  document.addEventListener("securitypolicyviolation", (e) =>
    t.violations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`));
  // Injection payloads call __pwned(tag): anything recorded here is script that ran.
  Object.defineProperty(window, "__pwned", {value: (tag) => t.pwned.push(String(tag))});
  const Base = window.Worker;
  if (typeof Base === "function") {
    window.Worker = class extends Base {
      constructor(...args) { super(...args); t.workers.push(this); }
    };
  }
})();
"""

HOST_JS = """\
// The host page's own behaviour: it must keep working whatever happens to the engine.
window.engage = window.engage || [];
document.addEventListener("DOMContentLoaded", function () {
  var b = document.getElementById("own-button");
  b.addEventListener("click", function () {
    b.dataset.count = String(Number(b.dataset.count || 0) + 1);
    b.textContent = "Clicked " + b.dataset.count;
  });
});
// Functions that custom conditions read.
window.site = {
  ok: function () { return true; },
  throws: function () { throw new Error("site.throws is broken"); },
  later: function () { return new Promise(function (r) { setTimeout(function () { r(true); }, 50); }); },
  slow: function () { var t = performance.now(); while (performance.now() - t < 200) {} return true; },
  slowCalls: 0
};
var realSlow = window.site.slow;
window.site.slow = function () { window.site.slowCalls++; return realSlow(); };
"""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="icon" href="data:,">
<script src="host.js"></script>
{head}
<script src="/engage/loader.js" {attrs} async></script>
</head>
<body>
<header><nav aria-label="Site"><a id="own-link" href="other.html">Other page</a>
<button type="button" id="own-button">Click me</button></nav></header>
<main>
<h1>{title}</h1>
<div id="notice"></div>
{body}
</main>
</body>
</html>
"""

OTHER = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Other page</title>
<link rel="icon" href="data:,"></head>
<body><main><h1 id="other">Other page</h1></main></body></html>
"""


class HostSite:
    """Host pages on disk; `url(name)` once written. Served by conftest's site_server."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "host.js").write_text(HOST_JS, encoding="utf-8")
        (folder / "other.html").write_text(OTHER, encoding="utf-8")
        self.base = ""

    def page(
        self,
        name: str,
        config: dict[str, Any] | None = None,
        *,
        attrs: str = "",
        inline: bool = False,
        head: str = "",
        body: str = "",
        title: str | None = None,
    ) -> str:
        """Write NAME.html (and NAME.json unless inline) and return its path."""
        if config is not None and inline:
            text = json.dumps(config).replace("</", "<\\/")
            body += f'\n<script type="application/json" id="engage-config">{text}</script>'
        elif config is not None:
            (self.folder / f"{name}.json").write_text(json.dumps(config), encoding="utf-8")
            attrs = f'data-config="{name}.json" {attrs}'
        html = PAGE.format(title=title or f"Host page {name}", head=head, attrs=attrs, body=body)
        (self.folder / f"{name}.html").write_text(html, encoding="utf-8")
        return f"{name}.html"


class Host:
    """One page of a HostSite (or any site) with recorded events and errors."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base
        self.page_errors: list[str] = []
        self.console: list[tuple[str, str]] = []
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        self.console.append((message.type, message.text))

    # ---- moving around

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)

    def open(self, path: str) -> None:
        self.goto(path)
        self.wait_ready()

    def wait(self, js: str, timeout: float = UI_S, arg: Any = None) -> Any:
        """Poll `js` (an expression, or a function of `arg`) until it is truthy."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.page.evaluate(js, arg)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for {js}")
            self.page.wait_for_timeout(40)

    def wait_ready(self) -> None:
        self.wait("window.__rx.events.some(e => e.name === 'ready')", BOOT_S)

    def wait_error(self, timeout: float = BOOT_S) -> dict[str, Any]:
        self.wait("window.__rx.events.some(e => e.name === 'error')", timeout)
        self.page.wait_for_timeout(300)  # anything else that would follow
        return self.errors()[0]

    def wait_event(self, name: str, timeout: float = UI_S, **match: Any) -> dict[str, Any]:
        found: dict[str, Any] = self.wait(
            """([name, match]) => window.__rx.events.find(e => e.name === name &&
                 Object.entries(match).every(([k, v]) => e.detail && e.detail[k] === v))""",
            timeout,
            [name, match],
        )
        return dict(found["detail"])

    def settle(self, ms: int = 300) -> None:
        """Wait until no engine message is in flight (the loader's promise API), then a little."""
        self.page.evaluate("engage.evaluate ? engage.evaluate().then(() => 0) : 0")
        self.page.wait_for_timeout(ms)

    # ---- what happened

    def events(self, name: str) -> list[Any]:
        return [e["detail"] for e in self.page.evaluate("window.__rx.events") if e["name"] == name]

    def errors(self) -> list[dict[str, Any]]:
        return [dict(e) for e in self.events("error")]

    def engine_console(self, kind: str) -> list[str]:
        return [t for k, t in self.console if k == kind and "[engage]" in t]

    def host(self, interaction: str) -> Any:
        return self.page.locator(f'[data-engage-interaction="{interaction}"]')

    def check_page_works(self, navigate: bool = True) -> None:
        """The host page's own script and link still work; no uncaught error reached it."""
        assert not self.page_errors, f"uncaught errors in page code: {self.page_errors}"
        button = self.page.locator("#own-button")
        before = int(button.get_attribute("data-count") or 0)
        button.click()
        expect(button).to_have_attribute("data-count", str(before + 1))
        if navigate:
            self.page.locator("#own-link").click()
            expect(self.page.locator("#other")).to_be_visible()
        assert not self.page_errors, f"uncaught errors in page code: {self.page_errors}"

    def one_error(self, *needles: str) -> str:
        """Exactly one engage:error and one [engage] console error; returns the message."""
        errors = self.errors()
        assert len(errors) == 1, errors
        message = str(errors[0]["message"])
        for needle in needles:
            assert needle in message, (needle, message)
        consoled = self.engine_console("error")
        assert len(consoled) == 1, consoled
        return message


def normalise(text: str) -> str:
    """Stable across runs: no port, no content hash in a file name."""
    text = re.sub(r"https?://127\.0\.0\.1:\d+/", "/", text)
    text = re.sub(r"-[0-9a-f]{12,}\.(zip|whl)", r"-HASH.\1", text)
    return re.sub(r"(%2B|\+)g[0-9a-f]{8,}", "+gHASH", text)


class Recorder:
    """Observed results by case id; `flush(module)` merges them into the observations file.

    A test calls `attempt(*ids)` first and `record(id, ...)` once it has checked everything:
    a case attempted but not recorded (its test failed) is dropped from the table, a case
    not attempted in this run keeps its last observation.
    """

    def __init__(self) -> None:
        self.results: dict[str, dict[str, Any]] = {}
        self.attempted: set[str] = set()

    def attempt(self, *case_ids: str) -> None:
        for case_id in case_ids:
            assert case_id in BY_ID, f"unknown case {case_id}: add it to reliability_cases.py"
            self.attempted.add(case_id)
            self.results.pop(case_id, None)

    def record(
        self, case_id: str, observed: str, *, page_errors: int = 0, attempts: int = 0
    ) -> None:
        assert case_id in self.attempted, f"record({case_id}) without attempt()"
        self.results[case_id] = {
            "observed": normalise(observed),
            "page_errors": page_errors,
            **({"attempts": attempts} if attempts else {}),
        }

    def flush(self, module: str) -> None:
        mine = {c.id for c in CASES if c.module == module} & self.attempted
        if not mine:
            return
        # Parallel test workers flush their modules into the same file: one at a time, so
        # that none reads it before another's write and loses that worker's cases.
        observed = reliability_table.OBSERVED
        observed.parent.mkdir(parents=True, exist_ok=True)
        with observed.with_name(observed.name + ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            stored = reliability_table.load(observed)
            for case_id in mine:
                stored.pop(case_id, None)
                if case_id in self.results:
                    stored[case_id] = self.results[case_id]
            reliability_table.observe(stored)


RECORDER = Recorder()

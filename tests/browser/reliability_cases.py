"""Every fault, attack and policy the reliability, security and accessibility tests try.

This is the registry behind docs/reliability.md: each test records what it observed under
one of these ids (tests/browser/reliability_helpers.py), and scripts/reliability_table.py
renders the table from the registry and the recorded results. tests/unit/test_reliability_doc.py
fails when the table in docs/ and this registry disagree, so neither can drift.

No Playwright here: the unit test and the script import it without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass

PAGE_WORKS = "page's own script and link keep working, no uncaught error"
ONE_ERROR = "exactly one engage:error and one console error naming the cause"


@dataclass(frozen=True)
class Case:
    id: str
    category: str  # fault | state | injection | policy | accessibility | debug
    tried: str
    expected: str
    module: str  # the test module that records it


def _c(id: str, category: str, tried: str, expected: str, module: str) -> Case:
    return Case(id, category, tried, expected, module)


REL = "test_reliability"
R2 = "test_stall_hostile"
SEC = "test_security"
A11Y = "test_accessibility"

WHEELS = (
    "cssselect2",
    "engage_engine",
    "fastjsonschema",
    "regexploit",
    "tinycss2",
    "tzdata",
    "ua_parser",
    "ua_parser_builtins",
    "user_agents",
    "webencodings",
)

# Runtime files the loader needs, each answered 404 in turn (pattern relative to the site).
MISSING_FILES = (
    "config",
    "engage/web/observe.js",
    "engage/web/worker.js",
    # What web/worker.js boots from (docs/performance.md): the versioned runtime and the
    # build's compiled zips. The wheels and the lockfile are for PyScript pages only.
    "engage/pyodide/*/pyodide.mjs",
    "engage/pyodide/*/pyodide.asm.mjs",
    "engage/pyodide/*/pyodide.asm.wasm",
    "engage/pyodide/stdlib-*.zip",
    "engage/pyodide/site-*.zip",
    "engage/web/ui.js",
    "engage/web/panels.css",
    "engage/web/purify.min.js",
)

CASES: tuple[Case, ...] = (
    *(
        _c(
            f"missing:{f}",
            "fault",
            "the config (`data-config`) answers 404" if f == "config" else f"`{f}` answers 404",
            (
                f"the panel shows without its `html` part, {ONE_ERROR}; {PAGE_WORKS}"
                if "purify" in f
                else f"nothing rendered, {ONE_ERROR}; {PAGE_WORKS}"
            ),
            REL,
        )
        for f in MISSING_FILES
    ),
    _c("http500:config", "fault", "the config answers HTTP 500", f"{ONE_ERROR}; {PAGE_WORKS}", REL),
    _c(
        "http500:pyodide.asm.wasm",
        "fault",
        "`pyodide.asm.wasm` answers HTTP 500",
        f"{ONE_ERROR}; {PAGE_WORKS}",
        REL,
    ),
    _c(
        "hang:config",
        "fault",
        'the config request never answers (`data-boot-timeout="2"`)',
        f"gives up after the boot timeout, {ONE_ERROR}; {PAGE_WORKS}",
        REL,
    ),
    _c(
        "hang:web/worker.js",
        "fault",
        'the worker script request never answers (`data-boot-timeout="2"`)',
        f"gives up after the boot timeout, {ONE_ERROR}; {PAGE_WORKS}",
        REL,
    ),
    _c(
        "wasm:missing",
        "fault",
        "`window.WebAssembly` deleted before the loader runs",
        f"{ONE_ERROR}; {PAGE_WORKS}",
        REL,
    ),
    _c(
        "wasm:csp",
        "fault",
        "every response carries `Content-Security-Policy: script-src 'self'` (no `'wasm-unsafe-eval'`)",
        f"{ONE_ERROR} that says to add 'wasm-unsafe-eval'; {PAGE_WORKS}",
        REL,
    ),
    _c(
        "crash:terminated",
        "fault",
        'the worker is terminated mid-session (`data-answer-timeout="2"`: the watchdog waits 2 s)',
        "one engage:error, the engine restarts from the stored state, the displayed panel stays "
        "(no second engage:show), statuses intact, API calls answered",
        REL,
    ),
    _c(
        "crash:fatal",
        "fault",
        "the worker fails on a message (a BigInt it cannot serialise), twice",
        "first: one engage:error and a restart with state intact; second: one more engage:error, "
        "the engine stops and takes its panels down; the page keeps working",
        REL,
    ),
    _c(
        "custom:throws",
        "fault",
        "a custom condition whose function throws on every call",
        "counts as false; one engage:error for all the calls; other rules unaffected",
        REL,
    ),
    _c(
        "custom:promise",
        "fault",
        "a custom condition whose function returns a Promise (resolves true after 50 ms)",
        "counts as its settled value; the rule shows once it settles; no error",
        REL,
    ),
    _c(
        "custom:slow",
        "fault",
        "a custom condition whose function busy-waits 200 ms",
        "one engage:error naming it; it is then read at most every 4 s (5% of the main thread)",
        REL,
    ),
    _c(
        "selector:invalid",
        "fault",
        "a `dom` condition with the invalid selector `div[`",
        "the config is rejected when it loads: one engage:error naming the path and the CSS "
        f"parser's message; nothing rendered; {PAGE_WORKS}",
        R2,
    ),
    _c(
        "config:every-problem",
        "fault",
        "tests/configs/five-problems.json: a backtracking `(a+)+$`, the selector `#help[`, an "
        "operator typo, `ruleset` for `rulesets` and a `start` naming a missing interaction",
        f"one engage:error listing all five problems by path; nothing rendered; {PAGE_WORKS}",
        R2,
    ),
    _c(
        "stall:boot",
        "fault",
        "a `matches` pattern the analyser misses, `(a|aa)+$`, on a URL ending in 50 `a`s and `!`: "
        'the first evaluation never ends (`data-answer-timeout="2"`)',
        "the worker is terminated and restarted in probe mode, which names the rule; one engage:error "
        "naming it; the engine restarts without it and the other rule's panel shows; one live worker; "
        + PAGE_WORKS,
        R2,
    ),
    _c(
        "stall:later",
        "fault",
        "the same rule after boot: the page pushes a URL ending in 50 `a`s and `!`",
        "one engage:error naming the rule; the engine restarts without it; the panel shown before "
        "stays (no second engage:show); one live worker; " + PAGE_WORKS,
        R2,
    ),
    _c(
        "load:10000-pushes",
        "fault",
        "10,000 `engage.push` calls in one task",
        "the page stays responsive, the engine gets them as one batch, the state stays bounded; no error",
        REL,
    ),
    _c(
        "load:5000-rules",
        "fault",
        "a config of 5,000 rules (only the last one matches)",
        "boots within the default timeout and shows the last rule's panel; no error",
        REL,
    ),
    _c(
        "state:storage-full",
        "state",
        "`localStorage.setItem` throws QuotaExceededError",
        "one console warning, state kept in memory (`engage.state()` works), no engage:error",
        REL,
    ),
    _c(
        "state:storage-disabled",
        "state",
        "reading `localStorage` / `sessionStorage` throws SecurityError (storage disabled)",
        "one console warning, the engine runs on memory only, no engage:error",
        REL,
    ),
    _c(
        "state:corrupt-json",
        "state",
        "`engage:state` holds `{not json`",
        "dropped with one console warning, a new session starts, no engage:error",
        REL,
    ),
    _c(
        "state:corrupt-shape",
        "state",
        "`engage:state` holds JSON of the wrong shape (`history` a string)",
        "dropped with one console warning, a new session starts, no engage:error",
        REL,
    ),
    _c(
        "state:older-version",
        "state",
        "`engage:state` holds a state of version 0",
        "dropped with one console warning, a new session starts, no engage:error",
        REL,
    ),
    _c(
        "state:two-tabs",
        "state",
        "two tabs act at the same moment: each closes its own panel, so their state writes cross",
        "both tabs and the stored state end with both declines; a third tab sees both",
        REL,
    ),
    _c(
        "state:reload-mid-chat",
        "state",
        "the page is reloaded right after the visitor started a chat, within a flow",
        "the chat comes back once (`resumed: true`), one chat window, statuses and flow progress "
        "neither lost nor duplicated, the display counted once",
        REL,
    ),
    _c(
        "state:push-then-leave",
        "state",
        "the page pushes a cart and follows a link before the engine has started",
        "the next page's engine has the cart and the left page in its history",
        REL,
    ),
    _c(
        "state:push-then-leave:early",
        "state",
        "the same, the page left before the loader's journal module (`web/lifecycle.js`) arrived",
        "the next page's engine has the cart and the left page in its history",
        REL,
    ),
    _c(
        "inject:panel",
        "injection",
        "panel `title`, `text` and button labels holding `<img src=x onerror=...>`, `<script>`, `</style>`",
        "shown as literal text; nothing runs",
        SEC,
    ),
    _c(
        "inject:button",
        "injection",
        "a `button` interaction's `label` holding markup",
        "shown as literal text; nothing runs",
        SEC,
    ),
    _c(
        "inject:chat",
        "injection",
        "a chat's `title` and the outcome's `queueKey` holding markup",
        "shown as literal text; the engage:chat detail carries the string unchanged; nothing runs",
        SEC,
    ),
    _c(
        "inject:attributes",
        "injection",
        'a rule name and a `language` that try to break out of an attribute (`"><img onerror>`)',
        "set as attribute values; no element or handler is created",
        SEC,
    ),
    _c(
        "inject:html",
        "injection",
        "`html` content with `<script>`, `onerror`, `javascript:` link, `<iframe srcdoc>`, "
        "`<svg onload>`, `</style>`, `<form>`, `style=`",
        "DOMPurify keeps the harmless markup only; clicking the link runs nothing",
        SEC,
    ),
    _c(
        "inject:pushed",
        "injection",
        "pushed product names and error messages holding markup, read back by rules and shown in "
        "the debug overlay",
        "matched as plain strings; the overlay shows them as text; nothing runs",
        SEC,
    ),
    _c(
        "inject:custom-paths",
        "injection",
        "custom paths `__proto__.polluted`, `constructor.constructor`, `engage.constructor`, "
        "`Object.prototype`, `location.__proto__` (a malformed one such as `a..b` is rejected by "
        "the config validator)",
        "refused (false) without reading them, one engage:error each; `Object.prototype` untouched",
        SEC,
    ),
    _c(
        "inject:no-eval",
        "injection",
        "loader.js and web/*.js scanned for `eval`, `new Function`, string timers, `innerHTML`, "
        "`outerHTML`, `insertAdjacentHTML`, `document.write`",
        "none found (and the strict-CSP runs below would fail on any eval)",
        SEC,
    ),
    _c(
        "policy:strict-csp",
        "policy",
        "the demo served with `python -m engine serve --csp`'s policy (`script-src 'self' "
        "'wasm-unsafe-eval'`, `style-src 'self'`, Trusted Types required, policy `engage` only): "
        "a panel, a button, an info with html, a chat",
        "no CSP or Trusted Types violation, no engage:error; every interaction rendered and styled "
        "(constructable stylesheets)",
        SEC,
    ),
    _c(
        "policy:tt-name-refused",
        "policy",
        "Trusted Types required but the page allows no policy named `engage`",
        f"the engine cannot start its worker: {ONE_ERROR} (it says to allow `engage`); {PAGE_WORKS}",
        SEC,
    ),
    *(
        _c(
            f"a11y:axe-{kind}",
            "accessibility",
            f"axe-core on the page with a `{kind}` displayed",
            "no violations",
            A11Y,
        )
        for kind in ("panel", "button", "info", "chat")
    ),
    _c(
        "a11y:keyboard",
        "accessibility",
        "keyboard only: Tab into a panel, Enter on its button (opens a chat), Escape",
        "the panel never took focus on appearing; focus moves into the chat it opened; Escape "
        "closes it and focus returns to where the visitor was",
        A11Y,
    ),
    _c(
        "debug:overlay",
        "debug",
        "`?engage-debug`: the trace overlay, then a push that changes what a condition reads",
        "rule > ruleset > condition with the value each read; updated live after the push",
        SEC,
    ),
)

HOSTILE_PAGES = (
    ("pushState", "`history.pushState` replaced by the page's own router function (records the call, no URL change)"),
    ("addEventListener", "`EventTarget.prototype.addEventListener` wrapped by the page (counts every listener, then forwards)"),
    ("JSON.parse", "`JSON.parse` replaced by a function that throws"),
    ("Array.map", "`Array.prototype.map` replaced by a function that returns `[]`"),
    ("Promise", "`window.Promise` replaced by a constructor that throws"),
    ("frozen-engage", "`window.engage` defined read-only and frozen (`Object.defineProperty`, `Object.freeze`)"),
)
CASES += tuple(
    _c(f"hostile:{name}", "fault", f"{tried}, before the loader runs",
       f"the engine works or reports exactly one engage:error and stays out of the way; the page's "
       f"override still in place and working; {PAGE_WORKS}", R2)
    for name, tried in HOSTILE_PAGES
)
CASES += (
    _c(
        "soak:spa-hour",
        "fault",
        "a single-page app navigating 10,000 times by `pushState` with 1,000 rules and a custom function "
        "polled every second, over one simulated hour (`page.clock`)",
        "memory flat (the WebAssembly heap and Python objects, read as the benchmark's memory row reads "
        "them); no engage:error; the decisions at the end right",
        "test_soak",
    ),
    _c(
        "inject:url-title-pushed",
        "injection",
        "URL query and hash, the page title, a `pushState` URL and pushed strings holding "
        "`<img src=x onerror=...>`, `<script>` and `javascript:` links, read by rules and shown by the "
        "debug overlay and a panel",
        "shown as literal text only; nothing runs; no element, handler or javascript: link created",
        R2,
    ),
)

BY_ID = {c.id: c for c in CASES}
assert len(BY_ID) == len(CASES), "duplicate case ids"

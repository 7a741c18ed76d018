"""Nothing gets in: injection through config and pushes, custom paths, strict CSP and Trusted
Types, and the debug overlay (which shows what the visitor pushed).

Injection payloads call `__pwned(tag)` (defined by the init script in
reliability_helpers.INIT): any call recorded there is script that ran. The strict-CSP test
serves the demo shop with engine.tools.serve.STRICT_CSP, exactly what `python -m engine serve
--csp` sends, and fails on any `securitypolicyviolation` in the page, any engage:error and
any uncaught error. What each test observed goes into docs/reliability.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Route, expect

from engine.tools.chat_endpoint import ChatEndpoint
from engine.tools.serve import STRICT_CSP, start_server
from tests.browser.reliability_helpers import INIT, RECORDER, REPO, Host, HostSite

pytestmark = pytest.mark.browser


IMG = "<img src=x onerror=\"__pwned('img')\">"
SCRIPT = "<script>__pwned('script')</script>"
STYLE = "</style><script>__pwned('style')</script><style>"
ATTR = "\"><img src=x onerror=__pwned('attr')>"
SVG = "<svg onload=__pwned('svg')></svg>"

HTML = (
    "<p>Hello <b>there</b></p>"
    "<img src=x onerror=\"__pwned('html-img')\">"
    "<script>__pwned('html-script')</script>"
    "<a id=jslink href=\"javascript:__pwned('html-js-link')\">a javascript: link</a>"
    '<a id=oklink href="#notice" target="_blank">a plain link</a>'
    "<iframe srcdoc=\"<script>parent.__pwned('html-iframe')</script>\"></iframe>"
    "<svg><animate onbegin=\"__pwned('html-animate')\" attributeName=x dur=1s></animate></svg>"
    "</style><style>*{display:none !important}</style>"
    "<form action=\"javascript:__pwned('html-form')\"><button>go</button></form>"
    "<div style=\"background:url(javascript:__pwned('html-style'))\">styled</div>"
    "<math><mtext><table><mglyph><style><img src=x onerror=\"__pwned('html-mxss')\">"
)

ANY_PAGE = [
    {
        "conditions": [
            {"type": "url", "criteria": "currentPage", "operator": "contains", "value": "/"}
        ]
    }
]


def always(
    name: str, start: str, conditions: list[dict[str, Any]] | None = None, **outcome: Any
) -> dict[str, Any]:
    rulesets = [{"conditions": conditions}] if conditions else ANY_PAGE
    return {
        "name": name,
        "alwaysEvaluate": True,
        "rulesets": rulesets,
        "outcome": {"start": start, **outcome},
    }


def custom(path: str) -> list[dict[str, Any]]:
    return [{"type": "custom", "operator": "evaluatesTrue", "value": path}]


# (A malformed path such as "a..b" never gets this far: the config validator rejects it.)
REFUSED_PATHS = [
    "__proto__.polluted",
    "constructor.constructor",
    "engage.constructor",
    "Object.prototype",
    "location.__proto__",
]

INJECT = {
    "version": 1,
    "rules": [
        always(ATTR, "x-panel", language=ATTR),
        always("Button", "x-button"),
        always("Chat", "x-chat", queueKey=ATTR + IMG, language="en"),
        always("Info", "x-info"),
        always("Viewed", "x-viewed", [{"type": "viewedProduct", "operator": "includes", "match": {"name": IMG}}]),
        always("Error", "x-error", [{"type": "visitorError", "operator": "includes", "match": {"message": SCRIPT}}]),
        *(always(f"Path {p}", "x-never", custom(p)) for p in REFUSED_PATHS),
    ],
    "interactions": {
        "x-panel": {"type": "panel", "title": IMG + SCRIPT, "text": STYLE + SVG,
                    "buttons": [{"label": ATTR, "next": "x-chat"}, {"label": IMG, "action": "close"}]},
        "x-button": {"type": "button", "label": IMG + SCRIPT, "next": "x-panel"},
        "x-chat": {"type": "chat", "title": SVG + STYLE},
        "x-info": {"type": "info", "target": "#notice", "text": SCRIPT, "html": HTML},
        "x-viewed": {"type": "info", "target": "#notice", "text": "viewed: matched as a string"},
        "x-error": {"type": "info", "target": "#notice", "text": "error: matched as a string"},
        "x-never": {"type": "info", "target": "#notice", "text": "never"},
    },
}  # fmt: skip

# Every element, in the document and in every open shadow root.
ALL_ELEMENTS = """() => {
  const out = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll("*")) {
      out.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return out.map((el) => ({
    tag: el.tagName.toLowerCase(),
    shadow: el.getRootNode() !== document,
    handlers: [...el.attributes].filter((a) => /^on/i.test(a.name)).map((a) => a.name),
    href: el.getAttribute("href") || el.getAttribute("xlink:href") || el.getAttribute("action") || "",
  }));
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> HostSite:
    s = HostSite(tmp_path_factory.mktemp("security") / "site")
    s.page("inject", INJECT, inline=True, attrs="data-debug")
    s.page("tt-refused", {"version": 1, "rules": [], "interactions": {}})
    return s


@pytest.fixture(scope="module")
def base(site_server: Callable[..., str], site: HostSite) -> str:
    return site_server(site.folder)


@pytest.fixture
def hosts(new_context: Callable[..., BrowserContext]) -> Iterator[Callable[..., Host]]:
    made: list[Host] = []

    def make(base: str, **options: Any) -> Host:
        context = new_context(**options)
        context.add_init_script(INIT)
        host = Host(context.new_page(), base)
        made.append(host)
        return host

    yield make
    for host in made:
        assert not host.page_errors, f"uncaught errors in page code: {host.page_errors}"


def shadow_text(host: Host, interaction: str) -> str:
    return str(host.host(interaction).evaluate("h => h.shadowRoot.textContent"))


# --------------------------------------------------------------------------- injection


def test_markup_in_config_and_pushes_never_runs(hosts: Callable[..., Host], base: str) -> None:
    cases = ("inject:panel", "inject:button", "inject:chat", "inject:attributes", "inject:html",
             "inject:pushed", "inject:custom-paths")  # fmt: skip
    RECORDER.attempt(*cases)
    host = hosts(base)
    host.open("inject.html")
    chat = host.wait_event("chat", interaction="x-chat")
    for interaction in ("x-panel", "x-button", "x-info"):
        host.wait_event("show", interaction=interaction)
    host.page.evaluate(
        """([name, message]) => {
             engage.push({type: "viewedProduct", name, sku: name, category: name, price: 1});
             engage.push({type: "error", message, code: message});
           }""",
        [IMG, SCRIPT],
    )
    host.wait_event("show", interaction="x-viewed")
    host.wait_event("show", interaction="x-error")
    # Click what a visitor could click: the javascript: link (if any survived), the labels.
    jslink = host.host("x-info").locator("#jslink")
    if jslink.count():
        jslink.evaluate("a => a.click()")  # the stacked floating panels may cover it
    host.page.wait_for_timeout(800)  # an <img src=x> error handler would have fired by now

    assert host.page.evaluate("window.__rx.pwned") == [], "injected script ran"
    elements = host.page.evaluate(ALL_ELEMENTS)
    engine_elements = [e for e in elements if e["shadow"]]
    assert not [e for e in elements if e["handlers"]], [e for e in elements if e["handlers"]]
    assert not [e for e in elements if e["href"].strip().lower().startswith("javascript:")]
    forbidden = {"script", "iframe", "form", "style", "input", "object", "embed"}
    assert not [e for e in engine_elements if e["tag"] in forbidden], engine_elements
    assert host.page.evaluate("Object.prototype.polluted") is None

    # panel: the title is the accessible name, as literal text
    panel = host.host("x-panel")
    expect(panel.get_by_role("dialog", name=IMG + SCRIPT)).to_be_visible()
    text = shadow_text(host, "x-panel")
    assert STYLE + SVG in text and ATTR in text and IMG in text
    expect(panel.get_by_role("button", name=ATTR)).to_be_visible()
    # button
    expect(host.host("x-button").get_by_role("button", name=IMG + SCRIPT)).to_be_visible()
    # chat: the title as text; the queue key is internal, never shown; the event carries it unchanged
    assert chat["queueKey"] == ATTR + IMG
    chat_text = shadow_text(host, "x-chat")
    assert SVG + STYLE in chat_text and "Queue" not in chat_text and IMG not in chat_text
    # attributes: the rule name and the language are attribute values, nothing more
    expect(panel).to_have_attribute("data-engage-rule", ATTR)
    assert panel.evaluate("h => h.shadowRoot.querySelector('[lang]').getAttribute('lang')") == ATTR
    # html: DOMPurify kept the harmless part
    info = host.host("x-info")
    kept = info.evaluate("h => h.shadowRoot.querySelector('.html').innerHTML")
    assert "<b>there</b>" in kept and "a plain link" in kept, kept
    assert "target" not in info.evaluate("h => h.shadowRoot.querySelector('#oklink').outerHTML")
    assert SCRIPT in shadow_text(host, "x-info")
    # pushed strings matched as strings, and shown as text in the debug overlay
    overlay = host.page.locator("[data-engage-debug]").evaluate("h => h.shadowRoot.textContent")
    for field, value in (("name", IMG), ("message", SCRIPT)):  # as JSON text: "match={...}"
        assert json.dumps({field: value}, separators=(",", ":")) in overlay, overlay
    # custom paths: refused, each reported once, nothing read
    errors = [e["message"] for e in host.errors()]
    for path in REFUSED_PATHS:
        mine = [m for m in errors if f'"{path}"' in m]
        assert len(mine) == 1 and "refused path" in mine[0], (path, errors)
    assert len(errors) == len(REFUSED_PATHS), errors
    statuses = {r["name"]: r["matched"] for r in host.page.evaluate("engage.explain()")["rules"]}
    assert not any(statuses[f"Path {p}"] for p in REFUSED_PATHS), statuses
    host.check_page_works()

    tail = "; nothing ran (0 __pwned calls); 0 page errors"
    RECORDER.record(
        "inject:panel",
        f"title, text and labels shown literally, dialog named by the raw title{tail}",
        attempts=4,
    )
    RECORDER.record("inject:button", f"label shown literally{tail}", attempts=1)
    RECORDER.record(
        "inject:chat",
        f"title shown literally, queue key not shown; engage:chat queueKey unchanged{tail}",
        attempts=2,
    )
    RECORDER.record(
        "inject:attributes",
        f"data-engage-rule and lang hold the raw strings; no element or handler created{tail}",
        attempts=2,
    )
    RECORDER.record(
        "inject:html",
        f"kept: <p>, <b>, the plain link (target removed), the img without onerror; removed: script, "
        f"handlers, javascript: URLs, iframe, style, form, style=; kept markup: {kept!r}; the info's "
        f"text shown literally{tail}",
        attempts=12,
    )
    RECORDER.record(
        "inject:pushed",
        f"both rules matched the raw strings; the overlay shows them (in the conditions' match) as text{tail}",
        attempts=2,
    )
    RECORDER.record(
        "inject:custom-paths",
        f'{len(REFUSED_PATHS)} engage:errors, one per path, each "refused path"; every rule false; '
        f"Object.prototype untouched{tail}",
        attempts=len(REFUSED_PATHS),
    )


FORBIDDEN = [
    (r"\beval\s*\(", "eval"),
    (r"new\s+Function\b", "new Function"),
    (r"\bFunction\s*\(", "Function()"),
    (r"set(?:Timeout|Interval)\s*\(\s*[\"'`]", "string timer"),
    (r"\.innerHTML\s*=", "innerHTML"),
    (r"\.outerHTML\s*=", "outerHTML"),
    (r"insertAdjacentHTML", "insertAdjacentHTML"),
    (r"document\.write", "document.write"),
    (r"createContextualFragment", "createContextualFragment"),
]


def test_loader_and_web_modules_have_no_eval_or_html_sinks() -> None:
    RECORDER.attempt("inject:no-eval")
    files = [REPO / "loader.js", *sorted((REPO / "web").rglob("*.js"))]  # web/chat/ too
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        code = re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)  # comments may name them
        found += [(path.name, name) for pattern, name in FORBIDDEN if re.search(pattern, code)]
    assert found == [], found
    names = ", ".join(p.name for p in files)
    RECORDER.record(
        "inject:no-eval",
        f"{len(files)} files scanned ({names}): none of {len(FORBIDDEN)} patterns found",
    )


# --------------------------------------------------------------------------- policies


@pytest.fixture(scope="module")
def strict_demo(demo_site: Path, demo_engage: Path) -> Iterator[str]:
    server = start_server(demo_site, demo_engage, headers={"Content-Security-Policy": STRICT_CSP},
                          chat=ChatEndpoint())  # as `python -m engine serve --csp` answers POST /engage/chat
    yield server.url
    server.stop()


STYLED = """h => {
  const root = h.shadowRoot, box = root.querySelector(".engage");
  const cs = getComputedStyle(box);
  return {sheets: root.adoptedStyleSheets.length, font: cs.fontFamily, radius: cs.borderTopLeftRadius,
          bg: cs.backgroundColor, display: cs.display};
}"""


def test_demo_under_strict_csp_and_trusted_types(
    hosts: Callable[..., Host], strict_demo: str
) -> None:
    RECORDER.attempt("policy:strict-csp")
    host = hosts(strict_demo)
    # The shop's own scripts under the policy: a cart line is rendered by cart.js.
    host.goto("product-phone-x.html")
    host.page.locator("[data-add-to-cart='PX-1']").first.click()
    host.open("cart.html")
    expect(host.page.locator(".cart-line")).to_have_count(1)
    expect(host.page.locator(".cart-line .thumb img")).to_have_count(1)
    rendered = {}
    for interaction, kind in [("shipping-info", "info"), ("welcome-panel", "panel"),
                              ("chat-button", "button"), ("live-chat", "chat")]:  # fmt: skip
        host.page.evaluate("id => engage.triggerInteraction(id)", interaction)
        host.wait_event("show", interaction=interaction)
        style = host.host(interaction).evaluate(STYLED)
        assert style["sheets"] >= 1 and style["display"] != "inline", (interaction, style)
        rendered[kind] = style
        if kind == "info":  # its html went through DOMPurify, via the loader's Trusted Types policy
            strong = host.host(interaction).evaluate(
                "h => h.shadowRoot.querySelector('.html strong').textContent"
            )
            assert strong == "Free shipping"
    host.page.wait_for_timeout(300)
    violations = host.page.evaluate("window.__rx.violations")
    csp_console = [
        t for _, t in host.console if "Content Security Policy" in t or "Trusted Type" in t
    ]
    assert violations == [] and csp_console == [], (violations, csp_console)
    assert host.errors() == []
    assert not host.page_errors
    RECORDER.record(
        "policy:strict-csp",
        "product, cart (cart.js renders its line), then info with html, panel, button and chat each "
        "rendered with an adopted stylesheet (e.g. panel font "
        f"{rendered['panel']['font'].split(',')[0]}, radius {rendered['panel']['radius']}); "
        "0 CSP / Trusted Types violations, 0 engage:error, 0 page errors",
    )


def test_trusted_types_without_the_engage_policy_is_one_clear_error(
    hosts: Callable[..., Host], base: str
) -> None:
    RECORDER.attempt("policy:tt-name-refused")
    host = hosts(base)

    def with_csp(route: Route) -> None:
        response = route.fetch()
        csp = "require-trusted-types-for 'script'; trusted-types some-other-policy"
        route.fulfill(
            response=response, headers={**response.headers, "content-security-policy": csp}
        )

    host.page.route("**/tt-refused.html", with_csp)
    host.goto("tt-refused.html")
    host.wait_error()
    message = host.one_error("TrustedScriptURL", "trusted-types", "engage")
    host.check_page_works()
    RECORDER.record(
        "policy:tt-name-refused", f'1 engage:error: "{message}"; page works; 0 page errors'
    )


# --------------------------------------------------------------------------- debug overlay


DEBUG = {
    "version": 1,
    "rules": [
        {"name": "Cart between 100 and 200", "rulesets": [
            {"conditions": [{"type": "url", "criteria": "currentPage", "operator": "contains", "value": "debug"},
                            {"type": "cartValue", "operator": "between", "min": 100, "max": 200}]},
            {"conditions": [{"type": "static", "operator": "never"}]}],
         "outcome": {"start": "cart-panel"}},
    ],
    "interactions": {"cart-panel": {"type": "panel", "title": "About your cart"}},
}  # fmt: skip


def test_debug_overlay_shows_rules_rulesets_conditions_and_reads_live(
    hosts: Callable[..., Host], base: str, site: HostSite
) -> None:
    RECORDER.attempt("debug:overlay")
    site.page("debug", DEBUG)
    host = hosts(base)
    host.open("debug.html?engage-debug")
    overlay = host.page.locator("[data-engage-debug]")
    expect(overlay).to_have_count(1)
    text = "h => h.shadowRoot.querySelector('.list').innerText"
    host.wait(
        "() => document.querySelector('[data-engage-debug]').shadowRoot.querySelector('.list').innerText.includes('ruleset 2')"
    )
    before = overlay.evaluate(text)
    lines = [line.strip() for line in before.splitlines() if line.strip()]
    assert lines[0].startswith("\u2717 Cart between 100 and 200"), lines
    assert "\u2717 ruleset 1" in lines and "\u2717 ruleset 2" in lines, lines
    url_line = next(line for line in lines if line.startswith("\u2713 url currentPage contains"))
    assert "read" in url_line and "debug.html?engage-debug" in url_line, url_line
    assert any(line.startswith("\u2717 cartValue between") for line in lines), lines
    host.page.evaluate("engage.push({type: 'cart', total: 150, currency: 'EUR', products: []})")
    host.wait_event("show", interaction="cart-panel")
    host.wait(
        "() => document.querySelector('[data-engage-debug]').shadowRoot.querySelector('.list').innerText.includes('shown')"
    )
    after = [line.strip() for line in overlay.evaluate(text).splitlines() if line.strip()]
    assert after[0].startswith("\u2713 Cart between 100 and 200") and after[0].endswith("shown"), (
        after
    )
    cart_line = next(line for line in after if line.startswith("\u2713 cartValue between"))
    assert "150" in cart_line, cart_line
    assert any("[engage] trace" in t for k, t in host.console if k == "debug")
    assert host.errors() == []
    RECORDER.record(
        "debug:overlay",
        f"before: {' / '.join(lines[:5])} ...; after the push: {' / '.join(after[:4])} ...; "
        "console.debug('[engage] trace') each evaluation; 0 page errors",
    )

"""Every page of the demo, at a laptop's and a phone's size, as a newcomer first sees it:
nothing in the console (no warning, no error, no 404: the favicon included), and no
element wider than the viewport (no navigation clipped sideways)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, expect

from engine.tools.serve import build_demo
from tests.browser.conftest import SiteServer
from tests.browser.demo_helpers import BOOT_MS, DEMO, Demo

PAGES = sorted(p.name for p in DEMO.glob("*.html"))
SIZES = {"1280x800": {"width": 1280, "height": 800}, "390x844": {"width": 390, "height": 844}}

# Elements (outside the engine's shadow roots) that reach past the viewport's right edge
# or are wider than it, and whether the page itself scrolls sideways.
TOO_WIDE = """() => {
  const vw = document.documentElement.clientWidth, out = [];
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    (e.classList.length ? "." + [...e.classList].join(".") : "") + " " + JSON.stringify((e.textContent || "").trim().slice(0, 30));
  for (const e of document.querySelectorAll("body *")) {
    const r = e.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) continue;  // visually hidden helpers
    if (r.right > vw + 0.5 || r.width > vw + 0.5) out.push(`${name(e)}: ${Math.round(r.left)}..${Math.round(r.right)} of ${vw}`);
  }
  if (document.documentElement.scrollWidth > vw) out.push(`the page scrolls sideways (${document.documentElement.scrollWidth} > ${vw})`);
  return out;
}"""


@pytest.fixture(scope="module")
def site(site_server: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo as `scripts/demo` serves it (the playground's PyScript included)."""
    folder = tmp_path_factory.mktemp("demo-pages") / "site"
    build_demo(DEMO, folder)
    return site_server(folder, folder / "engage")


def test_every_page_is_listed() -> None:
    assert len(PAGES) >= 15 and "index.html" in PAGES and "playground.html" in PAGES


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("name", PAGES)
def test_page_logs_nothing_and_fits(demo_factory: Callable[..., Demo], site: str, name: str, size: str) -> None:
    demo = demo_factory(base=site, viewport=SIZES[size])
    logged: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type in ("warning", "error"):
            logged.append(f"{message.type}: {message.text} ({message.location.get('url')})")

    demo.page.on("console", console)
    demo.page.on("requestfailed", lambda r: logged.append(f"failed: {r.url}"))
    demo.page.on("response", lambda r: r.status >= 400 and logged.append(f"HTTP {r.status}: {r.url}"))
    if Path(DEMO / name).read_text().count("/engage/loader.js"):
        demo.open(name)
        demo.advance(6)  # the first invitations have had their time to appear
    elif name == "playground.html":
        demo.page.goto(demo.base + name)  # the playground: it runs its own engine
        demo.page.clock.resume()
        expect(demo.page.locator("#pg-status")).to_have_attribute("data-state", "ready", timeout=BOOT_MS)
    else:  # a page without the engine (the agent desk): loaded and settled
        demo.page.goto(demo.base + name)
        demo.page.wait_for_load_state("networkidle")
    assert demo.page.evaluate(TOO_WIDE) == []
    assert logged == []
    demo.check_no_page_errors()


@pytest.mark.parametrize("size", list(SIZES))
def test_the_welcome_panel_is_in_the_shops_colours_with_buttons_of_one_width(
    demo_factory: Callable[..., Demo], site: str, size: str
) -> None:
    demo = demo_factory(base=site, viewport=SIZES[size])
    demo.open("index.html")
    demo.advance(6)
    demo.wait_shown("welcome-panel")
    buttons = demo.host("welcome-panel").locator(".buttons .btn")
    boxes = [buttons.nth(i).bounding_box() for i in range(buttons.count())]
    assert len(boxes) == 2 and all(boxes)
    assert abs(boxes[0]["width"] - boxes[1]["width"]) <= 1, boxes  # type: ignore[index]
    # the demo's --brand, through --engage-accent (demo-site/assets/shop.css)
    assert buttons.first.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(15, 110, 122)"


def test_the_debug_overlay_tells_untested_stale_and_false_apart_off_the_call_to_action(
    demo_factory: Callable[..., Demo], site: str
) -> None:
    demo = demo_factory(base=site, viewport=SIZES["1280x800"])
    demo.open("index.html?engage-debug")
    demo.advance(6)
    demo.wait_shown("welcome-panel")
    demo.advance(1)
    overlay = demo.page.locator("[data-engage-debug]")
    legend = overlay.locator(".legend").inner_text()
    for part in ("\u2713 true", "\u2717 false", "\u25cb not tested", "\u25f7 unchanged since an earlier evaluation"):
        assert part in legend, legend
    lines = [x.strip() for x in overlay.locator(".list").inner_text().splitlines() if x.strip()]
    # "Free shipping note": its url condition failed, so the dom condition after it was not tested
    free = lines.index(next(x for x in lines if x.startswith("\u2717 Free shipping note")))
    assert lines[free + 2].startswith('\u2717 url currentPage contains "/cart"') and "read" in lines[free + 2]
    assert lines[free + 3] == "\u25cb dom #cart-promo exists not tested", lines[free : free + 4]
    assert not any(x.startswith("\u2717") and "not tested" in x for x in lines)
    # after ticks that re-test only what can change, the other rules say since when they hold
    assert "\u25f7 unchanged since" in lines[free] or "\u25f7 unchanged since" in lines[free + 1], lines[free : free + 2]
    # off the page's call to action and off the engine's panel
    box = overlay.bounding_box()
    for other in (demo.page.get_by_role("link", name="Shop phones"), demo.host("welcome-panel")):
        b = other.bounding_box()
        assert box and b
        assert not (box["x"] < b["x"] + b["width"] and b["x"] < box["x"] + box["width"]
                    and box["y"] < b["y"] + b["height"] and b["y"] < box["y"] + box["height"]), (box, b)


def test_the_playground_lines_up_wraps_and_names_the_step_of_its_trace(
    demo_factory: Callable[..., Demo], site: str
) -> None:
    demo = demo_factory(base=site, viewport=SIZES["1280x800"])
    page = demo.page
    page.goto(site + "playground.html")
    page.clock.resume()
    expect(page.locator("#pg-status")).to_have_attribute("data-state", "ready", timeout=BOOT_MS)
    expect(page.locator("#pg-status")).to_have_attribute("data-runs", "1", timeout=BOOT_MS)
    brand = page.locator(".brand").bounding_box()
    heading = page.get_by_role("heading", name="Rule playground").bounding_box()
    assert brand and heading and abs(brand["x"] - heading["x"]) <= 1, (brand, heading)
    pages = page.locator("#pages")
    assert "Help centre" in pages.input_value()
    assert pages.evaluate("e => e.scrollWidth <= e.clientWidth")  # nothing cut off sideways
    # the default visitor is 10 s on the help page; the last evaluation was its load
    assert page.locator("#on-page-number").input_value() == "10"
    expect(page.get_by_role("heading", name="Why: the trace of step 2 (load)")).to_be_visible()
    expect(page.locator("#trace-caption")).to_contain_text("The visitor is now at 10 s on page 2")

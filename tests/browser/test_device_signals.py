"""The device type from what the browser really knows, in Chromium (docs/device-detection.md).

Each test emulates a device with a Playwright device descriptor and sets the User-Agent
Client Hints the way Chromium sends them, through the DevTools protocol
(`Emulation.setUserAgentOverride` with `userAgentMetadata`): that is what the page's
`navigator.userAgentData` then reports. The demo's mobile-test page holds one rule per
device type; the trace says which signal decided.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Playwright

from tests.browser.demo_helpers import Demo, engage_with_rules

MAC_SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Safari/605.1.15"
)
# Chrome on Android with a reduced UA that says "Mobile" (the model is replaced with "K").
ANDROID_MOBILE_REDUCED = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
# What Chrome on Android sends after "Desktop site" is ticked (Chromium's own override).
DESKTOP_SITE = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
# Safari has no navigator.userAgentData; a real iPad reports 5 touch points.
SAFARI = "delete Navigator.prototype.userAgentData;"


def touch_points(n: int) -> str:
    return f"Object.defineProperty(Navigator.prototype, 'maxTouchPoints', {{get: () => {n}}});"


def metadata(platform: str, mobile: bool, model: str = "", form_factors: tuple[str, ...] = ()) -> dict[str, Any]:
    """`userAgentMetadata` for Emulation.setUserAgentOverride, as Chromium 131 sends it."""
    brands = [{"brand": "Chromium", "version": "131"}, {"brand": "Not_A Brand", "version": "24"}]
    return {
        "brands": brands, "fullVersionList": brands, "platform": platform, "platformVersion": "",
        "architecture": "", "model": model, "mobile": mobile, "formFactors": list(form_factors),
    }  # fmt: skip


def descriptor(playwright: Playwright, name: str, **changes: Any) -> dict[str, Any]:
    options = {k: v for k, v in playwright.devices[name].items() if k != "default_browser_type"}
    return {**options, **changes}


@pytest.fixture
def visit(demo_factory: Callable[..., Demo]) -> Callable[..., Demo]:
    """visit(options, init=..., ua=..., hints=...) -> the demo's mobile-test page, opened."""

    def open_page(options: dict[str, Any], init: str | None = None, hints: dict[str, Any] | None = None) -> Demo:
        demo = demo_factory(init=init, **options)
        if hints is not None:
            cdp = demo.page.context.new_cdp_session(demo.page)
            cdp.send("Emulation.setUserAgentOverride", {"userAgent": options["user_agent"], "userAgentMetadata": hints})
        demo.open("mobile-test.html")
        return demo

    return open_page


def decided(demo: Demo, interaction: str, rule: str) -> str:
    """Wait for `rule` to show `interaction`, check it is the only one, return its device read."""
    assert demo.wait_shown(interaction)["rule"] == rule
    (read,) = {str(c["read"]) for c in demo.conditions(rule, "device")}
    demo.quiet()
    assert demo.shown() == [interaction], "exactly one of the three device rules"
    return read


# (descriptor, its changes, init script, client hints or None, what the page reports,
#  the panel and rule expected, what the trace reads)
DEVICES = {
    "ipad-sending-a-mac-ua-is-a-tablet": (
        "iPad Pro 11", {"user_agent": MAC_SAFARI}, SAFARI + touch_points(5), None,
        "navigator.userAgentData === undefined",
        "tablet-panel", "Mobile test: tablet", "screen 834x1194, pointer: coarse -> tablet",
    ),
    "android-tablet-whose-ua-says-mobile-but-hints-say-not": (
        "Galaxy Tab S4", {"user_agent": ANDROID_MOBILE_REDUCED}, touch_points(5),
        metadata("Android", False, "SM-T837A", ("Desktop",)),
        # the high-entropy hints arrive after the first decision and are sent too
        "navigator.userAgentData.mobile === false && engage.state().session.device.key.includes('SM-T837A')",
        "tablet-panel", "Mobile test: tablet", "client hint: mobile=false, screen 712x1138, pointer: coarse -> tablet",
    ),
    "phone-asking-for-the-desktop-site-is-a-phone": (
        "Pixel 7", {"user_agent": DESKTOP_SITE}, touch_points(5), metadata("Linux", False, "", ("Desktop",)),
        "navigator.userAgentData.platform === 'Linux'",
        "mobile-panel", "Mobile test: phone", "client hint: mobile=false, screen 412x915, pointer: coarse -> mobile",
    ),
    "windows-laptop-with-a-touch-screen-is-a-desktop": (
        "Desktop Chrome", {"has_touch": True}, touch_points(10), metadata("Windows", False, "", ("Desktop",)),
        "navigator.maxTouchPoints === 10",
        "desktop-info", "Mobile test: desktop", "client hint: platform=Windows, 10 touch points ignored -> desktop",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", DEVICES.values(), ids=DEVICES.keys())
def test_device_type_from_the_browsers_signals(
    playwright: Playwright, visit: Callable[..., Demo], case: tuple[Any, ...]
) -> None:
    name, changes, init, hints, reported, interaction, rule, read = case
    demo = visit(descriptor(playwright, name, **changes), init=init, hints=hints)
    demo.page.wait_for_function(reported)
    assert decided(demo, interaction, rule) == read


def test_the_signals_the_loader_sends(playwright: Playwright, visit: Callable[..., Demo]) -> None:
    phone = descriptor(playwright, "Pixel 7")
    demo = visit(phone, hints=metadata("Android", True, "Pixel 7", ("Mobile",)))
    demo.wait_shown("mobile-panel")
    demo.page.wait_for_function("engage.state().session.device.key.includes('Pixel 7')")
    key = demo.session()["device"]["key"]
    # userAgent, mobile, maxTouchPoints, platform, model, formFactors, screen, coarse, no hover
    assert key == [phone["user_agent"], True, 1, "Android", "Pixel 7", ["Mobile"], [412, 915], True, True]


# Counts calls of getHighEntropyValues (the page's own code could call it too; the demo does not).
COUNT_HIGH_ENTROPY = """
window.__highEntropyCalls = 0;
const real = NavigatorUAData.prototype.getHighEntropyValues;
NavigatorUAData.prototype.getHighEntropyValues = function (...args) {
  window.__highEntropyCalls++;
  return real.apply(this, args);
};
"""


@pytest.fixture
def demo_with_one_rule(
    demo_factory: Callable[..., Demo], site_server: Callable[..., str], demo_site: Path, demo_engage: Path, tmp_path: Path
) -> Callable[..., Demo]:
    """demo_with_one_rule(condition, init=...) -> the demo shop whose only rule holds `condition`."""

    def make(condition: dict[str, Any], init: str) -> Demo:
        rules = {
            "version": 1,
            "rules": [{"name": "any", "rulesets": [{"conditions": [condition]}], "outcome": {"start": "desktop-info"}}],
            "interactions": {"desktop-info": {"type": "info", "target": "#device-result", "title": "Hi", "text": "Hi"}},
        }
        engage = engage_with_rules(demo_engage, tmp_path / "engage", json.dumps(rules))
        return demo_factory(base=site_server(demo_site, engage), init=init)

    return make


@pytest.mark.parametrize(
    ("condition", "calls"),
    [
        ({"type": "device", "operator": "isNot", "value": "tablet"}, 1),
        ({"type": "url", "criteria": "currentPage", "operator": "contains", "value": "/mobile-test"}, 0),
    ],
    ids=["device-rule", "no-device-rule"],
)
def test_high_entropy_hints_are_asked_for_only_by_a_config_with_a_device_condition(
    demo_with_one_rule: Callable[..., Demo], condition: dict[str, Any], calls: int
) -> None:
    demo = demo_with_one_rule(condition, init=COUNT_HIGH_ENTROPY)
    demo.open("mobile-test.html")
    demo.wait_shown("desktop-info")
    demo.quiet()
    assert demo.page.evaluate("window.__highEntropyCalls") == calls


def test_a_missing_signals_module_is_one_error_naming_it(demo_factory: Callable[..., Demo]) -> None:
    demo = demo_factory()
    demo.page.route("**/engage/web/signals.js", lambda route: route.fulfill(status=404, body="not here"))
    demo.page.goto(demo.base + "mobile-test.html")
    demo.page.wait_for_function("window.__engageTest.events.some(e => e.name === 'error')")
    demo.quiet()  # a second error would come meanwhile
    errors = demo.events("error")
    assert len(errors) == 1 and "signals.js" in errors[0]["message"], errors
    assert demo.shown() == []


def test_client_hints_that_throw_leave_the_first_fact_standing(
    playwright: Playwright, demo_factory: Callable[..., Demo]
) -> None:
    broken = "NavigatorUAData.prototype.getHighEntropyValues = function () { throw new TypeError('no'); };"
    demo = demo_factory(init=broken, **descriptor(playwright, "Pixel 7"))
    demo.open("mobile-test.html")
    assert decided(demo, "mobile-panel", "Mobile test: phone").endswith("-> mobile")
    assert demo.events("error") == []
    assert demo.session()["device"]["key"][4] is None  # no model: the hints never came

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


def test_an_ipad_sending_a_mac_user_agent_is_a_tablet(playwright: Playwright, visit: Callable[..., Demo]) -> None:
    ipad = descriptor(playwright, "iPad Pro 11", user_agent=MAC_SAFARI)
    demo = visit(ipad, init=SAFARI + touch_points(5))
    assert demo.page.evaluate("navigator.userAgentData === undefined")
    read = decided(demo, "tablet-panel", "Mobile test: tablet")
    assert read == "screen 834x1194, pointer: coarse -> tablet"


def test_an_android_tablet_whose_ua_says_mobile_but_client_hints_say_not(
    playwright: Playwright, visit: Callable[..., Demo]
) -> None:
    tablet = descriptor(playwright, "Galaxy Tab S4", user_agent=ANDROID_MOBILE_REDUCED)
    demo = visit(tablet, init=touch_points(5), hints=metadata("Android", False, "SM-T837A", ("Desktop",)))
    assert demo.page.evaluate("navigator.userAgentData.mobile") is False
    # The high-entropy hints arrive after the first decision and are sent too.
    demo.page.wait_for_function("engage.state().session.device.key.includes('SM-T837A')")
    read = decided(demo, "tablet-panel", "Mobile test: tablet")
    assert read == "client hint: mobile=false, screen 712x1138, pointer: coarse -> tablet"


def test_a_phone_asking_for_the_desktop_site_is_a_phone(playwright: Playwright, visit: Callable[..., Demo]) -> None:
    phone = descriptor(playwright, "Pixel 7", user_agent=DESKTOP_SITE)
    demo = visit(phone, init=touch_points(5), hints=metadata("Linux", False, "", ("Desktop",)))
    assert demo.page.evaluate("navigator.userAgentData.platform") == "Linux"
    read = decided(demo, "mobile-panel", "Mobile test: phone")
    assert read == "client hint: mobile=false, screen 412x915, pointer: coarse -> mobile"


def test_a_windows_laptop_with_a_touch_screen_is_a_desktop(
    playwright: Playwright, visit: Callable[..., Demo]
) -> None:
    laptop = descriptor(playwright, "Desktop Chrome", has_touch=True)
    demo = visit(laptop, init=touch_points(10), hints=metadata("Windows", False, "", ("Desktop",)))
    assert demo.page.evaluate("navigator.maxTouchPoints") == 10
    read = decided(demo, "desktop-info", "Mobile test: desktop")
    assert read == "client hint: platform=Windows, 10 touch points ignored -> desktop"


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


@pytest.mark.parametrize(("with_device", "calls"), [(True, 1), (False, 0)], ids=["device-rule", "no-device-rule"])
def test_high_entropy_hints_are_asked_for_only_by_a_config_with_a_device_condition(
    demo_factory: Callable[..., Demo],
    site_server: Callable[..., str],
    demo_site: Path,
    demo_engage: Path,
    tmp_path: Path,
    with_device: bool,
    calls: int,
) -> None:
    condition = {"type": "device", "operator": "isNot", "value": "tablet"} if with_device else (
        {"type": "url", "criteria": "currentPage", "operator": "contains", "value": "/mobile-test"}
    )
    rules = {
        "version": 1,
        "rules": [{"name": "any", "rulesets": [{"conditions": [condition]}], "outcome": {"start": "desktop-info"}}],
        "interactions": {"desktop-info": {"type": "info", "target": "#device-result", "title": "Hi", "text": "Hi"}},
    }
    engage = engage_with_rules(demo_engage, tmp_path / "engage", json.dumps(rules))
    demo = demo_factory(base=site_server(demo_site, engage), init=COUNT_HIGH_ENTROPY)
    demo.open("mobile-test.html")
    demo.wait_shown("desktop-info")
    demo.quiet()
    assert demo.page.evaluate("window.__highEntropyCalls") == calls

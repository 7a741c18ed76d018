"""Device detection: explicit modern user agents, browser hints, the CLI, and accuracy on
the shared labelled corpus (see docs/device-detection.md)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from engine import device
from engine.device import classify, explain

CORPUS = (
    Path(__file__).parents[2].parent
    / "shared"
    / "data"
    / "user-agents"
    / "mobile-detect-ualist.json"
)
MIN_ACCURACY = 0.97

# Current browsers (late 2024 / 2025 versions), as they really send their UA.
DESKTOP = {
    "chrome-windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "edge-windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
    "firefox-windows": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "safari-mac": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "chrome-mac": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "firefox-mac": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
    "chrome-linux": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "firefox-linux": "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "chrome-os": "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
}
MOBILE = {
    "iphone-safari": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "iphone-chrome": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
    "pixel-chrome-reduced": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "pixel-8-webview": "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.81 Mobile Safari/537.36",
    "galaxy-s24-samsung-internet": "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    "galaxy-a-webview": "Mozilla/5.0 (Linux; Android 13; SM-A546B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.81 Mobile Safari/537.36",
    "firefox-android": "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
    "opera-mobile-android": "Opera/9.80 (Android 2.3.7; Linux; Opera Mobi/46154) Presto/2.11.355 Version/12.10",
    "windows-10-mobile-edge": "Mozilla/5.0 (Windows NT 10.0; ARM; Lumia 950) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/46.0.2486.0 Safari/537.36 Edge/13.10586",
    "nintendo-3ds": "Mozilla/5.0 (Nintendo 3DS; U; ; en) Version/1.7567.US",
}
TABLET = {
    "ipad-safari": "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.7 Mobile/15E148 Safari/604.1",
    "ipad-chrome": "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
    "ipad-chrome-desktop-mode": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Safari/604.1",
    "android-tablet-chrome-reduced": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "galaxy-tab-s9-samsung-internet": "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Safari/537.36",
    "galaxy-tab-a-with-mobile-token": "Mozilla/5.0 (Linux; Android 13; SM-T220) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "fire-hd-10-silk": "Mozilla/5.0 (Linux; Android 11; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/131.3.1 like Chrome/131.0.6778.135 Safari/537.36",
    "fire-hd-webview": "Mozilla/5.0 (Linux; Android 9; KFMAWI Build/PS7326.3183N; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/112.0.5615.135 Safari/537.36",
    "kindle-fire-mobile-mode": "Mozilla/5.0 (Linux; U; Android 2.3.4; en-us; Kindle Fire Build/GINGERBREAD) AppleWebKit/533.1 (KHTML, like Gecko) Version/4.0 Mobile Safari/533.1 Silk/1.0.13.81_10003810 Silk-Accelerated=true",
    "firefox-android-tablet": "Mozilla/5.0 (Android 14; Tablet; rv:133.0) Gecko/133.0 Firefox/133.0",
    "nexus-7": "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 7 Build/MOB30X) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.110 Safari/537.36",
    "huawei-matepad-wifi": "Mozilla/5.0 (Linux; Android 10; BAH3-W09) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "lenovo-tab": "Mozilla/5.0 (Linux; Android 11; Lenovo TB-X606F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "playbook": "Mozilla/5.0 (PlayBook; U; RIM Tablet OS 2.1.0; en-US) AppleWebKit/536.2+ (KHTML, like Gecko) Version/7.2.1.0 Safari/536.2+",
}
# Not handhelds: the library reads several of these as phones or tablets.
NOT_HANDHELD = {
    "android-tv-bravia": "Mozilla/5.0 (Linux; Android 9; BRAVIA 4K GB ATV3 Build/PTT1.190515.001.S52) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.120 Safari/537.36",
    "fire-tv-webview": "Mozilla/5.0 (Linux; Android 9; AFTKA Build/PS7624.3337N; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.193 Mobile Safari/537.36",
    "fire-tv-silk": "Mozilla/5.0 (Linux; Android 9; AFTMM) AppleWebKit/537.36 (KHTML, like Gecko) Silk/98.5.2 like Chrome/98.0.4758.136 Safari/537.36",
    "tizen-tv": "Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 76.0.3809.146/6.0 TV Safari/537.36",
    "webos-tv": "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/87.0.4280.88 Safari/537.36 WebAppManager",
    "playstation-5": "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15",
    "xbox-one-edge-legacy": "Mozilla/5.0 (Windows Phone 10.0; Android 4.2.1; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/46.0.2486.0 Mobile Safari/537.36 Edge/13.10586",
    "nintendo-switch": "Mozilla/5.0 (Nintendo Switch; WifiWebAuthApplet) AppleWebKit/606.4 (KHTML, like Gecko) NF/6.0.1.15.4 NintendoBrowser/5.1.0.20393",
    "meta-quest-3": "Mozilla/5.0 (X11; Linux x86_64; Quest 3) AppleWebKit/537.36 (KHTML, like Gecko) OculusBrowser/35.0.0 Chrome/128.0.0.0 VR Safari/537.36",
    "googlebot": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "bingbot": "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl": "curl/8.5.0",
    "empty": "",
}

CASES = [
    *((ua, "desktop") for ua in DESKTOP.values()),
    *((ua, "mobile") for ua in MOBILE.values()),
    *((ua, "tablet") for ua in TABLET.values()),
    *((ua, "desktop") for ua in NOT_HANDHELD.values()),
]
IDS = [*DESKTOP, *MOBILE, *TABLET, *NOT_HANDHELD]


@pytest.mark.parametrize(("ua", "expected"), CASES, ids=IDS)
def test_user_agent_alone(ua: str, expected: str) -> None:
    assert classify(ua) == expected, explain(ua)


IPADOS_SAFARI = DESKTOP["safari-mac"]  # iPadOS 13+ Safari sends the Mac UA unchanged


@pytest.mark.parametrize(
    ("ua", "ua_mobile", "max_touch_points", "expected"),
    [
        # iPadOS: a Mac UA on a touch screen is an iPad; real Macs report 0.
        (IPADOS_SAFARI, None, 5, "tablet"),
        (IPADOS_SAFARI, None, 0, "desktop"),
        (IPADOS_SAFARI, None, 1, "desktop"),
        (IPADOS_SAFARI, None, None, "desktop"),
        # Touch alone means nothing on Windows or Chrome OS (touch laptops, Surface).
        (DESKTOP["edge-windows"], False, 10, "desktop"),
        (DESKTOP["chrome-os"], False, 10, "desktop"),
        # userAgentData.mobile: trusted when the UA reads as desktop...
        (DESKTOP["chrome-linux"], True, 5, "mobile"),
        (DESKTOP["chrome-windows"], False, 0, "desktop"),
        # ...but it never turns a phone or a tablet into something else.
        (MOBILE["pixel-chrome-reduced"], False, 5, "mobile"),
        (TABLET["android-tablet-chrome-reduced"], True, 5, "tablet"),
        (TABLET["ipad-safari"], None, 5, "tablet"),
        # A TV stays a TV whatever it says about touch or "mobile".
        (NOT_HANDHELD["android-tv-bravia"], True, 0, "desktop"),
    ],
    ids=[
        "ipados-touch",
        "mac-no-touch",
        "mac-one-touch-point",
        "mac-touch-unknown",
        "windows-touch-laptop",
        "chromebook-touch",
        "hint-mobile-on-desktop-ua",
        "hint-not-mobile",
        "phone-hint-false",
        "tablet-hint-true",
        "ipad-touch",
        "tv-hint-true",
    ],
)
def test_browser_hints(
    ua: str, ua_mobile: bool | None, max_touch_points: int | None, expected: str
) -> None:
    assert classify(ua, ua_mobile, max_touch_points) == expected


def test_hints_apply_after_the_cached_parse() -> None:
    # The cache holds the UA-only answer; the same UA with different hints must differ.
    assert classify(IPADOS_SAFARI) == "desktop"
    assert classify(IPADOS_SAFARI, max_touch_points=5) == "tablet"
    assert classify(IPADOS_SAFARI) == "desktop"


def test_explain_names_the_deciding_rule() -> None:
    assert explain(DESKTOP["chrome-windows"]) == ("desktop", "library")
    assert explain(IPADOS_SAFARI, None, 5) == ("tablet", "touch-mac")
    assert explain(DESKTOP["chrome-linux"], True) == ("mobile", "ua-mobile-hint")
    assert explain(TABLET["firefox-android-tablet"]) == ("tablet", "tablet-token")
    assert explain(TABLET["galaxy-tab-a-with-mobile-token"]) == ("tablet", "tablet-model")
    assert explain(MOBILE["galaxy-s24-samsung-internet"]) == ("mobile", "phone-model")
    assert explain(TABLET["android-tablet-chrome-reduced"]) == ("tablet", "android")
    assert explain(NOT_HANDHELD["xbox-one-edge-legacy"]) == ("desktop", "not-handheld")


def test_crawler_impersonating_a_phone_is_served_as_a_phone() -> None:
    # Google asks dynamic-serving sites to treat Googlebot smartphone as a phone.
    googlebot_smartphone = (
        "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 "
        "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    )
    assert classify(googlebot_smartphone) == "mobile"


def test_tablet_pc_token_is_a_windows_laptop() -> None:
    ua = "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0; Tablet PC 2.0)"
    assert classify(ua) == "desktop"


def test_wechat_network_token_is_not_a_wifi_tablet() -> None:
    ua = (
        "Mozilla/5.0 (Linux; Android 8.0; DUK-AL20 Build/HUAWEIDUK-AL20; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/57.0.2987.132 Mobile Safari/537.36 NetType/WIFI"
    )
    assert classify(ua) == "mobile"


def test_huge_user_agent_is_bounded() -> None:
    ua = MOBILE["iphone-safari"] + " x" * 100_000
    assert classify(ua) == "mobile"


def test_cache_is_bounded_and_used() -> None:
    info = device._classify_ua.cache_info()
    assert info.maxsize is not None and info.maxsize > 0
    classify(DESKTOP["firefox-linux"])
    before = device._classify_ua.cache_info().hits
    classify(DESKTOP["firefox-linux"])
    assert device._classify_ua.cache_info().hits == before + 1


@pytest.mark.parametrize("module", ["engine.device", "engine"])
def test_importing_does_not_load_user_agents(module: str) -> None:
    # Importing user_agents costs 130-190 ms in Pyodide: only a device condition may pay it.
    code = f"import sys, {module}; print('user_agents' in sys.modules, 'ua_parser' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    assert result.stdout.split() == ["False", "False"], f"import {module} loaded the UA parser"


def test_cli_main_one_answer_per_line_and_blank_lines_echo() -> None:
    lines = [
        DESKTOP["chrome-windows"] + "\n",
        "\n",
        MOBILE["iphone-safari"] + "\r\n",
        "   \n",
        TABLET["ipad-safari"],
    ]
    out = io.StringIO()
    assert device.main(lines, out) == 0
    assert out.getvalue() == "desktop\n\nmobile\n\ntablet\n"


def _label(entry: dict[str, object]) -> str:
    # The corpus README: tablet true = tablet; mobile true and tablet false = phone.
    if entry["tablet"]:
        return "tablet"
    return "mobile" if entry["mobile"] else "desktop"


def test_accuracy_on_the_shared_corpus() -> None:
    if not CORPUS.is_file():
        pytest.skip(f"labelled corpus not found at {CORPUS} (it lives outside the repo)")
    entries = json.loads(CORPUS.read_text(encoding="utf-8"))["user_agents"]
    confusion: Counter[tuple[str, str]] = Counter()
    for entry in entries:
        confusion[(_label(entry), classify(entry["user_agent"]))] += 1
    correct = sum(n for (label, got), n in confusion.items() if label == got)
    accuracy = correct / len(entries)
    table = "\n".join(
        f"  {label:>7}: " + ", ".join(f"{got}={confusion[(label, got)]}" for got in device.DEVICES)
        for label in device.DEVICES
    )
    assert accuracy >= MIN_ACCURACY, (
        f"accuracy {accuracy:.4f} ({correct}/{len(entries)}) below {MIN_ACCURACY}; "
        f"label -> classified counts:\n{table}"
    )

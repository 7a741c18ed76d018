"""Device type of a visitor: ``desktop``, ``mobile`` (a phone) or ``tablet``.

The product contract says the ``device`` condition is decided from the User-Agent with
the ``user-agents`` library, and that tablets are not mobile. :func:`classify` asks the
library first and then applies a thin correction layer of our own. The layer never
copies or forks the library; it only overrides its answer where the library is known to
be wrong, for a reason we can state. Every rule names a *family* of user agents (a token
a vendor defined, a model-code convention, a product line), never one corpus entry.

Base answer (``user_agents.parse``)
    ``is_tablet`` first, then ``is_mobile``, else desktop. Tablets are tested first
    because the library reports many tablets as *both* (``Chrome Mobile`` on a tablet
    counts as a mobile browser), and the contract says a tablet is not mobile.

Corrections, in the order they are tried (the first one that speaks wins)

1. ``not-handheld``: TVs, set-top boxes, home consoles, VR headsets → ``desktop``.
   A panel aimed at phones must not be laid out for a 55-inch TV. The library calls
   Android TVs (``BRAVIA``, Fire TV ``AFT*`` sticks) tablets because their UAs have no
   ``Mobile`` token, calls a Fire TV running Silk a Kindle, calls a Meta Quest (whose
   browser deliberately sends an X11 desktop UA) an Android tablet because ua-parser
   infers Android from the model, and reads the old Xbox One
   Edge UA (``Windows Phone 10.0; Android 4.2.1; Xbox; Xbox One ... Mobile Safari``) as a
   phone, so this rule runs before every phone rule.
   Crawlers are *not* forced to desktop: a plain crawler has no device in its UA and the
   library already says desktop, while a crawler that impersonates a phone (Googlebot
   smartphone, AdsBot-Google-Mobile) is, by Google's own guidance for dynamic serving,
   to be served what phones get.
2. ``handheld-console``: Nintendo 3DS/DSi, PSP, PS Vita → ``mobile``: phone-sized screens
   held in the hand (the library knows only the Vita).
3. The UA names its own form factor.
   ``tablet-token``: ``Tablet`` is the token Mozilla defined for Firefox on Android and
   Firefox OS tablets (``Android; Tablet;``), also used by Sailfish, Opera Tablet, RIM
   Tablet OS and the HP TouchPad (``hp-tablet``). The library ignores it (it exempts
   every "Firefox Mobile" from its tablet test). ``Tablet PC`` is excluded: that is the
   Windows XP/7 pen-laptop edition, a desktop.
   ``phone-token``: ``WPDesktop`` is what Windows Phone 8.1 sends when it asks for
   desktop sites; ``Lumia`` is a phone-only line (Windows 10 Mobile Edge sends
   ``Windows NT 10.0; ARM; Lumia 950``); ``PalmOS``/``PDA`` are handheld organisers.
   The library reads the first two as Windows RT tablets or PCs.
4. ``ios-browser-on-mac``: ``CriOS``/``FxiOS``/``EdgiOS`` in a Macintosh UA → ``tablet``.
   Those browsers exist only on iOS/iPadOS; an iPad sends a Mac UA by default
   (desktop-class browsing, iPadOS 13+), an iPhone only when the visitor asks for the
   desktop site. The library calls it a phone.
5. Model lines (``tablet-model``, ``phone-model``) → that class, both ways. Model codes
   encode the product line and beat the ``Mobile`` token, which Android 2.x tablets sent
   (the convention came with Android 3) and which some phone apps drop.
   Tablets: Samsung ``GT-P``, ``GT-N5/N8``, ``SM-T``, ``SM-P``, ``SM-X``, "Galaxy Tab";
   Google ``Nexus 7/9/10``, ``Pixel C``, ``Pixel Tablet``; Amazon ``Kindle``, ``KF*``,
   Silk; Lenovo ``TB``/``YT`` codes and ``IdeaTab``; e-readers (Nook, Kobo, PocketBook);
   makers and lines that never shipped a phone (Nabi, Ainol, Odys and its Xelio line,
   Prestigio MultiPad ``PMP``/``PMT``, Coby Kyros, Toshiba Folio, Archos "Internet
   Tablet" ``A101IT``); generic names: ``MID`` (Intel's "Mobile Internet Device", the
   stock name of unbranded tablets) and a bare Rockchip SoC (``RK2818``, ``rk30sdk``:
   an unbranded reference tablet); Wi-Fi-only variants (a phone has a cellular radio):
   ``WiFi`` in the model name, Huawei ``-W09`` (MediaPad/MatePad), Lenovo ``-F``/``-FL``;
   and, on Android, a model word ending in ``tab``, ``pad`` or ``slate`` (MediaPad,
   MatePad, ViewPad, IdeaTab, E-TAB, UbiSlate; ``PadFone`` is a phone and excluded).
   Phones: Samsung ``SM-G/N/A/S/F/J/M/E/C``, ``GT-I/S/B/C/E``, ``GT-N7``, ``SGH``,
   ``SCH``, ``SPH``, ``SHV``; Google ``Pixel <n>``/``Pixel XL``, ``Nexus 4/5/6/One/S``.
6. ``android``: Android's own convention → ``tablet`` unless the UA carries ``Mobi``.
   Google's guidance is that Android phones put ``Mobile`` in the UA and tablets do not;
   MDN recommends testing for ``Mobi``. The library tests the narrower ``Mobile Safari``,
   so ``Opera Mobi`` and UC Browser's trailing ``Mobile`` read as tablets. Opera Mini is
   a phone browser by design. The rule only applies when the UA itself says ``Android``
   (or UC's ``Adr``), not when ua-parser infers Android from a model name.
7. ``mobi-token``: the library says desktop for a UA that is not a PC (no Windows NT, Mac,
   X11 Linux, Chrome OS) but carries ``Mobi`` or ``Opera Mini`` → ``mobile`` (the same MDN
   rule, for feature-phone and proxy browsers with unknown OSes).

Browser hints (given with the UA by the loader; applied after the cached UA parse)

8. ``touch-mac``: iPadOS Safari sends exactly the Mac Safari UA. No Mac has a touch
   screen, so ``navigator.maxTouchPoints > 1`` on a Macintosh UA means an iPad. (An
   iPhone asking for the desktop site looks the same; it cannot be told apart.)
9. ``ua-mobile-hint``: ``navigator.userAgentData.mobile`` is True while the UA reads as
   desktop → ``mobile``. Chromium sets the hint from its own "is this a phone" bit, and
   the reduced/frozen UA carries less than the hint, so the hint wins.

Known disagreements with the measured corpus, kept on purpose: Windows RT (Surface RT)
is a tablet; Silk in desktop mode and Amazon's Fire Phone follow the Silk (Fire tablet)
rule; phablets follow their maker's phone line; phones whose UA lacks ``Mobile`` and whose
line we do not know follow Android's convention (tablet).

Parsing is cached (``functools.lru_cache``, bounded): the engine classifies once per
session, but the CLI and tests feed many repeats and ua-parser's regex pass is the cost.
``user_agents`` is imported inside the function because its import costs 130-190 ms in
Pyodide, which only configs holding a ``device`` condition should pay.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Literal, TextIO

Device = Literal["desktop", "mobile", "tablet"]

DEVICES: tuple[Device, ...] = ("desktop", "mobile", "tablet")

# Real user agents are well under 1 KB; the parser runs ~1000 regexes over the string,
# so an absurdly long value would only cost time (and cache memory) for nothing.
_MAX_UA_LENGTH = 1024

# Bounded so a stream of distinct UAs (CLI, a long-lived worker) cannot grow memory.
_CACHE_SIZE = 512

# 1. Not a handheld: TVs, set-top boxes, home consoles, VR headsets.
_NOT_HANDHELD = re.compile(
    r"SMART-?TV|SmartTV|Smart TV|HbbTV|\bTV Safari|GoogleTV|Google TV|Android ?TV|CrKey"
    r"|BRAVIA|Web0S|webOS\.TV|NetCast|InettvBrowser|\bRoku|AppleTV|Apple TV|MIBOX|\bMiTV"
    r"|\bAFT[A-Z0-9]{1,6}\b"  # Amazon Fire TV model codes (AFTB, AFTMM, AFTKA, ...)
    r"|PlayStation ?[345]|PlayStation;|\bXbox|Nintendo (?:Switch|Wii)"
    r"|OculusBrowser|\bVR Safari|PicoBrowser",  # VR headsets (Meta Quest, Pico)
    re.IGNORECASE,
)
# 2. Handheld consoles.
_HANDHELD_CONSOLE = re.compile(
    r"Nintendo (?:New )?3DS|New Nintendo 3DS|Nintendo DSi?\b|PlayStation Portable|\bPSP\b"
    r"|PlayStation Vita",
    re.IGNORECASE,
)
# 3. Self-declared form factor.
_TABLET_TOKEN = re.compile(r"(?<![a-z])tablet(?![a-z])(?! ?pc)", re.IGNORECASE)
_PHONE_TOKEN = re.compile(
    r"WPDesktop|\bLumia\b|Windows Phone|Windows Mobile|PalmOS|Palm OS|\bPDA\b", re.IGNORECASE
)
# 4. Browsers that exist only on iOS / iPadOS.
_IOS_ONLY_BROWSER = re.compile(r"\b(?:CriOS|FxiOS|EdgiOS)/")
# 5. Model lines. Word boundaries keep a code from matching inside another token.
_TABLET_MODEL = re.compile(
    r"\b(?:SAMSUNG[- ])?(?:GT-P\d|GT-N[58]\d|SM-[TPX]\d)|Galaxy[ _-]?Tab"
    r"|\bNexus (?:7|9|10)\b|\bPixel (?:C|Tablet)\b"
    r"|\bKindle|\bKF[A-Z]{2,6}\b|\bSilk/"
    r"|\bLenovo ?(?:TB|YT)\d?-|\b(?:TB|YT)\d?-[A-Z0-9]{3,}|IdeaTab"
    r"|\bNOOK\b|\bBN[TR]V\d|\bKobo\b|PocketBook"
    # Makers and lines that never shipped a phone.
    r"|\bNabi\b|\bAinol\b|\bOdys\b|\bXELIO|\bPrestigio PM[PT]|\bPM[PT]\d{4}|Kyros"
    r"|Toshiba[ _-]?Folio|\bA\d{2,3}IT\b|\bArchos ?\d{1,3}IT\b"
    # Generic tablet names: "MID" models, bare Rockchip reference boards.
    r"|\bMID\d|\bRK(?:28|29|30|31)\d\d\b|\brk(?:29|30|31)sdk"
    # Wi-Fi-only variants: Huawei "-W09" (MediaPad, MatePad), Lenovo "-F"/"-FL".
    r"|\b[A-Z0-9]{2,5}-W\d\d\b|\b[A-Z]?\d{4}-FL?\b",
    re.IGNORECASE,
)
_PHONE_MODEL = re.compile(
    r"\b(?:SAMSUNG[- ])?(?:SM-[GNASFJMEC]\d|GT-[ISBCE]\d|GT-N7\d|SGH-|SCH-|SPH-|SHV-)"
    r"|\bPixel (?:\d|XL)|\bNexus (?:4|5X?|6P?|One|S)\b",
    re.IGNORECASE,
)
# Searched in the platform comment only (where the model name is), never in app tokens
# such as "NetType/WIFI" that WeChat appends to phone UAs.
_TABLET_MODEL_WORD = re.compile(
    r"(?<![a-z])[a-z]*(?:tab|pad|slate)(?![a-z])(?!fone)|wi-?fi", re.IGNORECASE
)
# 6. Android convention.
_ANDROID = re.compile(r"\bAndroid\b|\bAdr \d")
_MOBI = re.compile(r"(?<![\w-])Mobi|Opera Mini", re.IGNORECASE)  # not "T-Mobile"
# 8. iPadOS in desktop mode.
_MACINTOSH = re.compile(r"\bMacintosh\b")


def classify(
    user_agent: str,
    ua_mobile: bool | None = None,
    max_touch_points: int | None = None,
) -> Device:
    """Return the visitor's device type.

    ``ua_mobile`` is ``navigator.userAgentData.mobile`` (None where the browser has no
    client hints, e.g. Safari and Firefox); ``max_touch_points`` is
    ``navigator.maxTouchPoints`` (None when unknown).
    """
    return explain(user_agent, ua_mobile, max_touch_points)[0]


def explain(
    user_agent: str,
    ua_mobile: bool | None = None,
    max_touch_points: int | None = None,
) -> tuple[Device, str]:
    """Like :func:`classify`, plus the name of the rule that decided (for traces and tests).

    Rule names: ``empty``, ``not-handheld``, ``handheld-console``, ``tablet-token``,
    ``phone-token``, ``ios-browser-on-mac``, ``tablet-model``, ``phone-model``,
    ``android``, ``library``, ``mobi-token``, ``touch-mac``, ``ua-mobile-hint``.
    """
    ua = user_agent[:_MAX_UA_LENGTH]
    device, rule = _classify_ua(ua)
    if device == "desktop" and rule != "not-handheld":
        # A TV or console keeps its answer whatever it reports about touch or "mobile".
        if max_touch_points is not None and max_touch_points > 1 and _MACINTOSH.search(ua):
            return "tablet", "touch-mac"
        if ua_mobile is True:
            return "mobile", "ua-mobile-hint"
    return device, rule


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _classify_ua(ua: str) -> tuple[Device, str]:
    """UA-only classification (rules 1-7 of the module docstring); pure, hence cacheable."""
    if not ua.strip():
        return "desktop", "empty"

    # Imported here, not at module level: see the module docstring (Pyodide import cost).
    import user_agents

    parsed = user_agents.parse(ua)
    base: Device = "tablet" if parsed.is_tablet else "mobile" if parsed.is_mobile else "desktop"

    if _NOT_HANDHELD.search(ua):
        return "desktop", "not-handheld"
    if _HANDHELD_CONSOLE.search(ua):
        return "mobile", "handheld-console"
    if _TABLET_TOKEN.search(ua):
        return "tablet", "tablet-token"
    if _PHONE_TOKEN.search(ua):
        return "mobile", "phone-token"
    if _MACINTOSH.search(ua) and _IOS_ONLY_BROWSER.search(ua):
        return "tablet", "ios-browser-on-mac"

    android = _ANDROID.search(ua) is not None
    if _TABLET_MODEL.search(ua) or (android and _TABLET_MODEL_WORD.search(_platform(ua))):
        return "tablet", "tablet-model"
    if _PHONE_MODEL.search(ua):
        return "mobile", "phone-model"
    if android:
        return ("mobile" if _MOBI.search(ua) else "tablet"), "android"
    if base == "desktop" and not parsed.is_pc and _MOBI.search(ua):
        return "mobile", "mobi-token"
    return base, "library"


def _platform(ua: str) -> str:
    """The first parenthesised comment, where browsers put the OS and the device model."""
    start = ua.find("(")
    if start < 0:
        return ""
    end = ua.find(")", start)
    return ua[start + 1 : end if end >= 0 else len(ua)]


def main(lines: Iterable[str], out: TextIO) -> int:
    """``python -m engine device``: one user agent per line in, one device type per line out.

    Blank lines are echoed blank so the output stays aligned with the input.
    """
    for line in lines:
        ua = line.rstrip("\r\n")
        out.write(f"{classify(ua) if ua.strip() else ''}\n")
    return 0

"""Device type of a visitor: ``desktop``, ``mobile`` (a phone) or ``tablet``.

Puzzel's "device type" is the visitor's device, however it is known. The loader sends a
``device`` fact (:class:`engine.facts.Device`) with the User-Agent and what the browser
itself knows: User-Agent Client Hints (``mobile``, ``platform``, high-entropy ``model``
and ``formFactors``), ``navigator.maxTouchPoints``, the screen's size in CSS pixels and
whether the primary pointer is coarse / cannot hover. :func:`decide` walks
:data:`PRECEDENCE`, a table of signals from the most to the least trustworthy; the first
row whose signal is present and speaks decides, and the answer says which row and what
it read ("client hint: mobile=false, screen 800x1280, touch -> tablet").

Precedence (first row that speaks wins)

1. ``ua-not-handheld``: the UA names a TV, set-top box, home console or VR headset ->
   ``desktop``. Such devices may report touch points or a "mobile" bit; a panel aimed
   at phones must not be laid out for a 55-inch TV.
2. ``form-factors``: the ``formFactors`` client hint names a form factor other than what
   the ``mobile`` bit already says: ``Tablet``/``EInk`` -> tablet, ``Watch`` -> mobile,
   ``XR``/``Automotive`` -> desktop. Chromium derives ``Mobile``/``Desktop`` from the
   ``mobile`` bit (``GetFormFactorsClientHint``), so those two add nothing and are ignored
   here; "request desktop site" on a phone sets them to ``Desktop``. A list that also
   holds ``Desktop`` (a 2-in-1 may name both) does not make a tablet or a phone.
3. ``desktop-os``: the UA reads as a computer running Windows or Chrome OS, or the
   ``platform`` hint is ``Windows`` or ``Chrome OS`` -> ``desktop`` whatever it says
   about touch: touch laptops and 2-in-1s are computers. (Not Macs: iPadOS sends a Mac
   UA, and no Mac has a touch screen. Not Linux: Chrome's "request desktop site" reports
   ``Linux``.)
4. ``touch-screen``: the primary pointer is a finger (``(pointer: coarse)``, else
   ``(hover: none)``, else more than one touch point; never with 0 touch points) and the
   screen size is known -> the screen's short side in CSS pixels decides: under 600 is a
   phone, 600 or more a tablet. 600 is Android's tablet breakpoint (``sw600dp``), the one
   Chromium uses (``DeviceFormFactor.MINIMUM_TABLET_WIDTH_DP``). This row is what tells a
   phone that asked for the desktop site (desktop UA, ``mobile=false``) from a tablet, an
   iPad's Mac UA from an iPhone's, and an old Android tablet that sent ``Mobile``.
5. ``client-hint-model``: the high-entropy ``model`` hint (the model the reduced UA
   replaces with ``K``) is in a known model line (the UA model lines below) -> that.
6. ``ua-model``: the UA names the hardware (the UA rules ``handheld-console``,
   ``tablet-token``, ``phone-token``, ``tablet-os``, ``ua-screen``,
   ``ios-browser-on-mac``, ``tablet-model``, ``phone-model``) -> that.
7. ``client-hint-mobile``: ``mobile=true`` -> ``mobile``; ``mobile=false`` on Android (by
   the UA or the ``platform`` hint) -> ``tablet``. Chromium's bit is its own "this is a
   phone browser" setting; it beats the UA's ``Mobile`` token.
8. ``touch-mac``: a Mac UA with more than one touch point -> ``tablet``. iPadOS Safari
   sends the Mac UA and no Mac has a touch screen. (Without a screen size an iPhone that
   asked for the desktop site looks the same; with one, row 4 tells them apart.)
9. ``ua``: the User-Agent alone (the UA rules below).

User-Agent alone (``user_agents.parse`` plus a correction layer)

Base answer: ``is_tablet`` first, then ``is_mobile``, else desktop (the library reports
many tablets as both, and the product contract says a tablet is not mobile). The layer
overrides it only for a *family* of user agents with a source: a token a vendor or a
browser defined, or a vendor's model-code convention. No rule exists because one corpus
entry needed it. Rules are tried in this order; the first that speaks wins.

1. ``not-handheld``: TV tokens (``SMART-TV``, ``HbbTV``, ``GoogleTV``, ``CrKey``,
   ``BRAVIA``, ``Web0S``, Amazon Fire TV ``AFT*`` codes, ...), home consoles
   (PlayStation 3-5, Xbox, Switch, Wii), VR browsers (OculusBrowser, Pico) -> desktop.
   The library calls Android TVs tablets and the old Xbox One Edge UA a phone.
   TV platforms that name themselves (Hisense ``VIDAA``, Philips ``NETTV/``, ``VIZIO``,
   Opera TV, TiVo, Freebox) too. Crawlers are not forced to desktop: one that impersonates a phone (Googlebot
   smartphone) is, by Google's guidance for dynamic serving, served what phones get.
2. ``handheld-console``: Nintendo 3DS/DSi, PSP, PS Vita -> mobile (held in the hand).
3. ``tablet-token``: ``Tablet``, the token Mozilla defined for Firefox on Android tablets
   (``Android; Tablet;``), also sent by Firefox OS, Sailfish, RIM Tablet OS and the
   HP TouchPad; ``Tablet PC`` (the Windows pen-laptop edition) is excluded.
   ``phone-token``: ``Windows Phone``, ``Windows Mobile``, ``WPDesktop`` (what Windows
   Phone 8.1 sends asking for desktop sites), ``Lumia`` (a phone-only line), Palm OS.
   ``tablet-os``: ``Android 3.x``: Honeycomb was released for tablets only; ``iPadOS``,
   the iPad's own system, which apps' UAs name (Alamofire's ``iPadOS 17.1``, Facebook's
   ``FBSN/iPadOS``) where Safari's does not.
   ``ua-screen``: an app's UA that states the screen in pixels with its density
   (Facebook's ``FBDM/{density=2.625,width=1080,height=2340}``, Instagram's ``420dpi;
   1080x2340``): the short side in dp decides as in precedence row 4 (under 600 a phone).
   It beats the model lines below: an open foldable is a tablet.
4. ``ios-browser-on-mac``: ``CriOS``/``FxiOS``/``EdgiOS`` exist only on iOS/iPadOS; in a
   Mac UA they mean an iPad in desktop-class browsing -> tablet.
5. Model lines, both ways; a model code beats the ``Mobile`` token, which Android 2.x
   tablets sent (the tablet convention came with Android 3).
   Tablets: Samsung ``GT-P``, ``GT-N5/N8``, ``SM-T``, ``SM-P``, ``SM-X``, "Galaxy Tab";
   Google ``Nexus 7/9/10``, ``Pixel C``, ``Pixel Tablet``; Amazon ``Kindle``, ``KF*``
   codes, Silk; Lenovo ``TB``/``YT`` codes and IdeaTab; e-reader makers (Nook ``BNTV``,
   Kobo, PocketBook); Odys and its Xelio line and Prestigio MultiPad ``PMP``/``PMT``
   (makers' tablet lines); ``MID`` (Intel's "Mobile Internet Device", the stock name of
   unbranded tablets) and bare Rockchip SoC names (``RK30xx``: a reference tablet
   board); Wi-Fi-only variants (a phone has a cellular radio): ``WiFi`` in the model,
   Huawei ``-W09``-style suffixes, Lenovo ``-F``/``-FL``; Lenovo's 3G tablet variants
   (``A3000-H``, ``A5500-HV``: a letter, four digits and ``-H``; its phones use lower-case
   suffixes such as ``A7000-a``); Huawei's S7 tablet line (IDEOS S7, S7 Slim, MediaPad
   ``S7-301u``), whose Android 2.x models sent ``Mobile``; makers' tablet model codes,
   each read from Matomo's device-detector database, where every code of that shape is a
   tablet: Sony ``SGP`` (not ``SGP4xx``, the Xperia Z Ultra phablet), KDDI au's ``T``
   codes (``SOT21``, ``SHT22``, ``KYT31``: au's phones are ``L``/``V``), Asus
   ``K00x``/``K01x``/``P00x``-``P02x``, ``ME1xx``/``ME3xx`` and ``TF`` codes, Acer
   Iconia ``A1-``/``A3-``/``B1-``/``B3-`` and Iconia Tab ``A100``-``A701``, LG G Pad
   ``LG-V4xx``-``V9xx``, ``VK8xx``, ``LM-T``, teXet ``TM-7/8/9xxx``/``TM-10xx`` (the
   first digit is the screen size), Archos ``70``-``109`` (the number is the screen
   size), Xiaomi ``RP`` model numbers (Redmi/Xiaomi Pad), Nokia ``T``, the code names
   of Huawei/Honor MediaPad, MatePad and Honor Pad models (``AGS``, ``BAH``, ``KOB``,
   ``BG2``, ...), Celkon ``CT``, Allview City/Speed/Viva/AX/TX, MSI Enjoy/Primo/WindPad,
   Toshiba ``AT``, Cube ``U..GT``, Motorola ``MZ`` and Xoom, HTC Flyer, docomo dtab
   ``d-0xX``; makers that make only tablets (every device Matomo lists for them is one:
   Teclast, Arnova, AllDocube, Ainol, NextBook, Yarvik, TrekStor, Nabi, Chuwi, ...) by
   name or own code; tablet lines of makers that also make phones or TVs (Insignia
   ``NS-P``, Verizon Ellipsis ``QTA``, RCA ``RCT``, Polaroid ``PMID``, ...); phone
   makers' tablet prefixes (OPPO ``OPD``, vivo ``PA``, realme ``RMP``, Lenovo ``TBnnnFU``,
   Tecno ``DP``, NEC ``PC-TE``, ...); codes whose digits give the screen size (bq
   ``BQ-7xxx``-``BQ-10xx``, Vodafone ``VFD 1xxx``, Spice ``Mi-7xx``, Dell ``Venue 8``);
   on Android, a model word ending in ``tab``, ``pad`` or ``slate``
   (MediaPad, MatePad, IdeaTab; ``PadFone`` is a phone).
   Phones: Samsung ``SM-G/N/A/S/F/J/M/E/C`` (and ``SM-R`` watches), ``GT-I/S/B/C/E``, ``GT-N7``, ``SGH``, ``SCH``,
   ``SPH``, ``SHV``; Google ``Pixel <n>``/``Pixel XL``, ``Nexus 4/5/6/One/S``; OnePlus
   (``ONEPLUS A3010``: its one tablet line, the OnePlus Pad, uses ``OPD`` codes); the
   Android emulator's builds (``sdk``, ``google_sdk``, ``sdk_gphone64_x86_64``), whose
   default virtual device is a phone; phone lines of makers whose tablets carry other
   codes (LG ``LG-H850``/``LM-G710``, Motorola ``XT``/``moto g``/DROID, HTC, Xperia,
   Ascend, Redmi/POCO/``MI 9``, OPPO ``CPH``, realme ``RMX``, vivo ``V2xxx``, Nokia,
   ZenFone, Blade), tried after the tablet lines.
6. ``android``: Android's convention -> tablet unless the UA carries ``Mobi`` (Google:
   phones put ``Mobile`` in the UA, tablets do not; MDN: test for ``Mobi``). The library
   tests the narrower ``Mobile Safari``, missing ``Opera Mobi`` and UC Browser's
   ``Mobile``. Only when the UA itself says ``Android`` (or UC's ``Adr``), and only where
   a browser wrote the whole UA, since the convention is a browser's:
   ``android-app``: a UA with no browser engine or browser name (Android's default
   ``Dalvik/2.1.0 (Linux; U; Android 9; <model> Build/...)``, download managers, apps' API
   clients) says ``Mobile`` on no device -> mobile, by far the likelier Android device.
   ``android-cut``: a WebKit UA that stops before ``Safari`` was cut short before the
   token (Chrome: ``Chrome/<v> Mobile Safari/<v>`` on a phone, ``Chrome/<v> Safari/<v>``
   on a tablet) -> mobile, for the same reason.
7. ``mobi-token``: not a PC (no Windows NT, Mac, X11, Chrome OS) but ``Mobi`` or
   ``Opera Mini`` -> mobile (the same MDN rule, for feature phones and proxy browsers).
   ``ios-app``: an app's UA that names iOS but no device (the library reads it as a
   computer) -> mobile: iOS runs on no computer and iPads name iPadOS (rule 3).

Known disagreements with the measured corpus, kept on purpose: Windows RT (Surface RT)
is a tablet; Silk in desktop mode and the Fire Phone follow the Silk (Fire tablet) rule;
phablets follow their maker's phone line.

Parsing is cached (``functools.lru_cache``, bounded): the engine classifies once per
session, but the CLI and tests feed many repeats and ua-parser's regex pass is the cost.
``user_agents`` is imported inside the function because its import costs 130-190 ms in
Pyodide, which only configs holding a ``device`` condition should pay.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from engine.facts import Device as Signals

Device = Literal["desktop", "mobile", "tablet"]

DEVICES: tuple[Device, ...] = ("desktop", "mobile", "tablet")

# Real user agents are well under 1 KB; the parser runs ~1000 regexes over the string,
# so an absurdly long value would only cost time (and cache memory) for nothing.
_MAX_UA_LENGTH = 1024

# Bounded so a stream of distinct UAs (CLI, a long-lived worker) cannot grow memory.
_CACHE_SIZE = 512

# Android's tablet breakpoint (sw600dp), in CSS pixels on the screen's short side.
TABLET_MIN_SHORT_SIDE = 600

# 1. Not a handheld: TVs, set-top boxes, home consoles, VR headsets.
_NOT_HANDHELD = re.compile(
    r"SMART-?TV|SmartTV|Smart TV|HbbTV|\bTV Safari|GoogleTV|Google TV|Android ?TV|CrKey"
    r"|BRAVIA|Web0S|webOS\.TV|NetCast|InettvBrowser|\bRoku|AppleTV|Apple TV|MIBOX|\bMiTV"
    r"|\bAFT[A-Z0-9]{1,6}\b"  # Amazon Fire TV model codes (AFTB, AFTMM, AFTKA, ...)
    r"|PlayStation ?[345]|PlayStation;|\bXbox|Nintendo (?:Switch|Wii)"
    r"|OculusBrowser|\bVR Safari|PicoBrowser"  # VR headsets (Meta Quest, Pico)
    # TV platforms that name themselves: Hisense VIDAA, Philips NetTV, VIZIO SmartCast,
    # Opera TV, TiVo and Freebox set-top boxes.
    r"|\bVIDAA\b|\bNETTV/|\bVIZIO\b|\bOpera TV\b|\bTiVo\b|\bFreebox\b",
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
# Android 3.x (Honeycomb) was released for tablets only; iPadOS is the iPad's own system
# (apps' UAs name it where Safari's does not: "iPadOS 17.1", Facebook's "FBSN/iPadOS").
_TABLET_OS = re.compile(r"\bAndroid 3\.\d|\biPadOS\b")
# 4. Browsers that exist only on iOS / iPadOS.
_IOS_ONLY_BROWSER = re.compile(r"\b(?:CriOS|FxiOS|EdgiOS)/")
# 5. Model lines. Word boundaries keep a code from matching inside another token.
_TABLET_MODEL = re.compile(
    r"\b(?:SAMSUNG[- ])?(?:GT-P\d|GT-N[58]\d|SM-[TPX]\d)|Galaxy[ _-]?Tab"
    r"|\bNexus (?:7|9|10)\b|\bPixel (?:C|Tablet)\b"
    r"|\bKindle|\bKF[A-Z]{2,6}\b|\bSilk/"
    r"|\bLenovo ?(?:TB|YT)\d?-|\b(?:TB|YT)\d?-[A-Z0-9]{3,}|IdeaTab"
    r"|\bNOOK\b|\bBN[TR]V\d|\bKobo\b|PocketBook"
    r"|\bOdys\b|\bXELIO|\bPM[PT]\d{4}"
    # Generic tablet names: "MID" models, bare Rockchip reference boards.
    r"|\bMID\d|\bRK(?:28|29|30|31)\d\d\b"
    # Wi-Fi-only variants: Huawei "-W09" (MediaPad, MatePad), Lenovo "-F"/"-FL".
    r"|\b[A-Z0-9]{2,5}-W\d\d\b|\b[A-Z]?\d{4}-FL?\b"
    # Lenovo's 3G tablet variants: "-H"/"-HV" after a letter and four digits (A3000-H).
    r"|\bLenovo[- ]?[ABS]\d{4}-HV?\b"
    # Huawei's S7 tablet line, whose Android 2.x models sent "Mobile": IDEOS S7, S7 Slim and
    # the MediaPad S7-xxx codes (S7-301u).
    r"|\b(?:IDEOS|Huawei)[ _-]?S7\b|\bS7-\d{3}[A-Z]?\b"
    # Makers' tablet model codes, each a line's naming convention, read from Matomo's
    # device-detector database (matomo-org/device-detector, regexes/device/mobiles.yml), where
    # every code of the shape below is a tablet and no phone has one. Sony Xperia tablets:
    # SGP (Xperia Tablet S "SGPT12", Tablet Z "SGP321"; its rule "(SGP[^/;]*) Build" ->
    # tablet); Sony phones use C/D/E... codes. Not SGP4xx: the Xperia Z Ultra Wi-Fi
    # (SGP412) is a 6.4-inch phablet of the Xperia Z phone line.
    r"|\bSGPT\d{2,3}|\bSGP[35-9]\d\d"
    # KDDI au's model numbers: maker code, a letter for the kind, two digits. "T" is a
    # tablet (SOT21 Xperia Z2 Tablet, SHT21 AQUOS PAD, KYT31 Qua tab, LGT31, HWT31, SCT21);
    # phones are "L" (LTE) or "V" (VoLTE): SOL21, SHV31, KYV31, LGV31.
    r"|\b(?:SO|SH|KY|LG|HW|FJ|SC)T\d\d\b"
    # Asus: MeMO Pad, Fonepad and Transformer Pad "K00x"/"K01x", ZenPad "P00x"-"P02x"
    # (ZenFone phones are ASUS_Z/X/T/I codes), MeMO Pad "ME1xx"/"ME3xx" (ME173X, ME302C,
    # Fonepad ME371MG; Motorola's Chinese phones are ME5xx-ME8xx: ME525, ME722), Transformer
    # "TF300T".
    r"|\b(?:ASUS_)?(?:K0[01][0-9A-Z]|P0[0-2][0-9A-Z]|ME[13]\d\d[A-Z]{0,2}|TF\d{3}[A-Z]{0,2})(?= Build|[;)])"
    # Acer Iconia: "A1-810", "A3-A40", "B1-710", "B3-A20", and the first Iconia Tab codes
    # (A100/A101/A110/A200/A210/A211/A500/A501/A510/A511/A700/A701) as the whole model.
    r"|\b[AB][13]-[A-Z0-9]{3}|(?<=; )A(?:10[01]|110|2[01][01]|5[01][01]|70[01])(?= Build|\))"
    # LG G Pad: "LG-V400" to "LG-V940" (LG's V phones are LM-V/LGM-V/H9xx codes), Verizon
    # "VK810", and the LM-T G Pad 5.
    r"|\bLG-?V[4-9]\d\d|\bVK8\d\d\b|\bLM-T\d{3}"
    # teXet: the first digit of "TM-" codes is the screen size (TM-7xxx 7", TM-9xxx 9.7",
    # TM-10xx 10"); its phones are TM-3xxx to TM-5xxx.
    r"|\bTM-(?:[789]\d{3}|10\d\d)"
    # Archos names models by screen size: "Archos 70", "80", "97", "101" are tablets; its
    # phones are 35 to 59 (Matomo: "Archos ((?:[789]|10)[0-9]?...)" -> tablet).
    r"|\bArchos ?(?:[789]\d|10\d)"
    # Xiaomi's model numbers since 2023 put "RP" (Redmi Pad / Xiaomi Pad) after the date:
    # "23043RP34G" Pad 6, "23073RPBFG" Redmi Pad SE.
    r"|\b2\d{3}[0-9A-F]RP[0-9A-Z]{2,4}\b"
    # Nokia's T line (T10, T20, T21) is its tablets; its phones are C, G, X and XR.
    r"|\bNokia T[12]\d\b"
    # Small makers' tablet lines, each the maker's own naming (Matomo lists each line as
    # tablets and the maker's other lines as phones): Celkon "CT" (Celkon CT 910; its phones
    # are A/Q/C codes), Allview City, Speed, AllDro Speed, Viva, AX and TX (its phones are
    # the A, C, E, M, P, V and X lines), MSI's Enjoy, Primo and WindPad tablets (MSI made no
    # Android phones), Toshiba Regza/Excite "AT" codes (AT100, AT300SE, AT10-A; its phones
    # are Regza T-01C, IS04) and Cube "U..GT" codes (U30GT, U27GT Talk 8).
    r"|\bCelkon[ _*]CT|\bAllview[ _]?(?:City|\d?Speed|Viva|AX\d|TX\d)|\bMSI[ _]?(?:Enjoy|Primo|WindPad)"
    r"|\b(?:Toshiba[ _-]?)?AT(?:1S0|\d{3}[A-Z]{0,2}|\d{1,2}[LP]?E?-[A-C])(?= Build|[;)])|\bU\d{1,2}GT\b"
    # Tablet lines of phone makers whose first tablets ran the phones' Android 2.x and sent
    # "Mobile": Motorola's "MZ" codes (Xoom MZ601, Xyboard MZ609) and the Xoom name, HTC's
    # Flyer and its AT&T Jetstream (P715a); and docomo's own "dtab" line, the one docomo
    # code with a lower-case "d-" prefix (d-01G, d-02H; its phones carry a maker's letters:
    # SC-, SH-, SO-, F-).
    r"|\bMZ\d{3}(?= Build|[;)])|\bXoom\b|\bHTC[ _-]?(?:Flyer|P715a)|(?-i:\bd-0\d[A-Z]\b)|\bdtab\d"
    # Huawei and Honor tablets: the code names of the MediaPad, MatePad and Honor Pad lines
    # before the variant ("AGS-L09", "BAH2-W19", "KOB-L09", "SCM-AL09", "BG2-U01").
    r"|\b(?:AGS\d?|BAH\d?|KOB\dK?|KOB|JDN\d?|SCMR?|AGR|DBY\d?|DBR|HEY\d?|BTV|CMR|SHT|VRD|MRX|MRR"
    r"|KRJ\d?|BG2|BGO|CPN|GEM|BZ[ACKTW]\d?|BTKR?|GOT|HD[LN]|MON|FDR|PLE|ELN\d?|NDL\d?|AGM|JMS|ROD\d?"
    r"|ROL|BRT|HMW|WGRR?|TGR|BKY|M2)-(?:[A-Z]{1,2}\d\d|\d{3}[A-Z])"
    # Makers that make only tablets: every device Matomo's database lists for them (three or
    # more each) is a tablet, so their name or own code in a UA is enough. Teclast, Arnova,
    # AllDocube (iPlay), Ainol (Novo), NextBook, Yarvik (Xenta, TABnn-nnn), Kocaso, Contixo,
    # TrekStor, Pritom, HannSpree (HSGnnnn), Fuhu's Nabi, Fusion5, Zync, Vankyo, Lexibook
    # (MFCnnn..), EvroMedia, Le Pan, Ployer (MOMO), Readboy, Chuwi. Their Pad/Tab-named
    # lines (SurfTab, MatrixPad, PlayPad, SlidePad) are model words below.
    r"|\b(?:Teclast|Arnova|AllDocube|Ainol|NextBook|Yarvik|Xenta|Kocaso|Contixo|TrekStor|Pritom|Hannspree"
    r"|Fusion5|Zync|Vankyo|EvroMedia|Le ?Pan|Readboy|Chuwi)\b|\biPlay[ _]?\d|\bNovo ?\d|\bNext\d{1,2}"
    r"|\bTAB\d\d-\d{3}|\bHSG\d{4}\b|\bNABI\d?[ _-]|\bDMTAB-|\bMFC\d{3}[A-Z]{2}|\bMOMO ?(?:\d|mini)|\bCW-[HV]i?\d"
    # Tablet lines of makers that also make phones or TVs, each the maker's own code (Matomo:
    # every code of the shape is a tablet): Insignia Flex "NS-P08A7100" (its TVs are Fire TV
    # "AFT" codes), Verizon Ellipsis "QTAQZ3", "QMV7A", RCA "RCT6873W42" (its phones are
    # "RLTP"), Polaroid "PMID705", ProScan "PLT7223G", iView "733TPC", Point of View
    # "POV_TAB", Denver "TAQ-10243", Ematic "EGQ347".
    r"|\bNS-P\d\d[A-Z]|\bQTA(?:SUN|XIA|QZ|IR)\d|\bQMV7[AB]\b|\bRCT\d{4}|\bPMID\d|\bMIDC\d|\bPLT\d{4}|\b\d{3}TPC\b"
    r"|\bPOV_TAB|\bTA[CDQ]-\d{5}|\bEGQ\d{3}"
    # Phone makers' tablet codes, each a letter prefix of the maker's own (Matomo: every
    # code of the shape is a tablet, the maker's phones use others): OPPO Pad "OPD2102"
    # (its phones are CPH), vivo Pad "PA2170"/"iPA2375" (phones V2xxx), realme Pad "RMP2102"
    # (phones RMX), Lenovo's dashless "TB373FU", Tecno DroiPad "DP8D", Hyundai "HT0704W08",
    # Mediacom SmartPad "M-MP"/"M-SP" (its PhonePads are M-PP), NEC LAVIE Tab "PC-TE510".
    r"|\bOPD\d{4}|\bi?PA2\d{3}\b|\bRMP2\d{3}\b|\bTB\d{3}[FXZ]U?\b|\b(?:TECNO[ _])?DP(?:7|8|10)[A-Z]\b"
    r"|\bHT(?:07|08|10)\d\d[A-Z]{1,2}\d\d\b|\bM-[MS]P\d|\bPC-T[ES]\d{3}"
    # Codes whose digits give the screen size, as teXet's above: bq "BQ-7082", "BQ-8067L",
    # "BQ-1081G" (its phones are BQ-4xxx to BQ-6xxx), Vodafone "VFD 1300"/"VF-1397" (its
    # phones are VFD 200 to VFD 8xx), Spice "Mi-720", Dell Venue "Venue 8 3830", Qilive
    # "Q9T10IN" (the T and its size).
    r"|\bBQ(?:ru)?-(?:[789]\d{3}|10\d\d[GL])|\bVFD? ?-?1\d{3}\b|\bSpice[-_ ]?Mi-?7\d\d|\bVenue ?(?:7|8|10) \d{4}"
    r"|\bQ\dT\d{1,2}IN",
    re.IGNORECASE,
)
_PHONE_MODEL = re.compile(
    # Samsung's SM-R are its watches, worn rather than laid out like a computer (the Watch
    # form factor reads as mobile too).
    r"\b(?:SAMSUNG[- ])?(?:SM-[GNASFJMECR]\d|GT-[ISBCE]\d|GT-N7\d|SGH-|SCH-|SPH-|SHV-)"
    r"|\bPixel (?:\d|XL)|\bNexus (?:4|5X?|6P?|One|S)\b|\bONEPLUS\b(?! ?Pad)"
    # The Android emulator's own builds ("sdk", "google_sdk", "Android SDK built for x86",
    # "sdk_gphone64_x86_64"), whose default virtual device is a phone.
    r"|(?<=; )(?:google_)?sdk(?= Build/)|\bAndroid SDK built for\b|\bsdk_g?phone"
    # Phone lines of makers whose tablets carry other codes, which the tablet lines above
    # catch first (Matomo lists each of these as phones): LG "LG-H850", "LM-G710" (its
    # tablets are LG-V4xx-V9xx, VK8xx, LM-T), Motorola "XT1068", "moto g", DROID (its
    # tablets are MZ codes, the Xoom and the Moto Tab G70 "XT2261"), HTC (but Flyer,
    # Jetstream and the A100-A103 tablets), Sony Xperia (its tablets say "Tablet" or SGP),
    # Huawei Ascend, Xiaomi Redmi, POCO and "MI 9" (its tablets are Pads), OPPO CPH, realme
    # RMX, vivo V2xxx, Nokia "Nokia 6.1" and its C, G and X lines, Asus ZenFone, ZTE Blade.
    r"|\bLG-?[DEFHKMPX]\d{3}|\bLM-[GKQVX]\d{3}|\bXT\d{3,4}\b(?<!XT2261)|\bmoto ?[cegxz]\d?\b|\bMotorola\b"
    r"|\bDROID\b|\bHTC(?![ _-]?(?:Flyer|P715a|A10\d))|\bXperia\b|\bAscend\b|\bRedmi\b|\bPOCO\b|\bMI \d"
    r"|\bCPH\d{4}|\bRMX\d{4}|\bV2\d{3}[A-Z]?\b|\bNokia ?[1-9]\.\d|\bNokia [CGX]\d|\bASUS_[ZXTI]\d|\bZenFone|\bBlade\b",
    re.IGNORECASE,
)
# Searched in the platform comment only (where the model name is), never in app tokens
# such as "NetType/WIFI" that WeChat appends to phone UAs.
_TABLET_MODEL_WORD = re.compile(
    r"(?<![a-z])[a-z]*(?:tab|pad|slate)(?![a-z])(?!fone)|wi-?fi", re.IGNORECASE
)
# The screen some Android apps put in their UA, in pixels with the density: Facebook's
# "FBDM/{density=2.625,width=1080,height=2340}", Instagram's "420dpi; 1080x2340".
_FB_SCREEN = re.compile(r"FBDM/\{density=(\d{1,2}(?:\.\d+)?),width=(\d{3,5}),height=(\d{3,5})\}")
_DPI_SCREEN = re.compile(r"\b(\d{2,3})dpi; (\d{3,5})x(\d{3,5})\b")
# Android's baseline density: 160 dpi is one pixel per dp (a CSS pixel).
_BASELINE_DPI = 160
# Android's WebKit browsers put the form factor just before their last token: "Chrome/<v>
# Mobile Safari/<v>" on a phone, "Chrome/<v> Safari/<v>" on a tablet (Chrome's documented
# format). A UA that stops before "Safari" was cut short (a log field, a proxy): it never
# said which one.
_WEBKIT = re.compile(r"Web ?Kit", re.IGNORECASE)
_SAFARI = re.compile(r"Safari", re.IGNORECASE)
# 6. Android convention.
_ANDROID = re.compile(r"\bAndroid\b|\bAdr \d")
# The Mobile convention is a browser's. A UA with no browser engine or browser name is an
# app's HTTP client (Android's default "Dalvik/2.1.0 (Linux; U; Android 9; <model>
# Build/...)", download managers, apps' own API clients): it says "Mobile" on no device.
# Browsers' UAs begin "Mozilla/" (or Opera's "Opera/") and name an engine; one that
# misspells it ("Apple WebKit/", "Safari / 537.36") still does the rest.
_BROWSER = re.compile(
    r"^(?:Mozilla|Opera) ?/|Web ?Kit|(?:Safari|Gecko|Presto|Trident|\bU[23]) ?/|UC ?Browser|UCWEB|\bOpera\b"
)
_MOBI = re.compile(r"(?<![\w-])Mobi|Opera Mini", re.IGNORECASE)  # not "T-Mobile"
# iPadOS in desktop mode; computers whose touch screens do not make them tablets.
_MACINTOSH = re.compile(r"\bMacintosh\b")
_DESKTOP_OS_UA = re.compile(r"\bWindows NT\b|\bCrOS\b")
# Not "macOS": no Mac has a touch screen, so it adds nothing, and Chromium derives the
# platform from an overridden UA, so it is what an iPad-like Mac UA in Chromium reports.
_DESKTOP_PLATFORMS = frozenset({"Windows", "Chrome OS", "ChromeOS"})

# UA rules that name the hardware (precedence row 6) rather than follow a convention.
_UA_NAMES_HARDWARE = frozenset(
    {
        "handheld-console", "tablet-token", "phone-token", "tablet-os", "ua-screen", "ios-browser-on-mac",
        "tablet-model", "phone-model",
    }
)
# formFactors values that say more than the mobile bit (precedence row 2), in this order.
_FORM_FACTORS: tuple[tuple[str, Device], ...] = (
    ("XR", "desktop"), ("Automotive", "desktop"), ("Tablet", "tablet"), ("EInk", "tablet"), ("Watch", "mobile"),
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """The device type, the precedence row that decided it, and what that row read."""

    device: Device
    signal: str
    why: str
    ua: tuple[Device, str, str] = ("desktop", "empty", "")  # the UA-only reading, to reuse


@dataclass(frozen=True, slots=True)
class _Reading:
    """A device fact with its UA-only answer worked out once."""

    signals: Signals
    ua: tuple[Device, str, str]  # (device, UA rule, the UA text that decided)


# A row reads the signals and returns (device, what it read), or None to pass.
Rule = Callable[[_Reading], "tuple[Device, str] | None"]


def _ua_not_handheld(r: _Reading) -> tuple[Device, str] | None:
    device, rule, seen = r.ua
    return (device, f"UA: {seen}") if rule == "not-handheld" else None


def _form_factors(r: _Reading) -> tuple[Device, str] | None:
    given = r.signals.form_factors or ()
    for name, device in _FORM_FACTORS:
        # A device that is also a "Desktop" (a 2-in-1) is left to the rows below.
        if name in given and (device == "desktop" or "Desktop" not in given):
            return device, f"client hint: formFactors={','.join(given)}"
    return None


def _desktop_os(r: _Reading) -> tuple[Device, str] | None:
    s = r.signals
    if r.ua[0] != "desktop":
        return None
    if s.platform in _DESKTOP_PLATFORMS:
        return "desktop", f"client hint: platform={s.platform}" + _touch_ignored(s)
    found = _DESKTOP_OS_UA.search(s.user_agent[:_MAX_UA_LENGTH])
    return ("desktop", f"UA: {found.group()}" + _touch_ignored(s)) if found else None


def _touch_ignored(s: Signals) -> str:
    return f", {s.max_touch_points} touch points ignored" if s.max_touch_points else ""


def _touch_screen(r: _Reading) -> tuple[Device, str] | None:
    s = r.signals
    touch = _touch_first(s)
    if touch is None or s.screen is None:
        return None
    width, height = s.screen
    device: Device = "mobile" if min(width, height) < TABLET_MIN_SHORT_SIDE else "tablet"
    hint = f"client hint: mobile={str(s.mobile).lower()}, " if s.mobile is not None else ""
    return device, f"{hint}screen {width}x{height}, {touch}"


def _touch_first(s: Signals) -> str | None:
    """How we know the primary input is a finger (for the trace), or None if it is not."""
    if s.max_touch_points == 0:
        return None
    if s.coarse_pointer is not None:
        return "pointer: coarse" if s.coarse_pointer else None
    if s.no_hover is not None:
        return "hover: none" if s.no_hover else None
    if s.max_touch_points is not None and s.max_touch_points > 1:
        return f"{s.max_touch_points} touch points"
    return None


def _client_hint_model(r: _Reading) -> tuple[Device, str] | None:
    model = (r.signals.model or "").strip()
    if not model:
        return None
    found = _model_line(model, model)
    return (found[0], f"client hint: model={model}") if found else None


def _ua_model(r: _Reading) -> tuple[Device, str] | None:
    device, rule, seen = r.ua
    return (device, f"UA: {seen}") if rule in _UA_NAMES_HARDWARE else None


def _client_hint_mobile(r: _Reading) -> tuple[Device, str] | None:
    s = r.signals
    if s.mobile is True:
        return "mobile", "client hint: mobile=true"
    if s.mobile is False:
        if s.platform == "Android":
            return "tablet", "client hint: mobile=false, platform=Android"
        if _ANDROID.search(s.user_agent[:_MAX_UA_LENGTH]):
            return "tablet", "client hint: mobile=false, UA: Android"
    return None


def _touch_mac(r: _Reading) -> tuple[Device, str] | None:
    s = r.signals
    touch = s.max_touch_points
    if touch is not None and touch > 1 and _MACINTOSH.search(s.user_agent[:_MAX_UA_LENGTH]):
        return "tablet", f"UA: Macintosh with {touch} touch points"
    return None


def _ua(r: _Reading) -> tuple[Device, str] | None:
    device, rule, seen = r.ua
    return device, f"UA: {seen}" if seen else f"UA: {rule}"


# The precedence table (see the module docstring): (signal name, the row's test).
PRECEDENCE: tuple[tuple[str, Rule], ...] = (
    ("ua-not-handheld", _ua_not_handheld),
    ("form-factors", _form_factors),
    ("desktop-os", _desktop_os),
    ("touch-screen", _touch_screen),
    ("client-hint-model", _client_hint_model),
    ("ua-model", _ua_model),
    ("client-hint-mobile", _client_hint_mobile),
    ("touch-mac", _touch_mac),
    ("ua", _ua),
)


def decide(signals: Signals, known_ua: Sequence[object] | None = None) -> Verdict:
    """The visitor's device type from everything the browser sent (see PRECEDENCE).

    ``known_ua`` is a previous verdict's ``ua`` for the same User-Agent (the engine keeps
    it in the session), which spares parsing the UA again when only the hints changed.
    """
    ua = _known(known_ua) or _classify_ua(signals.user_agent[:_MAX_UA_LENGTH])
    reading = _Reading(signals, ua)
    for name, row in PRECEDENCE:
        answer = row(reading)
        if answer is not None:
            device, read = answer
            return Verdict(device, name, f"{read} -> {device}", ua)
    raise AssertionError("the last precedence row always answers")  # pragma: no cover


def _known(reading: Sequence[object] | None) -> tuple[Device, str, str] | None:
    """A stored UA reading, if it is well formed (it comes back from the visitor's storage)."""
    if reading is None or len(reading) != 3:
        return None
    device, rule, seen = reading
    for known in DEVICES:
        if device == known and isinstance(rule, str) and isinstance(seen, str):
            return known, rule, seen
    return None


def classify(user_agent: str, mobile: bool | None = None, max_touch_points: int | None = None) -> Device:
    """The device type from a User-Agent and, optionally, two cheap browser hints."""
    return decide(Signals(user_agent, mobile, max_touch_points)).device


def explain(user_agent: str) -> tuple[Device, str]:
    """The User-Agent-only answer and the name of the UA rule that decided.

    Rule names: ``empty``, ``not-handheld``, ``handheld-console``, ``tablet-token``,
    ``phone-token``, ``tablet-os``, ``ua-screen``, ``ios-browser-on-mac``, ``tablet-model``,
    ``phone-model``, ``android``, ``android-app``, ``android-cut``, ``library``,
    ``mobi-token``, ``ios-app``.
    """
    device, rule, _ = _classify_ua(user_agent[:_MAX_UA_LENGTH])
    return device, rule


def _model_line(text: str, model_name: str) -> tuple[Device, str] | None:
    """The model line `text` names, and the matched text, or None.

    Model words (...Tab, ...Pad) are searched in `model_name` only: the model hint, or the
    UA's platform comment on Android.
    """
    found = _TABLET_MODEL.search(text) or _TABLET_MODEL_WORD.search(model_name)
    if found:
        return "tablet", found.group()
    found = _PHONE_MODEL.search(text)
    return ("mobile", found.group()) if found else None


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _classify_ua(ua: str) -> tuple[Device, str, str]:
    """UA-only classification: (device, rule, the matched text); pure, hence cacheable."""
    if not ua.strip():
        return "desktop", "empty", ""

    # Imported here, not at module level: see the module docstring (Pyodide import cost).
    import user_agents

    parsed = user_agents.parse(ua)
    base = _library_device(parsed)

    tokens: tuple[tuple[re.Pattern[str], Device, str], ...] = (
        (_NOT_HANDHELD, "desktop", "not-handheld"),
        (_HANDHELD_CONSOLE, "mobile", "handheld-console"),
        (_TABLET_TOKEN, "tablet", "tablet-token"),
        (_PHONE_TOKEN, "mobile", "phone-token"),
        (_TABLET_OS, "tablet", "tablet-os"),
    )
    for pattern, device, rule in tokens:
        found = pattern.search(ua)
        if found:
            return device, rule, found.group()
    screen = _screen_in_ua(ua)
    if screen:
        return screen[0], "ua-screen", screen[1]
    if _MACINTOSH.search(ua):
        found = _IOS_ONLY_BROWSER.search(ua)
        if found:
            return "tablet", "ios-browser-on-mac", f"Macintosh with {found.group()[:-1]}"

    android = _ANDROID.search(ua) is not None
    line = _model_line(ua, _platform(ua) if android else "")
    if line:
        return line[0], "tablet-model" if line[0] == "tablet" else "phone-model", line[1]
    if android:
        return _android_convention(ua)
    if base == "desktop" and not parsed.is_pc:
        mobi = _MOBI.search(ua)
        if mobi:
            return "mobile", "mobi-token", mobi.group()
        if parsed.os.family == "iOS":
            # An app's UA that names iOS but no device: iOS runs on no computer, and a
            # device on iPadOS says so (the row above); an iPhone is the likelier one.
            return "mobile", "ios-app", "iOS without a device name"
    return base, "library", f"{parsed.device.family or 'Other'} / {parsed.os.family or 'Other'}"


def _android_convention(ua: str) -> tuple[Device, str, str]:
    """Android's Mobile convention (UA rule 6), where a browser wrote the whole UA."""
    mobi = _MOBI.search(ua)
    if mobi:
        return "mobile", "android", f"Android with {mobi.group()}"
    if not _BROWSER.search(ua):
        return "mobile", "android-app", "Android app, not a browser"
    if _WEBKIT.search(ua) and not _SAFARI.search(ua):
        return "mobile", "android-cut", "Android, cut short before Safari"
    return "tablet", "android", "Android without Mobi"


def _screen_in_ua(ua: str) -> tuple[Device, str] | None:
    """The device an app's UA gives the screen of, by Android's 600 dp rule (row 4), or None."""
    found = _FB_SCREEN.search(ua)
    if found:
        density, width, height = float(found[1]), int(found[2]), int(found[3])
    else:
        found = _DPI_SCREEN.search(ua)
        if not found:
            return None
        density, width, height = int(found[1]) / _BASELINE_DPI, int(found[2]), int(found[3])
    if density <= 0:
        return None
    short_side = round(min(width, height) / density)
    device: Device = "mobile" if short_side < TABLET_MIN_SHORT_SIDE else "tablet"
    return device, f"screen {width}x{height} px at density {density:g} ({short_side} dp)"


def library_device(user_agent: str) -> Device:
    """What the ``user-agents`` library alone answers (the base the UA rules correct)."""
    import user_agents

    return _library_device(user_agents.parse(user_agent[:_MAX_UA_LENGTH]))


def _library_device(parsed: Any) -> Device:
    # A tablet is not mobile (the product contract); the library reports many as both.
    return "tablet" if parsed.is_tablet else "mobile" if parsed.is_mobile else "desktop"


def _platform(ua: str) -> str:
    """The first parenthesised comment, where browsers put the OS and the device model."""
    start = ua.find("(")
    if start < 0:
        return ""
    end = ua.find(")", start)
    return ua[start + 1 : end if end >= 0 else len(ua)]

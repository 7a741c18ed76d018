"""Where a floating interaction may sit: the config's ``placement`` block and each
interaction's ``avoid`` list, checked and resolved once, when the config compiles.

The engine never sees the page's layout, so it does not place anything. It gives the
loader, with each ``show`` / ``chat`` decision, everything the shell needs to place that
interaction (``web/placement.js`` measures and picks): the preferred corner, the CSS
selectors of what must stay uncovered (built-in ones, the site's global ones and the
interaction's own), the primary-action words, and the small-screen settings. The shell
keeps no defaults of its own. docs/embedding.md ("Placement") describes the rule.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from engine.validation import ConfigError, join

FLOATING = frozenset({"panel", "button", "chat"})
DEFAULT_CORNER = "bottom-right"
# What a site never wants covered, whatever its config says.
BUILT_IN_AVOID = ("[type=submit]", "form button", "form a[href]", "[data-engage-avoid]")
# A link or button whose accessible name holds one of these (as whole words) is avoided.
DEFAULT_WORDS = (
    "checkout", "check out", "pay", "pay now", "buy", "purchase", "place order", "order now",
    "add to cart", "add to bag", "add to basket", "sign in", "log in", "sign up", "register",
    "subscribe", "book now",
)  # fmt: skip
SMALL_SCREEN_WIDTH = 600  # CSS px: narrower viewports get a bottom sheet
SHEET_MAX_HEIGHT = 0.25  # share of the viewport height a bottom sheet may take

_PAIRS = {"(": ")", "[": "]"}
_FORBIDDEN = "{};<"


def selector_problem(selector: str) -> str | None:
    """Why a string cannot be a CSS selector list, or None if it may be one.

    A structural check (brackets, quotes, stray combinators and commas, characters that
    end a selector in a stylesheet): the browser's parser is the judge, and the loader
    reports a selector it rejects anyway; this catches the mistakes a site owner makes
    while typing, before the config is published.
    """
    text = selector.strip()
    if not text:
        return "an empty selector"
    stack: list[str] = []
    quote: str | None = None
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char in _PAIRS:
            stack.append(_PAIRS[char])
        elif char in ")]":
            if not stack or stack.pop() != char:
                return f'an unmatched "{char}"'
        elif char in _FORBIDDEN:
            return f'"{char}", which cannot be part of a selector'
    if quote:
        return f"an unclosed {quote} quote"
    if stack:
        return f'a missing "{stack[-1]}"'
    parts = [p.strip() for p in text.split(",")] if "(" not in text and "[" not in text else [text]
    if any(not p for p in parts):
        return "an empty item between commas"
    if text[0] in ">+~" or text[-1] in ">+~,":
        return f'a combinator "{text[0] if text[0] in ">+~" else text[-1]}" with nothing on one side'
    return None


def _check_selectors(selectors: list[str], path: str, errors: list[ConfigError]) -> tuple[str, ...]:
    good = []
    for index, selector in enumerate(selectors):
        problem = selector_problem(selector)
        if problem:
            errors.append(ConfigError(
                join(path, index),
                f"{json.dumps(selector)} is not a CSS selector ({problem}); write it as for "
                'document.querySelectorAll, e.g. "#checkout, .cookie-banner"',
            ))
        else:
            good.append(selector.strip())
    return tuple(good)


def compile_placements(
    raw: Mapping[str, Any], interactions: Mapping[str, Mapping[str, Any]], errors: list[ConfigError]
) -> Mapping[str, Mapping[str, Any]]:
    """Interaction id -> the ``placement`` object its show / chat decisions carry (floating
    interactions only). Bad selectors are reported by path and left out."""
    block = raw.get("placement")
    block = block if isinstance(block, Mapping) else {}
    shared = _check_selectors(list(block.get("avoid", [])), "placement.avoid", errors)
    words = tuple(w.strip().casefold() for w in block.get("primaryActionWords", DEFAULT_WORDS) if w.strip())
    base = {
        "auto": bool(block.get("auto", True)),
        "words": list(words),
        "smallScreenWidth": block.get("smallScreenWidth", SMALL_SCREEN_WIDTH),
        "sheetMaxHeight": block.get("sheetMaxHeight", SHEET_MAX_HEIGHT),
    }
    placements: dict[str, Mapping[str, Any]] = {}
    for iid, interaction in interactions.items():
        if interaction.get("type") not in FLOATING:
            continue
        own = _check_selectors(list(interaction.get("avoid", [])), join(join("interactions", iid), "avoid"), errors)
        avoid = list(dict.fromkeys((*BUILT_IN_AVOID, *shared, *own)))
        placements[iid] = MappingProxyType({
            **base, "corner": interaction.get("position", DEFAULT_CORNER), "avoid": avoid,
        })
    return MappingProxyType(placements)

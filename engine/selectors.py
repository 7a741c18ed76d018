"""CSS selectors in a config are parsed when it is compiled, as the browser would.

A selector the browser cannot parse (``#help[``) would only fail on the page, so the
schema marks every selector field with ``"x-css-selector": true`` and validation hands
each one to cssselect2's parser (pure Python, bundled with the engine, run in the CLI,
the playground and the browser alike). Only the syntax is checked: a pseudo-class the
parser does not know by name is left to the browser.
"""

from __future__ import annotations

from functools import cache


@cache
def selector_problem(selector: str) -> str | None:
    """The parser's message for a selector that is not valid CSS, or None."""
    from cssselect2 import parser

    try:
        for _ in parser.parse(selector):
            pass
    except parser.SelectorError as exc:
        detail = str(exc.args[1] if len(exc.args) > 1 else exc).replace("got None", "got the end of the selector")
        return f"invalid CSS selector {selector!r}: {detail}; check its brackets, quotes and combinators"
    return None

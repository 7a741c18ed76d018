"""Condition families, registered by ``type`` name.

Adding a condition type (say ``referrer``) touches three places and nothing else:

1. A module here, ``engine/conditions/referrer.py``, with a ``Condition`` subclass and
   ``register("referrer")(ReferrerCondition)``. It compiles its raw JSON once (every
   problem by path into ``ctx.errors``), says which facts it reads (``deps``) and which
   selectors or window paths the loader must watch (``selectors`` / ``custom_paths``), and
   tests a ``View``. Every module in this package is imported below, so it registers itself.
2. Its branch in ``engine/schema.json``: a ``condition.referrer`` definition whose
   ``type`` is ``{"const": "referrer"}``, listed in ``condition``'s ``oneOf``. Validation,
   editor completion and docs/config-reference.md (scripts/gen-config-reference) follow
   from it; a field description there is the reference's text. Then regenerate the leaf
   validators, ``python -m engine.tools.leaf_validators`` (a unit test fails until you do).
3. One case file, ``tests/cases/referrer.json``: configs and facts with the decisions they
   must give. ``tests/unit/test_cases.py`` runs it in CPython and
   ``tests/browser/test_cases_in_browser.py`` in the browser.

``tests/unit/test_condition_wiring.py`` checks that every registered type has all three
and that nothing else lists the types.
"""

import importlib
import pkgutil

from engine.conditions.base import (
    REGISTRY,
    CompileContext,
    Condition,
    CustomResult,
    SelectorResult,
    View,
)

# Every module of the package registers its conditions when imported; sorted, so the
# registry's order does not depend on the file system.
MODULES = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "base"))
for _name in MODULES:
    importlib.import_module(f"{__name__}.{_name}")

__all__ = [
    "MODULES",
    "REGISTRY",
    "CompileContext",
    "Condition",
    "CustomResult",
    "SelectorResult",
    "View",
]

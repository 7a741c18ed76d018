"""Condition families, registered by ``type`` name.

Adding a condition type means: a module here that registers a compiler, its branch in
``schema.json``, and cases in ``tests/cases/``. Importing this package loads them all.
"""

from engine.conditions import (
    audience,
    commerce,
    custom,
    device,
    dom,
    flows,
    login,
    static,
    time,
    url,
    visitor,
)
from engine.conditions.base import (
    REGISTRY,
    CompileContext,
    Condition,
    CustomResult,
    SelectorResult,
    View,
)

__all__ = [
    "REGISTRY",
    "CompileContext",
    "Condition",
    "CustomResult",
    "SelectorResult",
    "View",
    "audience",
    "commerce",
    "custom",
    "device",
    "dom",
    "flows",
    "login",
    "static",
    "time",
    "url",
    "visitor",
]

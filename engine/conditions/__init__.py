"""Condition families, registered by ``type`` name.

Adding a condition type means: a module here that registers a compiler, its branch in
``schema.json``, and cases in ``tests/cases/``. Importing this package loads them all.
"""

from engine.conditions import custom, device, dom, login, static, time, url
from engine.conditions.base import REGISTRY, CompileContext, Condition, CustomResult, SelectorResult, View

__all__ = [
    "REGISTRY",
    "CompileContext",
    "Condition",
    "CustomResult",
    "SelectorResult",
    "View",
    "custom",
    "device",
    "dom",
    "login",
    "static",
    "time",
    "url",
]

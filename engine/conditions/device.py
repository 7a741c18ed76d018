"""``device``: desktop, mobile or tablet, decided once per device fact (engine/device.py).

The trace reads which signal decided, e.g. "client hint: mobile=false, screen 800x1280,
pointer: coarse -> tablet".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.conditions.base import CompileContext, Condition, View, register


class DeviceCondition(Condition):
    type = "device"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.expected: str = raw["value"]
        self.negate = raw["operator"] == "isNot"

    def test(self, view: View) -> tuple[bool, object]:
        if view.device is None:
            return False, None
        return (view.device == self.expected) != self.negate, view.device_why or view.device

    def check(self) -> Callable[[View], bool]:
        expected, negate = self.expected, self.negate
        return lambda view: view.device is not None and (view.device == expected) != negate


register("device")(DeviceCondition)

"""The shop facts the site pushes: ``cartValue``, ``productsInCart``, ``viewedProduct``.

``match`` compares name, sku and category case-insensitively and for equality; every
field given must be equal. Match values are casefolded here, once; the pushed products
carry casefolded keys (``engine.behaviour``), so testing only compares strings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from engine import behaviour
from engine.conditions.base import CompileContext, Condition, View, register
from engine.validation import ConfigError

# (index in a product's key, casefolded value) for each field of a ``match``
Match = tuple[tuple[int, str], ...]


def compile_match(raw: Mapping[str, Any] | None, fields: Sequence[str]) -> Match:
    if not raw:
        return ()  # no match: any product
    return tuple((fields.index(name), str(value).casefold()) for name, value in raw.items())


def matches(key: Sequence[str], match: Match) -> bool:
    return all(key[index] == value for index, value in match)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def check_range(raw: Mapping[str, Any], low: str, high: str, path: str, ctx: CompileContext) -> tuple[float, float]:
    """``low`` <= ``high`` when both are given; open ends are infinite."""
    lo = float(raw.get(low, 0))
    hi = float(raw.get(high, float("inf")))
    if lo > hi:
        ctx.errors.append(ConfigError(
            f"{path}.{low}", f'"{low}" ({_number(lo)}) is more than "{high}" ({_number(hi)}); swap them'))
    return lo, hi


class CartValueCondition(Condition):
    """``between``: min <= total <= max (either end may be open; a visitor whose cart was
    never pushed matches no range). ``decreased``: the last change of the cart total
    lowered it; ``decreasedToZero``: the last change emptied it.

    With a ``currency``, min and max are in that currency: a cart pushed in another one is
    converted with the config's ``currencies`` rates and, without a rate for either, does
    not match; a cart pushed without a currency is taken to be in the condition's."""

    type = "cartValue"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.operator: str = raw["operator"]
        if self.operator == "between":
            if "min" not in raw and "max" not in raw:
                ctx.errors.append(ConfigError(
                    path, 'operator "between" needs "min", "max" or both: the cart totals that match, inclusive'))
            self.low, self.high = check_range(raw, "min", "max", path, ctx)
        else:
            for key in ("min", "max", "currency"):
                if key in raw:
                    ctx.errors.append(ConfigError(
                        f"{path}.{key}", f'"{key}" only goes with operator "between"; remove it or use "between"'))
            self.low, self.high = 0.0, float("inf")
        self.currency: str | None = str(raw["currency"]).upper() if "currency" in raw else None
        rates = ctx.config.get("currencies")
        self.rates = {str(k).upper(): float(v) for k, v in rates.items()} if isinstance(rates, dict) else {}
        if self.currency is not None and self.rates and self.currency not in self.rates:
            ctx.errors.append(ConfigError(
                f"{path}.currency", f'no rate for "{self.currency}" in "currencies" ({", ".join(self.rates)}); '
                f'add one, e.g. "{self.currency}": 1, or a cart in another currency never matches'))

    @property
    def deps(self) -> frozenset[str]:
        return frozenset({"cart"})

    def test(self, view: View) -> tuple[bool, object]:
        state = behaviour.view_state(view)
        if self.operator == "between":
            cart = behaviour.cart(state)
            if cart is None:
                return False, None
            total = self._converted(cart["total"], cart.get("currency"))
            if total is None:
                return False, f'{_number(cart["total"])} {cart.get("currency")}: no rate in "currencies"'
            return self.low <= total <= self.high, total
        totals = behaviour.cart_totals(state)  # a change of the total, in whatever currency
        if len(totals) < 2:
            return False, totals[-1] if totals else None
        before, now = totals[-2], totals[-1]
        result = now < before and (now == 0 or self.operator == "decreased")
        return result, f"{_number(before)} -> {_number(now)}"

    def _converted(self, total: float, currency: object) -> float | None:
        """The cart total in the condition's currency; None when there is no rate for it."""
        have = str(currency).upper() if currency else None
        if self.currency is None or have is None or have == self.currency:
            return total
        if have not in self.rates or self.currency not in self.rates:
            return None
        return round(total * self.rates[have] / self.rates[self.currency], 6)


class ProductsInCartCondition(Condition):
    """Whether the cart as last pushed holds a product with the ``match`` fields."""

    type = "productsInCart"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.includes = raw["operator"] == "includes"
        self.match = compile_match(raw.get("match"), behaviour.PRODUCT_FIELDS)

    @property
    def deps(self) -> frozenset[str]:
        return frozenset({"cart"})

    def test(self, view: View) -> tuple[bool, object]:
        cart = behaviour.cart(behaviour.view_state(view))
        products = cart["products"] if cart is not None else ()
        found = sum(1 for p in products if matches(p["key"], self.match))
        return (found > 0) == self.includes, found


class ViewedProductCondition(Condition):
    """Whether one of the (last 50 distinct) products the visitor viewed this session has
    the ``match`` fields and a price within ``minPrice``/``maxPrice``. A product pushed
    without a price never satisfies a price bound."""

    type = "viewedProduct"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.includes = raw["operator"] == "includes"
        self.match = compile_match(raw.get("match"), behaviour.PRODUCT_FIELDS)
        self.priced = "minPrice" in raw or "maxPrice" in raw
        self.low, self.high = check_range(raw, "minPrice", "maxPrice", path, ctx)

    @property
    def deps(self) -> frozenset[str]:
        return frozenset({"viewedProduct"})

    def _fits(self, item: Mapping[str, Any]) -> bool:
        if not matches(item["key"], self.match):
            return False
        if not self.priced:
            return True
        price = item.get("price")
        return price is not None and self.low <= price <= self.high

    def test(self, view: View) -> tuple[bool, object]:
        found = sum(1 for item in behaviour.viewed(behaviour.view_state(view)) if self._fits(item))
        return (found > 0) == self.includes, found


register("cartValue")(CartValueCondition)
register("productsInCart")(ProductsInCartCondition)
register("viewedProduct")(ViewedProductCondition)

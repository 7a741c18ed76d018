"""What the site pushes (cart, viewed products, errors, service activity, sections): checked, then stored."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.behaviour.flows import place, reach
from engine.behaviour.store import (
    CART_HISTORY_LIMIT,
    ERROR_FIELDS,
    ERROR_LIMIT,
    PRODUCT_FIELDS,
    PRODUCT_LIMIT,
    SERVICE_LIMIT,
    VIEWED_LIMIT,
    canonical_status,
    checked,
    fold,
    is_int,
)
from engine.validation import ConfigError, join, known_names, load_schema, unknown, walker

if TYPE_CHECKING:
    from engine.config import Config

# The push types rules read are those schema.json's `push` lists (one definition each):
# adding one there adds it here, and EXAMPLES must then give it an example (a unit test).
PUSH_TYPES = tuple(ref["$ref"].rsplit("push.", 1)[1] for ref in load_schema()["definitions"]["push"]["oneOf"])
# Push types the engine or the loader handle before a push reaches on_push; listed so a
# typo in one of them gets a "did you mean".
OTHER_PUSH_TYPES = ("login", "consent", "queueStatus", "conversion", "chatEnded")

EXAMPLES = {
    "cart": '{type: "cart", total: 120, currency: "EUR", products: [{name: "Phone X", sku: "PX-1", '
            'category: "phones", price: 120, quantity: 1}]}',
    "viewedProduct": '{type: "viewedProduct", name: "Phone X", sku: "PX-1", category: "phones", price: 120}',
    "error": '{type: "error", message: "Card declined", code: "E402"}',
    "serviceActivity": '{type: "serviceActivity", topic: "order checkbook", status: "Pending"}',
    "section": '{type: "section", sections: ["checkout"]}',
    "flowStep": '{type: "flowStep", flow: "purchase", step: "paid"}',
    "purchase": '{type: "purchase", total: 120, currency: "EUR", orderId: "A-1001"}',
}



@dataclass(frozen=True, slots=True)
class PushOutcome:
    changed: bool
    error: tuple[str, str] | None = None  # (field path, what is wrong and how to fix it)


def on_push(state: dict[str, Any], config: Config, data: Mapping[str, Any], now: int) -> PushOutcome:
    """Apply one ``engage.push`` object; report a wrong shape instead of raising."""
    kind = data.get("type")
    if kind is None:
        return PushOutcome(False, ("type", f'missing "type"; give one of: {", ".join(PUSH_TYPES + OTHER_PUSH_TYPES)}'))
    if kind == "conversion":
        return PushOutcome(False)  # for web/collect.js (data-collect); rules do not read it
    if kind not in PUSH_TYPES:
        return PushOutcome(False, ("type", unknown("push type", kind, list(PUSH_TYPES + OTHER_PUSH_TYPES))))
    data, problem = _check_push(kind, data)
    if problem is not None:
        return PushOutcome(False, problem)
    b = checked(state)
    if kind == "cart":
        return PushOutcome(_push_cart(b, data, now))
    if kind == "viewedProduct":
        return PushOutcome(_push_viewed(b, data, now))
    if kind == "error":
        return PushOutcome(_push_error(b, data, now))
    if kind == "serviceActivity":
        return PushOutcome(_push_service(b, data, now))
    if kind == "flowStep":
        return _push_flow_step(b, config, data, now)
    if kind == "purchase":
        # Every flow with a "purchase" event step reaches it.
        moved = [reach(b, config, f.name, i, now) for f in config.flows.values() if (i := f.event_step("purchase")) is not None]
        return PushOutcome(any(moved))
    return PushOutcome(_push_section(b, config, data, now))



def _check_push(kind: str, data: Mapping[str, Any]) -> tuple[Mapping[str, Any], tuple[str, str] | None]:
    """The push with its status spelled canonically, or the first problem with it."""
    if kind == "serviceActivity" and isinstance(data.get("status"), str | int):
        status = canonical_status(data["status"])
        if status is not None:
            data = {**data, "status": status}
    schema = walker()
    problems = schema.validate(data, schema.definition(f"push.{kind}"))
    if problems:
        return data, _push_problem(kind, problems[0])
    odd = _non_finite(data, "")
    if odd is not None:
        # NaN or Infinity would make the stored state invalid JSON for the page.
        return data, (odd, f"{odd}: must be a finite number; e.g. {EXAMPLES[kind]}")
    if kind == "viewedProduct" and not any(f in data for f in PRODUCT_FIELDS):
        return data, ("name", f"a viewed product needs a name, sku or category to be matched by; e.g. {EXAMPLES[kind]}")
    if kind == "error" and not any(f in data for f in ERROR_FIELDS):
        return data, ("message", f"an error needs a message, a code or both; e.g. {EXAMPLES[kind]}")
    return data, None


def _non_finite(value: object, path: str) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return path or "value"
    if isinstance(value, Mapping):
        return next((p for k, v in value.items() if (p := _non_finite(v, join(path, str(k)))) is not None), None)
    if isinstance(value, list):
        return next((p for i, v in enumerate(value) if (p := _non_finite(v, join(path, i))) is not None), None)
    return None


def _push_problem(kind: str, error: ConfigError) -> tuple[str, str]:
    missing = re.fullmatch(r'missing required field "([^"]+)"', error.message)
    if missing:
        path = join(error.path, missing.group(1))
        return path, f"{path}: missing; e.g. {EXAMPLES[kind]}"
    path = error.path or "type"
    return path, f"{path}: {error.message}; e.g. {EXAMPLES[kind]}"


def _item(data: Mapping[str, Any], fields: tuple[str, ...], extra: tuple[str, ...]) -> dict[str, Any]:
    """A product or error as stored: its fields as given, plus the casefolded match key."""
    item = {k: data[k] for k in (*fields, *extra) if k in data}
    item["key"] = [fold(item.get(k)) for k in fields]
    return item


def _push_cart(b: dict[str, Any], data: Mapping[str, Any], now: int) -> bool:
    products = [_item(p, PRODUCT_FIELDS, ("price", "quantity")) for p in data.get("products", [])]
    cart = {"total": data["total"], "currency": data.get("currency"), "products": products[:PRODUCT_LIMIT]}
    old = b["cart"]
    if old is not None and {k: old[k] for k in cart} == cart:
        return False  # the same cart again (a page load re-pushing it) is not a change
    b["cart"] = {**cart, "at": now}
    history = b["cartHistory"]
    if not history or history[-1]["total"] != cart["total"]:
        history.append({"total": cart["total"], "at": now})
        del history[:-CART_HISTORY_LIMIT]
    return True


def _push_viewed(b: dict[str, Any], data: Mapping[str, Any], now: int) -> bool:
    item = _item(data, PRODUCT_FIELDS, ("price",))
    viewed = b["viewed"]
    for index, seen in enumerate(viewed):
        if seen["key"] == item["key"] and seen.get("price") == item.get("price"):
            # Seen before: recency and count move, the set of viewed products does not.
            del viewed[index]
            viewed.append({**seen, "views": seen["views"] + 1, "at": now})
            return False
    viewed.append({**item, "views": 1, "at": now})
    del viewed[:-VIEWED_LIMIT]
    return True


def _push_error(b: dict[str, Any], data: Mapping[str, Any], now: int) -> bool:
    fields = dict(data)
    if is_int(fields.get("code")):
        fields["code"] = str(fields["code"])  # code 402 and code "402" are one error
    item = _item(fields, ERROR_FIELDS, ())
    errors = b["errors"]
    for index, seen in enumerate(errors):
        if seen["key"] == item["key"]:
            del errors[index]
            errors.append({**seen, "count": seen["count"] + 1, "last": now})
            return True  # every occurrence counts (visitorError "instance")
    errors.append({**item, "count": 1, "first": now, "last": now})
    del errors[:-ERROR_LIMIT]
    return True


def _push_service(b: dict[str, Any], data: Mapping[str, Any], now: int) -> bool:
    key = data["topic"].casefold()
    services = b["services"]
    old = services.pop(key, None)
    services[key] = {"topic": data["topic"], "status": data["status"], "at": now}
    while len(services) > SERVICE_LIMIT:
        del services[next(iter(services))]
    return old is None or old["status"] != data["status"]


def _push_flow_step(b: dict[str, Any], config: Config, data: Mapping[str, Any], now: int) -> PushOutcome:
    flow = config.flows.get(data["flow"])
    if flow is None:
        known = list(config.flows)
        return PushOutcome(False, ("flow", f'flow: no flow "{data["flow"]}"{known_names(data["flow"], known, "flows")}'))
    index = flow.step_named(data["step"])
    if index is None:
        names = ", ".join(f'"{s.name}"' for s in flow.steps)
        return PushOutcome(False, ("step", f'step: flow "{flow.name}" has no step "{data["step"]}"; its steps are {names}'))
    return PushOutcome(reach(b, config, flow.name, index, now))


def _push_section(b: dict[str, Any], config: Config, data: Mapping[str, Any], now: int) -> bool:
    sections = list(dict.fromkeys(s.casefold() for s in data["sections"]))
    page = b["page"]
    if set(page["sections"]) == set(sections):
        return False
    # The sections describe the current page view: they replace what it pushed before,
    # and a new page view starts with none.
    page["sections"] = sections
    place(b, config, now)
    return True



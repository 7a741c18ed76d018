"""Visitor behaviour: where the visitor has been and what the site told us about them.

Two halves, both pure:

* **Config**: entry points (named places: by URL, page title and/or pushed section; all
  given parts must hold) and flows (ordered steps over entry points), compiled once.
* **Session facts**: the hooks the engine calls (``on_page`` on every navigation step,
  ``on_push`` for ``engage.push`` objects, ``merge`` when another tab wrote its state)
  keep ``SessionState.behaviour``, a plain-JSON dict this module alone writes and reads.
  The conditions in ``engine/conditions/{flows,commerce,visitor}.py`` read it through the
  accessors at the bottom, never by indexing it themselves.

The state layout (``VERSION`` 1)::

    page         the current page view: url, title, at, sections (casefolded), in (entry
                 points it is in now) and seen (the distinct memberships it went through,
                 for flows: a section push or replaceState can change them mid-view)
    entryPoints  name -> {visits, ms (closed intervals), since (running interval start)}
    flows        name -> {at (step index or null), reached [indices], abandoned, backflow, completed}
    flowsBefore  the flows as the previous page views left them; the current view is
                 replayed onto them whenever its membership changes
    cart         {total, currency, products, at} or null; cartHistory [{total, at}] of totals
    viewed       distinct viewed products, most recent last (at most 50)
    errors       distinct errors with occurrence counts, most recent last (at most 50)
    services     casefolded topic -> {topic, status, at}

Matching values are casefolded once, when a push arrives (the ``key`` of products and
errors), as the conditions' values are at compile time: evaluation only compares strings.
docs/behaviour.md explains every semantic decision (flows especially).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.validation import ConfigError, join, known_names, unknown, walker

if TYPE_CHECKING:
    from engine.conditions.text import Matcher
    from engine.config import Config

VERSION = 1
VIEWED_LIMIT = 50
ERROR_LIMIT = 50
CART_HISTORY_LIMIT = 20
SERVICE_LIMIT = 50
PRODUCT_LIMIT = 200
# distinct memberships remembered within one page view (replaceState / section pushes)
SEEN_LIMIT = 20

SERVICE_STATUSES = (
    "Complete", "In Progress", "Approved", "Cancelled", "Not Approved", "Reviewed", "Missing Details",
    "Closed", "Removed", "Assigned", "Waiting for Customer Response", "Waiting for Response",
    "Pending", "Resolved",
)
PRODUCT_FIELDS = ("name", "sku", "category")
ERROR_FIELDS = ("message", "code")
PUSH_TYPES = ("cart", "viewedProduct", "error", "serviceActivity", "section")
# Push types the engine or the loader handle before a push reaches on_push; listed so a
# typo in one of them gets a "did you mean".
OTHER_PUSH_TYPES = ("login", "consent", "queueStatus")

EXAMPLES = {
    "cart": '{type: "cart", total: 120, currency: "EUR", products: [{name: "Phone X", sku: "PX-1", '
            'category: "phones", price: 120, quantity: 1}]}',
    "viewedProduct": '{type: "viewedProduct", name: "Phone X", sku: "PX-1", category: "phones", price: 120}',
    "error": '{type: "error", message: "Card declined", code: "E402"}',
    "serviceActivity": '{type: "serviceActivity", topic: "order checkbook", status: "Pending"}',
    "section": '{type: "section", sections: ["checkout"]}',
}


def _status_key(text: str) -> str:
    # "in_progress", "IN-PROGRESS" and "In  Progress" all name the same status.
    return " ".join(re.sub(r"[-_]", " ", text).split()).casefold()


_STATUS_BY_KEY = {_status_key(s): s for s in SERVICE_STATUSES}


def canonical_status(text: str) -> str | None:
    """The canonical spelling of a service status, matched case-insensitively."""
    return _STATUS_BY_KEY.get(_status_key(text))


# --------------------------------------------------------------------------- config


@dataclass(frozen=True, slots=True)
class EntryPoint:
    name: str
    url: Matcher | None
    title: Matcher | None
    section: str | None  # casefolded at compile time

    def contains(self, url: str, title: str, sections: frozenset[str]) -> bool:
        """Whether a page is in this entry point; ``sections`` are casefolded."""
        if self.url is not None and not self.url(url):
            return False
        if self.title is not None and not self.title(title):
            return False
        return self.section is None or self.section in sections


@dataclass(frozen=True, slots=True)
class FlowStep:
    entry_point: str
    required: bool


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    steps: tuple[FlowStep, ...]
    # Derived once: entry point -> its step indices, and the required steps before the last.
    by_entry_point: Mapping[str, tuple[int, ...]] = field(init=False, compare=False)
    required: tuple[int, ...] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, tuple[int, ...]] = {}
        for i, step in enumerate(self.steps):
            index[step.entry_point] = (*index.get(step.entry_point, ()), i)
        object.__setattr__(self, "by_entry_point", index)
        object.__setattr__(self, "required", tuple(i for i, s in enumerate(self.steps[:-1]) if s.required))

    @property
    def last(self) -> int:
        return len(self.steps) - 1

    def steps_in(self, entry_points: Iterable[str]) -> tuple[int, ...]:
        """The step indices a page in these entry points stands on, ascending."""
        found: set[int] = set()
        for name in entry_points:
            found.update(self.by_entry_point.get(name, ()))
        return tuple(sorted(found))


def compile_entry_points(raw: Mapping[str, Any], errors: list[ConfigError]) -> dict[str, EntryPoint]:
    # Imported here, not at the top: engine.conditions imports this module's accessors,
    # and importing the conditions package from here at load time would be circular.
    from engine.conditions.text import compile_text_match

    compiled = {}
    for name, spec in raw.items():
        path = join("entryPoints", name)
        matchers: dict[str, Matcher | None] = {}
        for key in ("url", "title"):
            match = spec.get(key)
            matchers[key] = None if match is None else compile_text_match(
                match["operator"], match["value"], bool(match.get("caseSensitive")), join(path, key), errors
            )
        section = spec.get("section")
        compiled[name] = EntryPoint(name, matchers["url"], matchers["title"], None if section is None else section.casefold())
    return compiled


def compile_flows(raw: Mapping[str, Any], entry_points: Mapping[str, EntryPoint], errors: list[ConfigError]) -> dict[str, Flow]:
    compiled = {}
    for name, spec in raw.items():
        steps = []
        first_index: dict[str, int] = {}
        for index, step in enumerate(spec["steps"]):
            ref = step["entryPoint"]
            path = f"{join(join('flows', name), 'steps')}[{index}].entryPoint"
            if ref not in entry_points:
                errors.append(ConfigError(path, f'no entry point "{ref}"{known_names(ref, list(entry_points), "entryPoints")}'))
            elif ref in first_index:
                # One entry point on two steps would make "which step is the visitor on" a guess.
                errors.append(ConfigError(
                    path, f'entry point "{ref}" is already step {first_index[ref] + 1} of this flow; '
                          "give each step its own entry point"))
            first_index.setdefault(ref, index)
            steps.append(FlowStep(ref, bool(step.get("required", True))))
        compiled[name] = Flow(name, tuple(steps))
    return compiled


# ---------------------------------------------------------------------------- state
# Stored state crosses a trust boundary (storage can be edited by hand or written by
# another engine version), so it is checked before this module indexes into it; a
# broken part is reset on its own, the rest is kept.


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_strings(value: object, length: int | None = None) -> bool:
    return (isinstance(value, list) and all(isinstance(v, str) for v in value)
            and (length is None or len(value) == length))


def _ok_page(p: Any) -> bool:
    return (isinstance(p, dict) and isinstance(p.get("url"), str) and isinstance(p.get("title"), str)
            and _is_int(p.get("at")) and _is_strings(p.get("sections")) and _is_strings(p.get("in"))
            and isinstance(p.get("seen"), list) and all(_is_strings(s) for s in p["seen"]))


def _ok_entry(e: Any) -> bool:
    return (isinstance(e, dict) and _is_int(e.get("visits")) and _is_int(e.get("ms"))
            and (e.get("since") is None or _is_int(e.get("since"))))


def _ok_flow(f: Any) -> bool:
    return (isinstance(f, dict) and (f.get("at") is None or (_is_int(f.get("at")) and f["at"] >= 0))
            and isinstance(f.get("reached"), list) and all(_is_int(i) for i in f["reached"])
            and all(isinstance(f.get(k), bool) for k in ("abandoned", "backflow", "completed")))


def _ok_item(item: Any, key_length: int) -> bool:
    return (isinstance(item, dict) and _is_strings(item.get("key"), key_length)
            and (item.get("price") is None or _is_number(item.get("price"))))


def _ok_cart(c: Any) -> bool:
    return c is None or (
        isinstance(c, dict) and _is_number(c.get("total")) and _is_int(c.get("at"))
        and (c.get("currency") is None or isinstance(c.get("currency"), str))
        and isinstance(c.get("products"), list) and all(_ok_item(p, 3) for p in c["products"]))


def _ok_list(items: Any, check: Any) -> bool:
    return isinstance(items, list) and all(check(i) for i in items)


_CHECKS: dict[str, Any] = {
    "page": _ok_page,
    "entryPoints": lambda d: isinstance(d, dict) and all(_ok_entry(e) for e in d.values()),
    "flows": lambda d: isinstance(d, dict) and all(_ok_flow(f) for f in d.values()),
    "flowsBefore": lambda d: isinstance(d, dict) and all(_ok_flow(f) for f in d.values()),
    "cart": _ok_cart,
    "cartHistory": lambda h: _ok_list(h, lambda i: isinstance(i, dict) and _is_number(i.get("total")) and _is_int(i.get("at"))),
    "viewed": lambda v: _ok_list(v, lambda i: _ok_item(i, 3) and _is_int(i.get("views")) and _is_int(i.get("at"))),
    "errors": lambda v: _ok_list(v, lambda i: _ok_item(i, 2) and _is_int(i.get("count")) and _is_int(i.get("last"))),
    "services": lambda d: isinstance(d, dict) and all(
        isinstance(s, dict) and s.get("status") in SERVICE_STATUSES and _is_int(s.get("at")) for s in d.values()),
}


def _new_page(url: str = "", title: str = "", at: int = 0) -> dict[str, Any]:
    return {"url": url, "title": title, "at": at, "sections": [], "in": [], "seen": []}


def _fresh() -> dict[str, Any]:
    return {
        "v": VERSION, "page": _new_page(), "entryPoints": {}, "flows": {}, "flowsBefore": {},
        "cart": None, "cartHistory": [], "viewed": [], "errors": [], "services": {},
    }


def _repair(state: dict[str, Any]) -> None:
    """Make ``state`` a valid behaviour state in place (the engine holds this very dict)."""
    if state.get("v") != VERSION:
        state.clear()
        state.update(_fresh())
        return
    fresh = _fresh()
    for key in list(state):
        if key not in fresh:
            del state[key]
    for key, default in fresh.items():
        if key != "v" and not _CHECKS[key](state.get(key)):
            state[key] = default


# Dicts already checked, by identity (the object is kept so its id cannot be reused).
# Conditions read the state on every evaluation; checking it once per session object
# keeps that a dictionary lookup. A handful covers the engine's live sessions.
_CHECKED: dict[int, dict[str, Any]] = {}


def _checked(state: dict[str, Any]) -> dict[str, Any]:
    if _CHECKED.get(id(state)) is not state:
        _repair(state)
        _CHECKED[id(state)] = state
        while len(_CHECKED) > 8:
            del _CHECKED[next(iter(_CHECKED))]
    return state


def _fold(value: object) -> str:
    return value.casefold() if isinstance(value, str) else ""


# --------------------------------------------------------------------------- hooks
# The engine calls these; they own ``SessionState.behaviour`` (plain JSON).


@dataclass(frozen=True, slots=True)
class PushOutcome:
    changed: bool
    error: tuple[str, str] | None = None  # (field path, what is wrong and how to fix it)


def on_page(state: dict[str, Any], config: Config, url: str, title: str, now: int, *, same_view: bool = False) -> None:
    """A navigation step (or, with ``same_view``, a new address for the same page view)."""
    b = _checked(state)
    if same_view:
        b["page"]["url"], b["page"]["title"] = url, title
    else:
        # Close the running intervals at the step: time accrues per page view, as
        # analytics tools count it (the engine cannot see a tab being closed).
        for entry in b["entryPoints"].values():
            _close(entry, now)
        b["flowsBefore"] = {name: _copy_flow(f) for name, f in b["flows"].items()}
        b["page"] = _new_page(url, title, now)
    _place(b, config, now)


def on_push(state: dict[str, Any], config: Config, data: Mapping[str, Any], now: int) -> PushOutcome:
    """Apply one ``engage.push`` object; report a wrong shape instead of raising."""
    kind = data.get("type")
    if kind is None:
        return PushOutcome(False, ("type", f'missing "type"; give one of: {", ".join(PUSH_TYPES + OTHER_PUSH_TYPES)}'))
    if kind not in PUSH_TYPES:
        return PushOutcome(False, ("type", unknown("push type", kind, list(PUSH_TYPES + OTHER_PUSH_TYPES))))
    data, problem = _check_push(kind, data)
    if problem is not None:
        return PushOutcome(False, problem)
    b = _checked(state)
    if kind == "cart":
        return PushOutcome(_push_cart(b, data, now))
    if kind == "viewedProduct":
        return PushOutcome(_push_viewed(b, data, now))
    if kind == "error":
        return PushOutcome(_push_error(b, data, now))
    if kind == "serviceActivity":
        return PushOutcome(_push_service(b, data, now))
    return PushOutcome(_push_section(b, config, data, now))


def merge(state: dict[str, Any], other: Mapping[str, Any]) -> bool:
    """Fold in what another tab of the same visitor learned; True when anything changed.

    Pushed facts are the visitor's, whichever tab saw them: the newer cart and service
    statuses win, viewed products and errors are united. Navigation is per tab, so flow
    positions stay this tab's, except that a flow completed anywhere is completed here.
    """
    b = _checked(state)
    theirs = dict(other)
    _repair(theirs)
    before = repr(b)
    if theirs["cart"] is not None and (b["cart"] is None or theirs["cart"]["at"] > b["cart"]["at"]):
        b["cart"] = theirs["cart"]
        history = sorted(b["cartHistory"] + theirs["cartHistory"], key=lambda h: h["at"])
        collapsed: list[dict[str, Any]] = []
        for entry in history:
            if not collapsed or collapsed[-1]["total"] != entry["total"]:
                collapsed.append(entry)
        b["cartHistory"] = collapsed[-CART_HISTORY_LIMIT:]
    b["viewed"] = _unite(b["viewed"], theirs["viewed"], lambda i: (*i["key"], i.get("price")), "views", "at", VIEWED_LIMIT)
    b["errors"] = _unite(b["errors"], theirs["errors"], lambda i: tuple(i["key"]), "count", "last", ERROR_LIMIT)
    for key, service in theirs["services"].items():
        mine = b["services"].get(key)
        if mine is None or service["at"] > mine["at"]:
            b["services"][key] = service
    for name, entry in theirs["entryPoints"].items():
        mine = b["entryPoints"].setdefault(name, {"visits": 0, "ms": 0, "since": None})
        mine["visits"], mine["ms"] = max(mine["visits"], entry["visits"]), max(mine["ms"], entry["ms"])
    for name, progress in theirs["flows"].items():
        if progress["completed"] and not b["flows"].get(name, {}).get("completed"):
            b["flows"][name], b["flowsBefore"][name] = _copy_flow(progress), _copy_flow(progress)
    return repr(b) != before


def _unite(mine: list[dict[str, Any]], theirs: list[dict[str, Any]], key: Any, count: str, at: str, limit: int) -> list[dict[str, Any]]:
    # The same push seen by both tabs is one fact, not two: counts take the larger.
    united: dict[Any, dict[str, Any]] = {key(i): dict(i) for i in mine}
    for item in theirs:
        have = united.get(key(item))
        if have is None:
            united[key(item)] = dict(item)
        else:
            have[count], have[at] = max(have[count], item[count]), max(have[at], item[at])
    return sorted(united.values(), key=lambda i: i[at])[-limit:]


# ---------------------------------------------------------------- entry points, flows


def _close(entry: dict[str, Any], now: int) -> None:
    if entry["since"] is not None:
        entry["ms"] += max(0, now - entry["since"])
        entry["since"] = None


def _place(b: dict[str, Any], config: Config, now: int) -> None:
    """Recompute which entry points the current page view is in, and what follows."""
    page = b["page"]
    sections = frozenset(page["sections"])
    inside = [name for name, ep in config.entry_points.items() if ep.contains(page["url"], page["title"], sections)]
    entries = b["entryPoints"]
    for name in set(page["in"]) - set(inside):
        if name in entries:
            _close(entries[name], now)
    for name in inside:
        if name not in page["in"]:
            entry = entries.setdefault(name, {"visits": 0, "ms": 0, "since": None})
            entry["visits"] += 1
            entry["since"] = now
    page["in"] = inside
    if not page["seen"] or page["seen"][-1] != inside:
        page["seen"].append(inside)
        del page["seen"][:-SEEN_LIMIT]
    for flow in config.flows.values():
        b["flows"][flow.name] = _replay(flow, b["flowsBefore"].get(flow.name), page["seen"])


def _new_flow() -> dict[str, Any]:
    return {"at": None, "reached": [], "abandoned": False, "backflow": False, "completed": False}


def _copy_flow(progress: Mapping[str, Any]) -> dict[str, Any]:
    return {**progress, "reached": list(progress["reached"])}


def _replay(flow: Flow, before: Mapping[str, Any] | None, seen: list[list[str]]) -> dict[str, Any]:
    """The flow after this page view: its memberships applied, in order, to ``before``.

    A page view whose membership changed (a section pushed after the page fact, a
    replaceState) is one visit to the flow: a moment outside it in the middle of the view
    is not a departure. Only where the view stands now can take the visitor out.
    """
    progress = _new_flow() if before is None else _copy_flow(before)
    if progress["at"] is not None and progress["at"] > flow.last:
        progress["at"] = None  # the config changed under a stored session
    visits = [flow.steps_in(names) for names in seen]
    for steps in [s for s in visits[:-1] if s] + visits[-1:]:
        _step(progress, flow, steps)
    return progress


def _step(progress: dict[str, Any], flow: Flow, steps: tuple[int, ...]) -> None:
    """One page view of the visitor, standing on ``steps`` of the flow (none: outside)."""
    if progress["completed"]:
        return  # a completed flow triggers nothing, whatever follows
    at = progress["at"]
    if not steps:
        if at is not None:
            progress["abandoned"] = True
        progress["at"] = None
        return
    # A page on several steps counts as the nearest step ahead (progress in order), else
    # the step the visitor is on (a refresh), else the nearest step behind.
    ahead = [i for i in steps if at is None or i > at]
    if ahead:
        target = ahead[0]
    elif at in steps:
        target = at
    else:
        target = steps[-1]
        progress["backflow"] = True
    progress["at"] = target
    if target not in progress["reached"]:
        progress["reached"] = sorted([*progress["reached"], target])
    if target == flow.last and all(i in progress["reached"] for i in flow.required):
        progress.update(completed=True, abandoned=False, backflow=False)


# ---------------------------------------------------------------------------- pushes


def _check_push(kind: str, data: Mapping[str, Any]) -> tuple[Mapping[str, Any], tuple[str, str] | None]:
    """The push with its status spelled canonically, or the first problem with it."""
    if kind == "serviceActivity" and isinstance(data.get("status"), str):
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
    item["key"] = [_fold(item.get(k)) for k in fields]
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
    if _is_int(fields.get("code")):
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


def _push_section(b: dict[str, Any], config: Config, data: Mapping[str, Any], now: int) -> bool:
    sections = list(dict.fromkeys(s.casefold() for s in data["sections"]))
    page = b["page"]
    if set(page["sections"]) == set(sections):
        return False
    # The sections describe the current page view: they replace what it pushed before,
    # and a new page view starts with none.
    page["sections"] = sections
    _place(b, config, now)
    return True


# ------------------------------------------------------------------------ accessors
# What conditions read. ``view_state`` checks the stored state once per session object.

EMPTY: Mapping[str, Any] = _fresh()


def view_state(view: Any) -> Mapping[str, Any]:
    session = getattr(view, "session", None)
    if session is None:
        return EMPTY
    return _checked(session.behaviour)


def entry_point_time(state: Mapping[str, Any], name: str, now: int) -> tuple[int, bool]:
    """Milliseconds spent in the entry point this session, and whether it still runs."""
    entry = state["entryPoints"].get(name)
    if entry is None:
        return 0, False
    running = entry["since"] is not None
    return entry["ms"] + (max(0, now - entry["since"]) if running else 0), running


def visits(state: Mapping[str, Any], name: str) -> int:
    entry = state["entryPoints"].get(name)
    return 0 if entry is None else int(entry["visits"])


def flow_progress(state: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    progress: Mapping[str, Any] | None = state["flows"].get(name)
    return progress


def cart(state: Mapping[str, Any]) -> Mapping[str, Any] | None:
    current: Mapping[str, Any] | None = state["cart"]
    return current


def cart_totals(state: Mapping[str, Any]) -> list[float]:
    """The cart totals the visitor went through, oldest first, each different from the last."""
    return [h["total"] for h in state["cartHistory"]]


def viewed(state: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items: list[Mapping[str, Any]] = state["viewed"]
    return items


def errors(state: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    items: list[Mapping[str, Any]] = state["errors"]
    return items


def service_status(state: Mapping[str, Any], topic: str) -> str | None:
    """The latest status of a topic (``topic`` casefolded)."""
    service = state["services"].get(topic)
    return None if service is None else str(service["status"])

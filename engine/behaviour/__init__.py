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
                 points it is in now), seen (the distinct memberships it went through,
                 for flows: a section push or replaceState can change them mid-view) and
                 pushed (flow steps reached by a push in this view: [{flow, step}])
    entryPoints  name -> {visits, ms (closed intervals), since (running interval start)};
                 also the combined time of each list of entry points one timeOnEntryPoint
                 condition names, under the names joined by U+001F (``group_key``)
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

Modules: ``places`` (config), ``store`` (state layout, checks, accessors), ``flows``
(navigation), ``pushes`` (engage.push), ``sync`` (other tabs).
"""

from engine.behaviour.flows import group_key, on_page
from engine.behaviour.places import EntryPoint, Flow, FlowStep, compile_entry_points, compile_flows
from engine.behaviour.pushes import OTHER_PUSH_TYPES, PUSH_TYPES, PushOutcome, on_push
from engine.behaviour.store import (
    CART_HISTORY_LIMIT,
    EMPTY,
    ERROR_FIELDS,
    ERROR_LIMIT,
    PRODUCT_FIELDS,
    PRODUCT_LIMIT,
    SEEN_LIMIT,
    SERVICE_LIMIT,
    SERVICE_STATUSES,
    VERSION,
    VIEWED_LIMIT,
    canonical_status,
    cart,
    cart_totals,
    entry_point_time,
    errors,
    flow_progress,
    service_status,
    view_state,
    viewed,
    visits,
)
from engine.behaviour.sync import merge

__all__ = [
    "CART_HISTORY_LIMIT",
    "EMPTY",
    "ERROR_FIELDS",
    "ERROR_LIMIT",
    "OTHER_PUSH_TYPES",
    "PRODUCT_FIELDS",
    "PRODUCT_LIMIT",
    "PUSH_TYPES",
    "SEEN_LIMIT",
    "SERVICE_LIMIT",
    "SERVICE_STATUSES",
    "VERSION",
    "VIEWED_LIMIT",
    "EntryPoint",
    "Flow",
    "FlowStep",
    "PushOutcome",
    "canonical_status",
    "cart",
    "cart_totals",
    "compile_entry_points",
    "compile_flows",
    "entry_point_time",
    "errors",
    "flow_progress",
    "group_key",
    "merge",
    "on_page",
    "on_push",
    "service_status",
    "view_state",
    "viewed",
    "visits",
]

"""Which interaction an outcome starts, given opening hours and queue status right now.

The first variant whose ``when`` holds overrides ``start``, ``language`` or ``queueKey``.
Variants are decided when the interaction is displayed, from the facts known then. A
language of ``"auto"`` is then the visitor's best match (``choose_language``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from engine.config import Outcome, When
from engine.languages import AUTO, best_language, config_languages, interaction_languages
from engine.schedule import Schedule

# queue key -> (agents available, queue length); None where the site has not said
QueueStatuses = Mapping[str, tuple[int | None, int | None]]


class Resolved(NamedTuple):
    start: str
    language: str | None
    queue_key: str | None


def resolve(outcome: Outcome, now: int, schedules: Mapping[str, Schedule], queues: QueueStatuses) -> Resolved:
    for variant in outcome.variants:
        if holds(variant.when, outcome.queue_key, now, schedules, queues):
            return Resolved(
                variant.start or outcome.start,
                variant.language or outcome.language,
                variant.queue_key or outcome.queue_key,
            )
    return Resolved(outcome.start, outcome.language, outcome.queue_key)


def choose_language(resolved: Resolved, visitor_languages: tuple[str, ...],
                    interactions: Mapping[str, Mapping[str, Any]]) -> Resolved:
    """``"auto"`` becomes the visitor's best match among the languages the started
    interaction's texts are written in (all interactions' when it has none), or the first
    of those when none suits the visitor."""
    if resolved.language != AUTO:
        return resolved
    available = interaction_languages(interactions.get(resolved.start, {})) or config_languages(interactions)
    chosen = best_language(visitor_languages, available) or (available[0] if available else None)
    return resolved._replace(language=chosen)


def holds(when: When, queue_key: str | None, now: int, schedules: Mapping[str, Schedule], queues: QueueStatuses) -> bool:
    if when.schedule is not None:
        schedule = schedules.get(when.schedule)
        if schedule is None or schedule.is_open(now) != when.open:
            return False
    agents, length = queues.get(when.queue or queue_key or "", (None, None))
    # An unknown queue status counts as no agents available (the contract says so) ...
    if when.agents_available is not None and not when.agents_available.holds(agents or 0):
        return False
    # ... and an unknown queue length satisfies no comparison: we cannot claim it is short.
    return when.queue_length is None or (length is not None and when.queue_length.holds(length))

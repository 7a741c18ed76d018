"""What the visitor did or met: ``visitorError``, ``engagedInSession``, ``serviceActivity``,
``aboutToAbandon``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine import behaviour
from engine.conditions.base import CompileContext, Condition, View, register
from engine.conditions.commerce import compile_match, matches
from engine.validation import ConfigError, known_names


class VisitorErrorCondition(Condition):
    """``includes``: the site reported at least ``instance`` errors with the ``match``
    fields this session (every push is one occurrence; ``instance`` 2 holds from the
    second on, so a third decline does not take the offer away). ``excludes``: fewer.
    With ``"instanceMatch": "exactly"``, ``includes`` holds only while the nth is the latest
    (from the nth occurrence until the next one) and ``excludes`` at any other count."""

    type = "visitorError"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.includes = raw["operator"] == "includes"
        self.match = compile_match(raw.get("match"), behaviour.ERROR_FIELDS)
        self.instance = int(raw.get("instance", 1))
        self.exactly = raw.get("instanceMatch") == "exactly"
        if "instanceMatch" in raw and "instance" not in raw:
            ctx.errors.append(ConfigError(
                f"{path}.instanceMatch", '"instanceMatch" says how "instance" counts; add "instance": N (1 is the first error)'))

    @property
    def deps(self) -> frozenset[str]:
        return frozenset({"errors"})

    def test(self, view: View) -> tuple[bool, object]:
        count = sum(e["count"] for e in behaviour.errors(behaviour.view_state(view)) if matches(e["key"], self.match))
        reached = count == self.instance if self.exactly else count >= self.instance
        return reached == self.includes, count


def content_engagement(interactions: Mapping[str, Mapping[str, Any]], interaction: str) -> bool:
    """Whether a click on ``interaction`` is also its interaction: "for content engagements,
    the 'clicked' and 'interacted' statuses are the same". Any interaction but a chat is
    content; a click on one whose button opens a chat starts the conversation at once, so
    it is interacted with as well. A chat is interacted with when it starts."""
    return interactions.get(interaction, {}).get("type") != "chat"


class EngagedInSessionCondition(Condition):
    """``includes``: one of the ``interactions`` (default: any) reached one of the
    ``statuses`` this session; ``excludes``: none did."""

    type = "engagedInSession"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.includes = raw["operator"] == "includes"
        self.statuses = frozenset(raw["statuses"])
        self.interactions: tuple[str, ...] | None = None
        if "interactions" in raw:
            self.interactions = tuple(raw["interactions"])
            known = ctx.names("interactions")
            for index, iid in enumerate(self.interactions):
                if iid not in known:
                    ctx.errors.append(ConfigError(
                        f"{path}.interactions[{index}]",
                        f'no interaction "{iid}"{known_names(iid, known, "interactions")}'))

    @property
    def deps(self) -> frozenset[str]:
        return frozenset({"engagement"})

    def test(self, view: View) -> tuple[bool, object]:
        reached: Mapping[str, list[str]] = view.session.statuses if view.session is not None else {}
        ids = reached if self.interactions is None else self.interactions
        found = [f"{iid}: {status}" for iid in ids for status in reached.get(iid, ()) if status in self.statuses]
        return bool(found) == self.includes, ", ".join(found) or None


class ServiceActivityCondition(Condition):
    """Whether the latest status the site pushed for ``topic`` is one of ``statuses``."""

    type = "serviceActivity"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)
        self.topic = str(raw["topic"]).casefold()
        self.statuses = frozenset(raw["statuses"])

    @property
    def deps(self) -> frozenset[str]:
        return frozenset({"serviceActivity"})

    def test(self, view: View) -> tuple[bool, object]:
        status = behaviour.service_status(behaviour.view_state(view), self.topic)
        return status in self.statuses, status


class AboutToAbandonCondition(Condition):
    """Exit intent on this page view, as the loader detected it (once per page view)."""

    type = "aboutToAbandon"

    def __init__(self, raw: Mapping[str, Any], path: str, ctx: CompileContext) -> None:
        super().__init__(raw)

    @property
    def deps(self) -> frozenset[str]:
        return frozenset({"exitIntent"})

    def test(self, view: View) -> tuple[bool, object]:
        return view.exit_intent, view.exit_intent


register("visitorError")(VisitorErrorCondition)
register("engagedInSession")(EngagedInSessionCondition)
register("serviceActivity")(ServiceActivityCondition)
register("aboutToAbandon")(AboutToAbandonCondition)

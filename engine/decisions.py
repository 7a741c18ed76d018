"""Output decisions: what the loader should do, as typed, frozen values.

``encode`` gives the JSON the bridge sends; field names are the public ones of
``engage:show`` / ``engage:hide`` details. ``controlGroup`` (on ``show`` and ``control``)
is not in those details: the results collector (web/collect.js) reads it as ``split``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Show:
    rule: str
    interaction: str
    interaction_type: str
    language: str | None
    queue_key: str | None
    content: Mapping[str, Any] = field(default_factory=dict)
    sticky: bool = False
    resumed: bool = False
    placement: Mapping[str, Any] | None = None  # engine/placement.py: floating interactions only
    handoff: Mapping[str, Any] | None = None  # engine/chat.py: a chat handed to a vendor's widget
    control_group: float | None = None  # the rule's controlGroup share (None: it holds no one back)


@dataclass(frozen=True, slots=True)
class Hide:
    rule: str
    interaction: str
    interaction_type: str
    reason: str


@dataclass(frozen=True, slots=True)
class Chat:
    rule: str
    interaction: str
    queue_key: str | None
    language: str | None
    resumed: bool = False
    placement: Mapping[str, Any] | None = None
    handoff: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Control:
    """A control-group visitor: the rule matched, nothing is shown, lift is measurable."""

    rule: str
    interaction: str
    interaction_type: str
    language: str | None
    queue_key: str | None
    control_group: float | None = None  # the rule's controlGroup share


@dataclass(frozen=True, slots=True)
class Survey:
    """A survey the visitor submitted: ``engage:survey`` and dataLayer ``engage_survey``."""

    rule: str
    interaction: str
    answers: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Error:
    code: str
    message: str
    path: str | None = None


Decision = Show | Hide | Chat | Control | Survey | Error


def encode(decision: Decision) -> dict[str, Any]:
    if isinstance(decision, Show):
        return {
            "type": "show", "rule": decision.rule, "interaction": decision.interaction,
            "interactionType": decision.interaction_type, "language": decision.language,
            "queueKey": decision.queue_key, "content": dict(decision.content),
            "sticky": decision.sticky, "resumed": decision.resumed, "controlGroup": decision.control_group,
            **_placement(decision.placement), **_handoff(decision.handoff),
        }
    if isinstance(decision, Hide):
        return {
            "type": "hide", "rule": decision.rule, "interaction": decision.interaction,
            "interactionType": decision.interaction_type, "reason": decision.reason,
        }
    if isinstance(decision, Chat):
        return {
            "type": "chat", "rule": decision.rule, "interaction": decision.interaction,
            "queueKey": decision.queue_key, "language": decision.language, "resumed": decision.resumed,
            **_placement(decision.placement), **_handoff(decision.handoff),
        }
    if isinstance(decision, Control):
        return {
            "type": "control", "rule": decision.rule, "interaction": decision.interaction,
            "interactionType": decision.interaction_type, "language": decision.language,
            "queueKey": decision.queue_key, "controlGroup": decision.control_group,
        }
    if isinstance(decision, Survey):
        return {"type": "survey", "rule": decision.rule, "interaction": decision.interaction, "answers": dict(decision.answers)}
    return {"type": "error", "code": decision.code, "message": decision.message, "path": decision.path}


def _placement(placement: Mapping[str, Any] | None) -> dict[str, Any]:
    return {} if placement is None else {"placement": {k: list(v) if isinstance(v, list) else v for k, v in placement.items()}}


def _handoff(handoff: Mapping[str, Any] | None) -> dict[str, Any]:
    return {} if handoff is None else {"handoff": dict(handoff)}

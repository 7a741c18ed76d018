"""The words the engine speaks to the shell and the site, each set defined once.

A ``StrEnum`` member is its string, so decisions, traces and stored state encode them as
before; docs/architecture.md lists the same sets, and tests/unit/test_vocabulary.py fails
when the two differ.
"""

from __future__ import annotations

from enum import StrEnum


class RuleStatus(StrEnum):
    """A rule's status in the evaluation trace (``trace.rules[].status``)."""

    SHOWN = "shown"  # matched and displayed, and the page is visible
    WAITING = "waiting"  # matched and displayed, shown when the page is next visible
    CONTROL = "control"  # matched, but the visitor is in the rule's control group: nothing shown
    MATCHED = "matched"  # matched; nothing (more) to display
    NOT_MATCHED = "notMatched"
    SKIPPED = "skipped"  # not tested: a rule above it decided
    SUPPRESSED = "suppressed"  # matched, but a rule above it is displayed
    CAPPED = "capped"  # matched, but its display cap is reached
    DECLINED = "declined"  # matched, but the visitor closed it in this page view


class EngagementStatus(StrEnum):
    """What a visitor did with an interaction, kept per interaction in the session."""

    EXPOSED = "exposed"
    DECLINED = "declined"
    CLICKED = "clicked"
    INTERACTED = "interacted"


class HideReason(StrEnum):
    """Why the engine takes an interaction down (``hide`` decisions' ``reason``)."""

    RULE_STOPPED_MATCHING = "ruleStoppedMatching"
    NAVIGATION = "navigation"
    CLOSED = "closed"
    REPLACED = "replaced"
    NEXT = "next"
    CHAT_ENDED = "chatEnded"
    SUBMITTED = "submitted"
    CHAT_FAILED = "chatFailed"  # the vendor's chat widget never loaded or threw (docs/chat.md)


class ErrorCode(StrEnum):
    """The ``code`` of an ``error`` decision."""

    CONFIG_INVALID = "config.invalid"
    FACT_INVALID = "fact.invalid"
    CUSTOM_FAILED = "custom.failed"
    PUSH_INVALID = "push.invalid"
    STATE_DISCARDED = "state.discarded"
    ACTION_INVALID = "action.invalid"
    SURVEY_INVALID = "survey.invalid"
    API_UNKNOWN_RULE = "api.unknownRule"
    API_UNKNOWN_INTERACTION = "api.unknownInteraction"

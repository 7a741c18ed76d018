"""Display bookkeeping: what is on screen, every change to it, and the caps and counts.

``Engine`` decides *which* rule's interaction should be displayed (engine/engine.py, the
invariants); ``Displays`` does the displaying: it keeps the interactions on screen by rule
name, emits ``show`` / ``hide`` / ``chat`` / ``control`` / ``survey`` decisions, records
the statuses and counts a display leaves in the session and visitor state (``exposed``,
``clicked``, ``declined``..., the frequency caps' counts), keeps sticky interactions (a
chat, a survey) in the session so the next page brings them back, and follows a chain
(``next``, a chat's ``after`` survey, a failed chat's fallback).

It reaches the rest of the engine only through ``Host``: the session and visitor state,
the clock, whether the tab is visible, where decisions and errors go, and how an outcome
resolves to an interaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine import chat
from engine import facts as F
from engine.conditions.visitor import content_engagement
from engine.config import Config, Outcome, Rule
from engine.decisions import Chat, Control, Decision, Hide, Show, Survey
from engine.languages import localize
from engine.outcomes import Resolved
from engine.state import SessionState, VisitorState
from engine.survey import STICKY, check_answers
from engine.validation import suggest
from engine.vocabulary import EngagementStatus, ErrorCode, HideReason, RuleStatus

MANUAL_RULE = "manual"


@dataclass
class Displayed:
    rule: str
    interaction: str
    type: str
    language: str | None
    queue_key: str | None
    regular: bool
    clicked: bool = False
    sticky: bool = False
    manual: bool = False
    # a control-group visitor's display: it holds the place, nothing is rendered
    control: bool = False
    # the rule's own chain start, so a re-test keeps the chain the visitor is in
    started_by: str = ""

    def as_sticky(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "interaction": self.interaction, "type": self.type,
            "language": self.language, "queueKey": self.queue_key, "regular": self.regular,
        }


@dataclass(frozen=True)
class Host:
    """What display bookkeeping needs from the engine around it."""

    session: Callable[[], SessionState]
    visitor: Callable[[], VisitorState]
    now: Callable[[], int]
    visible: Callable[[], bool]
    emit: Callable[[Decision], None]
    error: Callable[[ErrorCode, str, str | None], None]
    # the session or visitor state changed: the loader is sent it
    changed: Callable[[], None]
    resolve: Callable[[Outcome], Resolved]


class Displays:
    def __init__(self, config: Config, host: Host) -> None:
        self.config = config
        self._host = host
        # rule name -> what it displays (or holds, for a control-group visitor)
        self.shown: dict[str, Displayed] = {}

    # -------------------------------------------------------------- reading

    def find(self, rule: str, interaction: str) -> Displayed | None:
        shown = self.shown.get(rule)
        if shown is not None and shown.interaction == interaction:
            return shown
        return next((d for d in self.shown.values() if d.interaction == interaction), None)

    def regular(self) -> Displayed | None:
        """The regular display (invariant 3a: a sticky interaction is not it)."""
        return next((d for d in self.shown.values() if d.regular and not d.sticky), None)

    def status(self, shown: Displayed) -> RuleStatus:
        """The trace status of a displayed rule: what the visitor sees of it now."""
        if shown.control:
            return RuleStatus.CONTROL
        # A display decided in a hidden tab waits for the visitor to come back.
        return RuleStatus.SHOWN if self._host.visible() else RuleStatus.WAITING

    def capped(self, rule: Rule, flips: dict[int, int]) -> bool:
        """Over its frequency cap; a cap that lifts by itself sets the rule's flip in ``flips``."""
        freq = rule.frequency
        if not freq.active:
            return False
        session = self._host.session()
        count = session.displays.get(rule.name, 0)
        if freq.max_per_session is not None and count >= freq.max_per_session:
            return True
        if freq.max_per_visitor is not None and self._host.visitor().displays.get(rule.name, 0) >= freq.max_per_visitor:
            return True
        last = session.last_display_at.get(rule.name)
        now = self._host.now()
        if freq.min_interval_ms is not None and last is not None and now - last < freq.min_interval_ms:
            # The cap lifts by itself: wake the loader then, as a time condition would.
            ends = last + freq.min_interval_ms
            flips[rule.index] = min(flips.get(rule.index, ends), ends)
            return True
        return bool(freq.not_after & set(session.rule_statuses.get(rule.name, ())))

    # ------------------------------------------------------------ displaying

    def clear(self) -> None:
        """A new document: nothing is on screen."""
        self.shown = {}

    def resume_sticky(self, session: SessionState) -> None:
        """A new document shows nothing; bring back what the visitor had under way."""
        for item in session.sticky:
            shown = Displayed(
                item["rule"], item["interaction"], item.get("type", "chat"), item.get("language"),
                item.get("queueKey"), bool(item.get("regular", True)), clicked=True, sticky=True,
                started_by=item["interaction"],
            )
            self.shown[shown.rule] = shown
            content = localize(self.config.interactions.get(shown.interaction, {}), shown.language)
            where = self.config.placements.get(shown.interaction)
            handoff = chat.handoff(self.config.raw, shown.queue_key) if shown.type == "chat" else None
            self._host.emit(Show(shown.rule, shown.interaction, shown.type, shown.language, shown.queue_key, content, True, True, where, handoff,
                                 self._share(shown.rule)))
            if shown.type == "chat":
                self._host.emit(Chat(shown.rule, shown.interaction, shown.queue_key, shown.language, True, where, handoff))

    def display_rule(self, rule: Rule) -> RuleStatus:
        """Display a rule's outcome (or hold its place for a control-group visitor)."""
        start, language, queue_key = self._host.resolve(rule.outcome)
        interaction = self.config.interactions[start]
        if interaction["type"] == "detectLogin":
            return RuleStatus.MATCHED
        visitor = self._count(rule)
        if rule.control_group and bucket(visitor.visitor_id, rule.name) < rule.control_group:
            self._host.emit(Control(rule.name, start, interaction["type"], language, queue_key, self._share(rule.name)))
            # Held like a display, so it is neither raised again nor replaced by a lower rule.
            self.shown[rule.name] = Displayed(rule.name, start, interaction["type"], language, queue_key,
                                              regular=not rule.always_evaluate, control=True, started_by=start)
            return RuleStatus.CONTROL
        shown = Displayed(rule.name, start, interaction["type"], language, queue_key,
                          regular=not rule.always_evaluate, started_by=start)
        self._show(shown)
        return self.status(shown)

    def hide(self, shown: Displayed, reason: HideReason) -> None:
        self.shown.pop(shown.rule, None)
        if not shown.control:
            self._host.emit(Hide(shown.rule, shown.interaction, shown.type, reason))

    def trigger_rule(self, name: str) -> None:
        """``engage.triggerRule(name)``: the rule's outcome, without its conditions."""
        rule = self.config.rule(name)
        if rule is None:
            names = [r.name for r in self.config.rules]
            self._host.error(ErrorCode.API_UNKNOWN_RULE, f'triggerRule: no rule named "{name}"{suggest(name, names)}', "name")
            return
        start, language, queue_key = self._host.resolve(rule.outcome)
        interaction = self.config.interactions[start]
        self._replace_regular(rule.always_evaluate or interaction["type"] in STICKY)
        self._count(rule)
        self._show(Displayed(rule.name, start, interaction["type"], language, queue_key,
                             regular=not rule.always_evaluate, manual=True, started_by=start))

    def trigger_interaction(self, iid: str) -> None:
        """``engage.triggerInteraction(id)``: an interaction started directly."""
        interaction = self.config.interactions.get(iid)
        if interaction is None:
            hint = suggest(iid, list(self.config.interactions))
            self._host.error(ErrorCode.API_UNKNOWN_INTERACTION, f'triggerInteraction: no interaction "{iid}"{hint}', "id")
            return
        # A chat or survey started by the site co-exists with the regular display (3a).
        self._replace_regular(interaction["type"] in STICKY)
        held = self.shown.get(MANUAL_RULE)
        if held is not None:  # one display per rule name: the site's previous one goes
            self._drop_sticky(self._host.session(), held.interaction)
            self.hide(held, HideReason.REPLACED)
        self._show(Displayed(MANUAL_RULE, iid, interaction["type"], None, None, regular=True, manual=True, started_by=iid))

    # ---------------------------------------------------------- the visitor

    def on_action(self, fact: F.Action, declined: set[str]) -> None:
        """What the visitor did with an interaction; ``declined``: the page view's closed rules."""
        session = self._host.session()
        shown = self.find(fact.rule, fact.interaction)
        rule = shown.rule if shown else (fact.rule or None)
        if fact.action == "closed":
            session.add_status(fact.interaction, rule, EngagementStatus.DECLINED)
            if shown is not None:
                del self.shown[shown.rule]
                declined.add(shown.rule)
                self._drop_sticky(session, shown.interaction)
                self._host.emit(Hide(shown.rule, shown.interaction, shown.type, HideReason.CLOSED))
                self._follow_chat(shown)
        elif fact.action == "submitted":
            self._on_submitted(fact, shown, rule)
        elif fact.action == "clicked":
            session.add_status(fact.interaction, rule, EngagementStatus.CLICKED)
            if content_engagement(self.config.interactions, fact.interaction):
                session.add_status(fact.interaction, rule, EngagementStatus.INTERACTED)
            if shown is not None:
                shown.clicked = True
                if fact.next:
                    self._start_next(shown, fact.next)
        elif fact.action == "chatStarted":
            session.add_status(fact.interaction, rule, EngagementStatus.INTERACTED)
        elif fact.action == "chatFailed" and shown is not None and shown.type == "chat":
            self._chat_failed(session, shown)

    def end_chats(self, interaction: object) -> None:
        """``engage.push({type: "chatEnded"})``: the chat (all open ones, or the one named) ends."""
        session = self._host.session()
        for shown in list(self.shown.values()):
            if shown.type != "chat" or interaction not in (None, shown.interaction):
                continue
            del self.shown[shown.rule]
            self._drop_sticky(session, shown.interaction)
            self._host.emit(Hide(shown.rule, shown.interaction, shown.type, HideReason.CHAT_ENDED))
            self._follow_chat(shown)

    # -------------------------------------------------------------- private

    def _share(self, name: str) -> float | None:
        """The controlGroup share a show or control decision carries: its rule's, None if it holds no one back."""
        rule = self.config.rule(name)
        return (rule.control_group or None) if rule is not None else None

    def _count(self, rule: Rule) -> VisitorState:
        """A display of a rule's outcome, for the session and visitor frequency caps."""
        session = self._host.session()
        visitor = self._host.visitor()
        session.displays[rule.name] = session.displays.get(rule.name, 0) + 1
        session.last_display_at[rule.name] = self._host.now()
        visitor.displays[rule.name] = visitor.displays.get(rule.name, 0) + 1
        self._host.changed()
        return visitor

    def _show(self, shown: Displayed) -> None:
        session = self._host.session()
        content = localize(self.config.interactions[shown.interaction], shown.language)
        shown.sticky = shown.type in STICKY
        self.shown[shown.rule] = shown
        session.add_status(shown.interaction, shown.rule if not shown.manual else None, EngagementStatus.EXPOSED)
        self._host.changed()
        where = self.config.placements.get(shown.interaction)
        handoff = chat.handoff(self.config.raw, shown.queue_key) if shown.type == "chat" else None
        self._host.emit(Show(shown.rule, shown.interaction, shown.type, shown.language, shown.queue_key, content, shown.sticky,
                             placement=where, handoff=handoff, control_group=self._share(shown.rule)))
        if shown.sticky:
            session.sticky = [s for s in session.sticky if s["rule"] != shown.rule] + [shown.as_sticky()]
        if shown.type == "chat":
            self._host.emit(Chat(shown.rule, shown.interaction, shown.queue_key, shown.language, placement=where, handoff=handoff))

    def _start_next(self, shown: Displayed, next_id: str) -> None:
        if next_id not in self.config.interactions:
            self._host.error(ErrorCode.ACTION_INVALID, f'interaction "{next_id}" does not exist', "next")
            return
        self.hide(shown, HideReason.NEXT)
        if any(d.sticky and d.interaction == next_id for d in self.shown.values()):
            return  # that chat is already open (started by another rule): no second window
        following = Displayed(shown.rule, next_id, self.config.interactions[next_id]["type"], shown.language,
                              shown.queue_key, shown.regular, clicked=True, manual=shown.manual,
                              started_by=shown.started_by)
        self._show(following)

    def _chat_failed(self, session: SessionState, shown: Displayed) -> None:
        """The vendor's widget never loaded or threw: the chat goes, the config's fallback follows."""
        self._drop_sticky(session, shown.interaction)
        self.hide(shown, HideReason.CHAT_FAILED)
        name = chat.fallback(self.config.raw)
        if name is not None and name in self.config.interactions:
            self._show(Displayed(shown.rule, name, self.config.interactions[name]["type"], shown.language,
                                 shown.queue_key, shown.regular, clicked=True, manual=shown.manual,
                                 started_by=shown.started_by))

    def _follow_chat(self, ended: Displayed) -> None:
        """A chat that ended: its survey (``after``) follows in the same chain."""
        after = self.config.interactions.get(ended.interaction, {}).get("after")
        if ended.type == "chat" and isinstance(after, str) and after in self.config.interactions:
            self._show(Displayed(ended.rule, after, "survey", ended.language, ended.queue_key, ended.regular,
                                 clicked=True, manual=ended.manual, started_by=ended.started_by))

    def _on_submitted(self, fact: F.Action, shown: Displayed | None, rule: str | None) -> None:
        survey = self.config.interactions.get(fact.interaction, {})
        if survey.get("type") != "survey":
            self._host.error(ErrorCode.ACTION_INVALID, f'interaction "{fact.interaction}" is not a survey; only surveys are submitted', "interaction")
            return
        answers, problems = check_answers(survey, fact.answers or {})
        if problems:
            self._host.error(ErrorCode.SURVEY_INVALID, f'survey "{fact.interaction}": {"; ".join(problems)}; those answers were left out', "answers")
        session = self._host.session()
        session.add_status(fact.interaction, rule, EngagementStatus.CLICKED)
        session.add_status(fact.interaction, rule, EngagementStatus.INTERACTED)
        self._host.emit(Survey(rule or MANUAL_RULE, fact.interaction, answers))
        if shown is not None:
            del self.shown[shown.rule]
            self._drop_sticky(session, shown.interaction)
            self._host.emit(Hide(shown.rule, shown.interaction, shown.type, HideReason.SUBMITTED))

    def _drop_sticky(self, session: SessionState, interaction: str) -> None:
        session.sticky = [s for s in session.sticky if s["interaction"] != interaction]

    def _replace_regular(self, always: bool) -> None:
        if always:
            return
        for shown in list(self.shown.values()):
            if shown.regular and not shown.sticky:
                self.hide(shown, HideReason.REPLACED)


def bucket(visitor_id: str, rule: str) -> float:
    """A stable number in [0, 1) per visitor and rule; rules' buckets do not correlate."""
    digest = hashlib.sha256(f"{visitor_id}\x00{rule}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64

"""The rules engine as a sans-I/O state machine: facts in, decisions out.

    engine = Engine(config, stored_state)
    engine.receive([Page(now, url, ...), Tick(now), ...])
    for decision in engine.decisions(): ...
    engine.watch      # what the loader must observe, and when a tick can matter next
    engine.state()    # what the loader must persist

Invariants (each is covered by tests/cases):

1. Nothing here reads a clock, the DOM, storage or the network. Time is the ``now`` of
   the facts; the same facts always give the same decisions.
2. Rules are tried top to bottom. The first matching *regular* rule wins and the ones
   below it are not tried. ``alwaysEvaluate`` rules are tested independently of all
   others and never block or get blocked.
3. At most one regular rule's interaction is displayed at a time. While one is displayed,
   a regular rule that starts matching later is *suppressed*, whatever its place. When
   none is displayed, the highest matching regular rule is displayed.
3a. Sticky interactions (``survey.STICKY``: a chat, a post-chat survey) co-exist: regular
   rules are evaluated and displayed as if they were not there. Only a rule whose own
   chain is in a sticky interaction is not displayed again while it is; it holds its
   place in the list (the rules below it stay blocked), as a displayed rule does.
4. A displayed interaction whose rule stops matching is hidden, unless the visitor
   clicked it or it is sticky (a chat under way) or it was started by the site through
   ``triggerRule`` / ``triggerInteraction``.
5. A navigation step re-evaluates from scratch: the displayed regular interaction is
   replaced by the new winner, kept if the winner is the same rule, or removed. Sticky
   interactions survive navigation and page loads, until the visitor closes them or the
   chat ends (``chatEnded``); a chat with ``after`` is then followed by its survey.
6. A rule whose interaction the visitor closed is not shown again in that page view, and
   it keeps its place: the rules below it stay blocked, so closing a panel never makes
   the next one pop up. A rule over its frequency cap is passed over as if it did not
   match, so lower rules (a default fallback) can take its place.
7. Only rules that can change are re-tested on a tick: rules holding a time or custom
   condition, and only when a time condition's flip moment has passed or a polled value
   changed. An idle tick tests nothing and emits nothing.
8. Malformed facts become ``error`` decisions; they never change state.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine import audience, behaviour, chat
from engine import facts as F
from engine.conditions.base import CustomResult, SelectorResult, View
from engine.conditions.visitor import content_engagement
from engine.config import Config, Outcome, Rule
from engine.decisions import Chat, Control, Decision, Error, Hide, Show, Survey
from engine.languages import localize
from engine.outcomes import Resolved, choose_language, resolve
from engine.state import (
    HISTORY_LIMIT,
    SESSION_IDLE_MS,
    SessionState,
    VisitorState,
    session_from_json,
    visitor_from_json,
)
from engine.survey import STICKY, check_answers
from engine.trace import RuleTrace, Trace, test_rule
from engine.validation import suggest
from engine.vocabulary import EngagementStatus, ErrorCode, HideReason, RuleStatus

# Evaluation modes, in increasing strength: a batch runs the strongest one it needs.
NONE, TICK, RECHECK, NAVIGATION = 0, 1, 2, 3
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


@dataclass(frozen=True, slots=True)
class Watch:
    """What the shell gathers for the engine: the answer to `init` (before any evaluation)
    and to each message after it, when it changed."""

    selectors: tuple[str, ...]
    custom_paths: tuple[str, ...]
    next_tick_at: int | None
    queues: tuple[tuple[str, str], ...] = ()  # queue key, statusUrl: read for queueStatus facts
    device: bool = False  # a device condition reads the high-entropy client hints

    def to_json(self) -> dict[str, Any]:
        return {"selectors": list(self.selectors), "customPaths": list(self.custom_paths), "nextTickAt": self.next_tick_at,
                "queues": dict(self.queues), "device": self.device}


@dataclass
class PageView:
    started_at: int = 0
    declined: set[str] = field(default_factory=set)
    memo: dict[int, RuleTrace] = field(default_factory=dict)
    exit_intent: bool = False


class Engine:
    def __init__(
        self,
        config: Config,
        session: Mapping[str, Any] | None = None,
        visitor: Mapping[str, Any] | None = None,
        *,
        visitor_seed: str = "",
    ) -> None:
        self.config = config
        self._stored_session = session
        self._stored_visitor = visitor
        self._visitor_seed = visitor_seed
        self._session: SessionState | None = None
        self._visitor: VisitorState | None = None
        self._pending: list[Decision] = []
        self._now = 0
        self._page = PageView()
        self._title = ""
        self._selectors: dict[str, SelectorResult] = {}
        self._custom: dict[str, CustomResult] = {}
        self._queues: dict[str, tuple[int | None, int | None]] = {}
        self._displayed: dict[str, Displayed] = {}
        self._device_fact: F.Device | None = None
        self._visible = True
        self._visible_since: int | None = None
        self._visible_ms_page = 0
        self._visible_ms_site = 0
        self._waiting: list[Decision] = []
        self._changed: set[str] = set()
        self._next_flip: int | None = None
        # rule index -> the earliest now at which one of its time conditions can flip
        self._flips: dict[int, int] = {}
        self._reported: set[str] = set()
        self._state_dirty = False
        self._trace: Trace | None = None
        self._trace_memo: dict[int, RuleTrace] | None = None
        # rule index -> what the last evaluation did with it, for the trace
        self._statuses: dict[int, RuleStatus] = {}
        self._login_changed = False
        # the page view's referrer and the browser's languages (engine.audience)
        self._referrer = ""
        self._languages: tuple[str, ...] = ()
        # Called with a rule's name just before the rule is tested: the worker's probe mode
        # (docs/architecture.md, "Watchdog") uses it to name a rule that never finishes.
        self.probe: Callable[[str], object] | None = None

    # ----------------------------------------------------------------- public API

    def receive(self, batch: Iterable[F.Fact | F.FactError]) -> None:
        """Apply facts in order, then evaluate once with the strongest mode they need."""
        mode = NONE
        cause = ""
        for fact in batch:
            if isinstance(fact, F.FactError):
                self._error(ErrorCode.FACT_INVALID, str(fact))
                continue
            fact_mode = self._apply(fact)
            if fact_mode >= mode and fact_mode:
                mode, cause = fact_mode, _cause(fact)
        if mode:
            self._evaluate(mode, cause)
            if self._login_changed:
                # A login detected during this evaluation changes what login conditions
                # read: re-check once so they see it now, not on the next trigger.
                self._login_changed = False
                self._evaluate(RECHECK, "login")

    def receive_json(self, batch: Iterable[object]) -> None:
        self.receive(F.decode(item) for item in batch)

    def decisions(self) -> list[Decision]:
        """Drain what the loader should do now."""
        out, self._pending = self._pending, []
        return out

    @property
    def watch(self) -> Watch:
        return Watch(self.config.selectors, self.config.custom_paths, self._next_flip, self.config.status_urls, self.config.needs_device)

    @property
    def now(self) -> int:
        """The latest time the facts have told the engine about."""
        return self._now

    @property
    def trace(self) -> Trace | None:
        return self._trace

    def state(self) -> dict[str, Any]:
        """The state the loader persists: session and visitor, as plain JSON."""
        session = self._ensure_session()
        visitor = self._ensure_visitor()
        return {"session": session.to_json(), "visitor": visitor.to_json()}

    def take_state_change(self) -> dict[str, Any] | None:
        """The state when it changed since the last call, else None (idle ticks write nothing)."""
        if not self._state_dirty:
            return None
        self._state_dirty = False
        return self.state()

    # ------------------------------------------------------------- applying facts

    def _apply(self, fact: F.Fact) -> int:
        now = getattr(fact, "now", None)
        if now is not None:
            self._advance(now)
        match fact:
            case F.Page():
                return self._on_page(fact)
            case F.Tick():
                return TICK
            case F.Selectors():
                self._merge_results(self._selectors, fact.results, "dom")
                return NONE
            case F.Custom():
                self._merge_results(self._custom, fact.results, "custom")
                for path, result in fact.results.items():
                    if result.error and f"custom:{path}" not in self._reported:
                        self._reported.add(f"custom:{path}")
                        self._error(ErrorCode.CUSTOM_FAILED, f'custom path "{path}" failed: {result.error}; it counts as false', path)
                return NONE
            case F.Device():
                # The loader sends what it knows at boot and again when the high-entropy
                # client hints arrive: a changed fact re-checks the rules that read it.
                changed = self._device_fact is not None and fact != self._device_fact
                self._device_fact = fact
                return RECHECK if changed and self.config.needs_device else NONE
            case F.Action():
                self._touch()
                return self._on_action(fact)
            case F.Evaluate():
                return RECHECK
            case F.TriggerRule():
                self._touch()
                self._trigger_rule(fact.name)
                return NONE
            case F.TriggerInteraction():
                self._touch()
                self._trigger_interaction(fact.id)
                return NONE
            case F.QueueStatus():
                status = (fact.agents_available, fact.queue_length)
                changed = self._queues.get(fact.queue_key) != status
                self._queues[fact.queue_key] = status
                return RECHECK if changed else NONE
            case F.Push():
                self._touch()
                return self._on_push(fact)
            case F.Visibility():
                return self._on_visibility(fact)
            case F.ExitIntent():
                # Exit intent counts once per page view: a visitor wiggling the pointer
                # along the top edge must not re-trigger it.
                if self._page.exit_intent:
                    return NONE
                self._page.exit_intent = True
                return RECHECK
            case F.SessionSync():
                return self._on_sync(fact)
        return NONE

    def _advance(self, now: int) -> None:
        self._now = max(self._now, now)
        if self._session is not None and self._now - self._session.last_seen_at > SESSION_IDLE_MS:
            # The visitor was idle past the session limit: what follows is a new session.
            self._session = None
            self._stored_session = None
            self._page.memo.clear()
            self._flips.clear()

    def _touch(self) -> None:
        """Visitor activity: it keeps the session alive and the visitor's counts from expiring."""
        self._ensure_session().last_seen_at = self._now
        self._ensure_visitor().last_seen_at = self._now
        self._state_dirty = True

    def _merge_results(self, table: dict[str, Any], results: Mapping[str, Any], prefix: str) -> None:
        for key, value in results.items():
            if table.get(key) != value:
                table[key] = value
                self._changed.add(f"{prefix}:{key}")

    def _on_page(self, fact: F.Page) -> int:
        session = self._ensure_session()
        audience.on_page(session, self._ensure_visitor(), fact.url, fact.referrer)
        if fact.cause != "replaceState":
            self._referrer = fact.referrer
        if fact.languages is not None:
            self._languages = fact.languages
        self._touch()
        self._title = fact.title
        if fact.cause == "replaceState":
            # Same page view, new address: keep the history step, re-check the rules.
            if session.history:
                session.history[-1] = fact.url
            else:
                session.history.append(fact.url)
            behaviour.on_page(session.behaviour, self.config, fact.url, fact.title, self._now, same_view=True)
            return RECHECK
        is_reload = fact.reload and fact.cause == "load" and session.history[-1:] == [fact.url]
        if not is_reload:
            session.history.append(fact.url)
            del session.history[:-HISTORY_LIMIT]
        self._page = PageView(started_at=self._now)
        behaviour.on_page(session.behaviour, self.config, fact.url, fact.title, self._now)
        self._visible_ms_page = 0
        if self._visible:
            # Visible time of the previous page view is banked for onSite; a new one starts.
            if self._visible_since is not None:
                self._visible_ms_site += self._now - self._visible_since
            self._visible_since = self._now
        if fact.cause == "load":
            self._displayed = {}
            self._resume_sticky(session)
        return NAVIGATION

    def _resume_sticky(self, session: SessionState) -> None:
        # A new document shows nothing; bring back what the visitor had under way.
        for item in session.sticky:
            shown = Displayed(
                item["rule"], item["interaction"], item.get("type", "chat"), item.get("language"),
                item.get("queueKey"), bool(item.get("regular", True)), clicked=True, sticky=True,
                started_by=item["interaction"],
            )
            self._displayed[shown.rule] = shown
            content = localize(self.config.interactions.get(shown.interaction, {}), shown.language)
            where = self.config.placements.get(shown.interaction)
            handoff = chat.handoff(self.config.raw, shown.queue_key) if shown.type == "chat" else None
            self._emit(Show(shown.rule, shown.interaction, shown.type, shown.language, shown.queue_key, content, True, True, where, handoff))
            if shown.type == "chat":
                self._emit(Chat(shown.rule, shown.interaction, shown.queue_key, shown.language, True, where, handoff))

    def _on_action(self, fact: F.Action) -> int:
        session = self._ensure_session()
        shown = self._find_displayed(fact.rule, fact.interaction)
        rule = shown.rule if shown else (fact.rule or None)
        if fact.action == "closed":
            session.add_status(fact.interaction, rule, EngagementStatus.DECLINED)
            if shown is not None:
                del self._displayed[shown.rule]
                self._page.declined.add(shown.rule)
                self._drop_sticky(session, shown.interaction)
                self._emit(Hide(shown.rule, shown.interaction, shown.type, HideReason.CLOSED))
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
        # Statuses are recorded, but nothing is re-evaluated: closing one interaction must
        # not make another pop up. The next trigger (a tick, a page) reads the statuses.
        return NONE

    def _on_push(self, fact: F.Push) -> int:
        data = fact.data
        kind = data.get("type")
        if kind == "login":
            detected = bool(data.get("detected", True))
            session = self._ensure_session()
            if session.login != detected:
                session.login = detected
                return RECHECK
            return NONE
        if kind in ("consent", "queueStatus"):
            return NONE  # handled by the loader (storage) and the QueueStatus fact
        if kind == "chatEnded":
            self._end_chats(data.get("interaction"))
            return NONE
        session = self._ensure_session()
        outcome = behaviour.on_push(session.behaviour, self.config, data, self._now)
        if outcome.error is not None:
            field_path, message = outcome.error
            self._error(ErrorCode.PUSH_INVALID, f"engage.push({kind or 'no type'}): {message}; the push was ignored", field_path)
            return NONE
        if outcome.changed:
            self._state_dirty = True
            return RECHECK
        return NONE

    def _on_visibility(self, fact: F.Visibility) -> int:
        if fact.visible == self._visible:
            return NONE
        self._visible = fact.visible
        # activeOnly time conditions read visibility: their flip moments move.
        self._changed.add("visibility")
        if fact.visible:
            self._visible_since = self._now
            waiting, self._waiting = self._waiting, []
            self._pending.extend(waiting)
        else:
            if self._visible_since is not None:
                spent = self._now - self._visible_since
                self._visible_ms_page += spent
                self._visible_ms_site += spent
            self._visible_since = None
        return TICK

    def _on_sync(self, fact: F.SessionSync) -> int:
        other, _warning = session_from_json(fact.state.get("session"), self._now)
        if other is None:
            return NONE
        session = self._ensure_session()
        before = session.to_json()
        for interaction, statuses in other.statuses.items():
            for status in statuses:
                session.add_status(interaction, None, status)
        for rule, statuses in other.rule_statuses.items():
            for status in statuses:
                session.rule_statuses.setdefault(rule, [])
                if status not in session.rule_statuses[rule]:
                    session.rule_statuses[rule].append(status)
        for rule, count in other.displays.items():
            session.displays[rule] = max(count, session.displays.get(rule, 0))
        session.login = session.login or other.login
        session.last_seen_at = max(session.last_seen_at, other.last_seen_at)
        behaviour.merge(session.behaviour, other.behaviour)
        # Mark the state changed only when the merge changed it: tabs that wrote each other
        # an unchanged state would otherwise echo storage events back and forth forever.
        if session.to_json() == before:
            return NONE
        self._state_dirty = True
        return RECHECK

    # ------------------------------------------------------------------ sessions

    def _ensure_session(self) -> SessionState:
        if self._session is None:
            state, warning = session_from_json(self._stored_session, self._now)
            self._stored_session = None
            if warning:
                self._error(ErrorCode.STATE_DISCARDED, warning)
            if state is None:
                state = SessionState(started_at=self._now, last_seen_at=self._now)
                self._visible_ms_site = 0
            self._session = state
            self._state_dirty = True
        return self._session

    def _ensure_visitor(self) -> VisitorState:
        if self._visitor is None:
            state, warning = visitor_from_json(self._stored_visitor, self._now)
            self._stored_visitor = None
            if warning:
                self._error(ErrorCode.STATE_DISCARDED, warning)
            if state is None:
                seed = f"{self._visitor_seed}:{self._now}".encode()
                state = VisitorState(hashlib.sha256(seed).hexdigest()[:16], self._now, self._now)
            self._visitor = state
            self._state_dirty = True
        return self._visitor

    def _device(self, session: SessionState) -> tuple[str, str] | None:
        """(device type, why) for this session; decided once per distinct device fact."""
        fact = self._device_fact
        stored = session.device if isinstance(session.device, dict) else {}  # storage can be edited
        if fact is None:
            kind = stored.get("type")
            return (kind, str(stored.get("why", ""))) if isinstance(kind, str) else None
        key = json.loads(json.dumps(dataclasses.astuple(fact)))  # as it reads back from storage
        if stored.get("key") != key or not isinstance(stored.get("type"), str):
            # Parsing a User-Agent is the costliest thing a visitor pays for; once per session.
            from engine.device import decide

            # Only the hints changed (they arrive after boot): reuse the stored UA reading.
            known = stored.get("ua") if isinstance(stored.get("key"), list) and stored["key"][:1] == key[:1] else None
            verdict = decide(fact, known if isinstance(known, list) else None)
            session.device = stored = {"key": key, "type": verdict.device, "why": verdict.why, "ua": list(verdict.ua)}
            self._state_dirty = True
        return str(stored["type"]), str(stored.get("why", ""))

    # ---------------------------------------------------------------- evaluation

    def _view(self, session: SessionState) -> View:
        device = self._device(session) if self.config.needs_device else None
        return View(
            now=self._now,
            history=tuple(session.history),
            title=self._title,
            page_started_at=self._page.started_at,
            site_started_at=session.started_at,
            visible_ms_on_page=self._visible_ms_page,
            visible_ms_on_site=self._visible_ms_site,
            visible_since=self._visible_since if self._visible else None,
            selectors=self._selectors,
            custom=self._custom,
            device=device[0] if device else None,
            device_why=device[1] if device else "",
            login=session.login,
            exit_intent=self._page.exit_intent,
            session=session,
            audience=audience.view(session, self._ensure_visitor(), self._referrer, self._languages),
        )

    def _tick_is_idle(self) -> bool:
        flip_due = self._next_flip is not None and self._now >= self._next_flip
        return not flip_due and not (self._changed & self.config.monitored_keys)

    def _evaluate(self, mode: int, cause: str) -> None:
        if mode == TICK and self._tick_is_idle():
            self._changed.clear()
            return
        session = self._ensure_session()
        view = self._view(session)
        memo, flips = self._page.memo, self._flips
        stale: list[int] = []
        retested: list[int] = []
        # a new page view starts with an empty memo: for the trace that is a clearing too
        cleared = mode >= RECHECK or self._trace is None or self._trace_memo is not memo
        self._trace_memo = memo
        if mode >= RECHECK:
            memo.clear()
            flips.clear()
        else:
            # Invariant 7: re-test only rules whose own inputs moved: a polled value
            # they read changed, or one of their time conditions reached its flip.
            by_dep = self.config.rules_by_dep
            due = {i for key in self._changed for i in by_dep.get(key, ())}
            due.update(i for i, at in flips.items() if at <= self._now)
            for index in due:
                flips.pop(index, None)
            stale = [i for i in sorted(due) if i in memo]
            for index in stale:
                del memo[index]
        self._changed.clear()
        self._statuses = {}

        def tested(rule: Rule) -> RuleTrace:
            traced = memo.get(rule.index)
            if traced is None:
                if self.probe is not None:
                    self.probe(rule.name)
                traced = test_rule(rule, view)
                memo[rule.index] = traced
                retested.append(rule.index)
                if rule.timed:
                    flip = _soonest(c.next_flip(view) for c in rule.timed)
                    if flip is not None:
                        flips[rule.index] = flip
            return traced

        if mode == TICK:
            for index in stale:
                tested(self.config.rules[index])
        for rule in self.config.always:
            self._evaluate_always(rule, tested(rule), mode, view)
        self._evaluate_regular(tested, mode, view)
        self._next_flip = min(flips.values(), default=None)
        displayed = next((d.rule for d in self._displayed.values() if d.regular and not d.sticky), None)
        displayed = displayed or next((d.rule for d in self._displayed.values() if d.regular), None)
        self._trace = Trace(self._now, cause, self.config.rules, dict(memo), self._statuses, displayed, retested, cleared)

    def _evaluate_always(self, rule: Rule, traced: RuleTrace, mode: int, view: View) -> None:
        shown = self._displayed.get(rule.name)
        if traced.matched:
            self._detect_login(rule, view)
            if shown is not None:
                self._statuses[rule.index] = self._shown_status(shown)
            elif self._capped(rule):
                self._statuses[rule.index] = RuleStatus.CAPPED
            elif rule.name in self._page.declined:
                # Closed in this page view: not shown again, for any kind of rule.
                self._statuses[rule.index] = RuleStatus.DECLINED
            else:
                self._statuses[rule.index] = self._display_rule(rule)
        elif shown is not None and self._removable(shown, mode):
            self._hide(shown, HideReason.NAVIGATION if mode == NAVIGATION else HideReason.RULE_STOPPED_MATCHING)

    def _evaluate_regular(self, tested: Callable[[Rule], RuleTrace], mode: int, view: View) -> None:
        # Invariant 3a: a sticky interaction is not the regular display.
        current = next((d for d in self._displayed.values() if d.regular and not d.sticky), None)
        if current is not None and self._removable(current, mode):
            own = self.config.rule(current.rule)
            if mode == NAVIGATION:
                winner = self._select(tested)
                if winner is not None and winner.name == current.rule:
                    self._statuses[winner.index] = self._shown_status(current)
                    self._mark_suppressed(tested, winner, mode)
                    return
                self._hide(current, HideReason.NAVIGATION)
                current = None
            elif own is not None and (own.monitored or mode == RECHECK) and not tested(own).matched:
                self._hide(current, HideReason.RULE_STOPPED_MATCHING)
                current = None
        if current is None:
            winner = self._select(tested)
            held = self._displayed.get(winner.name) if winner is not None else None
            if winner is not None and held is not None and held.sticky:
                # Its chain is in a chat or survey: shown, and it holds its place.
                self._statuses[winner.index] = self._shown_status(held)
                self._mark_suppressed(tested, winner, mode)
            elif winner is not None:
                self._statuses[winner.index] = self._display_rule(winner)
        else:
            own = self.config.rule(current.rule)
            if own is not None:
                self._statuses[own.index] = self._shown_status(current)
            self._mark_suppressed(tested, own, mode)

    def _mark_suppressed(self, tested: Callable[[Rule], RuleTrace], displayed: Rule | None, mode: int) -> None:
        # Invariant 3: while one regular interaction is displayed, later matches wait.
        # A full evaluation tests every rule so the trace can say which ones wait; a tick
        # re-tests only what changed and the memo answers for the rest.
        if mode == TICK:
            return
        for rule in self.config.regular:
            if rule is displayed:
                continue
            if self._capped(rule):
                self._statuses[rule.index] = RuleStatus.CAPPED
            else:
                tested(rule)

    def _select(self, tested: Callable[[Rule], RuleTrace]) -> Rule | None:
        """The first matching eligible regular rule (invariants 2 and 6)."""
        for rule in self.config.regular:
            if self._capped(rule):
                self._statuses[rule.index] = RuleStatus.CAPPED
                continue
            if tested(rule).matched:
                if rule.name in self._page.declined:
                    self._statuses[rule.index] = RuleStatus.DECLINED
                    return None
                return rule
        return None

    def _removable(self, shown: Displayed, mode: int) -> bool:
        if shown.sticky:
            return False
        if mode == NAVIGATION:
            return True
        return not shown.clicked and not shown.manual

    def _capped(self, rule: Rule) -> bool:
        freq = rule.frequency
        if not freq.active:
            return False
        session = self._ensure_session()
        count = session.displays.get(rule.name, 0)
        if freq.max_per_session is not None and count >= freq.max_per_session:
            return True
        if freq.max_per_visitor is not None and self._ensure_visitor().displays.get(rule.name, 0) >= freq.max_per_visitor:
            return True
        last = session.last_display_at.get(rule.name)
        if freq.min_interval_ms is not None and last is not None and self._now - last < freq.min_interval_ms:
            # The cap lifts by itself: wake the loader then, as a time condition would.
            ends = last + freq.min_interval_ms
            self._flips[rule.index] = min(self._flips.get(rule.index, ends), ends)
            return True
        return bool(freq.not_after & set(session.rule_statuses.get(rule.name, ())))

    # ----------------------------------------------------------------- displaying

    def _resolve(self, outcome: Outcome) -> Resolved:
        resolved = resolve(outcome, self._now, self.config.schedules, self._queues)
        return choose_language(resolved, self._languages, self.config.interactions)

    def _display_rule(self, rule: Rule) -> RuleStatus:
        start, language, queue_key = self._resolve(rule.outcome)
        interaction = self.config.interactions[start]
        if interaction["type"] == "detectLogin":
            return RuleStatus.MATCHED
        visitor = self._count_display(rule)
        if rule.control_group and _bucket(visitor.visitor_id, rule.name) < rule.control_group:
            self._emit(Control(rule.name, start, interaction["type"], language, queue_key))
            # Held like a display, so it is neither raised again nor replaced by a lower rule.
            self._displayed[rule.name] = Displayed(rule.name, start, interaction["type"], language, queue_key,
                                                   regular=not rule.always_evaluate, control=True, started_by=start)
            return RuleStatus.CONTROL
        shown = Displayed(rule.name, start, interaction["type"], language, queue_key,
                          regular=not rule.always_evaluate, started_by=start)
        self._show(shown)
        return self._shown_status(shown)

    def _shown_status(self, shown: Displayed) -> RuleStatus:
        """The trace status of a displayed rule: what the visitor sees of it now."""
        if shown.control:
            return RuleStatus.CONTROL
        # A display decided in a hidden tab waits for the visitor to come back.
        return RuleStatus.SHOWN if self._visible else RuleStatus.WAITING

    def _count_display(self, rule: Rule) -> VisitorState:
        """A display of a rule's outcome, for the session and visitor frequency caps."""
        session = self._ensure_session()
        visitor = self._ensure_visitor()
        session.displays[rule.name] = session.displays.get(rule.name, 0) + 1
        session.last_display_at[rule.name] = self._now
        visitor.displays[rule.name] = visitor.displays.get(rule.name, 0) + 1
        self._state_dirty = True
        return visitor

    def _show(self, shown: Displayed) -> None:
        session = self._ensure_session()
        content = localize(self.config.interactions[shown.interaction], shown.language)
        shown.sticky = shown.type in STICKY
        self._displayed[shown.rule] = shown
        session.add_status(shown.interaction, shown.rule if not shown.manual else None, EngagementStatus.EXPOSED)
        self._state_dirty = True
        where = self.config.placements.get(shown.interaction)
        handoff = chat.handoff(self.config.raw, shown.queue_key) if shown.type == "chat" else None
        self._emit(Show(shown.rule, shown.interaction, shown.type, shown.language, shown.queue_key, content, shown.sticky,
                        placement=where, handoff=handoff))
        if shown.sticky:
            session.sticky = [s for s in session.sticky if s["rule"] != shown.rule] + [shown.as_sticky()]
        if shown.type == "chat":
            self._emit(Chat(shown.rule, shown.interaction, shown.queue_key, shown.language, placement=where, handoff=handoff))

    def _hide(self, shown: Displayed, reason: HideReason) -> None:
        self._displayed.pop(shown.rule, None)
        if not shown.control:
            self._emit(Hide(shown.rule, shown.interaction, shown.type, reason))

    def _start_next(self, shown: Displayed, next_id: str) -> None:
        if next_id not in self.config.interactions:
            self._error(ErrorCode.ACTION_INVALID, f'interaction "{next_id}" does not exist', "next")
            return
        self._hide(shown, HideReason.NEXT)
        if any(d.sticky and d.interaction == next_id for d in self._displayed.values()):
            return  # that chat is already open (started by another rule): no second window
        following = Displayed(shown.rule, next_id, self.config.interactions[next_id]["type"], shown.language,
                              shown.queue_key, shown.regular, clicked=True, manual=shown.manual,
                              started_by=shown.started_by)
        self._show(following)

    def _chat_failed(self, session: SessionState, shown: Displayed) -> None:
        """The vendor's widget never loaded or threw: the chat goes, the config's fallback follows."""
        self._drop_sticky(session, shown.interaction)
        self._hide(shown, HideReason.CHAT_FAILED)
        name = chat.fallback(self.config.raw)
        if name is not None and name in self.config.interactions:
            self._show(Displayed(shown.rule, name, self.config.interactions[name]["type"], shown.language,
                                 shown.queue_key, shown.regular, clicked=True, manual=shown.manual,
                                 started_by=shown.started_by))

    def _follow_chat(self, chat: Displayed) -> None:
        """A chat that ended: its survey (``after``) follows in the same chain."""
        after = self.config.interactions.get(chat.interaction, {}).get("after")
        if chat.type == "chat" and isinstance(after, str) and after in self.config.interactions:
            self._show(Displayed(chat.rule, after, "survey", chat.language, chat.queue_key, chat.regular,
                                 clicked=True, manual=chat.manual, started_by=chat.started_by))

    def _end_chats(self, interaction: object) -> None:
        """``engage.push({type: "chatEnded"})``: the chat (all open ones, or the one named) ends."""
        session = self._ensure_session()
        for shown in list(self._displayed.values()):
            if shown.type != "chat" or interaction not in (None, shown.interaction):
                continue
            del self._displayed[shown.rule]
            self._drop_sticky(session, shown.interaction)
            self._emit(Hide(shown.rule, shown.interaction, shown.type, HideReason.CHAT_ENDED))
            self._follow_chat(shown)

    def _on_submitted(self, fact: F.Action, shown: Displayed | None, rule: str | None) -> None:
        survey = self.config.interactions.get(fact.interaction, {})
        if survey.get("type") != "survey":
            self._error(ErrorCode.ACTION_INVALID, f'interaction "{fact.interaction}" is not a survey; only surveys are submitted', "interaction")
            return
        answers, problems = check_answers(survey, fact.answers or {})
        if problems:
            self._error(ErrorCode.SURVEY_INVALID, f'survey "{fact.interaction}": {"; ".join(problems)}; those answers were left out', "answers")
        session = self._ensure_session()
        session.add_status(fact.interaction, rule, EngagementStatus.CLICKED)
        session.add_status(fact.interaction, rule, EngagementStatus.INTERACTED)
        self._pending.append(Survey(rule or MANUAL_RULE, fact.interaction, answers))
        if shown is not None:
            del self._displayed[shown.rule]
            self._drop_sticky(session, shown.interaction)
            self._emit(Hide(shown.rule, shown.interaction, shown.type, HideReason.SUBMITTED))

    def _find_displayed(self, rule: str, interaction: str) -> Displayed | None:
        shown = self._displayed.get(rule)
        if shown is not None and shown.interaction == interaction:
            return shown
        return next((d for d in self._displayed.values() if d.interaction == interaction), None)

    def _drop_sticky(self, session: SessionState, interaction: str) -> None:
        session.sticky = [s for s in session.sticky if s["interaction"] != interaction]

    def _detect_login(self, rule: Rule, view: View) -> None:
        start, _, _ = self._resolve(rule.outcome)
        interaction = self.config.interactions.get(start, {})
        if interaction.get("type") != "detectLogin":
            return
        found = False
        if "selector" in interaction:
            found = view.selectors.get(interaction["selector"], SelectorResult()).exists
        if not found and "custom" in interaction:
            found = view.custom.get(interaction["custom"], CustomResult()).value
        session = self._ensure_session()
        if found and not session.login:
            session.login = True
            self._state_dirty = True
            self._login_changed = True

    def _trigger_rule(self, name: str) -> None:
        rule = self.config.rule(name)
        if rule is None:
            names = [r.name for r in self.config.rules]
            self._error(ErrorCode.API_UNKNOWN_RULE, f'triggerRule: no rule named "{name}"{suggest(name, names)}', "name")
            return
        start, language, queue_key = self._resolve(rule.outcome)
        interaction = self.config.interactions[start]
        self._replace_regular(rule.always_evaluate or interaction["type"] in STICKY)
        self._count_display(rule)
        self._show(Displayed(rule.name, start, interaction["type"], language, queue_key,
                             regular=not rule.always_evaluate, manual=True, started_by=start))

    def _trigger_interaction(self, iid: str) -> None:
        interaction = self.config.interactions.get(iid)
        if interaction is None:
            hint = suggest(iid, list(self.config.interactions))
            self._error(ErrorCode.API_UNKNOWN_INTERACTION, f'triggerInteraction: no interaction "{iid}"{hint}', "id")
            return
        # A chat or survey started by the site co-exists with the regular display (3a).
        self._replace_regular(interaction["type"] in STICKY)
        held = self._displayed.get(MANUAL_RULE)
        if held is not None:  # one display per rule name: the site's previous one goes
            self._drop_sticky(self._ensure_session(), held.interaction)
            self._hide(held, HideReason.REPLACED)
        self._show(Displayed(MANUAL_RULE, iid, interaction["type"], None, None, regular=True, manual=True, started_by=iid))

    def _replace_regular(self, always: bool) -> None:
        if always:
            return
        for shown in list(self._displayed.values()):
            if shown.regular and not shown.sticky:
                self._hide(shown, HideReason.REPLACED)

    # -------------------------------------------------------------------- output

    def _emit(self, decision: Decision) -> None:
        if not self._visible and isinstance(decision, Show | Chat | Control):
            # Nothing is displayed in a hidden tab; it waits for the visitor to come back.
            self._waiting.append(decision)
            return
        self._pending.append(decision)

    def _error(self, code: ErrorCode, message: str, path: str | None = None) -> None:
        self._pending.append(Error(code, message, path))


def _soonest(times: Iterable[int | None]) -> int | None:
    return min((t for t in times if t is not None), default=None)


def _bucket(visitor_id: str, rule: str) -> float:
    """A stable number in [0, 1) per visitor and rule; rules' buckets do not correlate."""
    digest = hashlib.sha256(f"{visitor_id}\x00{rule}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _cause(fact: F.Fact) -> str:
    if isinstance(fact, F.Page):
        return fact.cause
    names = {F.Tick: "tick", F.Evaluate: "evaluate", F.Action: "action", F.Push: "push",
             F.QueueStatus: "queueStatus", F.Visibility: "visibility", F.SessionSync: "sessionSync"}
    return names.get(type(fact), type(fact).__name__)

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

``Engine`` applies facts and decides which rules' interactions are displayed; it hands
the rest to its parts: ``engine.display`` (what is on screen, caps and counts),
``engine.visibility`` (visible time), ``engine.merge`` (another tab's session) and
``engine.fastpath`` (rules checked without a trace when nobody reads one).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine import audience, behaviour
from engine import facts as F
from engine.conditions.base import CustomResult, SelectorResult, View
from engine.config import Config, Outcome, Rule
from engine.decisions import Chat, Control, Decision, Error, Show
from engine.display import Displayed, Displays, Host
from engine.fastpath import checks_for
from engine.merge import merge_session
from engine.outcomes import Resolved, choose_language, resolve
from engine.state import (
    HISTORY_LIMIT,
    SESSION_IDLE_MS,
    SessionState,
    VisitorState,
    session_from_json,
    visitor_from_json,
)
from engine.trace import RuleTrace, Trace, test_rule
from engine.urlindex import Opened, index_for
from engine.visibility import ActiveTime
from engine.vocabulary import ErrorCode, HideReason, RuleStatus

# Evaluation modes, in increasing strength: a batch runs the strongest one it needs.
NONE, TICK, RECHECK, NAVIGATION = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class Watch:
    """What the shell gathers for the engine: the answer to `init` (before any evaluation)
    and to each message after it, when it changed."""

    selectors: tuple[str, ...]
    custom_paths: tuple[str, ...]
    next_tick_at: int | None
    queues: tuple[tuple[str, str], ...] = ()  # queue key, statusUrl: read for queueStatus facts
    device: bool = False  # a device condition reads the high-entropy client hints
    queue_keys: tuple[str, ...] = ()  # every queue key: a chat widget's availability is pushed for each
    # read every second like the custom paths (their change can flip a result on a tick);
    # the other selectors are read when the shell sends a message
    polled_selectors: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"selectors": list(self.selectors), "customPaths": list(self.custom_paths), "nextTickAt": self.next_tick_at,
                "queues": dict(self.queues), "device": self.device, "queueKeys": list(self.queue_keys),
                "polledSelectors": list(self.polled_selectors)}


@dataclass
class PageView:
    started_at: int = 0
    declined: set[str] = field(default_factory=set)
    # rule index -> matched, for the rules tested in this page view
    memo: dict[int, bool] = field(default_factory=dict)
    # rule index -> how it was tested, for the memo's rules tested while tracing (or traced later)
    traces: dict[int, RuleTrace] = field(default_factory=dict)
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
        self._displays = Displays(config, Host(
            session=self._ensure_session, visitor=self._ensure_visitor, now=lambda: self._now,
            visible=lambda: self._active.visible, emit=self._emit, error=self._error,
            changed=self._changed_state, resolve=self._resolve,
        ))
        self._device_fact: F.Device | None = None
        self._active = ActiveTime()
        # decisions taken while the tab is hidden, released when the visitor comes back
        self._waiting: list[Decision] = []
        self._changed: set[str] = set()
        self._next_flip: int | None = None
        # the watch as last built: it changes only when the next flip moves, and the bridge
        # sends it only when it changed, so the same object answers every message until then
        self._watch = Watch(config.selectors, config.custom_paths, None, config.status_urls, config.needs_device,
                            tuple(config.queues), config.polled_selectors)
        # rule index -> the earliest now at which one of its time conditions can flip
        self._flips: dict[int, int] = {}
        self._reported: set[str] = set()
        self._state_dirty = False
        # False: evaluate with the compiled checks and build the trace only if it is asked
        # for (engine.fastpath); the bridge sets it per message, from what the loader asks.
        self.tracing = True
        self._checks = checks_for(config)
        # the rules by URL gate (engine.urlindex): a full evaluation skips those closed
        self._index = index_for(config)
        # The closed rules the last full untraced evaluation passed without visiting, not yet
        # written into the memo as not matched (UrlIndex.fill: one entry per closed rule, most
        # of the config on a large site): written when the memo is next read (a tick's re-test,
        # a trace), dropped when the next page clears the memo, as most are.
        self._unfilled: tuple[dict[int, bool], list[int], Opened, int] | None = None
        self._regular: tuple[Rule, ...] = config.regular
        self._stopped = 0
        self._trace: Trace | None = None
        self._trace_args: tuple[int, str, dict[int, RuleStatus], str | None, list[int], bool] | None = None
        self._trace_memo: dict[int, bool] | None = None
        # rule index -> what the last evaluation did with it, for the trace
        self._statuses: dict[int, RuleStatus] = {}
        self._evaluations = 0
        self._device_key: tuple[F.Device, Any] | None = None
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
        """What the loader must gather; the same object until it changes."""
        if self._watch.next_tick_at != self._next_flip:
            self._watch = dataclasses.replace(self._watch, next_tick_at=self._next_flip)
        return self._watch

    @property
    def now(self) -> int:
        """The latest time the facts have told the engine about."""
        return self._now

    @property
    def trace(self) -> Trace | None:
        if self._trace is None and self._trace_args is not None:
            self._trace = self._build_trace(*self._trace_args)
        return self._trace

    @property
    def evaluations(self) -> int:
        """How many evaluations ran (an idle tick is none), so the bridge knows a missed trace."""
        return self._evaluations

    def state(self, *, shared: bool = False) -> dict[str, Any]:
        """The state the loader persists: session and visitor, as plain JSON. ``shared``: it
        holds the engine's own lists and dicts, valid until the next fact (serialize it now)."""
        session = self._ensure_session()
        visitor = self._ensure_visitor()
        return {"session": session.to_json(shared=shared), "visitor": visitor.to_json(shared=shared)}

    def take_state_change(self, *, shared: bool = False) -> dict[str, Any] | None:
        """The state when it changed since the last call, else None (idle ticks write nothing)."""
        if not self._state_dirty:
            return None
        self._state_dirty = False
        return self.state(shared=shared)

    # ------------------------------------------------------------- applying facts

    def _apply(self, fact: F.Fact) -> int:
        """Take one fact in; the evaluation mode it needs (NONE: none)."""
        now = getattr(fact, "now", None)
        if now is not None:
            self._advance(now)
        handler = _APPLY.get(type(fact))
        return handler(self, fact) if handler is not None else NONE

    def _on_selectors(self, fact: F.Selectors) -> int:
        self._merge_results(self._selectors, fact.results, "dom")
        return NONE

    def _on_custom(self, fact: F.Custom) -> int:
        self._merge_results(self._custom, fact.results, "custom")
        for path, result in fact.results.items():
            if result.error and f"custom:{path}" not in self._reported:
                self._reported.add(f"custom:{path}")
                self._error(ErrorCode.CUSTOM_FAILED, f'custom path "{path}" failed: {result.error}; it counts as false', path)
        return NONE

    def _on_device(self, fact: F.Device) -> int:
        # The loader sends what it knows at boot and again when the high-entropy
        # client hints arrive: a changed fact re-checks the rules that read it.
        changed = self._device_fact is not None and fact != self._device_fact
        self._device_fact = fact
        return RECHECK if changed and self.config.needs_device else NONE

    def _on_trigger_rule(self, fact: F.TriggerRule) -> int:
        self._touch()
        self._displays.trigger_rule(fact.name)
        return NONE

    def _on_trigger_interaction(self, fact: F.TriggerInteraction) -> int:
        self._touch()
        self._displays.trigger_interaction(fact.id)
        return NONE

    def _on_queue_status(self, fact: F.QueueStatus) -> int:
        status = (fact.agents_available, fact.queue_length)
        changed = self._queues.get(fact.queue_key) != status
        self._queues[fact.queue_key] = status
        return RECHECK if changed else NONE

    def _on_exit_intent(self, fact: F.ExitIntent) -> int:
        # Exit intent counts once per page view: a visitor wiggling the pointer
        # along the top edge must not re-trigger it.
        if self._page.exit_intent:
            return NONE
        self._page.exit_intent = True
        return RECHECK

    def _advance(self, now: int) -> None:
        self._now = max(self._now, now)
        if self._session is not None and self._now - self._session.last_seen_at > SESSION_IDLE_MS:
            # The visitor was idle past the session limit: what follows is a new session.
            self._session = None
            self._stored_session = None
            self._page.memo.clear()
            self._page.traces.clear()
            self._flips.clear()
            self._unfilled = None

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
        self._active.new_page(self._now)
        if fact.cause == "load":
            self._displays.clear()
            self._displays.resume_sticky(session)
        return NAVIGATION

    def _on_action(self, fact: F.Action) -> int:
        self._touch()
        self._displays.on_action(fact, self._page.declined)
        # Statuses are recorded, but nothing is re-evaluated: closing one interaction must
        # not make another pop up. The next trigger (a tick, a page) reads the statuses.
        return NONE

    def _on_push(self, fact: F.Push) -> int:
        self._touch()
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
            self._displays.end_chats(data.get("interaction"))
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
        if not self._active.change(fact.visible, self._now):
            return NONE
        # activeOnly time conditions read visibility: their flip moments move.
        self._changed.add("visibility")
        if fact.visible:
            waiting, self._waiting = self._waiting, []
            self._pending.extend(waiting)
        return TICK

    def _on_sync(self, fact: F.SessionSync) -> int:
        other, _warning = session_from_json(fact.state.get("session"), self._now)
        if other is None or not merge_session(self._ensure_session(), other):
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
                self._active.new_session()
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
        if self._device_key is not None and self._device_key[0] is fact:
            key = self._device_key[1]  # the same fact as last evaluation: its key is known
        else:
            key = json.loads(json.dumps(dataclasses.astuple(fact)))  # as it reads back from storage
            self._device_key = (fact, key)
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
            visible_ms_on_page=self._active.ms_page,
            visible_ms_on_site=self._active.ms_site,
            visible_since=self._active.visible_since,
            selectors=self._selectors,
            custom=self._custom,
            device=device[0] if device else None,
            device_why=device[1] if device else "",
            login=session.login,
            exit_intent=self._page.exit_intent,
            session=session,
            audience=audience.view(session, self._ensure_visitor(), self._referrer, self._languages),
        )

    def _forget(self, mode: int) -> list[int]:
        """Drop the memo entries this evaluation must test again; the ones a tick re-tests."""
        memo, traces, flips = self._page.memo, self._page.traces, self._flips
        if mode >= RECHECK:
            self._unfilled = None  # cleared below
        else:
            self._fill()
        if mode >= RECHECK or not self.tracing:
            # untraced, a re-test leaves its trace stale: they are all made again when asked
            traces.clear()
        stale: list[int] = []
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
                traces.pop(index, None)
        self._changed.clear()
        return stale

    def _tick_is_idle(self) -> bool:
        flip_due = self._next_flip is not None and self._now >= self._next_flip
        return not flip_due and not (self._changed & self.config.monitored_keys)

    def _evaluate(self, mode: int, cause: str) -> None:
        if mode == TICK and self._tick_is_idle():
            self._changed.clear()
            return
        session = self._ensure_session()
        view = self._view(session)
        memo, traces, flips, tracing, probe = self._page.memo, self._page.traces, self._flips, self.tracing, self.probe
        retested: list[int] = []
        # a new page view starts with an empty memo: for the trace that is a clearing too
        cleared = mode >= RECHECK or self._trace_args is None or self._trace_memo is not memo
        self._trace_memo = memo
        self._evaluations += 1
        stale = self._forget(mode)
        self._statuses = {}
        checks = self._checks
        opened = self._index.at(view)
        gated, open_ = self._index.gated, opened.open
        # untraced, a full evaluation visits only the regular rules whose URL gate is open
        # (the watchdog's probe mode names every rule, as it always did)
        skip = not tracing and mode >= RECHECK and probe is None
        self._regular = opened.regular if skip else self.config.regular
        self._stopped = len(self.config.rules)

        def tested(rule: Rule) -> bool:
            index = rule.index
            matched = memo.get(index)
            if matched is None:
                if probe is not None:
                    probe(rule.name)
                closed = index in gated and index not in open_
                if tracing:
                    traced = traces[index] = test_rule(rule, view)
                    matched = memo[index] = traced.matched
                else:
                    matched = memo[index] = not closed and checks[index](view)
                retested.append(index)
                # closed, it stays unmatched until the URL changes, which re-tests every rule
                if rule.timed and not closed:
                    flip = _soonest(c.next_flip(view) for c in rule.timed)
                    if flip is not None:
                        flips[index] = flip
            return matched

        if mode == TICK:
            for index in stale:
                tested(self.config.rules[index])
        for rule in self.config.always:
            self._evaluate_always(rule, tested(rule), mode, view)
        self._evaluate_regular(tested, mode, view)
        self._unfilled = (memo, retested, opened, self._stopped) if skip else None
        self._next_flip = min(flips.values(), default=None)
        regular = self._displays.regular() or next((d for d in self._displays.shown.values() if d.regular), None)
        displayed = regular.rule if regular is not None else None
        # made when asked (the trace property): most evaluations are read by no one
        self._trace, self._trace_args = None, (self._now, cause, self._statuses, displayed, retested, cleared)

    def _build_trace(self, now: int, cause: str, statuses: dict[int, RuleStatus], displayed: str | None,
                     retested: list[int], cleared: bool) -> Trace:
        self._fill()
        traces = self._page.traces
        missing = [self.config.rules[i] for i in self._page.memo if i not in traces]
        if missing:
            # Tested untraced: traced now, against what the engine knows now (the same
            # facts, unless tracing was switched on after they changed).
            view = self._view(self._ensure_session())
            for rule in missing:
                traces[rule.index] = test_rule(rule, view)
        return Trace(now, cause, self.config.rules, dict(traces), statuses, displayed, retested, cleared)

    def _fill(self) -> None:
        """Write the last full evaluation's closed rules into the memo (``_unfilled``)."""
        if self._unfilled is not None:
            memo, retested, opened, stopped = self._unfilled
            self._unfilled = None
            if memo is self._page.memo:
                self._index.fill(memo, retested, opened, stopped)

    def _evaluate_always(self, rule: Rule, matched: bool, mode: int, view: View) -> None:
        shown = self._displays.shown.get(rule.name)
        if matched:
            self._detect_login(rule, view)
            if shown is not None:
                self._statuses[rule.index] = self._displays.status(shown)
            elif self._displays.capped(rule, self._flips):
                self._statuses[rule.index] = RuleStatus.CAPPED
            elif rule.name in self._page.declined:
                # Closed in this page view: not shown again, for any kind of rule.
                self._statuses[rule.index] = RuleStatus.DECLINED
            else:
                self._statuses[rule.index] = self._displays.display_rule(rule)
        elif shown is not None and self._removable(shown, mode):
            self._displays.hide(shown, HideReason.NAVIGATION if mode == NAVIGATION else HideReason.RULE_STOPPED_MATCHING)

    def _evaluate_regular(self, tested: Callable[[Rule], bool], mode: int, view: View) -> None:
        current = self._displays.regular()
        if current is not None and self._removable(current, mode):
            own = self.config.rule(current.rule)
            if mode == NAVIGATION:
                winner = self._select(tested)
                if winner is not None and winner.name == current.rule:
                    self._statuses[winner.index] = self._displays.status(current)
                    self._mark_suppressed(tested, winner, mode)
                    return
                self._displays.hide(current, HideReason.NAVIGATION)
                current = None
            elif own is not None and (own.monitored or mode == RECHECK) and not tested(own):
                self._displays.hide(current, HideReason.RULE_STOPPED_MATCHING)
                current = None
        if current is None:
            winner = self._select(tested)
            held = self._displays.shown.get(winner.name) if winner is not None else None
            if winner is not None and held is not None and held.sticky:
                # Its chain is in a chat or survey: shown, and it holds its place.
                self._statuses[winner.index] = self._displays.status(held)
                self._mark_suppressed(tested, winner, mode)
            elif winner is not None:
                self._statuses[winner.index] = self._displays.display_rule(winner)
        else:
            own = self.config.rule(current.rule)
            if own is not None:
                self._statuses[own.index] = self._displays.status(current)
            self._mark_suppressed(tested, own, mode)

    def _mark_suppressed(self, tested: Callable[[Rule], bool], displayed: Rule | None, mode: int) -> None:
        # Invariant 3: while one regular interaction is displayed, later matches wait.
        # A full evaluation tests every rule so the trace can say which ones wait; a tick
        # re-tests only what changed and the memo answers for the rest.
        if mode == TICK:
            return
        self._stopped = len(self.config.rules)
        cappable = self.config.cappable
        for rule in self._regular:
            if rule is displayed:
                continue
            if rule.index in cappable and self._displays.capped(rule, self._flips):
                self._statuses[rule.index] = RuleStatus.CAPPED
            else:
                tested(rule)

    def _select(self, tested: Callable[[Rule], bool]) -> Rule | None:
        """The first matching eligible regular rule (invariants 2 and 6)."""
        cappable = self.config.cappable
        for rule in self._regular:
            if rule.index in cappable and self._displays.capped(rule, self._flips):
                self._statuses[rule.index] = RuleStatus.CAPPED
                continue
            if tested(rule):
                self._stopped = rule.index
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

    # ----------------------------------------------------------------- displaying

    def _resolve(self, outcome: Outcome) -> Resolved:
        resolved = resolve(outcome, self._now, self.config.schedules, self._queues)
        return choose_language(resolved, self._languages, self.config.interactions)

    def _changed_state(self) -> None:
        self._state_dirty = True

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

    # -------------------------------------------------------------------- output

    def _emit(self, decision: Decision) -> None:
        if not self._active.visible and isinstance(decision, Show | Chat | Control):
            # Nothing is displayed in a hidden tab; it waits for the visitor to come back.
            self._waiting.append(decision)
            return
        self._pending.append(decision)

    def _error(self, code: ErrorCode, message: str, path: str | None = None) -> None:
        self._pending.append(Error(code, message, path))


# Each fact type's handler (Engine._apply): it applies the fact and returns the evaluation
# mode the fact needs.
_APPLY: dict[type, Callable[[Engine, Any], int]] = {
    F.Page: Engine._on_page,
    F.Tick: lambda engine, fact: TICK,
    F.Selectors: Engine._on_selectors,
    F.Custom: Engine._on_custom,
    F.Device: Engine._on_device,
    F.Action: Engine._on_action,
    F.Evaluate: lambda engine, fact: RECHECK,
    F.TriggerRule: Engine._on_trigger_rule,
    F.TriggerInteraction: Engine._on_trigger_interaction,
    F.QueueStatus: Engine._on_queue_status,
    F.Push: Engine._on_push,
    F.Visibility: Engine._on_visibility,
    F.ExitIntent: Engine._on_exit_intent,
    F.SessionSync: Engine._on_sync,
}


def _soonest(times: Iterable[int | None]) -> int | None:
    return min((t for t in times if t is not None), default=None)



def _cause(fact: F.Fact) -> str:
    if isinstance(fact, F.Page):
        return fact.cause
    names = {F.Tick: "tick", F.Evaluate: "evaluate", F.Action: "action", F.Push: "push",
             F.QueueStatus: "queueStatus", F.Visibility: "visibility", F.SessionSync: "sessionSync"}
    return names.get(type(fact), type(fact).__name__)

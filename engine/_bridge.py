"""The worker's entry point: one JSON string in, one JSON string out.

This is the only module that knows it serves a browser worker. It speaks the versioned
protocol of docs/architecture.md and hands nothing but strings across, so no Python
object ever leaks into JavaScript. It never raises: whatever goes wrong becomes an
``error`` decision or a ``fatal`` message.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from typing import Any

from engine.config import Config, compile_config
from engine.decisions import encode
from engine.engine import Engine
from engine.trace import TraceEncoder
from engine.validation import ConfigError
from engine.vocabulary import ErrorCode

PROTOCOL = 1


# Every message pays for its JSON both ways, and in the worker a message arrives with the
# caches cold: there, each Python function a message runs through costs several times what it
# costs in a loop, so the two ends call the json module's C scanner and C encoder directly,
# skipping the Python wrappers around them (json.loads' checks and regular expressions,
# JSONEncoder.encode and iterencode): handle() on an empty message 4.2 -> 2.7 us in CPython
# (docs/performance.md, evaluation round four). The encoder keeps its circular-reference
# check (a fresh ``markers`` dict per call, as json.dumps makes one): an engine bug that made
# the reply circular must become a fatal message, not a recursion as deep as the stack.
def _make_dumps() -> Callable[[object], str]:
    make = json.encoder.c_make_encoder  # type: ignore[attr-defined]
    if make is None:  # a Python without the _json accelerator
        return json.JSONEncoder(separators=(",", ":"), default=str).encode
    ascii_ = json.encoder.c_encode_basestring_ascii  # type: ignore[attr-defined]
    # (markers, default, encoder, indent, key separator, item separator, sort_keys, skipkeys, allow_nan)
    return lambda value: "".join(make({}, str, ascii_, None, ":", ",", False, False, True)(value, 0))


_dumps = _make_dumps()
_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _loads(text: str) -> Any:
    """``json.loads`` for what JSON.stringify wrote; anything else goes the long way round,
    which raises the usual error for text that is not JSON."""
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        end = -1
    return value if end == len(text) else json.loads(text)

_engine: Engine | None = None
_last_trace: object = None
_encoder = TraceEncoder()
_last_watch: object = None
# the engine's evaluation count when _encoder last encoded a trace: one missed, and the
# loader's trace can no longer be patched (a fresh encoder sends the next one whole)
_encoded_at = -1
# The last config compiled, kept when the engine is dropped: the worker compiles the site's
# config before taking its memory snapshot, so a return visit restores it compiled and the
# real init skips compiling (tens of ms at 100 rules) when the config is still the same.
_compiled: tuple[str, Config] | None = None
# whether the last init found its config compiled (tests and bench/ read it)
_reused = False


def handle(text: str, probe: Callable[[str], object] | None = None, config: str | None = None) -> str:
    """One message in, one reply out. ``probe``, in the worker's probe mode, is called with
    each rule's name before the rule is tested (docs/architecture.md, "Watchdog").

    ``config``: an ``init``'s config as its own JSON text, which the worker sends apart from
    the message (whose ``config`` is then null). That text is the compiled config's key: a
    return visit whose config is the one in the memory snapshot compares two strings instead
    of parsing the config and writing it out again, the first time that code runs after the
    restore (several ms at 100 rules, on the way to the first decision)."""
    try:
        message = _loads(text)
        reply = _dispatch(message, probe, config)
    except Exception as exc:
        reply = {"kind": "fatal", "message": f"engine failure: {exc!r}", "detail": traceback.format_exc(limit=5)}
    reply["v"] = PROTOCOL
    return _dumps(reply)


def _dispatch(message: Any, probe: Callable[[str], object] | None = None, config: str | None = None) -> dict[str, Any]:
    global _last_watch
    if not isinstance(message, dict) or message.get("v") != PROTOCOL:
        return {"kind": "fatal", "message": f"unsupported message (protocol {PROTOCOL} expected)"}
    kind = message.get("kind")
    added: dict[str, Any] = {}
    if kind == "init":
        added = _start(message, config)
        if "kind" in added:
            return added
    elif kind != "facts":
        return {"kind": "fatal", "message": f"unknown message kind {kind!r}"}
    if _engine is None:
        return {"kind": "output", "decisions": [], "watch": None, "state": None, "trace": None}
    facts = message.get("facts")
    _engine.probe = probe
    # The trace only when the loader asks (debug overlay, explain(), an engage:evaluated
    # listener): otherwise the rules are checked without one (engine.fastpath).
    asked = message.get("trace") is True
    _engine.tracing = asked
    before = _engine.evaluations
    _engine.receive_json(facts if isinstance(facts, list) else [facts])
    # The state as JSON text inside the reply: the worker posts it to the page as one string
    # (a cheap clone) and the loader stores it as it is (docs/architecture.md, "State"). It
    # is written from the engine's own objects, not copies, before the next message.
    state = _engine.take_state_change(shared=True)
    reply: dict[str, Any] = {
        "kind": "output",
        "decisions": [encode(d) for d in _engine.decisions()],
        "state": None if state is None else _dumps(state),
        "trace": None,
    }
    if asked:
        _add_trace(reply, _engine, before)
    reply.update(added)
    # An unchanged watch is left out; the loader keeps the last one it was sent. The engine
    # hands out the same Watch until it changes, so identity says it (equality would too).
    watch = _engine.watch
    if watch is not _last_watch:
        _last_watch = watch
        reply["watch"] = watch.to_json()
    return reply


def _start(message: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    """``init``: compile the config and make the engine. Returns init's whole answer when the
    config is rejected, else what init's answer adds (``warnings``, ``skipped``). ``text``: the
    config's JSON text, when it comes apart from the message (``handle``)."""
    global _engine, _last_trace, _encoder, _last_watch, _compiled, _encoded_at, _reused
    _engine, _last_trace, _encoder, _last_watch, _encoded_at = None, None, TraceEncoder(), None, -1
    _reused = False
    if message.get("configError"):
        return _config_failed([("", str(message["configError"]))])
    skip = message.get("skip")
    compiled: Config | list[ConfigError]
    added: dict[str, Any]
    # the compiled config's key is JSON text: as Python values, true == 1 == 1.0 would match
    if text is not None and not skip and _compiled is not None and _compiled[0] == text:
        key, compiled, added = text, _compiled[1], {}
    else:
        raw = message.get("config") if text is None else _loads(text)
        # after a stall, the loader names the rule that did not finish: compiled without it
        raw, added = _without(raw, skip)
        key = text if text is not None and not added else _dumps(raw)
        compiled = _compiled[1] if _compiled is not None and _compiled[0] == key else compile_config(raw)
    if not isinstance(compiled, Config):
        return {**_config_failed([(e.path, e.message) for e in compiled]), **added}
    _reused = _compiled is not None and _compiled[1] is compiled
    _compiled = (key, compiled)
    # what the config says that the engine overrides: the loader prints each once
    if compiled.warnings:
        added["warnings"] = [str(w) for w in compiled.warnings]
    stored = message.get("state")
    if not isinstance(stored, dict):
        stored = {}
    _engine = Engine(compiled, stored.get("session"), stored.get("visitor"), visitor_seed=str(message.get("seed", "")))
    return added


def _add_trace(reply: dict[str, Any], engine: Engine, before: int) -> None:
    """The trace the loader asked for; ``before``: the evaluation count before this message."""
    global _last_trace, _encoder, _encoded_at
    evaluations = engine.evaluations
    if evaluations - _encoded_at > (evaluations != before):
        # an evaluation went out untraced since the last trace: start again whole
        _encoder, _last_trace = TraceEncoder(), None
    trace = engine.trace
    if trace is not None and trace is not _last_trace:
        # the whole trace first, then only the rules whose entry changed (TraceEncoder)
        reply["trace"] = _encoder.encode(trace)
        # of an earlier evaluation: tracing was just switched on, nothing was evaluated
        reply["replay"] = evaluations == before
        _last_trace, _encoded_at = trace, evaluations


def _without(raw: Any, skip: Any) -> tuple[Any, dict[str, Any]]:
    """The config without the rules named in ``skip``, and ``{"skipped": {name: path}}`` naming
    where each one left out was (empty when none was), so the loader's one report of the
    stall says the rule's path in the config the site wrote."""
    names = {n for n in skip if isinstance(n, str)} if isinstance(skip, list) else set()
    rules = raw.get("rules") if isinstance(raw, dict) else None
    if not names or not isinstance(rules, list):
        return raw, {}
    left = [i for i, r in enumerate(rules) if isinstance(r, dict) and isinstance(r.get("name"), str) and r["name"] in names]
    if not left:
        return raw, {}
    kept = [r for i, r in enumerate(rules) if i not in left]
    return {**raw, "rules": kept}, {"skipped": {rules[i]["name"]: f"rules[{i}]" for i in left}}


def _config_failed(problems: list[tuple[str, str]]) -> dict[str, Any]:
    listed = "; ".join(f"{path}: {msg}" if path else msg for path, msg in problems)
    count = len(problems)
    error = {
        "type": "error", "code": ErrorCode.CONFIG_INVALID,
        "message": f"config rejected, nothing will be shown ({count} problem{'s' if count != 1 else ''}): {listed}",
        "path": problems[0][0] or None,
        "problems": [{"path": p, "message": m} for p, m in problems],
    }
    return {"kind": "output", "decisions": [error], "watch": None, "state": None, "trace": None}

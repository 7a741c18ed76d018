/*! engage loader (docs/architecture.md): gathers facts, stores the session, runs the engine in
 * web/worker.js and hands its decisions to web/ui.js. ES2017, so browsers without WebAssembly
 * still parse it and fail politely. Its only global is window.engage. */
(function () {
  "use strict";
  // The real Promise even where a page script replaced window.Promise (an async function returns one).
  var Promise = /** @type {PromiseConstructor} */ ((async function () {})().constructor);
  var W = window, D = document, KEY = "engage:state";
  var STATE_TTL_MS = 90 * 864e5;   // the engine ends idle sessions (30 min) itself; visitor state lives 90 days
  var BOOT_TIMEOUT_MS = 20000;     // no `booted` by then (real time): give up. data-boot-timeout="SECONDS" overrides
  var QUEUE_POLL_MS = 30000;       // queues.*.statusUrl is read at boot and this often
  var QUEUE_WAIT_MS = 2000;        // the first evaluation waits this long at most for those first reads
  var ANSWER_MS = 10000;           // a message unanswered this long (real time): the worker is gone. data-answer-timeout overrides
  var PENDING = "engage:pending";  // sessionStorage: facts the engine had not applied when the page was left
  var QUEUES = "engage:queues";    // sessionStorage: the status URLs the engine watched (read early on the next page)

  var script = /** @type {HTMLScriptElement} */ (D.currentScript || D.querySelector('script[src*="loader.js"]'));
  /** @param {string} n */
  function attr(n) { return script && script.getAttribute(n); }
  var debug = (attr("data-debug") !== null && attr("data-debug") !== "false") || /[?&]engage-debug(=|&|$)/.test(location.search);
  var consentNeeded = attr("data-consent") === "required", consent = !consentNeeded;
  // The engine sends its trace only while it is read (docs/loader.md#the-trace): debug,
  // data-trace, explain(), or an engage:evaluated listener added after this script ran.
  var tracing = debug || attr("data-trace") !== null;
  /** @type {boolean | undefined} the next message asks for the trace once */
  var askTrace;
  // The lifecycle (booting, gathering, ready, restarting, failed, left) is web/lifecycle.js's
  // table, imported as soon as this runs; events before it arrives are replayed into it.
  /** @typedef {import("./web/lifecycle.js").Fact} Fact */
  /** @typedef {(trace: Trace | null) => void} Waiter an API call's promise, answered with the trace */
  /** @typedef {Record<string, unknown>} Config the parsed config: only the engine reads it */
  /** @typedef {{now: number, cause: string, rules: any[]}} Trace */
  /** @type {typeof import("./web/lifecycle.js")} */
  var lc;
  /** @type {import("./web/lifecycle.js").Machine} */
  var m = {state: "booting", prior: null, restarts: 0};
  /** @type {import("./web/lifecycle.js").Event[]} */
  var early = [];
  /** @type {Worker} */
  var worker;
  /** @type {ReturnType<import("./web/observe.js").createObserver>} */
  var obs;
  /** @type {typeof import("./web/signals.js")} */
  var dev;
  /** @type {Promise<any> | undefined} */
  var collectP;
  /** @type {Promise<any> | undefined} */
  var uiP;
  /** @type {Promise<any> | undefined} the debug overlay (web/debug.js) */
  var overlayP;
  /** @type {any} web/ui.js's renderer, once loaded */
  var ui;
  /** @type {boolean | undefined} the worker's first message came */
  var booted;
  /** @type {boolean | undefined} */
  var storageWarned;
  /** @type {boolean | undefined} the batch in flight holds only sessionSync facts */
  var syncOnly;
  /** @type {Waiter[] | null} the answers waiting on the message in flight; null: none in flight */
  var inflight = null;
  /** @type {string | null | undefined} after a stall: the restarted worker names each rule it tests */
  var probing;
  /** @type {string | null | undefined} the rule it named last */
  var probed;
  /** @type {string[]} the rules a second stall named: the engine compiles the config without them */
  var skip = [];
  /** @type {string[] | null} [rule, report, stall] after a second stall, until the engine says where the rule was */
  var cut = null;
  /** @type {ReturnType<typeof setInterval> | 0} the 1 Hz timer, while it has work (ticks()) */
  var ticker = 0;
  /** @type {ReturnType<typeof setTimeout> | 0} one tick at the engine's nextTickAt, when nothing else needs a timer */
  var waker = 0;
  /** @type {number | null} the nextTickAt `waker` is set for */
  var wakeAt = null;
  /** @type {Config} */
  var cfg;
  /** @type {any} a Trusted Types policy, null without one, undefined until made */
  var policy;
  /** @type {{kind: string, facts: Fact[], [key: string]: any}} the message in flight or last answered */
  var sent;
  /** @type {number | null} */
  var postedAt = null;
  /** @type {Fact | null} */
  var lastPage = null;
  /** @type {(() => void) | null | undefined} */
  var restarted;
  var syncWrites = 0, bootLimit = BOOT_TIMEOUT_MS;
  /** @type {Fact[]} */
  var queue = [];
  /** @type {Fact[]} what the next worker's first facts take along (the last page's journal, a crash's lost facts) */
  var carried = [];
  /** @type {Waiter[]} */
  var waiters = [];
  /** @type {Promise<unknown>} */
  var chain = Promise.resolve();
  /** @type {ReturnType<typeof setInterval>[]} */
  var timers = [];
  /** @type {Record<string, 1>} */
  var reported = {};
  /** @type {Watch} */
  var watch = {selectors: [], customPaths: [], nextTickAt: null, queues: {}, device: false, queueKeys: [], polledSelectors: []};
  // The state as JSON text, as the engine wrote it (or storage held it): stored as it is,
  // parsed only for a reader (engage.state(), a restart's init, the collector).
  /** @type {string | null} */
  var lastState = null;
  /** @type {[string | null, any]} lastState and its parse */
  var parsed = [null, null];
  /** @type {Trace | null} */
  var lastTrace = null;
  /** @type {string | null | undefined} */
  var lastWritten;

  /** @param {import("./web/lifecycle.js").Event} event */
  function go(event) {
    if (lc) m = lc.step(m, event);
    else early.push(event);
    if (event === "failed") m.state = "failed";
  }
  function dead() { return m.state === "failed"; }

  /** @returns {any} the last state, parsed once per change (readers must not change it) */
  function stateObject() {
    if (parsed[0] !== lastState) parsed = [lastState, lastState && JSON.parse(lastState)];
    return parsed[1];
  }
  /** @template T @param {T} o @returns {T} */
  function freeze(o) {
    if (o && typeof o === "object" && !Object.isFrozen(o)) { Object.freeze(o); for (var k in o) freeze(o[k]); }
    return o;
  }
  // The worker sends the whole trace once, then only the rule entries that changed
  // (engine/trace.py). Entries are frozen and shared from one trace to the next, so giving
  // the trace to page code (engage:evaluated, explain()) copies nothing.
  /** @param {any} t a TRACE or DELTA @returns {Trace | null} */
  function patch(t) {
    var rules = t.rules;
    if (!rules) {
      if (!lastTrace) return lastTrace;
      rules = lastTrace.rules.slice();
      for (var k in t.changed) rules[+k] = freeze(t.changed[k]);
    }
    return freeze({now: t.now, cause: t.cause, rules: rules});
  }
  function wantTrace() { if (!tracing) { tracing = askTrace = true; send([]); } }
  /** @param {any} e */
  function msgOf(e) { return String(e && e.message || e); }
  /** @template T @param {Promise<T> | undefined} p @param {(v: T) => void} f */
  function later(p, f) { if (p) p.then(f, function () {}); }
  /** @param {string} name @param {unknown} detail */
  function emit(name, detail) { W.dispatchEvent(new CustomEvent("engage:" + name, {detail: detail})); }
  // One console.error and one engage:error per distinct message.
  /** @param {unknown} text @param {string | null} [path] @param {Record<string, unknown>} [extra] */
  function report(text, path, extra) {
    var message = String(text);
    if (reported[message]) return;
    reported[message] = 1;
    console.error("[engage] " + message + (path ? " (at " + path + ")" : ""));
    /** @type {Record<string, unknown>} */
    var detail = {message: message, path: path || null};
    for (var k in extra) if (extra[k] != null) detail[k] = extra[k];
    emit("error", detail);
    later(overlayP, function (o) { o.error(message); });
  }
  // The engine is gone: say so once, take down what was rendered, answer pending calls.
  /** @param {string} message */
  function fail(message) {
    if (dead()) return;
    go("failed");
    report(message);
    timers.forEach(clearInterval);
    clearInterval(ticker);
    clearTimeout(waker);
    try { if (worker) worker.terminate(); if (ui) ui.clear(); } catch (e) { /* best effort */ }
    waiters.concat(inflight || []).forEach(function (r) { r(null); });
    queue = []; waiters = []; inflight = null;
  }
  /** @template {Function} F @param {F} fn @returns {F} */
  function guard(fn) {
    return /** @type {F} */ (/** @type {unknown} */ (/** @this {any} */ function () { try { return fn.apply(this, arguments); } catch (e) { report("internal error: " + msgOf(e)); } }));
  }
  // Real time: page.clock (tests) fakes Date, timers and performance, not the document timeline.
  /** @returns {number | null} */
  function realNow() { return D.timeline && /** @type {number | null} */ (D.timeline.currentTime); }
  // The worker died after it had answered (a fatal, an error, no answer within ANSWER_MS):
  // start a new one once, from the last state, replaying what it had not answered; what it
  // does not show again is taken down. A second time is final.
  /** @param {string} message @param {1} [quiet] a restart of the watchdog's own: not a fault */
  function crash(message, quiet) {
    if (dead()) return;
    if (!quiet && lc.fatal(m)) return fail(message);
    if (!quiet) report(message + "; the engine is restarted");
    carried = lc.lost(carried, inflight && sent.facts || [], queue);
    try { worker.terminate(); } catch (e) { /* already gone */ }
    waiters = waiters.concat(inflight || []);
    inflight = null; queue = []; booted = false;
    go(quiet ? "restart" : "crashed");
    if (ui) restarted = ui.restarted();
    launch();
  }

  // ---- the worker: one message in flight; facts queue up meanwhile and go as one batch ----
  /** @param {Fact | Fact[]} facts @param {Waiter} [waiter] */
  function send(facts, waiter) {
    if (dead()) return waiter && waiter(null);
    queue.push.apply(queue, /** @type {Fact[]} */ ([]).concat(facts));
    if (waiter) waiters.push(waiter);
    if (!worker || !lc.canPost(m) || inflight || !(queue.length || askTrace)) return;
    post({v: 1, kind: "facts", facts: queue});
  }
  // init (the config: the engine answers what it watches) takes no facts; a facts message
  // takes the queue and its waiters.
  /** @param {{v: 1, kind: string, facts: Fact[], [key: string]: any}} msg */
  function post(msg) {
    syncOnly = lc.syncOnly(msg.facts);
    // The DOM as it is now goes with every message, after the batch's facts (the engine
    // evaluates once, after them all): a DOM change alone triggers nothing, so it is read
    // only when something is sent.
    if (obs && msg.kind !== "init" && !syncOnly) msg.facts = msg.facts.concat(obs.domForMessage(watch));
    inflight = msg.kind === "init" ? [] : waiters; sent = msg; postedAt = realNow(); msg.probe = !!probing;
    msg.trace = tracing || !!askTrace;
    if (msg.kind !== "init") askTrace = false;
    if (msg.kind !== "init") { queue = []; waiters = []; }
    msg.facts.forEach(function (f) { if (f.type === "page") lastPage = f; });
    try { worker.postMessage(msg); } catch (e) { crash("cannot message the engine worker: " + msgOf(e)); }
    ticks();
  }
  // What the site asks for (API calls, pushes) is evaluated against the page as it is now:
  // changed custom results go first, read once per task (10,000 pushes in a loop read the
  // page once); post() adds the DOM.
  /** @param {Fact} fact @returns {Fact[]} */
  function fresh(fact) {
    return obs ? obs.customForCall(watch).concat(fact) : [fact];
  }
  /** @param {Fact} fact @returns {Promise<Trace | null>} */
  function call(fact) {
    return new Promise(function (resolve) { fact.now = Date.now(); askTrace = true; send(fresh(fact), resolve); });
  }

  // ---- window.engage ----
  var api = {
    push: guard(function () { [].forEach.call(arguments, onPush); }),
    evaluate: function () { return call({type: "evaluate"}); },
    triggerRule: function (/** @type {unknown} */ name) { return call({type: "triggerRule", name: String(name)}); },
    triggerInteraction: function (/** @type {unknown} */ id) { return call({type: "triggerInteraction", id: String(id)}); },
    state: function () { return lastState && JSON.parse(lastState); },
    explain: function () { wantTrace(); return lastTrace; },
    on: function (/** @type {string} */ name, /** @type {(detail: any, event: CustomEvent) => void} */ fn) {  // on("show", (detail, event) => ...) returns an unsubscribe function
      var type = /^engage:/.test(name) ? name : "engage:" + name, h = function (/** @type {any} */ e) { fn(e.detail, e); };
      if (typeof fn !== "function") return report("engage.on(\"" + name + "\"): the listener is not a function"), function () {};
      W.addEventListener(type, h);
      if (type === "engage:evaluated") wantTrace();  // also where the page pinned addEventListener
      return function () { W.removeEventListener(type, h); };
    }
  };
  /** @param {unknown} item */
  function onPush(item) {
    /** @type {any} */
    var d;
    try { d = JSON.parse(JSON.stringify(item)); } catch (e) { /* reported below */ }
    if (!d || typeof d !== "object" || Array.isArray(d)) return report("engage.push expects a plain object such as {type: \"cart\", total: 120}");
    if (d.type === "consent" && consentNeeded) setConsent(d.granted === true);
    later(collectP, function (c) { c.push(d); });  // data-collect: conversions, consent
    send(fresh(d.type === "queueStatus"
      ? {type: "queueStatus", now: Date.now(), queueKey: d.queueKey, agentsAvailable: d.agentsAvailable, queueLength: d.queueLength}
      : {type: "push", now: Date.now(), data: d}));
  }

  // ---- storage; consent mode (SPEC 5): nothing is written before consent ----
  /** @param {boolean} granted */
  function setConsent(granted) {
    consent = granted;
    lastWritten = null;
    if (granted) persist(lastState); else try { localStorage.removeItem(KEY); } catch (e) { /* nothing stored */ }
  }
  /** @param {string | null} state the state's JSON text */
  function persist(state) {
    if (!consent || !state || state === lastWritten) return;
    try {
      localStorage.setItem(KEY, '{"savedAt":' + Date.now() + ',"state":' + state + "}");
      lastWritten = state;
    } catch (e) {
      if (!storageWarned) console.warn("[engage] cannot write localStorage (" + msgOf(e) + "); the session state is kept in memory only");
      storageWarned = true;
    }
  }
  /** @param {string | null} [raw] @returns {any} */
  function stored(raw) {
    var o;
    try { raw = raw || localStorage.getItem(KEY); } catch (e) { return null; }  // storage disabled: warned on the first write
    if (!raw) return null;
    try { o = JSON.parse(raw); } catch (e) { /* below */ }
    if (!o || !o.state || typeof o.state !== "object" || typeof o.savedAt !== "number") {
      console.warn("[engage] the stored session state is unreadable; it is dropped and a new session starts");
      return null;
    }
    if (!(Date.now() - o.savedAt < STATE_TTL_MS)) return null;
    lastWritten = JSON.stringify(o.state);
    return o.state;
  }
  // Leaving the page with facts the engine has not applied (a push just before a link, a
  // chat started as the page unloads): keep them for this tab's next page, which replays them.
  // Before web/lifecycle.js arrived (a page left within milliseconds of `load`): this page as
  // it was left (`left`) and the queue, after the journal an earlier page left and this one
  // had not read yet (`earlier`); web/lifecycle.js's `replayed` makes facts of them.
  /** @param {boolean} [drop] */
  function journal(drop) {
    var saved = null, now = Date.now();
    if (!drop && !lc) {
      var earlier = null;
      try { earlier = JSON.parse(/** @type {string} */ (sessionStorage.getItem(PENDING))); } catch (e) { /* none */ }
      saved = {savedAt: now, earlier: earlier, left: {url: location.href, title: D.title, referrer: D.referrer, now: now}, facts: queue};
    } else if (!drop) {
      var facts = lc.journal({m: m, inflight: inflight && sent ? sent.facts : [], carried: carried, queue: queue,
        page: lc.pageFact({url: location.href, title: D.title, referrer: D.referrer, cause: "load", reload: false, now: now})});
      if (facts.length) saved = {savedAt: now, facts: facts};
    }
    try {
      if (saved && consent) sessionStorage.setItem(PENDING, JSON.stringify(saved));
      else sessionStorage.removeItem(PENDING);
    } catch (e) { /* nothing kept */ }
  }
  function pending() {
    try {
      var o = JSON.parse(/** @type {string} */ (sessionStorage.getItem(PENDING)));
      sessionStorage.removeItem(PENDING);
      return lc.replayed(o, Date.now());
    } catch (e) { return []; }
  }

  // ---- the tick, other tabs, the back/forward cache (web/observe.js gathers the rest) ----
  // 1 Hz on the main thread (tests drive it with page.clock): it reads the custom paths and
  // the polled selectors, and sends only when one changed or the engine's nextTickAt has
  // come (post() then adds the other selectors): an idle tick costs almost nothing.
  // A message unanswered for `limit` (docs/architecture.md, "Watchdog"): the worker is
  // restarted in probe mode, where it names each rule before testing it. An answer then
  // was a passing stall; a second stall names its rule: the engine restarts without it (init's
  // skip) and its answer says where the rule was (skipped), which the one report names.
  /** @param {number} limit */
  function stalled(limit) {
    var msg = "the engine did not answer within " + limit / 1000 + " s";
    if (!probing) return m.restarts ? fail(msg) : crash(probing = msg, 1);
    if (!probed) return fail(msg);
    skip.push(probed);
    cut = [probed, "rule \"" + probed + "\" did not finish within " + limit / 1000 + " s (a regular expression that backtracks?); the engine restarts without it", msg];
    probing = probed = null;
    crash(msg, 1);
  }
  function tick() {
    if (dead()) return;
    if (inflight) {  // the watchdog, from the first message on
      var t = realNow(), limit = booted ? Number(attr("data-answer-timeout")) * 1000 || ANSWER_MS : bootLimit;
      if (t != null && postedAt != null && t - postedAt > limit) stalled(limit);
      return;
    }
    if (lc.canPost(m)) {
      var facts = obs.observe(watch.polledSelectors, watch.customPaths, false), now = Date.now();
      if (facts.length || (watch.nextTickAt != null && now >= watch.nextTickAt)) send(facts.concat({type: "tick", now: now}));
    }
    ticks();
  }
  // The 1 Hz timer runs only while it has work every second: a message in flight (the
  // watchdog), window paths or polled selectors to read. With only a time condition's flip
  // to wait for, one timer goes off at the engine's nextTickAt instead; with nothing, none
  // (a page whose rules read only its URL, DOM or device, once they are evaluated). Waking
  // the main thread costs a page even when the callback does nothing (docs/performance.md).
  function ticks() {
    var alive = !dead(), poll = alive && (!!inflight || watch.customPaths.length > 0 || watch.polledSelectors.length > 0);
    if (poll && !ticker) ticker = setInterval(guard(tick), 1000);
    else if (!poll && ticker) { clearInterval(ticker); ticker = 0; }
    var at = alive && !poll ? watch.nextTickAt : null;
    if (at === wakeAt) return;
    clearTimeout(waker);
    waker = 0;
    wakeAt = at;
    if (at == null) return;
    // Early by the clock's drift, the tick sends nothing and this sets the rest of the wait;
    // once the moment has passed (a tick that could not be posted), a second, as the 1 Hz
    // timer. A timer's delay is a 32-bit count of ms: a later moment is waited for in steps.
    var wait = Math.min(at - Date.now(), 0x7fffffff);
    waker = setTimeout(guard(function () { waker = 0; wakeAt = null; tick(); }), wait > 0 ? wait : 1000);
  }
  /** @param {string} type @param {(e: any) => void} fn */
  function on(type, fn) { W.addEventListener(type, guard(fn)); }
  function listen() {
    obs.navigation(function () { return watch; });
    obs.presence();
    // another tab wrote the session: merge it
    on("storage", function (e) {
      var state = e.key === KEY && e.newValue && stored(e.newValue);
      if (state) send({type: "sessionSync", state: state});
    });
    // restored from the back/forward cache: a new page view, and other tabs may have moved on
    on("pageshow", function (e) {
      var state = e.persisted && stored();
      if (e.persisted) send(/** @type {Fact[]} */ (state ? [{type: "sessionSync", state: state}] : []).concat(obs.page(watch, "load", D.referrer)));
    });
    timers.push(setInterval(guard(function () { obs.pollQueues(watch.queues); }), QUEUE_POLL_MS));
  }

  // ---- what the worker says ----
  function getUI() {
    return uiP || (uiP = import(new URL("web/ui.js", script.src).href).then(function (m) {
      return (ui = m.createUI({send: send, report: report, policy: trusted(), chat: attr("data-chat"), queues: watch.queueKeys}));
    }));
  }
  /** @param {OutputMessage} msg @param {boolean | undefined} sync @param {boolean} init */
  function output(msg, sync, init) {
    var w = msg.watch, done = Promise.resolve();
    if (w) watch = w;
    if (w && init && ui) ui.queues(w.queueKeys);
    if (w && init && consent) try { sessionStorage.setItem(QUEUES, JSON.stringify(w.queues)); } catch (e) { /* not kept */ }
    // A merge from another tab is written back when it changed something, so that storage
    // ends with what both tabs did (the engine reports no change once they agree); a few
    // in a row at most, in case two tabs never agree.
    if (msg.state) { lastState = msg.state; if (!sync || syncWrites++ < 3) persist(msg.state); if (!sync) syncWrites = 0; }
    if (msg.trace) lastTrace = patch(msg.trace);
    (msg.decisions || []).forEach(function (d) {
      later(collectP, function (c) { c.decided(d); });  // data-collect: a rule's controlGroup share
      done = done.then(function () {
        if (!d || dead()) return;
        if (d.type === "error" && d.code === "state.discarded") return console.warn("[engage] " + d.message);
        if (d.type === "error") return report(d.message, d.path, {code: d.code, problems: d.problems});
        if (d.type !== "hide" || ui) return getUI().then(function (u) { return u.decide(d); });
      }).catch(function (e) { report("cannot apply the engine's " + d.type + " decision: " + msgOf(e)); });
    });
    return done.then(function () {
      if (restarted && !init) { restarted(); restarted = null; }
      if (ui) ui.settle();
      if (msg.trace && lastTrace) {
        var trace = lastTrace;
        if (debug) console.debug("[engage] trace", trace);
        later(overlayP, function (o) { o.update(trace); });
        if (!msg.replay) emit("evaluated", trace);
      }
      // The first facts' answer (not init's): the first decision is made.
      var first = lc.phase(m) === "gathering";
      if (init || dead() || !(first || lc.phase(m) === "restarting")) return;
      go("answered");
      if (first) emit("ready", {});
    });
  }
  /** @param {any} msg */
  function receive(msg) {
    if (typeof msg === "string") msg = JSON.parse(msg);
    if (!msg || msg.v !== 1 || dead()) return;
    if (msg.kind === "probe") return void (probed = msg.rule);
    if (!booted) postedAt = realNow();  // the watchdog counts from the boot, not the post
    booted = true;
    if (msg.kind === "fatal") return crash("the engine stopped: " + msg.message);
    if (msg.kind !== "output") return;
    var answered = inflight || [], sync = syncOnly, init = sent.kind === "init", w = worker, at = init && cut && msg.skipped && msg.skipped[cut[0]];
    if (init && cut) { if (!at) return fail(cut[2]); report(cut[1], at); cut = null; }
    // The config loads, but says something the engine overrides: once per page, as validate says it.
    (msg.warnings || []).forEach(function (/** @type {string} */ text) { if (!reported[text]) { reported[text] = 1; console.warn("[engage] " + text); } });
    // an answer to facts (init's answer tests no rule) shows that the stall passed
    if (probing && !init) { go("probed"); report(probing + "; the engine is restarted"); probing = probed = null; }
    chain = chain.then(function () { return output(msg, sync, init); }).catch(function (e) { report("internal error: " + msgOf(e)); }).then(function () {
      answered.forEach(function (r) { r(lastTrace); });
      if (inflight === answered) inflight = null;
      ticks();
      if (init && w === worker && !dead()) { go("watched"); return gather(); }
      if (m.state === "left") journal();
      send([]);
    });
  }
  // The engine said what it watches: gather exactly that, and post it as the first facts.
  // A restarted worker gets the page it was on again and what the last one had not answered.
  function gather() {
    var w = worker, nav = /** @type {PerformanceNavigationTiming} */ (performance.getEntriesByType("navigation")[0]);
    /** @param {Fact[]} facts */
    function first(facts) { queue = facts.concat(queue); carried = []; post({v: 1, kind: "facts", facts: queue}); }
    if (lc.phase(m) === "restarting") {
      return first(lc.replay({observed: obs.observeAll(watch, true), lastPage: lastPage, url: location.href, title: D.title, lost: carried, now: Date.now()}));
    }
    var device = dev.deviceFact();
    // High-entropy client hints: one promise, never waited for; the fact is sent again with them.
    if (watch.device) dev.deviceHints(device).then(guard(function (/** @type {Fact | null} */ f) { if (f) send(f); }));
    // A variant chosen by agent availability must see the queue's status the first time.
    Promise.race([obs.pollQueues(watch.queues, true), new Promise(function (r) { setTimeout(r, QUEUE_WAIT_MS); })]).then(guard(function () {
      if (dead() || w !== worker) return;
      first([device, {type: "visibility", now: Date.now(), visible: !D.hidden}].concat(carried, obs.page(watch, "load", D.referrer, !!nav && nav.type === "reload")));
    }));
  }

  // ---- boot, after the page's load event unless data-eager ----
  function loadConfig() {
    var src = attr("data-config"), el = D.getElementById("engage-config");
    var url = src && new URL(src, D.baseURI).href, what = src ? "config " + url : "the #engage-config script";
    if (!src && !el) throw new Error("no config: give the loader script data-config=\"URL\" or add <script type=\"application/json\" id=\"engage-config\">");
    return (src ? fetch(/** @type {string} */ (url), {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.text();
    }).catch(function (e) { throw new Error(what + " could not be loaded: " + msgOf(e)); }) : Promise.resolve(/** @type {HTMLElement} */ (el).textContent))
      .then(function (text) {
        var cfg;
        try { cfg = JSON.parse(text); } catch (e) {
          var own = !/\[native code\]/.test(Function.prototype.toString.call(JSON.parse));
          throw new Error(what + (own ? " could not be read: a script of this page replaced JSON.parse, which failed: " : " is not valid JSON: ") + msgOf(e));
        }
        if (!cfg || typeof cfg !== "object" || Array.isArray(cfg)) throw new Error(what + " must be a JSON object with \"version\" and \"rules\"");
        return cfg;
      });
  }
  // Trusted Types (require-trusted-types-for 'script'): one policy, "engage". Its script URLs
  // are files of the loader's own folder; its HTML goes only to DOMPurify (web/ui.js).
  function trusted() {
    var tt = W.trustedTypes, base = new URL(".", script.src).href;
    if (policy === undefined) {
      try {
        policy = tt && tt.createPolicy ? tt.createPolicy("engage", {
          createScriptURL: function (u) { if (u.indexOf(base)) throw new Error(u + " is not in " + base); return u; },
          createHTML: function (html) { return html; }
        }) : null;
      } catch (e) { policy = null; console.warn("[engage] no Trusted Types policy \"engage\" (" + msgOf(e) + "); add engage to the page's trusted-types directive"); }
    }
    return policy;
  }
  // The visitor id (control-group buckets) is derived from this: unpredictable where the
  // browser can say so.
  function seed() {
    var c = W.crypto, a = c && c.getRandomValues ? c.getRandomValues(new Uint32Array(4)) : [Math.random() * 4294967296];
    return [].map.call(a, function (/** @type {number} */ n) { return (n >>> 0).toString(36); }).join("") + Date.now().toString(36);
  }
  function launch() {
    var url = new URL("web/worker.js", script.src).href;
    /** @type {Worker} */
    var w;
    try { w = worker = new Worker(policy ? policy.createScriptURL(url) : url, {type: "module"}); } catch (e) {
      return fail("cannot start the engine worker " + url + ": " + msgOf(e) + (W.trustedTypes && !policy ? " (allow the Trusted Types policy engage: trusted-types engage)" : ""));
    }
    w.onerror = function (/** @type {ErrorEvent} */ e) {
      e.preventDefault();
      if (w === worker) crash("the engine worker failed" + (e.message ? ": " + e.message : " to load " + url));
    };
    w.onmessageerror = function () { if (w === worker) crash("unreadable message from the engine worker"); };
    w.onmessage = guard(function (/** @type {MessageEvent} */ e) { if (w === worker) receive(e.data); });
    // The worker boots meanwhile and takes init first: the engine compiles the config and
    // answers what it watches (gather() reads that), before it evaluates anything.
    post({v: 1, kind: "init", config: cfg, configError: null, skip: skip, state: stateObject(), seed: seed(), facts: []});
  }
  /** @param {[Config, typeof import("./web/observe.js"), typeof import("./web/signals.js"), void]} loaded */
  function start(loaded) {
    if (dead()) return;
    cfg = loaded[0];
    obs = loaded[1].createObserver({send: send, report: report, guard: guard});
    dev = loaded[2];
    trusted();
    // stored() keeps the text of what it read as lastWritten: the state as storage holds it
    lastState = stored() ? /** @type {string} */ (lastWritten) : null;
    carried = pending();
    try { obs.prefetch(JSON.parse(sessionStorage.getItem(QUEUES) || "{}")); } catch (e) { /* read after the engine's answer */ }
    queue = lc.restamp(queue, Date.now());  // pushes and calls made before boot, in order
    launch();
    listen();
    // The renderer and its stylesheet load while Pyodide boots, not after the first decision
    // (on every page: what the engine will show is known only after it booted).
    getUI().then(function (u) { return u.prepare(); }).catch(function () { /* reported when needed */ });
  }
  function boot() {
    if (typeof WebAssembly !== "object") return fail("WebAssembly is not available (unsupported, or blocked by the Content-Security-Policy); the engine cannot run");
    if (typeof Worker !== "function") return fail("Web Workers are not available; the engine cannot run");
    if (!script || !script.src) return fail("cannot find the loader's own <script src=\".../loader.js\"> element");
    // From here to the worker's first message (config, observe.js, signals.js, Pyodide): bootLimit, real time.
    bootLimit = Number(attr("data-boot-timeout")) * 1000 || BOOT_TIMEOUT_MS;
    var t0 = realNow(), late = guard(function () {
      var spent = t0 == null || realNow() == null ? bootLimit : /** @type {number} */ (realNow()) - t0;
      if (booted || dead()) return;
      if (spent < bootLimit) return setTimeout(late, bootLimit - spent);
      fail("the engine did not start within " + bootLimit / 1000 + " s" + (worker ? "" : " (the config or web/observe.js did not load)"));
    });
    setTimeout(late, bootLimit);
    if (debug) {
      overlayP = import(new URL("web/debug.js", script.src).href).then(function (m) { return m.createOverlay(); });
      overlayP.catch(function (e) { report("cannot load the debug overlay: " + msgOf(e)); });
    }
    // The state table arrives with the other modules, after the page's load event: events
    // before it (pagehide, pushes) wait in `early` and are replayed through it in order.
    var lcP = import(new URL("web/lifecycle.js", script.src).href).then(function (mod) {
      m = early.reduce(function (x, e) { return mod.step(x, e); }, mod.machine());
      lc = mod;
    });
    Promise.all([new Promise(function (resolve) { resolve(loadConfig()); }), import(new URL("web/observe.js", script.src).href),
      import(new URL("web/signals.js", script.src).href), lcP])
      .then(start).catch(function (e) { fail(msgOf(e)); });
  }

  guard(function () {
    var prior = /** @type {any} */ (W.engage);
    if (prior && !Array.isArray(prior)) {
      if (typeof prior.evaluate === "function") return console.warn("[engage] loader.js is included twice; the second copy does nothing");
      return fail("window.engage is already used by something else on this page; the engine does not start");
    }
    try { W.engage = api; } catch (e) { /* read-only: below */ }
    if (W.engage !== api) return fail("window.engage is read-only on this page (a script defined or froze it); the engine does not start");
    try {  // an engage:evaluated listener from now on turns the trace on (docs/loader.md#the-trace)
      var listen = W.addEventListener;
      W.addEventListener = function (/** @type {string} */ type) { if (type === "engage:evaluated") wantTrace(); return listen.apply(this, /** @type {any} */ (arguments)); };
    } catch (e) { /* a page that pinned addEventListener: data-trace or engage.on("evaluated") still work */ }
    // data-lptag="sdes": LivePerson's lpTag.sdes pushes become engage pushes (web/lptag.js)
    if (attr("data-lptag") === "sdes") import(new URL("web/lptag.js", script.src).href).then(function (m) { m.install(api.push, report); })
      .catch(function (e) { report("cannot install lpTag.sdes (web/lptag.js): " + msgOf(e)); });
    on("pagehide", function () { go("pagehide"); journal(dead()); });
    on("pageshow", function (e) { if (e.persisted) { go("pageshow"); journal(true); } });
    if (attr("data-collect")) collectP = import(new URL("web/collect.js", script.src).href).then(function (m) {
      return m.createCollector({url: attr("data-collect"), consent: function () { return consent; }, state: stateObject, report: report});
    }, function (e) { report("cannot load web/collect.js (data-collect): " + msgOf(e)); });
    if (prior) prior.forEach(function (/** @type {unknown} */ item) { api.push(item); });  // sent at boot, in order
    if (attr("data-eager") !== null || D.readyState === "complete") boot();
    else W.addEventListener("load", guard(boot), {once: true});
  })();
})();

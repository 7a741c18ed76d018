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

  var script = /** @type {HTMLScriptElement} */ (D.currentScript || D.querySelector('script[src*="loader.js"]'));
  function attr(n) { return script && script.getAttribute(n); }
  var debug = (attr("data-debug") !== null && attr("data-debug") !== "false") || /[?&]engage-debug(=|&|$)/.test(location.search);
  var consentNeeded = attr("data-consent") === "required", consent = !consentNeeded;
  // The engine sends its trace only while it is read (docs/loader.md#the-trace): debug,
  // data-trace, explain(), or an engage:evaluated listener added after this script ran.
  var tracing = debug || attr("data-trace") !== null, askTrace;
  var worker, held, obs, collectP, dead, booted, ready, inflight, syncOnly, uiP, ui, overlayP, storageWarned;
  var probing, probed, ticking;  // after a stall: the restarted worker names each rule it tests
  var cfg, policy, sent, postedAt, lastPage, observing, restarts = 0, syncWrites = 0, restarted, left, bootLimit = BOOT_TIMEOUT_MS;
  var queue = [], waiters = [], chain = Promise.resolve(), timers = [], reported = {};
  var watch = {selectors: [], customPaths: [], nextTickAt: null}, lastState = null, lastTrace = null, lastWritten;

  function copy(o) { return o == null ? null : JSON.parse(JSON.stringify(o)); }
  function freeze(o) {
    if (o && typeof o === "object" && !Object.isFrozen(o)) { Object.freeze(o); for (var k in o) freeze(o[k]); }
    return o;
  }
  // The worker sends the whole trace once, then only the rule entries that changed
  // (engine/trace.py). Entries are frozen and shared from one trace to the next, so giving
  // the trace to page code (engage:evaluated, explain()) copies nothing.
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
  function msgOf(e) { return String(e && e.message || e); }
  function later(p, f) { if (p) p.then(f, function () {}); }
  function emit(name, detail) { W.dispatchEvent(new CustomEvent("engage:" + name, {detail: detail})); }
  // One console.error and one engage:error per distinct message.
  function report(message, path, extra) {
    message = String(message);
    if (reported[message]) return;
    reported[message] = 1;
    console.error("[engage] " + message + (path ? " (at " + path + ")" : ""));
    var detail = {message: message, path: path || null};
    for (var k in extra) if (extra[k] != null) detail[k] = extra[k];
    emit("error", detail);
    later(overlayP, function (o) { o.error(message); });
  }
  // The engine is gone: say so once, take down what was rendered, answer pending calls.
  function fail(message) {
    if (dead) return;
    dead = true;
    report(message);
    timers.forEach(clearInterval);
    try { if (worker) worker.terminate(); if (ui) ui.clear(); } catch (e) { /* best effort */ }
    waiters.concat(inflight || []).forEach(function (r) { r(null); });
    queue = []; waiters = []; inflight = null;
  }
  function guard(fn) {
    return /** @this {any} */ function () { try { return fn.apply(this, arguments); } catch (e) { report("internal error: " + msgOf(e)); } };
  }
  // Real time: page.clock (tests) fakes Date, timers and performance, not the document timeline.
  /** @returns {number | null} */
  function realNow() { return D.timeline && /** @type {number | null} */ (D.timeline.currentTime); }
  // The worker died after it had answered (a fatal, an error, no answer within ANSWER_MS):
  // start a new one once, from the last state, replaying what it had not answered; what it
  // does not show again is taken down. A second time is final.
  function crash(message, quiet) {
    if (dead) return;
    if (!quiet && (!ready || restarts++)) return fail(message);
    if (!quiet) report(message + "; the engine is restarted");
    var lost = (inflight && sent.facts || []).concat(queue).filter(function (f) { return f.type !== "page" && f.type !== "tick"; });
    try { worker.terminate(); } catch (e) { /* already gone */ }
    waiters = waiters.concat(inflight || []);
    inflight = null; queue = []; booted = false;
    if (ui) restarted = ui.restarted();
    launch(obs.observe(watch, true).concat(lastPage ? [Object.assign({}, lastPage, {url: location.href, title: D.title, cause: "load", reload: true})] : [],
      lost, {type: "tick", now: Date.now()}));
  }

  // ---- the worker: one message in flight; facts queue up meanwhile and go as one batch ----
  function send(facts, waiter) {
    if (dead) return waiter && waiter(null);
    queue.push.apply(queue, [].concat(facts));
    if (waiter) waiters.push(waiter);
    if (!worker || held || inflight || !(queue.length || askTrace)) return;
    syncOnly = queue.every(function (f) { return f.type === "sessionSync"; });
    post({v: 1, kind: "facts", facts: queue});
  }
  function post(msg) {
    inflight = waiters; sent = msg; postedAt = realNow(); msg.probe = !!probing;
    msg.trace = tracing || !!askTrace; askTrace = false;
    queue = []; waiters = [];
    msg.facts.forEach(function (f) { if (f.type === "page") lastPage = f; });
    try { worker.postMessage(msg); } catch (e) { crash("cannot message the engine worker: " + msgOf(e)); }
  }
  // What the site asks for (API calls, pushes) is evaluated against the page as it is now:
  // changed selector / custom results go first, read once per task (10,000 pushes in a loop
  // read the page once).
  function fresh(fact) {
    if (!obs || observing) return [fact];
    observing = true;
    Promise.resolve().then(function () { observing = false; });
    return obs.observe(watch, false).concat(fact);
  }
  function call(fact) {
    return new Promise(function (resolve) { fact.now = Date.now(); askTrace = true; send(fresh(fact), resolve); });
  }

  // ---- window.engage ----
  var api = {
    push: guard(function () { [].forEach.call(arguments, onPush); }),
    evaluate: function () { return call({type: "evaluate"}); },
    triggerRule: function (name) { return call({type: "triggerRule", name: String(name)}); },
    triggerInteraction: function (id) { return call({type: "triggerInteraction", id: String(id)}); },
    state: function () { return copy(lastState); },
    explain: function () { wantTrace(); return lastTrace; },
    on: function (name, fn) {  // on("show", (detail, event) => ...) returns an unsubscribe function
      var type = /^engage:/.test(name) ? name : "engage:" + name, h = function (e) { fn(e.detail, e); };
      if (typeof fn !== "function") return report("engage.on(\"" + name + "\"): the listener is not a function"), function () {};
      W.addEventListener(type, h);
      if (type === "engage:evaluated") wantTrace();  // also where the page pinned addEventListener
      return function () { W.removeEventListener(type, h); };
    }
  };
  function onPush(item) {
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
  function setConsent(granted) {
    consent = granted;
    lastWritten = null;
    if (granted) persist(lastState); else try { localStorage.removeItem(KEY); } catch (e) { /* nothing stored */ }
  }
  function persist(state) {
    var s = consent && state && JSON.stringify(state);
    if (!s || s === lastWritten) return;
    try {
      localStorage.setItem(KEY, JSON.stringify({savedAt: Date.now(), state: state}));
      lastWritten = s;
    } catch (e) {
      if (!storageWarned) console.warn("[engage] cannot write localStorage (" + msgOf(e) + "); the session state is kept in memory only");
      storageWarned = true;
    }
  }
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
  function journal(drop) {
    drop = drop || dead;
    var keep = {push: 1, action: 1, page: 1}, facts = drop ? [] : (inflight && sent ? sent.facts : held || []).concat(queue);
    if (!drop && !sent && !held) facts.unshift({type: "page", now: Date.now(), url: location.href, title: D.title, referrer: D.referrer, cause: "load", reload: false});
    facts = facts.filter(function (f) { return keep[f.type]; });
    try {
      if (facts.length && consent) sessionStorage.setItem(PENDING, JSON.stringify({savedAt: Date.now(), facts: facts}));
      else sessionStorage.removeItem(PENDING);
    } catch (e) { /* nothing kept */ }
  }
  function pending() {
    try {
      var o = JSON.parse(/** @type {string} */ (sessionStorage.getItem(PENDING)));
      sessionStorage.removeItem(PENDING);
      return o && Array.isArray(o.facts) && Date.now() - o.savedAt < 18e5 ? o.facts.filter(function (f) { return f && typeof f.type === "string"; }) : [];
    } catch (e) { return []; }
  }

  // ---- the tick, other tabs, the back/forward cache (web/observe.js gathers the rest) ----
  // 1 Hz on the main thread (tests drive it with page.clock). It sends only when a watched
  // result changed or the engine's nextTickAt has come: an idle tick costs almost nothing.
  // A message unanswered for `limit` (docs/architecture.md, "Watchdog"): the worker is
  // restarted in probe mode, where it names each rule before testing it. An answer then
  // was a passing stall; a second stall names its rule: the engine restarts without it.
  function stalled(limit) {
    var m = "the engine did not answer within " + limit / 1000 + " s", rules = cfg && cfg.rules || [], i = rules.length;
    if (!probing) return restarts ? fail(m) : crash(probing = m, 1);
    while (i-- && (!rules[i] || rules[i].name !== probed)) { /* find it */ }
    if (i < 0) return fail(m);
    cfg = Object.assign({}, cfg, {rules: rules.slice(0, i).concat(rules.slice(i + 1))});
    report("rule \"" + probed + "\" did not finish within " + limit / 1000 + " s (a regular expression that backtracks?); the engine restarts without it", "rules[" + i + "]");
    probing = probed = null;
    crash(m, 1);
  }
  function tick() {
    if (dead) return;
    if (inflight) {  // the watchdog, from the first message on
      var t = realNow(), limit = booted ? Number(attr("data-answer-timeout")) * 1000 || ANSWER_MS : bootLimit;
      if (t != null && postedAt != null && t - postedAt > limit) stalled(limit);
      return;
    }
    if (!ready) return;
    var facts = obs.observe(watch, false), now = Date.now();
    if (facts.length || (watch.nextTickAt != null && now >= watch.nextTickAt)) send(facts.concat({type: "tick", now: now}));
  }
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
      if (e.persisted) send((state ? [{type: "sessionSync", state: state}] : []).concat(obs.page(watch, "load", D.referrer)));
    });
    timers.push(setInterval(guard(obs.pollQueues), QUEUE_POLL_MS));
  }

  // ---- what the worker says ----
  function getUI() {
    return uiP || (uiP = import(new URL("web/ui.js", script.src).href).then(function (m) {
      return (ui = m.createUI({send: send, report: report, policy: trusted(), chat: attr("data-chat"), queues: Object.keys(cfg && cfg.queues || {})}));
    }));
  }
  function output(msg, sync) {
    var w = msg.watch, done = Promise.resolve();
    if ("watch" in msg) watch = {selectors: w && w.selectors || [], customPaths: w && w.customPaths || [], nextTickAt: w && w.nextTickAt != null ? w.nextTickAt : null};
    // A merge from another tab is written back when it changed something, so that storage
    // ends with what both tabs did (the engine reports no change once they agree); a few
    // in a row at most, in case two tabs never agree.
    if (msg.state) { lastState = msg.state; if (!sync || syncWrites++ < 3) persist(msg.state); if (!sync) syncWrites = 0; }
    if (msg.trace) lastTrace = patch(msg.trace);
    (msg.decisions || []).forEach(function (d) {
      done = done.then(function () {
        if (!d || dead) return;
        if (d.type === "error" && d.code === "state.discarded") return console.warn("[engage] " + d.message);
        if (d.type === "error") return report(d.message, d.path, {code: d.code, problems: d.problems});
        if (d.type !== "hide" || ui) return getUI().then(function (u) { return u.decide(d); });
      }).catch(function (e) { report("cannot apply the engine's " + d.type + " decision: " + msgOf(e)); });
    });
    return done.then(function () {
      if (restarted) { restarted(); restarted = null; }
      if (ui) ui.settle();
      if (msg.trace && lastTrace) {
        var trace = lastTrace;
        if (debug) console.debug("[engage] trace", trace);
        later(overlayP, function (o) { o.update(trace); });
        if (!msg.replay) emit("evaluated", trace);
      }
      if (!ready && !dead) {
        ready = true;
        emit("ready", {});
      }
    });
  }
  function receive(msg) {
    if (typeof msg === "string") msg = JSON.parse(msg);
    if (!msg || msg.v !== 1 || dead) return;
    if (msg.kind === "probe") return void (probed = msg.rule);
    if (!booted) postedAt = realNow();  // the watchdog counts from the boot, not the post
    booted = true;
    if (msg.kind === "fatal") return crash("the engine stopped: " + msg.message);
    if (msg.kind !== "output") return;
    if (probing) { restarts++; report(probing + "; the engine is restarted"); probing = probed = null; }
    var answered = inflight || [], sync = syncOnly;
    chain = chain.then(function () { return output(msg, sync); }).catch(function (e) { report("internal error: " + msgOf(e)); }).then(function () {
      answered.forEach(function (r) { r(lastTrace); });
      if (inflight === answered) inflight = null;
      if (left) journal();
      send([]);
    });
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
  function launch(facts, gate) {
    var url = new URL("web/worker.js", script.src).href, w;
    if (!ticking) ticking = timers.push(setInterval(guard(tick), 1000));
    try { w = worker = new Worker(policy ? policy.createScriptURL(url) : url, {type: "module"}); } catch (e) {
      return fail("cannot start the engine worker " + url + ": " + msgOf(e) + (W.trustedTypes && !policy ? " (allow the Trusted Types policy engage: trusted-types engage)" : ""));
    }
    w.onerror = function (e) {
      e.preventDefault();
      if (w === worker) crash("the engine worker failed" + (e.message ? ": " + e.message : " to load " + url));
    };
    w.onmessageerror = function () { if (w === worker) crash("unreadable message from the engine worker"); };
    w.onmessage = guard(function (e) { if (w === worker) receive(e.data); });
    // The worker boots meanwhile; init (and with it the first evaluation) waits for `gate`,
    // and takes whatever was sent in between (the first queue statuses) along. Until then
    // the facts are `held`, where a page left meanwhile still finds them (journal).
    held = facts;
    Promise.resolve(gate).then(guard(function () {
      if (dead || w !== worker) return;
      held = null;
      post({v: 1, kind: "init", config: cfg, configError: null, state: lastState,
        seed: seed(), facts: facts.concat(queue)});
    }));
  }
  function start(loaded) {
    var nav = /** @type {PerformanceNavigationTiming} */ (performance.getEntriesByType("navigation")[0]), dev = loaded[2];
    if (dead) return;
    cfg = loaded[0];
    obs = loaded[1].createObserver({send: send, report: report, guard: guard, config: cfg});
    watch = loaded[1].configWatch(cfg);
    trusted();
    lastState = stored();
    var facts = [dev.deviceFact(), {type: "visibility", now: Date.now(), visible: !D.hidden}].concat(pending(), obs.page(watch, "load", D.referrer, !!nav && nav.type === "reload"));
    queue.forEach(function (f) { if ("now" in f) f.now = Date.now(); });  // pushes and calls made before boot, in order
    facts = facts.concat(queue);
    queue = [];
    // A variant chosen by agent availability must see the queue's status the first time.
    launch(facts, Promise.race([obs.pollQueues(true), new Promise(function (r) { setTimeout(r, QUEUE_WAIT_MS); })]));
    // High-entropy client hints: one promise, never waited for; the fact is sent again with them.
    if (dev.wantsDevice(cfg)) dev.deviceHints(facts[0]).then(guard(function (f) { if (f) send(f); }));
    listen();
    // The renderer and its stylesheet load while Pyodide boots, not after the first decision.
    if (cfg && cfg.interactions) getUI().then(function (u) { return u.prepare(); }).catch(function () { /* reported when needed */ });
  }
  function boot() {
    if (typeof WebAssembly !== "object") return fail("WebAssembly is not available (unsupported, or blocked by the Content-Security-Policy); the engine cannot run");
    if (typeof Worker !== "function") return fail("Web Workers are not available; the engine cannot run");
    if (!script || !script.src) return fail("cannot find the loader's own <script src=\".../loader.js\"> element");
    // From here to the worker's first message (config, observe.js, signals.js, Pyodide): bootLimit, real time.
    bootLimit = Number(attr("data-boot-timeout")) * 1000 || BOOT_TIMEOUT_MS;
    var t0 = realNow(), late = guard(function () {
      var spent = t0 == null || realNow() == null ? bootLimit : /** @type {number} */ (realNow()) - t0;
      if (booted || dead) return;
      if (spent < bootLimit) return setTimeout(late, bootLimit - spent);
      fail("the engine did not start within " + bootLimit / 1000 + " s" + (worker ? "" : " (the config or web/observe.js did not load)"));
    });
    setTimeout(late, bootLimit);
    if (debug) {
      overlayP = import(new URL("web/debug.js", script.src).href).then(function (m) { return m.createOverlay(); });
      overlayP.catch(function (e) { report("cannot load the debug overlay: " + msgOf(e)); });
    }
    Promise.all([new Promise(function (resolve) { resolve(loadConfig()); }), import(new URL("web/observe.js", script.src).href),
      import(new URL("web/signals.js", script.src).href)])
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
      W.addEventListener = function (type) { if (type === "engage:evaluated") wantTrace(); return listen.apply(this, /** @type {any} */ (arguments)); };
    } catch (e) { /* a page that pinned addEventListener: data-trace or engage.on("evaluated") still work */ }
    // data-lptag="sdes": LivePerson's lpTag.sdes pushes become engage pushes (web/lptag.js)
    if (attr("data-lptag") === "sdes") import(new URL("web/lptag.js", script.src).href).then(function (m) { m.install(api.push, report); })
      .catch(function (e) { report("cannot install lpTag.sdes (web/lptag.js): " + msgOf(e)); });
    on("pagehide", function () { left = true; journal(); });
    on("pageshow", function (e) { if (e.persisted) { left = false; journal(true); } });
    if (attr("data-collect")) collectP = import(new URL("web/collect.js", script.src).href).then(function (m) {
      return m.createCollector({url: attr("data-collect"), consent: function () { return consent; }, state: function () { return lastState; }, config: function () { return cfg; }, report: report});
    }, function (e) { report("cannot load web/collect.js (data-collect): " + msgOf(e)); });
    if (prior) prior.forEach(function (item) { api.push(item); });  // sent at boot, in order
    if (attr("data-eager") !== null || D.readyState === "complete") boot();
    else W.addEventListener("load", guard(boot), {once: true});
  })();
})();

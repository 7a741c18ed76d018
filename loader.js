/*! engage loader (docs/architecture.md): gathers facts, stores the session, runs the engine in
 * web/worker.js and hands its decisions to web/ui.js. ES2017, so browsers without WebAssembly
 * still parse it and fail politely. Its only global is window.engage. */
(function () {
  "use strict";
  var W = window, D = document, KEY = "engage:state";
  var STATE_TTL_MS = 90 * 864e5;   // the engine ends idle sessions (30 min) itself; visitor state lives 90 days
  var BOOT_TIMEOUT_MS = 20000;     // no `booted` by then (real time): give up. data-boot-timeout="SECONDS" overrides
  var QUEUE_POLL_MS = 30000;       // queues.*.statusUrl is read at boot and this often

  var script = D.currentScript || D.querySelector('script[src*="loader.js"]');
  function attr(n) { return script && script.getAttribute(n); }
  var debug = (attr("data-debug") !== null && attr("data-debug") !== "false") || /[?&]engage-debug(=|&|$)/.test(location.search);
  var consentNeeded = attr("data-consent") === "required", consent = !consentNeeded;
  var worker, obs, dead, booted, ready, inflight, syncOnly, uiP, ui, overlayP, storageWarned;
  var queue = [], waiters = [], chain = Promise.resolve(), timers = [], reported = {};
  var watch = {selectors: [], customPaths: [], nextTickAt: null}, lastState = null, lastTrace = null, lastWritten;

  function copy(o) { return o == null ? null : JSON.parse(JSON.stringify(o)); }
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
    return function () { try { return fn.apply(this, arguments); } catch (e) { report("internal error: " + msgOf(e)); } };
  }

  // ---- the worker: one message in flight; facts queue up meanwhile and go as one batch ----
  function send(facts, waiter) {
    if (dead) return waiter && waiter(null);
    queue = queue.concat(facts);
    if (waiter) waiters.push(waiter);
    if (!worker || inflight || !queue.length) return;
    syncOnly = queue.every(function (f) { return f.type === "sessionSync"; });
    post({v: 1, kind: "facts", facts: queue});
  }
  function post(msg) {
    inflight = waiters;
    queue = []; waiters = [];
    try { worker.postMessage(msg); } catch (e) { fail("cannot message the engine worker: " + msgOf(e)); }
  }
  // What the site asks for (API calls, pushes) is evaluated against the page as it is now:
  // changed selector / custom results go first.
  function fresh(fact) { return (obs ? obs.observe(watch, false) : []).concat(fact); }
  function call(fact) {
    return new Promise(function (resolve) { fact.now = Date.now(); send(fresh(fact), resolve); });
  }

  // ---- window.engage ----
  var api = {
    push: guard(function () { [].forEach.call(arguments, onPush); }),
    evaluate: function () { return call({type: "evaluate"}); },
    triggerRule: function (name) { return call({type: "triggerRule", name: String(name)}); },
    triggerInteraction: function (id) { return call({type: "triggerInteraction", id: String(id)}); },
    state: function () { return copy(lastState); },
    explain: function () { return copy(lastTrace); },
    on: function (name, fn) {  // on("show", (detail, event) => ...) returns an unsubscribe function
      var type = /^engage:/.test(name) ? name : "engage:" + name, h = function (e) { fn(e.detail, e); };
      if (typeof fn !== "function") return report("engage.on(\"" + name + "\"): the listener is not a function"), function () {};
      W.addEventListener(type, h);
      return function () { W.removeEventListener(type, h); };
    }
  };
  function onPush(item) {
    var d;
    try { d = JSON.parse(JSON.stringify(item)); } catch (e) { /* reported below */ }
    if (!d || typeof d !== "object" || Array.isArray(d)) return report("engage.push expects a plain object such as {type: \"cart\", total: 120}");
    if (d.type === "consent" && consentNeeded) setConsent(d.granted === true);
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
    try {
      var o = JSON.parse(raw || localStorage.getItem(KEY));
      if (!o || !o.state || typeof o.state !== "object" || !(Date.now() - o.savedAt < STATE_TTL_MS)) return null;
      lastWritten = JSON.stringify(o.state);
      return o.state;
    } catch (e) { return null; }
  }

  // ---- the tick, other tabs, the back/forward cache (web/observe.js gathers the rest) ----
  // 1 Hz on the main thread (tests drive it with page.clock). It sends only when a watched
  // result changed or the engine's nextTickAt has come: an idle tick costs almost nothing.
  function tick() {
    if (dead || !ready || inflight) return;
    var facts = obs.observe(watch, false), now = Date.now();
    if (facts.length || (watch.nextTickAt != null && now >= watch.nextTickAt)) send(facts.concat({type: "tick", now: now}));
  }
  function on(type, fn) { W.addEventListener(type, guard(fn)); }
  function listen() {
    obs.navigation(function () { return watch; });
    obs.presence();
    // another tab wrote the session: merge it (the merge itself is not written back)
    on("storage", function (e) {
      var state = e.key === KEY && e.newValue && stored(e.newValue);
      if (state) send({type: "sessionSync", state: state});
    });
    // restored from the back/forward cache: a new page view, and other tabs may have moved on
    on("pageshow", function (e) {
      var state = e.persisted && stored();
      if (e.persisted) send((state ? [{type: "sessionSync", state: state}] : []).concat(obs.page(watch, "load", D.referrer)));
    });
    obs.pollQueues(true);
    timers.push(setInterval(guard(obs.pollQueues), QUEUE_POLL_MS));
  }

  // ---- what the worker says ----
  function getUI() {
    return uiP || (uiP = import(new URL("web/ui.js", script.src).href).then(function (m) {
      return (ui = m.createUI({send: send, report: report}));
    }));
  }
  function output(msg, sync) {
    var w = msg.watch, done = Promise.resolve();
    if ("watch" in msg) watch = {selectors: w && w.selectors || [], customPaths: w && w.customPaths || [], nextTickAt: w && w.nextTickAt != null ? w.nextTickAt : null};
    if (msg.state) { lastState = msg.state; if (!sync) persist(msg.state); }
    if (msg.trace) lastTrace = msg.trace;
    (msg.decisions || []).forEach(function (d) {
      done = done.then(function () {
        if (!d || dead) return;
        if (d.type === "error") return report(d.message, d.path, {code: d.code, problems: d.problems});
        if (d.type !== "hide" || ui) return getUI().then(function (u) { return u.decide(d); });
      }).catch(function (e) { report("cannot apply the engine's " + d.type + " decision: " + msgOf(e)); });
    });
    return done.then(function () {
      if (ui) ui.settle();
      if (msg.trace) {
        if (debug) console.debug("[engage] trace", msg.trace);
        later(overlayP, function (o) { o.update(msg.trace); });
        emit("evaluated", copy(msg.trace));
      }
      if (!ready && !dead) {
        ready = true;
        timers.push(setInterval(guard(tick), 1000));
        emit("ready", {});
      }
    });
  }
  function receive(msg) {
    if (typeof msg === "string") msg = JSON.parse(msg);
    if (!msg || msg.v !== 1 || dead) return;
    booted = true;
    if (msg.kind === "fatal") return fail("the engine stopped: " + msg.message);
    if (msg.kind !== "output") return;
    var answered = inflight || [], sync = syncOnly;
    chain = chain.then(function () { return output(msg, sync); }).catch(function (e) { report("internal error: " + msgOf(e)); }).then(function () {
      answered.forEach(function (r) { r(copy(lastTrace)); });
      if (inflight === answered) inflight = null;
      send([]);
    });
  }

  // ---- boot, after the page's load event unless data-eager ----
  function loadConfig() {
    var src = attr("data-config"), el = D.getElementById("engage-config");
    var url = src && new URL(src, D.baseURI).href, what = src ? "config " + url : "the #engage-config script";
    if (!src && !el) throw new Error("no config: give the loader script data-config=\"URL\" or add <script type=\"application/json\" id=\"engage-config\">");
    return (src ? fetch(url, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.text();
    }).catch(function (e) { throw new Error(what + " could not be loaded: " + msgOf(e)); }) : Promise.resolve(el.textContent))
      .then(function (text) {
        var cfg;
        try { cfg = JSON.parse(text); } catch (e) { throw new Error(what + " is not valid JSON: " + msgOf(e)); }
        if (!cfg || typeof cfg !== "object" || Array.isArray(cfg)) throw new Error(what + " must be a JSON object with \"version\" and \"rules\"");
        return cfg;
      });
  }
  function start(loaded) {
    var cfg = loaded[0];
    var url = new URL("web/worker.js", script.src).href, limit = Number(attr("data-boot-timeout")) * 1000 || BOOT_TIMEOUT_MS;
    // Counted in real time: a test's fake clock (page.clock also fakes AbortSignal.timeout)
    // may run ahead, so the document timeline, which it leaves alone, has the last word.
    var t0 = D.timeline && D.timeline.currentTime, late = guard(function () {
      var spent = t0 == null || D.timeline.currentTime == null ? limit : D.timeline.currentTime - t0;
      if (booted || dead) return;
      if (spent < limit) return setTimeout(late, limit - spent);
      fail("the engine did not start within " + limit / 1000 + " s");
    });
    var ua = navigator.userAgentData, nav = performance.getEntriesByType("navigation")[0];
    if (dead) return;
    obs = loaded[1].createObserver({send: send, report: report, guard: guard, config: cfg});
    try { worker = new Worker(url, {type: "module"}); } catch (e) { return fail("cannot start the engine worker " + url + ": " + msgOf(e)); }
    worker.onerror = function (e) {
      e.preventDefault();
      fail("the engine worker failed" + (e.message ? ": " + e.message : " to load " + url));
    };
    worker.onmessageerror = function () { fail("unreadable message from the engine worker"); };
    worker.onmessage = guard(function (e) { receive(e.data); });
    setTimeout(late, limit);
    watch = loaded[1].configWatch(cfg);
    var facts = [{type: "device", userAgent: navigator.userAgent, mobile: ua && typeof ua.mobile === "boolean" ? ua.mobile : null,
      maxTouchPoints: typeof navigator.maxTouchPoints === "number" ? navigator.maxTouchPoints : null},
    {type: "visibility", now: Date.now(), visible: !D.hidden}].concat(obs.page(watch, "load", D.referrer, !!nav && nav.type === "reload"));
    queue.forEach(function (f) { if ("now" in f) f.now = Date.now(); });  // pushes and calls made before boot, in order
    post({v: 1, kind: "init", config: cfg, configError: null, state: lastState = stored(),
      seed: Math.random().toString(36).slice(2) + Date.now().toString(36), facts: facts.concat(queue)});
    listen();
  }
  function boot() {
    if (typeof WebAssembly !== "object") return fail("WebAssembly is not available (unsupported, or blocked by the Content-Security-Policy); the engine cannot run");
    if (typeof Worker !== "function") return fail("Web Workers are not available; the engine cannot run");
    if (!script || !script.src) return fail("cannot find the loader's own <script src=\".../loader.js\"> element");
    if (debug) {
      overlayP = import(new URL("web/debug.js", script.src).href).then(function (m) { return m.createOverlay(); });
      overlayP.catch(function (e) { report("cannot load the debug overlay: " + msgOf(e)); });
    }
    Promise.all([new Promise(function (resolve) { resolve(loadConfig()); }), import(new URL("web/observe.js", script.src).href)])
      .then(start).catch(function (e) { fail(msgOf(e)); });
  }

  guard(function () {
    var prior = W.engage;
    if (prior && !Array.isArray(prior)) {
      if (typeof prior.evaluate === "function") return console.warn("[engage] loader.js is included twice; the second copy does nothing");
      return fail("window.engage is already used by something else on this page; the engine does not start");
    }
    W.engage = api;
    if (prior) prior.forEach(function (item) { api.push(item); });  // sent at boot, in order
    if (attr("data-eager") !== null || D.readyState === "complete") boot();
    else W.addEventListener("load", guard(boot), {once: true});
  })();
})();

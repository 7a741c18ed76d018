// engage fact gatherers: what loader.js observes of the page once it boots (it imports this
// module in parallel with the config, so the page pays for it only after its load event).
// The facts are those of docs/architecture.md: selectors, custom, page, visibility,
// exitIntent, queueStatus. Adding a condition that needs a new browser fact adds its
// gatherer here.

import {RealPromise as Promise, pageFact} from "./lifecycle.js";

const NO_SEGMENT = new Set(["__proto__", "prototype", "constructor"]);
const SLOW_MS = 50;  // a custom function slower than this is reported once and read less often

/** @typedef {{value: boolean, error: string | null}} CustomResult */
/** @typedef {import("./lifecycle.js").Fact} Fact */

/**
 * @param {{send: (facts: Fact | Fact[]) => void, report: (message: string, path?: string) => void,
 *          guard: <F extends Function>(fn: F) => F}} host
 */
export function createObserver({send, report, guard}) {
  /** @type {Map<string, any>} custom path -> {value, error, pending}: the last settled promise value */
  const promised = new Map();
  /** @type {Map<string, {until: number, result: CustomResult | null}>} a slow function's last result, kept until `until` */
  const slow = new Map();
  /** @type {Record<string, string>} fact type -> JSON of the results last sent */
  const lastSent = {};
  let lastUrl = location.href;
  let lastExit = 0;

  /** @param {string} sel */
  function selectorResult(sel) {
    const r = {exists: false, visible: false, text: ""};
    /** @type {ArrayLike<Element>} */
    let els = [];
    // A selector the browser cannot parse counts as absent: the engine's config validation
    // parses every selector and rejects the config with the path (engine/selectors.py).
    try { els = document.querySelectorAll(sel); } catch (e) { /* reported by the engine */ }
    if (els.length) {
      r.exists = true;
      r.text = (els[0].textContent || "").trim().slice(0, 1000);
      for (let i = 0; i < els.length && i < 20 && !r.visible; i++) {
        r.visible = els[i].getClientRects().length > 0 && getComputedStyle(els[i]).visibility !== "hidden";
      }
    }
    return r;
  }

  // A global declared with let / const (or a class) lives in the page's script scope, not on
  // window: only eval could read it, and the CSP forbids eval. The message says the fix.
  /** @param {string} q @param {string} parent @param {string} seg */
  function missing(q, parent, seg) {
    if (parent) return `${q} is not defined: ${parent} has no property "${seg}"`;
    return `${q} is not defined: window has no property "${seg}". A global declared with let or const is not on window ` +
      `and cannot be read without eval, which the Content-Security-Policy forbids: add window.${seg} = ${seg}; after it (or declare it with var)`;
  }

  // Property access from window only, never eval. A function is called with no arguments
  // (its parent as `this`); a returned promise counts as its last settled value, false until
  // the first one settles, and the function is not called again while one is pending.
  // It runs every second: the path is split once, and its quoted form made only for a message.
  /** @type {Map<string, string[]>} custom path -> its segments */
  const segments = new Map();
  /** @param {string} path @returns {CustomResult} */
  function customResult(path) {
    const q = () => JSON.stringify(path);
    let parent = null;
    let obj = window;
    try {
      let segs = segments.get(path);
      if (!segs) segments.set(path, (segs = String(path).split(".")));
      for (let i = 0; i < segs.length; i++) {
        const seg = segs[i];
        if (!seg || NO_SEGMENT.has(seg)) return {value: false, error: `refused path ${q()}`};
        if (obj == null || !(seg in Object(obj))) return {value: false, error: missing(q(), segs.slice(0, i).join("."), seg)};
        parent = obj;
        obj = obj[seg];
      }
      if (typeof obj !== "function") return {value: !!obj, error: null};
      let p = promised.get(path);
      if (p && p.pending) return {value: p.value, error: p.error};
      const s = slow.get(path);
      if (s && performance.now() < s.until) return s.result || {value: p.value, error: p.error};
      const t0 = performance.now();
      const v = /** @type {Function} */ (obj).call(parent);
      const ms = performance.now() - t0;
      let result = null;
      if (!v || typeof v.then !== "function") result = {value: !!v, error: null};
      else {
        if (!p) promised.set(path, p = {value: false, error: null});
        p.pending = true;
        v.then((/** @type {unknown} */ x) => Object.assign(p, {value: !!x, error: null, pending: false}),
          (/** @type {any} */ e) => Object.assign(p, {value: false, error: `${q()} rejected: ${e && e.message || e}`, pending: false}));
      }
      if (ms > SLOW_MS) {
        // It runs on the page's main thread every second: keep that under 5%.
        if (!s) report(`custom path ${q()} took ${Math.round(ms)} ms; it is now read at most every ${Math.ceil(ms / 50)} s (keep it under ${SLOW_MS} ms, or return a promise)`, path);
        slow.set(path, {until: performance.now() + ms * 20, result});
      }
      return result || {value: p.value, error: p.error};
    } catch (/** @type {any} */ e) {
      return {value: false, error: `${q()} threw: ${e && e.message || e}`};
    }
  }

  /** @type {Record<string, Map<string, any>>} fact type -> selector or path -> the result last sent */
  const sentResults = {selectors: new Map(), custom: new Map()};
  /** @param {any} a @param {any} b a selector's or a custom path's results (absent fields are undefined in both) */
  const same = (a, b) => a.value === b.value && a.error === b.error && a.exists === b.exists && a.visible === b.visible && a.text === b.text;
  // What this task already read ("dom": every selector, "custom": every path; cleared at its
  // end): a message sent right after a page fact does not read the DOM again, and a loop of
  // calls (10,000 pushes) reads the custom paths once.
  /** @type {Set<string>} */
  const readThisTask = new Set();
  /** @param {string} what @returns {boolean} whether this task had not read it yet */
  function firstThisTask(what) {
    if (readThisTask.has(what)) return false;
    if (!readThisTask.size) Promise.resolve().then(() => readThisTask.clear());
    readThisTask.add(what);
    return true;
  }

  // `selectors` / `custom` facts: the results of the given selectors and window paths that
  // changed since they were last sent, or all of them (`force`: page facts carry fresh
  // results). The loader says which to read when (docs/architecture.md, "Watch"): custom
  // paths and polled selectors every second, every selector with each message it sends.
  /** @param {string[]} selectors @param {string[]} paths @param {boolean} force @returns {Fact[]} */
  function observe(selectors, paths, force) {
    const out = [];
    for (const [list, type, probe] of /** @type {[string[], "selectors" | "custom", (x: string) => object][]} */ ([[selectors, "selectors", selectorResult], [paths, "custom", customResult]])) {
      const sent = sentResults[type];
      /** @type {Record<string, object> | null} */
      let results = null;
      for (const key of list || []) {
        const result = probe(key);
        const last = sent.get(key);
        if (!force && last && same(last, result)) continue;
        sent.set(key, result);
        if (!results) results = {};
        results[key] = result;
      }
      if (results) out.push({type, results});
    }
    return out;
  }

  // Every watched selector and path (a page, a restarted worker's first facts): the DOM is
  // then read for this task, so the message that carries them does not read it again.
  /** @param {Watch} watch @param {boolean} force @returns {Fact[]} */
  function observeAll(watch, force) {
    firstThisTask("dom");
    return observe(watch.selectors, watch.customPaths, force);
  }

  // The selectors' changed results, for a message the loader sends: a DOM change alone
  // triggers nothing, so the DOM is read only when something goes to the engine, and not
  // again when this task already read every selector (a page fact).
  /** @param {Watch} watch @returns {Fact[]} */
  function domForMessage(watch) {
    return firstThisTask("dom") ? observe(watch.selectors, [], false) : [];
  }

  // The custom paths' changed results, for what the site asks for (API calls, pushes): read
  // once per task.
  /** @param {Watch} watch @returns {Fact[]} */
  function customForCall(watch) {
    return firstThisTask("custom") ? observe([], watch.customPaths, false) : [];
  }

  // The browser's preferred languages go with each page (language conditions, "auto").
  /** @param {Watch} watch @param {string} cause @param {string} referrer @returns {Fact[]} */
  function page(watch, cause, referrer, reload = false, url = location.href) {
    lastUrl = url;
    const languages = [...(navigator.languages || [navigator.language])].filter(Boolean);
    return [...observeAll(watch, true), pageFact({url, title: document.title, referrer, cause, reload, now: Date.now(), languages})];
  }

  // Each URL change is one step. The URL is read at the event; the rest (title, DOM) one
  // task later (a MessageChannel, which page.clock does not hold), once the app's own
  // handlers have updated them.
  /** @param {() => Watch} getWatch */
  function navigation(getWatch) {
    const channel = new MessageChannel();
    /** @type {(() => void)[]} */
    const jobs = [];
    channel.port1.onmessage = () => jobs.splice(0).forEach((f) => f());
    const navigated = (/** @type {string} */ cause) => {
      const url = location.href;
      jobs.push(guard(() => {
        const from = lastUrl;
        if (url === from) return;
        if (cause === "popstate" && url.split("#")[0] === from.split("#")[0]) cause = "hashchange";
        send(page(getWatch(), cause, from, false, url));
      }));
      channel.port2.postMessage(0);
    };
    for (const name of /** @type {const} */ (["pushState", "replaceState"])) {
      const orig = history[name];
      if (typeof orig !== "function") continue;
      history[name] = /** @this {History} */ function (/** @type {[any, string, (string | URL | null)?]} */ ...args) {
        const result = orig.apply(this, args);  // the original behaviour and return value
        try { navigated(name); } catch { /* never break the app's navigation */ }
        return result;
      };
    }
    addEventListener("popstate", guard(() => navigated("popstate")));
    addEventListener("hashchange", guard(() => navigated("hashchange")));
  }

  // Visibility, and exit intent: the pointer leaves through the top edge; on touch screens
  // the tab gets hidden or the visitor scrolls up fast (200 px within 250 ms).
  function presence() {
    const touch = matchMedia("(pointer: coarse)").matches;
    const exitIntent = () => {
      const now = Date.now();
      if (now - lastExit > 5000) send({type: "exitIntent", now: (lastExit = now)});
    };
    document.addEventListener("visibilitychange", guard(() => {
      if (document.hidden && touch) exitIntent();
      send({type: "visibility", now: Date.now(), visible: !document.hidden});
    }));
    document.addEventListener("mouseout", guard((/** @type {MouseEvent} */ e) => {
      if (!e.relatedTarget && e.clientY <= 0) exitIntent();
    }));
    if (!touch) return;
    let y0 = 0;
    let t0 = 0;
    addEventListener("scroll", guard(() => {
      const y = scrollY;
      const t = Date.now();
      if (y > y0 || t - t0 > 250) [y0, t0] = [y, t];
      else if (y0 - y > 200) { [y0, t0] = [y, t]; exitIntent(); }
    }), {passive: true});
  }

  // The status URLs the engine watches (queue key -> statusUrl) -> queueStatus facts, when
  // the status changed. Settles when every read has (failed reads included), so the first
  // evaluation can wait for them.
  /** @param {Record<string, string>} queues @param {boolean} [first] */
  function pollQueues(queues, first) {
    if (document.hidden && !first) return Promise.resolve();
    const reads = [];
    for (const [key, url] of Object.entries(queues || {})) {
      const early = first && prefetched.get(`${key} ${url}`);
      reads.push((early || read(url))
        .then((s) => {
          const f = {type: "queueStatus", queueKey: key, agentsAvailable: s.agentsAvailable, queueLength: s.queueLength};
          const text = JSON.stringify(f);
          if (lastSent[`queue:${key}`] === text) return;
          lastSent[`queue:${key}`] = text;
          send({...f, now: Date.now()});
        })
        .catch((e) => report(`queue status ${url} could not be read: ${e.message}`, `queues.${key}.statusUrl`)));
    }
    prefetched.clear();
    return Promise.all(reads);
  }
  /** @param {string} url @returns {Promise<any>} */
  function read(url) {
    return fetch(new URL(url, document.baseURI), {credentials: "same-origin", cache: "no-store"})
      .then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.json(); });
  }
  // The status URLs the engine watched on this tab's page before, read while it boots: the
  // first pollQueues takes the reads of the queues it still watches (the others are dropped).
  /** @type {Map<string, Promise<any>>} */
  const prefetched = new Map();
  /** @param {Record<string, string>} queues */
  function prefetch(queues) {
    for (const [key, url] of Object.entries(queues || {})) {
      if (typeof url !== "string") continue;
      const p = read(url);
      p.catch(() => {});  // reported by pollQueues, if still watched
      prefetched.set(`${key} ${url}`, p);
    }
  }

  return {observe, observeAll, domForMessage, customForCall, page, navigation, presence, pollQueues, prefetch};
}

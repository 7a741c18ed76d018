// engage results: sends what happened to the data-collect URL (docs/analytics.md), for
// `python -m engine collect` and `report`. loader.js imports it only when the loader tag has
// data-collect, and hands it every engage.push (conversions, consent) and every decision of
// the engine (show and control carry their rule's controlGroup share, sent as `split`).
//
//  * Events: engage:show, engage:control, engage:hide, engage:clicked, engage:closed,
//    engage:chat_started and engage:survey as raised on window, and
//    engage.push({type: "conversion", value, currency, name}); each becomes
//    {id, event: "engage_<name>", visitor, rule, interaction, arm, time, value, ...}.
//  * Batches: sent with fetch (keepalive) when 20 are waiting or 5 s after the first one
//    (page.clock time), when the tab is hidden, and with navigator.sendBeacon at pagehide.
//  * Nothing is lost silently: every event stays in the pending journal (localStorage
//    "engage:collect", shared by the site's tabs) until the collector has answered 200 for
//    it. Failed sends are retried with back-off; what a beacon carried is sent again on the
//    next page, since a beacon never says whether it arrived. Each event has a random id
//    and the collector stores an id once, so a resend is never a duplicate.
//  * Consent mode (data-consent="required"): before consent nothing is sent and nothing is
//    written; events wait in memory and go out once consent is pushed. Consent withdrawn:
//    the waiting events and the journal are dropped.

const JOURNAL = "engage:collect";
const NAMES = ["show", "control", "hide", "clicked", "closed", "chat_started", "survey"];
const BATCH = 20;                // send at once when this many are waiting
const DELAY_MS = 5000;           // else this long after the first one
const MAX_RETRY_MS = 300000;     // back-off ceiling
const MAX_KEPT = 1000;           // the journal keeps the newest this many
const KEEP_MS = 7 * 864e5;       // and drops events older than this
const TEXT = 200;                // the collector's limit for rule, interaction, name

/**
 * @param {{url: string, consent: () => boolean, state: () => any, report: (message: string) => void}} host
 */
export function createCollector({url, consent, state, report}) {
  const target = new URL(url, location.href);
  if (target.origin !== location.origin) {
    report(`data-collect="${url}" is not on this site's origin (${location.origin}); no results are sent`);
    return {push() {}, decided() {}};
  }
  /** @type {Map<string, number | null>} rule -> its controlGroup share, from the engine's show and control decisions */
  const shares = new Map();
  /** @type {Map<string, any>} id -> event, until the collector confirmed it */
  const pending = new Map();
  const inflight = new Set();
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let retryMs = DELAY_MS;

  const visitor = () => { const s = state(); return (s && s.visitor && s.visitor.visitor_id) || null; };
  const text = (/** @type {unknown} */ v) => (typeof v === "string" ? v.slice(0, TEXT) : v == null ? null : String(v).slice(0, TEXT));

  function id() {
    const a = crypto.getRandomValues(new Uint32Array(4));
    return Array.from(a, (n) => n.toString(16).padStart(8, "0")).join("");
  }

  /** @param {Record<string, any>} event */
  function record(event) {
    event.id = id();
    event.time = Date.now();
    event.visitor = visitor();
    pending.set(event.id, event);
    save();
    schedule(pending.size - inflight.size >= BATCH ? 0 : DELAY_MS);
  }

  /** @param {Decision | null} d a decision of the engine, before the shell applies it */
  function decided(d) {
    if (d && (d.type === "show" || d.type === "control")) shares.set(d.rule, d.controlGroup ?? null);
  }

  /** @param {string} name @param {any} detail */
  function onEvent(name, detail) {
    const d = detail || {};
    record({
      event: `engage_${name}`, rule: text(d.rule), interaction: text(d.interaction),
      arm: name === "control" ? "control" : "treatment", value: null,
      split: name === "show" || name === "control" ? shares.get(d.rule) ?? null : null,
    });
  }

  // The journal: only with consent, merged with what other tabs keep there.
  function load() {
    try {
      const o = JSON.parse(localStorage.getItem(JOURNAL) || "null");
      return o && Array.isArray(o.events) ? o.events.filter((/** @type {any} */ e) => e && typeof e.id === "string" && Date.now() - e.time < KEEP_MS) : [];
    } catch (e) { return []; }
  }
  /** @param {Set<string>} [confirmed] ids the collector stored */
  function save(confirmed) {
    if (!consent()) return;
    try {
      const mine = new Set(pending.keys()), events = load().filter((/** @type {any} */ e) => !mine.has(e.id) && !(confirmed && confirmed.has(e.id)));
      const all = events.concat([...pending.values()]).slice(-MAX_KEPT);
      if (all.length) localStorage.setItem(JOURNAL, JSON.stringify({events: all}));
      else localStorage.removeItem(JOURNAL);
    } catch (e) { /* storage full or disabled: the events are still held in memory */ }
  }

  /** @param {number} ms */
  function schedule(ms) {
    if (timer !== undefined && ms > 0) return;
    clearTimeout(timer);
    timer = setTimeout(() => { timer = undefined; flush(false); }, ms);
  }

  /** @param {boolean} leaving the page is going away: send everything with sendBeacon */
  function flush(leaving) {
    if (!consent()) return;
    const who = visitor();
    const batch = [];
    for (const e of pending.values()) {
      if (!e.visitor) e.visitor = who;  // recorded before the engine said who the visitor is
      if (e.visitor && (leaving || !inflight.has(e.id))) batch.push(e);
    }
    if (!batch.length) { if (!leaving && pending.size > inflight.size) retry(); return; }
    if (leaving) {
      save();
      const body = new Blob([JSON.stringify({events: batch.slice(-150)})], {type: "application/json"});
      try { navigator.sendBeacon(target.href, body); } catch (e) { /* sent again from the journal */ }
      return;
    }
    const sent = batch.slice(0, 100);
    sent.forEach((e) => inflight.add(e.id));
    fetch(target.href, {method: "POST", body: JSON.stringify({events: sent}), keepalive: true,
      credentials: "same-origin", headers: {"content-type": "application/json"}})
      .then((r) => r.json().catch(() => ({})).then((answer) => {
        sent.forEach((e) => inflight.delete(e.id));
        if (r.ok || r.status === 400 || r.status === 413) {
          if (!r.ok) report(`the collector at ${target.pathname} refused ${sent.length} events (HTTP ${r.status}: ${answer.error || r.statusText}); they are dropped`);
          const done = new Set(sent.map((e) => e.id));
          done.forEach((k) => pending.delete(k));
          save(done);
          retryMs = DELAY_MS;
          if (pending.size > inflight.size) schedule(pending.size - inflight.size >= BATCH ? 0 : DELAY_MS);
        } else retry();
      }), () => { sent.forEach((e) => inflight.delete(e.id)); retry(); });
  }

  function retry() {
    schedule(retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  }

  /** @param {Record<string, any>} d an engage.push object */
  function push(d) {
    if (d.type === "consent") {
      if (d.granted === true) { save(); flush(false); } else {
        pending.clear();
        try { localStorage.removeItem(JOURNAL); } catch (e) { /* nothing stored */ }
      }
    } else if (d.type === "conversion") {
      const value = typeof d.value === "number" && Number.isFinite(d.value) ? d.value : null;
      const currency = typeof d.currency === "string" && /^[A-Za-z]{3}$/.test(d.currency) ? d.currency.toUpperCase() : null;
      record({event: "engage_conversion", rule: null, interaction: null, arm: null, value, currency, name: text(d.name)});
    }
  }

  for (const name of NAMES) addEventListener(`engage:${name}`, (e) => { try { onEvent(name, /** @type {CustomEvent} */ (e).detail); } catch (/** @type {any} */ err) { report(`cannot record engage:${name}: ${err.message}`); } });
  addEventListener("pagehide", () => flush(true));
  addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flush(false); });
  // Left over from earlier pages or other tabs: send it again (stored ids are skipped).
  if (consent()) for (const e of load()) pending.set(e.id, e);
  if (pending.size) schedule(0);
  return {push, decided};
}

// engage lifecycle: the loader's states and what it does in each, as a table and pure
// functions (no DOM, no storage, no timers), so that tests/js/lifecycle.test.mjs runs them
// under Node. loader.js imports this module as soon as it runs and keeps one `Machine`;
// docs/architecture.md ("How the loader drives the protocol") tells the boot sequence.
//
//   booting     the config, the fact gatherers and the worker load; `init` (the config, no
//               facts) is in flight: the engine compiles it and answers what it watches
//   gathering   the shell reads exactly that (selectors, window paths, queue statuses,
//               device hints) and posts the first facts; their answer is the first decision
//   ready       one message in flight at a time; facts queue up meanwhile
//   restarting  the worker died after it had answered: a new one boots from the last
//               state and gets what the old one had not answered (crash replay)
//   failed      the engine is gone for this page; calls answer null
//   left        the page was hidden (pagehide); `prior` is where a bfcache return resumes
//
// Nothing here reads a global a page script can replace (JSON, Promise): the loader
// serializes, this module only sorts facts.

/** The real Promise even where a page script replaced window.Promise (an async function
 * returns one): web/ modules import it from here; loader.js, a classic script that runs
 * before this module arrives, holds its own. */
export const RealPromise = /** @type {PromiseConstructor} */ ((async () => {})().constructor);

/** @typedef {"booting" | "gathering" | "ready" | "restarting" | "failed" | "left"} State */
/** @typedef {"watched" | "answered" | "crashed" | "restart" | "probed" | "failed" | "pagehide" | "pageshow"} Event */
/** @typedef {{state: State, prior: State | null, restarts: number}} Machine */
/** @typedef {{type: string, now?: number, [key: string]: any}} Fact */

/**
 * state -> event -> next state. An event missing from a state's row leaves it as it is.
 * `crashed` is a fault (counted: a second one, or one before the first decision, is final);
 * `restart` is the watchdog's own restart in probe mode (docs/architecture.md, "Watchdog"),
 * `probed` the answer that shows that stall passed (it counts as a restart, in any state).
 * `left` resumes `prior` on `pageshow`.
 * @type {Readonly<Record<State, Partial<Record<Event, State>>>>}
 */
export const TABLE = Object.freeze({
  booting: {watched: "gathering", crashed: "failed", restart: "booting", failed: "failed", pagehide: "left"},
  gathering: {answered: "ready", crashed: "failed", restart: "booting", failed: "failed", pagehide: "left"},
  ready: {crashed: "restarting", restart: "restarting", failed: "failed", pagehide: "left"},
  restarting: {answered: "ready", crashed: "failed", restart: "restarting", failed: "failed", pagehide: "left"},
  failed: {},
  left: {failed: "failed"},
});

/** @returns {Machine} */
export function machine() {
  return {state: "booting", prior: null, restarts: 0};
}

/**
 * The machine after `event`. A hidden page (`left`) keeps living underneath: other events
 * move `prior`, and `pageshow` resumes it.
 * @param {Machine} m @param {Event} event @returns {Machine}
 */
export function step(m, event) {
  if (m.state === "left" && event !== "failed") {
    if (event === "pageshow") return {state: /** @type {State} */ (m.prior), prior: null, restarts: m.restarts};
    const under = step({state: /** @type {State} */ (m.prior), prior: null, restarts: m.restarts}, event);
    return under.state === "failed" ? under : {state: "left", prior: under.state, restarts: under.restarts};
  }
  if (event === "probed") return {...m, restarts: m.restarts + 1};
  const next = TABLE[m.state][event];
  if (!next) return m;
  const restarts = m.restarts + (event === "crashed" && next === "restarting" ? 1 : 0);
  return {state: next, prior: event === "pagehide" ? m.state : null, restarts};
}

/** Where the machine is, a hidden page read as the state under it. @param {Machine} m */
export function phase(m) {
  return /** @type {State} */ (m.state === "left" ? m.prior : m.state);
}

/** Whether queued facts may go to the worker now (one message in flight is the loader's
 * own rule). @param {Machine} m */
export function canPost(m) {
  return phase(m) === "ready";
}

/** Whether the engine has made its first decision on this page (restarts keep it). @param {Machine} m */
export function started(m) {
  const p = phase(m);
  return p === "ready" || p === "restarting";
}

/** A batch of nothing but other tabs' states: its answer may be written back (few times). @param {Fact[]} facts */
export function syncOnly(facts) {
  return facts.length > 0 && facts.every((f) => f.type === "sessionSync");
}

/** Facts made before boot (pushes, API calls) carry the boot time: the engine's clock
 * starts there. @param {Fact[]} facts @param {number} now @returns {Fact[]} */
export function restamp(facts, now) {
  return facts.map((f) => ("now" in f ? {...f, now} : f));
}

/**
 * A `page` fact: the one builder for the page views the loader sends (web/observe.js) and
 * keeps (the journal, a restart's replay).
 * @param {{url: string, title: string, referrer: string, cause: string, reload: boolean, now: number, languages?: string[]}} p
 * @returns {Fact}
 */
export function pageFact({url, title, referrer, cause, reload, now, languages}) {
  const fact = {type: "page", now, url, title, referrer, cause, reload};
  return languages ? {...fact, languages} : fact;
}

// ---- the journal: facts not yet applied when the page is left, for the tab's next page ----

const KEPT = new Set(["push", "action", "page"]);
export const JOURNAL_MS = 18e5;  // older than this (30 min, the engine's idle session) is dropped
const EARLIER_PAGES = 10;  // a chain of pages each left before this module arrived: followed this deep

/**
 * What to keep at `pagehide`: the facts in flight and the queue; before a worker got its
 * first facts, what it was to get (carried over: the journal of the page before, or a
 * crash's lost facts), a `page` fact for this page, and the queue. Only `push`, `action` and
 * `page` facts matter on the next page; nothing once the engine failed.
 * @param {{m: Machine, inflight: Fact[], carried: Fact[], page: Fact, queue: Fact[]}} at
 * `inflight`: the facts of the message in flight ([] for none, or for `init`)
 * @returns {Fact[]}
 */
export function journal({m, inflight, carried, page, queue}) {
  if (phase(m) === "failed") return [];
  const facts = phase(m) === "ready" || inflight.length ? inflight.concat(queue) : carried.concat(page, queue);
  return facts.filter((f) => KEPT.has(f.type));
}

/**
 * The journal as the next page reads it: its facts when it is recent, else none. A page
 * left before this module arrived wrote, instead of its page fact, `left` (`{url, title,
 * referrer, now}`) and the journal it had not read yet as `earlier` (replayed first; a chain
 * of such pages is followed EARLIER_PAGES deep).
 * @param {any} saved the parsed `{savedAt, facts, left?, earlier?}` @param {number} now
 * @returns {Fact[]}
 */
export function replayed(saved, now, depth = 0) {
  if (!saved || !Array.isArray(saved.facts) || !(now - saved.savedAt < JOURNAL_MS)) return [];
  const earlier = depth < EARLIER_PAGES ? replayed(saved.earlier, now, depth + 1) : [];
  const left = saved.left && typeof saved.left.url === "string" && typeof saved.left.now === "number"
    ? [pageFact({url: saved.left.url, title: String(saved.left.title ?? ""), referrer: String(saved.left.referrer ?? ""),
      cause: "load", reload: false, now: saved.left.now})]
    : [];
  return earlier.concat(left, saved.facts.filter((/** @type {any} */ f) => f && typeof f.type === "string" && KEPT.has(f.type)));
}

// ---- crash replay ----

/** What a dead worker had not answered, less the page views and ticks a restart resends
 * itself; before it had its first facts, what it was to get. @param {Fact[]} carried
 * @param {Fact[]} inflight @param {Fact[]} queue @returns {Fact[]} */
export function lost(carried, inflight, queue) {
  return (inflight.length ? inflight : carried).concat(queue).filter((f) => f.type !== "page" && f.type !== "tick");
}

/**
 * The first facts of a restarted worker: fresh watched results, the page it was on (as a
 * reload), what was lost, and a tick at `now`.
 * @param {{observed: Fact[], lastPage: any, url: string, title: string, lost: Fact[], now: number}} at
 * @returns {Fact[]}
 */
export function replay({observed, lastPage, url, title, lost, now}) {
  const page = lastPage ? [pageFact({...lastPage, url, title, cause: "load", reload: true, now: lastPage.now ?? now})] : [];
  return observed.concat(page, lost, {type: "tick", now});
}

/**
 * Whether a fault ends the engine on this page: before its first decision, or a second
 * time. @param {Machine} m
 */
export function fatal(m) {
  return !started(m) || m.restarts > 0;
}

// engage chat hand-off (docs/chat.md): a `chat` decision opens the chat widget the site
// already runs, through the vendor's documented JavaScript API, instead of the built-in
// window. web/ui.js imports this module only when a chat decision carries a provider
// (data-chat on the loader tag, or the engine's `handoff` from config `chat.provider`);
// it imports the one vendor module named, web/chat/<provider>.js, and nothing else.
//
//  * open: the vendor's widget opens, routed by the queue's `routing[provider]` (config
//    `queues.<key>.routing`), in the outcome's language where the vendor has a locale.
//  * events back: conversation started -> `chatStarted` (status `interacted`); ended ->
//    `chatEnded` (a post-chat survey follows when one is set); widget closed before a
//    conversation started -> `closed` (status `declined`). A vendor with no "ended" event
//    ends the chat when its widget is closed after the conversation started.
//  * availability: where the vendor tells it, `queueStatus` pushes for the site's queues.
//  * a chat resumed on the next page is not opened again (the widget keeps its own state);
//    its events still come back.
//  * wait and fail: a widget not loaded yet is awaited (handoff.waitSeconds, default 10); one
//    that never loads, or throws, is reported once (engage:error) and the engine shows the
//    config's `chat.fallback` interaction; without one the built-in window is drawn.

/**
 * What an adapter is given to open a chat.
 * @typedef {object} ChatRequest
 * @property {string|null} queueKey  the outcome's queue (never shown to the visitor)
 * @property {string|null} locale    the outcome's language ("sv", "en-GB"), or null
 * @property {Object<string, any>} routing  this provider's entry of queues.<key>.routing ({} if none)
 */

/**
 * How an adapter reports the vendor's events back. Each may be called any number of times.
 * @typedef {object} ChatEvents
 * @property {() => void} started            a conversation started (visitor or agent wrote)
 * @property {() => void} ended              the conversation ended
 * @property {() => void} closed             the visitor closed (minimised) the widget
 * @property {(online: boolean) => void} availability  agents are (not) available
 */

/**
 * One vendor: a module web/chat/<name>.js whose default export is this.
 * @typedef {object} ChatAdapter
 * @property {string} name        the provider name (SPEC section 6)
 * @property {string} reference   the vendor's public JavaScript API reference
 * @property {boolean} [endsOnClose]  the vendor has no "conversation ended" event
 * @property {(w: Window) => boolean} ready   the vendor's widget has loaded
 * @property {(w: Window, on: ChatEvents) => void} listen  subscribe once per page
 * @property {(w: Window, request: ChatRequest) => void} open  open the widget for a chat
 */

export const PROVIDERS = ["intercom", "zendesk", "crisp", "tawk", "livechat", "hubspot", "freshchat", "chatwoot",
  "rocketchat", "liveperson"];
const WAIT_SECONDS = 10;
const POLL_MS = 100;

/**
 * What web/ui.js hands over: how to send facts, its own chat bookkeeping, one-time errors.
 * @typedef {{send: (fact: import("../lifecycle.js").Fact) => void, ui: any, report: (message: string) => void}} Context
 * @typedef {{provider: string, chat: {rule: string, interaction: string}, started?: boolean}} Current
 */

/** @type {Map<string, Promise<ChatAdapter>>} */
const loaded = new Map();
/** @type {Current | null} the chat handed off now */
let current = null;
/** @type {string | null} provider whose events are subscribed */
let listening = null;
/** @type {string[]} the site's queue keys, as the engine's watch names them */
let queueKeys = [];
/** @type {boolean | null} what the vendor said last about its agents; null: nothing yet */
let online = null;

/** @param {string} provider @returns {Promise<ChatAdapter>} */
function load(provider) {
  if (!PROVIDERS.includes(provider)) return Promise.reject(new Error(`no adapter for "${provider}"; known: ${PROVIDERS.join(", ")}`));
  if (!loaded.has(provider)) loaded.set(provider, import(new URL(`${provider}.js`, import.meta.url).href).then((m) => m.default));
  return /** @type {Promise<ChatAdapter>} */ (loaded.get(provider));
}

/** @param {ChatAdapter} adapter @param {number} seconds @returns {Promise<boolean>} */
function waitFor(adapter, seconds) {
  return new Promise((resolve) => {
    const until = Date.now() + seconds * 1000;
    const poll = () => {
      let ok = false;
      try { ok = adapter.ready(window); } catch { /* not yet */ }
      if (ok || Date.now() >= until) resolve(ok);
      else setTimeout(poll, POLL_MS);
    };
    poll();
  });
}

/**
 * Subscribe to a provider's events once per page; its availability feeds every queue.
 * @param {string} provider @param {ChatAdapter} adapter @param {Context} ctx
 */
function subscribe(provider, adapter, ctx) {
  if (listening === provider) return;
  listening = provider;
  const mine = (/** @type {(c: Current) => void} */ fn) => () => { if (current && current.provider === provider) fn(current); };
  adapter.listen(window, {
    started: mine((c) => {
      if (c.started) return;
      c.started = true;
      ctx.ui.started(c.chat);
    }),
    ended: mine((c) => { current = null; ctx.ui.ended(c.chat); }),
    closed: mine((c) => {
      if (c.started && !adapter.endsOnClose) return;  // minimised mid-conversation: it goes on
      current = null;
      if (c.started) ctx.ui.ended(c.chat); else ctx.ui.closed(c.chat);
    }),
    availability: (/** @type {boolean} */ now) => { online = now; tell(queueKeys, ctx); },
  });
}

/** @param {string[]} keys @param {Context} ctx */
function tell(keys, ctx) {
  if (online === null) return;
  for (const queueKey of keys) ctx.send({type: "queueStatus", now: Date.now(), queueKey, agentsAvailable: online ? 1 : 0});
}

/**
 * The site's queue keys, from the engine's answer to init (which can come after the vendor
 * spoke): what the vendor said last is pushed for the keys not known before.
 * @param {string[]} keys @param {Context} ctx
 */
export function queues(keys, ctx) {
  const added = keys.filter((k) => !queueKeys.includes(k));
  queueKeys = keys;
  tell(added, ctx);
}

/**
 * Start watching a provider's availability at boot (data-chat on the loader tag).
 * @param {string} provider
 * @param {string[]} keys  the site's queue keys
 * @param {Context} ctx
 */
export async function watch(provider, keys, ctx) {
  queues(keys || [], ctx);
  try {
    const adapter = await load(provider);
    if (await waitFor(adapter, WAIT_SECONDS)) subscribe(provider, adapter, ctx);
  } catch (e) {
    ctx.report(`chat provider "${provider}": ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Hand one chat decision to the vendor's widget.
 * @param {string} provider @param {any} d the chat decision @param {Context} ctx
 * @returns {Promise<"handed"|"fallback"|"builtin">} builtin: draw the built-in window instead
 */
export async function handOff(provider, d, ctx) {
  const h = d.handoff || {};
  const seconds = Number(h.waitSeconds) > 0 ? Number(h.waitSeconds) : WAIT_SECONDS;
  const chat = {rule: d.rule, interaction: d.interaction};
  let why;
  try {
    const adapter = await load(provider);
    if (await waitFor(adapter, seconds)) {
      current = {provider, chat, started: false};
      subscribe(provider, adapter, ctx);
      // a chat carried over from the last page: the vendor restores its own conversation
      if (!d.resumed) adapter.open(window, {queueKey: d.queueKey ?? null, locale: d.language ?? null, routing: (h.routing && h.routing[provider]) || {}});
      return "handed";
    }
    why = `its widget did not load within ${seconds} s`;
  } catch (e) {
    why = e instanceof Error ? e.message : String(e);
  }
  current = null;
  const then = h.fallback ? `interaction "${h.fallback}" is shown instead` : "the built-in chat window is shown instead";
  ctx.report(`chat provider "${provider}": ${why}; ${then}`);
  return h.fallback ? "fallback" : "builtin";
}

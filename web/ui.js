// engage UI: turns the engine's show / hide / chat / control decisions (docs/architecture.md)
// into interactions in open shadow roots, the engage:show / engage:hide / engage:chat /
// engage:control events (and dataLayer pushes), and reports what the visitor does back as
// `action` facts. loader.js imports it on the first such decision.
//
//  * Floating interactions (panel, button, chat) are host elements inside one fixed "dock"
//    (<div data-engage-dock=POSITION>, a corner: `position`, default bottom-right), so several
//    stack instead of overlapping.
//    `info` is rendered inline into the element its `target` selector names.
//  * Every host is <div data-engage-interaction=ID data-engage-rule=RULE data-engage-type=T>
//    with an open shadow root, styled by panels.css as a constructable stylesheet (no inline
//    <style>, so pages need no 'unsafe-inline'); `:host { all: initial !important }` keeps
//    the page's CSS out, custom properties (--engage-*) still inherit in for theming.
//  * Text is always set as text. `html` goes through DOMPurify (web/purify.min.js, imported
//    only when some content has html); when it cannot be loaded the html part is left out.
//  * Panels are non-modal dialogs: labelled, announced politely, never focused on appearance,
//    Escape closes them, and focus goes back where it came from.
//  * A chat raises a cancelable engage:chat first; a site whose chat client calls
//    event.preventDefault() gets no stub window (the chat still counts as shown and started).
//  * Sticky windows (chat, survey: web/survey.js, imported when one is shown) and panels never
//    overlap: while one is open, every floating interaction joins its dock, stacked above it
//    (panels.css orders the sticky window nearest the corner). A submitted survey becomes
//    a `submitted` action; the engine's `survey` decision raises engage:survey.
//  * A chat with a provider (data-chat, or the engine's `handoff`) opens the site's own chat
//    widget instead (web/chat/adapter.js, imported then): no window of ours unless it fails.

import {place} from "./placement.js";
import {RealPromise as Promise} from "./lifecycle.js";

/**
 * @typedef {import("./lifecycle.js").Fact} Fact
 * @typedef {(fact: Fact) => void} Send  the loader's send(): a fact to the engine
 * @typedef {(message: string) => void} Report  the loader's report(): one engage:error per message
 * @typedef {{rule: string, interaction: string, type: string | null, language: string | null, queueKey: string | null}} Detail
 *   an engage:show detail
 * @typedef {{host: HTMLElement, root: ShadowRoot, returnTo: HTMLElement | null, stop: (() => void) | null}} Entry
 * @typedef {{report: Report, send: Send, closed: (id: string) => void, clicked: (id: string, next: string | null) => void,
 *            submitted: (id: string, answers: Record<string, string | number>) => void}} Hooks
 * @typedef {ShowDecision | ChatDecision & {interactionType: string, content: Record<string, any>, sticky: boolean}} Shown
 *   a decision shown: a show, or a chat made one
 * @typedef {import("./chat/adapter.js").Context} ChatContext
 */

const here = import.meta.url;
/** @type {Map<string, Entry>} */
const entries = new Map();          // interaction id -> {host, root, returnTo}: what is rendered
/** @type {Map<string, Detail>} */
const displayed = new Map();        // interaction id -> engage:show detail: what counts as shown
/** @type {Set<string>} */
const chats = new Set();            // interaction ids whose engage:chat was raised
/** @type {Set<string | null | undefined>} asked about a detail's type and a host's data-engage-type, either may be missing */
const STICKY = new Set(["chat", "survey"]);
/** @type {Hooks} */
let hooks = /** @type {Hooks} */ (/** @type {unknown} */ (null));  // set by createUI(), before anything else here runs
/** @type {Promise<CSSStyleSheet | string | null> | null} */
let sheetP = null;
let purifyP = null;
/** @type {Map<string, HTMLElement>} */
const docks = new Map();           // position -> dock element
/** @type {{returnTo: HTMLElement | null} | null} */
let lostFocus = null;               // {returnTo} when a removal took the focus with it
let uid = 0;
/** @type {Set<string> | null} */
let stale = null;                   // after an engine restart: ids the new engine has not shown again
/** @type {object | null} */
let policy = null;                  // the loader's Trusted Types policy, for DOMPurify
/** @type {Promise<typeof import("./chat/adapter.js")> | null} */
let chatP = null;                   // web/chat/adapter.js, imported for the first handed-off chat
/** @type {string | null} */
let chatTag = null;                 // data-chat on the loader tag: it overrides config chat.provider
/** @type {ChatContext | null} */
let chatCtx = null;

/**
 * @param {{send: Send, report: Report, policy?: object | null, chat?: string | null, queues: string[]}} loader
 *   policy: its Trusted Types policy; chat: data-chat; queues: the config's queue keys, as the
 *   engine's watch names them ([] until init's answer, then given by queues(keys))
 */
export function createUI({send, report, policy: ttPolicy, chat, queues}) {
  policy = ttPolicy || null;
  chatTag = chat || null;
  hooks = {
    report,
    send,
    /** @param {string} id */
    closed(id) {
      const d = displayed.get(id);
      if (d) { action(send, "closed", d); hide(id, "closed"); }
    },
    /** @param {string} id @param {string | null} next */
    clicked(id, next) {
      const d = displayed.get(id);
      if (d) action(send, "clicked", d, next);
    },
    /** @param {string} id @param {Record<string, string | number>} answers */
    submitted(id, answers) {
      const d = displayed.get(id);
      if (d) send({type: "action", now: Date.now(), action: "submitted", interaction: id, rule: d.rule, answers});
    },
  };
  chatCtx = {send, report, ui: {
    started: (/** @type {{interaction: string}} */ c) => { const d = displayed.get(c.interaction); if (d) action(send, "chatStarted", d); },
    ended: (/** @type {{interaction: string}} */ c) => send({type: "push", now: Date.now(), data: {type: "chatEnded", interaction: c.interaction}}),
    closed: (/** @type {{interaction: string}} */ c) => hooks.closed(c.interaction),
  }};
  if (chatTag) chatAdapter().then((m) => m.watch(/** @type {string} */ (chatTag), queues, /** @type {ChatContext} */ (chatCtx))).catch((e) => report(`cannot load web/chat/adapter.js: ${e.message}`));
  const decide = (/** @type {Decision} */ d) => {
    if (d.type === "show") return showDecision(send, d);
    if (d.type === "chat") return showDecision(send, {interactionType: "chat", content: {type: "chat"}, sticky: true, ...d});
    if (d.type === "hide") return hide(d.interaction, d.reason);
    if (d.type === "survey") {
      const det = {rule: d.rule, interaction: d.interaction, answers: d.answers || {}};
      emit("survey", det);
      layer("survey", det);
    }
    if (d.type === "control") {
      const det = detail(d, d.interactionType);
      emit("control", det);
      layer("control", det);
    }
  };
  // prepare(): fetch the stylesheet ahead of the first decision, while the engine boots.
  // queues(keys): the engine's queue keys, when they came after the renderer was made.
  const queueKeys = (/** @type {string[]} */ keys) => { if (chatTag) chatAdapter().then((m) => m.queues(keys, /** @type {ChatContext} */ (chatCtx))).catch(() => { /* reported by watch */ }); };
  return {decide, settle, clear, restarted, prepare: stylesheet, queues: queueKeys};
}

// The loader restarted the engine: what the new engine shows again stays as it is (no
// flicker, no second engage:show); the returned function, called after its first answer,
// takes down the rest (engage:hide, reason "restart"). A chat under way is resumed by the
// engine and stays.
function restarted() {
  stale = new Set([...displayed].filter(([, det]) => !STICKY.has(det.type)).map(([id]) => id));
  return () => {
    const gone = /** @type {Set<string>} */ (stale);  // set just above; the loader calls this once
    stale = null;
    for (const id of gone) hide(id, "restart");
  };
}

/** @param {string} name @param {object} det @param {boolean} [cancelable] */
function emit(name, det, cancelable = false) {
  return dispatchEvent(new CustomEvent(`engage:${name}`, {detail: det, cancelable}));
}

// SPEC 5: the analytics hand-off, to a Google-Tag-Manager style dataLayer when there is one.
/** @param {string} name @param {object} det */
function layer(name, det) {
  if (Array.isArray(window.dataLayer)) window.dataLayer.push({event: `engage_${name}`, ...det});
}

/**
 * @param {{rule: string, interaction: string, language?: string | null, queueKey?: string | null}} d
 * @param {string | null} [type] @returns {Detail}
 */
function detail(d, type) {
  return {rule: d.rule, interaction: d.interaction, type: type ?? null, language: d.language ?? null, queueKey: d.queueKey ?? null};
}

/** @param {Send} send @param {string} kind @param {Detail} d @param {string | null} [next] */
function action(send, kind, d, next) {
  /** @type {Fact} */
  const f = {type: "action", now: Date.now(), action: kind, interaction: d.interaction, rule: d.rule};
  if (next) f.next = next;
  send(f);
  const name = kind === "chatStarted" ? "chat_started" : kind, det = {rule: d.rule, interaction: d.interaction, next: next || null};
  emit(name, det);  // engage:clicked, engage:closed, engage:chat_started (web/collect.js counts them)
  layer(name, det);
}

/** @param {Send} send @param {Shown} d */
async function showDecision(send, d) {
  const type = d.interactionType || (d.content && d.content.type) || "panel";
  const prev = displayed.get(d.interaction);
  if (stale) stale.delete(d.interaction);
  if (type === "detectLogin" || (prev && prev.rule === d.rule)) return;  // invisible / already on screen
  if (prev) hide(d.interaction, "replaced");
  const det = detail(d, type);
  let ok = true;
  if (type === "chat" && !chats.has(d.interaction)) {
    chats.add(d.interaction);
    const chat = {rule: d.rule, interaction: d.interaction, queueKey: det.queueKey, language: det.language, resumed: !!d.resumed};
    layer("chat", chat);
    ok = emit("chat", chat, true);  // false: the site's chat client took over, no stub
  }
  const provider = type === "chat" && ok && (chatTag || (d.handoff && d.handoff.provider));
  if (provider) return handOff(send, d, det, provider);
  if (ok && !(await show(d, type))) return;
  displayed.set(d.interaction, det);
  emit("show", det);
  layer("show", det);
  if (d.resumed) return;  // a sticky interaction carried over from the last page: not a new display
  if (type === "chat") action(send, "chatStarted", det);
}

function chatAdapter() {
  chatP ||= import(new URL("chat/adapter.js", here).href);
  return chatP;
}

// The chat goes to the vendor's widget: it counts as shown now, as started when the vendor
// says a conversation started. A widget that never loads gives the engine's fallback
// (`chatFailed`), or the built-in window when the config has none.
/** @param {Send} send @param {Shown} d @param {Detail} det @param {string} provider */
async function handOff(send, d, det, provider) {
  displayed.set(d.interaction, det);
  emit("show", det);
  layer("show", det);
  let how = "builtin";
  try { how = await (await chatAdapter()).handOff(provider, d, /** @type {ChatContext} */ (chatCtx)); } catch (e) { hooks.report(`cannot load web/chat/adapter.js: ${e instanceof Error ? e.message : String(e)}`); }
  if (displayed.get(d.interaction) !== det) return;  // gone meanwhile
  if (how === "fallback") send({type: "action", now: Date.now(), action: "chatFailed", interaction: d.interaction, rule: d.rule});
  else if (how === "builtin" && (await show(d, "chat")) && !d.resumed) action(send, "chatStarted", det);
}

/** @param {string} id @param {HideReason | "restart"} [reason] */
function hide(id, reason) {
  const det = displayed.get(id);
  if (!det) return;
  displayed.delete(id);
  chats.delete(id);
  remove(id);
  emit("hide", {...det, reason: reason || null});
  layer("hide", {...det, reason: reason || null});
}

function stylesheet() {
  sheetP ||= fetch(new URL("panels.css", here))
    .then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.text(); })
    .then((css) => /** @type {any} */ (typeof CSSStyleSheet === "function" && "replace" in CSSStyleSheet.prototype
      ? new CSSStyleSheet().replace(css) : css))
    .catch((e) => { hooks.report(`cannot load panels.css (${e.message}); nothing is shown without it`); return null; });
  return sheetP;
}

/** @param {ShadowRoot} root @param {CSSStyleSheet | string | null} sheet */
function adopt(root, sheet) {
  if (!sheet) return;
  if (typeof sheet === "string") {  // no constructable stylesheets (old Safari): <style> fallback
    const style = document.createElement("style");
    style.textContent = sheet;
    root.appendChild(style);
  } else root.adoptedStyleSheets = [sheet];
}

function purifier() {
  purifyP ||= (async () => {
    const had = "DOMPurify" in globalThis;
    const m = await import(new URL("purify.min.js", here).href);
    // The ES build exports it; the UMD build sets a global, which we take back.
    const P = m && m.default && m.default.sanitize ? m.default : /** @type {any} */ (globalThis).DOMPurify;  // any: the UMD build's global, undeclared
    if (!had) try { delete /** @type {any} */ (globalThis).DOMPurify; } catch { /* not ours to delete */ }
    if (!P || typeof P.sanitize !== "function") throw new Error("DOMPurify did not load");
    return P;
  })();
  return purifyP;
}

/** @param {string} html */
async function sanitize(html) {
  try {
    const P = await purifier();
    return P.sanitize(html, {
      // Under Trusted Types DOMPurify parses through the loader's "engage" policy, so a site
      // lists one policy name, not DOMPurify's own.
      ...(policy ? {TRUSTED_TYPES_POLICY: policy} : {}),
      RETURN_DOM_FRAGMENT: true,
      FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "dialog"],
      FORBID_ATTR: ["style"],
    });
  } catch (/** @type {any} */ e) {
    hooks.report(`cannot sanitise html content, left out: ${e.message}`);
    return null;
  }
}

/**
 * @param {string} tag @param {Record<string, unknown> | null} [props] attributes, and text (the text) and class
 * @param {...(Node | string | null)} children @returns {HTMLElement}
 */
function el(tag, props, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === "text") n.textContent = String(v);
    else if (k === "class") n.className = /** @type {string} */ (v);
    else n.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c) n.append(c);
  return n;
}

/** @param {string} id */
function closeButton(id) {
  const b = el("button", {type: "button", class: "close", "aria-label": "Close"}, el("span", {"aria-hidden": "true", text: "\u00d7"}));
  b.addEventListener("click", () => closeIt(id));
  return b;
}

/** @param {string} id */
function closeIt(id) {
  hooks.closed(id);  // reports `closed`, raises engage:hide, calls remove(id)
  settle();
}

/** @param {string} id @param {unknown} list the content's buttons, as the config wrote them */
function buttons(id, list) {
  if (!Array.isArray(list) || !list.length) return null;
  const box = el("div", {class: "buttons"});
  list.forEach((spec, i) => {
    if (!spec || typeof spec !== "object") return;
    const closes = spec.action === "close";
    const b = el("button", {type: "button", class: `btn ${closes || i > 0 ? "secondary" : "primary"}`, text: spec.label ?? ""});
    b.addEventListener("click", () => (closes ? closeIt(id) : hooks.clicked(id, spec.next || null)));
    box.append(b);
  });
  return box;
}

// Title, text and sanitised html, with ids for aria-labelledby / aria-describedby.
/** @param {Record<string, any>} c the content @param {DocumentFragment | null} html @param {number} n */
function body(c, html, n) {
  const title = c.title ? el("h2", {class: "title", id: `t${n}`, text: c.title}) : null;
  const text = c.text ? el("p", {class: "text", id: `d${n}`, text: c.text}) : null;
  const extra = html ? el("div", {class: "html"}, html) : null;
  return {title, text, extra};
}

/** @param {string} cls @param {{title: any, text?: any}} parts @param {string | null} lang @param {string} [label] */
function dialog(cls, {title, text}, lang, label) {
  return el("section", {class: `engage ${cls}`, role: "dialog", "aria-modal": "false", lang,
    "aria-labelledby": title ? title.id : text ? text.id : null,
    "aria-label": title || text ? null : label,
    "aria-describedby": title && text ? text.id : null});
}

/** @param {Shown} d @param {string} type */
async function show(d, type) {
  const c = d.content && typeof d.content === "object" ? d.content : {};
  const id = d.interaction;
  const [sheet, html] = await Promise.all([
    stylesheet(),
    typeof c.html === "string" && c.html.trim() && type !== "chat" && type !== "button" ? sanitize(c.html) : null,
  ]);
  if (!sheet) return false;  // unstyled, it would land at the end of the page: reported once above
  const n = ++uid;
  const lang = d.language || null;
  const host = el("div", {"data-engage-interaction": id, "data-engage-rule": d.rule, "data-engage-type": type});
  const root = host.attachShadow({mode: "open"});
  adopt(root, sheet);
  const parts = body(c, html, n);
  let live = null;
  let announce = "";
  let stop = null;  // ends a live chat's conversation when its window goes

  if (type === "info") {
    let target = null;
    try { target = c.target ? document.querySelector(c.target) : null; } catch { /* reported below */ }
    if (!target) {
      hooks.report(`info "${id}": no element matches its target ${JSON.stringify(c.target ?? null)}`);
      return false;
    }
    root.append(el("div", {class: "engage info", lang}, parts.title, parts.text, parts.extra, buttons(id, c.buttons)));
    target.append(host);
  } else {
    /** @type {HTMLElement} */
    let box;
    if (type === "button") {
      const trigger = el("button", {type: "button", class: "btn primary trigger", text: c.label || c.title || "Chat"});
      trigger.addEventListener("click", () => hooks.clicked(id, c.next || null));
      box = el("div", {class: "engage trigger-wrap", lang}, trigger, closeButton(id));
    } else if (type === "chat") {
      const title = el("h2", {class: "title", id: `t${n}`, text: c.title || "Chat"});
      box = dialog("chat", {title}, lang);
      live = el("div", {class: "log", role: "log", "aria-live": "polite"});
      box.append(
        el("div", {class: "head"}, title, closeButton(id)),  // not <header>: that would be a second banner landmark
        live);  // no queue line: the queue key is internal, visitors never see it
      announce = c.text || "Connecting you to an agent\u2026";
      // config chat.endpoint: the window converses (web/chat/window.js)
      if (d.handoff && d.handoff.endpoint) stop = /** @type {typeof import("./chat/window.js")} */ (await import(new URL("chat/window.js", here).href)).converse(box, live,
        {endpoint: d.handoff.endpoint, queueKey: d.queueKey ?? null, language: lang, n}, {el, report: hooks.report,
          ended: () => hooks.send({type: "push", now: Date.now(), data: {type: "chatEnded", interaction: id}})});
    } else if (type === "survey") {
      const m = /** @type {typeof import("./survey.js")} */ (await import(new URL("survey.js", here).href));
      ({box, live, announce} = m.surveyBox(c, {el, dialog, parts, lang, n, close: closeButton(id),
        submit: (/** @type {Record<string, string | number>} */ answers) => hooks.submitted(id, answers)}));
    } else {  // panel, and any type this version does not know
      box = dialog("panel", parts, lang, "Invitation");
      live = el("div", {class: "sr-only", "aria-live": "polite"});
      box.append(.../** @type {HTMLElement[]} */ ([closeButton(id), parts.title, parts.text, parts.extra, buttons(id, c.buttons), live].filter(Boolean)));
      announce = [c.title, c.text].filter(Boolean).join(". ");
    }
    box.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { e.stopPropagation(); closeIt(id); }
    });
    root.append(box);
    const dk = dock(corner(type, /^(top|bottom)-(left|right)$/.test(c.position) ? c.position : "bottom-right"));
    dk.append(host);
    // keep clear of what the visitor came to click (web/placement.js), as the engine says
    if (d.placement && d.placement.auto !== false) place(dk, /** @type {ShadowRoot} */ (dk.shadowRoot), d.placement, c.title || c.label || "Chat", hooks.report);
  }

  /** @type {Entry} */
  const entry = {host, root, returnTo: null, stop};
  entries.set(id, entry);
  host.addEventListener("focusin", (e) => {
    if (!host.contains(/** @type {Node | null} */ (e.relatedTarget))) entry.returnTo = /** @type {HTMLElement | null} */ (e.relatedTarget);
  });
  // Links in sanitised html count as a click on the interaction.
  root.addEventListener("click", (e) => {
    if (e.composedPath().some((x) => /** @type {{tagName?: string}} */ (x).tagName === "A")) hooks.clicked(id, null);
  });
  if (live && announce) {
    // filled after insertion so screen readers announce it (politely, focus stays put)
    setTimeout(() => {
      if (type === "chat") live.append(el("p", {class: "msg", text: announce}));
      else live.textContent = announce;
    }, 120);
  }
  if (lostFocus && type !== "info") {
    // the visitor moved here from a panel they were using (button with `next`); closing
    // this one later sends focus back to where they were before the first
    const back = lostFocus.returnTo;
    lostFocus = null;
    const first = /** @type {HTMLElement | null} */ (root.querySelector(".btn, button"));
    if (first) first.focus({preventScroll: true});
    entry.returnTo = back;
  }
  return true;
}

// The dock a floating interaction goes to: a sticky window's, while one is open. A sticky
// window that opens gathers the floating interactions of the other corners into its dock.
/** @param {string} type @param {string} position @returns {string} */
function corner(type, position) {
  const open = [...entries.values()].find((e) => STICKY.has(e.host.dataset.engageType) && e.host.parentElement);
  const at = open ? /** @type {HTMLElement} */ (open.host.parentElement).getAttribute("data-engage-dock") : position;  // found with a parent
  if (STICKY.has(type) && !open) {
    for (const e of entries.values()) {
      const from = e.host.parentElement;
      if (from && from.hasAttribute("data-engage-dock") && from.getAttribute("data-engage-dock") !== at) {
        dock(/** @type {string} */ (at)).append(e.host);  // no sticky window open: at is position
        if (!from.childElementCount) from.remove();
      }
    }
  }
  return at || position;
}

/** @param {string} position @returns {HTMLElement} */
function dock(position) {
  let d = docks.get(position);
  if (d && d.isConnected) return d;
  d = el("div", {"data-engage-dock": position});
  const r = d.attachShadow({mode: "open"});
  /** @type {Promise<CSSStyleSheet | string | null>} */ (sheetP).then((s) => adopt(r, s));  // show() awaited stylesheet() first
  r.append(el("slot"));
  document.body.append(d);
  docks.set(position, d);
  return d;
}

/** @param {string} id */
function remove(id) {
  const e = entries.get(id);
  if (!e) return false;
  entries.delete(id);
  if (e.stop) e.stop();
  const hadFocus = !!e.root.activeElement;
  const parent = e.host.parentElement;
  e.host.remove();
  if (hadFocus) lostFocus = {returnTo: e.returnTo};
  if (parent && parent.hasAttribute("data-engage-dock") && !parent.childElementCount) parent.remove();
  return true;
}

// After a batch of decisions: focus that left with a removed panel goes back where it was.
function settle() {
  const r = lostFocus && lostFocus.returnTo;
  lostFocus = null;
  if (r && r.isConnected && typeof r.focus === "function") r.focus({preventScroll: true});
}

function clear() {
  for (const id of [...entries.keys()]) remove(id);
  displayed.clear();
  chats.clear();
  lostFocus = null;
}

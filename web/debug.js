// engage debug overlay: loaded by loader.js only with data-debug or ?engage-debug.
// A small fixed, scrollable box (its own shadow root, bottom left) listing, for the last
// evaluation, every rule, ruleset and condition with the fact it read and its result.
// Everything is set as text; the page's CSS cannot reach it.
//
// Marks: ✓ true, ✗ false, ○ not tested (below the first false condition or the first
// matching ruleset, or a rule not evaluated), ◷ a rule entry unchanged since an earlier
// evaluation (a tick re-tests only what can change; the time says which evaluation). The
// box takes the corner where it covers the fewest of the page's links, buttons and
// controls and none of the engine's own panels, so it stays off the page's calls to action.

import {CORNERS, cornerBox, overlaps} from "./placement.js";

const CSS = `
:host { all: initial !important; position: fixed !important; left: 8px !important; bottom: 8px !important;
  z-index: 2147483001 !important; display: block !important; }
.box { width: min(420px, calc(100vw - 16px)); max-height: 45vh; overflow: auto; box-sizing: border-box;
  background: rgba(18, 20, 24, .94); color: #e6e6e6; border-radius: 8px; padding: 6px 10px 8px;
  font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; box-shadow: 0 4px 16px rgba(0,0,0,.4); }
header { display: flex; gap: 8px; align-items: center; position: sticky; top: -6px; background: inherit; padding: 2px 0 4px; }
header b { flex: 1; color: #fff; }
button { font: inherit; color: #e6e6e6; background: #333; border: 1px solid #555; border-radius: 4px; cursor: pointer; }
button:focus-visible { outline: 2px solid #6cb6ff; outline-offset: 1px; }
.min .list, .min .errors, .min .legend { display: none; }
.rule { margin: 4px 0; }
.rs { margin-left: 12px; }
.cond { margin-left: 24px; word-break: break-word; }
.yes { color: #7ee787; } .no { color: #ff938a; } .muted, .untested { color: #9ba3ad; }
.stale { opacity: .6; }
.legend { color: #9ba3ad; padding: 0 0 4px; border-bottom: 1px solid #333; margin-bottom: 2px; }
.legend { display: flex; flex-wrap: wrap; gap: 0 10px; }
.legend span { white-space: nowrap; }
:host([data-corner^="top"]) { top: 8px !important; bottom: auto !important; }
:host([data-corner$="right"]) { right: 8px !important; left: auto !important; }
.errors div { color: #ffb86b; }
`;

/**
 * The engine's trace (docs/architecture.md, "Trace"), as loader.js hands it to update().
 * @typedef {{type?: string, criteria?: string, operator?: string, value?: unknown, read?: unknown,
 *            result?: boolean | null, [field: string]: unknown}} TraceCondition
 * @typedef {{matched?: boolean | null, conditions?: TraceCondition[]}} TraceRuleset
 * @typedef {{name: string, alwaysEvaluate?: boolean, matched?: boolean | null, status?: string,
 *            rulesets?: TraceRuleset[]}} TraceRule
 * @typedef {{now: number, cause?: string, rules?: TraceRule[]}} Trace
 */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag @param {string | null} [cls] @param {unknown} [text] @returns {HTMLElementTagNameMap[K]}
 */
function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text != null) n.textContent = String(text);
  return n;
}

const show = (/** @type {unknown} */ v) => JSON.stringify(v) ?? String(v);
const mark = (/** @type {boolean | null | undefined} */ ok) => (ok == null ? "\u25cb" : ok ? "\u2713" : "\u2717");
const tone = (/** @type {boolean | null | undefined} */ ok) => (ok == null ? "untested" : ok ? "yes" : "no");
const CLEAR = 'a[href], button, [role="button"], input, select, textarea, summary, [data-engage-avoid]';
const CHROME = 'header, nav, footer, [role="banner"], [role="navigation"], [role="contentinfo"]';
const ORDER = ["bottom-left", "top-left", "bottom-right", "top-right"];
const PLAIN = new Set(["type", "criteria", "operator", "value", "result", "read"]);

export function createOverlay() {
  const host = document.createElement("div");
  host.setAttribute("data-engage-debug", "");
  const root = host.attachShadow({mode: "open"});
  if (typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  }
  const box = el("div", "box");
  box.setAttribute("role", "region");
  box.setAttribute("aria-label", "engage trace");
  const head = el("header");
  const title = el("b", null, "engage trace");
  const meta = el("span", "muted", "waiting for the engine\u2026");
  const toggle = el("button", null, "\u2013");
  toggle.type = "button";
  toggle.setAttribute("aria-label", "Minimise trace");
  toggle.addEventListener("click", () => {
    const min = box.classList.toggle("min");
    toggle.textContent = min ? "+" : "\u2013";
    toggle.setAttribute("aria-label", min ? "Expand trace" : "Minimise trace");
  });
  head.append(title, meta, toggle);
  const legend = el("div", "legend");
  for (const [m, cls, text] of [["\u2713", "yes", "true"], ["\u2717", "no", "false"], ["\u25cb", "untested", "not tested"],
    ["\u25f7", "muted", "unchanged since an earlier evaluation"]]) legend.append(el("span", cls, `${m} ${text}`));
  const errors = el("div", "errors");
  const list = el("div", "list");
  box.append(head, legend, errors, list);
  root.append(box);
  document.body.append(host);
  const seen = new WeakMap();  // rule entry -> `now` of the evaluation that first sent it
  let frame = 0;
  const replace = () => { if (!frame) frame = requestAnimationFrame(() => { frame = 0; corner(host); }); };
  addEventListener("resize", replace, {passive: true});

  /** @param {Trace} trace */
  function update(trace) {
    meta.textContent = `${trace.cause || "?"} @ ${time(trace.now)}`;
    const items = [];
    for (const rule of trace.rules || []) {
      if (!seen.has(rule)) seen.set(rule, trace.now);
      const since = seen.get(rule);
      const stale = since !== trace.now;
      const r = el("div", stale ? "rule stale" : "rule");
      const line = el("div", tone(rule.matched),
        `${mark(rule.matched)} ${rule.name}${rule.alwaysEvaluate ? " (always)" : ""} \u2014 ${rule.status || ""}`);
      if (stale) line.append(el("span", "muted", `  \u25f7 unchanged since ${time(since)}`));
      r.append(line);
      (rule.rulesets || []).forEach((rs, i) => {
        r.append(el("div", `rs ${tone(rs.matched)}`, `${mark(rs.matched)} ruleset ${i + 1}`));
        for (const c of rs.conditions || []) {
          // the other fields too (match, min/max, entryPoint, flow, statuses, ...)
          const more = Object.entries(c).filter(([k]) => !PLAIN.has(k)).map(([k, v]) => `${k}=${show(v)}`);
          const what = [c.type, c.criteria, c.operator, c.value === undefined ? null : show(c.value), ...more]
            .filter((x) => x != null && x !== "").join(" ");
          const d = el("div", `cond ${tone(c.result)}`, `${mark(c.result)} ${what}`);
          if (c.result == null) d.append(el("span", "muted", "  not tested"));
          else if ("read" in c) d.append(el("span", "muted", `  read ${show(c.read)}`));
          r.append(d);
        }
      });
      items.push(r);
    }
    if (!items.length) items.push(el("div", "muted", "no rules evaluated"));
    list.replaceChildren(...items);
    replace();  // panels may have come or gone with this evaluation
  }

  /** @param {string} message */
  function error(message) {
    errors.append(el("div", null, `! ${message}`));
  }

  return {update, error};
}

/** @param {number} now */
function time(now) {
  const t = new Date(now);
  return isNaN(t.getTime()) ? String(now) : t.toLocaleTimeString();
}

// The corner where the box covers no engine panel and the fewest links, buttons and controls.
/** @param {HTMLElement} host */
function corner(host) {
  const view = {width: document.documentElement.clientWidth, height: document.documentElement.clientHeight};
  const r = host.getBoundingClientRect();
  const size = {width: r.width, height: r.height};
  // weight: the engine's panels are never covered; the page's content (where its calls to
  // action are) counts ten times its header, navigation and footer
  const weighed = (/** @type {string} */ sel, /** @type {(e: Element) => number} */ w) => [...document.querySelectorAll(sel)].map((e) => ({b: e.getBoundingClientRect(), w: w(e)}))
    .filter(({b}) => b.width > 0 && b.height > 0 && b.bottom > 0 && b.top < view.height);
  const items = [
    ...weighed("[data-engage-dock]", () => 1000),
    ...weighed(CLEAR.split(", ").map((x) => `${x}:not([tabindex="-1"]):not([aria-hidden="true"])`).join(", "),
      (e) => (e.closest(CHROME) ? 1 : 10)),
  ];
  let best = null;
  for (const c of ORDER.filter((x) => CORNERS.includes(x))) {
    const at = cornerBox(c, size, view, 8);
    const score = items.reduce((n, {b, w}) => n + (overlaps(at, b) ? w : 0), 0);
    if (!best || score < best.score) best = {c, score};
  }
  if (best && host.getAttribute("data-corner") !== best.c) host.setAttribute("data-corner", best.c);
}

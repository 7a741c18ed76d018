// engage placement: keeps floating interactions (panel, button, chat) off what the visitor
// came to click. ui.js hands each dock (the fixed box holding one corner's interactions)
// to place() with the `placement` object of the engine's decision (engine/placement.py:
// preferred corner, avoid selectors, primary-action words, small-screen settings); this
// module holds no config knowledge of its own. docs/embedding.md ("Placement") tells the rule.
//
//  * Pure part (exported, tested in tests/browser/test_placement.py): candidate corners,
//    the box a dock would take in each, overlap, and choose(), which picks a corner, a
//    bottom or top sheet on small screens, or the compact launcher.
//  * DOM part: one pass per animation frame at most, run when a dock is shown and when the
//    viewport changes (resize, scroll, DOM mutations), throttled to one pass per THROTTLE_MS
//    while those keep coming. A pass reads everything first (one layout), decides, then
//    writes; it writes nothing when nothing changed. A dock that moves is re-inserted at its
//    new place rather than moved, so the page records no layout shift.

export const CORNERS = ["bottom-right", "bottom-left", "top-right", "top-left"];
const THROTTLE_MS = 100;
const GRID = 48;  // CSS px between the points probed for the page's fixed / sticky elements
const ACTIONS = 'a[href], button, [role="button"], input[type="button"], input[type="submit"]';

/** @typedef {{left: number, top: number, right: number, bottom: number}} Box */
/** @typedef {{width: number, height: number}} Size */
/** @typedef {{mode: "corner"|"sheet"|"compact", at: string, offset?: number, maxHeight?: number}} Choice */

/** The corners to try, best first: the preferred one, its mirror on the same edge, the one
 *  above or below it, the opposite one. @param {string} corner @returns {string[]} */
export function candidates(corner) {
  const [v, h] = CORNERS.includes(corner) ? corner.split("-") : ["bottom", "right"];
  const ov = v === "top" ? "bottom" : "top";
  const oh = h === "left" ? "right" : "left";
  return [`${v}-${h}`, `${v}-${oh}`, `${ov}-${h}`, `${ov}-${oh}`];
}

/** The box a dock of `size` takes in `corner` of a `view`, `gap` px from its edges and
 *  clear of the page's full-width bars (`insets` from the top and bottom edges).
 *  @param {string} corner @param {Size} size @param {Size} view @param {number} gap
 *  @param {{top: number, bottom: number}} [insets] @returns {Box} */
export function cornerBox(corner, size, view, gap, insets = {top: 0, bottom: 0}) {
  const top = corner.startsWith("top") ? gap + insets.top : view.height - gap - insets.bottom - size.height;
  const left = corner.endsWith("left") ? gap : view.width - gap - size.width;
  return {left, top, right: left + size.width, bottom: top + size.height};
}

/** The box of a full-width sheet `height` px tall, `inset` px from the `edge` of the view.
 *  @param {"top"|"bottom"} edge @param {number} height @param {Size} view @param {number} gap @param {number} inset @returns {Box} */
export function sheetBox(edge, height, view, gap, inset) {
  const top = edge === "top" ? gap + inset : view.height - gap - inset - height;
  return {left: gap, top, right: view.width - gap, bottom: top + height};
}

/** @param {Box} a @param {Box} b */
export function overlaps(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/** @param {Box} box @param {Box[]} avoid */
export function clear(box, avoid) {
  return box.top >= 0 && box.left >= 0 && !avoid.some((r) => overlaps(box, r));
}

/**
 * Where a dock goes.
 * @param {{corner: string, size: Size, launcher: Size, view: Size, gap: number, avoid: Box[],
 *          insets: {top: number, bottom: number}, smallScreenWidth: number, sheetMaxHeight: number}} o
 *   size: the dock's natural size (on a small screen: as a sheet, before the height cap);
 *   insets: how far the page's fixed bars reach in from the top and bottom edges.
 * @returns {Choice}
 */
export function choose(o) {
  const order = candidates(o.corner);
  if (o.view.width < o.smallScreenWidth) {
    const maxHeight = Math.floor(Math.min(o.size.height, o.sheetMaxHeight * o.view.height));
    for (const edge of /** @type {const} */ (["bottom", "top"])) {
      const inset = o.insets[edge];
      if (clear(sheetBox(edge, maxHeight, o.view, o.gap, inset), o.avoid)) return {mode: "sheet", at: `sheet-${edge}`, offset: inset, maxHeight};
    }
  } else {
    for (const at of order) {
      if (clear(cornerBox(at, o.size, o.view, o.gap, o.insets), o.avoid)) return {mode: "corner", at, ...offset(at, o.insets)};
    }
  }
  const at = order.find((c) => clear(cornerBox(c, o.launcher, o.view, o.gap, o.insets), o.avoid)) || order[0];
  return {mode: "compact", at, ...offset(at, o.insets)};
}

/** @param {string} at @param {{top: number, bottom: number}} insets */
function offset(at, insets) {
  return {offset: insets[at.startsWith("top") ? "top" : "bottom"]};
}

/** A test for an accessible name holding one of `words` as whole words. @param {string[]} words */
export function wordTest(words) {
  const esc = words.filter(Boolean).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/\s+/g, "\\s+"));
  if (!esc.length) return () => false;
  const re = new RegExp(`(^|[^\\p{L}\\p{N}])(${esc.join("|")})($|[^\\p{L}\\p{N}])`, "iu");
  return (/** @type {string} */ name) => re.test(name);
}

// ----------------------------------------------------------------------------- DOM part

/** @type {Map<HTMLElement, any>} dock -> {p, label, launcher, choice, size, dirty, open} */
const docks = new Map();
// read by the tests: passes run so far; how long the last ones took that measured no dock
// (a pass that does includes the layout the page's frame needed anyway)
export const stats = {passes: 0, ms: /** @type {number[]} */ ([])};
let frame = 0;
let timer = 0;
let last = -Infinity;
/** @type {(() => void) | null} stops watching the page (scroll, resize, mutations) */
let watching = null;
/** @type {(msg: string) => void} */
let report = () => {};

/**
 * Take charge of a dock: hide it until its first pass has placed it, add its launcher.
 * @param {HTMLElement} dock @param {ShadowRoot} root the dock's shadow root
 * @param {any} p the decision's `placement` @param {string} label the launcher's text
 * @param {(msg: string) => void} onError
 */
export function place(dock, root, p, label, onError) {
  report = onError || report;
  let s = docks.get(dock);
  if (!s) {
    const launcher = document.createElement("button");
    launcher.type = "button";
    launcher.className = "engage launcher";
    launcher.setAttribute("aria-expanded", "false");
    launcher.addEventListener("click", () => {
      s.open = true;
      dock.setAttribute("data-engage-open", "");
      launcher.setAttribute("aria-expanded", "true");
      const first = dock.firstElementChild && dock.firstElementChild.shadowRoot;
      const target = first && (first.querySelector(".btn") || first.querySelector("button"));
      if (target) /** @type {HTMLElement} */ (target).focus({preventScroll: true});
    });
    root.append(launcher);
    s = {p, launcher, choice: null, size: null, open: false, dirty: true};
    docks.set(dock, s);
    dock.setAttribute("data-engage-pending", "");  // not painted before it is placed
  }
  s.p = p;
  s.dirty = true;  // new content: measure again
  s.launcher.textContent = label;
  s.launcher.setAttribute("aria-label", `Show: ${label}`);
  watch();
  schedule(true);
}

function watch() {
  if (watching) return;
  const onChange = () => schedule(false);
  const mo = new MutationObserver((records) => {
    if (records.some((r) => !ours(r.target) && !(r.type === "childList" && [...r.addedNodes, ...r.removedNodes].every(ours)))) onChange();
  });
  mo.observe(document.documentElement, {childList: true, subtree: true, attributes: true, attributeFilter: ["class", "style", "hidden", "open"]});
  addEventListener("resize", onChange, {passive: true});
  addEventListener("scroll", onChange, {passive: true, capture: true});
  watching = () => {
    mo.disconnect();
    removeEventListener("resize", onChange);
    removeEventListener("scroll", onChange, {capture: true});
  };
}

/** @param {Node} n */
function ours(n) {
  const e = n.nodeType === 1 ? /** @type {Element} */ (n) : n.parentElement;
  return !!(e && e.closest("[data-engage-dock], [data-engage-debug]"));
}

/** One pass in the next frame; at most one per THROTTLE_MS for scroll / resize / mutations. */
/** @param {boolean} [now] */
function schedule(now) {
  if (frame || timer) return;
  const wait = now ? 0 : last + THROTTLE_MS - performance.now();
  const go = () => { timer = 0; frame = requestAnimationFrame(pass); };
  if (wait > 0) timer = setTimeout(go, wait);
  else go();
}

function pass() {
  frame = 0;
  last = performance.now();
  stats.passes++;
  for (const dock of docks.keys()) if (!dock.isConnected) docks.delete(dock);
  if (!docks.size) { if (watching) watching(); watching = null; return; }
  const t0 = performance.now();
  try {
    if (!run()) stats.ms = [...stats.ms.slice(-19), performance.now() - t0];
  } catch (/** @type {any} */ e) {
    report(`placement failed, interactions stay in their corners: ${e && e.message || e}`);
    for (const dock of docks.keys()) dock.removeAttribute("data-engage-pending");
  }
}

function run() {
  const html = document.documentElement;
  const view = {width: html.clientWidth, height: html.clientHeight};
  const small = (/** @type {any} */ s) => view.width < s.p.smallScreenWidth;
  // Writes first, once: a dock whose content or screen class changed is laid out in its
  // natural form (hidden while measured); everything below only reads.
  const measuring = [];
  for (const [dock, s] of docks) {
    const form = small(s) ? "sheet-bottom" : "corner";
    if (s.open || (!s.dirty && s.form === form)) continue;
    s.form = form;
    measuring.push(dock);
    dock.setAttribute("data-engage-measure", "");
    dock.setAttribute("data-engage-at", form === "corner" ? s.p.corner : form);
    dock.removeAttribute("data-engage-compact");
    s.choice = null;  // apply() writes the outcome back whatever it is
  }
  const gap = parseFloat(getComputedStyle([...docks.keys()][0]).getPropertyValue("--engage-offset-y")) || 16;
  for (const dock of measuring) {
    const s = docks.get(dock);
    const r = dock.getBoundingClientRect();
    s.size = {width: r.width, height: r.height};
    s.dirty = false;
  }
  const fixed = new Map();  // element -> Box: the page's fixed / sticky elements we probed
  for (const s of docks.values()) {
    if (s.open) continue;
    const l = s.launcher.getBoundingClientRect();
    s.launcherSize = {width: l.width || 48, height: l.height || 48};
    // where this dock could go: the four corners, or on a small screen the top and bottom
    // bands a sheet and the page's bars share
    const band = Math.ceil(view.height * 0.4);
    const regions = small(s) ? [{left: 0, top: 0, right: view.width, bottom: band}, {left: 0, top: view.height - band, right: view.width, bottom: view.height}]
      : candidates(s.p.corner).map((c) => cornerBox(c, s.size, view, gap));
    probeFixed(regions, fixed);
    s.avoid = avoidBoxes(s.p, view);
  }
  const fixedBoxes = [...fixed.values()];
  const insets = {top: 0, bottom: 0};
  for (const b of fixedBoxes) {
    if (b.right - b.left < view.width / 2) continue;  // a bar spans the page; a launcher is avoided, not sat on
    if (b.bottom >= view.height - 1 && b.top > view.height / 2) insets.bottom = Math.max(insets.bottom, view.height - b.top);
    if (b.top <= 1 && b.bottom < view.height / 2) insets.top = Math.max(insets.top, b.bottom);
  }
  const taken = [];  // boxes of docks placed in this pass: docks never stack on each other
  const moves = [];
  for (const [dock, s] of docks) {
    if (s.open) continue;
    const c = choose({corner: s.p.corner, size: s.size, launcher: s.launcherSize, view, gap,
      avoid: [...s.avoid, ...fixedBoxes, ...taken], insets,
      smallScreenWidth: s.p.smallScreenWidth, sheetMaxHeight: s.p.sheetMaxHeight});
    taken.push(c.mode === "sheet" ? sheetBox(/** @type {"top"|"bottom"} */ (c.at.slice(6)), /** @type {number} */ (c.maxHeight), view, gap, /** @type {number} */ (c.offset))
      : cornerBox(c.at, c.mode === "corner" ? s.size : s.launcherSize, view, gap, insets));
    moves.push([dock, s, c]);
  }
  for (const dock of measuring) dock.removeAttribute("data-engage-measure");
  for (const [dock, s, c] of moves) apply(dock, s, c);
  return measuring.length > 0;
}

/** Sample the page at a grid of points in `regions`; keep the fixed / sticky elements found. */
/** @param {Box[]} regions @param {Map<Element, Box>} found */
function probeFixed(regions, found) {
  const seen = new Set();
  const positioned = new Map();
  const holder = (/** @type {any} */ e) => {
    for (let n = e; n && n !== document.body && n !== document.documentElement; n = n.parentElement) {
      if (positioned.has(n)) return positioned.get(n);
      const pos = getComputedStyle(n).position;
      if (pos === "fixed" || pos === "sticky") { positioned.set(n, n); return n; }
      positioned.set(n, null);
    }
    return null;
  };
  for (const r of regions) {
    for (let y = Math.max(1, r.top + 4); y < r.bottom; y += GRID) {
      for (let x = Math.max(1, r.left + 4); x < r.right; x += GRID) {
        const key = `${Math.round(x / GRID)},${Math.round(y / GRID)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        /** @type {Element | null | undefined} */
        let hit = document.elementFromPoint(x, y);
        if (hit && ours(hit)) hit = document.elementsFromPoint(x, y).find((e) => !ours(e));
        const f = hit && holder(hit);
        if (f && !found.has(f)) {
          const b = f.getBoundingClientRect();
          if (b.width && b.height) found.set(f, {left: b.left, top: b.top, right: b.right, bottom: b.bottom});
        }
      }
    }
  }
}

const bad = new Set();
const tests = new Map();

/** The boxes of the visible elements `p` says to avoid: its selectors and the links and
 *  buttons named with a primary-action word. */
/** @param {any} p the decision's `placement` @param {Size} view @returns {Box[]} */
function avoidBoxes(p, view) {
  /** @type {Box[]} */
  const out = [];
  const add = (/** @type {Element} */ e) => {
    const b = e.getBoundingClientRect();
    if (b.width > 0 && b.height > 0 && b.bottom > 0 && b.right > 0 && b.top < view.height && b.left < view.width) {
      out.push({left: b.left, top: b.top, right: b.right, bottom: b.bottom});
    }
  };
  for (const sel of p.avoid || []) {
    /** @type {ArrayLike<Element> & {forEach(f: (e: Element) => void): void}} */
    let list = [];
    try { list = document.querySelectorAll(sel); } catch (/** @type {any} */ e) {
      if (!bad.has(sel)) { bad.add(sel); report(`placement: the browser rejects the avoid selector ${JSON.stringify(sel)} (${e.message})`); }
    }
    list.forEach(add);
  }
  const key = (p.words || []).join("|");
  if (!tests.has(key)) tests.set(key, wordTest(p.words || []));
  const named = tests.get(key);
  document.querySelectorAll(ACTIONS).forEach((e) => { if (!ours(e) && named(accessibleName(e))) add(e); });
  return out;
}

/** Close to the accessible name, without layout: aria-label, aria-labelledby, text, value, title. */
/** @param {any} e an element (a field has a value) */
function accessibleName(e) {
  const label = e.getAttribute("aria-label");
  if (label) return label;
  const by = e.getAttribute("aria-labelledby");
  if (by) return by.split(/\s+/).map((/** @type {string} */ id) => (document.getElementById(id) || {}).textContent || "").join(" ");
  return e.textContent.trim() || e.value || e.getAttribute("title") || "";
}

/** @param {any} dock @param {any} s the dock's entry in `docks` @param {Choice} c */
function apply(dock, s, c) {
  const pending = dock.hasAttribute("data-engage-pending");
  const before = s.shown;
  const same = before && before.at === c.at && before.mode === c.mode && before.offset === c.offset && before.maxHeight === c.maxHeight;
  const remeasured = !s.choice;
  s.choice = s.shown = c;
  if (same && !pending && !remeasured) return;
  const focused = dock.contains(document.activeElement) && document.activeElement;
  const inner = focused && focused.shadowRoot && focused.shadowRoot.activeElement;
  dock.setAttribute("data-engage-at", c.at);
  dock.toggleAttribute("data-engage-compact", c.mode === "compact");
  dock.style.setProperty("--engage-inset", `${c.offset || 0}px`);
  if (c.mode === "sheet") dock.style.setProperty("--engage-sheet-max", `${c.maxHeight}px`);
  else dock.style.removeProperty("--engage-sheet-max");
  if (pending) dock.removeAttribute("data-engage-pending");
  else if (!same) {
    // Moved: inserted afresh at its new place (a new box, not a shifted one: no layout shift).
    dock.parentNode.append(dock);
    if (inner) /** @type {HTMLElement} */ (inner).focus({preventScroll: true});
  }
}

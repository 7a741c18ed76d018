// LivePerson's `lpTag.sdes` for a site moving from LivePerson (docs/lptag.md). loader.js
// imports this module only when its tag has data-lptag="sdes". It installs lpTag.sdes,
// takes over what the page queued there, and turns each engagement attribute (SDE) into
// the engage.push objects the engine already knows; the engine checks them as any push.
// An attribute the product does not use is dropped without an error. Translation only:
// whatever needs the engine's knowledge (service status numbers, currencies) is passed on
// as LivePerson wrote it and the engine reads it.

/** @typedef {Record<string, any>} Sde an engagement attribute as the page wrote it */

/** A number as LivePerson sites write them (7.8 or "7.8"); blanks and junk fall away. @param {unknown} v */
function num(v) {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

/** A text field: numbers become text (sku 10305020), blanks fall away. @param {unknown} v */
function text(v) {
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return typeof v === "string" && v.trim() !== "" ? v : undefined;
}

/** The object without its undefined fields (the engine refuses empty or odd values).
 * @param {Record<string, unknown>} o @returns {Record<string, unknown>} */
function defined(o) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/** {product: {name, category, sku, price}, quantity} -> {name, sku, category, price, quantity}
 * @param {Sde} item @param {boolean} withQuantity */
function product(item, withQuantity) {
  const p = (item && item.product) || {};
  return defined({name: text(p.name), sku: text(p.sku), category: text(p.category), price: num(p.price),
    quantity: withQuantity ? num(item.quantity) : undefined});
}

/** @param {unknown} list @param {boolean} withQuantity */
function products(list, withQuantity) {
  return (Array.isArray(list) ? list : []).map((i) => product(i, withQuantity)).filter((p) => Object.keys(p).length);
}

const named = (/** @type {Record<string, unknown>} */ p) => p.name !== undefined || p.sku !== undefined || p.category !== undefined;

/** LivePerson attribute type -> the engage.push objects it becomes (docs/lptag.md).
 * @type {Record<string, (s: Sde) => object[]>} */
const MAP = {
  cart: (s) => [defined({type: "cart", total: num(s.total) ?? s.total, currency: text(s.currency), products: products(s.products, true)})],
  purchase: (s) => [defined({type: "purchase", total: num(s.total), currency: text(s.currency), orderId: text(s.orderId),
    products: products(s.cart && s.cart.products, true)})],
  prodView: (s) => products(s.products, false).filter(named).map((p) => ({type: "viewedProduct", ...p})),
  error: (s) => {
    const e = s.error || {}, message = text(e.message), code = text(e.code);
    // a resolved error is not another occurrence; one with neither field cannot be matched
    return e.resolved === true || (message === undefined && code === undefined) ? [] : [defined({type: "error", message, code})];
  },
  service: (s) => {
    const v = s.service || {}, topic = text(v.topic);
    return topic === undefined || v.status == null ? [] : [{type: "serviceActivity", topic, status: v.status}];
  },
};

/**
 * Install lpTag.sdes: pushes (and sends) are translated to `push`; what the page queued in
 * an array before is replayed in order; LivePerson's own lpTag.sdes, if present, keeps
 * working and is fed as before.
 * @param {(...facts: object[]) => void} push  window.engage.push
 * @param {(message: string) => void} report   one console error and engage:error
 */
export function install(push, report) {
  const lp = /** @type {any} */ (window.lpTag = window.lpTag || {});
  const before = lp.sdes;
  /** @type {Sde[]} */
  const seen = [];
  /** @param {...(Sde | Sde[])} items */
  function take(...items) {
    for (const sde of items.flat()) {
      try {
        if (!sde || typeof sde !== "object") continue;
        seen.push(sde);
        const facts = Object.prototype.hasOwnProperty.call(MAP, sde.type) ? MAP[sde.type](sde) : [];
        if (facts.length) push(...facts);
      } catch (/** @type {any} */ e) {
        report(`lpTag.sdes: cannot read the ${JSON.stringify(sde && sde.type)} attribute: ${e && e.message}`);
      }
    }
    return seen.length;
  }
  // lpTag.section: the sections of this page view, as entry points by section read them
  if (Array.isArray(lp.section) && lp.section.length) push({type: "section", sections: lp.section.map(String)});
  if (before && !Array.isArray(before) && typeof before.push === "function") {
    const theirs = before.push.bind(before);  // LivePerson's tag is on the page too: feed both
    before.push = (/** @type {Sde[]} */ ...items) => { take(...items); return theirs(...items); };
    return;
  }
  lp.sdes = {push: take, send: take, get: (/** @type {string | undefined} */ type) => seen.filter((s) => type === undefined || s.type === type)};
  if (Array.isArray(before)) take(...before);
  // A single-page app tells LivePerson about a route change with lpTag.newPage(url, {section,
  // sdes}); without LivePerson's tag that call would throw in the app. The sections belong
  // to the new page view, so they go after the loader's page fact for the route change,
  // which the loader sends one task after the URL changed: two tasks later here.
  if (typeof lp.newPage !== "function") {
    lp.newPage = (/** @type {string} */ url, /** @type {any} */ opts) => {
      const o = opts || {}, sections = o.section == null ? null : [].concat(o.section).map(String);
      if (o.sdes) take(o.sdes);
      if (sections) later(() => later(() => push({type: "section", sections})));
    };
  }
}

/** @type {(() => void)[]} */
const jobs = [];
/** @type {MessageChannel | undefined} */
let channel;
/** Run `f` one task later (a MessageChannel: not held by fake timers, not throttled). @param {() => void} f */
function later(f) {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => jobs.splice(0).forEach((job) => job());
  }
  jobs.push(f);
  channel.port2.postMessage(0);
}

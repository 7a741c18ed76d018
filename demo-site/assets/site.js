/*
 * Fjord Gadgets: code shared by every page.
 *
 * Loaded as a plain (blocking) script in <head>, before the engine's loader, so that the
 * globals the rules read (window.visitorIsVIP, window.shopApi.visitor.isReturning) exist
 * before the engine first looks for them. Everything that touches the DOM waits for
 * DOMContentLoaded.
 *
 * Facts go to the engine through the queue pattern, which works whether or not the
 * loader has finished loading:
 *     window.engage = window.engage || []; engage.push({...});
 */
(function () {
  "use strict";

  window.engage = window.engage || [];

  // The shop's analytics queue (the Google Tag Manager convention). Because it exists, the
  // engine also pushes what it shows and what the visitor does with it, as
  // {event: "engage_show", ...}; type `dataLayer` in the browser console to see them
  // (docs/analytics.md lists every shape).
  window.dataLayer = window.dataLayer || [];

  var CURRENCY = "EUR";
  var CART_KEY = "demo_cart";

  var CATALOG = {
    "PX-1": {sku: "PX-1", name: "Phone X", category: "phones", price: 699, art: "phone", url: "product-phone-x.html"},
    "PXM-1": {sku: "PXM-1", name: "Phone X Mini", category: "phones", price: 499, art: "phone-mini", url: "category.html#phone-x-mini"},
    "ZF-1": {sku: "ZF-1", name: "Phone Z Fold", category: "phones", price: 1299, art: "fold", url: "category.html#phone-z-fold"},
    "TY-1": {sku: "TY-1", name: "Tablet Y", category: "tablets", price: 549, art: "tablet", url: "product-tablet-y.html"},
    "PC-1": {sku: "PC-1", name: "Phone X Case", category: "accessories", price: 29, art: "case", url: "category.html#phone-x-case"}
  };

  // ---------- storage helpers (never throw: storage may be disabled) ----------

  function getItem(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function setItem(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* ignore */ }
  }
  function removeItem(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ }
  }

  function push(fact) {
    window.engage = window.engage || [];
    window.engage.push(fact);
  }

  // ---------- cart ----------

  function readCart() {
    var lines;
    try { lines = JSON.parse(getItem(CART_KEY) || "[]"); } catch (e) { lines = []; }
    if (!Array.isArray(lines)) return [];
    return lines.filter(function (line) {
      return line && CATALOG[line.sku] && Number(line.quantity) > 0;
    }).map(function (line) {
      var p = CATALOG[line.sku];
      return {name: p.name, sku: p.sku, category: p.category, price: p.price,
              quantity: Math.floor(Number(line.quantity))};
    });
  }

  function cartTotal(lines) {
    return lines.reduce(function (sum, line) { return sum + line.price * line.quantity; }, 0);
  }

  function cartCount(lines) {
    return lines.reduce(function (sum, line) { return sum + line.quantity; }, 0);
  }

  // Report the cart to the engine. Called on every page load and on every change.
  function pushCart(lines) {
    lines = lines || readCart();
    push({type: "cart", total: cartTotal(lines), currency: CURRENCY,
          products: lines.map(function (l) {
            return {name: l.name, sku: l.sku, category: l.category, price: l.price, quantity: l.quantity};
          })});
  }

  function writeCart(lines) {
    setItem(CART_KEY, JSON.stringify(lines.map(function (l) { return {sku: l.sku, quantity: l.quantity}; })));
    pushCart(lines);
    updateCartBadge(lines);
    document.dispatchEvent(new CustomEvent("shop:cart", {detail: {lines: lines, total: cartTotal(lines)}}));
  }

  function addToCart(sku, quantity) {
    if (!CATALOG[sku]) return;
    var lines = readCart();
    var line = lines.find(function (l) { return l.sku === sku; });
    if (line) {
      line.quantity += quantity || 1;
    } else {
      var p = CATALOG[sku];
      lines.push({name: p.name, sku: p.sku, category: p.category, price: p.price, quantity: quantity || 1});
    }
    writeCart(lines);
  }

  function removeFromCart(sku, quantity) {
    var lines = readCart();
    var line = lines.find(function (l) { return l.sku === sku; });
    if (!line) return;
    line.quantity -= (quantity === undefined ? line.quantity : quantity);
    writeCart(lines.filter(function (l) { return l.quantity > 0; }));
  }

  function clearCart() { writeCart([]); }

  function formatPrice(value) {
    try {
      return new Intl.NumberFormat("en-IE", {style: "currency", currency: CURRENCY,
                                             maximumFractionDigits: 0}).format(value);
    } catch (e) {
      return "€" + value;
    }
  }

  // ---------- visitor facts read by custom conditions ----------

  // SPEC example: a VIP is a visitor whose lifetime spend (localStorage total_sum) is over 1000.
  window.visitorIsVIP = function () {
    return Number(getItem("total_sum") || 0) > 1000;
  };

  // A returning visitor: a previous visit ended more than 30 minutes ago (or forced on the
  // VIP page). Read by the rule "Welcome back" as the dotted path shopApi.visitor.isReturning.
  var visits = {count: 0, last: 0};
  try { visits = JSON.parse(getItem("demo_visits") || "null") || visits; } catch (e) { /* keep default */ }
  if (Date.now() - (Number(visits.last) || 0) > 30 * 60 * 1000) {
    visits.count = (Number(visits.count) || 0) + 1;
  }
  visits.last = Date.now();
  setItem("demo_visits", JSON.stringify(visits));

  function isLoggedIn() { return getItem("demo_logged_in") === "1"; }

  window.shopApi = {
    visitor: {
      isReturning: function () {
        return getItem("demo_returning") === "1" || Number(visits.count) > 1;
      },
      isLoggedIn: isLoggedIn,
      name: function () { return isLoggedIn() ? "Kari Nordmann" : null; }
    }
  };

  // ---------- small UI helpers ----------

  var ART = {
    "phone": '<svg viewBox="0 0 120 240" aria-hidden="true"><rect x="6" y="4" width="108" height="232" rx="22" fill="#1d2733"/><rect x="13" y="12" width="94" height="216" rx="15" fill="#2fa3ad"/><rect x="13" y="120" width="94" height="108" rx="15" fill="#0f6e7a"/><rect x="45" y="20" width="30" height="7" rx="3.5" fill="#1d2733"/><circle cx="60" cy="92" r="22" fill="#f2a541"/></svg>',
    "phone-mini": '<svg viewBox="0 0 110 200" aria-hidden="true"><rect x="6" y="4" width="98" height="192" rx="20" fill="#3b2f4a"/><rect x="13" y="12" width="84" height="176" rx="13" fill="#b794d6"/><rect x="13" y="104" width="84" height="84" rx="13" fill="#7d5ba6"/><rect x="40" y="19" width="30" height="6" rx="3" fill="#3b2f4a"/><circle cx="55" cy="78" r="18" fill="#ffd166"/></svg>',
    "fold": '<svg viewBox="0 0 200 240" aria-hidden="true"><rect x="4" y="4" width="94" height="232" rx="16" fill="#222"/><rect x="102" y="4" width="94" height="232" rx="16" fill="#222"/><rect x="11" y="12" width="82" height="216" rx="10" fill="#e56b6f"/><rect x="107" y="12" width="82" height="216" rx="10" fill="#6d597a"/><circle cx="100" cy="120" r="34" fill="#f2a541"/></svg>',
    "tablet": '<svg viewBox="0 0 220 290" aria-hidden="true"><rect x="5" y="5" width="210" height="280" rx="20" fill="#d9dee3"/><rect x="15" y="15" width="190" height="260" rx="10" fill="#355070"/><rect x="15" y="170" width="190" height="105" rx="10" fill="#6d597a"/><circle cx="110" cy="115" r="38" fill="#eaac8b"/><circle cx="110" cy="10" r="2.5" fill="#9aa5b1"/></svg>',
    "case": '<svg viewBox="0 0 120 240" aria-hidden="true"><rect x="6" y="4" width="108" height="232" rx="24" fill="#f2a541"/><rect x="16" y="14" width="88" height="212" rx="16" fill="#f7c77f"/><rect x="20" y="20" width="36" height="50" rx="12" fill="#1d2733"/><circle cx="38" cy="36" r="8" fill="#55606b"/><circle cx="38" cy="56" r="8" fill="#55606b"/></svg>'
  };

  function artFor(sku) {
    var p = CATALOG[sku];
    return p ? ART[p.art] : "";
  }

  function toast(message) {
    var el = document.createElement("div");
    el.className = "toast";
    el.setAttribute("role", "status");
    el.textContent = message;
    document.body.appendChild(el);
    window.setTimeout(function () { el.remove(); }, 2200);
  }

  function updateCartBadge(lines) {
    var count = cartCount(lines || readCart());
    document.querySelectorAll("[data-cart-count]").forEach(function (el) {
      el.textContent = String(count);
    });
  }

  window.Shop = {
    catalog: CATALOG,
    currency: CURRENCY,
    push: push,
    formatPrice: formatPrice,
    artFor: artFor,
    toast: toast,
    getItem: getItem,
    setItem: setItem,
    removeItem: removeItem,
    cart: {
      read: readCart,
      total: function () { return cartTotal(readCart()); },
      add: addToCart,
      remove: removeFromCart,
      clear: clearCart,
      push: pushCart
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    updateCartBadge();

    // "Signed in" chip in the header.
    document.querySelectorAll("[data-user-chip]").forEach(function (el) {
      el.hidden = !isLoggedIn();
      if (isLoggedIn()) el.textContent = "Signed in: Kari";
    });

    // Any element with data-add-to-cart="SKU" adds that product.
    document.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-add-to-cart]") : null;
      if (!button) return;
      event.preventDefault();
      var sku = button.getAttribute("data-add-to-cart");
      addToCart(sku, 1);
      toast((CATALOG[sku] ? CATALOG[sku].name : sku) + " added to your cart");
    });
  });

  // Every page reports the current cart at load, as a shop's cart widget would (the
  // engine only reacts when the cart actually changed).
  pushCart();
})();

/*
 * One-page order, LivePerson style. The page reports to LivePerson's queue, lpTag.sdes,
 * with LivePerson's engagement attributes, and never calls engage.push itself: the loader
 * (data-lptag="sdes") installs lpTag.sdes and hands each attribute to the engine.
 * Loaded before the loader, so the first pushes wait in the queue as they would for
 * LivePerson's own tag.
 */
(function () {
  "use strict";
  var Shop = window.Shop;
  window.lpTag = window.lpTag || {};
  lpTag.sdes = lpTag.sdes || [];

  function lines() { return Shop ? Shop.cart.read() : []; }
  function products(ls) {
    return ls.map(function (l) {
      return {product: {name: l.name, category: l.category, sku: l.sku, price: l.price}, quantity: l.quantity};
    });
  }
  function cartSde(ls) {
    var total = ls.reduce(function (sum, l) { return sum + l.price * l.quantity; }, 0);
    var count = ls.reduce(function (sum, l) { return sum + l.quantity; }, 0);
    return {type: "cart", total: total, currency: "EUR", numItems: count, products: products(ls)};
  }

  // What LivePerson sites send on a checkout page: the cart, and who the visitor is
  // (customer info: the engine does not use it, and ignores it without an error).
  lpTag.sdes.push(cartSde(lines()));
  lpTag.sdes.push({type: "ctmrinfo", info: {ctype: "guest", customerId: "demo"}});

  function show(id, text) {
    var el = document.getElementById(id);
    if (el) { el.hidden = false; el.textContent = text; }
  }

  function summary() {
    var list = document.getElementById("lp-summary");
    var total = document.getElementById("lp-total");
    if (!list || !Shop) return;
    list.textContent = "";
    lines().forEach(function (l) {
      var row = document.createElement("li");
      row.className = "summary-row";
      row.textContent = l.quantity + " × " + l.name + " " + Shop.formatPrice(l.price * l.quantity);
      list.appendChild(row);
    });
    total.textContent = Shop.formatPrice(Shop.cart.total());
  }

  // The engine's session, as the rules see it.
  function known() {
    var e = window.engage, s = e && typeof e.state === "function" ? e.state() : null;
    var b = s && s.session && s.session.behaviour;
    if (!b) return;
    var set = function (key, text) {
      var el = document.querySelector('[data-known="' + key + '"]');
      if (el) el.textContent = text;
    };
    set("cart", b.cart ? b.cart.total + " " + (b.cart.currency || "") : "no cart yet");
    var errors = (b.errors || []).filter(function (x) { return x.code === "E402"; });
    set("errors", errors.length ? errors[0].count + " times: Card declined (E402)" : "none");
    var f = b.flows && b.flows.onePage;
    set("flow", !f ? "not entered" : f.completed ? "completed" : f.abandoned ? "abandoned" : "in progress");
  }

  document.addEventListener("DOMContentLoaded", function () {
    summary();
    window.addEventListener("engage:evaluated", known);
    window.addEventListener("engage:ready", known);
    document.getElementById("lp-pay").addEventListener("click", function () {
      show("lp-error", "Card declined (E402). Try again or place the order by invoice.");
      lpTag.sdes.push({type: "error", error: {contextId: "payment", message: "Card declined", code: "E402", level: 10, resolved: false}});
    });
    document.getElementById("lp-order").addEventListener("click", function () {
      var ls = lines();
      var total = ls.reduce(function (sum, l) { return sum + l.price * l.quantity; }, 0);
      lpTag.sdes.push({type: "purchase", total: total, currency: "EUR", orderId: "FG-" + Date.now(),
                       cart: {numItems: ls.length, products: products(ls)}});
      lpTag.sdes.push(cartSde([]));
      if (Shop) Shop.cart.clear();
      summary();
      document.getElementById("lp-error").hidden = true;
      show("lp-done", "Thank you: your order is placed. You may leave this page; nothing will call you back.");
    });
  });
})();

/*
 * Confirmation: shows the order, then empties the cart (which pushes a cart with total 0).
 */
(function () {
  "use strict";
  var Shop = window.Shop;
  var numberEl = document.getElementById("order-number");
  var totalEl = document.getElementById("order-total");
  var order = null;
  try { order = JSON.parse(window.sessionStorage.getItem("demo_last_order") || "null"); } catch (e) { order = null; }
  if (!order && Shop) order = {lines: Shop.cart.read(), total: Shop.cart.total()};

  if (numberEl) numberEl.textContent = "FG-" + String(Date.now()).slice(-6);
  if (totalEl && Shop && order) totalEl.textContent = Shop.formatPrice(order.total || 0);

  if (Shop && Shop.cart.read().length > 0) Shop.cart.clear();
})();

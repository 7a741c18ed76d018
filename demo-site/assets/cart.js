/*
 * Cart page: add and remove items. Every change is written to localStorage "demo_cart"
 * and pushed to the engine as {type: "cart", total, currency, products} by Shop.cart
 * (see site.js).
 */
(function () {
  "use strict";
  var Shop = window.Shop;
  var list = document.getElementById("cart-lines");
  var empty = document.getElementById("cart-empty");
  var subtotal = document.getElementById("cart-subtotal");
  var total = document.getElementById("cart-total");
  var checkout = document.getElementById("go-checkout");
  var quickAdd = document.getElementById("quick-add");
  if (!Shop || !list) return;

  function button(label, action, sku, extraClass, accessibleName) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn secondary small" + (extraClass ? " " + extraClass : "");
    b.textContent = label;
    b.setAttribute("data-action", action);
    b.setAttribute("data-sku", sku);
    if (accessibleName) b.setAttribute("aria-label", accessibleName);
    return b;
  }

  function render() {
    var lines = Shop.cart.read();
    list.textContent = "";
    lines.forEach(function (line) {
      var li = document.createElement("li");
      li.className = "cart-line";

      var thumb = document.createElement("div");
      thumb.className = "thumb";
      // Static SVG markup from site.js, as an image: no HTML parsing, so the shop also runs
      // with Trusted Types enforced (python -m engine serve --csp).
      var art = Shop.artFor(line.sku);
      if (art) {
        var img = document.createElement("img");
        img.alt = "";
        img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(art.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" '));
        thumb.appendChild(img);
      }

      var info = document.createElement("div");
      var name = document.createElement("div");
      name.className = "name";
      name.textContent = line.name;
      var meta = document.createElement("div");
      meta.className = "muted small";
      meta.textContent = line.sku + " · " + Shop.formatPrice(line.price) + " each";
      var qty = document.createElement("div");
      qty.className = "qty";
      var out = document.createElement("output");
      out.textContent = String(line.quantity);
      out.setAttribute("aria-label", "Quantity of " + line.name);
      qty.appendChild(button("−", "minus", line.sku, "", "Remove one " + line.name));
      qty.appendChild(out);
      qty.appendChild(button("+", "plus", line.sku, "", "Add one " + line.name));
      qty.appendChild(button("Remove", "remove", line.sku, "ghost", "Remove " + line.name + " from cart"));
      info.appendChild(name);
      info.appendChild(meta);
      info.appendChild(qty);

      var price = document.createElement("div");
      price.className = "price";
      price.textContent = Shop.formatPrice(line.price * line.quantity);

      li.appendChild(thumb);
      li.appendChild(info);
      li.appendChild(price);
      list.appendChild(li);
    });

    var sum = lines.reduce(function (s, l) { return s + l.price * l.quantity; }, 0);
    empty.hidden = lines.length > 0;
    list.hidden = lines.length === 0;
    subtotal.textContent = Shop.formatPrice(sum);
    total.textContent = Shop.formatPrice(sum);
    checkout.classList.toggle("disabled", lines.length === 0);
    checkout.setAttribute("aria-disabled", lines.length === 0 ? "true" : "false");
  }

  function renderQuickAdd() {
    quickAdd.textContent = "";
    Object.keys(Shop.catalog).forEach(function (sku) {
      var p = Shop.catalog[sku];
      var li = document.createElement("li");
      var label = document.createElement("span");
      label.textContent = p.name + " · " + Shop.formatPrice(p.price);
      var add = button("Add", "plus", sku, "", "Add " + p.name + " to cart");
      li.appendChild(label);
      li.appendChild(add);
      quickAdd.appendChild(li);
    });
  }

  document.addEventListener("click", function (event) {
    var b = event.target.closest ? event.target.closest("button[data-action]") : null;
    if (!b) return;
    var sku = b.getAttribute("data-sku");
    var action = b.getAttribute("data-action");
    if (action === "plus") Shop.cart.add(sku, 1);
    if (action === "minus") Shop.cart.remove(sku, 1);
    if (action === "remove") Shop.cart.remove(sku);
    if (action === "clear") Shop.cart.clear();
  });

  checkout.addEventListener("click", function (event) {
    if (Shop.cart.read().length === 0) {
      event.preventDefault();
      Shop.toast("Your cart is empty");
    }
  });

  document.addEventListener("shop:cart", render);
  renderQuickAdd();
  render();
})();

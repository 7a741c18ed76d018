/*
 * Checkout: tells the engine the visitor is in the "checkout" section, and makes the card
 * payment fail. Every failed attempt pushes
 *     {type: "error", message: "Card declined", code: "E402"}
 * (the rule "Payment trouble" reacts to the second one). "Pay by invoice" completes the
 * order and goes to the confirmation page.
 */
(function () {
  "use strict";
  var Shop = window.Shop;
  window.engage = window.engage || [];
  engage.push({type: "section", sections: ["checkout"]});

  var form = document.getElementById("payment-form");
  var error = document.getElementById("payment-error");
  var attempts = document.getElementById("payment-attempts");
  var summary = document.getElementById("order-summary");
  var totalEl = document.getElementById("checkout-total");
  var invoice = document.getElementById("pay-invoice");
  var failures = 0;

  if (Shop && summary) {
    var lines = Shop.cart.read();
    summary.textContent = "";
    if (lines.length === 0) {
      var li = document.createElement("li");
      li.className = "muted";
      li.textContent = "Your cart is empty. You can still try the payment form.";
      summary.appendChild(li);
    }
    lines.forEach(function (line) {
      var row = document.createElement("li");
      row.className = "summary-row";
      var name = document.createElement("span");
      name.textContent = line.quantity + " × " + line.name;
      var price = document.createElement("span");
      price.textContent = Shop.formatPrice(line.price * line.quantity);
      row.appendChild(name);
      row.appendChild(price);
      summary.appendChild(row);
    });
    totalEl.textContent = Shop.formatPrice(Shop.cart.total());
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      button.textContent = "Processing…";
      window.setTimeout(function () {
        failures += 1;
        button.disabled = false;
        button.textContent = "Pay";
        error.hidden = false;
        error.textContent = "Card declined (E402). Please check your card details or choose another way to pay.";
        attempts.textContent = failures === 1
          ? "Failed attempts: 1. Try once more to see the \"Payment trouble\" rule."
          : "Failed attempts: " + failures + ".";
        engage.push({type: "error", message: "Card declined", code: "E402"});
        error.focus();
      }, 600);
    });
  }

  if (invoice) {
    invoice.addEventListener("click", function () {
      if (Shop) {
        try {
          window.sessionStorage.setItem("demo_last_order", JSON.stringify({
            lines: Shop.cart.read(), total: Shop.cart.total()
          }));
        } catch (e) { /* ignore */ }
      }
      window.location.href = "confirmation.html";
    });
  }
})();

/*
 * Product pages: report the product the visitor is looking at.
 * The product is described by data attributes on <article id="product">.
 */
(function () {
  "use strict";
  var el = document.getElementById("product");
  if (!el) return;
  window.engage = window.engage || [];
  engage.push({
    type: "viewedProduct",
    name: el.getAttribute("data-name"),
    sku: el.getAttribute("data-sku"),
    category: el.getAttribute("data-category"),
    price: Number(el.getAttribute("data-price"))
  });
})();

// Builds the placement test page from its query: where the checkout button is, and which
// fixed elements of the site's own are there. Records layout shifts for the test.
(() => {
  const q = new URLSearchParams(location.search);
  window.__shifts = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      window.__shifts.push({value: e.value, recent: e.hadRecentInput,
        nodes: (e.sources || []).map((s) => (s.node && s.node.nodeType === 1 ? s.node.outerHTML.slice(0, 80) : String(s.node)))});
    }
  }).observe({type: "layout-shift", buffered: true});
  const add = (html) => document.body.insertAdjacentHTML("beforeend", html);
  document.addEventListener("DOMContentLoaded", () => {
    if (q.has("long")) document.body.classList.add("long");
    const at = q.get("checkout");
    if (at) add(`<a href="#pay" class="checkout ${at.replace("-", " ")}" data-test-avoid>Proceed to checkout</a>`);
    if (q.has("bar")) add('<nav class="bar" data-test-avoid><a href="#">Home</a><a href="#">Search</a><a href="#">Account</a></nav>');
    if (q.has("cookie")) add('<div class="cookie" data-test-avoid><p>We use cookies to run this shop.</p><button type="button">Accept</button> <button type="button">Settings</button></div>');
    if (q.has("launcher")) add('<div class="their-launcher" data-test-avoid role="img" aria-label="Their chat">?</div>');
  });
})();

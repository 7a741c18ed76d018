/*
 * Home page: "Reset the demo" clears everything this site and the engine keep in the
 * browser (cart, log-in, VIP spend, engine session) and reloads.
 */
(function () {
  "use strict";
  var reset = document.getElementById("reset-demo");
  if (!reset) return;
  reset.addEventListener("click", function () {
    try { window.localStorage.clear(); } catch (e) { /* ignore */ }
    try { window.sessionStorage.clear(); } catch (e) { /* ignore */ }
    window.location.reload();
  });
})();

/* Mobile test page: shows what the browser says about itself. */
(function () {
  "use strict";
  var ua = document.getElementById("user-agent");
  if (ua) ua.textContent = navigator.userAgent;
  var url = document.getElementById("current-url");
  function showUrl() { if (url) url.textContent = window.location.href; }
  showUrl();
  window.addEventListener("hashchange", showUrl);
})();

/*
 * Privacy choices: the loader on this page has data-consent="required". The two buttons send
 * the visitor's choice to the engine:
 *     engage.push({type: "consent", granted: true})    store the visit from now on
 *     engage.push({type: "consent", granted: false})   erase what was stored, store nothing
 * and the box on the right lists everything this origin keeps in localStorage,
 * sessionStorage, cookies and IndexedDB. This script itself never writes to any of them.
 */
(function () {
  "use strict";
  window.engage = window.engage || [];
  // No shop script runs here, so this page answers the two visitor questions the rules ask
  // (site.js answers them elsewhere): unknown without reading storage, so both are false.
  window.visitorIsVIP = window.visitorIsVIP || function () { return false; };
  window.shopApi = window.shopApi || {visitor: {isReturning: function () { return false; }}};
  var out = document.getElementById("stored-now");
  var status = document.getElementById("consent-status");

  function keys(storage) {
    var list = [];
    try {
      for (var i = 0; i < storage.length; i++) {
        var key = storage.key(i);
        list.push(key + " (" + String(storage.getItem(key) || "").length + " characters)");
      }
    } catch (e) { list.push("(not readable: " + e.message + ")"); }
    return list;
  }

  function describe(databases) {
    var lines = [];
    function section(name, items) {
      lines.push(name + ":");
      if (!items.length) lines.push("  nothing");
      items.forEach(function (item) { lines.push("  " + item); });
    }
    section("localStorage", keys(window.localStorage));
    section("sessionStorage", keys(window.sessionStorage));
    section("cookies", document.cookie ? document.cookie.split(/;\s*/) : []);
    section("IndexedDB", databases);
    out.textContent = lines.join("\n");
  }

  function look() {
    if (!out) return;
    var idb = window.indexedDB && typeof window.indexedDB.databases === "function"
      ? window.indexedDB.databases().then(function (dbs) { return dbs.map(function (d) { return d.name; }); })
      : Promise.resolve(["(this browser cannot list its databases)"]);
    idb.catch(function () { return []; }).then(describe);
  }

  function choose(granted) {
    engage.push({type: "consent", granted: granted});
    if (status) {
      status.textContent = granted
        ? "Allowed: the engine has stored your visit and keeps it up to date."
        : "Not allowed: the engine erased what it had stored and stores nothing.";
    }
    look();
  }

  var allow = document.getElementById("consent-allow");
  var deny = document.getElementById("consent-deny");
  var refresh = document.getElementById("stored-refresh");
  if (allow) allow.addEventListener("click", function () { choose(true); });
  if (deny) deny.addEventListener("click", function () { choose(false); });
  if (refresh) refresh.addEventListener("click", look);
  window.addEventListener("engage:evaluated", look);
  look();
})();

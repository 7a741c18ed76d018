/*
 * Reports the status of the "Sales" chat queue to the engine with a queueStatus push:
 *     engage.push({type: "queueStatus", queueKey: "Sales", agentsAvailable: N, queueLength: 0})
 *
 * N is what the visitor picked in the "Sales advisers online" control on the home page
 * (stored in localStorage "demo_agents"), so anyone can see the busy variant of the sales
 * rules ("All advisers are busy" -> callback). With the default choice, "server", the value
 * is read from /api/queues/sales.json, as a real site would ask its chat platform.
 *
 * (The "Support" queue shows the other form: rules.json gives it a statusUrl and the
 * engine's loader polls it by itself.)
 */
(function () {
  "use strict";

  var KEY = "demo_agents";
  var SOURCE = "/api/queues/sales.json";
  var CACHE = "demo_sales_status";

  window.engage = window.engage || [];

  function storedChoice() {
    try { return window.localStorage.getItem(KEY) || "server"; } catch (e) { return "server"; }
  }

  var last = null;

  function pushStatus(agents, queueLength, source) {
    last = {agentsAvailable: agents, source: source};
    window.engage = window.engage || [];
    window.engage.push({type: "queueStatus", queueKey: "Sales",
                        agentsAvailable: agents, queueLength: queueLength});
    document.documentElement.setAttribute("data-sales-agents", String(agents));
    document.dispatchEvent(new CustomEvent("shop:queue", {detail: {agentsAvailable: agents, source: source}}));
  }

  function report(choice) {
    if (choice !== "server" && /^\d+$/.test(choice)) {
      pushStatus(Number(choice), 0, "chosen");
      return;
    }
    // Push the last value read in this tab at once, so the engine's first evaluation
    // already knows it; then refresh it from the server.
    var cached = null;
    try { cached = JSON.parse(window.sessionStorage.getItem(CACHE) || "null"); } catch (e) { cached = null; }
    if (cached && typeof cached.agentsAvailable === "number") {
      pushStatus(cached.agentsAvailable, Number(cached.queueLength) || 0, "server");
    }
    if (!window.fetch) return;
    window.fetch(SOURCE, {cache: "no-store"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (!status || typeof status.agentsAvailable !== "number") return;
        try { window.sessionStorage.setItem(CACHE, JSON.stringify(status)); } catch (e) { /* ignore */ }
        if (cached && cached.agentsAvailable === status.agentsAvailable &&
            Number(cached.queueLength) === Number(status.queueLength)) return;
        pushStatus(status.agentsAvailable, Number(status.queueLength) || 0, "server");
      })
      .catch(function () { /* unknown status: the engine treats it as no agents */ });
  }

  report(storedChoice());

  // The control on the home page: <select id="agents-select">.
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("agents-select");
    if (!select) return;
    select.value = storedChoice();
    var note = document.getElementById("agents-note");
    function describe(status) {
      if (!note || !status) return;
      note.textContent = "The engine was told: " + status.agentsAvailable +
        " sales adviser(s) online (" + (status.source === "server" ? "from " + SOURCE : "your choice") + ").";
    }
    describe(last);
    document.addEventListener("shop:queue", function (event) { describe(event.detail); });
    select.addEventListener("change", function () {
      try { window.localStorage.setItem(KEY, select.value); } catch (e) { /* ignore */ }
      report(select.value);
    });
  });
})();

/*
 * The rules explainer: buttons that call the engine's public API, and a live badge per
 * rule showing what the engine's last evaluation on this page said about it.
 */
(function () {
  "use strict";
  var message = document.getElementById("api-message");

  function api() {
    var e = window.engage;
    return e && typeof e.triggerRule === "function" ? e : null;
  }

  function say(text) { if (message) message.textContent = text; }

  document.addEventListener("click", function (event) {
    var b = event.target.closest ? event.target.closest("[data-engage-call]") : null;
    if (!b) return;
    var engine = api();
    if (!engine) {
      say("The engine has not loaded yet (or could not load). Try again in a moment.");
      return;
    }
    var call = b.getAttribute("data-engage-call");
    var arg = b.getAttribute("data-arg");
    try {
      if (call === "triggerRule") { engine.triggerRule(arg); say("Called engage.triggerRule(\"" + arg + "\")."); }
      if (call === "triggerInteraction") { engine.triggerInteraction(arg); say("Called engage.triggerInteraction(\"" + arg + "\")."); }
      if (call === "evaluate") { engine.evaluate(); say("Called engage.evaluate()."); }
      if (call === "push") { engine.push(JSON.parse(arg)); say("Called engage.push(" + arg + ")."); }
      if (call === "state") {
        var out = document.getElementById("engine-state");
        out.hidden = false;
        out.textContent = JSON.stringify(engine.state(), null, 2);
        say("engage.state() returned the session state below.");
      }
    } catch (err) {
      say("The engine said: " + (err && err.message ? err.message : String(err)));
    }
  });

  var LABELS = {
    shown: "shown on this page", matched: "matching now", notMatched: "not matching here",
    skipped: "not tried (an earlier rule won)", suppressed: "matching, but another is displayed",
    capped: "matching, but capped (how often it may show)", declined: "closed by you on this page",
    control: "matching, but you are in its control group: nothing shown"
  };

  window.addEventListener("engage:evaluated", function (event) {
    var trace = event.detail || {};
    (trace.rules || []).forEach(function (rule) {
      document.querySelectorAll("[data-live-for]").forEach(function (badge) {
        if (badge.getAttribute("data-live-for") !== rule.name) return;
        badge.textContent = LABELS[rule.status] || rule.status || "";
        badge.className = "live-status " + (rule.status || "");
      });
    });
  });

  window.addEventListener("engage:ready", function () { say("The engine is running on this page."); });
  window.addEventListener("engage:error", function (event) {
    var d = event.detail || {};
    say("The engine reported a problem: " + (d.message || "unknown") + (d.path ? " (" + d.path + ")" : ""));
  });
})();

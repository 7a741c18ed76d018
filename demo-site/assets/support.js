/*
 * Support: tells the engine the visitor is in the "support" section (entry point "help")
 * and reports the status of the visitor's open service case (rule "Support case pending").
 */
(function () {
  "use strict";
  window.engage = window.engage || [];
  var KEY = "demo_case_status";
  var status = "Pending";
  try { status = window.localStorage.getItem(KEY) || "Pending"; } catch (e) { /* keep default */ }

  engage.push({type: "section", sections: ["support"]});
  engage.push({type: "serviceActivity", topic: "order checkbook", status: status});

  var statusEl = document.getElementById("case-status");
  var select = document.getElementById("case-status-select");

  function show(value) {
    if (statusEl) {
      statusEl.textContent = value;
      statusEl.classList.toggle("done", value === "Resolved" || value === "Complete" || value === "Closed");
    }
    if (select) select.value = value;
  }
  show(status);

  if (select) {
    select.addEventListener("change", function () {
      var value = select.value;
      try { window.localStorage.setItem(KEY, value); } catch (e) { /* ignore */ }
      show(value);
      engage.push({type: "serviceActivity", topic: "order checkbook", status: value});
    });
  }
})();

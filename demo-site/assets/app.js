/*
 * A tiny single-page app with its own router, to show that every URL change is a
 * navigation step for the engine:
 *   - hash routes:      #/  #/deals  #/help          (hashchange)
 *   - pushState links:  app.html?view=compare, app.html?view=accessories  (pushState, popstate)
 * Views are <template id="view-NAME"> elements in app.html.
 */
(function () {
  "use strict";
  var view = document.getElementById("app-view");
  var urlEl = document.getElementById("route-url");
  if (!view) return;

  var TITLES = {
    home: "Overview", deals: "Deals", help: "Help",
    compare: "Compare phones", accessories: "Accessories", missing: "Not found"
  };

  function currentRoute() {
    var hash = window.location.hash;
    if (hash === "#/") return "home";
    if (hash === "" || hash === "#") {
      var params = new URLSearchParams(window.location.search);
      var v = params.get("view");
      if (v) return TITLES[v] && v !== "home" && v !== "missing" ? v : "missing";
      return "home";
    }
    var m = /^#\/([a-z-]*)$/.exec(hash);
    if (!m) return "home";
    if (m[1] === "") return "home";
    return (m[1] === "deals" || m[1] === "help") ? m[1] : "missing";
  }

  function render(focus) {
    var route = currentRoute();
    var template = document.getElementById("view-" + route);
    view.textContent = "";
    view.appendChild(template.content.cloneNode(true));
    document.title = TITLES[route] + " · App · Fjord Gadgets";
    if (urlEl) urlEl.textContent = window.location.href;
    document.querySelectorAll("[data-route]").forEach(function (a) {
      var active = a.getAttribute("data-route") === route;
      a.classList.toggle("active", active);
      if (active) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
    if (focus) {
      var heading = view.querySelector("h2");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    }
  }

  // pushState links: <a data-push href="app.html?view=compare">
  document.addEventListener("click", function (event) {
    var a = event.target.closest ? event.target.closest("a[data-push]") : null;
    if (!a || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    var target = new URL(a.getAttribute("href"), window.location.href);
    if (target.href !== window.location.href) {
      window.history.pushState({view: target.searchParams.get("view")}, "", target.pathname + target.search);
    }
    render(true);
  });

  window.addEventListener("hashchange", function () { render(true); });
  window.addEventListener("popstate", function () { render(true); });
  render(false);
})();

/*
 * Account: a fake log-in. Logging in sets localStorage demo_logged_in=1; when logged in the
 * page shows #account-name with the visitor's name, which the engine's detectLogin
 * interaction (rule "Detect login") looks for.
 */
(function () {
  "use strict";
  var NAME = "Kari Nordmann";
  var loggedOut = document.getElementById("logged-out");
  var loggedIn = document.getElementById("logged-in");
  var slot = document.getElementById("account-name-slot");
  var login = document.getElementById("login-button");
  var logout = document.getElementById("logout-button");

  function isLoggedIn() {
    try { return window.localStorage.getItem("demo_logged_in") === "1"; } catch (e) { return false; }
  }

  function render() {
    var on = isLoggedIn();
    loggedOut.hidden = on;
    loggedIn.hidden = !on;
    var existing = document.getElementById("account-name");
    if (on && !existing) {
      var name = document.createElement("strong");
      name.id = "account-name";
      name.textContent = NAME;
      slot.appendChild(name);
    } else if (!on && existing) {
      existing.remove();
    }
    document.querySelectorAll("[data-user-chip]").forEach(function (el) {
      el.hidden = !on;
      el.textContent = on ? "Signed in: Kari" : "";
    });
  }

  login.addEventListener("click", function (event) {
    event.preventDefault();
    try { window.localStorage.setItem("demo_logged_in", "1"); } catch (e) { /* ignore */ }
    render();
  });
  var form = document.getElementById("login-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      login.click();
    });
  }
  logout.addEventListener("click", function () {
    try { window.localStorage.removeItem("demo_logged_in"); } catch (e) { /* ignore */ }
    render();
  });

  render();
})();

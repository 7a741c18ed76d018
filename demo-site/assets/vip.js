/*
 * VIP switch: sets localStorage total_sum (read by window.visitorIsVIP, rule "VIP") and
 * demo_returning (read by window.shopApi.visitor.isReturning, rule "Welcome back").
 * The engine polls custom conditions every second, so changes apply without a reload.
 */
(function () {
  "use strict";
  var input = document.getElementById("total-sum");
  var state = document.getElementById("vip-state");
  var returning = document.getElementById("returning");
  var returningState = document.getElementById("returning-state");

  function get(key) { try { return window.localStorage.getItem(key); } catch (e) { return null; } }
  function set(key, value) { try { window.localStorage.setItem(key, value); } catch (e) { /* ignore */ } }

  function render() {
    input.value = get("total_sum") || "0";
    var vip = window.visitorIsVIP();
    state.textContent = vip ? "visitorIsVIP() returns true: you are a VIP." : "visitorIsVIP() returns false: not a VIP yet.";
    state.className = "alert " + (vip ? "ok" : "info");
    returning.checked = get("demo_returning") === "1";
    returningState.textContent = "shopApi.visitor.isReturning() returns " + String(window.shopApi.visitor.isReturning()) + ".";
  }

  document.getElementById("vip-form").addEventListener("submit", function (event) {
    event.preventDefault();
    set("total_sum", String(Math.max(0, Number(input.value) || 0)));
    render();
  });
  document.getElementById("make-vip").addEventListener("click", function () { set("total_sum", "1500"); render(); });
  document.getElementById("clear-vip").addEventListener("click", function () { set("total_sum", "0"); render(); });
  returning.addEventListener("change", function () {
    set("demo_returning", returning.checked ? "1" : "0");
    render();
  });
  render();
})();

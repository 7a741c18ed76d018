// The demo's agent desk (agent.html): lists the reference chat endpoint's conversations,
// shows one, and answers or ends it through the endpoint's agent ops (list, poll, reply, close).
(function () {
  "use strict";
  var URL_ = "/engage/chat", current = null, after = 0;
  function post(body) {
    return fetch(URL_, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (r) { return r.json(); });
  }
  function text(tag, value) { var n = document.createElement(tag); n.textContent = value; return n; }
  function list() {
    post({op: "list"}).then(function (r) {
      var ul = document.getElementById("conversations");
      ul.replaceChildren();
      r.conversations.forEach(function (c) {
        var b = text("button", "Conversation " + c.conversation + " (" + (c.queueKey || "no queue") + ", " +
          c.messages + " messages" + (c.ended ? ", ended" : "") + ")");
        b.type = "button";
        b.addEventListener("click", function () { open(c.conversation); });
        var li = document.createElement("li");
        li.append(b);
        ul.append(li);
      });
    });
  }
  function open(id) {
    current = id; after = 0;
    document.getElementById("messages").replaceChildren();
    document.getElementById("talk-title").textContent = "Conversation " + id;
    document.getElementById("talk").hidden = false;
    poll();
  }
  function poll() {
    if (current == null) return;
    post({op: "poll", conversation: current, after: after}).then(function (r) {
      (r.messages || []).forEach(function (m) {
        after = Math.max(after, m.id);
        document.getElementById("messages").append(text("p", m.from + ": " + m.text));
      });
    });
  }
  document.getElementById("reply").addEventListener("submit", function (e) {
    e.preventDefault();
    var input = document.getElementById("reply-text");
    if (!input.value.trim() || current == null) return;
    post({op: "reply", conversation: current, text: input.value}).then(poll);
    input.value = "";
  });
  document.getElementById("end").addEventListener("click", function () {
    if (current != null) post({op: "close", conversation: current}).then(list);
  });
  list(); setInterval(list, 2000); setInterval(poll, 1000);
})();

// engage built-in chat window, live (docs/chat.md, "The built-in window"): where the config
// sets `chat.endpoint` and no provider, the chat window gets an input and converses through
// that same-origin endpoint's JSON protocol (start, send, end; replies by server-sent events,
// or by polling where the endpoint offers no event stream). web/ui.js imports this module
// only then. Agents' replies land in the window's log (role="log", announced politely).

const POLL_MS = 1500;

/**
 * Make `box` a live conversation.
 * @param {HTMLElement} box   the chat dialog
 * @param {HTMLElement} log   its role="log" element
 * @param {{endpoint: string, queueKey: string|null, language: string|null, n: number}} chat
 * @param {{el: Function, report: Function, ended: () => void}} ui
 * @returns {() => void} stops polling and ends the conversation (the window was closed)
 */
export function converse(box, log, chat, ui) {
  const url = new URL(chat.endpoint, document.baseURI);
  if (url.origin !== location.origin) {
    ui.report(`chat.endpoint ${url.href} is not on this site's origin; the chat window cannot converse`);
    return () => {};
  }
  /** @type {string | null} */
  let conversation = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let after = 0, stopped = false, failed = false;
  /** @type {EventSource|null} */
  let source = null;
  const post = (/** @type {string} */ op, /** @type {Record<string, unknown>} */ body) => fetch(url, {method: "POST", credentials: "same-origin", headers: {"Content-Type": "application/json"},
    body: JSON.stringify({op, conversation, ...body})}).then((r) => r.json().then((j) => {
    if (!r.ok) throw new Error(j && j.error || `HTTP ${r.status}`);
    return j;
  }));
  const fail = (/** @type {any} */ e) => {
    if (failed || stopped) return;
    failed = true;
    ui.report(`the chat endpoint ${url.pathname} failed (${e.message}); the chat window cannot converse`);
    log.append(ui.el("p", {class: "msg system", text: "The chat is not available right now. Please try again later."}));
    input.disabled = true;
    send.disabled = true;
  };

  const id = `m${chat.n}`;
  const input = ui.el("input", {type: "text", id, class: "input", autocomplete: "off", maxlength: "2000"});
  const send = ui.el("button", {type: "submit", class: "btn primary"});
  send.textContent = "Send";
  const form = ui.el("form", {class: "compose"}, ui.el("label", {for: id, class: "sr-only", text: "Message"}), input, send);
  form.addEventListener("submit", (/** @type {Event} */ e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text || !conversation) return;
    input.value = "";
    post("send", {text}).then(() => { if (!source) poll(); }, fail);
  });
  box.append(form);

  /** @param {{from: string, text: string, id: number}} m */
  function show(m) {
    const who = m.from === "visitor" ? "You" : m.from === "agent" ? "Agent" : "Assistant";
    log.append(ui.el("p", {class: `msg ${m.from}`}, ui.el("span", {class: "from", text: `${who}: `}), m.text));
  }
  /**
   * Show what a poll answer or a stream event carries; true when the conversation ended.
   * @param {any} r
   */
  function take(r) {
    for (const m of r.messages || []) {
      if (m.id <= after) continue;  // a poll and the stream may both bring it
      after = m.id;
      show(m);
    }
    if (!r.ended) return false;
    stopped = true;
    clearTimeout(timer);
    if (source) source.close();
    ui.ended();
    return true;
  }
  function poll() {
    clearTimeout(timer);
    if (stopped || failed) return;
    post("poll", {after}).then((r) => {
      if (!take(r)) timer = setTimeout(poll, POLL_MS);
    }, fail);
  }
  /** Server-sent events; polling where the endpoint (or the browser) offers none. */
  function listen() {
    if (typeof EventSource !== "function") return poll();
    const events = new URL(url);
    events.search = new URLSearchParams({conversation: String(conversation), after: String(after)}).toString();
    const es = new EventSource(events.href);
    let open = false;
    source = es;
    es.onopen = () => { open = true; };
    es.onmessage = (e) => {
      let r;
      try { r = JSON.parse(e.data); } catch { return; }
      take(r);
    };
    es.onerror = () => {
      if (stopped || failed) return es.close();
      if (open && es.readyState === EventSource.CONNECTING) { open = false; return; }  // the browser reconnects once more
      es.close();  // no stream here, or it broke twice: poll instead
      source = null;
      poll();
    };
  }
  post("start", {queueKey: chat.queueKey, language: chat.language}).then((r) => { conversation = r.conversation; listen(); }, fail);

  return () => {
    if (stopped) return;
    stopped = true;
    clearTimeout(timer);
    if (source) source.close();
    if (conversation && !failed) post("end", {}).catch(() => { /* the window is gone already */ });
  };
}

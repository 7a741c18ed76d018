// The rule playground's page side: the form, the share link, the downloads, and the
// rendering of what assets/playground.py answers. The engine itself runs in Python under
// PyScript; this file only sends it the whole state as JSON and draws the JSON it returns.

const STARTER_CONFIG = {
  version: 1,
  rules: [
    {
      name: "Help after 30 seconds",
      rulesets: [
        {
          conditions: [
            { type: "url", criteria: "currentPage", operator: "contains", value: "/help" },
            { type: "time", criteria: "onPage", operator: "moreThan", value: 30 },
          ],
        },
      ],
      outcome: {
        start: "help-panel",
        language: "en",
        queueKey: "Support",
        variants: [{ when: { schedule: "office", is: "closed" }, start: "closed-info" }],
      },
    },
    {
      name: "Default chat button",
      rulesets: [
        {
          conditions: [
            { type: "time", criteria: "onSite", operator: "moreThan", value: 60 },
            { type: "time", criteria: "onPage", operator: "moreThan", value: 40 },
          ],
        },
      ],
      outcome: { start: "chat-button", language: "en", queueKey: "Support" },
    },
  ],
  interactions: {
    "help-panel": {
      type: "panel",
      title: "Need a hand?",
      text: "Our advisers are online.",
      buttons: [{ label: "Chat now", next: "support-chat" }, { label: "No thanks", action: "close" }],
    },
    "support-chat": { type: "chat", title: "Support" },
    "chat-button": { type: "button", label: "Chat with us", next: "support-chat" },
    "closed-info": { type: "info", target: "#notice", text: "We are closed; we answer mail within a day." },
  },
  schedules: {
    office: {
      timezone: "Europe/Oslo",
      weekly: { mon: ["08:00-16:00"], tue: ["08:00-16:00"], wed: ["08:00-16:00"], thu: ["08:00-16:00"], fri: ["08:00-16:00"] },
    },
  },
};

const $ = (id) => document.getElementById(id);
const browserZone = () => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch (error) {
    return "UTC";
  }
};

function localNow() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function starterState() {
  return {
    v: 1,
    config: JSON.stringify(STARTER_CONFIG, null, 2),
    pages: "https://www.example.com/\nhttps://www.example.com/help | Help centre",
    device: "desktop",
    userAgent: "",
    onPage: 10,
    onSite: 40,
    clock: localNow(),
    timezone: browserZone(),
    dom: {},
    custom: {},
    queues: {},
    pushes: "[]",
    exitIntent: false,
    referrer: "",
    languages: "en",
    visit: 1,
    daysSinceLastVisit: 1,
  };
}

let state = starterState();
let userAgents = {};
let lastGood = null; // the last result computed from a valid config
let lastResult = null;
let selectedStep = null;
let inputsKey = "";
let timer = null;

// --------------------------------------------------------------------- share link

function toBase64Url(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "===".slice((b64.length + 3) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function pipe(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

// #z=<deflate-raw, base64url> where CompressionStream exists; #j=<base64url JSON> elsewhere.
async function encodeState(value) {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  if (typeof CompressionStream === "function") {
    return "z=" + toBase64Url(await pipe(bytes, new CompressionStream("deflate-raw")));
  }
  return "j=" + toBase64Url(bytes);
}

async function decodeState(hash) {
  const match = /^#?([zj])=([A-Za-z0-9_-]+)$/.exec(hash);
  if (!match) return null;
  let bytes = fromBase64Url(match[2]);
  if (match[1] === "z") bytes = await pipe(bytes, new DecompressionStream("deflate-raw"));
  const value = JSON.parse(new TextDecoder().decode(bytes));
  if (!value || typeof value !== "object" || typeof value.config !== "string") throw new Error("not a playground scenario");
  return { ...starterState(), ...value };
}

let shareSerial = 0;
async function updateShareLink() {
  const serial = ++shareSerial;
  const hash = await encodeState(state);
  if (serial !== shareSerial) return;
  const url = new URL(location.href);
  url.hash = hash;
  history.replaceState(null, "", url.href);
  $("share-url").value = url.href;
}

// --------------------------------------------------------------------- form <-> state

function writeForm() {
  $("config").value = state.config;
  $("pages").value = state.pages;
  for (const radio of document.querySelectorAll('input[name="device"]')) radio.checked = radio.value === state.device;
  syncUserAgent();
  $("on-page").value = $("on-page-number").value = state.onPage;
  $("on-site").value = $("on-site-number").value = state.onSite;
  $("clock").value = state.clock;
  $("timezone").value = state.timezone;
  $("pushes").value = state.pushes;
  $("exit-intent").checked = !!state.exitIntent;
  $("referrer").value = state.referrer;
  $("languages").value = state.languages;
  $("visit").value = state.visit;
  $("days-since-last-visit").value = state.daysSinceLastVisit;
  $("days-since-last-visit").disabled = state.visit <= 1;
  inputsKey = ""; // rebuild the answer rows from the state
  if (lastResult && lastResult.inputs) renderInputs(lastResult.inputs);
}

function syncUserAgent() {
  const field = $("user-agent");
  const custom = state.device === "custom";
  field.readOnly = !custom;
  field.value = custom ? state.userAgent : userAgents[state.device] || "";
}

function number(value) {
  const n = Number(value);
  return Number.isFinite(n) ? Math.max(0, Math.round(n)) : 0;
}

function readForm(event) {
  const target = event && event.target;
  const id = target && target.id;
  if (id === "on-page" || id === "on-page-number") {
    state.onPage = number(target.value);
    $("on-page").value = $("on-page-number").value = state.onPage;
    if (state.onSite < state.onPage) {
      state.onSite = state.onPage;
      $("on-site").value = $("on-site-number").value = state.onSite;
    }
  } else if (id === "on-site" || id === "on-site-number") {
    state.onSite = number(target.value);
    $("on-site").value = $("on-site-number").value = state.onSite;
  }
  state.config = $("config").value;
  state.pages = $("pages").value;
  const device = document.querySelector('input[name="device"]:checked');
  const previousDevice = state.device;
  state.device = device ? device.value : "desktop";
  if (state.device === "custom") {
    if (previousDevice !== "custom" && !state.userAgent) state.userAgent = userAgents[previousDevice] || "";
    if (id === "user-agent") state.userAgent = $("user-agent").value;
  }
  syncUserAgent();
  state.clock = $("clock").value;
  state.timezone = $("timezone").value.trim();
  state.pushes = $("pushes").value;
  state.exitIntent = $("exit-intent").checked;
  state.referrer = $("referrer").value.trim();
  state.languages = $("languages").value;
  state.visit = Math.max(1, number($("visit").value));
  state.daysSinceLastVisit = number($("days-since-last-visit").value);
  $("days-since-last-visit").disabled = state.visit <= 1;
  const dom = {};
  for (const row of document.querySelectorAll("#dom-rows [data-selector]")) {
    const selector = row.dataset.selector;
    dom[selector] = {
      exists: row.querySelector('[data-answer="exists"]').checked,
      visible: row.querySelector('[data-answer="visible"]').checked,
      text: row.querySelector('[data-answer="text"]').value,
    };
  }
  state.dom = { ...state.dom, ...dom };
  const custom = {};
  for (const row of document.querySelectorAll("#custom-rows [data-path]")) {
    custom[row.dataset.path] = row.querySelector("input").checked;
  }
  state.custom = { ...state.custom, ...custom };
  const queues = {};
  for (const row of document.querySelectorAll("#queue-rows [data-queue]")) {
    const read = (name) => {
      const raw = row.querySelector(`[data-answer="${name}"]`).value.trim();
      return raw === "" ? null : number(raw);
    };
    queues[row.dataset.queue] = { agentsAvailable: read("agentsAvailable"), queueLength: read("queueLength") };
  }
  state.queues = { ...state.queues, ...queues };
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function renderInputs(inputs) {
  const key = JSON.stringify([inputs.selectors, inputs.customPaths, inputs.queues, inputs.timezones]);
  if (key === inputsKey) return;
  inputsKey = key;

  const zones = [...new Set([...inputs.timezones, browserZone(), "UTC"])];
  $("timezones").replaceChildren(...zones.map((zone) => el("option", { value: zone })));

  $("dom-answers").hidden = !inputs.selectors.length;
  $("dom-rows").replaceChildren(
    ...inputs.selectors.map((selector) => {
      const given = state.dom[selector] || {};
      return el(
        "div",
        { class: "pg-answer", "data-selector": selector },
        el("code", { class: "pg-answer-name" }, selector),
        el("label", {}, el("input", { type: "checkbox", "data-answer": "exists", checked: !!given.exists, "aria-label": `${selector} exists` }), " exists"),
        el("label", {}, el("input", { type: "checkbox", "data-answer": "visible", checked: !!given.visible, "aria-label": `${selector} is visible` }), " visible"),
        el("input", {
          type: "text", class: "pg-input", "data-answer": "text", value: given.text || "",
          placeholder: "its text", "aria-label": `Text of ${selector}`,
        }),
      );
    }),
  );

  $("custom-answers").hidden = !inputs.customPaths.length;
  $("custom-rows").replaceChildren(
    ...inputs.customPaths.map((path) =>
      el(
        "div",
        { class: "pg-answer", "data-path": path },
        el("label", {}, el("input", { type: "checkbox", checked: !!state.custom[path] }), " ", el("code", { text: path }), " is true"),
      ),
    ),
  );

  $("queue-answers").hidden = !inputs.queues.length;
  $("queue-rows").replaceChildren(
    ...inputs.queues.map((queue) => {
      const given = state.queues[queue] || {};
      const field = (name, label) =>
        el(
          "label",
          {},
          label,
          " ",
          el("input", {
            type: "number", min: "0", step: "1", class: "pg-input pg-number", "data-answer": name, "aria-label": `${queue}: ${label}`,
            value: given[name] === null || given[name] === undefined ? "" : String(given[name]),
          }),
        );
      return el(
        "div",
        { class: "pg-answer", "data-queue": queue },
        el("code", { class: "pg-answer-name" }, queue),
        field("agentsAvailable", "agents available"),
        field("queueLength", "queue length"),
      );
    }),
  );
}

// --------------------------------------------------------------------- rendering results

function showProblems(container, problems, describe) {
  container.replaceChildren();
  if (!problems.length) return;
  container.append(el("ul", {}, problems.map(describe)));
}

function describeCondition(condition) {
  const skip = new Set(["type", "result", "read", "criteria", "operator", "value"]);
  const parts = [condition.type];
  if ("criteria" in condition) parts.push(condition.criteria);
  if ("operator" in condition) parts.push(condition.operator);
  if ("value" in condition) parts.push(JSON.stringify(condition.value));
  for (const [key, value] of Object.entries(condition)) {
    if (!skip.has(key)) parts.push(`${key}=${JSON.stringify(value)}`);
  }
  return parts.join(" ");
}

const MARKS = { true: "yes", false: "no", null: "not tested" };
const QUIET = new Set(["notMatched", "skipped"]);
const folded = new Map(); // rule name -> open, as the visitor of the page last chose

function ruleOpen(rule, count) {
  if (folded.has(rule.name)) return folded.get(rule.name);
  // A short config shows everything; a long one opens the rules that matched.
  return rule.status !== "skipped" && (count <= 8 || !QUIET.has(rule.status));
}

function renderTrace(trace) {
  const box = $("trace");
  if (!trace) {
    box.replaceChildren(el("p", { class: "muted", text: "No evaluation yet." }));
    return;
  }
  box.replaceChildren(
    el(
      "ol",
      { class: "pg-rules" },
      trace.rules.map((rule) =>
        el(
          "li",
          { class: `pg-rule status-${rule.status}`, "data-rule": rule.name, "data-status": rule.status },
          el(
            "details",
            { open: ruleOpen(rule, trace.rules.length), "data-name": rule.name },
            el(
              "summary",
              {},
              el("span", { class: `pg-badge status-${rule.status}`, "data-role": "status", text: rule.status }),
              " ",
              el("strong", { text: rule.name }),
              rule.alwaysEvaluate ? el("span", { class: "tag", text: "always evaluated" }) : null,
            ),
            el(
              "ol",
              { class: "pg-rulesets" },
              rule.rulesets.map((ruleset, index) =>
                el(
                  "li",
                  { class: "pg-ruleset", "data-matched": String(ruleset.matched) },
                  el("span", {
                    class: "pg-ruleset-head",
                    text: `ruleset ${index + 1}: ${ruleset.matched === null ? "not tested" : ruleset.matched ? "matched" : "not matched"}`,
                  }),
                  el(
                    "ol",
                    { class: "pg-conditions" },
                    ruleset.conditions.map((condition) =>
                      el(
                        "li",
                        { class: "pg-condition", "data-result": String(condition.result) },
                        el("span", { class: "pg-mark", text: MARKS[condition.result] }),
                        " ",
                        el("code", { text: describeCondition(condition) }),
                        condition.result === null
                          ? null
                          : el("span", { class: "pg-read", text: `read ${JSON.stringify(condition.read)}` }),
                      ),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function seconds(value) {
  return `${Number(value).toFixed(Number.isInteger(value) ? 0 : 1)} s`;
}

function describeDecision(d) {
  if (d.type === "show") return `show ${d.interaction} (${d.interactionType}) for “${d.rule}”`;
  if (d.type === "hide") return `hide ${d.interaction} (${d.reason})`;
  if (d.type === "chat") return `chat on queue ${d.queueKey} in ${d.language}`;
  if (d.type === "control") return `control group: ${d.interaction} not shown for “${d.rule}”`;
  if (d.type === "survey") return `survey ${d.interaction} sent: ${JSON.stringify(d.answers)}`;
  return `error ${d.code}: ${d.message}`;
}

function renderResult(result) {
  const note = $("result-note");
  if (!result.ok) {
    if (lastGood) {
      note.hidden = false;
      note.textContent = result.problems.length
        ? "The config has problems: below is the result of the last valid config."
        : "The visitor has a problem: below is the last result.";
      $("result").classList.add("pg-stale");
    } else {
      note.hidden = false;
      note.textContent = "Nothing to show until the config is valid.";
    }
    return;
  }
  note.hidden = true;
  $("result").classList.remove("pg-stale");
  lastGood = result;

  $("displayed").replaceChildren(
    ...(result.displayed.length
      ? result.displayed.map((d) =>
          el(
            "li",
            { "data-interaction": d.interaction },
            el("strong", { text: d.interaction }),
            ` (${d.interactionType}) from rule “${d.rule}”`,
            d.language ? `, language ${d.language}` : "",
            d.queueKey ? `, queue ${d.queueKey}` : "",
          ),
        )
      : [el("li", { class: "muted", text: "Nothing is displayed." })]),
  );
  showProblems($("engine-errors"), result.errors, (e) =>
    el("li", {}, el("code", { text: e.code }), " ", e.message),
  );

  const timeline = result.timeline;
  if (!timeline.some((s) => s.step === selectedStep && s.trace)) {
    selectedStep = result.traceStep;
  }
  const quiet = $("show-quiet").checked;
  $("timeline").replaceChildren(
    ...timeline
      .filter((s) => quiet || s.decisions.length || s.label !== "tick" || s.step === result.traceStep)
      .map((s) =>
        el(
          "li",
          { class: s.step === selectedStep ? "selected" : "", "data-step": String(s.step) },
          el(
            "button",
            { type: "button", class: "pg-step", disabled: !s.trace, "data-step": String(s.step), "aria-pressed": String(s.step === selectedStep) },
            el("span", { class: "pg-when", text: `${seconds(s.onSite)} on site · ${seconds(s.onPage)} on page ${s.page}` }),
            " ",
            s.label,
          ),
          s.decisions.length
            ? el("ul", { class: "pg-decisions" }, s.decisions.map((d) => el("li", { class: `decision-${d.type}`, text: describeDecision(d) })))
            : null,
        ),
      ),
  );

  const step = timeline.find((s) => s.step === selectedStep);
  const trace = step ? step.trace : null;
  let caption = "";
  if (step && trace) {
    caption = `Evaluation at step ${step.step} (${trace.cause}), ${seconds(step.onPage)} on page ${step.page}, ${seconds(step.onSite)} on the site.`;
    // The visitor's time runs on past the last evaluation: say so, or the trace's reads
    // (0 s on the page at its load) seem to contradict the time set above.
    const end = timeline[timeline.length - 1];
    const onPage = Number($("on-page-number").value);
    if (step.step === result.traceStep && end && step.page === end.page && onPage > step.onPage) {
      caption += ` The visitor is now at ${seconds(onPage)} on page ${end.page}: nothing was due since, so this is still the latest evaluation, and what it read is as of then.`;
    }
    if (step.step === result.traceStep && result.nextCheck !== null) {
      caption += ` Nothing changes until ${seconds(result.nextCheck)} on this page, the engine's next check.`;
    }
  }
  $("trace-step").textContent = step && trace ? ` of step ${step.step} (${trace.cause})` : "";
  $("trace-caption").textContent = caption;
  renderTrace(trace);
}

function render(result) {
  lastResult = result;
  if (result.failure) {
    $("config-problems").replaceChildren(el("p", { class: "pg-bad", text: `The playground failed: ${result.failure}` }));
    return;
  }
  if (result.inputs) renderInputs(result.inputs);
  const problems = $("config-problems");
  if (result.problems.length) {
    problems.dataset.valid = "false";
    problems.replaceChildren(
      el("p", { class: "pg-bad", text: `${result.problems.length} problem${result.problems.length === 1 ? "" : "s"}:` }),
      el(
        "ul",
        {},
        result.problems.map((p) => el("li", { "data-path": p.path }, p.path ? el("code", { text: p.path }) : null, p.path ? ": " : "", p.message)),
      ),
    );
  } else {
    problems.dataset.valid = "true";
    const count = result.inputs.rules.length;
    problems.replaceChildren(el("p", { class: "pg-good", text: `Valid: ${count} rule${count === 1 ? "" : "s"}.` }));
  }
  showProblems($("scenario-problems"), result.scenarioProblems, (p) =>
    el("li", { "data-field": p.field }, el("code", { text: p.field }), ": ", p.message),
  );
  const n = state.onPage;
  $("time-note").textContent = `Now is ${n} s after the last page loaded and ${Math.max(n, state.onSite)} s after the first.`;
  renderResult(result);
}

// --------------------------------------------------------------------- running the engine

function engine() {
  return window.enginePlayground && typeof window.enginePlayground.run === "function" ? window.enginePlayground : null;
}

function runNow() {
  timer = null;
  const api = engine();
  if (!api) return;
  const started = performance.now();
  const scenario = { ...state };
  delete scenario.config;
  const result = JSON.parse(api.run(JSON.stringify({ config: state.config, scenario })));
  selectedStep = null; // a new result: show its latest evaluation
  render(result);
  const status = $("pg-status");
  status.dataset.runs = String(Number(status.dataset.runs || 0) + 1);
  status.dataset.ms = String(Math.round(performance.now() - started));
}

function schedule(event) {
  readForm(event);
  updateShareLink();
  if (timer !== null) clearTimeout(timer);
  timer = setTimeout(runNow, 120);
}

function download(name, value) {
  const blob = new Blob([JSON.stringify(value, null, 2) + "\n"], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function say(text) {
  $("share-message").textContent = text;
}

function wire() {
  const form = [
    "config", "pages", "user-agent", "on-page", "on-page-number", "on-site", "on-site-number",
    "clock", "timezone", "pushes", "exit-intent", "dom-rows", "custom-rows", "queue-rows",
    "referrer", "languages", "visit", "days-since-last-visit",
  ];
  for (const id of form) $(id).addEventListener("input", schedule);
  for (const id of ["clock", "exit-intent"]) $(id).addEventListener("change", schedule);
  $("device").addEventListener("change", schedule);
  $("dom-rows").addEventListener("change", schedule);
  $("custom-rows").addEventListener("change", schedule);
  $("show-quiet").addEventListener("change", () => lastGood && renderResult(lastGood));
  $("trace").addEventListener("click", (event) => {
    // Remember what the reader opened or folded (a click comes before the toggle).
    const summary = event.target.closest("summary");
    const details = summary && summary.parentElement;
    if (details && details.dataset.name !== undefined) folded.set(details.dataset.name, !details.open);
  });
  $("timeline").addEventListener("click", (event) => {
    const button = event.target.closest("button[data-step]");
    if (!button || !lastGood) return;
    selectedStep = Number(button.dataset.step);
    renderResult(lastGood);
  });
  $("copy-link").addEventListener("click", async () => {
    await updateShareLink();
    try {
      await navigator.clipboard.writeText($("share-url").value);
      say("Link copied.");
    } catch (error) {
      $("share-url").select();
      say("Select the link and copy it (the browser did not allow copying).");
    }
  });
  $("download-facts").addEventListener("click", () => {
    if (!lastGood) return say("Nothing to download until the config is valid.");
    download("playground.facts.json", lastGood.facts);
    say("Saved playground.facts.json.");
  });
  $("download-config").addEventListener("click", () => {
    try {
      download("rules.json", JSON.parse(state.config));
      say("Saved rules.json.");
    } catch (error) {
      say(`The config is not valid JSON: ${error.message}`);
    }
  });
  $("open-facts").addEventListener("change", async (event) => {
    const file = event.target.files && event.target.files[0];
    if (!file) return;
    try {
      const recorded = JSON.parse(await file.text());
      if (!recorded || typeof recorded.scenario !== "object") throw new Error("it was not saved by the playground (no \"scenario\")");
      state = { ...starterState(), ...recorded.scenario, config: state.config };
      writeForm();
      schedule();
      say(`Opened ${file.name}; the config is unchanged.`);
    } catch (error) {
      say(`Could not open ${file.name}: ${error.message}`);
    }
    event.target.value = "";
  });
  $("load-demo-rules").addEventListener("click", async () => {
    try {
      const response = await fetch("/engage/rules.json", { cache: "no-cache" });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      state.config = await response.text();
      state.pages = "https://www.example.com/index.html\nhttps://www.example.com/product-phone-x.html | Phone X\nhttps://www.example.com/cart.html | Cart";
      writeForm();
      schedule();
    } catch (error) {
      say(`Could not load /engage/rules.json: ${error.message}`);
    }
  });
  $("load-starter").addEventListener("click", () => {
    state = starterState();
    writeForm();
    schedule();
  });
  window.addEventListener("hashchange", async () => {
    try {
      const loaded = await decodeState(location.hash);
      if (loaded && JSON.stringify(loaded) !== JSON.stringify(state)) {
        state = loaded;
        writeForm();
        schedule();
      }
    } catch (error) {
      say(`This link holds no readable scenario (${error.message}).`);
    }
  });
}

function ready() {
  const api = engine();
  if (!api) return;
  const info = JSON.parse(api.info);
  userAgents = info.userAgents;
  syncUserAgent();
  const status = $("pg-status");
  status.dataset.state = "ready";
  status.textContent = `Engine ${info.engine} running under PyScript: Python ${info.python}` + (info.pyodide ? `, Pyodide ${info.pyodide}` : "") + ".";
  runNow();
}

// A server policy stricter than this page's own (no 'unsafe-eval', Trusted Types
// required) stops PyScript before Python starts; say so instead of waiting.
document.addEventListener("securitypolicyviolation", (event) => {
  const status = $("pg-status");
  if (status.dataset.state === "ready") return;
  status.dataset.state = "failed";
  status.textContent =
    `The page's Content-Security-Policy blocked PyScript (${event.violatedDirective}). ` +
    "The playground needs script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval' and no Trusted Types " +
    "requirement: see docs/playground.md.";
});

async function main() {
  try {
    const loaded = await decodeState(location.hash);
    if (loaded) state = loaded;
  } catch (error) {
    say(`This link holds no readable scenario (${error.message}); starting over.`);
  }
  writeForm();
  wire();
  updateShareLink();
  if (engine()) ready();
  else window.addEventListener("playground:ready", ready, { once: true });
  setTimeout(() => {
    const status = $("pg-status");
    if (status.dataset.state === "loading") {
      status.dataset.state = "slow";
      status.textContent = "Python is still starting… (if this stays, the browser console says why)";
    }
  }, 30_000);
}

main();

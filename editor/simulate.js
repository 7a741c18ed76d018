// The engine under Pyodide, for live validation and the "Try it" visitor: the rule
// playground's Python (playground.py, run by PyScript) answers one JSON message with the
// config's problems, or with what a simulated visitor sees and the trace of why.

import { h, uid } from "./forms.js";

/** @typedef {import("./forms.js").Json} Json */

/** The simulated visitor's inputs, as the playground names them. */
export const DEFAULT_SCENARIO = {
  pages: "https://www.example.com/",
  device: "desktop",
  onPage: 0,
  onSite: 0,
  languages: "en",
  referrer: "",
  visit: 1,
  clock: "2026-11-25T10:00",
  timezone: "UTC",
  pushes: "[]",
};

export class EngineRunner {
  /**
   * @param {string} configUrl the page that runs the engine (engine.html)
   * @param {(state: string) => void} onState "starting", "ready" or a failure message
   */
  constructor(configUrl, onState) {
    this.configUrl = configUrl;
    this.onState = onState;
    /** @type {{run: (message: string) => string} | null} */
    this.api = null;
  }

  /** Start the engine in a hidden frame (engine.html) once the engine folder is there. */
  start() {
    this.onState("starting");
    const frame = h("iframe", { src: this.configUrl, title: "Engine", hidden: true, tabindex: "-1" });
    document.body.append(frame);
    const started = Date.now();
    const poll = window.setInterval(() => {
      const api = /** @type {any} */ (frame.contentWindow)?.enginePlayground;
      if (api) {
        window.clearInterval(poll);
        this.api = api;
        this.onState("ready");
      } else if (Date.now() - started > 180_000) {
        window.clearInterval(poll);
        this.onState("failed: the engine did not start within 3 minutes");
      }
    }, 250);
  }

  /**
   * @param {string} configText @param {Json} scenario
   * @returns {Json | null} the playground's answer, or null before the engine is ready
   */
  run(configText, scenario) {
    if (!this.api) return null;
    return JSON.parse(this.api.run(JSON.stringify({ config: configText, scenario })));
  }
}

/** @type {Map<HTMLIFrameElement, {ready: boolean, pending: Json[] | null}>} */
const frames = new Map();
window.addEventListener("message", (event) => {
  if (event.origin !== location.origin || event.data?.type !== "engage-preview-ready") return;
  for (const [frame, state] of frames) {
    if (!frame.isConnected) { frames.delete(frame); continue; }
    if (frame.contentWindow !== event.source) continue;
    state.ready = true;
    if (state.pending) preview(frame, state.pending);
  }
});

/**
 * The site's theme for previews: --engage-* custom properties (web/panels.css), as a site
 * sets them on its pages. Kept while the editor is open; not part of the config.
 * @type {Record<string, string>}
 */
export const theme = {};

/** Show the latest decisions again in every preview frame (after a theme change). */
export function refreshPreviews() {
  for (const [frame, state] of frames) if (frame.isConnected && state.pending) preview(frame, state.pending);
}

/**
 * A frame showing interactions as a visitor sees them, drawn by the loader's renderer.
 * @param {string} title
 * @returns {HTMLIFrameElement}
 */
export function previewFrame(title) {
  const frame = h("iframe", { src: "preview.html", title, class: "preview" });
  frames.set(frame, { ready: false, pending: null });
  return frame;
}

/** Show these show decisions in a preview frame. @param {HTMLIFrameElement} frame @param {Json[]} decisions */
export function preview(frame, decisions) {
  const state = frames.get(frame);
  if (!state) return;
  state.pending = decisions;
  if (state.ready) frame.contentWindow?.postMessage({ type: "engage-preview", decisions, theme }, location.origin);
}

/**
 * The "Try it" pane: the visitor's inputs and what the engine decides for them.
 * @param {Json} scenario edited in place
 * @param {() => void} changed
 */
export function tryItPane(scenario, changed) {
  const ids = { pages: uid("t"), device: uid("t"), onPage: uid("t"), onSite: uid("t"), languages: uid("t"), clock: uid("t"), timezone: uid("t"), pushes: uid("t") };
  /** @param {string} key @param {any} control */
  const bind = (key, control, number = false) => {
    control.addEventListener("input", () => { scenario[key] = number ? Number(control.value || 0) : control.value; changed(); });
    return control;
  };
  const device = h("select", { id: ids.device }, ["desktop", "mobile", "tablet"].map((d) => h("option", { value: d, text: d[0].toUpperCase() + d.slice(1) })));
  device.value = scenario.device;
  return h("section", { class: "pane try-pane", "aria-labelledby": "try-heading" },
    h("h2", { id: "try-heading", text: "Try it" }),
    h("p", { class: "hint", text: "A simulated visitor, run through the same engine: change the rules or the visitor and see the decision at once." }),
    h("div", { class: "field" }, h("label", { for: ids.pages, text: "Pages the visitor opens (one URL a line)" }),
      bind("pages", h("textarea", { id: ids.pages, rows: 3, spellcheck: "false", value: scenario.pages }))),
    h("div", { class: "field" }, h("label", { for: ids.device, text: "Visitor's device" }), bind("device", device)),
    h("div", { class: "field" }, h("label", { for: ids.onPage, text: "Seconds on the last page" }),
      bind("onPage", h("input", { id: ids.onPage, type: "number", min: 0, value: String(scenario.onPage) }), true)),
    h("div", { class: "field" }, h("label", { for: ids.onSite, text: "Seconds on the site" }),
      bind("onSite", h("input", { id: ids.onSite, type: "number", min: 0, value: String(scenario.onSite) }), true)),
    h("div", { class: "field" }, h("label", { for: ids.languages, text: "Browser languages" }),
      bind("languages", h("input", { id: ids.languages, type: "text", value: scenario.languages }))),
    h("div", { class: "field" }, h("label", { for: ids.clock, text: "Visitor's clock" }),
      bind("clock", h("input", { id: ids.clock, type: "datetime-local", value: scenario.clock }))),
    h("div", { class: "field" }, h("label", { for: ids.timezone, text: "Visitor's time zone" }),
      bind("timezone", h("input", { id: ids.timezone, type: "text", value: scenario.timezone }))),
    h("div", { class: "field" }, h("label", { for: ids.pushes, text: "Pushed facts on the last page (engage.push objects, a JSON list)" }),
      bind("pushes", h("textarea", { id: ids.pushes, rows: 2, spellcheck: "false", value: scenario.pushes }))),
    h("h3", { text: "Decision" }),
    h("p", { id: "decision", class: "decision", role: "status", text: "Starting the engine…" }),
    h("h3", { text: "What the visitor sees" }),
    previewFrame("What the visitor sees"),
    h("h3", { text: "Why" }),
    h("ol", { id: "trace", class: "trace" }));
}

/**
 * Show the engine's answer in the Try it pane (when it is on screen).
 * @param {Json | null} result @param {string} engineState
 */
export function showResult(result, engineState) {
  const decision = document.getElementById("decision");
  const trace = document.getElementById("trace");
  if (!decision || !trace) return;
  trace.replaceChildren();
  if (!result) {
    decision.textContent = engineState.startsWith("failed") ? `No simulation: the engine could not start (${engineState.slice(8)}).` : "Starting the engine…";
    return;
  }
  if (result.failure) { decision.textContent = `The simulation failed: ${result.failure}`; return; }
  if (result.problems?.length) { decision.textContent = "Fix the config's problems to simulate a visitor."; return; }
  if (result.scenarioProblems?.length) {
    decision.textContent = result.scenarioProblems.map((/** @type {Json} */ p) => `${p.field}: ${p.message}`).join("; ");
    return;
  }
  const shown = result.displayed || [];
  decision.textContent = shown.length
    ? shown.map((/** @type {Json} */ d) => `Shows “${d.interaction}” for rule “${d.rule}”`).join("; ")
    : "Nothing is shown to this visitor.";
  const frame = /** @type {HTMLIFrameElement | null} */ (document.querySelector(".try-pane iframe.preview"));
  if (frame) {
    // the last show decision of each interaction on screen at the end
    /** @type {Map<string, Json>} */
    const last = new Map();
    for (const s of result.timeline || []) for (const d of s.decisions) if (d.type === "show") last.set(d.interaction, d);
    preview(frame, shown.map((/** @type {Json} */ d) => last.get(d.interaction)).filter(Boolean));
  }
  const step = (result.timeline || []).find((/** @type {Json} */ s) => s.step === result.traceStep);
  for (const rule of step?.trace?.rules || []) {
    const decided = rule.status === "shown" || (rule.status === "matched" && shown.some((/** @type {Json} */ d) => d.rule === rule.name));
    const item = h("li", { class: `trace-rule ${decided ? "decided" : ""}`, "data-status": rule.status },
      h("span", { class: "trace-name", text: rule.name }), ` ${rule.status}${decided ? " (decided)" : ""}`);
    if (decided || rule.matched) {
      const sets = rule.rulesets.map((/** @type {Json} */ rs, /** @type {number} */ i) => h("li", { class: rs.matched ? "decided" : "" },
        `Ruleset ${i + 1}: ${rs.matched ? "matched" : rs.matched === false ? "did not match" : "not tried"}`,
        h("ul", {}, rs.conditions.map((/** @type {Json} */ c) => h("li", { class: c.result ? "yes" : "no" },
          `${c.result === true ? "✓" : c.result === false ? "✗" : "–"} ${[c.type, c.criteria, c.operator, c.value].filter((x) => x !== undefined).map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(" ")}`)))));
      item.append(h("ul", {}, sets));
    }
    trace.append(item);
  }
}

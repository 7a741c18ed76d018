// The rule editor's page: loads the config and the schema, draws the views (Rules,
// Interactions, Versions, JSON), validates as you type with the engine under Pyodide,
// and saves through `python -m engine edit` (or, in the read-only copy a site hosts,
// offers the file for download instead).

import { detectFormat, diffLines, locate, objectPathAt, serialise } from "./format.js";
import { Schema, fields, fresh, h, join, uid, words } from "./forms.js";
import { ruleForm, rulesList } from "./rules.js";
import { schedulesView, sectionsView } from "./sections.js";
import { DEFAULT_SCENARIO, EngineRunner, preview, previewFrame, refreshPreviews, showResult, theme, tryItPane } from "./simulate.js";

/** @typedef {import("./forms.js").Json} Json */

const VIEWS = ["Rules", "Interactions", "Schedules", "Entry points, flows, queues", "Versions", "JSON"];
const slug = (/** @type {string} */ view) => view.toLowerCase().replace(/[^a-z]+/g, "-");
const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

const app = {
  name: "rules.json",
  /** what is on disk (or was loaded): Save is needed when `text` differs */
  savedText: "",
  /** the config's text as it would be saved now */
  text: "",
  format: detectFormat(""),
  /** @type {Json} */
  doc: {},
  /** @type {string | null} why `text` is not JSON */
  parseError: null,
  schema: new Schema({ definitions: {} }),
  selected: 0,
  readOnly: false,
  view: "Rules",
  /** @type {{path: string, message: string}[]} */
  problems: [],
  scenario: { ...DEFAULT_SCENARIO },
  engineState: "building",
  /** @type {EngineRunner | null} */
  engine: null,
  /** @type {number | undefined} */
  timer: undefined,
  /** the interaction the Interactions view previews */
  previewing: "",
  /** @type {() => void} redraw the Interactions view's preview */
  refreshPreview: () => {},

  /** A form changed a value: re-serialise, then validate and simulate shortly. */
  changed() {
    app.text = serialise(app.doc, app.format, app.text, app.savedText);
    app.parseError = null;
    app.touched();
  },

  touched() {
    updateStatus();
    clearTimeout(app.timer);
    app.timer = window.setTimeout(check, 250);
  },

  /** The shape changed: redraw the view, focus `focus` (a data-focus name; else the view), then check. */
  redraw(focus = "") {
    app.text = app.parseError ? app.text : serialise(app.doc, app.format, app.text, app.savedText);
    draw();
    const target = focus ? document.querySelector(`[data-focus="${focus}"]`) : null;
    /** @type {HTMLElement} */ (target || $("view")).focus();
    app.touched();
  },

  /** @param {string} message @param {() => void} [undo] */
  announce(message, undo) {
    const area = $("announce");
    area.replaceChildren(h("span", { text: `${message} ` }),
      ...(undo ? [h("button", { type: "button", "data-focus": "undo", onclick: () => { undo(); area.replaceChildren(); app.redraw(); } }, "Undo")] : []));
  },
};

async function main() {
  const schemaReply = await fetch("../schema.json");
  app.schema = new Schema(await schemaReply.json());
  const loaded = await fetch("api/config").then((r) => r.json());
  if (loaded.text == null) {
    // the read-only copy in a built folder: the config named by ?config=, else the one it names
    const url = new URLSearchParams(location.search).get("config") || loaded.config;
    const reply = await fetch(url);
    loaded.name = url.split("/").pop() || loaded.name;
    loaded.text = reply.ok ? await reply.text() : "";
    if (!reply.ok) app.announce(`No config at ${url} (${reply.status}): starting from an empty one.`);
  }
  app.readOnly = loaded.readOnly;
  app.name = loaded.name;
  app.savedText = loaded.text;
  load(loaded.text.trim() ? loaded.text : loaded.empty);
  document.title = `${app.name} · Engage rule editor`;
  $("file-name").textContent = app.name;
  if (loaded.draft != null) {
    app.announce(`A draft with problems was saved earlier as ${loaded.draftName}.`);
    $("announce").append(h("button", { type: "button", onclick: () => { load(loaded.draft); app.redraw(); $("announce").replaceChildren(); } }, "Open the draft"));
  }
  drawChrome();
  draw();
  updateStatus();
  app.engine = new EngineRunner("engine.html", (state) => {
    app.engineState = state;
    $("engine-state").textContent = state === "ready" ? "" : state === "starting" ? "Starting the engine for live checks…" : `Live checks are off: ${state}`;
    check();
  });
  if (loaded.engine === "ready") app.engine.start();
  else waitForEngine();
}

/** Poll until `python -m engine edit` has built the engine folder. */
async function waitForEngine() {
  $("engine-state").textContent = "Building the engine for live checks…";
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const state = await fetch("api/status").then((r) => r.json()).then((s) => s.engine).catch(() => "failed: the editor server stopped");
    if (state === "ready") { app.engine?.start(); return; }
    if (state.startsWith("failed")) { $("engine-state").textContent = `Live checks are off: ${state}`; return; }
  }
}

/** @param {string} text */
function load(text) {
  app.text = text;
  app.format = detectFormat(text);
  try {
    app.doc = JSON.parse(text);
    app.parseError = null;
  } catch (error) {
    app.parseError = String(/** @type {Error} */ (error).message);
    app.doc = {};
    app.view = "JSON";
  }
  if (!app.doc || typeof app.doc !== "object" || Array.isArray(app.doc)) app.doc = {};
  app.selected = Math.min(app.selected, Math.max(0, (app.doc.rules?.length || 1) - 1));
}

// ----------------------------------------------------------------------------- drawing

function drawChrome() {
  const tabs = $("tabs");
  tabs.replaceChildren(...VIEWS.filter((v) => !(app.readOnly && v === "Versions")).map((view) =>
    h("button", { type: "button", role: "tab", id: `tab-${slug(view)}`, "aria-controls": "view", "aria-selected": String(view === app.view), tabindex: view === app.view ? "0" : "-1",
      onclick: () => select(view),
      onkeydown: (/** @type {KeyboardEvent} */ e) => {
        const shown = [...tabs.querySelectorAll("[role=tab]")];
        const at = shown.indexOf(/** @type {any} */ (e.currentTarget));
        const to = e.key === "ArrowRight" ? at + 1 : e.key === "ArrowLeft" ? at - 1 : e.key === "Home" ? 0 : e.key === "End" ? shown.length - 1 : null;
        if (to === null) return;
        e.preventDefault();
        const next = /** @type {HTMLElement} */ (shown[(to + shown.length) % shown.length]);
        select(next.textContent || "Rules");
        next.focus();
      } }, view)));
  const actions = $("actions");
  actions.replaceChildren(app.readOnly
    ? h("button", { type: "button", id: "download", onclick: download }, "Download")
    : h("button", { type: "button", id: "save", onclick: save }, "Save"));
  document.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === "s") { e.preventDefault(); app.readOnly ? download() : save(); }
  });
}

/** @param {string} view */
function select(view) {
  app.view = view;
  for (const tab of document.querySelectorAll("[role=tab]")) {
    const on = tab.textContent === view;
    tab.setAttribute("aria-selected", String(on));
    tab.setAttribute("tabindex", on ? "0" : "-1");
  }
  draw();
  check();
}

function draw() {
  const view = $("view");
  view.setAttribute("aria-labelledby", `tab-${slug(app.view)}`);
  view.className = `view view-${slug(app.view)}`;
  if (app.parseError && app.view !== "JSON" && app.view !== "Versions") {
    view.replaceChildren(h("p", { class: "problem", text: `The file is not valid JSON (${app.parseError}); fix it in the JSON tab.` }));
    return;
  }
  if (app.view === "Rules") {
    view.replaceChildren(h("div", { class: "rules-layout" }, rulesList(app), ruleForm(app), tryItPane(app.scenario, () => check())));
  } else if (app.view === "Interactions") {
    view.replaceChildren(interactionsView());
  } else if (app.view === "Schedules") {
    view.replaceChildren(schedulesView(app));
  } else if (app.view === "Entry points, flows, queues") {
    view.replaceChildren(sectionsView(app));
  } else if (app.view === "Versions") {
    view.replaceChildren(versionsView());
  } else {
    view.replaceChildren(jsonView());
  }
  showProblems();
}

function interactionsView() {
  const interactions = app.doc.interactions && typeof app.doc.interactions === "object" ? app.doc.interactions : null;
  const ctx = { schema: app.schema, doc: app.doc, changed: app.changed, restructured: () => app.redraw() };
  const idInput = h("input", { id: uid("i"), type: "text" });
  const typeSelect = h("select", { id: uid("i") }, app.schema.variants("interaction").map((t) => h("option", { value: t.type, text: words(t.type) })));
  const frame = previewFrame("Preview of the interaction");
  const pickId = uid("i");
  const pick = h("select", { id: pickId, onchange: () => showPreview() }, Object.keys(interactions || {}).map((id) => h("option", { value: id, text: id })));
  const visible = Object.keys(interactions || {}).find((id) => interactions?.[id]?.type !== "detectLogin");
  pick.value = app.previewing in (interactions || {}) ? app.previewing : visible || pick.value;
  const showPreview = () => {
    app.previewing = pick.value;
    const interaction = interactions?.[pick.value];
    preview(frame, interaction ? [previewDecision(pick.value, interaction)] : []);
  };
  app.refreshPreview = showPreview;
  showPreview();
  return h("section", { class: "pane", "aria-labelledby": "interactions-heading" },
    h("h2", { id: "interactions-heading", text: "Interactions" }),
    h("p", { class: "hint", text: "What an outcome starts: panels, buttons, inline info, chats and login detection, by id." }),
    h("div", { class: "preview-box" }, h("div", { class: "field" }, h("label", { for: pickId, text: "Preview interaction" }), pick), frame, themeForm()),
    Object.entries(interactions || {}).map(([id, interaction]) => {
      const path = join("interactions", id);
      const node = app.schema.variant("interaction", interaction?.type);
      const typeId = uid("i");
      const type = h("select", { id: typeId, disabled: app.readOnly, onchange: () => {
        const chosen = app.schema.variant("interaction", type.value);
        if (chosen && interactions) interactions[id] = { ...fresh(app.schema, chosen), type: type.value };
        app.redraw();
      } }, app.schema.variants("interaction").map((t) => h("option", { value: t.type, text: words(t.type) })));
      type.value = String(interaction?.type);
      return h("fieldset", { class: "interaction", "data-path": path },
        h("legend", { text: id }),
        h("div", { class: "field" }, h("label", { for: typeId, text: "Interaction type" }), type),
        node ? fields(ctx, node, interaction, path) : h("p", { text: "Edit this interaction in the JSON tab." }),
        app.readOnly ? null : h("button", { type: "button", class: "secondary danger", "aria-label": `Delete interaction ${id}`, onclick: () => {
          if (!interactions) return;
          const kept = interactions[id];
          delete interactions[id];
          app.announce(`Deleted interaction “${id}”.`, () => { interactions[id] = kept; });
          app.redraw("undo");
        } }, "Delete interaction"));
    }),
    app.readOnly ? null : h("fieldset", { class: "new-interaction" }, h("legend", { text: "Add an interaction" }),
      h("div", { class: "field" }, h("label", { for: idInput.id, text: "Interaction id" }), idInput),
      h("div", { class: "field" }, h("label", { for: typeSelect.id, text: "Interaction type" }), typeSelect),
      h("button", { type: "button", onclick: () => {
        const id = idInput.value.trim();
        if (!id || (interactions && id in interactions)) { app.announce(id ? `“${id}” is taken; give another id.` : "Give the interaction an id."); idInput.focus(); return; }
        const made = { ...fresh(app.schema, app.schema.variant("interaction", typeSelect.value) || {}), type: typeSelect.value };
        (app.doc.interactions = interactions || {})[id] = made;
        app.redraw();
      } }, "Add interaction")));
}

/** [variable, label, input type, web/panels.css's default] */
const THEME = [["--engage-accent", "Accent colour", "color", "#0969da"], ["--engage-accent-fg", "Text on accent", "color", "#ffffff"],
  ["--engage-bg", "Background", "color", "#ffffff"], ["--engage-fg", "Text colour", "color", "#1f2328"],
  ["--engage-radius", "Corner radius", "text", ""], ["--engage-font", "Font", "text", ""]];

/** The site's theme variables (web/panels.css), applied to the previews. */
function themeForm() {
  return h("details", { class: "theme" }, h("summary", { text: "Your site's theme (--engage-* variables, for the previews)" }),
    h("div", { class: "row" }, THEME.map(([name, label, type, initial]) => {
      const id = uid("theme");
      return h("div", { class: "field" }, h("label", { for: id, text: label }),
        h("input", { id, type, value: theme[name] ?? initial, placeholder: type === "text" ? name : null,
          oninput: (/** @type {any} */ e) => { theme[name] = e.target.value; refreshPreviews(); } }));
    })));
}

/**
 * A show decision for an interaction as the engine would make it, its texts in their first
 * language (the Try it pane shows the engine's own decisions).
 * @param {string} id @param {Json} interaction
 */
function previewDecision(id, interaction) {
  /** @param {Json} obj @returns {Json} texts by language -> the first language's */
  const local = (obj) => Object.fromEntries(Object.entries(obj).map(([k, v]) => [k,
    k === "buttons" && Array.isArray(v) ? v.map((b) => (b && typeof b === "object" ? local(b) : b))
      : ["title", "text", "html", "label"].includes(k) && v && typeof v === "object" ? Object.values(v)[0] : v]));
  return { type: "show", rule: "Preview", interaction: id, interactionType: interaction.type, language: null, queueKey: null, content: local(interaction), sticky: false, resumed: false };
}

function jsonView() {
  const id = uid("j");
  const area = h("textarea", { id, class: "json", spellcheck: "false", rows: 30, value: app.text, readonly: app.readOnly, oninput: () => {
    app.text = area.value;
    try {
      const parsed = JSON.parse(area.value);
      app.doc = parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : {};
      app.parseError = null;
    } catch (error) {
      app.parseError = String(/** @type {Error} */ (error).message);
    }
    $("json-error").textContent = app.parseError ? `Not valid JSON: ${app.parseError}` : "";
    app.touched();
  } });
  const hints = h("div", { class: "completion" });
  /** The fields the schema allows in the object at the cursor, not there yet: each inserts itself. */
  const complete = () => {
    const tree = locate(area.value);
    const path = tree ? objectPathAt(tree, area.selectionStart) : null;
    let here = null;
    try { here = path ? app.schema.objectAt(JSON.parse(area.value), path) : null; } catch { here = null; }
    /** @type {any} */
    let obj = null;
    try { obj = path?.reduce((/** @type {any} */ v, k) => v?.[k], JSON.parse(area.value)); } catch { obj = null; }
    const keys = Object.keys(here?.properties || {}).filter((k) => !(obj && k in obj));
    const where = path && path.length ? path.map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`)).join("").replace(/^\./, "") : "the config";
    hints.replaceChildren(h("p", { class: "hint", text: keys.length ? `Fields you can add to ${where}:` : path ? `Nothing more to add to ${where}.` : "Put the cursor inside an object to see the fields it can take." }),
      ...keys.map((key) => h("button", { type: "button", class: "secondary", title: app.schema.resolve(here?.properties[key]).description || null, onclick: () => {
        const at = area.selectionStart;
        const before = area.value.slice(0, at);
        const needsComma = /[}\]"\deln]\s*$/.test(before) && !/[{,]\s*$/.test(before);
        const insert = `${needsComma ? ", " : ""}"${key}": `;
        area.setRangeText(insert, at, area.selectionEnd, "end");
        area.dispatchEvent(new Event("input"));
        area.focus();
      } }, key)));
  };
  area.addEventListener("keyup", complete);
  area.addEventListener("click", complete);
  area.addEventListener("focus", complete);
  return h("section", { class: "pane", "aria-labelledby": "json-heading" },
    h("h2", { id: "json-heading", text: "JSON" }),
    h("p", { class: "hint", text: "The file as it will be saved. Anything the forms do not offer can be written here; the forms keep it." }),
    h("label", { for: id, text: `${app.name} (raw JSON)` }),
    area,
    h("p", { id: "json-error", class: "problem", role: "alert", text: app.parseError ? `Not valid JSON: ${app.parseError}` : "" }),
    hints,
    h("details", { class: "keys" }, h("summary", { text: "Fields the schema allows" }), schemaKeys()));
}

/** The config's sections and each definition's fields, for writing JSON by hand. */
function schemaKeys() {
  const defs = app.schema.root.definitions || {};
  return h("dl", {}, Object.entries(defs).filter(([, node]) => node.properties).flatMap(([name, node]) => [
    h("dt", { text: name }), h("dd", { text: Object.keys(node.properties).join(", ") })]));
}

/**
 * The changed lines with two lines of context around each change; "…" for what is left out.
 * @param {{op: string, line: string}[]} lines
 */
function hunks(lines) {
  const near = lines.map((_, i) => lines.slice(Math.max(0, i - 2), i + 3).some((l) => l.op !== " "));
  /** @type {{op: string, line: string}[]} */
  const out = [];
  lines.forEach((line, i) => {
    if (near[i]) out.push(line);
    else if (i === 0 || near[i - 1]) out.push({ op: "…", line: "" });
  });
  return out;
}

function versionsView() {
  const list = h("ol", { class: "versions" });
  const diff = h("div", { id: "diff", "aria-live": "polite" });
  fetch("api/versions").then((r) => r.json()).then(({ versions }) => {
    if (!versions.length) list.replaceWith(h("p", { class: "empty", text: "No earlier versions yet: each save keeps the one it replaces." }));
    for (const version of versions) {
      const when = version.replaced ? new Date(version.replaced).toLocaleString() : version.id;
      list.append(h("li", {}, h("span", { text: `Replaced ${when} (${version.size} bytes) ` }),
        h("button", { type: "button", class: "secondary", "aria-label": `Show changes since the version replaced ${when}`, onclick: async () => {
          const { text } = await fetch(`api/versions/${encodeURIComponent(version.id)}`).then((r) => r.json());
          diff.replaceChildren(h("h3", { text: `From the version replaced ${when} to now` }),
            h("pre", { class: "diff", tabindex: "0", role: "region", "aria-label": "Changes" }, hunks(diffLines(text, app.text)).map((d) =>
              h(d.op === "+" ? "ins" : d.op === "-" ? "del" : "span", { class: d.op === "…" ? "gap" : null }, `${d.op} ${d.line}\n`))));
        } }, "Show changes"),
        h("button", { type: "button", "aria-label": `Restore the version replaced ${when}`, onclick: async () => {
          const result = await post("api/restore", { id: version.id });
          const { text } = await fetch("api/config").then((r) => r.json());
          app.savedText = text;
          load(text);
          app.announce(result.saved === "file" ? `Restored the version replaced ${when}; the one it replaced is kept too.` : `That version has problems; it was saved as the draft ${result.file}.`);
          app.redraw();
        } }, "Restore")));
    }
  });
  return h("section", { class: "pane", "aria-labelledby": "versions-heading" },
    h("h2", { id: "versions-heading", text: "Versions" }),
    h("p", { class: "hint", text: "Each save keeps the version it replaces in .engage-history/ beside the file. Restoring one saves it as the file (and keeps the current one)." }),
    list, diff);
}

// ----------------------------------------------------------------------------- checking

function check() {
  if (app.view === "Interactions") app.refreshPreview();
  const result = app.engine?.run(app.text, app.scenario) ?? null;
  if (result) app.problems = result.problems || [];
  else if (app.parseError) app.problems = [{ path: "", message: `not valid JSON: ${app.parseError}` }];
  showProblems();
  showResult(result, app.engineState);
}

/** Put each problem next to the control it is about (the longest data-path that leads to it). */
function showProblems() {
  for (const old of document.querySelectorAll("#view .problem.inline")) old.remove();
  for (const old of document.querySelectorAll("[aria-invalid]")) { old.removeAttribute("aria-invalid"); old.removeAttribute("aria-describedby"); }
  for (const old of document.querySelectorAll(".rule-item.has-problem")) old.classList.remove("has-problem");
  const places = [...document.querySelectorAll("#view [data-path]")];
  for (const problem of app.problems) {
    let best = null;
    for (const place of places) {
      const at = /** @type {HTMLElement} */ (place).dataset.path || "";
      const leads = problem.path === at || problem.path.startsWith(`${at}.`) || problem.path.startsWith(`${at}[`);
      if (leads && (!best || at.length > (best.dataset.path || "").length)) best = /** @type {HTMLElement} */ (place);
    }
    const ruleIndex = /^rules\[(\d+)\]/.exec(problem.path);
    if (ruleIndex) document.querySelector(`.rule-item[data-index="${ruleIndex[1]}"]`)?.classList.add("has-problem");
    if (!best) continue;
    const id = uid("p");
    best.append(h("p", { class: "problem inline", id, text: problem.message }));
    const control = best.matches("input, select, textarea") ? best : best.querySelector(":scope > input, :scope > select, :scope > textarea");
    if (control) {
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", [control.getAttribute("aria-describedby"), id].filter(Boolean).join(" "));
    }
  }
  const summary = $("problems");
  summary.replaceChildren(app.problems.length
    ? h("details", {}, h("summary", { text: `${app.problems.length} problem${app.problems.length === 1 ? "" : "s"}` }),
      h("ul", {}, app.problems.map((p) => h("li", { text: p.path ? `${p.path}: ${p.message}` : p.message }))))
    : app.engine?.api ? h("span", { text: "No problems" }) : "");
}

function updateStatus() {
  $("save-state").textContent = app.text === app.savedText ? (app.readOnly ? "Read-only copy" : "Saved") : "Unsaved changes";
}

// ----------------------------------------------------------------------------- saving

/** @param {string} url @param {Json} body */
async function post(url, body) {
  const reply = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return reply.json();
}

async function save() {
  const text = app.text;
  const result = await post("api/save", { text });
  if (result.saved === "file") {
    app.savedText = text;
    app.announce(`Saved ${result.file}.`);
  } else {
    app.problems = result.problems;
    showProblems();
    app.announce(`Not saved over ${app.name}: it has ${result.problems.length} problem${result.problems.length === 1 ? "" : "s"}. Saved as the draft ${result.file}.`);
  }
  updateStatus();
}

function download() {
  const link = h("a", { href: URL.createObjectURL(new Blob([app.text], { type: "application/json" })), download: app.name });
  document.body.append(link);
  link.click();
  link.remove();
}

main().catch((error) => {
  $("announce").textContent = `The editor could not start: ${error}`;
});

// The Rules view: the rules list (order is priority; drag by ☰ or "Move … up/down"), the
// selected rule's form (name, "Always evaluate this rule", rulesets as OR groups of AND
// conditions) and its outcome (interaction, language, queue key).

import { Schema, fields, fresh, h, join, uid, words } from "./forms.js";

/** @typedef {import("./forms.js").Json} Json */

/**
 * @typedef {object} RulesApp
 * @property {Json} doc the parsed config, edited in place
 * @property {Schema} schema
 * @property {number} selected index of the rule shown in the form
 * @property {boolean} readOnly
 * @property {() => void} changed a value changed (no redraw)
 * @property {(focus?: string) => void} redraw the shape changed; focus the element with this data-focus
 * @property {(message: string, undo?: () => void) => void} announce
 */

const LANGUAGES = ["en", "sv", "nb", "da", "fi", "is", "de", "fr", "es", "nl", "it", "pl", "pt"];
const languageName = (() => {
  try {
    const names = new Intl.DisplayNames(["en"], { type: "language" });
    return (/** @type {string} */ code) => names.of(code) || code;
  } catch {
    return (/** @type {string} */ code) => code;
  }
})();

/** @param {Json} doc */
const rulesOf = (doc) => (Array.isArray(doc.rules) ? doc.rules : (doc.rules = []));

/** Why a rule is always evaluated whatever its checkbox says, or null. @param {Json} doc @param {Json} rule */
export function lockReason(doc, rule) {
  const start = rule?.outcome?.start;
  const interaction = typeof start === "string" ? doc.interactions?.[start] : undefined;
  if (interaction && interaction.type === "detectLogin") {
    return `Always evaluated: the outcome starts “${start}”, a Detect Visitor Login interaction, and those are evaluated on every page whatever the rules above them do.`;
  }
  return null;
}

/** @param {RulesApp} app @param {number} from @param {number} to */
export function moveRule(app, from, to) {
  const rules = rulesOf(app.doc);
  if (to < 0 || to >= rules.length || from === to) return;
  const [rule] = rules.splice(from, 1);
  rules.splice(to, 0, rule);
  if (app.selected === from) app.selected = to;
  else if (app.selected > from && app.selected <= to) app.selected--;
  else if (app.selected < from && app.selected >= to) app.selected++;
}

/** A rule name not used yet. @param {Json[]} rules @param {string} stem */
function freeName(rules, stem) {
  const names = new Set(rules.map((r) => r?.name));
  if (!names.has(stem)) return stem;
  let n = 2;
  while (names.has(`${stem} ${n}`)) n++;
  return `${stem} ${n}`;
}

/** @param {Schema} schema */
const newCondition = (schema) => fresh(schema, schema.variants("condition")[0].node);

/** The rules list. @param {RulesApp} app */
export function rulesList(app) {
  const rules = rulesOf(app.doc);
  const list = h("ol", { class: "rule-list", id: "rule-list" });
  let dragged = -1;
  rules.forEach((rule, index) => {
    const name = String(rule?.name ?? `Rule ${index + 1}`);
    const up = h("button", { type: "button", class: "icon", "aria-label": `Move ${name} up`, title: "Move up", disabled: app.readOnly || index === 0, "data-focus": `up-${index}`,
      onclick: () => { moveRule(app, index, index - 1); app.redraw(index - 1 === 0 ? `down-0` : `up-${index - 1}`); } }, "↑");
    const down = h("button", { type: "button", class: "icon", "aria-label": `Move ${name} down`, title: "Move down", disabled: app.readOnly || index === rules.length - 1, "data-focus": `down-${index}`,
      onclick: () => { moveRule(app, index, index + 1); app.redraw(index + 1 === rules.length - 1 ? `up-${index + 1}` : `down-${index + 1}`); } }, "↓");
    const item = h("li", { class: `rule-item${index === app.selected ? " selected" : ""}`, "data-path": join("rules", index), "data-index": index,
      ondragover: (/** @type {DragEvent} */ e) => { if (dragged >= 0) { e.preventDefault(); item.classList.add("drop"); } },
      ondragleave: () => item.classList.remove("drop"),
      ondrop: (/** @type {DragEvent} */ e) => {
        e.preventDefault();
        const from = dragged >= 0 ? dragged : Number(e.dataTransfer?.getData("text/plain"));
        dragged = -1;
        if (Number.isInteger(from)) { moveRule(app, from, index); app.redraw(`pick-${index}`); }
      } },
      h("span", { class: "handle", draggable: app.readOnly ? "false" : "true", title: `Drag ${name} to change its priority`, "aria-hidden": "true",
        ondragstart: (/** @type {DragEvent} */ e) => { dragged = index; e.dataTransfer?.setData("text/plain", String(index)); if (e.dataTransfer) e.dataTransfer.effectAllowed = "move"; },
        ondragend: () => { dragged = -1; } }, "☰"),
      h("span", { class: "priority", "aria-hidden": "true", text: String(index + 1) }),
      h("button", { type: "button", class: "pick", "aria-current": index === app.selected ? "true" : null, "data-focus": `pick-${index}`,
        onclick: () => { app.selected = index; app.redraw(`pick-${index}`); } }, name),
      rule?.alwaysEvaluate || lockReason(app.doc, rule) ? h("span", { class: "badge", text: "always" }) : null,
      h("span", { class: "problem-mark", "aria-hidden": "true" }),
      up, down);
    list.append(item);
  });
  return h("section", { class: "pane rules-pane", "aria-labelledby": "rules-heading" },
    h("h2", { id: "rules-heading", text: "Rules" }),
    h("p", { class: "hint", text: "Order is priority: rules are tried top to bottom and the first regular rule that matches wins; rules marked “always” are evaluated on their own. Drag a rule by ☰, or use its ↑ and ↓ buttons." }),
    rules.length ? list : h("p", { class: "empty", text: "No rules yet." }),
    app.readOnly ? null : h("div", { class: "row" },
      h("button", { type: "button", "data-focus": "add-rule", onclick: () => {
        rules.push({ name: freeName(rules, `Rule ${rules.length + 1}`), rulesets: [{ conditions: [newCondition(app.schema)] }], outcome: { start: "" } });
        app.selected = rules.length - 1;
        app.redraw("rule-name");
      } }, "Add rule")));
}

/** Show a rule's new name in the list and the heading without redrawing the form. @param {number} index @param {string} name */
function renamed(index, name) {
  const item = document.querySelector(`.rule-item[data-index="${index}"]`);
  if (!item) return;
  /** @type {HTMLElement} */ (item.querySelector(".pick")).textContent = name;
  item.querySelector("[data-focus^=up]")?.setAttribute("aria-label", `Move ${name} up`);
  item.querySelector("[data-focus^=down]")?.setAttribute("aria-label", `Move ${name} down`);
  item.querySelector(".handle")?.setAttribute("title", `Drag ${name} to change its priority`);
  const heading = document.getElementById("rule-heading");
  if (heading) heading.textContent = `Rule ${index + 1}: ${name}`;
}

/** The selected rule's form. @param {RulesApp} app */
export function ruleForm(app) {
  const rules = rulesOf(app.doc);
  const index = app.selected;
  const rule = rules[index];
  if (!rule || typeof rule !== "object") {
    return h("section", { class: "pane rule-pane", "aria-labelledby": "rule-heading" }, h("h2", { id: "rule-heading", text: "Rule" }),
      h("p", { class: "empty", text: "Add a rule, or pick one from the list." }));
  }
  const path = join("rules", index);
  const ctx = { schema: app.schema, doc: app.doc, changed: app.changed, restructured: () => app.redraw() };
  const nameId = uid("f");
  const alwaysId = uid("f");
  const reasonId = uid("f");
  const reason = lockReason(app.doc, rule);
  const nameInput = h("input", { id: nameId, type: "text", value: String(rule.name ?? ""), "data-focus": "rule-name", readonly: app.readOnly,
    oninput: () => { rule.name = nameInput.value; app.changed(); renamed(index, nameInput.value); } });
  const always = h("input", { type: "checkbox", id: alwaysId, checked: reason ? true : rule.alwaysEvaluate === true, disabled: app.readOnly || Boolean(reason),
    "aria-describedby": reason ? reasonId : null, "data-focus": "always",
    onchange: () => { rule.alwaysEvaluate = always.checked; app.changed(); app.redraw("always"); } });

  const rulesets = Array.isArray(rule.rulesets) ? rule.rulesets : (rule.rulesets = []);
  const groups = rulesets.map((ruleset, r) => {
    const rsPath = join(join(path, "rulesets"), r);
    const conditions = Array.isArray(ruleset?.conditions) ? ruleset.conditions : (ruleset.conditions = []);
    const rows = conditions.map((condition, c) => conditionRow(app, ctx, conditions, c, join(join(rsPath, "conditions"), c), r));
    return h("div", { class: "ruleset-wrap" },
      r > 0 ? h("p", { class: "or", text: "OR" }) : null,
      h("fieldset", { class: "ruleset", "data-path": rsPath },
        h("legend", { text: `Ruleset ${r + 1}: all of these` }),
        rows.flatMap((row, c) => (c > 0 ? [h("p", { class: "and", text: "AND" }), row] : [row])),
        app.readOnly ? null : h("div", { class: "row" },
          h("button", { type: "button", "data-focus": `add-condition-${r}`, onclick: () => {
            conditions.push(newCondition(app.schema)); app.redraw(`type-${r}-${conditions.length - 1}`);
          } }, "Add condition"),
          rulesets.length > 1 ? h("button", { type: "button", class: "secondary", "aria-label": `Remove ruleset ${r + 1}`, onclick: () => {
            const [removed] = rulesets.splice(r, 1);
            app.announce(`Removed ruleset ${r + 1}.`, () => { rulesets.splice(r, 0, removed); });
            app.redraw("add-ruleset");
          } }, "Remove ruleset") : null)));
  });

  return h("section", { class: "pane rule-pane", "aria-labelledby": "rule-heading" },
    h("h2", { id: "rule-heading", text: `Rule ${index + 1}: ${rule.name ?? ""}` }),
    h("div", { class: "field", "data-path": join(path, "name") }, h("label", { for: nameId, text: "Rule name" }), nameInput),
    h("div", { class: "field check", "data-path": join(path, "alwaysEvaluate") }, always, h("label", { for: alwaysId, text: "Always evaluate this rule" }),
      reason ? h("p", { id: reasonId, class: "reason", text: reason }) : null),
    app.readOnly ? null : h("div", { class: "row" },
      h("button", { type: "button", class: "secondary", onclick: () => {
        const copy = JSON.parse(JSON.stringify(rule));
        copy.name = freeName(rules, `${rule.name} (copy)`);
        rules.splice(index + 1, 0, copy);
        app.selected = index + 1;
        app.redraw("rule-name");
      } }, "Duplicate rule"),
      h("button", { type: "button", class: "secondary danger", onclick: () => {
        const [removed] = rules.splice(index, 1);
        app.selected = Math.max(0, Math.min(index, rules.length - 1));
        app.announce(`Deleted rule “${removed.name}”.`, () => { rules.splice(index, 0, removed); app.selected = index; });
        app.redraw("undo");
      } }, "Delete rule")),
    h("h3", { text: "When: any ruleset matches" }),
    groups,
    app.readOnly ? null : h("button", { type: "button", "data-focus": "add-ruleset", onclick: () => {
      rulesets.push({ conditions: [newCondition(app.schema)] }); app.redraw(`type-${rulesets.length - 1}-0`);
    } }, "Add ruleset"),
    outcomeForm(app, rule, join(path, "outcome")));
}

/**
 * One condition: its type, then the fields the schema gives that type.
 * @param {RulesApp} app @param {import("./forms.js").FieldContext} ctx @param {Json[]} conditions
 * @param {number} c @param {string} path @param {number} r
 */
function conditionRow(app, ctx, conditions, c, path, r) {
  const condition = conditions[c];
  const types = app.schema.variants("condition");
  const typeId = uid("f");
  const node = app.schema.variant("condition", condition?.type);
  // A new type changes the fields after the select, not the select: focus and the
  // keyboard's type-to-select stay on it.
  const rest = h("div", { class: "condition-fields" });
  const drawFields = () => {
    const chosen = app.schema.variant("condition", conditions[c]?.type);
    rest.replaceChildren(...(chosen ? fields(ctx, chosen, conditions[c], path, { criteria: "Criteria", operator: "Operator", value: "Value" }) : []));
  };
  const select = h("select", { id: typeId, "data-focus": `type-${r}-${c}`, disabled: app.readOnly, onchange: () => {
    const chosen = app.schema.variant("condition", select.value);
    if (chosen) conditions[c] = fresh(app.schema, chosen);
    drawFields();
    app.changed();
  } }, types.map((t) => h("option", { value: t.type, text: words(t.type) })),
    node ? null : h("option", { value: String(condition?.type), text: `${condition?.type} (unknown)` }));
  select.value = String(condition?.type);
  drawFields();
  return h("div", { class: "condition", role: "group", "aria-label": `Ruleset ${r + 1}, condition ${c + 1}`, "data-path": path },
    h("div", { class: "field" }, h("label", { for: typeId, text: "Condition type" }), select),
    rest,
    app.readOnly ? null : h("button", { type: "button", class: "icon secondary", "aria-label": `Remove condition ${c + 1} of ruleset ${r + 1}`, title: "Remove condition", onclick: () => {
      const [removed] = conditions.splice(c, 1);
      app.announce(`Removed condition ${c + 1} of ruleset ${r + 1}.`, () => { conditions.splice(c, 0, removed); });
      app.redraw(`add-condition-${r}`);
    } }, "✕"));
}

/** @param {RulesApp} app @param {Json} rule @param {string} path */
function outcomeForm(app, rule, path) {
  const outcome = rule.outcome && typeof rule.outcome === "object" ? rule.outcome : (rule.outcome = { start: "" });
  const interactions = app.doc.interactions && typeof app.doc.interactions === "object" ? app.doc.interactions : {};
  const ids = Object.keys(interactions);
  const NEW = "\u0000new";
  const startId = uid("f");
  const creating = h("div", { class: "new-interaction", hidden: true });
  const start = h("select", { id: startId, "data-focus": "start", disabled: app.readOnly, onchange: () => {
    if (start.value === NEW) { creating.hidden = false; creating.querySelector("input")?.focus(); return; }
    creating.hidden = true;
    outcome.start = start.value;
    app.changed();
    app.redraw("start");
  } },
  h("option", { value: "", text: "Choose an interaction…" }),
  ids.map((id) => h("option", { value: id, text: `${id} (${words(String(interactions[id]?.type ?? "?"))})` })),
  outcome.start && !ids.includes(outcome.start) ? h("option", { value: outcome.start, text: `${outcome.start} (not defined)` }) : null,
  app.readOnly ? null : h("option", { value: NEW, text: "New interaction…" }));
  start.value = typeof outcome.start === "string" ? outcome.start : "";

  const newId = uid("f");
  const newType = uid("f");
  const idInput = h("input", { id: newId, type: "text" });
  const typeSelect = h("select", { id: newType }, app.schema.variants("interaction").map((t) => h("option", { value: t.type, text: words(t.type) })));
  const idProblem = h("p", { class: "problem", hidden: true, role: "alert" });
  creating.append(
    h("div", { class: "field" }, h("label", { for: newId, text: "New interaction id" }), idInput),
    h("div", { class: "field" }, h("label", { for: newType, text: "New interaction type" }), typeSelect),
    idProblem,
    h("button", { type: "button", onclick: () => {
      const id = idInput.value.trim();
      if (!id || id in interactions) {
        idProblem.textContent = id ? `“${id}” is taken; give another id.` : "Give the interaction an id.";
        idProblem.hidden = false;
        idInput.focus();
        return;
      }
      const made = fresh(app.schema, app.schema.variant("interaction", typeSelect.value) || { properties: {} });
      made.type = typeSelect.value;
      if (made.type === "panel" || made.type === "chat") made.title = id;
      app.doc.interactions = interactions;
      interactions[id] = made;
      outcome.start = id;
      app.changed();
      app.redraw("start");
    } }, "Create interaction"));

  const langId = uid("f");
  const current = typeof outcome.language === "string" ? outcome.language : "";
  const language = h("select", { id: langId, disabled: app.readOnly, onchange: () => {
    if (language.value) outcome.language = language.value; else delete outcome.language;
    app.changed();
  } },
  h("option", { value: "", text: "Not set (the interaction's own)" }),
  h("option", { value: "auto", text: "Automatic (the visitor's language)" }),
  [...new Set([...LANGUAGES, ...(current && current !== "auto" ? [current] : [])])].map((code) => h("option", { value: code, text: `${languageName(code)} (${code})` })));
  language.value = current;

  const queueId = uid("f");
  const listId = uid("queues");
  const queue = h("input", { id: queueId, type: "text", list: listId, value: typeof outcome.queueKey === "string" ? outcome.queueKey : "", readonly: app.readOnly,
    oninput: () => { if (queue.value) outcome.queueKey = queue.value; else delete outcome.queueKey; app.changed(); } });

  const variants = Array.isArray(outcome.variants) ? outcome.variants : null;
  const ctx = { schema: app.schema, doc: app.doc, changed: app.changed, restructured: () => app.redraw() };
  const variantNode = app.schema.resolve({ $ref: "#/definitions/variant" });
  const whenNode = app.schema.resolve({ $ref: "#/definitions/when" });
  return h("fieldset", { class: "outcome", "data-path": path },
    h("legend", { text: "Outcome" }),
    h("div", { class: "field", "data-path": join(path, "start") }, h("label", { for: startId, text: "Start interaction" }), start),
    creating,
    h("div", { class: "field", "data-path": join(path, "language") }, h("label", { for: langId, text: "Language" }), language),
    h("div", { class: "field", "data-path": join(path, "queueKey") }, h("label", { for: queueId, text: "Queue key" }), queue,
      h("datalist", { id: listId }, Object.keys(app.doc.queues || {}).map((k) => h("option", { value: k })))),
    h("h4", { text: "Variants (the first that holds replaces the fields it gives)" }),
    (variants || []).map((variant, v) => {
      const vPath = join(join(path, "variants"), v);
      const when = variant.when && typeof variant.when === "object" ? variant.when : (variant.when = {});
      return h("fieldset", { class: "variant", "data-path": vPath }, h("legend", { text: `Variant ${v + 1}` }),
        fields({ ...ctx }, whenNode, when, join(vPath, "when"), { schedule: "When schedule", is: "Is", queue: "For queue" }),
        fields(ctx, { properties: Object.fromEntries(Object.entries(variantNode.properties).filter(([k]) => k !== "when")) }, variant, vPath,
          { start: "Then start", language: "Then language", queueKey: "Then queue key" }),
        app.readOnly ? null : h("button", { type: "button", class: "secondary", onclick: () => {
          variants?.splice(v, 1); if (variants && !variants.length) delete outcome.variants; app.redraw();
        } }, `Remove variant ${v + 1}`));
    }),
    app.readOnly ? null : h("button", { type: "button", class: "secondary", onclick: () => {
      (outcome.variants = variants || []).push({ when: { schedule: Object.keys(app.doc.schedules || {})[0] || "", is: "closed" } });
      app.redraw();
    } }, "Add variant"));
}


// Forms driven by the config's JSON Schema (engine/schema.json, read at run time): every
// condition and interaction type the schema lists is offered, each with only the fields
// the schema gives it. Controls edit the parsed config in place and carry the JSON path
// of what they edit (data-path), so that a problem `validate` reports at that path is
// shown next to them.

/** @typedef {Record<string, any>} Json */

let counter = 0;
/** A fresh element id. @param {string} stem */
export const uid = (stem) => `${stem}-${++counter}`;

/**
 * Make an element: props starting with "on" are listeners, "text" is textContent,
 * "class" the class name, the rest attributes (true: present, null/false: absent).
 * @param {string} tag
 * @param {Record<string, any>} [props]
 * @param {...(Node | string | null | undefined | false | (Node | string | null | undefined | false)[])} kids
 * @returns {any}
 */
export function h(tag, props = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "text") el.textContent = value;
    else if (key === "class") el.className = value;
    else if (key === "value" || key === "checked") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const kid of kids.flat()) if (kid != null && kid !== false) el.append(kid);
  return el;
}

/**
 * A JSON path the way `validate` writes it: a.b[0]["odd key"].
 * @param {string} path
 * @param {string | number} key
 */
export function join(path, key) {
  if (typeof key === "number") return `${path}[${key}]`;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}

const WORDS = {
  url: "URL", dom: "Page element", currentPage: "Current page", onPage: "On page", onSite: "On site",
  moreThan: "More than", lessThan: "Less than", queryParameter: "Query parameter", cartValue: "Cart value",
  productsInCart: "Products in cart", viewedProduct: "Viewed product", visitorError: "Visitor error",
  engagedInSession: "Engaged in session", serviceActivity: "Service activity", aboutToAbandon: "About to abandon (exit intent)",
  timeOnEntryPoint: "Time on entry point", visitedEntryPoint: "Visited entry point", daysSinceLastVisit: "Days since last visit",
  detectLogin: "Detect Visitor Login", static: "Always / never", custom: "Custom JavaScript", entryPoint: "Entry point",
  caseSensitive: "Case sensitive", activeOnly: "Count only time the tab is visible", anyOf: "Any of the visitor's languages",
  minPrice: "Min price", maxPrice: "Max price", statusUrl: "Status URL",
};

/** Words for a schema name: "moreThan" -> "more than", "device" -> "Device". @param {string} name */
export function words(name) {
  if (name in WORDS) return WORDS[/** @type {keyof WORDS} */ (name)];
  const spaced = String(name).replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

const valueWords = words;

/** The config's schema, with the lookups the forms need. */
export class Schema {
  /** @param {Json} root */
  constructor(root) {
    this.root = root;
  }

  /** Follow a $ref. @param {Json} node @returns {Json} */
  resolve(node) {
    let seen = 0;
    while (node && node.$ref && seen++ < 20) {
      const name = node.$ref.replace("#/definitions/", "");
      node = this.root.definitions[name];
    }
    return node || {};
  }

  /** The variants of a union with a "type" discriminator: [{type, node}] in schema order. @param {string} def */
  variants(def) {
    const union = this.root.definitions[def];
    return (union.oneOf || union.anyOf || []).map((/** @type {Json} */ ref) => {
      const node = this.resolve(ref);
      return { type: String(node.properties.type.const), node };
    });
  }

  /**
   * The schema of the object at `path` (keys and indexes from the root) in `doc`, with
   * unions narrowed by the object's "type"; null when the schema says nothing there.
   * @param {Json} doc @param {(string | number)[]} path
   * @returns {Json | null}
   */
  objectAt(doc, path) {
    /** @type {Json | null} */
    let node = this.root;
    /** @type {any} */
    let value = doc;
    for (const key of path) {
      node = this.narrow(/** @type {Json} */ (node), value);
      value = value?.[key];
      if (typeof key === "number") node = node.items ? this.resolve(node.items) : null;
      else node = node.properties?.[key] ? this.resolve(node.properties[key]) : typeof node.additionalProperties === "object" ? this.resolve(node.additionalProperties) : null;
      if (!node) return null;
    }
    return this.narrow(node, value);
  }

  /** A union's member for this value (by its "type"), else the node. @param {Json} node @param {any} value */
  narrow(node, value) {
    node = this.resolve(node);
    const members = node.oneOf || node.anyOf;
    if (!members) return node;
    const nodes = members.map((/** @type {Json} */ m) => this.resolve(m));
    return nodes.find((/** @type {Json} */ m) => m.properties?.type?.const !== undefined && m.properties.type.const === value?.type)
      || nodes.find((/** @type {Json} */ m) => m.type === "object" && !m.properties?.type) || node;
  }

  /** @param {string} def @param {string} type */
  variant(def, type) {
    return this.variants(def).find((v) => v.type === type)?.node;
  }
}

/**
 * A new object of a schema variant: its required fields in schema order, each with the
 * first allowed value (enums), 0 (numbers) or "" (to be filled in; validation says so).
 * @param {Schema} schema @param {Json} node
 */
export function fresh(schema, node) {
  /** @type {Json} */
  const out = {};
  const required = new Set(node.required || []);
  for (const [key, raw] of Object.entries(node.properties || {})) {
    if (!required.has(key)) continue;
    const prop = schema.resolve(raw);
    if ("const" in prop) out[key] = prop.const;
    else if (prop.enum) out[key] = prop.enum[0];
    else if (prop.type === "number" || prop.type === "integer") out[key] = 0;
    else if (prop.type === "array") out[key] = [];
    else if (prop.type === "boolean") out[key] = false;
    else out[key] = "";
  }
  return out;
}

/**
 * What a field refers to by name, so that it is picked from a list: key -> config section.
 * @type {Record<string, string>}
 */
const REFERENCES = { start: "interactions", flow: "flows", entryPoint: "entryPoints", next: "interactions", interactions: "interactions", schedule: "schedules", queue: "queues" };

/**
 * @typedef {object} FieldContext
 * @property {Schema} schema
 * @property {Json} doc the whole config (for lists of names)
 * @property {() => void} changed call after a value changed
 * @property {() => void} restructured call after the shape changed (the form is redrawn)
 */

/**
 * Controls for each field of `obj` the schema `node` gives (its "type" excepted), in
 * schema order; `labels` renames fields ("criteria" -> "Criteria").
 * @param {FieldContext} ctx @param {Json} node @param {Json} obj @param {string} path
 * @param {Record<string, string>} [labels]
 * @returns {HTMLElement[]}
 */
export function fields(ctx, node, obj, path, labels = {}) {
  const required = new Set(node.required || []);
  /** @type {HTMLElement[]} */
  const out = [];
  for (const [key, raw] of Object.entries(node.properties || {})) {
    if (key === "type") continue;
    out.push(field(ctx, ctx.schema.resolve(raw), obj, key, labels[key] || words(key), join(path, key), required.has(key)));
  }
  return out;
}

/**
 * One control for obj[key] as the schema node `prop` allows it.
 * @param {FieldContext} ctx @param {Json} prop @param {Json} obj @param {string} key
 * @param {string} label @param {string} path @param {boolean} required
 * @returns {HTMLElement}
 */
export function field(ctx, prop, obj, key, label, path, required) {
  const id = uid("f");
  const present = key in obj;
  /** @param {unknown} value */
  const set = (value) => {
    if (value === undefined || (value === "" && !required)) delete obj[key];
    else obj[key] = value;
    ctx.changed();
  };
  const wrap = (/** @type {HTMLElement} */ control, cls = "field") =>
    h("div", { class: cls, "data-path": path }, h("label", { for: id, text: label }), control);
  const section = REFERENCES[key];
  const itemNode = prop.type === "array" ? ctx.schema.resolve(prop.items || {}) : null;

  if (prop.type === "boolean") {
    return h("div", { class: "field check", "data-path": path },
      h("input", { type: "checkbox", id, checked: obj[key] === true, onchange: (/** @type {any} */ e) => set(e.target.checked ? true : required ? false : undefined) }),
      h("label", { for: id, text: label }));
  }
  if (itemNode && itemNode.enum) {
    // a set of allowed values: one checkbox each
    const chosen = new Set(Array.isArray(obj[key]) ? obj[key] : []);
    return h("fieldset", { class: "field set", "data-path": path }, h("legend", { text: label }),
      itemNode.enum.map((/** @type {string} */ option) => {
        const boxId = uid("f");
        return h("span", { class: "check" },
          h("input", { type: "checkbox", id: boxId, checked: chosen.has(option), onchange: (/** @type {any} */ e) => {
            if (e.target.checked) chosen.add(option); else chosen.delete(option);
            set(chosen.size || required ? itemNode.enum.filter((/** @type {string} */ o) => chosen.has(o)) : undefined);
          } }),
          h("label", { for: boxId, text: valueWords(option) }));
      }));
  }
  if (itemNode && section) {
    // names from a section of the config: a multiple-choice list
    const names = Object.keys(ctx.doc[section] || {});
    const chosen = Array.isArray(obj[key]) ? obj[key].map(String) : [];
    const select = h("select", { id, multiple: true, size: Math.min(6, Math.max(2, names.length)), onchange: () => {
      const picked = [...select.selectedOptions].map((o) => o.value);
      set(picked.length ? picked : undefined);
    } }, [...new Set([...names, ...chosen])].map((name) => h("option", { value: name, text: name, selected: chosen.includes(name) })));
    return wrap(select);
  }
  if (itemNode && (itemNode.type === "object" || itemNode.properties)) {
    // a list of objects (a panel's buttons): a group of fields each, added and removed here
    const items = Array.isArray(obj[key]) ? obj[key] : [];
    const noun = label.replace(/s$/, "").toLowerCase();
    return h("fieldset", { class: "field group", "data-path": path }, h("legend", { text: label }),
      items.map((item, i) => h("div", { class: "condition", role: "group", "aria-label": `${label} ${i + 1}`, "data-path": join(path, i) },
        item && typeof item === "object" ? fields(ctx, itemNode, item, join(path, i)) : h("span", { text: JSON.stringify(item) }),
        h("button", { type: "button", class: "icon secondary", "aria-label": `Remove ${noun} ${i + 1}`, onclick: () => {
          items.splice(i, 1);
          if (!items.length && !required) delete obj[key];
          ctx.restructured();
        } }, "✕"))),
      h("button", { type: "button", class: "secondary", onclick: () => {
        obj[key] = items;
        items.push(fresh(ctx.schema, itemNode));
        ctx.restructured();
      } }, `Add ${noun}`));
  }
  if (prop.enum || section) {
    const options = prop.enum ? prop.enum.map(String) : Object.keys(ctx.doc[section] || {});
    const current = present ? String(obj[key]) : "";
    const select = h("select", { id, onchange: () => set(select.value === "" ? undefined : prop.enum ? prop.enum[options.indexOf(select.value)] : select.value) },
      !required || !present || !options.includes(current) ? h("option", { value: "", text: section ? `Choose from ${words(section).toLowerCase()}…` : "—" }) : null,
      options.map((o) => h("option", { value: o, text: prop.enum ? valueWords(o) : o })),
      present && !options.includes(current) ? h("option", { value: current, text: `${current} (not defined)` }) : null);
    select.value = current;
    return wrap(select);
  }
  if (prop.type === "number" || prop.type === "integer") {
    const input = h("input", { id, type: "number", inputmode: prop.type === "integer" ? "numeric" : "decimal", min: prop.minimum, step: prop.type === "integer" ? 1 : "any",
      value: present ? String(obj[key]) : "",
      oninput: () => set(input.value === "" ? (required ? undefined : undefined) : Number(input.value)) });
    return wrap(input);
  }
  if (prop.type === "object" && prop.properties) {
    const inner = present && typeof obj[key] === "object" ? obj[key] : {};
    const sub = { ...ctx, changed: () => { if (Object.keys(inner).length) obj[key] = inner; else delete obj[key]; ctx.changed(); } };
    return h("fieldset", { class: "field group", "data-path": path }, h("legend", { text: label }),
      fields(sub, prop, inner, path, Object.fromEntries(Object.keys(prop.properties).map((k) => [k, `${label} ${words(k).toLowerCase()}`]))));
  }
  const localText = (prop.anyOf || prop.oneOf || []).some((/** @type {Json} */ v) => ctx.schema.resolve(v).type === "object");
  if (localText && present && obj[key] && typeof obj[key] === "object" && !Array.isArray(obj[key])) {
    // texts by language: one input each
    const texts = obj[key];
    return h("fieldset", { class: "field group", "data-path": path }, h("legend", { text: label }),
      Object.keys(texts).map((lang) => {
        const inputId = uid("f");
        return h("div", { class: "field" }, h("label", { for: inputId, text: `${label} (${lang})` }),
          h("input", { id: inputId, type: "text", value: String(texts[lang]), oninput: (/** @type {any} */ e) => { texts[lang] = e.target.value; ctx.changed(); } }));
      }));
  }
  const listy = (prop.oneOf || []).some((/** @type {Json} */ v) => ctx.schema.resolve(v).type === "array");
  const shown = Array.isArray(obj[key]) ? obj[key].join(", ") : present ? String(obj[key]) : "";
  const input = h("input", { id, type: "text", value: shown, spellcheck: "false", oninput: () => {
    const text = input.value;
    const list = () => text.split(",").map((s) => s.trim()).filter(Boolean);
    if (itemNode) set(list().length ? list() : undefined);  // a list of texts, comma-separated
    else set(listy && (text.includes(",") || obj.operator === "in") ? list() : text);
  } });
  if (prop.description) input.setAttribute("placeholder", prop.description.slice(0, 60));
  return wrap(input);
}

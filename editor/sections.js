// The Schedules view (opening hours per day, drawn as a week grid in the schedule's own
// time zone) and the view of the other named sections: entry points, flows and queues.

import { fields, h, join, uid } from "./forms.js";

/** @typedef {import("./forms.js").Json} Json */
/** @typedef {import("./rules.js").RulesApp} App */

const DAYS = [["mon", "Monday"], ["tue", "Tuesday"], ["wed", "Wednesday"], ["thu", "Thursday"], ["fri", "Friday"], ["sat", "Saturday"], ["sun", "Sunday"]];

/** "08:00-16:30" -> [480, 990], or null. @param {unknown} text */
function span(text) {
  const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(String(text));
  return m ? [Number(m[1]) * 60 + Number(m[2]), Number(m[3]) * 60 + Number(m[4])] : null;
}

/** The weekday key and hour it is now in `zone`, or null for an unknown zone. @param {string} zone */
function nowIn(zone) {
  try {
    const parts = new Intl.DateTimeFormat("en-GB", { timeZone: zone, weekday: "short", hour: "2-digit", hourCycle: "h23" }).formatToParts(new Date());
    const day = parts.find((p) => p.type === "weekday")?.value.toLowerCase().slice(0, 3);
    return { day, hour: Number(parts.find((p) => p.type === "hour")?.value) };
  } catch {
    return null;
  }
}

/** The week grid of a schedule: a picture of its weekly hours (the inputs beside it are the controls). @param {Json} schedule */
function weekGrid(schedule) {
  const weekly = schedule.weekly && typeof schedule.weekly === "object" ? schedule.weekly : {};
  const now = nowIn(String(schedule.timezone || "UTC"));
  return h("table", { class: "week", "aria-hidden": "true" },
    h("thead", {}, h("tr", {}, h("th", {}), Array.from({ length: 24 }, (_, hour) => h("th", { text: hour % 3 === 0 ? String(hour).padStart(2, "0") : "" })))),
    h("tbody", {}, DAYS.map(([key, name]) => {
      const spans = (Array.isArray(weekly[key]) ? weekly[key] : []).map(span).filter(Boolean);
      return h("tr", {}, h("th", { text: name.slice(0, 3) }), Array.from({ length: 24 }, (_, hour) => {
        const covered = spans.reduce((sum, s) => sum + Math.max(0, Math.min(s[1], hour * 60 + 60) - Math.max(s[0], hour * 60)), 0);
        const cls = [covered >= 60 ? "open" : covered > 0 ? "part" : "", now && now.day === key && now.hour === hour ? "now" : ""].join(" ").trim();
        return h("td", { class: cls || null });
      }));
    })));
}

/** @param {App} app */
export function schedulesView(app) {
  const schedules = app.doc.schedules && typeof app.doc.schedules === "object" ? app.doc.schedules : null;
  const zones = (() => { try { return /** @type {any} */ (Intl).supportedValuesOf("timeZone"); } catch { return []; } })();
  const zoneList = uid("zones");
  return h("section", { class: "pane", "aria-labelledby": "schedules-heading" },
    h("h2", { id: "schedules-heading", text: "Schedules" }),
    h("p", { class: "hint", text: "Opening hours, in each schedule's own time zone: a day without hours is closed, closed dates close a whole day. Outcome variants use them (“when schedule … is closed”)." }),
    h("datalist", { id: zoneList }, zones.map((/** @type {string} */ z) => h("option", { value: z }))),
    Object.entries(schedules || {}).map(([id, schedule]) => {
      const path = join("schedules", id);
      const weekly = schedule.weekly && typeof schedule.weekly === "object" ? schedule.weekly : null;
      const grid = h("div", { class: "week-box" }, weekGrid(schedule));
      const redrawGrid = () => grid.replaceChildren(weekGrid(schedule));
      const zoneId = uid("s");
      const closedId = uid("s");
      return h("fieldset", { class: "schedule", "data-path": path }, h("legend", { text: id }),
        h("div", { class: "field", "data-path": join(path, "timezone") }, h("label", { for: zoneId, text: "Time zone" }),
          h("input", { id: zoneId, type: "text", list: zoneList, value: String(schedule.timezone ?? ""), readonly: app.readOnly,
            oninput: (/** @type {any} */ e) => { schedule.timezone = e.target.value; app.changed(); redrawGrid(); } })),
        h("div", { class: "schedule-days" },
          h("div", {}, DAYS.map(([key, name]) => {
            const dayId = uid("s");
            const hours = weekly && Array.isArray(weekly[key]) ? weekly[key].join(", ") : "";
            return h("div", { class: "field day", "data-path": join(join(path, "weekly"), key) }, h("label", { for: dayId, text: `${name} hours` }),
              h("input", { id: dayId, type: "text", value: hours, placeholder: "closed", readonly: app.readOnly, oninput: (/** @type {any} */ e) => {
                const list = e.target.value.split(",").map((/** @type {string} */ s) => s.trim()).filter(Boolean);
                const week = schedule.weekly && typeof schedule.weekly === "object" ? schedule.weekly : (schedule.weekly = {});
                if (list.length) week[key] = list; else delete week[key];
                app.changed();
                redrawGrid();
              } }));
          })),
          grid),
        h("div", { class: "field", "data-path": join(path, "closedDates") }, h("label", { for: closedId, text: "Closed dates (YYYY-MM-DD, comma-separated)" }),
          h("input", { id: closedId, type: "text", value: Array.isArray(schedule.closedDates) ? schedule.closedDates.join(", ") : "", readonly: app.readOnly,
            oninput: (/** @type {any} */ e) => {
              const list = e.target.value.split(",").map((/** @type {string} */ s) => s.trim()).filter(Boolean);
              if (list.length) schedule.closedDates = list; else delete schedule.closedDates;
              app.changed();
            } })));
    }),
    app.readOnly ? null : adder(app, "schedules", "schedule", () => {
      let zone = "UTC";
      try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; } catch { /* UTC */ }
      return { timezone: zone, weekly: Object.fromEntries(DAYS.slice(0, 5).map(([key]) => [key, ["09:00-17:00"]])) };
    }));
}

/**
 * A small form adding a named entry to a section of the config.
 * @param {App} app @param {string} section @param {string} noun @param {() => Json} make
 */
function adder(app, section, noun, make) {
  const id = uid("s");
  const input = h("input", { id, type: "text" });
  return h("div", { class: "row adder" }, h("label", { for: id, text: `New ${noun} name` }), input,
    h("button", { type: "button", onclick: () => {
      const name = input.value.trim();
      const existing = app.doc[section] && typeof app.doc[section] === "object" ? app.doc[section] : null;
      if (!name || (existing && name in existing)) { app.announce(name ? `“${name}” is taken; give another name.` : `Give the ${noun} a name.`); input.focus(); return; }
      (app.doc[section] = existing || {})[name] = make();
      app.redraw();
    } }, `Add ${noun}`));
}

/** @param {App} app */
export function sectionsView(app) {
  const ctx = { schema: app.schema, doc: app.doc, changed: app.changed, restructured: () => app.redraw() };
  /** @param {string} section @returns {[string, Json][]} */
  const entries = (section) => Object.entries(app.doc[section] && typeof app.doc[section] === "object" ? app.doc[section] : {});
  const entryNode = app.schema.resolve({ $ref: "#/definitions/entryPoint" });
  const stepNode = app.schema.resolve({ $ref: "#/definitions/flowStep" });
  const queueNode = app.schema.resolve({ $ref: "#/definitions/queue" });
  return h("div", { class: "sections" },
    h("section", { class: "pane", "aria-labelledby": "entry-heading" },
      h("h2", { id: "entry-heading", text: "Entry points" }),
      h("p", { class: "hint", text: "Named kinds of page (by URL, title or the section the site pushes) that behaviour conditions and flows use." }),
      entries("entryPoints").map(([id, entry]) => h("fieldset", { class: "interaction", "data-path": join("entryPoints", id) }, h("legend", { text: id }),
        fields(ctx, entryNode, entry, join("entryPoints", id)))),
      app.readOnly ? null : adder(app, "entryPoints", "entry point", () => ({ url: { operator: "contains", value: "" } }))),
    h("section", { class: "pane", "aria-labelledby": "flows-heading" },
      h("h2", { id: "flows-heading", text: "Flows" }),
      h("p", { class: "hint", text: "Steps through entry points (a purchase: cart, checkout, confirmation); flow conditions hold when a visitor abandons one or goes back." }),
      entries("flows").map(([id, flow]) => {
        const path = join("flows", id);
        const steps = Array.isArray(flow.steps) ? flow.steps : (flow.steps = []);
        return h("fieldset", { class: "interaction", "data-path": path }, h("legend", { text: id }),
          steps.map((step, s) => h("div", { class: "condition", role: "group", "aria-label": `Flow ${id}, step ${s + 1}`, "data-path": join(join(path, "steps"), s) },
            fields(ctx, stepNode, step, join(join(path, "steps"), s)),
            app.readOnly ? null : h("button", { type: "button", class: "icon secondary", "aria-label": `Remove step ${s + 1} of flow ${id}`, onclick: () => { steps.splice(s, 1); app.redraw(); } }, "✕"))),
          app.readOnly ? null : h("button", { type: "button", class: "secondary", onclick: () => { steps.push({ entryPoint: "", required: true }); app.redraw(); } }, `Add a step to ${id}`));
      }),
      app.readOnly ? null : adder(app, "flows", "flow", () => ({ steps: [] }))),
    h("section", { class: "pane", "aria-labelledby": "queues-heading" },
      h("h2", { id: "queues-heading", text: "Queues" }),
      h("p", { class: "hint", text: "Chat queues by queue key; a status URL on the site's own origin tells how many agents are free." }),
      entries("queues").map(([id, queue]) => h("fieldset", { class: "interaction", "data-path": join("queues", id) }, h("legend", { text: id }),
        fields(ctx, queueNode, queue, join("queues", id)))),
      app.readOnly ? null : adder(app, "queues", "queue", () => ({}))));
}

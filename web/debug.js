// engage debug overlay: loaded by loader.js only with data-debug or ?engage-debug.
// A small fixed, scrollable box (its own shadow root, bottom left) listing, for the last
// evaluation, every rule, ruleset and condition with the fact it read and its result.
// Everything is set as text; the page's CSS cannot reach it.

const CSS = `
:host { all: initial !important; position: fixed !important; left: 8px !important; bottom: 8px !important;
  z-index: 2147483001 !important; display: block !important; }
.box { width: min(420px, calc(100vw - 16px)); max-height: 45vh; overflow: auto; box-sizing: border-box;
  background: rgba(18, 20, 24, .94); color: #e6e6e6; border-radius: 8px; padding: 6px 10px 8px;
  font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; box-shadow: 0 4px 16px rgba(0,0,0,.4); }
header { display: flex; gap: 8px; align-items: center; position: sticky; top: -6px; background: inherit; padding: 2px 0 4px; }
header b { flex: 1; color: #fff; }
button { font: inherit; color: #e6e6e6; background: #333; border: 1px solid #555; border-radius: 4px; cursor: pointer; }
button:focus-visible { outline: 2px solid #6cb6ff; outline-offset: 1px; }
.min .list, .min .errors { display: none; }
.rule { margin: 4px 0; }
.rs { margin-left: 12px; }
.cond { margin-left: 24px; word-break: break-word; }
.yes { color: #7ee787; } .no { color: #ff938a; } .muted { color: #9ba3ad; }
.errors div { color: #ffb86b; }
`;

function el(tag, cls, text) {
  const n = document.createElement(tag);
  if (cls) n.className = cls;
  if (text != null) n.textContent = String(text);
  return n;
}

const show = (v) => JSON.stringify(v) ?? String(v);
const mark = (ok) => (ok ? "\u2713" : "\u2717");
const PLAIN = new Set(["type", "criteria", "operator", "value", "result", "read"]);

export function createOverlay() {
  const host = document.createElement("div");
  host.setAttribute("data-engage-debug", "");
  const root = host.attachShadow({mode: "open"});
  if (typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  }
  const box = el("div", "box");
  box.setAttribute("role", "region");
  box.setAttribute("aria-label", "engage trace");
  const head = el("header");
  const title = el("b", null, "engage trace");
  const meta = el("span", "muted", "waiting for the engine\u2026");
  const toggle = el("button", null, "\u2013");
  toggle.type = "button";
  toggle.setAttribute("aria-label", "Minimise trace");
  toggle.addEventListener("click", () => {
    const min = box.classList.toggle("min");
    toggle.textContent = min ? "+" : "\u2013";
    toggle.setAttribute("aria-label", min ? "Expand trace" : "Minimise trace");
  });
  head.append(title, meta, toggle);
  const errors = el("div", "errors");
  const list = el("div", "list");
  box.append(head, errors, list);
  root.append(box);
  document.body.append(host);

  function update(trace) {
    const t = new Date(trace.now);
    meta.textContent = `${trace.cause || "?"} @ ${isNaN(t) ? trace.now : t.toLocaleTimeString()}`;
    const items = [];
    for (const rule of trace.rules || []) {
      const r = el("div", "rule");
      const line = el("div", rule.matched ? "yes" : "no",
        `${mark(rule.matched)} ${rule.name}${rule.alwaysEvaluate ? " (always)" : ""} \u2014 ${rule.status || ""}`);
      r.append(line);
      (rule.rulesets || []).forEach((rs, i) => {
        r.append(el("div", `rs ${rs.matched ? "yes" : "no"}`, `${mark(rs.matched)} ruleset ${i + 1}`));
        for (const c of rs.conditions || []) {
          // the other fields too (match, min/max, entryPoint, flow, statuses, ...)
          const more = Object.entries(c).filter(([k]) => !PLAIN.has(k)).map(([k, v]) => `${k}=${show(v)}`);
          const what = [c.type, c.criteria, c.operator, c.value === undefined ? null : show(c.value), ...more]
            .filter((x) => x != null && x !== "").join(" ");
          const d = el("div", `cond ${c.result ? "yes" : "no"}`, `${mark(c.result)} ${what}`);
          if ("read" in c) d.append(el("span", "muted", `  read ${show(c.read)}`));
          r.append(d);
        }
      });
      items.push(r);
    }
    if (!items.length) items.push(el("div", "muted", "no rules evaluated"));
    list.replaceChildren(...items);
  }

  function error(message) {
    errors.append(el("div", null, `! ${message}`));
  }

  return {update, error};
}

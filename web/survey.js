// engage survey: the post-chat survey's form (docs/semantics.md, "Post-chat survey").
// web/ui.js imports it the first time a `survey` interaction is shown and gives it its
// DOM helpers, so the survey looks and behaves like a panel: a non-modal dialog with a
// Close button, never focused on appearance, announced politely, Escape closes it.
//
// Questions: `rating` (1 to 5, a radio group), `choice` (a radio group of `options`),
// `text` (a textarea). Every label and option is set as text; the visitor's answers are
// only read back (`submit(answers)`), never rendered. Unanswered questions are left out.

/**
 * @typedef {{id: string, kind: "rating" | "choice" | "text", label: string, options?: string[]}} Question
 * @typedef {{title?: string, text?: string, submitLabel?: string, questions?: Question[]}} SurveyContent
 * @typedef {{el: (tag: string, attrs?: Record<string, unknown>, ...children: Node[]) => any, dialog: Function,
 *            parts: {title?: HTMLElement | null, text?: HTMLElement | null}, lang: string | null, n: number,
 *            close: HTMLElement, submit: (answers: Record<string, number | string>) => void}} Helpers
 */

const RATING = [1, 2, 3, 4, 5];

/**
 * @param {SurveyContent} c
 * @param {Helpers} h
 * @returns {{box: HTMLElement, live: HTMLElement, announce: string}}
 */
export function surveyBox(c, {el, dialog, parts, lang, n, close, submit}) {
  const box = dialog("panel survey", parts, lang, "Survey");
  const questions = (Array.isArray(c.questions) ? c.questions : []).filter((q) => q && typeof q.id === "string");
  const form = el("form", {class: "form", novalidate: true});
  questions.forEach((q, i) => form.append(question(el, q, `s${n}-${i}`)));
  form.append(el("div", {class: "buttons"},
    el("button", {type: "submit", class: "btn primary", text: c.submitLabel || "Send"})));
  form.addEventListener("submit", (/** @type {Event} */ e) => {
    e.preventDefault();
    submit(answers(form, questions, n));
  });
  const live = el("div", {class: "sr-only", "aria-live": "polite"});
  box.append(...[close, parts.title, parts.text, form, live].filter(Boolean));
  return {box, live, announce: [c.title || "Survey", c.text].filter(Boolean).join(". ")};
}

/** @param {Helpers["el"]} el @param {Question} q @param {string} key */
function question(el, q, key) {
  if (q.kind === "text") {
    return el("div", {class: "q"},
      el("label", {class: "q-label", for: key, text: q.label}),
      el("textarea", {id: key, name: key, rows: 3, maxlength: 2000}));
  }
  /** @type {(string | number)[]} */
  const values = q.kind === "rating" ? RATING : (Array.isArray(q.options) ? q.options : []);
  const group = el("div", {class: q.kind === "rating" ? "scale" : "options"});
  values.forEach((v, j) => {
    const input = el("input", {type: "radio", id: `${key}-${j}`, name: key, value: String(v)});
    // a rating reads "3 of 5" to a screen reader; the box shows the number
    const label = el("label", {for: `${key}-${j}`, "aria-label": q.kind === "rating" ? `${v} of 5` : null},
      input, el("span", {text: String(v)}));
    group.append(label);
  });
  return el("fieldset", {class: `q ${q.kind}`}, el("legend", {class: "q-label", text: q.label}), group);
}

/** @param {HTMLFormElement} form @param {Question[]} questions @param {number} n */
function answers(form, questions, n) {
  /** @type {Record<string, string | number>} */
  const out = {};
  questions.forEach((q, i) => {
    const key = `s${n}-${i}`;
    // a radio group's checked input (a group of one option is not a RadioNodeList)
    const field = q.kind === "text" ? form.elements.namedItem(key) : form.querySelector(`input[name="${key}"]:checked`);
    const value = field ? /** @type {HTMLInputElement} */ (field).value : "";
    if (q.kind === "rating" && value) out[q.id] = Number(value);
    else if (q.kind === "choice" && value) out[q.id] = value;
    else if (q.kind === "text" && value.trim()) out[q.id] = value;
  });
  return out;
}

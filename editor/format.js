// Round trip and diffs for the rule editor: the file's own text is what gets saved until a
// form changes something; then the parsed object (patched in place, so key order and
// fields the forms do not know are kept) is written back with the file's own indentation,
// line ending and final newline.

/**
 * @typedef {{indent: string, eol: string, finalNewline: boolean}} TextFormat
 */

/**
 * How a JSON file is laid out: the indentation of its first indented line (two spaces
 * when it has none), CRLF or LF, and whether it ends with a line break.
 * @param {string} text
 * @returns {TextFormat}
 */
export function detectFormat(text) {
  const indented = /\r?\n([ \t]+)\S/.exec(text);
  return {
    indent: indented ? indented[1] : "  ",
    eol: text.includes("\r\n") ? "\r\n" : "\n",
    finalNewline: text === "" || /\n$/.test(text),
  };
}

/**
 * The text to save for `doc`: the first of `texts` (the text being edited, the saved
 * file) that holds exactly what `doc` holds (same keys in the same order, same values);
 * else the first of them that is JSON, with only the parts that changed rewritten (in
 * the file's indentation, so the rest of the file keeps its own layout byte for byte);
 * else `doc` serialised in `format`.
 * @param {unknown} doc
 * @param {TextFormat} format
 * @param {...string} texts
 * @returns {string}
 */
export function serialise(doc, format, ...texts) {
  const wanted = JSON.stringify(doc);
  for (const text of texts) {
    try {
      if (JSON.stringify(JSON.parse(text)) === wanted) return text;
    } catch {
      // not JSON (or empty): try the next
    }
  }
  for (const text of texts) {
    const tree = locate(text);
    if (!tree) continue;
    /** @type {[number, number, string][]} */
    const edits = [];
    patch(text, tree, doc, format, edits);
    edits.sort((a, b) => b[0] - a[0]);
    let out = text;
    for (const [start, end, replacement] of edits) out = out.slice(0, start) + replacement + out.slice(end);
    return out;
  }
  let text = JSON.stringify(doc, null, format.indent);
  if (format.eol !== "\n") text = text.replace(/\n/g, format.eol);
  return format.finalNewline ? text + format.eol : text;
}

/**
 * @typedef {{start: number, end: number, keys?: string[], members?: Node[]}} Node
 * A JSON value's place in its text; objects list their keys and members in order.
 */

/**
 * Where each value of a JSON text is, or null when it is not JSON.
 * @param {string} text
 * @returns {Node | null}
 */
export function locate(text) {
  let at = 0;
  const space = () => { while (at < text.length && " \t\r\n".includes(text[at])) at++; };
  const fail = () => { throw new SyntaxError(`unexpected ${text[at] ?? "end"} at ${at}`); };
  const string = () => {
    const start = at++;
    while (at < text.length && text[at] !== '"') at += text[at] === "\\" ? 2 : 1;
    if (text[at++] !== '"') fail();
    return JSON.parse(text.slice(start, at));
  };
  /** @returns {Node} */
  const value = () => {
    space();
    const start = at;
    const open = text[at];
    if (open === "{" || open === "[") {
      at++;
      /** @type {string[]} */
      const keys = [];
      /** @type {Node[]} */
      const members = [];
      space();
      if (text[at] === (open === "{" ? "}" : "]")) { at++; return open === "{" ? { start, end: at, keys, members } : { start, end: at, members }; }
      for (;;) {
        if (open === "{") {
          space();
          if (text[at] !== '"') fail();
          keys.push(string());
          space();
          if (text[at++] !== ":") fail();
        }
        members.push(value());
        space();
        const next = text[at++];
        if (next === ",") continue;
        if (next === (open === "{" ? "}" : "]")) break;
        fail();
      }
      return open === "{" ? { start, end: at, keys, members } : { start, end: at, members };
    }
    if (open === '"') { string(); return { start, end: at }; }
    const literal = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(at, at + 400));
    if (!literal) fail();
    at += /** @type {RegExpExecArray} */ (literal)[0].length;
    return { start, end: at };
  };
  try {
    const root = value();
    space();
    return at === text.length ? root : null;
  } catch {
    return null;
  }
}

/**
 * The path (keys and indexes) of the innermost object around `offset` in a located text,
 * or null when the offset is in no object.
 * @param {Node} root @param {number} offset
 * @returns {(string | number)[] | null}
 */
export function objectPathAt(root, offset) {
  /** @type {(string | number)[]} */
  const path = [];
  let node = root;
  if (!(offset > node.start && offset < node.end)) return null;
  /** @type {(string | number)[] | null} */
  let found = node.keys ? [] : null;
  for (;;) {
    const i = (node.members || []).findIndex((m) => offset > m.start && offset < m.end && m.members);
    if (i < 0) return found;
    path.push(node.keys ? node.keys[i] : i);
    node = /** @type {Node[]} */ (node.members)[i];
    if (node.keys) found = [...path];
  }
}

/**
 * Add the edits that turn `node` (in `text`) into `value`: members that changed are
 * rewritten, the rest kept; an object whose keys changed, or an array whose length did,
 * is rewritten whole.
 * @param {string} text @param {Node} node @param {unknown} value @param {TextFormat} format
 * @param {[number, number, string][]} edits
 */
function patch(text, node, value, format, edits) {
  const old = text.slice(node.start, node.end);
  if (JSON.stringify(JSON.parse(old)) === JSON.stringify(value)) return;
  const keys = value && typeof value === "object" && !Array.isArray(value) ? Object.keys(value) : null;
  if (node.keys && node.keys.length && keys && JSON.stringify(keys.slice(0, node.keys.length)) === JSON.stringify(node.keys)) {
    // the same keys, maybe more after them: patch each, then add the new ones after the last
    const members = /** @type {Node[]} */ (node.members);
    node.keys.forEach((key, i) => patch(text, members[i], /** @type {any} */ (value)[key], format, edits));
    const added = keys.slice(node.keys.length);
    if (!added.length) return;
    const last = members[members.length - 1];
    const multiline = text.slice(node.start, node.end).includes("\n");
    const lineStart = text.lastIndexOf("\n", last.start - 1) + 1;
    const indent = /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? "";
    const written = added.map((key) => `${JSON.stringify(key)}: ${(JSON.stringify(/** @type {any} */ (value)[key], null, multiline ? format.indent : undefined) ?? "null").replace(/\n/g, format.eol + indent)}`);
    edits.push([last.end, last.end, written.map((w) => (multiline ? `,${format.eol}${indent}${w}` : `, ${w}`)).join("")]);
    return;
  }
  if (!node.keys && node.members && Array.isArray(value) && value.length === node.members.length) {
    node.members.forEach((member, i) => patch(text, member, value[i], format, edits));
    return;
  }
  const lineStart = text.lastIndexOf("\n", node.start - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? "";
  const written = JSON.stringify(value, null, format.indent) ?? "null";
  edits.push([node.start, node.end, written.replace(/\n/g, format.eol + indent)]);
}

/**
 * A line diff of two texts (longest common subsequence): each line with "+", "-" or " ".
 * @param {string} before
 * @param {string} after
 * @returns {{op: " " | "+" | "-", line: string}[]}
 */
export function diffLines(before, after) {
  const a = before.split(/\r?\n/);
  const b = after.split(/\r?\n/);
  const n = a.length;
  const m = b.length;
  // lengths[i][j]: longest common subsequence of a[i:] and b[j:]
  const lengths = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i][j] = a[i] === b[j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
    }
  }
  /** @type {{op: " " | "+" | "-", line: string}[]} */
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: " ", line: a[i] });
      i++;
      j++;
    } else if (lengths[i + 1][j] >= lengths[i][j + 1]) {
      out.push({ op: "-", line: a[i++] });
    } else {
      out.push({ op: "+", line: b[j++] });
    }
  }
  while (i < n) out.push({ op: "-", line: a[i++] });
  while (j < m) out.push({ op: "+", line: b[j++] });
  return out;
}

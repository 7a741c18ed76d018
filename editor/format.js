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
 * file) that holds exactly what `doc` holds (same keys in the same order, same values),
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
  let text = JSON.stringify(doc, null, format.indent);
  if (format.eol !== "\n") text = text.replace(/\n/g, format.eol);
  return format.finalNewline ? text + format.eol : text;
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

// The JS checks of scripts/test can fail: a copy of the shell with one type error injected
// into loader.js is rejected by tsc, naming the injected line (the untouched tree passes:
// scripts/test runs tsc on it just before this test).
import {test} from "node:test";
import assert from "node:assert/strict";
import {cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from "node:fs";
import {spawnSync} from "node:child_process";
import {tmpdir} from "node:os";
import {join, dirname} from "node:path";
import {fileURLToPath} from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

function copy() {
  const dir = mkdtempSync(join(tmpdir(), "engage-tsc-"));
  for (const p of ["tsconfig.json", "loader.js", "web", "types"]) cpSync(join(root, p), join(dir, p), {recursive: true});
  return dir;
}

function check(dir) {
  return spawnSync(process.execPath, [tsc, "-p", join(dir, "tsconfig.json")], {encoding: "utf8"});
}

test("a type error in loader.js fails the type check", () => {
  const dir = copy();
  try {
    const path = join(dir, "loader.js");
    const text = readFileSync(path, "utf8");
    const marker = '  "use strict";\n';
    assert.ok(text.includes(marker));
    writeFileSync(path, text.replace(marker, marker + '  /** @type {number} */\n  var typeProbe = "not a number";\n'));
    const line = text.slice(0, text.indexOf(marker) + marker.length).split("\n").length + 1;
    const run = check(dir);
    assert.notEqual(run.status, 0);
    assert.match(run.stdout, new RegExp(`loader\\.js\\(${line},\\d+\\): error TS2322`));
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
});

// Every parameter typed by JSDoc: tsconfig.json keeps noImplicitAny on (the tsc run of
// scripts/test then enforces it on every file), not merely inherited from strict.
test("tsconfig.json turns noImplicitAny on", () => {
  const text = readFileSync(join(root, "tsconfig.json"), "utf8");
  assert.match(text, /^\s*"noImplicitAny":\s*true\s*,?\s*$/m);
});

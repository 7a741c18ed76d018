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

// noImplicitAny (every parameter typed by JSDoc), file by file: the files listed here are
// through and must stay so. Once every file is, tsconfig.json turns the option on and this
// test goes.
const TYPED = ["loader.js", "web/lifecycle.js", "web/observe.js", "web/signals.js", "web/collect.js", "web/lptag.js", "web/survey.js",
  "web/placement.js", "web/worker.js", "web/chat/"];  // a folder: every file in it

test("the files typed through have no implicit any", () => {
  const run = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.json"), "--noImplicitAny"], {encoding: "utf8"});
  assert.match(run.stdout, /error TS7006/, "no file is left untyped: turn noImplicitAny on in tsconfig.json");
  assert.deepEqual(run.stdout.split("\n").filter((line) => TYPED.some((file) => line.startsWith(file.endsWith("/") ? file : `${file}(`))), []);
});

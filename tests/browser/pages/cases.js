// Harness for tests/browser/test_cases_in_browser.py: runs the shared cases
// (tests/cases/*.json) through the real engine worker (/engage/web/worker.js) under Pyodide.
//
//   await window.harness.boot()            -> ms until "booted" (starts the worker once)
//   await window.harness.runCase(c)        -> {init, steps: [{decisions, watch, state, trace}]}
//
// The worker answers every message with exactly one `output` (or one `fatal`), in order,
// so replies are matched to requests by order. `state` and `trace` are carried forward
// from the last non-null value, as the loader does (null means "unchanged" / "no new
// evaluation"); an init resets both. After a `fatal` the worker is silent for good: the
// harness records it and starts a fresh worker for the next case.

const params = new URLSearchParams(location.search);
const workerURL = new URL(params.get("worker") || "/engage/web/worker.js", location.href);

let worker = null;
let booted = null;        // promise of the boot time in ms
let pending = [];         // resolvers of requests, oldest first
let fatal = null;         // the fatal message of the current worker, once it has sent one
window.log = [];          // every message received, for debugging a failure

function start() {
  const started = performance.now();
  fatal = null;
  pending = [];
  worker = new Worker(workerURL, { type: "module" });
  booted = new Promise((resolve, reject) => {
    worker.onmessage = (event) => {
      const msg = event.data;
      window.log.push(msg);
      if (window.log.length > 200) window.log.shift();
      if (msg && msg.kind === "booted") return resolve(performance.now() - started);
      if (msg && msg.kind === "fatal") {
        fatal = msg;
        reject(new Error(`worker fatal: ${msg.message}`));
        pending.splice(0).forEach((p) => p.resolve(msg));
        return;
      }
      const next = pending.shift();
      if (next) next.resolve(msg);
      else window.log.push({ kind: "unexpected", msg });
    };
    worker.onerror = (event) => {
      const msg = { kind: "uncaught", message: event.message || "worker error event" };
      window.log.push(msg);
      fatal = msg;
      reject(new Error(msg.message));
      pending.splice(0).forEach((p) => p.resolve(msg));
    };
  });
  booted.catch(() => {});
  return booted;
}

function request(message) {
  if (fatal) return Promise.resolve(fatal);
  return new Promise((resolve) => {
    pending.push({ resolve });
    worker.postMessage(message);
  });
}

function boot() {
  if (!worker || fatal) start();
  return booted;
}

async function runCase(c) {
  const result = { init: null, steps: [], fatal: null };
  try {
    await boot();
  } catch (error) {
    result.fatal = fatal || { kind: "fatal", message: String(error && error.message) };
    return result;
  }
  const init = await request({
    v: 1, kind: "init", config: c.config, configError: null,
    state: c.state || null, seed: c.seed || "", facts: [],
  });
  result.init = init;
  if (init.kind !== "output") {
    result.fatal = init;
    worker.terminate();
    worker = null;
    return result;
  }
  let state = init.state || null;
  let trace = init.trace || null;
  let watch = init.watch || null;
  for (const step of c.steps || []) {
    // a trace only for the steps that read it, as the loader asks for one only when it is
    // read: the steps between are evaluated untraced (engine/fastpath.py)
    const out = await request({ v: 1, kind: "facts", facts: step.facts, trace: Boolean(step.expectStatus || step.expectRead) });
    if (out.kind !== "output") {
      result.fatal = out;
      worker.terminate();
      worker = null;
      break;
    }
    if (out.state) state = out.state;
    // as loader.js does: a watch left out is unchanged; a trace delta patches the last trace
    if ("watch" in out) watch = out.watch;
    if (out.trace && out.trace.rules) trace = out.trace;
    else if (out.trace) {
      const rules = trace.rules.slice();
      for (const [index, entry] of Object.entries(out.trace.changed)) rules[Number(index)] = entry;
      trace = { now: out.trace.now, cause: out.trace.cause, rules };
    }
    result.steps.push({ decisions: out.decisions, watch, state, trace });
  }
  return result;
}

window.harness = { boot, runCase };

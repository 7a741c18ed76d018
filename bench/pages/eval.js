// Evaluation benchmark page of bench/run.py: the engine's worker and the JS baselines, in
// the same page, on the same rules (bench/rules.py) and facts.
//
//   await window.bench.engine(config, {iterations})   -> {idle, oneFact, all: {e2e: [ms], engine: [ms]}}
//   await window.bench.echo({iterations})             -> {empty, all: [ms]}, a worker without the engine
//   await window.bench.baselines(config, {samples})   -> {handWritten, growthbook, jre: [ms per evaluation]}
//
// The page is served cross-origin isolated, so performance.now() has 5 µs resolution here
// and in the worker. End to end is the main thread's round trip (postMessage to the reply
// handler); engine-side is the worker's own time around engine._bridge.handle (?bench).

const T0 = 1795424400000;
const UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const URL0 = "https://shop.test/x";
// A navigation's page fact, as the engine's rows and the echo floor both send it.
const pageFact = (now, url) => ({ type: "page", now, url, title: "bench", referrer: URL0, cause: "pushState", reload: false });

function named(config) {
  const selectors = new Set();
  const custom = new Set();
  for (const rule of config.rules) {
    for (const rs of rule.rulesets) {
      for (const c of rs.conditions) {
        if (c.type === "dom") selectors.add(c.criteria);
        if (c.type === "custom") custom.add(c.value);
      }
    }
  }
  return { selectors: [...selectors], custom: [...custom] };
}

function startWorker() {
  const worker = new Worker("/engage/web/worker.js?bench", { type: "module" });
  const pending = [];
  let booted;
  const ready = new Promise((resolve, reject) => (booted = { resolve, reject }));
  worker.onmessage = (event) => {
    const at = performance.now();
    const msg = event.data;
    if (msg.kind === "booted") return booted.resolve(msg);
    if (msg.kind === "fatal") {
      booted.reject(new Error(msg.message));
      pending.splice(0).forEach((p) => p.reject(new Error(msg.message)));
      return;
    }
    const next = pending.shift();
    if (next) next.resolve(msg, at);
  };
  // One message in flight at a time, as the loader does; resolves with both timings.
  const timed = (message) =>
    new Promise((resolve, reject) => {
      const sent = performance.now();
      pending.push({ resolve: (msg, at) => resolve({ e2e: at - sent, engine: msg.engineMs, msg }), reject });
      worker.postMessage(message);
    });
  return { worker, ready, timed };
}

let current = null; // the last engine worker, left running for bench/run.py's core timing

async function engine(config, { iterations = 200, navigations = 50 } = {}) {
  if (current) current.terminate();
  const { worker, ready, timed } = startWorker();
  current = worker;
  await ready;
  const { selectors, custom } = named(config);
  const selectorResults = Object.fromEntries(selectors.map((s) => [s, { exists: false, visible: false, text: "" }]));
  const customResults = Object.fromEntries(custom.map((p) => [p, { value: false, error: null }]));
  const init = await timed({ v: 1, kind: "init", config, configError: null, state: null, seed: "bench",
    facts: [{ type: "device", userAgent: UA, mobile: false, maxTouchPoints: 0 },
            { type: "visibility", now: T0, visible: true },
            { type: "selectors", results: selectorResults },
            { type: "custom", results: customResults },
            { type: "page", now: T0, url: URL0, title: "bench", referrer: "", cause: "load", reload: false }] });
  if (init.msg.kind !== "output") throw new Error(`init: ${JSON.stringify(init.msg).slice(0, 300)}`);
  const errors = (init.msg.decisions || []).filter((d) => d.type === "error");
  if (errors.length) throw new Error(`init: ${JSON.stringify(errors).slice(0, 300)}`);
  const flag = custom[0];
  // No trace asked for, as the loader sends facts when nothing reads the trace; `empty` is the
  // bridge's fixed cost: JSON in and out, nothing evaluated. Then, apart, `allTraced` asks for
  // the trace (debug overlay, explain(), an engage:evaluated listener), each followed by an
  // untraced navigation (`afterTraced`), which frees the traced evaluation's rule entries: a
  // cost a page pays once when its trace reader goes away, not on every navigation, so it is
  // measured on its own rather than inside `all`.
  const bucket = () => ({ e2e: [], engine: [] });
  const out = { idle: bucket(), oneFact: bucket(), all: bucket(), allTraced: bucket(), afterTraced: bucket(), empty: bucket() };
  let now = T0 + 1000;
  let on = false;
  const record = (bucket, r) => { bucket.e2e.push(r.e2e); bucket.engine.push(r.engine); };
  for (let i = 0; i < iterations; i++) {
    now += 1;
    record(out.idle, await timed({ v: 1, kind: "facts", facts: [{ type: "tick", now }] }));
    record(out.empty, await timed({ v: 1, kind: "facts", facts: [] }));
    on = !on;
    record(out.oneFact, await timed({ v: 1, kind: "facts", facts: [
      { type: "custom", results: { [flag]: { value: on, error: null } } }, { type: "tick", now }] }));
    if (i < navigations) record(out.all, await timed({ v: 1, kind: "facts", facts: [pageFact(now, `${URL0}?${i}`)] }));
  }
  for (let i = 0; i < navigations; i++) {
    now += 1;
    record(out.allTraced, await timed({ v: 1, kind: "facts", trace: true, facts: [pageFact(now, `${URL0}?${i}#t`)] }));
    record(out.afterTraced, await timed({ v: 1, kind: "facts", facts: [pageFact(now, `${URL0}?${i}#u`)] }));
  }
  out.bootMs = init.e2e;
  return out;
}

// The round trip of the same messages to a worker that only echoes them (echo-worker.js):
// the floor of every end-to-end row, whatever the engine does.
async function echo({ iterations = 200 } = {}) {
  const worker = new Worker("/bench/echo-worker.js");
  const roundTrip = (message) =>
    new Promise((resolve) => {
      const sent = performance.now();
      worker.onmessage = () => resolve(performance.now() - sent);
      worker.postMessage(message);
    });
  const out = { empty: [], all: [] };
  let now = T0;
  for (let i = 0; i < iterations; i++) {
    now += 1;
    out.empty.push(await roundTrip({ v: 1, kind: "facts", facts: [] }));
    out.all.push(await roundTrip({ v: 1, kind: "facts", facts: [pageFact(now, `${URL0}?${i}`)] }));
  }
  worker.terminate();
  return out;
}

// Per-evaluation cost of each baseline: `samples` batches, each long enough to time.
// Each baseline runs for `warmMs` before it is sampled, so that V8 has optimised it as it
// would be on a page that evaluates all day: sampled right after sizing the batch,
// GrowthBook's pass at 100 rules read 64-95 µs on a page's first call and 45-57 µs on the
// three calls after it (4 pages), which flattered every ratio against it.
async function baselines(config, { samples = 40, batchMs = 2, warmMs = 300 } = {}) {
  const { makeBaselines } = window.benchBaselines;
  const impls = makeBaselines(config);
  const { selectors, custom } = named(config);
  const facts = {
    url: URL0, previousUrl: "", onPage: 1, device: "desktop",
    selectors: Object.fromEntries(selectors.map((s) => [s, { exists: false }])),
    custom: Object.fromEntries(custom.map((p) => [p, false])),
  };
  const out = {};
  for (const [name, fn] of Object.entries(impls)) {
    // Size the batch, then warm up (JIT).
    let batch = 1;
    for (;;) {
      const t = performance.now();
      for (let i = 0; i < batch; i++) await fn(facts);
      if (performance.now() - t >= batchMs || batch >= 1 << 16) break;
      batch *= 2;
    }
    for (const until = performance.now() + warmMs; performance.now() < until; ) {
      for (let i = 0; i < batch; i++) await fn(facts);
    }
    const per = [];
    for (let s = 0; s < samples; s++) {
      const t = performance.now();
      for (let i = 0; i < batch; i++) await fn(facts);
      per.push((performance.now() - t) / batch);
    }
    out[name] = per;
    out[name + "Matched"] = await fn(facts);
  }
  return out;
}

window.bench = { engine, echo, baselines, isolated: self.crossOriginIsolated };

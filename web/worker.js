// The engine's Web Worker (start it with {type: "module"}). It boots Pyodide with the files
// the build manifest names, imports engine._bridge and relays messages to
// engine._bridge.handle(text) -> text. Only JSON crosses this boundary: the Python function
// stays inside the worker. How the boot is made fast is in docs/performance.md.
//
// Boot, in short: the runtime (pyodide/<version>/), the trimmed standard library and the
// site zip (the engine and its dependencies, compiled) are fetched in parallel, each zip
// checked against its sha256 (subresource integrity). On a return visit a memory snapshot
// of the booted engine, kept in Cache Storage, replaces starting Python and importing the
// engine; without one (first visit, no Cache Storage, a snapshot that fails) Python starts
// normally and, where it can, stores a snapshot for the next visit.

// engine/tools/build.py replaces this with the build manifest (file names, sha256, lockfile).
/** @type {any} */
const MANIFEST = /*@engage-manifest*/ null;

const PROTOCOL = 1;
const SNAPSHOT_CACHE = "engage-runtime";
const SITE_PATH = "/lib/engage-site.zip";
const folder = new URL("../", import.meta.url); // the folder that holds loader.js
const options = new URL(import.meta.url).searchParams;
// ?bench: outputs carry the engine's own time (`engineMs`) and `self.engage` exposes the
// runtime, for bench/ and the tests. ?snapshot=0: boot without the snapshot.
const BENCH = options.has("bench");

// A boot failure whose message already names what failed; not wrapped again.
class BootError extends Error {}

/** @typedef {(text: string, probe?: (rule: string) => void, config?: string) => string} Handle engine._bridge.handle */
/** @type {unknown[]} messages that came before the engine booted */
const queued = [];
/** @type {Handle | null} engine._bridge.handle once booted */
let handle = null;
let failed = false;
/** @type {{snapshot: string, ms: Record<string, number>, configCompiled?: boolean}} */
const bootInfo = { snapshot: "off", ms: {} };

/** @param {Record<string, unknown>} message */
function post(message) {
  self.postMessage({ v: PROTOCOL, ...message });
}

/** @param {string} message */
function fatal(message) {
  if (failed) return;
  failed = true;
  queued.length = 0;
  // After a fatal the worker stays silent: the main thread should terminate it.
  post({ kind: "fatal", message });
}

// Probe mode (a message with `probe: true`, sent after a stall): the engine names each rule
// before testing it, so that if this worker stalls too the loader knows which rule to drop.
const probe = (/** @type {string} */ rule) => post({ kind: "probe", rule: String(rule) });

/** @param {any} data a message from the main thread */
function relay(data) {
  if (failed) return;
  let reply;
  const started = BENCH ? performance.now() : 0;
  try {
    const bridge = /** @type {Handle} */ (handle);
    const apart = configApart(data);
    const text = apart ? apart[0] : typeof data === "string" ? data : JSON.stringify(data);
    reply = JSON.parse(bridge(text, data && data.probe ? probe : undefined, apart ? apart[1] : undefined));
  } catch (error) {
    // engine._bridge.handle turns bad input into error decisions; reaching this means
    // a bug in the engine, and its state can no longer be trusted.
    fatal(`the engine failed on a message: ${describe(error)}`);
    return;
  }
  if (BENCH) reply.engineMs = performance.now() - started;
  // The bridge reports what it cannot go on from as a fatal too; stay silent after it.
  if (reply && reply.kind === "fatal") failed = true;
  self.postMessage(reply);
}

// An init's config goes to the bridge as its own JSON text, the key of the config compiled
// in the memory snapshot: the same config is then found by comparing two strings, without
// Python reading it and writing it out again (engine._bridge.handle).
/** @param {any} data @returns {[string, string] | null} the message without its config, the config */
function configApart(data) {
  if (!data || typeof data !== "object" || data.kind !== "init" || data.config == null) return null;
  return [JSON.stringify({ ...data, config: null }), JSON.stringify(data.config)];
}

self.onmessage = (event) => {
  if (handle) relay(event.data);
  else if (!failed) queued.push(event.data);
};

/** @param {any} error */
function describe(error) {
  if (error && error.type && error.message) {
    // A PythonError's message is the whole traceback; its last line says what happened.
    const lines = String(error.message).trim().split("\n");
    return lines[lines.length - 1];
  }
  return error && error.message ? error.message : String(error);
}

/** @param {{url: string}} entry */
function fileURL(entry) {
  return new URL(entry.url, folder).href;
}

// Subresource integrity for the files the manifest names (the zips, not the runtime,
// whose WebAssembly compiles while it downloads).
/** @param {string} url */
function integrityOf(url) {
  for (const key of ["stdlib", "site"]) {
    if (MANIFEST[key] && fileURL(MANIFEST[key]) === url) return MANIFEST[key].integrity;
  }
  return undefined;
}

// Every file fetched while Pyodide starts is required, and its WebAssembly must
// instantiate. Either failure rejects `failure` at once: Pyodide names no file, and a
// missing, broken or blocked pyodide.asm.wasm leaves loadPyodide pending forever.
// A fetch with integrity fails the same way for a 404 and for altered bytes, and a failed
// import() names no status: a HEAD request tells the site owner which one to fix.
const nativeFetch = self.fetch.bind(self);
/** @param {string} url @param {any} error @param {string | null | undefined} integrity */
async function whyRefused(url, error, integrity) {
  try {
    const head = await nativeFetch(url, { method: "HEAD", cache: "no-store" });
    if (!head.ok) return `HTTP ${head.status}`;
  } catch {
    return error.message;
  }
  return integrity ? "its sha256 does not match the build manifest: serve the files of one build together" : error.message;
}

// Fetches of the zips get their sha256 as subresource integrity.
function watchBoot() {
  const realFetch = self.fetch;
  const realInstantiate = /** @type {(...args: any[]) => Promise<any>} */ (WebAssembly.instantiate);
  const realStreaming = WebAssembly.instantiateStreaming;
  /** @type {(error: Error) => void} */
  let reject = () => {};
  const failure = new Promise((_, r) => (reject = r));
  failure.catch(() => {});
  self.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const integrity = (init && init.integrity) || integrityOf(url);
    let response;
    try {
      response = await realFetch(input, integrity ? { ...init, integrity } : init);
    } catch (/** @type {any} */ error) {
      reject(new BootError(`could not load ${url} (${integrity ? await whyRefused(url, error, integrity) : error.message})`));
      throw error;
    }
    if (!response.ok) reject(new BootError(`could not load ${url} (HTTP ${response.status})`));
    return response;
  };
  // Pyodide only logs a failed instantiation ("wasm instantiation failed!") and waits.
  const instantiateFailed = (/** @type {any} */ error) => {
    reject(new BootError(`could not instantiate pyodide.asm.wasm: ${error.message}`));
    return error;
  };
  WebAssembly.instantiate = /** @type {any} */ (async (/** @type {any[]} */ ...args) => {
    try {
      return await realInstantiate.apply(WebAssembly, args);
    } catch (error) {
      throw instantiateFailed(error);
    }
  });
  if (realStreaming) {
    WebAssembly.instantiateStreaming = async (source, imports) => {
      try {
        return await realStreaming.call(WebAssembly, source, imports);
      } catch (error) {
        // Many servers still send .wasm with a generic type, which streaming compilation
        // refuses; compiling after the download is slower but works.
        const response = await Promise.resolve(source).catch(() => null);
        if (!(error instanceof TypeError && /MIME/i.test(error.message) && response && response.ok)) {
          throw instantiateFailed(error);
        }
        console.warn(
          `${response.url} is served as "${response.headers.get("content-type")}"; serve .wasm ` +
            "files as application/wasm so that the engine compiles while it downloads",
        );
        const bytes = await (await realFetch(response.url)).arrayBuffer();
        return WebAssembly.instantiate(bytes, imports);
      }
    };
  }
  const restore = () => {
    self.fetch = realFetch;
    WebAssembly.instantiate = realInstantiate;
    if (realStreaming) WebAssembly.instantiateStreaming = realStreaming;
  };
  return { failure, fetch: self.fetch, restore };
}

// A Content-Security-Policy without 'wasm-unsafe-eval' on worker.js forbids compiling
// any module; an 8-byte empty module finds out before megabytes are downloaded.
function checkWebAssemblyAllowed() {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
    throw new BootError("this browser has no WebAssembly (or it is turned off), which the engine needs");
  }
  try {
    new WebAssembly.Module(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  } catch (/** @type {any} */ error) {
    throw new BootError(
      "WebAssembly is blocked by the Content-Security-Policy sent with worker.js; add " +
        `'wasm-unsafe-eval' to its script-src (${error.message})`,
    );
  }
}

// ---- the memory snapshot (private Pyodide API, pinned by the build: docs/performance.md) ----
// Kept in Cache Storage under a key naming the exact runtime and zips, so a new build
// never restores an old snapshot. It is runtime, not visitor state: it is taken before
// the engine has seen any visitor fact.

function snapshotKey() {
  return new URL(`pyodide/snapshot-${MANIFEST.id}.bin`, folder).href;
}

// {cache, bytes}: `bytes` is a promise of the stored snapshot (read while the runtime
// loads) or null when there is none; null when Cache Storage cannot be used.
async function openSnapshots() {
  if (!MANIFEST.snapshot || options.get("snapshot") === "0" || typeof caches === "undefined") return null;
  try {
    const cache = await caches.open(SNAPSHOT_CACHE);
    const response = await cache.match(snapshotKey());
    const bytes = response ? response.arrayBuffer().then((b) => new Uint8Array(b)) : null;
    if (bytes) bytes.catch(() => {});
    return { cache, bytes };
  } catch (error) {
    return null; // storage blocked (privacy settings, opaque origin): boot without
  }
}

/** @param {Cache} cache @param {any} bytes the memory snapshot (Pyodide hands a Uint8Array) */
async function storeSnapshot(cache, bytes) {
  try {
    for (const request of await cache.keys()) {
      if (request.url !== snapshotKey()) await cache.delete(request);
    }
    await cache.put(snapshotKey(), new Response(bytes, { headers: { "content-type": "application/octet-stream" } }));
  } catch (/** @type {any} */ error) {
    console.warn(`[engage] could not keep the engine snapshot for the next visit: ${error.message}`);
  }
}

/** @param {unknown} value */
function pythonString(value) {
  return JSON.stringify(String(value)); // a JSON string is a valid Python string literal
}

// Imports missing from the trimmed zips come from the fallback zip; random is reseeded
// because a restored snapshot repeats the state it was taken in.
/** @param {any} pyodide */
function configure(pyodide) {
  const fallback = MANIFEST.fallback;
  pyodide.runPython(
    "import random, _engage_fallback\nrandom.seed()\n" +
      `_engage_fallback.configure(${pythonString(fileURL(fallback))}, ${pythonString(fallback.sha256)})`,
  );
}

/** @param {any} pyodide @returns {Handle} */
function importBridge(pyodide) {
  let bridge;
  try {
    bridge = pyodide.pyimport("engine._bridge");
  } catch (error) {
    throw new BootError(`could not import engine._bridge: ${describe(error)}`);
  }
  try {
    if (typeof bridge.handle !== "function") {
      throw new BootError("engine._bridge has no handle(text) function");
    }
    // An attribute proxy dies with its parent unless copied.
    return bridge.handle.copy();
  } finally {
    bridge.destroy();
  }
}

// Before a snapshot is taken: import what the first evaluation would (user-agents), and
// compile the site's config once, so that its validators are in the snapshot too. Only
// the config is used, never the state or facts of the init message; a second init then
// drops the engine again. A config that reads the device type decides this browser's
// User-Agent at the first evaluation of every session (the session keeps the reading,
// not the visitor state); reading it here keeps ua-parser's compiled expressions and the
// engine's cached reading in the snapshot, for the same browser's later sessions.
/** @param {any} pyodide @param {Handle} bridgeHandle */
function warmUp(pyodide, bridgeHandle) {
  for (const name of MANIFEST.snapshotImports || []) pyodide.pyimport(name).destroy();
  const init = queued.map((m) => (typeof m === "string" ? safeParse(m) : m)).find((m) => m && m.kind === "init");
  if (init && init.config) {
    const apart = /** @type {[string, string]} */ (
      configApart({ v: PROTOCOL, kind: "init", config: init.config, configError: null, state: null, seed: "", facts: [] })
    );
    const answer = safeParse(bridgeHandle(apart[0], undefined, apart[1]));
    if (answer && answer.watch && answer.watch.device) {
      pyodide.runPython(`import engine.device\nengine.device.explain(${pythonString(navigator.userAgent)})`);
    }
  }
  bridgeHandle(JSON.stringify({ v: PROTOCOL, kind: "init", config: null, configError: "warm-up", state: null, seed: "", facts: [] }));
}

/** @param {string} text */
function safeParse(text) {
  try {
    return JSON.parse(text);
  } catch (error) {
    return null;
  }
}

async function boot() {
  if (!MANIFEST) {
    throw new BootError("web/worker.js holds no build manifest; serve the folder `python -m engine build` writes");
  }
  checkWebAssemblyAllowed();
  const t0 = performance.now();
  const watch = watchBoot();
  try {
    const runtime = new URL(MANIFEST.runtime, folder);
    // Started at once, in parallel with the runtime: the site zip, checked, and the snapshot.
    const site = watch.fetch(fileURL(MANIFEST.site)).then((r) => r.arrayBuffer()).then((b) => new Uint8Array(b));
    site.catch(() => {});
    const snapshots = openSnapshots();
    const moduleURL = new URL("pyodide.mjs", runtime).href;
    let loadPyodide;
    try {
      ({ loadPyodide } = await import(moduleURL));
    } catch (error) {
      throw new BootError(`could not load ${moduleURL}: ${await whyRefused(moduleURL, error, null)}`);
    }
    /** @type {string[]} */
    const bootErrors = [];
    const start = (/** @type {Record<string, unknown>} */ extra) =>
      Promise.race([
        loadPyodide({
          indexURL: runtime.href,
          stdLibURL: fileURL(MANIFEST.stdlib),
          lockFileContents: MANIFEST.lock,
          packageBaseUrl: runtime.href,
          env: { PYTHONPATH: SITE_PATH },
          fsInit: async (/** @type {any} */ FS) => FS.writeFile(SITE_PATH, await site),
          stderr: (/** @type {string} */ line) => bootErrors.push(line),
          ...extra,
        }),
        watch.failure,
      ]);
    bootInfo.ms.imported = performance.now() - t0;
    const stored = await snapshots;
    bootInfo.ms.snapshotRead = performance.now() - t0;
    let pyodide = null;
    let bridgeHandle = null;
    if (stored && stored.bytes) {
      try {
        pyodide = await start({ _loadSnapshot: stored.bytes });
        bootInfo.ms.started = performance.now() - t0;
        configure(pyodide);
        bridgeHandle = importBridge(pyodide);
        bootInfo.snapshot = "restored";
      } catch (error) {
        if (error instanceof BootError && !/engine\._bridge/.test(error.message)) throw error; // a missing file
        console.warn(`[engage] the engine snapshot could not be used (${describe(error)}); starting normally`);
        bootInfo.snapshot = "failed";
        pyodide = null;
        await stored.cache.delete(snapshotKey()).catch(() => {});
      }
    }
    if (!pyodide) {
      const make = !!(stored && stored.cache);
      try {
        pyodide = await start(make ? { _makeSnapshot: true } : {});
      } catch (error) {
        if (error instanceof BootError) throw error;
        throw new Error(`Pyodide did not start: ${describe(error)}`);
      }
      bootInfo.ms.started = performance.now() - t0;
      configure(pyodide);
      bridgeHandle = importBridge(pyodide);
      bootInfo.ms.imported = performance.now() - t0;
      if (make) {
        try {
          warmUp(pyodide, bridgeHandle);
          const bytes = pyodide.makeMemorySnapshot();
          storeSnapshot(stored.cache, bytes); // in the background
          bootInfo.snapshot = bootInfo.snapshot === "failed" ? "failed, made" : "made";
        } catch (error) {
          console.warn(`[engage] could not make an engine snapshot: ${describe(error)}`);
        }
      }
    }
    for (const line of bootErrors) console.warn(line);
    pyodide.setStderr({ batched: (/** @type {string} */ text) => console.warn(text) });
    bootInfo.ms.boot = performance.now() - t0;
    if (BENCH) {
      // whether the site's config came compiled (made before the snapshot was taken)
      bootInfo.configCompiled = pyodide.runPython("import engine._bridge as b; b._compiled is not None");
      self.engage = { pyodide, manifest: MANIFEST, bootInfo };
    }
    return bridgeHandle;
  } finally {
    watch.restore();
  }
}

// Pyodide can also fail outside the promise loadPyodide returns (an aborted wasm
// instance). While booting that is fatal; later it is logged, and kept off the page.
self.addEventListener("error", (event) => {
  event.preventDefault();
  if (handle) console.error(event.error || event.message);
  else fatal(`the engine could not start: ${describe(event.error || event)}`);
});
self.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  if (handle) console.error(event.reason);
  else fatal(`the engine could not start: ${describe(event.reason)}`);
});

boot().then(
  (pyHandle) => {
    handle = pyHandle;
    post(BENCH ? { kind: "booted", boot: bootInfo } : { kind: "booted" });
    while (queued.length && !failed) relay(queued.shift());
  },
  (error) => fatal(`the engine could not start: ${describe(error)}`),
);

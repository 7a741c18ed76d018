// The engine's Web Worker (start it with {type: "module"}). It boots Pyodide from
// ../pyodide/, installs the wheels that ../pyodide/pyodide-lock.json names, imports
// engine._bridge and relays messages to engine._bridge.handle(text) -> text.
// Only JSON crosses this boundary: the Python function stays inside the worker.

const PROTOCOL = 1;
const runtimeDir = new URL("../pyodide/", import.meta.url);

const queued = [];
let handle = null; // engine._bridge.handle once booted
let failed = false;

function post(message) {
  self.postMessage({ v: PROTOCOL, ...message });
}

function fatal(message) {
  if (failed) return;
  failed = true;
  queued.length = 0;
  // After a fatal the worker stays silent: the main thread should terminate it.
  post({ kind: "fatal", message });
}

function relay(data) {
  if (failed) return;
  let reply;
  try {
    const text = typeof data === "string" ? data : JSON.stringify(data);
    reply = JSON.parse(handle(text));
  } catch (error) {
    // engine._bridge.handle turns bad input into error decisions; reaching this means
    // a bug in the engine, and its state can no longer be trusted.
    fatal(`the engine failed on a message: ${describe(error)}`);
    return;
  }
  self.postMessage(reply);
}

self.onmessage = (event) => {
  if (handle) relay(event.data);
  else if (!failed) queued.push(event.data);
};

function describe(error) {
  if (error && error.type && error.message) {
    // A PythonError's message is the whole traceback; its last line says what happened.
    const lines = String(error.message).trim().split("\n");
    return lines[lines.length - 1];
  }
  return error && error.message ? error.message : String(error);
}

// Records every request that failed during boot, so a fatal message can name the file
// even when Pyodide's own error does not.
function watchFetches() {
  const failures = [];
  const realFetch = self.fetch;
  self.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    try {
      const response = await realFetch(input, init);
      if (!response.ok) failures.push(`${url} (HTTP ${response.status})`);
      return response;
    } catch (error) {
      const hint = init && init.integrity ? "; its sha256 may not match pyodide-lock.json" : "";
      failures.push(`${url} (${error.message}${hint})`);
      throw error;
    }
  };
  return { failures, restore: () => (self.fetch = realFetch) };
}

async function boot() {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
    throw new Error("this browser has no WebAssembly (or it is turned off), which the engine needs");
  }
  const moduleURL = new URL("pyodide.mjs", runtimeDir).href;
  let loadPyodide;
  try {
    ({ loadPyodide } = await import(moduleURL));
  } catch (error) {
    throw new Error(`could not load ${moduleURL}: ${error.message}`);
  }
  const lockURL = new URL("pyodide-lock.json", runtimeDir).href;
  let lock;
  try {
    const response = await fetch(lockURL, { cache: "no-cache" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    lock = await response.json();
  } catch (error) {
    throw new Error(`could not load ${lockURL}: ${error.message}`);
  }
  const packages = Object.keys(lock.packages || {});

  const watch = watchFetches();
  const bootErrors = [];
  let pyodide;
  try {
    pyodide = await loadPyodide({
      indexURL: runtimeDir.href,
      lockFileContents: lock,
      packageBaseUrl: runtimeDir.href,
      // Loaded while the interpreter starts; loadPackage verifies each sha256.
      packages,
      stderr: (line) => bootErrors.push(line),
    });
  } catch (error) {
    const detail = watch.failures.length ? `; failed requests: ${watch.failures.join(", ")}` : "";
    if (error instanceof WebAssembly.CompileError && /Content Security Policy/i.test(error.message)) {
      throw new Error(
        "WebAssembly is blocked by the Content Security Policy sent with worker.js; " +
          `allow it with 'wasm-unsafe-eval' in script-src (${error.message})`,
      );
    }
    throw new Error(`Pyodide did not start: ${describe(error)}${detail}`);
  } finally {
    watch.restore();
  }
  const missing = packages.filter((name) => !(name in pyodide.loadedPackages));
  if (missing.length) {
    const detail = watch.failures.length ? watch.failures.join(", ") : bootErrors.join(" ");
    throw new Error(`could not install ${missing.join(", ")}: ${detail}`);
  }
  pyodide.setStderr({ batched: (text) => console.warn(text) });

  let bridge;
  try {
    bridge = pyodide.pyimport("engine._bridge");
  } catch (error) {
    throw new Error(`could not import engine._bridge: ${describe(error)}`);
  }
  const pyHandle = bridge.handle;
  bridge.destroy();
  if (typeof pyHandle !== "function") {
    throw new Error("engine._bridge has no handle(text) function");
  }
  return pyHandle;
}

boot().then(
  (pyHandle) => {
    handle = pyHandle;
    post({ kind: "booted" });
    while (queued.length && !failed) relay(queued.shift());
  },
  (error) => fatal(`the engine could not start: ${describe(error)}`),
);

// The engine's Web Worker (start it with {type: "module"}). It boots Pyodide from
// ../pyodide/, installs the wheels that ../pyodide/pyodide-lock.json names, imports
// engine._bridge and relays messages to engine._bridge.handle(text) -> text.
// Only JSON crosses this boundary: the Python function stays inside the worker.

const PROTOCOL = 1;
const runtimeDir = new URL("../pyodide/", import.meta.url);

// A boot failure whose message already names what failed; not wrapped again.
class BootError extends Error {}

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
  // The bridge reports what it cannot go on from as a fatal too; stay silent after it.
  if (reply && reply.kind === "fatal") failed = true;
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

// Every file fetched while Pyodide starts is required, and its WebAssembly must
// instantiate. Either failure rejects `failure` at once: Pyodide names no file, and a
// missing, broken or blocked pyodide.asm.wasm leaves loadPyodide pending forever.
function watchBoot() {
  const realFetch = self.fetch;
  const realInstantiate = WebAssembly.instantiate;
  const realStreaming = WebAssembly.instantiateStreaming;
  let reject;
  const failure = new Promise((_, r) => (reject = r));
  failure.catch(() => {});
  self.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    let response;
    try {
      response = await realFetch(input, init);
    } catch (error) {
      const hint = init && init.integrity ? "; its sha256 may not match pyodide-lock.json" : "";
      reject(new BootError(`could not load ${url} (${error.message}${hint})`));
      throw error;
    }
    if (!response.ok) reject(new BootError(`could not load ${url} (HTTP ${response.status})`));
    return response;
  };
  // Pyodide only logs a failed instantiation ("wasm instantiation failed!") and waits.
  const instantiateFailed = (error) => {
    reject(new BootError(`could not instantiate pyodide.asm.wasm: ${error.message}`));
    return error;
  };
  WebAssembly.instantiate = async (...args) => {
    try {
      return await realInstantiate.apply(WebAssembly, args);
    } catch (error) {
      throw instantiateFailed(error);
    }
  };
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
  return { failure, restore };
}

// A Content-Security-Policy without 'wasm-unsafe-eval' on worker.js forbids compiling
// any module; an 8-byte empty module finds out before megabytes are downloaded.
function checkWebAssemblyAllowed() {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
    throw new BootError("this browser has no WebAssembly (or it is turned off), which the engine needs");
  }
  try {
    new WebAssembly.Module(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  } catch (error) {
    throw new BootError(
      "WebAssembly is blocked by the Content-Security-Policy sent with worker.js; add " +
        `'wasm-unsafe-eval' to its script-src (${error.message})`,
    );
  }
}

async function boot() {
  checkWebAssemblyAllowed();
  const moduleURL = new URL("pyodide.mjs", runtimeDir).href;
  let loadPyodide;
  try {
    ({ loadPyodide } = await import(moduleURL));
  } catch (error) {
    throw new BootError(`could not load ${moduleURL}: ${error.message}`);
  }
  const lockURL = new URL("pyodide-lock.json", runtimeDir).href;
  let lock;
  try {
    const response = await fetch(lockURL, { cache: "no-cache" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    lock = await response.json();
  } catch (error) {
    throw new BootError(`could not load ${lockURL}: ${error.message}`);
  }
  const packages = Object.keys(lock.packages || {});

  const watch = watchBoot();
  const bootErrors = [];
  let pyodide;
  try {
    pyodide = await Promise.race([
      loadPyodide({
        indexURL: runtimeDir.href,
        lockFileContents: lock,
        packageBaseUrl: runtimeDir.href,
        // Loaded while the interpreter starts; loadPackage verifies each sha256.
        packages,
        stderr: (line) => bootErrors.push(line),
      }),
      watch.failure,
    ]);
  } catch (error) {
    if (error instanceof BootError) throw error;
    throw new Error(`Pyodide did not start: ${describe(error)}`);
  } finally {
    watch.restore();
  }
  const missing = packages.filter((name) => !(name in pyodide.loadedPackages));
  if (missing.length) {
    throw new BootError(`could not install ${missing.join(", ")}: ${bootErrors.join(" ")}`);
  }
  for (const line of bootErrors) console.warn(line);
  pyodide.setStderr({ batched: (text) => console.warn(text) });

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
    post({ kind: "booted" });
    while (queued.length && !failed) relay(queued.shift());
  },
  (error) => fatal(`the engine could not start: ${describe(error)}`),
);

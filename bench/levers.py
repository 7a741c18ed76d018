#!/usr/bin/env python3
"""Each boot lever of web/worker.js measured on its own (docs/performance.md, "Levers").

    .venv/bin/python bench/levers.py [--runs 5] [--old-build DIR]

Builds the engage folder several times, each with one lever fewer, and boots the worker of
each one from a bare page (bench/pages/worker.html): the time from creating the worker to
its answer to the first `init` (the demo's rules.json, an iPhone user agent, so that the
device parser runs), on a first visit and on a return visit, in the same browser, the
variants interleaved. Then the brotli bytes of what each variant's worker fetched.

Variants, from the npm defaults to the build as shipped:
    npm defaults       loadPyodide() with the npm package, on the main thread (reference)
    old build          --old-build DIR: a folder built by an earlier version of the build
    sources            the trimmed zips as Python source: compiled at every boot
    untrimmed          compiled, with the whole standard library
    compiled           compiled and trimmed, no memory snapshot (?snapshot=0)
    snapshot, lazy UA  + memory snapshot, user-agents imported at the first device fact
    snapshot           + user-agents imported into the snapshot (the build as shipped)
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

import run as R  # noqa: E402

from engine.tools import build as B  # noqa: E402
from engine.tools.serve import start_server  # noqa: E402

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
PAGE = """<!doctype html><meta charset="utf-8"><title>worker boot</title><link rel="icon" href="data:,">
<script type="module">
  const params = new URLSearchParams(location.search);
  window.run = async (init) => {
    const started = performance.now();
    const worker = new Worker(params.get("worker"), {type: "module"});
    const result = new Promise((resolve, reject) => {
      worker.onmessage = (e) => {
        const m = e.data;
        if (m.kind === "booted") window.booted = [performance.now() - started, m.boot || null];
        else if (m.kind === "output") resolve({booted: window.booted, output: performance.now() - started});
        else reject(new Error(JSON.stringify(m)));
      };
    });
    worker.postMessage(init);
    return result;
  };
  window.bare = async () => {
    const started = performance.now();
    const { loadPyodide } = await import("/npm/pyodide/pyodide.mjs");
    await loadPyodide();
    return {output: performance.now() - started};
  };
</script>
"""


def variant_builds(work: Path, old: Path | None) -> dict[str, tuple[Path, str]]:
    """name -> (engage folder, worker query)."""
    side, imports = B._PYODIDE_SIDE, B.SNAPSHOT_IMPORTS
    out: dict[str, tuple[Path, str]] = {}
    if old is not None:
        out["old build"] = (old, "")
    try:
        B._PYODIDE_SIDE = side.replace(
            'return arcname + "c", _code_to_hash_pyc(code, importlib.util.source_hash(source), False)',
            "return arcname, source",
        )
        B.build(work / "sources", snapshot=False)
        out["sources"] = (work / "sources", "")
        B._PYODIDE_SIDE = side.replace(
            "std_keep = {m for m in seen if m in std_modules} - frozen",
            "std_keep = set(std_modules) - frozen",
        )
        B.build(work / "untrimmed", snapshot=False)
        out["untrimmed"] = (work / "untrimmed", "")
        B._PYODIDE_SIDE = side
        B.build(work / "shipped")
        out["compiled"] = (work / "shipped", "snapshot=0")
        B.SNAPSHOT_IMPORTS = ()
        B.build(work / "lazy-ua")
        out["snapshot, lazy UA"] = (work / "lazy-ua", "")
        B.SNAPSHOT_IMPORTS = imports
        out["snapshot"] = (work / "shipped", "")
    finally:
        B._PYODIDE_SIDE, B.SNAPSHOT_IMPORTS = side, imports
    return out


def measure(runs: int, old: Path | None) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    config = json.loads((REPO / "demo-site" / "rules.json").read_text())
    init = {"v": 1, "kind": "init", "config": config, "configError": None, "state": None, "seed": "s",
            "facts": [{"type": "device", "userAgent": IPHONE},
                      {"type": "page", "now": 1795424400000, "url": "https://shop.test/", "cause": "load"}]}  # fmt: skip
    results: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="engage-levers-") as tmp:
        work = Path(tmp)
        variants = variant_builds(work, old)
        site = work / "site"
        (site / "npm" / "pyodide").mkdir(parents=True)
        for name in R.BARE_FILES:
            (site / "npm" / "pyodide" / name).write_bytes((B.NODE_MODULES / "pyodide" / name).read_bytes())
        (site / "worker.html").write_text(PAGE)
        servers = {name: start_server(site, folder, immutable=R.IMMUTABLE) for name, (folder, _) in variants.items()}
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(R.CHROMIUM), args=R.CHROMIUM_ARGS)
                for _ in range(runs):
                    for name in ["npm defaults", *variants]:
                        server = servers[name if name in servers else "snapshot"]
                        query = variants[name][1] if name in variants else ""
                        worker = "/engage/web/worker.js" + (f"?{query}" if query else "")
                        context = browser.new_context()
                        page = context.new_page()
                        times = results.setdefault(name, {"cold": [], "warm": []})
                        for visit in ("cold", "warm", "warm"):
                            page.goto(server.url + "worker.html?worker=" + quote(worker))
                            if name == "npm defaults":
                                result = page.evaluate("bare()")
                            else:
                                result = page.evaluate("init => run(init)", init)
                            times[visit].append(result["output"])
                            if visit == "cold" and "snapshot" in name:
                                R.Bench.wait_snapshot(page)
                            time.sleep(1.0)
                        times["warm"].pop(-2)  # the second return visit counts
                        context.close()
                browser.close()
        finally:
            for server in servers.values():
                server.stop()
        weights = {}
        for name, (folder, _) in variants.items():
            manifest_path = folder / "manifest.json"
            if manifest_path.is_file():
                manifest = json.loads(manifest_path.read_text())
                files = [folder / manifest["runtime"] / f for f in B.PYODIDE_RUNTIME_FILES]
                files += [folder / manifest[k]["url"] for k in ("stdlib", "site")]
            else:  # the wheel layout
                files = [folder / "pyodide" / f for f in (*B.PYODIDE_RUNTIME_FILES, "python_stdlib.zip", "pyodide-lock.json")]
                files += sorted((folder / "wheels").glob("*.whl"))
            sizes = R.brotli_sizes(files, 11)
            weights[name] = sum(sizes.values())
        bare = [B.NODE_MODULES / "pyodide" / f for f in R.BARE_FILES]
        weights["npm defaults"] = sum(R.brotli_sizes(bare, 11).values())
    return {"times": results, "weights": weights}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--old-build", type=Path, default=None, help="an engage folder built by an earlier build")
    args = parser.parse_args()
    data = measure(args.runs, args.old_build)
    print(f"worker boot to the first init's answer, demo rules, {args.runs} runs: median [min-max]; {R.machine()}")
    print(f"{'variant':<20} {'first visit':>24} {'return visit':>24} {'brotli bytes':>14}")
    for name, times in data["times"].items():
        print(f"{name:<20} {R.fmt(times['cold']):>24} {R.fmt(times['warm']):>24} {data['weights'][name] / 1e6:>11.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

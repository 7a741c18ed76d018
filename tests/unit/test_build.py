"""`python -m engine build` and the static server, without a browser.

The first run needs npm and PyPI (node_modules/ and .cache/wheels/ are filled once).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest

from engine.tools import serve as serve_module
from engine.tools.build import (
    REPO,
    TOOLING,
    BuildError,
    build,
    build_engine_wheel,
    is_tooling,
    main,
    read_project,
    runtime_dependencies,
)
from engine.tools.lock import locked_wheels
from engine.tools.serve import (
    CSP_HEADERS,
    CSP_PATH_HEADERS,
    PLAYGROUND_CSP,
    STRICT_CSP,
    start_server,
)

PYODIDE = json.loads((REPO / "node_modules/pyodide/package.json").read_text())["version"]


# A whole build (about a minute on two cores): the tests that read it are `slow`.
@pytest.fixture(scope="module", params=[pytest.param("built", marks=pytest.mark.slow)])
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build") / "engage"
    config = tmp_path_factory.mktemp("config") / "site-rules.json"
    config.write_text('{"version": 1, "rules": []}', encoding="utf-8")
    assert main([str(out), "--config", str(config)]) == 0
    return out


def test_build_writes_everything_a_site_owner_copies(built: Path) -> None:
    for name in [
        "loader.js",
        "rules.json",
        "schema.json",
        "manifest.json",
        "web/worker.js",
        "web/purify.min.js",
        "web/purify.min.js.map",
        f"pyodide/{PYODIDE}/pyodide.mjs",
        f"pyodide/{PYODIDE}/pyodide.asm.mjs",
        f"pyodide/{PYODIDE}/pyodide.asm.wasm",
        f"pyodide/{PYODIDE}/python_stdlib.zip",
        f"pyodide/{PYODIDE}/pyodide-lock.json",
    ]:
        assert (built / name).is_file(), name
    assert json.loads((built / "rules.json").read_text()) == {"version": 1, "rules": []}
    # the fallback finder goes into the site zip, compiled; its source is not served
    assert not list((built / "web").glob("*.py"))


def test_manifest_names_the_zips_by_content_and_is_inlined_in_the_worker(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text())
    assert manifest["pyodide"] == PYODIDE
    assert manifest["runtime"] == f"pyodide/{PYODIDE}/"
    for kind in ("stdlib", "site", "fallback"):
        entry = manifest[kind]
        data = (built / entry["url"]).read_bytes()
        digest = hashlib.sha256(data)
        assert entry["sha256"] == digest.hexdigest()
        assert entry["integrity"] == "sha256-" + base64.b64encode(digest.digest()).decode()
        assert entry["url"] == f"pyodide/{kind}-{digest.hexdigest()[:16]}.zip"
    # The shipped worker is minified (MANIFEST renamed, keys unquoted): the manifest is in
    # it by value; its source map holds the worker source with the manifest inlined.
    worker = (built / "web" / "worker.js").read_text()
    assert "@engage-manifest" not in worker
    for value in (manifest["id"], manifest["runtime"], *(manifest[k]["integrity"] for k in ("stdlib", "site", "fallback"))):
        assert json.dumps(value) in worker, value  # fmt: skip
    inline = json.dumps(manifest, sort_keys=True, separators=(",", ":"))
    source = json.loads((built / "web" / "worker.js.map").read_text())["sourcesContent"][0]
    assert f"const MANIFEST = {inline};" in source


# --------------------------------------------------------------------------- scripts

LOADER_BUDGET = 15 * 1024  # bytes, as shipped (docs/performance.md, Goals)
WEB_MODULES = sorted(p.name for p in (REPO / "web").glob("*.js"))
# What other files look up by name in each module (loader.js imports them).
EXPORTS = {
    "observe.js": {"createObserver"},
    "signals.js": {"deviceFact", "deviceHints"},
    "lifecycle.js": {"TABLE", "machine", "step", "phase", "canPost", "syncOnly", "restamp", "pageFact", "journal", "replayed", "lost", "replay", "fatal", "RealPromise"},
    "ui.js": {"createUI"},
    "debug.js": {"createOverlay"},
    "placement.js": {"place", "choose", "candidates"},
}


def _node(script: str, *args: str) -> str:
    result = subprocess.run(
        ["node", "-e", script, *args], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _source_map(built: Path, path: str) -> dict[str, object]:
    text = (built / path).read_text()
    name = path.rsplit("/", 1)[-1]
    assert text.endswith(f"\n//# sourceMappingURL={name}.map\n"), path
    source_map: dict[str, object] = json.loads((built / f"{path}.map").read_text())
    assert source_map["version"] == 3
    return source_map


def test_loader_ships_minified_within_its_budget_with_a_source_map(built: Path) -> None:
    loader = built / "loader.js"
    assert loader.stat().st_size <= LOADER_BUDGET, loader.stat().st_size
    source_map = _source_map(built, "loader.js")
    # It names the original (under src/, not the minified file's own URL) and embeds it.
    assert source_map["sources"] == ["src/loader.js"]
    assert source_map["sourcesContent"] == [(REPO / "loader.js").read_text()]
    assert source_map["mappings"]
    assert "/*!" not in loader.read_text()


def test_loader_stays_a_classic_es2017_script(built: Path) -> None:
    # Parsed as a classic script (module syntax would throw here) ...
    _node(
        'new (require("node:vm").Script)(require("node:fs").readFileSync(process.argv[1], "utf8"))',
        str(built / "loader.js"),
    )
    # ... and nothing newer than ES2017 but `import()`: lowering it to ES2017 changes nothing.
    same = _node(
        """
        const esbuild = require(process.argv[1]);
        const code = require("node:fs").readFileSync(process.argv[2], "utf8");
        const print = (target) => esbuild.transformSync(code, {target, supported: {"dynamic-import": true}}).code;
        process.stdout.write(String(print("es2017") === print("esnext")));
        """,
        str(REPO / "node_modules" / "esbuild"),
        str(built / "loader.js"),
    )
    assert same == "true"
    text = (built / "loader.js").read_text()
    assert '"web/worker.js"' in text  # bench/run.py rewrites it for its fixtures
    assert ".engage=" in text  # window.engage keeps its name


@pytest.mark.parametrize("name", WEB_MODULES)
def test_web_modules_ship_minified_with_source_maps(built: Path, name: str) -> None:
    source = (REPO / "web" / name).read_text()
    shipped = (built / "web" / name).read_text()
    assert len(shipped) < 0.8 * len(source), (len(shipped), len(source))
    code = shipped.rsplit("//# sourceMappingURL=", 1)[0]
    assert not re.search(r"^\s*//", code, re.M), "comments left in"
    assert shipped.count("\n") < source.count("\n") / 4
    source_map = _source_map(built, f"web/{name}")
    assert source_map["sources"] == [f"../src/web/{name}"]
    if name != "worker.js":  # the worker's holds the manifest inlined (checked above)
        assert source_map["sourcesContent"] == [source]
    exported = re.findall(r"export\s*\{([^}]*)\}", code)
    names = {part.split(" as ")[-1].strip() for group in exported for part in group.split(",")}
    assert EXPORTS.get(name, set()) <= names, names


def test_no_minify_ships_the_sources_as_they_are(tmp_path: Path) -> None:
    out = tmp_path / "engage"
    assert main([str(out), "--no-minify"]) == 0
    assert (out / "loader.js").read_text() == (REPO / "loader.js").read_text()
    assert (out / "web" / "ui.js").read_text() == (REPO / "web" / "ui.js").read_text()
    assert [p.name for p in out.rglob("*.js.map")] == ["purify.min.js.map"], "only the copied DOMPurify map"
    manifest = json.loads((out / "manifest.json").read_text())
    inline = json.dumps(manifest, sort_keys=True, separators=(",", ":"))
    assert f"const MANIFEST = {inline};" in (out / "web" / "worker.js").read_text()


def test_zips_hold_compiled_code_only_the_fallback_holds_the_sources(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text())
    with zipfile.ZipFile(built / manifest["site"]["url"]) as site:
        names = set(site.namelist())
        assert all(i.compress_type == zipfile.ZIP_STORED for i in site.infolist())
    engine = {p.relative_to(REPO).as_posix() for p in (REPO / "engine").rglob("*.py")}
    assert {n + "c" for n in engine if not is_tooling(n)} <= names
    assert not any(n.endswith(".py") for n in names)
    assert {"_engage_fallback.pyc", "user_agents/__init__.pyc", "tzdata/zones",
            "tzdata/zoneinfo/Europe/Oslo", "engine/schema.json", "engine/referrers.json"} <= names  # fmt: skip
    assert not {n for n in names if n.startswith(("engine/tools/", "engine/__main__")) or n.endswith(".tab")}
    with zipfile.ZipFile(built / manifest["stdlib"]["url"]) as stdlib:
        names = set(stdlib.namelist())
    assert {"json/__init__.pyc", "zoneinfo/__init__.pyc", "pyodide/__init__.pyc"} <= names
    assert not any(n.endswith(".py") for n in names)
    assert "email/__init__.pyc" not in names  # trimmed: nothing the engine runs imports it
    with zipfile.ZipFile(built / manifest["fallback"]["url"]) as fallback:
        names = set(fallback.namelist())
    assert {"email/__init__.py", "engine/engine.py", "ua_parser_builtins/lazy.py"} <= names


def test_no_tooling_module_reaches_the_browser(built: Path) -> None:
    engine = {p.relative_to(REPO).as_posix() for p in (REPO / "engine").rglob("*.py")}
    tooling = {n for n in engine if is_tooling(n)}
    assert {"engine/tools/build.py", "engine/tools/serve.py", "engine/__main__.py", "engine/tools/__init__.py",
            "engine/tools/fetch.py", "engine/tools/compress.py"} <= tooling  # fmt: skip
    assert TOOLING == ("engine/tools/", "engine/__main__.py", "engine/collect.py")
    manifest = json.loads((built / "manifest.json").read_text())
    (wheel,) = (built / "wheels").glob("engage_engine-*.whl")
    for archive in (built / manifest["site"]["url"], wheel):
        with zipfile.ZipFile(archive) as zf:
            names = {n.removesuffix("c") for n in zf.namelist()}
        assert "engine/engine.py" in names, archive
        assert not names & tooling, archive
        assert not [n for n in names if n.startswith("engine/tools")], archive


def test_tooling_dependencies_are_not_shipped_to_the_browser(built: Path) -> None:
    # pyproject's build-only dependencies carry `sys_platform != 'emscripten'`
    project = read_project()
    tooling = {"pyodide-lock", "packaging", "brotli", "platformdirs"}
    assert tooling <= {re.split(r"[\[=<>; ]", d)[0] for d in project.dependencies}
    shipped = runtime_dependencies(project, "3.13.2")
    assert not tooling & set(shipped), shipped
    assert {p.name for p in locked_wheels()} == set(shipped)
    wheels = {p.name.split("-")[0].replace("_", "-") for p in (built / "wheels").glob("*.whl")}
    assert wheels == {"engage-engine", *shipped}


def test_lockfile_names_exactly_the_shipped_wheels_with_their_sha256(built: Path) -> None:
    lock = json.loads((built / "pyodide" / PYODIDE / "pyodide-lock.json").read_text())
    runtime = json.loads((REPO / "node_modules/pyodide/pyodide-lock.json").read_text())
    assert lock["info"]["abi_version"] == runtime["info"]["abi_version"]
    shipped = {p.name for p in (built / "wheels").glob("*.whl")}
    listed = set()
    for package in lock["packages"].values():
        path = (built / "pyodide" / PYODIDE / unquote(package["file_name"])).resolve()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == package["sha256"]
        assert set(package["depends"]) <= set(lock["packages"])
        listed.add(path.name)
    assert listed == shipped
    assert {
        "engage-engine",
        "user-agents",
        "ua-parser",
        "ua-parser-builtins",
        "tzdata",
        "fastjsonschema",
        "cssselect2",
        "tinycss2",
        "webencodings",
        "regexploit",
    } == set(lock["packages"])


def test_engine_wheel_is_reproducible_and_named_by_its_content(tmp_path: Path) -> None:
    project = read_project()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = build_engine_wheel(project, tmp_path / "a")
    second = build_engine_wheel(project, tmp_path / "b")
    assert first.name == second.name
    assert first.read_bytes() == second.read_bytes()
    assert first.name.startswith(f"engage_engine-{project.version}+g")


def test_engine_wheel_holds_an_importable_engine(built: Path, tmp_path: Path) -> None:
    (wheel,) = (built / "wheels").glob("engage_engine-*.whl")
    with zipfile.ZipFile(wheel) as whl:
        whl.extractall(tmp_path)
    code = "import engine, engine._bridge; print(engine.__file__)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_relative_to(tmp_path)


def test_refuses_to_replace_a_folder_that_is_not_a_build(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("the owner's page")
    with pytest.raises(BuildError, match="does not hold an earlier build"):
        build(tmp_path)
    assert (tmp_path / "index.html").read_text() == "the owner's page"


def test_config_that_is_not_json_fails_with_its_position(tmp_path: Path) -> None:
    bad = tmp_path / "rules.json"
    bad.write_text('{"version": 1,\n "rules": [}', encoding="utf-8")
    with pytest.raises(BuildError, match=r"line 2, column"):
        build(tmp_path / "out", bad)
    assert not (tmp_path / "out").exists()


def test_invalid_config_fails_with_every_problem_by_path(tmp_path: Path) -> None:
    bad = tmp_path / "rules.json"
    bad.write_text('{"version": 1, "rules": [{"name": "x"}]}', encoding="utf-8")
    with pytest.raises(BuildError, match=r"rules\[0\]"):
        build(tmp_path / "out", bad)


def test_server_types_and_cache_headers(built: Path, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html>")
    expected = {
        "index.html": ("text/html", "no-cache"),
        "engage/loader.js": ("text/javascript", "no-cache"),
        "engage/web/worker.js": ("text/javascript", "no-cache"),
        f"engage/pyodide/{PYODIDE}/pyodide.mjs": ("text/javascript", "immutable"),
        f"engage/pyodide/{PYODIDE}/pyodide.asm.wasm": ("application/wasm", "immutable"),
        f"engage/pyodide/{PYODIDE}/python_stdlib.zip": ("application/zip", "immutable"),
        f"engage/pyodide/{PYODIDE}/pyodide-lock.json": ("application/json", "no-cache"),
        "engage/manifest.json": ("application/json", "no-cache"),
        "engage/rules.json": ("application/json", "no-cache"),
    }
    manifest = json.loads((built / "manifest.json").read_text())
    for kind in ("stdlib", "site", "fallback"):
        expected["engage/" + manifest[kind]["url"]] = ("application/zip", "immutable")
    lock = json.loads((built / "pyodide" / PYODIDE / "pyodide-lock.json").read_text())
    wheel = lock["packages"]["engage-engine"]["file_name"].removeprefix("../../")
    expected[f"engage/{wheel}"] = ("application/octet-stream", "immutable")
    with start_server(tmp_path, built) as server:
        for path, (mime, cache) in expected.items():
            request = urllib.request.Request(server.url + path, method="HEAD")
            with urllib.request.urlopen(request) as response:
                assert response.headers["Content-Type"].startswith(mime), path
                assert cache in response.headers["Cache-Control"], path


def test_csp_server_keeps_the_strict_policy_but_for_the_playground_page(
    built: Path, tmp_path: Path
) -> None:
    for name in ("index.html", "playground.html", "pyscript/core.js"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("<!doctype html>")
    expected = {
        "": STRICT_CSP,
        "index.html": STRICT_CSP,
        "index.html?playground.html": STRICT_CSP,
        "pyscript/core.js": STRICT_CSP,
        "engage/loader.js": STRICT_CSP,
        "engage/web/worker.js": STRICT_CSP,
        "playground.html": PLAYGROUND_CSP,
        "playground.html?x=1": PLAYGROUND_CSP,
    }
    with start_server(
        tmp_path, built, headers=CSP_HEADERS, path_headers=CSP_PATH_HEADERS
    ) as server:
        for path, policy in expected.items():
            request = urllib.request.Request(server.url + path, method="HEAD")
            with urllib.request.urlopen(request) as response:
                assert response.headers.get_all("Content-Security-Policy") == [policy], path
    assert "'unsafe-eval'" not in STRICT_CSP and "'unsafe-eval'" in PLAYGROUND_CSP


def test_serve_csp_sends_those_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, object]] = []
    monkeypatch.setattr(serve_module, "build_demo", lambda demo, site: None)
    monkeypatch.setattr(serve_module, "serve", lambda *args, **kwargs: calls.append(kwargs))
    assert serve_module.main(["--csp"]) == 0
    assert serve_module.main([]) == 0
    assert calls[0] == {"headers": CSP_HEADERS, "path_headers": CSP_PATH_HEADERS}
    assert not calls[1].get("headers") and not calls[1].get("path_headers")

"""`python -m engine build` and the static server, without a browser.

The first run needs npm and PyPI (node_modules/ and .cache/wheels/ are filled once).
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest

from engine.build import (
    REPO,
    BuildError,
    build,
    build_engine_wheel,
    main,
    read_project,
)
from engine.serve import start_server

PYODIDE = json.loads((REPO / "node_modules/pyodide/package.json").read_text())["version"]


@pytest.fixture(scope="module")
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
        f"pyodide/{PYODIDE}/pyodide.mjs",
        f"pyodide/{PYODIDE}/pyodide.asm.mjs",
        f"pyodide/{PYODIDE}/pyodide.asm.wasm",
        f"pyodide/{PYODIDE}/python_stdlib.zip",
        f"pyodide/{PYODIDE}/pyodide-lock.json",
    ]:
        assert (built / name).is_file(), name
    assert json.loads((built / "rules.json").read_text()) == {"version": 1, "rules": []}


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
    worker = (built / "web" / "worker.js").read_text()
    inline = json.dumps(manifest, sort_keys=True, separators=(",", ":"))
    assert f"const MANIFEST = {inline};" in worker
    assert "@engage-manifest" not in worker


def test_zips_hold_compiled_code_only_the_fallback_holds_the_sources(built: Path) -> None:
    manifest = json.loads((built / "manifest.json").read_text())
    with zipfile.ZipFile(built / manifest["site"]["url"]) as site:
        names = set(site.namelist())
        assert all(i.compress_type == zipfile.ZIP_STORED for i in site.infolist())
    engine = {p.relative_to(REPO).as_posix() for p in (REPO / "engine").rglob("*.py")}
    build_only = {"engine/__main__.py", "engine/build.py", "engine/serve.py"}
    assert {n + "c" for n in engine - build_only} <= names
    assert not any(n.endswith(".py") for n in names)
    assert {"_engage_fallback.pyc", "user_agents/__init__.pyc", "tzdata/zones",
            "tzdata/zoneinfo/Europe/Oslo", "engine/schema.json"} <= names  # fmt: skip
    assert not {n for n in names if n.startswith("engine/build") or n.endswith(".tab")}
    with zipfile.ZipFile(built / manifest["stdlib"]["url"]) as stdlib:
        names = set(stdlib.namelist())
    assert {"json/__init__.pyc", "zoneinfo/__init__.pyc", "pyodide/__init__.pyc"} <= names
    assert not any(n.endswith(".py") for n in names)
    assert "email/__init__.pyc" not in names  # trimmed: nothing the engine runs imports it
    with zipfile.ZipFile(built / manifest["fallback"]["url"]) as fallback:
        names = set(fallback.namelist())
    assert {"email/__init__.py", "engine/engine.py", "ua_parser_builtins/lazy.py"} <= names


def test_lockfile_names_exactly_the_shipped_wheels_with_their_sha256(built: Path) -> None:
    lock = json.loads((built / "pyodide" / PYODIDE / "pyodide-lock.json").read_text())
    runtime = json.loads((REPO / "node_modules/pyodide/pyodide-lock.json").read_text())
    assert lock["info"]["abi_version"] == runtime["info"]["abi_version"]
    shipped = {p.name for p in (built / "wheels").iterdir()}
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

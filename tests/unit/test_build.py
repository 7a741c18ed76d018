"""`python -m engine build` and the static server, without a browser.

The first run needs npm and PyPI (node_modules/ and .cache/wheels/ are filled once).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest

from engine.build import REPO, BuildError, build, build_engine_wheel, main, read_project
from engine.serve import start_server


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
        "web/worker.js",
        "web/purify.min.js",
        "pyodide/pyodide.mjs",
        "pyodide/pyodide.asm.mjs",
        "pyodide/pyodide.asm.wasm",
        "pyodide/python_stdlib.zip",
        "pyodide/pyodide-lock.json",
    ]:
        assert (built / name).is_file(), name
    assert json.loads((built / "rules.json").read_text()) == {"version": 1, "rules": []}


def test_lockfile_names_exactly_the_shipped_wheels_with_their_sha256(built: Path) -> None:
    lock = json.loads((built / "pyodide" / "pyodide-lock.json").read_text())
    runtime = json.loads((REPO / "node_modules/pyodide/pyodide-lock.json").read_text())
    assert lock["info"]["abi_version"] == runtime["info"]["abi_version"]
    shipped = {p.name for p in (built / "wheels").iterdir()}
    listed = set()
    for package in lock["packages"].values():
        path = (built / "pyodide" / unquote(package["file_name"])).resolve()
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
        "engage/pyodide/pyodide.mjs": ("text/javascript", "immutable"),
        "engage/pyodide/pyodide.asm.wasm": ("application/wasm", "immutable"),
        "engage/pyodide/python_stdlib.zip": ("application/zip", "immutable"),
        "engage/pyodide/pyodide-lock.json": ("application/json", "no-cache"),
        "engage/rules.json": ("application/json", "no-cache"),
    }
    lock = json.loads((built / "pyodide" / "pyodide-lock.json").read_text())
    wheel = lock["packages"]["engage-engine"]["file_name"].removeprefix("../")
    expected[f"engage/{wheel}"] = ("application/octet-stream", "immutable")
    with start_server(tmp_path, built) as server:
        for path, (mime, cache) in expected.items():
            request = urllib.request.Request(server.url + path, method="HEAD")
            with urllib.request.urlopen(request) as response:
                assert response.headers["Content-Type"].startswith(mime), path
                assert cache in response.headers["Cache-Control"], path

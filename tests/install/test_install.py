"""A site owner's install: the wheel and the sdist, built with `python -m build` from this
checkout, each installed into a fresh virtual environment, then `python -m engine build`
run there with no Node.js or npm on PATH (the Pyodide runtime from the user's cache, or
downloaded once), the folder served by the installed `python -m engine serve DIR`, and a
panel shown in Chromium.

Slow (a minute or two: two package builds, two installs); pip's cache keeps the installs
of the dependencies quick.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

REPO = Path(__file__).resolve().parents[2]
RULES = {
    "version": 1,
    "interactions": {
        "welcome": {
            "type": "panel",
            "title": "Welcome to the shop",
            "buttons": [{"label": "No thanks", "action": "close"}],
        }
    },
    "rules": [
        {
            "name": "Welcome",
            "rulesets": [{"conditions": [{"type": "url", "criteria": "currentPage", "operator": "contains", "value": "/"}]}],
            "outcome": {"start": "welcome", "language": "en"},
        }
    ],
}
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A shop</title></head>
<body><h1>A shop</h1>
<script src="/engage/loader.js" data-config="/engage/rules.json" async></script>
</body></html>
"""


def _run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900, **kwargs)  # type: ignore[call-overload]
    assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    return result  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sdist, and the wheel `python -m build` makes from it, of a copy of this checkout."""
    src = tmp_path_factory.mktemp("checkout") / "engage-engine"
    tracked = _run(["git", "ls-files", "-z"], cwd=REPO).stdout.split("\0")
    for name in filter(None, tracked):
        if (REPO / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    (src / "node_modules").symlink_to((REPO / "node_modules").resolve())
    (REPO / ".cache").mkdir(exist_ok=True)
    (src / ".cache").symlink_to(REPO / ".cache")  # the compiled runtime's cache
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(src)])
    (wheel,) = out.glob("engage_engine-*.whl")
    (sdist,) = out.glob("engage_engine-*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


def _without_node(venv_bin: Path) -> dict[str, str]:
    """The environment with PATH holding the virtual environment's scripts only."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "ENGAGE_RUNTIME")}
    env["PATH"] = str(venv_bin)
    assert shutil.which("node", path=env["PATH"]) is None and shutil.which("npm", path=env["PATH"]) is None
    return env


@pytest.fixture(scope="module", params=["wheel", "sdist"])
def installed(request: pytest.FixtureRequest, dists: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment outside the checkout with the package installed."""
    home = tmp_path_factory.mktemp(f"venv-{request.param}")
    venv.create(home / "venv", with_pip=True)
    bin_dir = home / "venv" / "bin"
    # A real install of the package and its dependencies (from pip's cache when it has them);
    # the sdist is built into a wheel here, without Node.js.
    _run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", str(dists[request.param])],
         env=_without_node(bin_dir), cwd=home)  # fmt: skip
    return bin_dir


@pytest.fixture(scope="module")
def site(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site folder with the engage folder built into engage/ by the installed package."""
    site = tmp_path_factory.mktemp("site")
    (site / "index.html").write_text(PAGE, encoding="utf-8")
    (site / "rules.json").write_text(json.dumps(RULES), encoding="utf-8")
    env = _without_node(installed)
    result = _run([str(installed / "python"), "-m", "engine", "build", "engage", "--config", "rules.json", "--report"],
                  cwd=site, env=env)  # fmt: skip
    assert re.search(r"first visit\s+12\s", result.stdout), result.stdout
    return site


@pytest.fixture(scope="module")
def served(installed: Path, site: Path) -> Iterator[str]:
    """The installed `python -m engine serve DIR` serving the site on a free port."""
    server = subprocess.Popen(
        [str(installed / "python"), "-m", "engine", "serve", str(site), "--port", "0"],
        env=_without_node(installed), stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert server.stderr is not None
        line = server.stderr.readline()
        match = re.search(r"on (http://\S+/)", line)
        assert match, line
        yield match.group(1)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_installed_package_runs_from_any_directory(installed: Path, tmp_path: Path) -> None:
    env = _without_node(installed)
    for command in ([str(installed / "engage"), "--version"], [str(installed / "python"), "-m", "engine", "--version"]):
        assert re.fullmatch(r"engage-engine \d+\.\d+\.\d+ \(Pyodide [\d.]+\)\n", _run(command, cwd=tmp_path, env=env).stdout)
    (tmp_path / "rules.json").write_text(json.dumps(RULES), encoding="utf-8")
    assert _run([str(installed / "engage-engine"), "validate", "rules.json"], cwd=tmp_path, env=env).stdout == "OK\n"
    # It runs from site-packages, not from this checkout.
    where = _run([str(installed / "python"), "-c", "import engine; print(engine.__file__)"], cwd=tmp_path, env=env).stdout
    assert "site-packages" in where and not Path(where.strip()).is_relative_to(REPO)


def test_built_folder_matches_what_the_checkout_builds(site: Path, tmp_path: Path) -> None:
    from engine.tools.build import build

    manifest = json.loads((site / "engage" / "manifest.json").read_text())
    ours = build(tmp_path / "engage", site / "rules.json")
    assert manifest == ours  # the same zips, versions and hashes as a checkout build
    files = sorted(p.relative_to(site / "engage").as_posix() for p in (site / "engage").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "engage").as_posix() for p in (tmp_path / "engage").rglob("*") if p.is_file())
    for name in files:
        assert (site / "engage" / name).read_bytes() == (tmp_path / "engage" / name).read_bytes(), name


def test_installed_build_boots_in_chromium_to_a_shown_panel(page: Page, served: str) -> None:
    encodings: dict[str, str | None] = {}
    page.on("response", lambda r: encodings.__setitem__(r.url.rsplit("/", 1)[-1], r.headers.get("content-encoding")))
    page.goto(served + "index.html")
    panel = page.locator('[data-engage-interaction="welcome"]')
    expect(panel).to_be_attached(timeout=90_000)
    expect(panel.get_by_role("heading", name="Welcome to the shop")).to_be_visible()
    # The server sent the build's precompressed copies.
    assert encodings.get("pyodide.asm.wasm") in ("br", "gzip"), encodings
    assert encodings.get("loader.js") in ("br", "gzip"), encodings

"""Write the self-hosted folder a site owner copies: `python -m engine build OUT/`.

Layout of OUT (everything is served from the folder that holds loader.js):

    loader.js                the embed script
    web/                     worker.js, ui.js, panels.css, purify.min.js, ...
    pyodide/                 the Pyodide runtime and our pyodide-lock.json
    wheels/                  the engine wheel and its pure-Python dependencies
    schema.json              the config's JSON Schema (for editors)
    rules.json               the config, when --config is given

The build needs a repository checkout: the runtime files come from `node_modules/`
(fetched with npm on first use) and the wheels from PyPI (cached under `.cache/wheels/`).
The browser gets exactly the dependency versions installed in the Python running the
build, so CPython tests and the browser run the same code.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO / "node_modules"
WHEEL_CACHE = REPO / ".cache" / "wheels"

# What loadPyodide fetches from indexURL; the npm package's lockfile is replaced by ours.
PYODIDE_RUNTIME_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
PURIFY = Path("dompurify") / "dist" / "purify.min.js"

# Wheel timestamps are fixed so that the same sources give the same bytes, hence the
# same sha256 in the lockfile and the same file name.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class BuildError(Exception):
    """A problem the person running the build can fix; the message says how."""


@dataclass(frozen=True)
class Project:
    name: str
    version: str
    summary: str
    requires_python: str
    dependencies: tuple[str, ...]
    packages: tuple[str, ...]
    package_data: dict[str, tuple[str, ...]]


# --------------------------------------------------------------------------- entry points


def main(argv: list[str]) -> int:
    """CLI for `python -m engine build`; `argv` holds the arguments after `build`."""
    parser = argparse.ArgumentParser(
        prog="python -m engine build",
        description="Write the folder a site owner copies next to their pages "
        "(serve it as /engage/ and embed /engage/loader.js).",
    )
    parser.add_argument(
        "out",
        type=Path,
        metavar="OUT",
        help="folder to write (replaced if it holds an earlier build)",
    )
    parser.add_argument(
        "--config", type=Path, metavar="RULES_JSON", help="config to copy to OUT/rules.json"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        build(args.out, args.config)
    except BuildError as exc:
        print(f"engine build: error: {exc}", file=sys.stderr)
        return 1
    files, size = folder_size(args.out)
    print(
        f"Wrote {args.out}/: {files} files, {size / 1e6:.1f} MB, "
        f"in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


def build(out_dir: Path, config: Path | None = None) -> None:
    """Write the complete self-hosted folder to `out_dir`.

    The folder is assembled next to `out_dir` and swapped in at the end, so a server
    already serving `out_dir` never sees a half-written build.
    """
    out_dir = Path(out_dir).resolve()
    _check_replaceable(out_dir)
    config_text = _read_config(config) if config is not None else None
    loader = REPO / "loader.js"
    if not loader.is_file():
        raise BuildError(
            f"{loader} is missing: the build copies the embed script from the repository root. "
            "Restore it (git checkout loader.js) and build again."
        )
    node_modules = ensure_node_modules()
    project = read_project()

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.with_name(f".{out_dir.name}.building-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        shutil.copy2(loader, staging / "loader.js")
        _copy_web(node_modules, staging / "web")
        pyodide_dir = staging / "pyodide"
        pyodide_dir.mkdir()
        for name in PYODIDE_RUNTIME_FILES:
            shutil.copy2(node_modules / "pyodide" / name, pyodide_dir / name)
        wheels_dir = staging / "wheels"
        wheels_dir.mkdir()
        wheels = [build_engine_wheel(project, wheels_dir)]
        runtime_lock = _read_json(node_modules / "pyodide" / "pyodide-lock.json")
        python_version = str(runtime_lock["info"]["python"])
        for name, version in runtime_dependencies(project, python_version).items():
            cached = fetch_wheel(name, version, python_version)
            wheels.append(Path(shutil.copy2(cached, wheels_dir / cached.name)))
        write_lockfile(
            pyodide_dir / "pyodide-lock.json",
            runtime_lock["info"],
            _pyodide_version(node_modules),
            wheels,
            wheels_dir,
        )
        schema = REPO / "engine" / "schema.json"
        if schema.is_file():
            shutil.copy2(schema, staging / "schema.json")
        if config_text is not None:
            (staging / "rules.json").write_text(config_text, encoding="utf-8")
        _swap_in(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# --------------------------------------------------------------------------- output folder


def _looks_like_build(folder: Path) -> bool:
    return (folder / "loader.js").is_file() and (folder / "pyodide" / "pyodide-lock.json").is_file()


def _check_replaceable(out_dir: Path) -> None:
    # OUT is deleted and rewritten; refuse anything that might be the owner's own files.
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise BuildError(f"{out_dir} exists and is not a folder; choose another OUT path.")
    if any(out_dir.iterdir()) and not _looks_like_build(out_dir):
        raise BuildError(
            f"{out_dir} is not empty and does not hold an earlier build, so it will not be "
            "replaced; choose a new or empty folder for OUT."
        )


def _swap_in(staging: Path, out_dir: Path) -> None:
    old = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


def _copy_web(node_modules: Path, dest: Path) -> None:
    web = REPO / "web"
    if not (web / "worker.js").is_file():
        raise BuildError(f"{web / 'worker.js'} is missing; restore the repository's web/ folder.")
    shutil.copytree(web, dest, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    shutil.copy2(node_modules / PURIFY, dest / "purify.min.js")


def _read_config(config: Path) -> str:
    """The config's text, after the same validation the browser applies."""
    from engine.config import Config, parse_config

    try:
        text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BuildError(f"cannot read the config {config}: {exc}") from exc
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise BuildError(
            f"{config} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    # A config the browser would reject shows nothing to visitors; fail here instead.
    result = parse_config(text)
    if not isinstance(result, Config):
        problems = "\n".join(f"  {error}" for error in result)
        raise BuildError(f"{config} has {len(result)} problem(s):\n{problems}")
    return text


def folder_size(folder: Path) -> tuple[int, int]:
    """Number of files under `folder` and their total size in bytes."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def _read_json(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


# --------------------------------------------------------------------------- npm packages


def _pinned_npm_versions() -> dict[str, str]:
    deps: dict[str, str] = _read_json(REPO / "package.json").get("dependencies", {})
    return deps


def _pyodide_version(node_modules: Path) -> str:
    return str(_read_json(node_modules / "pyodide" / "package.json")["version"])


def _node_modules_ok(node_modules: Path) -> bool:
    if not all((node_modules / "pyodide" / f).is_file() for f in PYODIDE_RUNTIME_FILES):
        return False
    if not (node_modules / PURIFY).is_file():
        return False
    # A checkout switched to another Pyodide pin must not ship the old runtime.
    return _pyodide_version(node_modules) == _pinned_npm_versions().get("pyodide")


def ensure_node_modules() -> Path:
    """Return node_modules/, running `npm ci` first when it is missing or stale."""
    if _node_modules_ok(NODE_MODULES):
        return NODE_MODULES
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError(
            "the Pyodide runtime is not in node_modules/ and npm is not on PATH; "
            "install Node.js (which provides npm) and build again, or run `npm ci` in "
            f"{REPO} yourself."
        )
    command = [npm, "ci"] if (REPO / "package-lock.json").is_file() else [npm, "install"]
    command += ["--no-audit", "--no-fund"]
    print(f"engine build: fetching the browser runtime: {' '.join(command[:2])}", file=sys.stderr)
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BuildError(
            f"`{' '.join(command)}` failed in {REPO} (exit {result.returncode}):\n"
            f"{result.stderr.strip()}\nFix the npm error above (is the npm registry reachable?) "
            "and build again."
        )
    if not _node_modules_ok(NODE_MODULES):
        raise BuildError(
            f"after `{' '.join(command[:2])}` node_modules/ still lacks the pinned Pyodide "
            f"runtime ({', '.join(PYODIDE_RUNTIME_FILES)}) or {PURIFY}; check package.json."
        )
    return NODE_MODULES


# --------------------------------------------------------------------------- engine wheel


def read_project() -> Project:
    """The parts of pyproject.toml a wheel needs."""
    with (REPO / "pyproject.toml").open("rb") as fh:
        data = tomllib.load(fh)
    project = data["project"]
    setuptools_cfg = data.get("tool", {}).get("setuptools", {})
    listed = setuptools_cfg.get("packages", ["engine"])
    if not isinstance(listed, list):
        raise BuildError(
            "the build reads the engine's packages from an explicit list in pyproject.toml "
            '([tool.setuptools] packages = ["engine", ...]); package discovery is not supported.'
        )
    packages = tuple(str(p) for p in listed)
    package_data = {
        str(k): tuple(str(g) for g in v) for k, v in setuptools_cfg.get("package-data", {}).items()
    }
    return Project(
        name=str(project["name"]),
        version=str(project["version"]),
        summary=str(project.get("description", "")),
        requires_python=str(project.get("requires-python", "")),
        dependencies=tuple(str(d) for d in project.get("dependencies", [])),
        packages=packages,
        package_data=package_data,
    )


def _package_files(project: Project) -> list[tuple[str, Path]]:
    """(archive name, source path) for every file a wheel of `project` holds."""
    listed = {REPO / p.replace(".", "/") for p in project.packages}
    # A Python folder missing from pyproject would work in CPython tests (they import the
    # source tree) and then be missing in the browser; catch it here instead.
    for folder in sorted({p.parent for p in (REPO / "engine").rglob("*.py")}):
        if "__pycache__" not in folder.parts and folder not in listed:
            raise BuildError(
                f"{folder.relative_to(REPO)}/ holds Python files but is not listed in "
                "[tool.setuptools] packages in pyproject.toml, so it would be missing from "
                "the wheel; add it there."
            )
    found: dict[str, Path] = {}
    for package in project.packages:
        folder = REPO / package.replace(".", "/")
        for source in folder.glob("*.py"):
            found[source.relative_to(REPO).as_posix()] = source
        for pattern in project.package_data.get(package, ()):
            for source in folder.glob(pattern):
                if source.is_file():
                    found[source.relative_to(REPO).as_posix()] = source
    return sorted(found.items())


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def build_engine_wheel(project: Project, dest_dir: Path) -> Path:
    """Write the engine's pure-Python wheel to `dest_dir` and return its path.

    The wheel is written directly rather than through a build backend: it takes
    milliseconds, needs no network, leaves no build/ folder behind and is byte-for-byte
    reproducible. Its version carries a content hash as a PEP 440 local label
    (`0.1.0+g1a2b3c4d5e6f`), so every change gets a new URL and the wheels folder can be
    cached forever; Pyodide cannot parse wheel build tags, which would be the other place
    for it.
    """
    files = [(arcname, source.read_bytes()) for arcname, source in _package_files(project)]
    if not any(arcname == "engine/__init__.py" for arcname, _ in files):
        raise BuildError(
            f"{REPO / 'engine' / '__init__.py'} is missing; the engine package cannot be imported without it."
        )
    content = hashlib.sha256()
    for arcname, data in files:
        content.update(arcname.encode() + b"\0" + hashlib.sha256(data).digest())
    version = f"{project.version}+g{content.hexdigest()[:12]}"
    dist = re.sub(r"[-_.]+", "_", project.name).lower()
    dist_info = f"{dist}-{version}.dist-info"

    metadata = [
        "Metadata-Version: 2.1",
        f"Name: {project.name}",
        f"Version: {version}",
    ]
    if project.summary:
        metadata.append(f"Summary: {project.summary}")
    if project.requires_python:
        metadata.append(f"Requires-Python: {project.requires_python}")
    metadata += [f"Requires-Dist: {dep}" for dep in project.dependencies]
    top_level = sorted({p.split(".")[0] for p in project.packages})
    files += [
        (f"{dist_info}/METADATA", ("\n".join(metadata) + "\n").encode()),
        (
            f"{dist_info}/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: engine.build\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
        (f"{dist_info}/top_level.txt", ("\n".join(top_level) + "\n").encode()),
    ]
    record = [f"{arcname},{_record_hash(data)},{len(data)}" for arcname, data in files]
    record.append(f"{dist_info}/RECORD,,")
    files.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode()))

    path = dest_dir / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as whl:
        for arcname, data in files:
            info = zipfile.ZipInfo(arcname, date_time=_ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            whl.writestr(info, data)
    return path


# --------------------------------------------------------------------------- dependency wheels


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pyodide_markers(python_version: str) -> dict[str, str]:
    major, minor = python_version.split(".")[:2]
    return {
        "sys_platform": "emscripten",
        "platform_system": "Emscripten",
        "platform_machine": "wasm32",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "python_version": f"{major}.{minor}",
        "python_full_version": python_version,
        "implementation_version": python_version,
    }


def runtime_dependencies(project: Project, python_version: str) -> dict[str, str]:
    """Every distribution the engine needs under Pyodide, pinned to the installed version."""
    from packaging.requirements import InvalidRequirement, Requirement

    markers = _pyodide_markers(python_version)
    pinned: dict[str, str] = {}

    def applies(req: Requirement, extras: Iterable[str]) -> bool:
        if req.marker is None:
            return True
        return any(req.marker.evaluate({**markers, "extra": e}) for e in extras)

    def visit(requirement: str, extras: Iterable[str]) -> None:
        try:
            req = Requirement(requirement)
        except InvalidRequirement as exc:
            raise BuildError(f"cannot parse the requirement {requirement!r}: {exc}") from exc
        if not applies(req, extras):
            return
        name = _canonical(req.name)
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            raise BuildError(
                f"{name} is not installed in {sys.executable}; the browser gets the "
                "versions installed here, so install the engine first: "
                f"{sys.executable} -m pip install -e {REPO}"
            ) from None
        if not req.specifier.contains(version, prereleases=True):
            raise BuildError(
                f"installed {name} {version} does not satisfy {requirement!r}; "
                f"run: {sys.executable} -m pip install -e {REPO}"
            )
        if name in pinned:
            return
        pinned[name] = version
        for sub in importlib.metadata.requires(name) or []:
            visit(sub, req.extras or {""})

    for dependency in project.dependencies:
        visit(dependency, {""})
    return pinned


def _cached_wheel(name: str, version: str) -> Path | None:
    for path in WHEEL_CACHE.glob("*.whl"):
        parts = path.stem.split("-")
        if len(parts) >= 5 and _canonical(parts[0]) == name and parts[1] == version:
            return path
    return None


def fetch_wheel(name: str, version: str, python_version: str) -> Path:
    """Path of the pure-Python wheel `name==version` in the cache, downloading it if needed."""
    cached = _cached_wheel(name, version)
    if cached is None:
        WHEEL_CACHE.mkdir(parents=True, exist_ok=True)
        major_minor = ".".join(python_version.split(".")[:2])
        command = [
            sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
            "--no-deps", "--only-binary=:all:", "--platform", "any", "--abi", "none",
            "--implementation", "py", "--python-version", major_minor,
            "--dest", str(WHEEL_CACHE), f"{name}=={version}",
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        cached = _cached_wheel(name, version)
        if result.returncode != 0 or cached is None:
            raise BuildError(
                f"could not download a pure-Python wheel of {name}=={version} for Pyodide "
                f"(Python {major_minor}):\n{result.stderr.strip()}\n"
                "Pyodide can only load pure-Python wheels (…-none-any.whl) here; check that "
                f"PyPI is reachable, or put the wheel in {WHEEL_CACHE} yourself."
            )
    if not cached.name.endswith("-none-any.whl"):
        raise BuildError(
            f"{cached.name} is not a pure-Python wheel; only …-none-any.whl wheels load in "
            "Pyodide here. Pin a version of it that ships one."
        )
    return cached


# --------------------------------------------------------------------------- lockfile


def write_lockfile(
    path: Path,
    runtime_info: dict[str, Any],
    pyodide_version: str,
    wheels: list[Path],
    wheels_dir: Path,
) -> None:
    """Write a Pyodide lockfile that lists exactly `wheels`, with their sha256.

    The lockfile sits in pyodide/ and names the wheels as ../wheels/…, relative to it.
    Pyodide passes each sha256 to fetch() as subresource integrity, so a changed or
    truncated wheel fails to load instead of running.
    """
    try:
        from pyodide_lock import InfoSpec, PyodideLockSpec
        from pyodide_lock.utils import add_wheels_to_spec
    except ImportError:
        raise BuildError(
            "the build writes pyodide-lock.json with the pyodide-lock package; install it: "
            f"{sys.executable} -m pip install 'pyodide-lock[wheel]==0.1.2'"
        ) from None
    info = InfoSpec(version=pyodide_version, **runtime_info)
    empty = PyodideLockSpec(info=info, packages={})
    try:
        spec = add_wheels_to_spec(empty, wheels, base_path=wheels_dir, base_url="../wheels/")
    except (RuntimeError, ImportError) as exc:
        raise BuildError(f"cannot write {path.name}: {exc}") from exc
    data = spec.model_dump()
    for package in data["packages"].values():
        # file_name is a URL relative to the lockfile: "+" in a local version must not
        # reach servers that read it as a space.
        package["file_name"] = quote(package["file_name"])
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Write the self-hosted folder a site owner copies: `python -m engine build OUT/`.

Layout of OUT (everything is served from the folder that holds loader.js):

    loader.js, loader.js.map          the embed script, minified, and its source map
    web/                              worker.js (the build manifest inlined), observe.js,
                                      ui.js, debug.js, collect.js (each minified, with a .map next to
                                      it), panels.css, purify.min.js
    pyodide/<version>/                the Pyodide runtime (pyodide.mjs, pyodide.asm.mjs,
                                      pyodide.asm.wasm): a new version gets a new folder
    pyodide/stdlib-<sha256>.zip       the standard library, trimmed to what Pyodide and the
                                      engine import, compiled to .pyc
    pyodide/site-<sha256>.zip         the engine and its pure-Python dependencies, .pyc
    pyodide/fallback-<sha256>.zip     everything the trimmed zips left out, as source: fetched
                                      only if some import needs it (never, normally)
    manifest.json                     what worker.js was built with (names, sha256), and the
                                      engine, Pyodide and package versions with sha256
    wheels/, pyodide/<version>/python_stdlib.zip, pyodide/<version>/pyodide-lock.json
                                      a standard Pyodide distribution of the engine, for
                                      pages that run it under loadPyodide or PyScript
                                      themselves (the demo's rule playground)
    schema.json                       the config's JSON Schema (for editors)
    rules.json                        the config, when --config is given

Everything under pyodide/ but the lockfile is named by its version or its content, so a
site can cache it for a year as immutable (docs/performance.md). The zips are made by
running the pinned Pyodide under Node.js at build time: it imports the engine and runs
the shared cases through it; the modules it saw imported are compiled to bytecode (without
docstrings, without column tables) and stored uncompressed, so that browsers neither fetch
unused modules nor compile Python at every boot, and HTTP compression (brotli) works
across the whole file. The worker checks each zip's sha256 against the manifest.

loader.js and web/*.js are minified with esbuild (a devDependency in package.json), each
with a source map that embeds the original source, so the loader stays within its 15 KB
budget and a site owner can still debug the readable code; `--no-minify` copies them as
they are. The repository keeps the readable sources.

Where the inputs come from (`Source`): an installed package (pip install engage-engine)
needs neither this repository nor Node.js. Its wheel carries loader.js and web/ minified
with their source maps, DOMPurify, the compiled zips and the engine's browser wheel, made
by the wheel's build step (`prebuild`, run by setup.py; engine/tools/prebuilt/). The
Pyodide runtime and the dependency wheels are downloaded once over HTTPS, checked against
the pins shipped in the package (the npm tarball's sha512 integrity, each wheel's sha256
in engine/tools/browser-wheels.json) and cached in the user's cache directory
(engine/tools/fetch.py); `--runtime DIR` or ENGAGE_RUNTIME names an unpacked runtime
instead. A checkout builds from its sources: esbuild and Pyodide from node_modules/
(fetched with npm on first use), the compiled zips cached under .cache/runtime/; it checks
that the installed dependency versions are the pinned ones, so CPython tests and the
browser run the same code. Either way the folder gets NAME.br and NAME.gz beside each
file above 1 KB (engine/tools/compress.py), and two builds of the same inputs are
byte-identical.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib.metadata
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import engine
from engine.tools import compress as compression
from engine.tools import fetch
from engine.tools.lock import WHEELS_LOCK, locked_wheels

# The engine package's folder, wherever this module lives; in a checkout its parent is the
# repository, when installed it is site-packages.
ENGINE_DIR = Path(engine.__file__).resolve().parent
REPO = ENGINE_DIR.parent
NODE_MODULES = REPO / "node_modules"
RUNTIME_CACHE = REPO / ".cache" / "runtime"
# What the wheel's build step made (engine/tools/prebuilt/, see prebuild()); an installed
# package builds from it, without Node.js and without the repository.
PREBUILT = "prebuilt"

# What the worker loads from the npm package; python_stdlib.zip is replaced by our own.
PYODIDE_RUNTIME_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm")
NPM_STDLIB = "python_stdlib.zip"
PURIFY = Path("dompurify") / "dist" / "purify.min.js"
ESBUILD = Path("esbuild")

# Minification keeps each file at the syntax level of its source, so that it runs in the
# same browsers. loader.js is a classic script (no module syntax) that browsers without
# WebAssembly still parse, so they can fail politely: ES2017, plus the `import()` of its
# lazy parts that the source already uses. web/*.js are ES modules written to ES2021
# (`||=`, `??=`); their exports keep their names (the loader looks them up).
LOADER_TARGET = "es2017"
MODULE_TARGET = "es2021"

# Imported into the memory snapshot although the engine imports it lazily: the first
# `device` condition would otherwise pay for it (130-190 ms in Pyodide) on every visit.
SNAPSHOT_IMPORTS = ("user_agents",)

# worker.js holds this placeholder; the build replaces it with the manifest.
MANIFEST_PLACEHOLDER = "/*@engage-manifest*/ null"

# Zip timestamps are fixed so that the same sources give the same bytes, hence the
# same sha256 and the same file name.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

# Never shipped: test suites, command-line entry points, type stubs, packaging metadata,
# and the tz database's source and tables (zoneinfo reads only the compiled zone files).
# regexploit's command-line tools (a Node.js package with its 150 KB lockfile, and a
# wheel's scripts folder) are entry points too: the engine calls its library only.
_SITE_EXCLUDE = re.compile(
    r"(^|/)(tests?\.py|tests?/|__main__\.py|__pycache__/)|\.pyi$|(^|/)py\.typed$|\.dist-info/"
    r"|^tzdata/zoneinfo/(.*\.(zi|tab|list)|leapseconds)$"
    r"|^[^/]+\.data/scripts/|^regexploit/bin/"
)
# The engine ships whole (it may import its own modules lazily), and so does tzdata (each
# zone folder is a package, imported when a zone in it is first read); the build-only
# modules of the repository do not ship at all.
_SITE_ALWAYS = ("engine", "tzdata")
# Tooling: the CLI and everything its commands run (build, serve, downloads, compression).
# It runs on the site owner's machine only and never reaches the browser: neither the zip
# Pyodide loads nor the engine's wheel under wheels/ holds it. A folder ends with "/".
TOOLING = (
    "engine/tools/", "engine/__main__.py", "engine/collect.py",
)
# Line numbers in standard-library frames of a traceback; without them every instruction
# maps to its function's first line, which makes the compiled standard library smaller.
_STDLIB_EXACT_LINES = False
# Likewise for the site packages, except these top-level modules: the engine's own frames
# (and the fallback finder's) keep exact line numbers, since those are the tracebacks an
# `engage:error` reports; a frame in a third-party package still names its file and function.
_SITE_EXACT_LINES = ("engine", "_engage_fallback")
# Codecs are found by name at run time, which no static import shows: keep the common ones.
_CODECS = (
    "aliases", "ascii", "latin_1", "utf_8", "utf_8_sig", "utf_16", "utf_16_be", "utf_16_le",
    "utf_32", "utf_32_be", "utf_32_le", "unicode_escape", "raw_unicode_escape", "cp1252",
    "idna", "punycode", "charmap",
)  # fmt: skip


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
    parser.add_argument(
        "--runtime",
        type=Path,
        metavar="DIR",
        help="an unpacked Pyodide runtime (the package/ folder of the pinned npm tarball) to "
        f"use instead of downloading it; the {fetch.RUNTIME_ENV} environment variable does the same",
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="print what a first and a return visit download, raw, gzip and brotli",
    )
    parser.add_argument(
        "--no-compress",
        action="store_true",
        help="do not write the .br and .gz copies beside the files",
    )
    parser.add_argument(
        "--no-minify",
        action="store_true",
        help="copy loader.js and web/*.js as they are in the repository instead of minifying "
        "them (for working on them; the default build ships them minified, with source maps)",
    )
    parser.add_argument(
        "--no-snapshot",
        action="store_true",
        help="never keep a memory snapshot of the booted engine in the visitor's Cache "
        "Storage (it uses a private Pyodide API; without it every visit boots normally)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        build(
            args.out, args.config, snapshot=not args.no_snapshot, minify=not args.no_minify,
            runtime=args.runtime, compress=not args.no_compress,
        )  # fmt: skip
    except (BuildError, fetch.FetchError) as exc:
        print(f"engine build: error: {exc}", file=sys.stderr)
        return 1
    files, size = folder_size(args.out)
    print(
        f"Wrote {args.out}/: {files} files, {size / 1e6:.1f} MB, "
        f"in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    if args.report:
        print(compression.format_report(compression.visit_report(args.out)))
    return 0


def build(
    out_dir: Path,
    config: Path | None = None,
    *,
    snapshot: bool = True,
    minify: bool = True,
    runtime: Path | None = None,
    compress: bool = True,
    minified: dict[str, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """Write the complete self-hosted folder to `out_dir` and return its manifest.

    The folder is assembled next to `out_dir` and swapped in at the end, so a server
    already serving `out_dir` never sees a half-written build. `snapshot=False` turns
    off the memory snapshot the worker otherwise keeps in Cache Storage; `minify=False`
    copies loader.js and web/*.js unminified (and without source maps); `runtime` names an
    unpacked Pyodide runtime to use instead of the cached download; `compress=False` writes
    no .br/.gz copies. `minified`, when given, receives each minified script by
    `script_key` (the wheel's build step keeps them, see prebuild()).
    """
    out_dir = Path(out_dir).resolve()
    _check_replaceable(out_dir)
    config_text = _read_config(config) if config is not None else None
    source = Source.find()
    runtime_dir = source.runtime(runtime)
    pyodide_version = str(_read_json(runtime_dir / "package.json")["version"])
    runtime_lock = _read_json(runtime_dir / "pyodide-lock.json")
    python_version = str(runtime_lock["info"]["python"])
    dependency_wheels = source.dependency_wheels(python_version)
    sources = site_sources(source.engine_files(), dependency_wheels)
    stdlib_zip, site_zip, fallback_zip = source.compiled_runtime(runtime_dir, sources)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.with_name(f".{out_dir.name}.building-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir()
        # The runtime, under its version: a new Pyodide gets new URLs.
        runtime_out = staging / "pyodide" / pyodide_version
        runtime_out.mkdir(parents=True)
        for name in (*PYODIDE_RUNTIME_FILES, NPM_STDLIB):
            shutil.copyfile(runtime_dir / name, runtime_out / name)
        # What the worker boots from: the compiled zips, named by their content.
        files = {}
        for kind, data in (("stdlib", stdlib_zip), ("site", site_zip), ("fallback", fallback_zip)):
            digest = hashlib.sha256(data)
            name = f"pyodide/{kind}-{digest.hexdigest()[:16]}.zip"
            (staging / name).write_bytes(data)
            files[kind] = {
                "url": name,
                "sha256": digest.hexdigest(),
                "integrity": "sha256-" + base64.b64encode(digest.digest()).decode("ascii"),
                "size": len(data),
            }
        # A standard Pyodide distribution as well, for pages that load the engine with
        # loadPyodide or PyScript themselves (the demo's rule playground): the wheels and
        # a lockfile naming them, with the full standard library next to the runtime.
        wheels_dir = staging / "wheels"
        wheels_dir.mkdir()
        wheels = [source.engine_wheel(wheels_dir)]
        wheels += [Path(shutil.copyfile(w, wheels_dir / w.name)) for w in dependency_wheels]
        write_lockfile(
            runtime_out / "pyodide-lock.json",
            runtime_lock["info"],
            pyodide_version,
            wheels,
            wheels_dir,
            "../../wheels/",
        )
        manifest = make_manifest(pyodide_version, runtime_lock["info"], files, snapshot)
        manifest["versions"] = _versions(runtime_out, wheels)
        scripts = _copy_web(source, staging / "web", manifest)
        loader = source.root / "loader.js"
        scripts.insert(0, Script("loader.js", loader.read_text(encoding="utf-8"), module=False))
        write_scripts(staging, scripts, source.minifier(minified) if minify else None)
        (staging / "manifest.json").write_text(
            json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        shutil.copyfile(source.schema, staging / "schema.json")
        if config_text is not None:
            (staging / "rules.json").write_text(config_text, encoding="utf-8")
        from engine.tools.edit import write_read_only_copy  # the rule editor, read-only

        write_read_only_copy(staging, pyodide_version)
        if compress:
            compression.precompress(staging, fetch.cache_dir() / "compressed")
        _swap_in(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


def _versions(runtime_out: Path, wheels: list[Path]) -> dict[str, Any]:
    """What the folder was built from: the engine, Pyodide and each bundled package, with
    the version and the sha256 of what ships (manifest.json's `versions`)."""

    def sha256(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    packages = {}
    for wheel in wheels:
        name, version = wheel.name.split("-")[:2]
        packages[_canonical(name)] = {"version": version, "wheel": f"wheels/{wheel.name}", "sha256": sha256(wheel)}
    engine = packages.pop(_canonical(ENGINE_DIST))
    return {
        "engine": {**engine, "version": engine_version()},
        "pyodide": {
            "version": runtime_out.name,
            "files": {n: sha256(runtime_out / n) for n in PYODIDE_RUNTIME_FILES},
        },
        "packages": packages,
    }


ENGINE_DIST = "engage-engine"


def engine_version() -> str:
    """The engine's release version: the installed distribution's, or the checkout's."""
    if Source.find().checkout:
        return read_project().version
    return importlib.metadata.version(ENGINE_DIST)


# --------------------------------------------------------------------------- where inputs come from


@dataclass(frozen=True)
class Source:
    """Where the build takes its inputs: a checkout of the repository (it minifies and
    compiles with Node.js, from node_modules/) or an installed package (it takes what the
    wheel's build step made, from engine/tools/prebuilt/, and needs no Node.js)."""

    root: Path  # holds loader.js and web/
    checkout: bool
    prebuilt: Path | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def find() -> Source:
        if all((REPO / n).is_file() for n in ("pyproject.toml", "loader.js", "web/worker.js")):
            return Source(REPO, True)
        prebuilt = Path(str(resources.files("engine.tools") / PREBUILT))
        if not (prebuilt / "prebuilt.json").is_file():
            raise BuildError(
                f"{prebuilt} is missing: this installation of {ENGINE_DIST} lacks the files "
                "its wheel's build step makes. Install a released wheel or sdist "
                f"(pip install {ENGINE_DIST}), or run from a checkout of the repository."
            )
        return Source(prebuilt / "src", False, prebuilt, _read_json(prebuilt / "prebuilt.json"))

    @property
    def schema(self) -> Path:
        return ENGINE_DIR / "schema.json"

    def pyodide_pin(self) -> fetch.NpmPin:
        if not self.checkout:
            return fetch.NpmPin(**self.info["pyodide"])
        lock = _read_json(REPO / "package-lock.json")["packages"]["node_modules/pyodide"]
        return fetch.NpmPin("pyodide", str(lock["version"]), str(lock["integrity"]))

    def runtime(self, override: Path | None) -> Path:
        """The unpacked Pyodide runtime: `override`, or node_modules/pyodide in a
        checkout, or the pinned npm tarball from the cache (downloaded on first use)."""
        pin = self.pyodide_pin()
        if self.checkout and override is None and not os.environ.get(fetch.RUNTIME_ENV):
            return ensure_node_modules() / "pyodide"
        return fetch.pyodide_runtime(pin, override)

    def dependency_wheels(self, python_version: str) -> list[Path]:
        """The pinned wheels of the engine's runtime dependencies (browser-wheels.json)."""
        pins = locked_wheels()
        if self.checkout:
            wanted = runtime_dependencies(read_project(), python_version)
            if {p.name: p.version for p in pins} != wanted:
                raise BuildError(
                    f"engine/tools/{WHEELS_LOCK} pins {_pairs({p.name: p.version for p in pins})} "
                    f"but this Python has {_pairs(wanted)}; the browser must run what the tests "
                    f"run. Install the pins of pyproject.toml ({sys.executable} -m pip install -e "
                    f"{REPO}) and rewrite the lock: {sys.executable} -m engine.tools.lock"
                )
        return [fetch.pinned_wheel(pin) for pin in pins]

    def engine_files(self) -> list[tuple[str, Path]]:
        """(archive name, path) of the engine's package files the browser runs."""
        if self.checkout:
            files = _package_files(read_project())
        else:
            site = ENGINE_DIR.parent
            files = [(name, site / name) for name in self.info["engineFiles"]]
        return [(name, path) for name, path in files if not is_tooling(name)]

    def engine_wheel(self, dest_dir: Path) -> Path:
        if self.checkout:
            return build_engine_wheel(read_project(), dest_dir)
        assert self.prebuilt is not None
        name = str(self.info["engineWheel"])
        return Path(shutil.copyfile(self.prebuilt / "wheels" / name, dest_dir / name))

    def compiled_runtime(self, runtime_dir: Path, sources: dict[str, bytes]) -> tuple[bytes, bytes, bytes]:
        if self.checkout:
            node_modules = ensure_node_modules()
            return compiled_runtime(node_modules, sources, probe_messages())
        assert self.prebuilt is not None
        npm_stdlib = (runtime_dir / NPM_STDLIB).read_bytes()
        key = runtime_key(str(self.info["pyodide"]["version"]), npm_stdlib, sources)
        if key != self.info["runtimeKey"]:
            raise BuildError(
                "the engine's files, its pinned wheels or the Pyodide runtime differ from "
                f"those this package was built with, so its compiled runtime ({self.prebuilt}/"
                f"runtime/) does not fit them. Reinstall {ENGINE_DIST}."
            )
        stdlib = (self.prebuilt / "runtime" / "stdlib.zip").read_bytes()
        site = (self.prebuilt / "runtime" / "site.zip").read_bytes()
        return stdlib, site, fallback_zip(sources, npm_stdlib)

    def minifier(self, record: dict[str, tuple[str, str]] | None) -> Callable[[list[Script]], list[tuple[str, str]]]:
        def minify(scripts: list[Script]) -> list[tuple[str, str]]:
            if self.checkout:
                result = minify_scripts(ensure_node_modules(), scripts)
            else:
                result = [self._prebuilt_minified(s) for s in scripts]
            if record is not None:
                record.update({script_key(s): r for s, r in zip(scripts, result, strict=True)})
            return result

        return minify

    def _prebuilt_minified(self, script: Script) -> tuple[str, str]:
        assert self.prebuilt is not None
        path = self.prebuilt / "minified" / script_key(script)
        if not path.with_suffix(".js").is_file():
            raise BuildError(
                f"{script.path} as this build writes it was not minified when the package was "
                "built (minifying needs Node.js); build with --no-minify, or from a checkout."
            )
        return (
            path.with_suffix(".js").read_text(encoding="utf-8"),
            path.with_suffix(".map").read_text(encoding="utf-8"),
        )


def _pairs(versions: dict[str, str]) -> str:
    return ", ".join(f"{n} {v}" for n, v in sorted(versions.items())) or "nothing"


def is_tooling(arcname: str) -> bool:
    """Whether a file of the engine's package (by archive name) is tooling (TOOLING)."""
    return any(arcname == t or (t.endswith("/") and arcname.startswith(t)) for t in TOOLING)


def script_key(script: Script) -> str:
    """Names a script's minified form by everything that decides it."""
    text = f"{script.path}\0{script.module}\0{script.source}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def runtime_key(pyodide_version: str, npm_stdlib: bytes, sources: dict[str, bytes]) -> str:
    """Names the inputs of the compiled zips an installed package ships."""
    key = hashlib.sha256(pyodide_version.encode() + b"\0" + hashlib.sha256(npm_stdlib).digest())
    for arcname, data in sources.items():
        key.update(arcname.encode() + b"\0" + hashlib.sha256(data).digest())
    return key.hexdigest()


def fallback_zip(sources: dict[str, bytes], npm_stdlib: bytes) -> bytes:
    """Everything, as source: the site packages and Pyodide's whole standard library."""
    files = list(sources.items())
    with zipfile.ZipFile(io.BytesIO(npm_stdlib)) as npm:
        files += [(i.filename, npm.read(i)) for i in npm.infolist() if not i.is_dir()]
    return _zip(files, zipfile.ZIP_DEFLATED)


def prebuild(dest: Path) -> None:
    """Make what an installed package builds from (the wheel's build step; needs a checkout
    with Node.js): the readable scripts, each script as minified for either snapshot
    setting, DOMPurify, the compiled zips, the engine's wheel and the pins, in `dest`."""
    source = Source.find()
    if not source.checkout:
        raise BuildError("the prebuilt files are made from a checkout of the repository")
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "minified").mkdir(parents=True)
    minified: dict[str, tuple[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="engage-prebuild-") as tmp:
        for snapshot in (True, False):
            out = Path(tmp) / f"out-{snapshot}"
            manifest = build(out, snapshot=snapshot, compress=False, minified=minified)
        (dest / "runtime").mkdir()
        for kind in ("stdlib", "site"):
            shutil.copyfile(out / manifest[kind]["url"], dest / "runtime" / f"{kind}.zip")
        (dest / "wheels").mkdir()
        engine_wheel = manifest["versions"]["engine"]["wheel"]
        shutil.copyfile(out / engine_wheel, dest / engine_wheel)
        runtime_dir = source.runtime(None)
        sources = site_sources(source.engine_files(), source.dependency_wheels(
            str(_read_json(runtime_dir / "pyodide-lock.json")["info"]["python"])))
        key = runtime_key(manifest["pyodide"], (runtime_dir / NPM_STDLIB).read_bytes(), sources)
    for name, (code, source_map) in minified.items():
        (dest / "minified" / f"{name}.js").write_text(code, encoding="utf-8")
        (dest / "minified" / f"{name}.map").write_text(source_map, encoding="utf-8")
    (dest / "src").mkdir()
    shutil.copyfile(REPO / "loader.js", dest / "src" / "loader.js")
    shutil.copytree(REPO / "web", dest / "src" / "web", ignore=shutil.ignore_patterns(".*", "__pycache__"))
    # The read-only rule editor the build adds to the folder (engine/tools/edit.py).
    from engine.tools.edit import copy_editor_sources

    copy_editor_sources(dest / "editor")
    (dest / "vendor").mkdir()
    for name in ("purify.min.js", "purify.min.js.map"):
        shutil.copyfile(NODE_MODULES / PURIFY.with_name(name), dest / "vendor" / name)
    pin = source.pyodide_pin()
    info = {
        "pyodide": {"name": pin.name, "version": pin.version, "integrity": pin.integrity},
        "engineFiles": [name for name, _ in source.engine_files()],
        "engineWheel": Path(engine_wheel).name,
        "runtimeKey": key,
    }
    (dest / "prebuilt.json").write_text(json.dumps(info, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def make_manifest(
    pyodide_version: str, runtime_info: dict[str, Any], files: dict[str, Any], snapshot: bool
) -> dict[str, Any]:
    """What worker.js needs to boot: file names and sha256, and an inline lockfile.

    `id` names this exact combination of runtime and zips; the worker keys its memory
    snapshot by it, so a snapshot never outlives the files it was made from.
    """
    ident = hashlib.sha256(
        json.dumps([pyodide_version, files], sort_keys=True).encode()
    ).hexdigest()[:16]
    return {
        "version": 1,
        "id": ident,
        "pyodide": pyodide_version,
        "runtime": f"pyodide/{pyodide_version}/",
        "stdlib": files["stdlib"],
        "site": files["site"],
        "fallback": files["fallback"],
        # loadPyodide wants a lockfile; ours names no packages (they are in the site zip),
        # and inlining it saves a request.
        "lock": {"info": {**runtime_info, "version": pyodide_version}, "packages": {}},
        "snapshot": bool(snapshot),
        # Imported before the snapshot is taken, so that no visit pays for them again.
        "snapshotImports": list(SNAPSHOT_IMPORTS),
    }


# --------------------------------------------------------------------------- output folder


def _looks_like_build(folder: Path) -> bool:
    # manifest.json since the compiled runtime; pyodide/pyodide-lock.json before it.
    return (folder / "loader.js").is_file() and (
        (folder / "manifest.json").is_file() or (folder / "pyodide" / "pyodide-lock.json").is_file()
    )


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


def _copy_web(source: Source, dest: Path, manifest: dict[str, Any]) -> list[Script]:
    """Copy web/ but its scripts to `dest`; return the scripts to write (the manifest
    inlined into worker.js), as `write_scripts` takes them."""
    web = source.root / "web"
    worker = web / "worker.js"
    if not worker.is_file():
        raise BuildError(f"{worker} is missing; restore the repository's web/ folder.")
    shutil.copytree(web, dest, ignore=shutil.ignore_patterns(".*", "__pycache__", "*.js", "*.py"))
    # DOMPurify as its package ships it, minified; its sourceMappingURL names the map: ship
    # it so developer tools find it.
    purify = ensure_node_modules() / PURIFY.parent if source.checkout else source.root.parent / "vendor"
    for name in ("purify.min.js", "purify.min.js.map"):
        shutil.copyfile(purify / name, dest / name)
    text = worker.read_text(encoding="utf-8")
    if text.count(MANIFEST_PLACEHOLDER) != 1:
        raise BuildError(
            f"{worker} must hold the placeholder {MANIFEST_PLACEHOLDER!r} exactly once; the "
            "build replaces it with the manifest. Restore it (git checkout web/worker.js)."
        )
    inline = json.dumps(manifest, sort_keys=True, separators=(",", ":"))
    scripts = []
    for path in sorted(web.rglob("*.js")):  # web/chat/*.js too: the chat adapters
        code = path.read_text(encoding="utf-8")
        if path == worker:
            code = code.replace(MANIFEST_PLACEHOLDER, inline)
        scripts.append(Script(f"web/{path.relative_to(web).as_posix()}", code, module=True))
    return scripts


# --------------------------------------------------------------------------- scripts


@dataclass(frozen=True)
class Script:
    """A script the build writes: its path in the folder, its text, and whether it is an
    ES module (web/*.js) or a classic script (loader.js)."""

    path: str
    source: str
    module: bool


def source_map_name(path: str) -> str:
    """What a source map calls the original of `path` ("loader.js", "web/ui.js").

    The map embeds the source itself (sourcesContent). The name, relative to the map, puts
    every original under the folder's `src/` in the browser's developer tools
    (`src/loader.js`, `src/web/ui.js`): a URL of its own, not the minified file's. Nothing
    is served there.
    """
    return "../" * path.count("/") + "src/" + path


def write_scripts(
    folder: Path,
    scripts: list[Script],
    minify: Callable[[list[Script]], list[tuple[str, str]]] | None,
) -> None:
    """Write `scripts` into `folder`: minified by `minify` (esbuild's output: code and
    source map), each with its source map next to it (`loader.js.map`, named by a
    `//# sourceMappingURL=` comment), or as they are when `minify` is None."""
    if minify is None:
        for script in scripts:
            (folder / script.path).write_text(script.source, encoding="utf-8")
        return
    minified = minify(scripts)
    for script, (code, source_map) in zip(scripts, minified, strict=True):
        name = script.path.rsplit("/", 1)[-1]
        (folder / script.path).write_text(
            f"{code}//# sourceMappingURL={name}.map\n", encoding="utf-8"
        )
        (folder / f"{script.path}.map").write_text(source_map, encoding="utf-8")


def minify_scripts(node_modules: Path, scripts: list[Script]) -> list[tuple[str, str]]:
    """(minified code, source map JSON) of each script, from esbuild's transform API.

    Identifiers are renamed only where nothing outside can see them: a module's exports
    keep their names, properties (`window.engage`, `m.createUI`) are never renamed, and
    loader.js's code stays inside its function. Comments go, `/*! ... */` ones included:
    ours are descriptions, not licences (purify.min.js is copied with its own).
    """
    node = shutil.which("node")
    if node is None:
        raise BuildError(
            "the build minifies loader.js and web/*.js with esbuild under Node.js, and `node` "
            "is not on PATH; install Node.js, or build with --no-minify."
        )
    job = {
        "esbuild": str(node_modules / ESBUILD),
        "files": [
            {
                "path": s.path,
                "source": s.source,
                "options": {
                    "loader": "js",
                    "minify": True,
                    "sourcemap": "external",
                    "sourcefile": source_map_name(s.path),
                    "sourcesContent": True,
                    "legalComments": "none",
                    "charset": "ascii",
                    **(
                        {"format": "esm", "target": MODULE_TARGET}
                        if s.module
                        # No format: the classic script is kept as one (no module syntax).
                        else {"target": LOADER_TARGET, "supported": {"dynamic-import": True}}
                    ),
                },
            }
            for s in scripts
        ],
    }
    result = subprocess.run(
        [node, "-e", _MINIFY_DRIVER], input=json.dumps(job), capture_output=True, text=True,
        check=False, timeout=300,
    )  # fmt: skip
    if result.returncode != 0:
        raise BuildError(
            f"minifying loader.js and web/*.js with esbuild failed (exit {result.returncode}):\n"
            f"{result.stderr.strip()[-3000:]}\nFix the file it names (or build with --no-minify)."
        )
    for line in result.stderr.splitlines():  # esbuild's warnings
        print(f"engine build: {line}", file=sys.stderr)
    minified = json.loads(result.stdout)
    return [(str(m["code"]), str(m["map"])) for m in minified]


# Run by `node -e` with a job on stdin (see minify_scripts); prints [{code, map}, ...].
_MINIFY_DRIVER = r"""
const fs = require("node:fs");
const job = JSON.parse(fs.readFileSync(0, "utf8"));
const esbuild = require(job.esbuild);
const out = [];
for (const file of job.files) {
  try {
    const result = esbuild.transformSync(file.source, file.options);
    for (const w of result.warnings) console.error(`${file.path}: warning: ${w.text}`);
    out.push({ code: result.code, map: result.map });
  } catch (error) {
    console.error(`${file.path}: ${error.message}`);
    process.exit(1);
  }
}
process.stdout.write(JSON.stringify(out));
"""


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
    package = _read_json(REPO / "package.json")
    deps: dict[str, str] = {**package.get("devDependencies", {}), **package.get("dependencies", {})}
    return deps


def _pyodide_version(node_modules: Path) -> str:
    return str(_read_json(node_modules / "pyodide" / "package.json")["version"])


def _node_modules_ok(node_modules: Path) -> bool:
    needed = (*PYODIDE_RUNTIME_FILES, NPM_STDLIB, "pyodide-lock.json")
    if not all((node_modules / "pyodide" / f).is_file() for f in needed):
        return False
    if not (node_modules / PURIFY).is_file():
        return False
    esbuild = node_modules / ESBUILD / "package.json"
    if not esbuild.is_file():
        return False
    # A checkout switched to another Pyodide (or esbuild) pin must not ship the old one.
    pinned = _pinned_npm_versions()
    if _read_json(esbuild).get("version") != pinned.get("esbuild"):
        return False
    return _pyodide_version(node_modules) == pinned.get("pyodide")


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
    command += ["--prefer-offline", "--no-audit", "--no-fund"]  # the lockfile's tarballs from npm's cache when it has them
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
            f"runtime ({', '.join(PYODIDE_RUNTIME_FILES)}), {PURIFY} or the pinned esbuild; "
            "check package.json."
        )
    return NODE_MODULES


# --------------------------------------------------------------------------- site packages


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
    prebuilt = REPO / "engine" / "tools" / PREBUILT  # data, made by prebuild()
    for folder in sorted({p.parent for p in (REPO / "engine").rglob("*.py")}):
        if "__pycache__" in folder.parts or folder.is_relative_to(prebuilt):
            continue
        if folder not in listed:
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


def site_sources(engine_files: list[tuple[str, Path]], wheels: list[Path]) -> dict[str, bytes]:
    """Archive name -> bytes of everything the engine runs on under Pyodide.

    The engine's own package files but its tooling, then the files of each pinned
    dependency's wheel, without tests, entry points, stubs and packaging metadata.
    """
    files = {
        arcname: source.read_bytes()
        for arcname, source in engine_files
        if not is_tooling(arcname)
    }
    if "engine/__init__.py" not in files:
        raise BuildError(
            f"{REPO / 'engine' / '__init__.py'} is missing; the engine package cannot be imported without it."
        )
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as whl:
            for info in whl.infolist():
                if info.is_dir() or _SITE_EXCLUDE.search(info.filename):
                    continue
                if info.filename in files:
                    raise BuildError(
                        f"{wheel.name} and another package both hold {info.filename}; "
                        "they cannot share one zip."
                    )
                files[info.filename] = whl.read(info)
    return dict(sorted(files.items()))


# --------------------------------------------------------------------------- engine wheel


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
    files = [
        (arcname, source.read_bytes())
        for arcname, source in _package_files(project)
        if not is_tooling(arcname)
    ]
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
            b"Wheel-Version: 1.0\nGenerator: engine.tools.build\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
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


# --------------------------------------------------------------------------- lockfile


def write_lockfile(
    path: Path,
    runtime_info: dict[str, Any],
    pyodide_version: str,
    wheels: list[Path],
    wheels_dir: Path,
    base_url: str = "../wheels/",
) -> None:
    """Write a Pyodide lockfile that lists exactly `wheels`, with their sha256.

    The lockfile sits next to the runtime and names the wheels by `base_url` + name,
    relative to it (pyodide/<version>/ names them ../../wheels/…).
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
        spec = add_wheels_to_spec(empty, wheels, base_path=wheels_dir, base_url=base_url)
    except (RuntimeError, ImportError) as exc:
        raise BuildError(f"cannot write {path.name}: {exc}") from exc
    data = spec.model_dump()
    for package in data["packages"].values():
        # file_name is a URL relative to the lockfile: "+" in a local version must not
        # reach servers that read it as a space.
        package["file_name"] = quote(package["file_name"])
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- compiled runtime


def probe_messages() -> list[dict[str, Any]]:
    """Protocol messages that walk the engine through its code paths at build time.

    The build imports what these make the engine import; the shared cases
    (tests/cases/*.json) cover every condition type, schedules with time zones, device
    detection, invalid configs and bad facts. The static import scan that follows is the
    safety net for code paths they miss.
    """
    messages: list[dict[str, Any]] = [{"v": 1, "kind": "facts", "facts": []}]
    for path in sorted((REPO / "tests" / "cases").glob("*.json")):
        document = _read_json(path)
        configs = document.get("configs", {})
        for case in document.get("cases", []):
            config = case.get("config")
            state = case.get("state")
            messages.append({"v": 1, "kind": "init", "config": configs.get(config, config) if isinstance(config, str) else config,
                             "configError": None, "state": state, "seed": case.get("seed", ""), "facts": []})  # fmt: skip
            messages += [{"v": 1, "kind": "facts", "facts": s.get("facts", [])} for s in case.get("steps", [])]
    demo = REPO / "demo-site" / "rules.json"
    if demo.is_file():
        messages.append({"v": 1, "kind": "init", "config": _read_json(demo), "configError": None,
                         "state": None, "seed": "probe", "facts": []})  # fmt: skip
    messages += [
        {"v": 1, "kind": "init", "config": None, "configError": "probe", "state": None, "facts": []},
        {"v": 1, "kind": "init", "config": {"version": 1, "rules": [{"name": 1}]}, "state": None, "facts": []},
        {"v": 1, "kind": "facts", "facts": [{"type": "nonsense"}, {"type": "page"}]},
        {"v": 2, "kind": "bogus"},
    ]  # fmt: skip
    return messages


def compiled_runtime(
    node_modules: Path, sources: dict[str, bytes], probe: list[dict[str, Any]]
) -> tuple[bytes, bytes, bytes]:
    """(stdlib zip, site zip, fallback zip), made by the pinned Pyodide under Node.js.

    The first two hold .pyc only, trimmed to what the build saw Pyodide and the engine
    import; the fallback zip holds the complete standard library and site packages as
    source, for the rare import the trimmed zips cannot answer (see _fallback_module).
    Cached under .cache/runtime/ by everything that goes into them, so a rebuild with
    unchanged inputs takes no time.
    """
    pyodide_dir = node_modules / "pyodide"
    npm_stdlib = (pyodide_dir / NPM_STDLIB).read_bytes()
    key = hashlib.sha256()
    for part in (
        _pyodide_version(node_modules).encode(),
        npm_stdlib,
        json.dumps(probe, sort_keys=True).encode(),
        _NODE_DRIVER.encode(),
        _PYODIDE_SIDE.encode(),
        _fallback_module().encode(),
        repr((_CODECS, _SITE_ALWAYS, _STDLIB_EXACT_LINES, _SITE_EXACT_LINES)).encode(),
    ):
        key.update(hashlib.sha256(part).digest())
    for arcname, data in sources.items():
        key.update(arcname.encode() + b"\0" + hashlib.sha256(data).digest())
    cached = RUNTIME_CACHE / key.hexdigest()[:24]
    names = ("stdlib.zip", "site.zip", "fallback.zip")
    if not all((cached / name).is_file() for name in names):
        _compile_runtime(pyodide_dir, sources, probe, cached)
    stdlib, site, fallback = ((cached / name).read_bytes() for name in names)
    return stdlib, site, fallback


def _compile_runtime(
    pyodide_dir: Path, sources: dict[str, bytes], probe: list[dict[str, Any]], dest: Path
) -> None:
    node = shutil.which("node")
    if node is None:
        raise BuildError(
            "the build compiles the Python runtime with Pyodide under Node.js, and `node` is "
            "not on PATH; install Node.js (it comes with npm) and build again."
        )
    with tempfile.TemporaryDirectory(prefix="engage-runtime-") as tmp:
        work = Path(tmp)
        (work / "site-src.zip").write_bytes(_zip(sources.items()))
        (work / "probe.json").write_text(json.dumps(probe), encoding="utf-8")
        (work / "side.py").write_text(_PYODIDE_SIDE, encoding="utf-8")
        (work / "driver.mjs").write_text(_NODE_DRIVER, encoding="utf-8")
        job = {
            "pyodide": (pyodide_dir / "pyodide.mjs").as_uri(),
            "indexURL": str(pyodide_dir) + "/",
            "work": str(work),
            "codecs": list(_CODECS),
            "siteAlways": list(_SITE_ALWAYS),
            "stdlibLines": _STDLIB_EXACT_LINES,
            "siteExactLines": list(_SITE_EXACT_LINES),
            "fallbackModule": _fallback_module(),
        }
        (work / "job.json").write_text(json.dumps(job), encoding="utf-8")
        result = subprocess.run(
            [node, str(work / "driver.mjs"), str(work / "job.json")],
            capture_output=True, text=True, check=False, timeout=600,
        )  # fmt: skip
        if result.returncode != 0 or not (work / "site.zip").is_file():
            output = (result.stderr or result.stdout).strip()
            # Pyodide's Node errors quote its minified source; the Python traceback is enough.
            output = "\n".join(line for line in output.splitlines() if len(line) < 2000)
            raise BuildError(
                "compiling the Python runtime with Pyodide under Node.js failed "
                f"(exit {result.returncode}):\n{output[-3000:]}"
            )
        # Written beside `dest` and renamed into place, so that builds running at the same
        # time (parallel test workers) never read a half-written cache entry.
        dest.parent.mkdir(parents=True, exist_ok=True)
        staged = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
        staged.chmod(0o755)
        (staged / "fallback.zip").write_bytes(fallback_zip(sources, (pyodide_dir / NPM_STDLIB).read_bytes()))
        for name in ("stdlib.zip", "site.zip", "report.json"):
            shutil.copy2(work / name, staged / name)
        if not all((dest / name).is_file() for name in ("stdlib.zip", "site.zip", "fallback.zip")):
            shutil.rmtree(dest, ignore_errors=True)  # an incomplete entry (an interrupted build)
        try:
            staged.rename(dest)
        except OSError:  # another build put the same entry in place first
            shutil.rmtree(staged, ignore_errors=True)


def _zip(files: Iterable[tuple[str, bytes]], compression: int = zipfile.ZIP_STORED) -> bytes:
    """A deterministic zip of (name, bytes); members stored (uncompressed) by default."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for arcname, data in sorted(files):
            info = zipfile.ZipInfo(arcname, date_time=_ZIP_EPOCH)
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


# Run by `node driver.mjs job.json`: boots the pinned Pyodide (compiling without column
# tables, as -X no_debug_ranges), runs side.py in it with the work folder mounted at
# /work, and leaves stdlib.zip, site.zip and report.json there.
_NODE_DRIVER = r"""
import fs from "node:fs";
const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const { loadPyodide } = await import(job.pyodide);
const py = await loadPyodide({
  indexURL: job.indexURL,
  env: { PYTHONNODEBUGRANGES: "1" },
  stdout: (s) => process.stderr.write(s + "\n"),
});
py.FS.mkdirTree("/work");
py.FS.mount(py.FS.filesystems.NODEFS, { root: job.work }, "/work");
py.globals.set("JOB", py.toPy(job));
py.runPython(fs.readFileSync(job.work + "/side.py", "utf8"), { filename: "side.py" });
"""

# Runs inside Pyodide at build time (see compiled_runtime).
_PYODIDE_SIDE = r'''
import json, sys

# 1. What Pyodide and the engine import when they run: boot, every probe message, the
#    device parser, a formatted traceback. (Nothing else is imported before this.)
sys.path.insert(0, "/work/site-src.zip")
import engine._bridge as bridge

for message in json.load(open("/work/probe.json")):
    json.loads(bridge.handle(json.dumps(message)))
import user_agents

user_agents.parse("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15").is_tablet
try:
    raise ValueError("probe")
except ValueError:
    import traceback

    traceback.format_exc()
seen = set(sys.modules)
# Frozen into the interpreter: never read from the zip.
frozen = {n for n, m in sys.modules.items()
          if getattr(getattr(m, "__spec__", None), "origin", None) == "frozen"}

import ast, importlib.util, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

STDLIB = "/lib/python%d%d.zip" % sys.version_info[:2]
PREFIX = "/lib/python%d.%d/" % sys.version_info[:2]
SITE_SRC = "/work/site-src.zip"


def module_files(zf):
    # module name -> (archive name, is package), for the .py files of a zip
    found = {}
    for name in zf.namelist():
        if name.endswith("/__init__.py"):
            found[name[: -len("/__init__.py")].replace("/", ".")] = (name, True)
        elif name.endswith(".py"):
            found[name[:-3].replace("/", ".")] = (name, False)
    return found


stdlib, site = zipfile.ZipFile(STDLIB), zipfile.ZipFile(SITE_SRC)
std_modules, site_modules = module_files(stdlib), module_files(site)

# 2. The trimmed sets. Anything else is imported from the fallback zip on first use.
std_keep = {m for m in seen if m in std_modules} - frozen
std_keep |= {"encodings." + c for c in JOB["codecs"] if "encodings." + c in std_modules}
site_keep = {m for m in site_modules if m in seen or m.split(".")[0] in JOB["siteAlways"]}
fallback_names = sorted((set(std_modules) - std_keep) | (set(site_modules) - site_keep))


# 3. Compile to unchecked hash-based .pyc (no source to stat, no timestamps), without
#    docstrings (as -OO does, but asserts stay).
def strip_docstrings(tree):
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                node.body = body[1:] or [ast.copy_location(ast.Pass(), body[0])]
    return tree


def first_line_only(code):
    # Every instruction placed on the code object's first line: entries of up to 8 code
    # units, kind 13 (line, no columns), line delta 0.
    units = len(code.co_code) // 2
    table = bytearray()
    while units > 0:
        n = min(units, 8)
        table += bytes((0x80 | 13 << 3 | (n - 1), 0))
        units -= n
    consts = tuple(first_line_only(c) if isinstance(c, type(code)) else c for c in code.co_consts)
    return code.replace(co_linetable=bytes(table), co_consts=consts)


def compiled(name, source, arcname, where, exact_lines=True):
    tree = strip_docstrings(ast.parse(source, where + arcname))
    code = compile(tree, where + arcname, "exec", dont_inherit=True)
    if not exact_lines:
        code = first_line_only(code)
    return arcname + "c", _code_to_hash_pyc(code, importlib.util.source_hash(source), False)


def write(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
        for arcname, data in sorted(members):
            info = zipfile.ZipInfo(arcname, (1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            out.writestr(info, data)


std_members = [compiled(m, stdlib.read(std_modules[m][0]), std_modules[m][0], PREFIX, JOB["stdlibLines"])
               for m in sorted(std_keep)]
where = PREFIX + "site-packages/"
site_members = [compiled(m, site.read(site_modules[m][0]), site_modules[m][0], where,
                         m.split(".")[0] in JOB["siteExactLines"])
                for m in sorted(site_keep)]
site_members += [(n, site.read(n)) for n in site.namelist() if not n.endswith((".py", "/"))]
fallback = JOB["fallbackModule"].replace("NAMES = frozenset()", "NAMES = frozenset(%r)" % (fallback_names,))
site_members.append(compiled("_engage_fallback", fallback.encode(), "_engage_fallback.py", where))
write("/work/stdlib.zip", std_members)
write("/work/site.zip", site_members)
json.dump({"stdlib": sorted(std_keep), "site": sorted(site_keep), "fallback": fallback_names,
           "seen": sorted(seen)}, open("/work/report.json", "w"), indent=1)
'''

# web/_engage_fallback.py, compiled into the site zip as _engage_fallback; the worker calls
# configure(url, sha256). The build keeps only the modules seen at build time; that finder
# imports any other module of the standard library or of the site packages from the
# complete fallback zip, which it fetches (synchronously, as an import must) and checks on
# the first such import. It runs in the browser's worker only, which is why it lives with
# the browser shell in web/ and not in the engine package.
def _fallback_module() -> str:
    return (REPO / "web" / "_engage_fallback.py").read_text(encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

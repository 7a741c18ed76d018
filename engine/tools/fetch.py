"""Pinned downloads the build needs: the Pyodide runtime and the wheels the browser gets.

Each is named by a pin shipped in the package (the npm tarball's sha512 `integrity`, each
wheel's sha256), fetched over HTTPS from its registry, checked before anything reads it,
and cached in the user's cache directory (`platformdirs.user_cache_dir("engage-engine")`,
`~/.cache/engage-engine` on Linux; `XDG_CACHE_HOME` moves it), so a second build needs no
network. A machine with no network at all is pointed at an unpacked runtime with
`--runtime DIR` or `ENGAGE_RUNTIME=DIR`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The files of the npm package `pyodide` that a build uses: the runtime the worker loads,
# the standard library and lockfile of a standard distribution, and its package.json
# (which names the version).
RUNTIME_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
    "package.json",
)
RUNTIME_ENV = "ENGAGE_RUNTIME"
NPM_REGISTRY = "https://registry.npmjs.org"
TIMEOUT = 120  # seconds, per download


class FetchError(Exception):
    """A download that cannot be made or checked; the message says what to do instead."""


@dataclass(frozen=True)
class NpmPin:
    """An npm package pinned by version and Subresource-Integrity string (sha512-...)."""

    name: str
    version: str
    integrity: str

    @property
    def url(self) -> str:
        return f"{NPM_REGISTRY}/{self.name}/-/{self.name}-{self.version}.tgz"


@dataclass(frozen=True)
class WheelPin:
    """A pure-Python wheel the browser gets, pinned by file name, URL and sha256."""

    name: str
    version: str
    filename: str
    url: str
    sha256: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WheelPin:
        return cls(**{k: str(data[k]) for k in ("name", "version", "filename", "url", "sha256")})


def cache_dir() -> Path:
    """Where downloads are kept between builds."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("engage-engine", appauthor=False))


def integrity_ok(data: bytes, integrity: str) -> bool:
    """Whether `data` matches a Subresource-Integrity string such as "sha512-BASE64"."""
    algorithm, _, expected = integrity.partition("-")
    if algorithm not in ("sha256", "sha384", "sha512"):
        return False
    return hashlib.new(algorithm, data).digest() == base64.b64decode(expected)


def _download(url: str, what: str, offline_hint: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "engage-engine build"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            data: bytes = response.read()
            return data
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise FetchError(f"cannot download {what} from {url} ({reason}). {offline_hint}") from None


def write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(path)


# --------------------------------------------------------------------------- Pyodide


def runtime_complete(folder: Path, version: str) -> bool:
    """Whether `folder` holds the unpacked runtime files of Pyodide `version`."""
    if not all((folder / name).is_file() for name in RUNTIME_FILES):
        return False
    try:
        package = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(package, dict) and package.get("version") == version


def pyodide_runtime(pin: NpmPin, override: Path | None = None) -> Path:
    """A folder holding the unpacked files of the pinned Pyodide (RUNTIME_FILES).

    `override` (or else the ENGAGE_RUNTIME environment variable) names a folder to use as it
    is, e.g. an unpacked `package/` of the npm tarball copied to a machine without network.
    Otherwise the tarball is downloaded once, checked against `pin.integrity` and unpacked
    into the cache.
    """
    if override is None and os.environ.get(RUNTIME_ENV):
        override = Path(os.environ[RUNTIME_ENV])
    if override is not None:
        if not runtime_complete(override, pin.version):
            missing = [n for n in RUNTIME_FILES if not (override / n).is_file()]
            raise FetchError(
                f"{override} is not an unpacked Pyodide {pin.version} runtime "
                + (f"(missing {', '.join(missing)})" if missing else "(its package.json names another version)")
                + f"; unpack {pin.url} and point --runtime (or {RUNTIME_ENV}) at its package/ folder."
            )
        return override
    folder = cache_dir() / "pyodide" / pin.version
    stamp = folder / ".integrity"
    if runtime_complete(folder, pin.version) and stamp.is_file() and stamp.read_text() == pin.integrity:
        return folder
    tarball = cache_dir() / "npm" / f"{pin.name}-{pin.version}.tgz"
    data = tarball.read_bytes() if tarball.is_file() else b""
    if not integrity_ok(data, pin.integrity):
        data = _download(
            pin.url,
            f"the Pyodide {pin.version} runtime",
            "Is this machine offline? On one with network, `python -m engine build` caches the "
            f"runtime in {cache_dir()}; or download that file elsewhere, unpack it and pass its "
            f"package/ folder with --runtime DIR (or set {RUNTIME_ENV}=DIR).",
        )
        if not integrity_ok(data, pin.integrity):
            raise FetchError(
                f"{pin.url} does not match the integrity pinned in this package "
                f"({pin.integrity[:20]}...); it was not unpacked. Try again later, or report it."
            )
        write_atomically(tarball, data)
    staging = folder.with_name(f".{folder.name}.{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for name in RUNTIME_FILES:
            member = archive.extractfile(f"package/{name}")
            if member is None:
                raise FetchError(f"{pin.url} holds no package/{name}; it is not a Pyodide runtime.")
            (staging / name).write_bytes(member.read())
    (staging / ".integrity").write_text(pin.integrity)
    shutil.rmtree(folder, ignore_errors=True)
    try:
        staging.rename(folder)
    except OSError:
        # Another build unpacked it at the same moment: use theirs.
        shutil.rmtree(staging, ignore_errors=True)
        if not runtime_complete(folder, pin.version):
            raise
    return folder


# --------------------------------------------------------------------------- wheels


def pinned_wheel(pin: WheelPin) -> Path:
    """The cached wheel of `pin`, downloaded and checked against its sha256 first if needed."""
    path = cache_dir() / "wheels" / pin.filename
    if path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == pin.sha256:
        return path
    data = _download(
        pin.url,
        f"the wheel {pin.filename}",
        f"Is this machine offline? Build once on a machine with network (the wheels are cached in "
        f"{path.parent}), or copy {pin.filename} into that folder.",
    )
    if hashlib.sha256(data).hexdigest() != pin.sha256:
        raise FetchError(f"{pin.url} does not match the sha256 pinned in this package; not used.")
    write_atomically(path, data)
    return path

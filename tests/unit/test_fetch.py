"""Pinned downloads: the Pyodide tarball and the browser's wheels are checked before use,
cached in the user's cache directory, and replaced by --runtime/ENGAGE_RUNTIME offline."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from engine.tools import fetch
from engine.tools.fetch import FetchError, NpmPin, WheelPin
from engine.tools.serve import start_server


def _tarball(version: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name in fetch.RUNTIME_FILES:
            data = json.dumps({"version": version}).encode() if name == "package.json" else name.encode()
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A local npm registry serving one fake pyodide tarball; the cache in tmp_path."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(fetch.RUNTIME_ENV, raising=False)
    root = tmp_path / "registry"
    (root / "pyodide" / "-").mkdir(parents=True)
    data = _tarball("1.2.3")
    (root / "pyodide" / "-" / "pyodide-1.2.3.tgz").write_bytes(data)
    with start_server(root) as server:
        monkeypatch.setattr(fetch, "NPM_REGISTRY", server.url.rstrip("/"))
        yield root, NpmPin("pyodide", "1.2.3", _sri(data))


def test_runtime_is_checked_unpacked_and_cached(registry, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, pin = registry
    folder = fetch.pyodide_runtime(pin)
    assert folder.is_relative_to(fetch.cache_dir())
    assert (folder / "pyodide.asm.wasm").read_bytes() == b"pyodide.asm.wasm"
    # Offline now: the cache answers.
    monkeypatch.setattr(fetch, "NPM_REGISTRY", "http://127.0.0.1:9")
    assert fetch.pyodide_runtime(pin) == folder


def test_a_tarball_that_does_not_match_its_integrity_is_not_unpacked(registry) -> None:  # type: ignore[no-untyped-def]
    root, pin = registry
    (root / "pyodide" / "-" / "pyodide-1.2.3.tgz").write_bytes(_tarball("1.2.3") + b"x")
    with pytest.raises(FetchError, match="does not match the integrity"):
        fetch.pyodide_runtime(pin)
    assert not (fetch.cache_dir() / "pyodide" / "1.2.3").exists()


def test_offline_without_a_cache_says_how_to_give_the_runtime(registry, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, pin = registry
    monkeypatch.setattr(fetch, "NPM_REGISTRY", "http://127.0.0.1:9")
    with pytest.raises(FetchError) as error:
        fetch.pyodide_runtime(pin)
    assert "offline" in str(error.value)
    assert "--runtime DIR" in str(error.value) and fetch.RUNTIME_ENV in str(error.value)


def test_runtime_folder_given_by_option_or_environment(registry, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, pin = registry
    monkeypatch.setattr(fetch, "NPM_REGISTRY", "http://127.0.0.1:9")
    given = tmp_path / "unpacked"
    with tarfile.open(fileobj=io.BytesIO(_tarball("1.2.3"))) as archive:
        archive.extractall(given, filter="data")
    assert fetch.pyodide_runtime(pin, given / "package") == given / "package"
    monkeypatch.setenv(fetch.RUNTIME_ENV, str(given / "package"))
    assert fetch.pyodide_runtime(pin) == given / "package"
    with pytest.raises(FetchError, match=r"missing pyodide\.mjs"):
        fetch.pyodide_runtime(pin, tmp_path)
    with pytest.raises(FetchError, match="names another version"):
        fetch.pyodide_runtime(NpmPin("pyodide", "9.9.9", pin.integrity), given / "package")


def test_wheels_are_checked_against_their_sha256(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "pypi").mkdir()
    (tmp_path / "pypi" / "x-1-py3-none-any.whl").write_bytes(b"wheel bytes")
    good = hashlib.sha256(b"wheel bytes").hexdigest()
    with start_server(tmp_path / "pypi") as server:
        pin = WheelPin("x", "1", "x-1-py3-none-any.whl", server.url + "x-1-py3-none-any.whl", good)
        with pytest.raises(FetchError, match="does not match the sha256"):
            fetch.pinned_wheel(WheelPin(**{**pin.__dict__, "sha256": "0" * 64}))
        path = fetch.pinned_wheel(pin)
    assert path.read_bytes() == b"wheel bytes"
    assert fetch.pinned_wheel(pin) == path  # from the cache, the server gone


def test_build_takes_the_runtime_from_the_option_or_says_what_is_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from engine.tools.build import REPO, main

    runtime = REPO / "node_modules" / "pyodide"
    assert main([str(tmp_path / "a"), "--runtime", str(runtime), "--no-compress"]) == 0
    version = json.loads((runtime / "package.json").read_text())["version"]
    assert (tmp_path / "a" / "pyodide" / version / "pyodide.asm.wasm").read_bytes() == (runtime / "pyodide.asm.wasm").read_bytes()
    monkeypatch.setenv(fetch.RUNTIME_ENV, str(tmp_path / "empty"))
    assert main([str(tmp_path / "b"), "--no-compress"]) == 1
    error = capsys.readouterr().err
    assert f"engine build: error: {tmp_path / 'empty'} is not an unpacked Pyodide {version} runtime" in error
    assert not (tmp_path / "b").exists()

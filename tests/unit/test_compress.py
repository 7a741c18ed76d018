"""Precompressed files, the server that sends them, `build --report`, and reproducibility."""

from __future__ import annotations

import gzip
import json
import os
import urllib.request
from pathlib import Path

import brotli
import pytest

from engine.tools.build import main
from engine.tools.compress import MIN_SIZE, first_visit_files, precompress, visit_report
from engine.tools.serve import accepted_encodings, start_server


def test_br_and_gz_beside_every_file_above_1_kb(tmp_path: Path) -> None:
    big = "const x = 1;\n" * 200
    (tmp_path / "a.js").write_text(big)
    (tmp_path / "random.bin").write_bytes(bytes(range(256)) * 3 + bytes(300))
    (tmp_path / "small.js").write_text("x" * MIN_SIZE)
    assert precompress(tmp_path, tmp_path.parent / "cache") == 4
    assert (tmp_path / "random.bin.br").is_file() and (tmp_path / "random.bin.gz").is_file()
    assert brotli.decompress((tmp_path / "a.js.br").read_bytes()).decode() == big
    assert gzip.decompress((tmp_path / "a.js.gz").read_bytes()).decode() == big
    assert not (tmp_path / "small.js.br").exists() and not (tmp_path / "small.js.gz").exists()
    first = (tmp_path / "a.js.gz").read_bytes(), (tmp_path / "a.js.br").read_bytes()
    precompress(tmp_path)  # again, uncached: the same bytes (no timestamps)
    assert ((tmp_path / "a.js.gz").read_bytes(), (tmp_path / "a.js.br").read_bytes()) == first


def test_accept_encoding_parsing() -> None:
    assert accepted_encodings("gzip, deflate, br, zstd") == {"gzip", "deflate", "br", "zstd"}
    assert accepted_encodings("br;q=0, gzip;q=0.5") == {"gzip"}
    assert accepted_encodings(None) == set()


def test_server_sends_the_precompressed_copy_the_request_accepts(tmp_path: Path) -> None:
    text = "console.log('engage');\n" * 100
    (tmp_path / "a.js").write_text(text)
    (tmp_path / "plain.txt").write_text(text)
    precompress(tmp_path)
    (tmp_path / "plain.txt.br").unlink()
    (tmp_path / "plain.txt.gz").unlink()

    def get(path: str, accept: str | None) -> tuple[dict[str, str], bytes]:
        request = urllib.request.Request(server.url + path)
        if accept is not None:
            request.add_header("Accept-Encoding", accept)
        with urllib.request.urlopen(request) as response:
            return dict(response.headers), response.read()

    with start_server(tmp_path) as server:
        headers, body = get("a.js", "gzip, deflate, br")
        assert headers["Content-Encoding"] == "br" and headers["Vary"] == "Accept-Encoding"
        assert headers["Content-Type"].startswith("text/javascript")
        assert int(headers["Content-Length"]) == len(body) and brotli.decompress(body).decode() == text
        headers, body = get("a.js", "gzip")
        assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body).decode() == text
        headers, body = get("a.js", "br;q=0, gzip;q=0")
        assert "Content-Encoding" not in headers and body.decode() == text
        assert headers["Vary"] == "Accept-Encoding"
        headers, body = get("a.js", None)
        assert "Content-Encoding" not in headers and body.decode() == text
        headers, body = get("plain.txt", "br")
        assert "Content-Encoding" not in headers and "Vary" not in headers
        # a file replaced after the build: its stale copies are not sent
        (tmp_path / "a.js").unlink()
        (tmp_path / "a.js").write_text("replaced();\n" * 100)
        os.utime(tmp_path / "a.js.br", ns=(0, 0))
        os.utime(tmp_path / "a.js.gz", ns=(0, 0))
        headers, body = get("a.js", "gzip, br")
        assert "Content-Encoding" not in headers and body.decode().startswith("replaced();")


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    config = tmp_path_factory.mktemp("config") / "rules.json"
    config.write_text('{"version": 1, "rules": []}', encoding="utf-8")
    outs = []
    for name in ("first", "second"):
        out = tmp_path_factory.mktemp(name) / "engage"
        assert main([str(out), "--config", str(config)]) == 0
        outs.append(out)
    return outs[0], outs[1]


def test_two_builds_of_the_same_inputs_are_byte_identical(two_builds: tuple[Path, Path]) -> None:
    first, second = two_builds
    files = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file())
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    # every file above 1 KB has its compressed copies, none below
    for name in files:
        path = first / name
        if path.suffix in (".br", ".gz"):
            assert (first / name[:-3]).stat().st_size > MIN_SIZE, name
        elif path.stat().st_size > MIN_SIZE:
            assert (first / f"{name}.br").is_file() and (first / f"{name}.gz").is_file(), name


def test_manifest_names_every_version_with_sha256(two_builds: tuple[Path, Path]) -> None:
    import hashlib

    built = two_builds[0]
    versions = json.loads((built / "manifest.json").read_text())["versions"]
    assert versions["engine"]["version"] == "0.1.0"
    pinned = json.loads((Path(__file__).parents[2] / "engine" / "tools" / "browser-wheels.json").read_text())
    assert set(versions["packages"]) == {w["name"] for w in pinned["wheels"]}
    assert {"user-agents", "ua-parser", "tzdata", "fastjsonschema", "regexploit"} <= set(versions["packages"])
    for entry in [versions["engine"], *versions["packages"].values()]:
        assert hashlib.sha256((built / entry["wheel"]).read_bytes()).hexdigest() == entry["sha256"]
    runtime = built / "pyodide" / versions["pyodide"]["version"]
    for name, digest in versions["pyodide"]["files"].items():
        assert hashlib.sha256((runtime / name).read_bytes()).hexdigest() == digest


def test_report_counts_first_and_return_visits(two_builds: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    built = two_builds[0]
    report = visit_report(built)
    first, again = report["first visit"], report["return visit"]
    assert first.brotli < first.gzip < first.raw
    assert again.raw < first.raw / 50  # the runtime and zips come from the HTTP cache
    names = first_visit_files(built)
    assert "rules.json" in names and any(n.endswith("pyodide.asm.wasm") for n in names)
    assert first.raw == sum((built / n).stat().st_size for n in names)
    assert first.brotli == sum((built / f"{n}.br").stat().st_size for n in names if (built / f"{n}.br").exists()) + sum(
        (built / n).stat().st_size for n in names if not (built / f"{n}.br").exists())
    assert main([str(built), "--report"]) == 0
    out = capsys.readouterr().out
    assert "first visit" in out and "return visit" in out and "brotli" in out


def test_serve_dir_serves_that_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.tools import serve as serve_module

    calls: list[tuple[object, ...]] = []
    monkeypatch.setattr(serve_module, "build_demo", lambda demo, site: calls.append(("demo",)))
    monkeypatch.setattr(serve_module, "serve", lambda *args, **kwargs: calls.append(args))
    assert serve_module.main([str(tmp_path), "--port", "0"]) == 0
    assert calls == [(tmp_path, None, "127.0.0.1", 0)]  # no demo built
    assert serve_module.main([str(tmp_path / "missing")]) == 1

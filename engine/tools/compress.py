"""Precompressed copies of the built folder, and what a visit downloads.

`precompress(folder)` writes `NAME.br` (brotli, quality 11) and `NAME.gz` (gzip, level 9)
beside every file larger than MIN_SIZE, so a static server sends them as they are
(nginx `brotli_static`/`gzip_static`, Caddy `precompressed`, Apache MultiViews, an S3
upload with `Content-Encoding`, Netlify) instead of compressing on every request or not at
all. Every such file gets both copies, even one that hardly shrinks (a deflated wheel),
so a server set up for precompressed files always finds them. Both formats are written
deterministically (no timestamps), so a rebuild gives the same bytes.

`visit_report(folder)` sums what a visitor downloads on a first visit and on a return
visit, raw, gzip and brotli (`python -m engine build --report`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from engine.tools.fetch import write_atomically

MIN_SIZE = 1024  # bytes: smaller files gain less than a header's worth
ENCODINGS = {"br": ".br", "gzip": ".gz"}


def compress(data: bytes, suffix: str) -> bytes:
    """`data` as NAME.br (brotli, quality 11) or NAME.gz (gzip, level 9, no timestamp)."""
    if suffix == ".br":
        import brotli

        packed: bytes = brotli.compress(data, quality=11)
        return packed
    return gzip.compress(data, compresslevel=9, mtime=0)


def precompress(folder: Path, cache: Path | None = None) -> int:
    """Write .br and .gz beside each file of `folder` above MIN_SIZE; return how many.

    With `cache`, each copy is kept there by its input's sha256: brotli at quality 11 takes
    about a minute for the Pyodide runtime, which does not change between builds.
    """
    written = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix in (".br", ".gz") or path.stat().st_size <= MIN_SIZE:
            continue
        data = path.read_bytes()
        key = hashlib.sha256(data).hexdigest()
        for suffix in (".br", ".gz"):
            cached = cache / f"{key}{suffix}" if cache is not None else None
            if cached is not None and cached.is_file():
                packed = cached.read_bytes()
            else:
                packed = compress(data, suffix)
                if cached is not None:
                    write_atomically(cached, packed)
            path.with_name(path.name + suffix).write_bytes(packed)
            written += 1
    return written


@dataclass(frozen=True)
class Weight:
    files: int
    raw: int
    gzip: int
    brotli: int


def _weight(folder: Path, names: list[str]) -> Weight:
    raw = gz = br = 0
    for name in names:
        path = folder / name
        size = path.stat().st_size
        raw += size
        gz += _stored(path, ".gz", size)
        br += _stored(path, ".br", size)
    return Weight(len(names), raw, gz, br)


def _stored(path: Path, suffix: str, size: int) -> int:
    # What a server with precompressed files sends: the copy if there is one, else the file.
    packed = path.with_name(path.name + suffix)
    return packed.stat().st_size if packed.is_file() else size


def first_visit_files(folder: Path) -> list[str]:
    """The files a first visit downloads (paths relative to `folder`), from the manifest.

    The loader, the fact gatherers and the worker, the panel renderer with its styles and
    DOMPurify (a panel is shown), the config, the Pyodide runtime and the two compiled zips.
    Not fetched: the source maps, the debug overlay, the fallback zip (only for an import the
    build did not see), the wheels and the standard distribution (for PyScript pages).
    """
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    runtime = manifest["runtime"]
    names = [
        "loader.js", "web/observe.js", "web/worker.js", "web/ui.js", "web/panels.css",
        "web/purify.min.js", f"{runtime}pyodide.mjs", f"{runtime}pyodide.asm.mjs",
        f"{runtime}pyodide.asm.wasm", manifest["stdlib"]["url"], manifest["site"]["url"],
    ]  # fmt: skip
    if (folder / "rules.json").is_file():
        names.append("rules.json")
    return names


def visit_report(folder: Path) -> dict[str, Weight]:
    """Bytes on the wire for a first and a return visit.

    A return visit within the cache lifetime finds everything under pyodide/ in the HTTP
    cache (immutable, named by version or content) and revalidates the rest; counted here is
    the worst case, that the revalidated files all changed since (a new build or config).
    """
    first = first_visit_files(folder)
    again = [name for name in first if not name.startswith("pyodide/")]
    files = [p for p in folder.rglob("*") if p.is_file() and p.suffix not in (".br", ".gz")]
    everything = [p.relative_to(folder).as_posix() for p in files]
    return {
        "first visit": _weight(folder, first),
        "return visit": _weight(folder, again),
        "whole folder": _weight(folder, everything),
    }


def format_report(report: dict[str, Weight]) -> str:
    lines = [f"{'':<14}{'files':>6}{'raw':>12}{'gzip':>12}{'brotli':>12}"]
    for name, w in report.items():
        lines.append(
            f"{name:<14}{w.files:>6}{w.raw / 1e6:>9.2f} MB{w.gzip / 1e6:>9.2f} MB{w.brotli / 1e6:>9.2f} MB"
        )
    return "\n".join(lines)

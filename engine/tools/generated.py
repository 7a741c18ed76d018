"""The command line of a tool that writes a generated file of the repository."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path


def write_or_check(argv: list[str] | None, *, module: str, doc: str, out: Path,
                   render: Callable[[], str], source: str) -> int:  # fmt: skip
    """``python -m <module> [--check]``: rewrite ``out`` with ``render()``, or with ``--check``
    exit 1 if it differs (``source`` says what it is made from)."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        same = out.is_file() and out.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{out} differs from {source}; run python -m {module}")
        return 0 if same else 1
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out} ({len(text)} bytes)")
    return 0

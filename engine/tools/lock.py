"""The wheels the browser gets, pinned: `python -m engine.tools.lock` rewrites WHEELS_LOCK.

The build ships the engine's runtime dependencies (and theirs) to the browser as the exact
wheels named in `engine/tools/browser-wheels.json`: file name, URL and sha256 from PyPI.
In a checkout the build refuses to run when the versions installed in its Python differ
from the lock (so CPython tests and the browser run the same code); after changing a pin in
pyproject.toml, install it and run this command from the checkout.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from importlib import resources
from typing import Any

from engine.tools.fetch import WheelPin

WHEELS_LOCK = "browser-wheels.json"
SIMPLE_INDEX = "https://pypi.org/simple"


def locked_wheels() -> list[WheelPin]:
    """The pinned wheels, as shipped in the package."""
    data = json.loads((resources.files("engine.tools") / WHEELS_LOCK).read_text(encoding="utf-8"))
    return [WheelPin.from_json(entry) for entry in data["wheels"]]


def _pure_wheel(name: str, version: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{SIMPLE_INDEX}/{name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        files = json.load(response)["files"]
    for entry in files:
        filename = str(entry["filename"])
        parts = filename[:-4].split("-")
        if filename.endswith("-none-any.whl") and parts[1] == version and not entry.get("yanked"):
            return {"name": name, "version": version, "filename": filename,
                    "url": entry["url"], "sha256": entry["hashes"]["sha256"]}  # fmt: skip
    raise SystemExit(f"PyPI has no pure-Python wheel (…-none-any.whl) of {name} {version}")


def main() -> int:
    from engine.tools.build import REPO, ensure_node_modules, read_project, runtime_dependencies

    runtime_lock = json.loads((ensure_node_modules() / "pyodide" / "pyodide-lock.json").read_text())
    python_version = str(runtime_lock["info"]["python"])
    pinned = runtime_dependencies(read_project(), python_version)
    wheels = [_pure_wheel(name, version) for name, version in sorted(pinned.items())]
    path = REPO / "engine" / "tools" / WHEELS_LOCK
    path.write_text(json.dumps({"wheels": wheels}, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {path}: " + ", ".join(f"{w['name']} {w['version']}" for w in wheels))
    return 0


if __name__ == "__main__":
    sys.exit(main())

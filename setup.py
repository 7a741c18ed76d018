"""The package's build step: `python -m build` makes a wheel and an sdist that install and
run `python -m engine build` without this repository and without Node.js.

Before setuptools collects the package's files, `engine.tools.build.prebuild` writes
engine/tools/prebuilt/ (git ignores it): loader.js and web/*.js minified with esbuild and
their source maps, DOMPurify, the runtime zips compiled by the pinned Pyodide under
Node.js, the engine's browser wheel and the Pyodide pin (see docs/release.md). The sdist
carries that folder, so a wheel built from the sdist needs no Node.js: there the folder is
already present and no repository is around it. An editable install (`pip install -e .`)
skips the step: a checkout builds from its sources.
"""

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

HERE = Path(__file__).resolve().parent
PREBUILT = HERE / "engine" / "tools" / "prebuilt"


def make_prebuilt() -> None:
    if getattr(make_prebuilt, "done", False):
        return
    make_prebuilt.done = True  # type: ignore[attr-defined]
    if not (HERE / "loader.js").is_file():
        # An unpacked sdist: it ships the folder.
        if not (PREBUILT / "prebuilt.json").is_file():
            sys.exit(f"{PREBUILT} is missing: build the sdist from a checkout of the repository")
        return
    sys.path.insert(0, str(HERE))
    from engine.tools.build import BuildError, prebuild
    from engine.tools.fetch import FetchError

    try:
        prebuild(PREBUILT)
    except (BuildError, FetchError) as exc:
        sys.exit(f"engage-engine: making {PREBUILT} failed: {exc}")


class BuildPy(build_py):
    def run(self) -> None:
        if not getattr(self, "editable_mode", False):
            make_prebuilt()
        super().run()


class Sdist(sdist):
    def run(self) -> None:
        make_prebuilt()
        super().run()


setup(cmdclass={"build_py": BuildPy, "sdist": Sdist})

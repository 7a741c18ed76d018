"""Shared fixtures for browser tests: Debian Chromium, one engage build, static servers.

Tests get pytest-playwright's `browser`, `context` and `page` fixtures, launched on Debian's
Chromium, its headless shell where nothing is measured (HEADLESS_SHELL, below); Playwright's
own browser downloads are not available here.

scripts/test runs this folder on three pytest-xdist workers (`-n 3 --dist loadfile`): a
module stays on one worker, so its module fixtures are made once; the workers share one
engage build (`shared_build`). Tests marked `quiet` measure real time or real CPU and run
afterwards on their own, with no other worker beside them.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from bench.chromium import CHROMIUM, CHROMIUM_ARGS
from engine.tools.build import build
from engine.tools.chat_endpoint import ChatEndpoint
from engine.tools.serve import StaticServer, start_server
from tests.browser.demo_helpers import DEMO, WEDNESDAY_10, Demo
from tests.browser.kept import KeptContexts, SiteServer, prepare
from tests.browser.reliability_helpers import RECORDER

PAGES = Path(__file__).parent / "pages"


@pytest.fixture(scope="module", autouse=True)
def _reliability_table(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each module, its reliability observations go into .cache/reliability/ (if it ran any)."""
    yield
    RECORDER.flush(request.path.stem)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    browser_dir = Path(__file__).parent
    for item in items:
        if browser_dir in item.path.parents:
            item.add_marker(pytest.mark.browser)


# Most browser tests check what the engine and the shell do, not how fast a visitor's
# browser does it, and the suite is CPU-bound on two cores. So a session without `quiet`
# tests runs Chromium's headless shell (Debian's chromium-headless-shell: the same Blink and
# V8 without the browser's own layers, what Playwright itself runs headless tests on), which
# spent about 40 % less CPU per test (the demo module: 42 against 73 CPU seconds), and
# keeps Pyodide's WebAssembly in V8's baseline code (`--liftoff-only`): the optimising
# compile V8 runs in the background is about a third of a cold boot's CPU (2.7 against 3.7
# CPU seconds), warm boots unchanged. Sessions that hold a `quiet` test, which measures real
# time or CPU, run the browser visitors get, as bench/ does; so do modules that measure what
# a visitor sees (test_placement.py's layout shifts: `kept.module_browser_fixtures`).
HEADLESS_SHELL = Path(os.environ.get("ENGAGE_HEADLESS_SHELL", "/usr/bin/chromium-headless-shell"))
BASELINE_WASM_ONLY = ["--js-flags=--liftoff-only"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    if not CHROMIUM.is_file():
        pytest.skip(
            f"no Chromium at {CHROMIUM}; install it (apt-get install chromium) or set ENGAGE_CHROMIUM"
        )
    if any(item.get_closest_marker("quiet") for item in request.session.items):
        return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}
    # without the shell (scripts/setup --browser installs it) the tests run as well, slower
    executable = HEADLESS_SHELL if HEADLESS_SHELL.is_file() else CHROMIUM
    return {**browser_type_launch_args, "executable_path": str(executable), "args": CHROMIUM_ARGS + BASELINE_WASM_ONLY}


def shared_build(tmp_path_factory: pytest.TempPathFactory, name: str, config: Path | None = None) -> Path:
    """The engage folder `name`, built once per test run from this checkout.

    Under pytest-xdist each worker is a session of its own; the workers' temp folders share
    a parent, where the first worker to ask builds under a lock and the others wait for it
    and reuse the folder (build() swaps a finished folder in, so one that exists is whole).
    Tests never write into it: copies are hard links whose files are only replaced.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    out = root / f"shared-{name}" / "engage"
    with (root / f"shared-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (out / "manifest.json").is_file():
            build(out, config=config)
    return out


@pytest.fixture(scope="session")
def engage_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The engage folder, built once per run from this checkout."""
    return shared_build(tmp_path_factory, "engage-build")


@pytest.fixture(scope="session")
def site_server(engage_build: Path) -> Iterator[SiteServer]:
    """Start a server for a folder and return its base URL (ending in "/").

    `site_server(site_dir)` mounts the session's engage build at /engage/;
    `site_server(site_dir, engage_dir)` mounts another one (e.g. a deliberately broken
    copy). Servers are reused per (site_dir, engage_dir) and stopped at session end.
    """
    servers: dict[tuple[Path, Path], StaticServer] = {}

    def start(site_dir: Path = PAGES, engage_dir: Path | None = None) -> str:
        key = (Path(site_dir).resolve(), Path(engage_dir or engage_build).resolve())
        if key not in servers:
            servers[key] = start_server(key[0], key[1], chat=ChatEndpoint())  # POST /engage/chat
        return servers[key].url

    yield start
    for server in servers.values():
        server.stop()


@pytest.fixture
def broken_build(engage_build: Path, tmp_path: Path) -> Callable[..., Path]:
    """A copy of the engage build with one file removed, or replaced by `content`.

    `pattern` is a glob relative to the build folder and must match exactly one file.
    """

    def make(pattern: str, content: bytes | None = None) -> Path:
        out = tmp_path / "engage"
        # Hard links keep the 14 MB copy instant; files are only ever unlinked, never
        # written in place, so the session's build stays intact.
        shutil.copytree(engage_build, out, copy_function=os.link)
        (target,) = out.glob(pattern)
        target.unlink()
        if content is not None:
            target.write_bytes(content)
        return out

    return make


# ------------------------------------------------------------------ the demo shop
# Used by test_demo.py, test_behaviour_demo.py and test_controls_demo.py; the Demo page
# driver itself is in demo_helpers.py.


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("demo") / "site"
    shutil.copytree(DEMO, site)
    return site


@pytest.fixture(scope="session")
def demo_engage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The engage folder with the demo's rules.json, built once per run."""
    return shared_build(tmp_path_factory, "demo-engage", DEMO / "rules.json")


@pytest.fixture(scope="session")
def demo_url(site_server: SiteServer, demo_site: Path, demo_engage: Path) -> str:
    return site_server(demo_site, demo_engage)


@pytest.fixture(scope="session")
def kept_contexts(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[KeptContexts]:
    kept = KeptContexts(browser, browser_context_args)
    yield kept
    kept.close()


@pytest.fixture
def kept_page(kept_contexts: KeptContexts, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page in its module's kept context, in real time: a first-time visitor whose browser
    already holds the engine's runtime for the origins the module's tests visit."""
    key = request.module.__name__
    yield kept_contexts.take(key, {}, None, None).new_page()
    kept_contexts.release(key)


@pytest.fixture
def demo_factory(
    new_context: Callable[..., BrowserContext], kept_contexts: KeptContexts, demo_url: str
) -> Iterator[Callable[..., Demo]]:
    """demo_factory(at=..., base=..., init=..., **context_options) -> a Demo for a first-time visitor.

    Its context is one kept across tests (KeptContexts: the engine boots warm, the visitor
    is new); a second Demo with the same arguments in one test gets a context of its own.
    """
    made: list[Demo] = []
    taken: list[str] = []

    def make(
        at: datetime.datetime = WEDNESDAY_10,
        base: str | None = None,
        init: str | None = None,
        **options: Any,
    ) -> Demo:
        base = base or demo_url
        key = json.dumps({"base": base, "init": init, "options": options}, sort_keys=True, default=str)
        if key in taken:
            context = new_context(**options)
            prepare(context, init, at)
        else:
            context = kept_contexts.take(key, options, init, at)
            taken.append(key)
        demo = Demo(context.new_page(), base)
        made.append(demo)
        return demo

    yield make
    try:
        for demo in made:
            demo.check_no_page_errors()
    finally:
        for key in taken:
            kept_contexts.release(key)


@pytest.fixture
def demo(demo_factory: Callable[..., Demo]) -> Demo:
    """The demo at Wednesday 10:00 Oslo time with three sales advisers online."""
    d = demo_factory()
    d.storage(demo_agents="3")
    return d

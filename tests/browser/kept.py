"""Browser contexts kept across tests (see KeptContexts), and the fixtures a module uses
to run its tests in one: what makes most browser tests boot the engine warm."""

from __future__ import annotations

import datetime
import itertools
import shutil
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from tests.browser.demo_helpers import install_clock

SiteServer = Callable[..., str]

# Visitor storage a kept context forgets between tests: everything but Cache Storage, where
# the engine keeps its runtime snapshot (runtime, not visitor state: docs/performance.md).
VISITOR_STORAGE = "cookies,file_systems,indexeddb,local_storage,service_workers,shared_storage,storage_buckets,websql"


class KeptContexts:
    """Browser contexts kept across a worker's tests, one per (site, init script, options).

    A fresh context starts the engine cold: Pyodide's WebAssembly compiled, Python started
    (about three CPU seconds on this machine). A kept one starts it as a returning visitor's
    browser does, from the HTTP cache and the snapshot in Cache Storage (about one). Before a
    kept context is handed to the next test, its pages are closed, every origin they visited
    forgets its visitor storage (VISITOR_STORAGE) and its clock is installed again: the test
    sees a first-time visitor, with only the runtime already in the browser. Tests that ask for
    the same key twice get a fresh context the second time (two visitors stay two).
    """

    def __init__(self, browser: Browser, context_args: dict[str, Any]) -> None:
        self._browser = browser
        self._context_args = context_args
        self._kept: dict[str, tuple[BrowserContext, set[str]]] = {}

    def take(self, key: str, options: dict[str, Any], init: str | None, at: datetime.datetime | None) -> BrowserContext:
        """The context for `key`, its pages closed, its visitor forgotten, its clock at `at`
        (None: real time, for a key whose tests never install a clock)."""
        if key not in self._kept:
            context = self._browser.new_context(**self._context_args, **options)
            origins: set[str] = set()

            def watch(page: Page) -> None:
                page.on("framenavigated", lambda frame: origins.add(_origin(frame.url)))

            context.on("page", watch)
            prepare(context, init, at)
            self._kept[key] = (context, origins)
            return context
        context, origins = self._kept[key]
        blank = context.new_page()
        cdp = context.new_cdp_session(blank)
        for origin in origins - {""}:
            cdp.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": VISITOR_STORAGE})
        cdp.detach()
        blank.close()
        origins.clear()
        context.clear_cookies()
        if at is not None:
            context.clock.install(time=at)
            context.clock.pause_at(at)
        return context

    def release(self, key: str) -> None:
        context, _ = self._kept[key]
        for page in context.pages:
            page.close()

    def close(self) -> None:
        for context, _ in self._kept.values():
            context.close()


def prepare(context: BrowserContext, init: str | None, at: datetime.datetime | None) -> None:
    """A new context as the tests use it: the test's init script, then
    demo_helpers.install_clock (the event recorder and a clock paused at `at`) unless `at`
    is None (real time, no recorder)."""
    if init:
        context.add_init_script(init)
    if at is not None:
        install_clock(context, at)


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


def one_origin(site_server: SiteServer, root: Path) -> SiteServer:
    """A `site_server` for a module whose tests each write a site folder: each folder is
    copied under `root`, served by one server, so the module's tests share an origin (and
    with `kept_page`, a warm engine). Mounting another engage folder needs its own server."""
    base = site_server(root)
    names = itertools.count()

    def mount(site_dir: Path, engage_dir: Path | None = None) -> str:
        assert engage_dir is None, "one_origin serves the session's engage build only"
        name = f"site-{next(names)}"
        shutil.copytree(site_dir, root / name)
        return f"{base}{name}/"

    return mount


def kept_site_fixtures(folder: str) -> tuple[Any, Any]:
    """`site_server` and `page` for a module whose tests each write a site folder:
    `site_server, page = kept_site_fixtures("name")` at the module's top level. The folders
    share one origin (`one_origin`) and each test's page is a new visitor in the module's
    kept context (`kept_page`), so the engine boots warm."""

    @pytest.fixture(scope="module", name="site_server")
    def shared_site_server(site_server: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> SiteServer:
        return one_origin(site_server, tmp_path_factory.mktemp(folder))

    @pytest.fixture(name="page")
    def kept_visitor_page(kept_page: Page) -> Page:
        return kept_page

    return shared_site_server, kept_visitor_page


def module_browser_fixtures(executable: Path | None, args: list[str]) -> tuple[Any, Any]:
    """`browser` and `kept_contexts` for a module that needs a Chromium other than the
    session's: `browser, kept_contexts = module_browser_fixtures(CHROMIUM, ARGS)` at the
    module's top level (`executable` None: the session's executable, with other `args`).
    The module's `page`, `kept_page` and demo contexts then come from that browser."""

    @pytest.fixture(scope="module", name="browser")
    def module_browser(playwright: Playwright, browser_type_launch_args: dict[str, Any]) -> Any:
        options = {**browser_type_launch_args, "args": args}
        if executable is not None:
            options["executable_path"] = str(executable)
        launched = playwright.chromium.launch(**options)
        yield launched
        launched.close()

    @pytest.fixture(scope="module", name="kept_contexts")
    def module_kept_contexts(browser: Browser, browser_context_args: dict[str, Any]) -> Any:
        kept = KeptContexts(browser, browser_context_args)
        yield kept
        kept.close()

    return module_browser, module_kept_contexts

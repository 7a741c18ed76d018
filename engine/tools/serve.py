"""A small static file server for sites, the demo and the browser tests: `python -m engine serve`.

`python -m engine serve DIR` serves a folder, e.g. a site with the built engage folder in
it, to try it locally. Without DIR, in a checkout of the repository, it copies demo-site/
to build/site/, builds the engage folder into build/site/engage/ with
demo-site/rules.json as its config, and serves build/site/.

Where the build left a precompressed copy beside a file (NAME.br, NAME.gz), it is sent
instead when the request's Accept-Encoding allows it (brotli first), with
`Content-Encoding` and `Vary: Accept-Encoding`, as nginx's brotli_static/gzip_static do;
a copy older than its file (the file was replaced after the build, as tests do) is not.
Tests call `start_server()` to serve any folder on a free port from a background thread,
optionally with a built engage folder mounted at /engage/.

Caching mirrors what a site owner should configure (docs/performance.md): what the build
writes under pyodide/ and wheels/ is named by its version or its content and never changes
under a given URL, so it is cached for a year as immutable (lockfiles excepted);
everything else is revalidated on every load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import threading
from collections.abc import Mapping
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from engine.tools.build import NODE_MODULES, REPO, BuildError, Source, build

ENGAGE_PREFIX = "/engage"
# The strictest policy the engine runs under (docs/reliability.md, README): no inline script,
# no eval, no inline style; WebAssembly compilation allowed; Trusted Types enforced, with the
# loader's one policy, "engage". `python -m engine serve --csp` sends it with every response.
STRICT_CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; worker-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'; "
    "require-trusted-types-for 'script'; trusted-types engage"
)
# The rule playground (demo-site/playground.html, docs/playground.md) cannot run under
# STRICT_CSP: PyScript compiles code at run time (its hooks with Function()), which needs
# 'unsafe-eval' and, where Trusted Types are required, a policy it does not create (Chromium
# refuses the string before the eval check). The page is an authoring tool,
# never a shop page, so under --csp it alone gets the policy it also carries in its <meta>
# tag (plus frame-ancestors, which only a header can set): everything from this origin,
# eval allowed, no Trusted Types. What it loads (PyScript's modules under /pyscript/,
# Pyodide, its assets) runs in the page, under the page's policy, so the rest of the site,
# /pyscript/ included, keeps STRICT_CSP.
PLAYGROUND_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'none'"
)
# What `python -m engine serve --csp` sends: CSP_HEADERS with every response, except the
# paths in CSP_PATH_HEADERS, which get theirs instead.
CSP_HEADERS = {"Content-Security-Policy": STRICT_CSP}
CSP_PATH_HEADERS = {"/playground.html": {"Content-Security-Policy": PLAYGROUND_CSP}}
# The rule editor (docs/editor.md): its engine frame runs PyScript like the playground,
# and both its frames (engine.html, preview.html) are framed by the editor page.
EDITOR_FRAME_CSP = PLAYGROUND_CSP.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
EDITOR_FRAMES = ("engine.html", "preview.html")
CSP_PATH_HEADERS.update({
    f"{ENGAGE_PREFIX}/editor/{page}": {"Content-Security-Policy": EDITOR_FRAME_CSP} for page in EDITOR_FRAMES
})
IMMUTABLE_PREFIXES = (f"{ENGAGE_PREFIX}/pyodide/", f"{ENGAGE_PREFIX}/wheels/")
COLLECT_PATH = f"{ENGAGE_PREFIX}/collect"  # where a collector (`collect=`) answers
CHAT_PATH = f"{ENGAGE_PREFIX}/chat"  # where the reference chat endpoint (`chat=`) answers
# how often a server running in a thread checks whether stop() was called: serve_forever's
# default, half a second, was the longest part of most tests that start one
_STOP_POLL_S = 0.05

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    # WebAssembly.instantiateStreaming insists on exactly this type.
    ".wasm": "application/wasm",
    ".whl": "application/octet-stream",
    ".zip": "application/zip",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}
# Precompressed copies the server sends in place of a file, in order of preference.
PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))


def accepted_encodings(header: str | None) -> set[str]:
    """Content codings an Accept-Encoding header allows ("gzip, br;q=0.5" -> {gzip, br})."""
    allowed = set()
    for part in (header or "").split(","):
        coding, _, params = part.strip().partition(";")
        quality = params.strip()
        if quality.startswith("q=") and quality[2:].strip() in ("0", "0.0", "0.00", "0.000"):
            continue
        if coding.strip():
            allowed.add(coding.strip().lower())
    return allowed


class _Handler(SimpleHTTPRequestHandler):
    def __init__(
        self,
        *args: Any,
        engage_dir: Path | None,
        log_errors: bool,
        headers: Mapping[str, str] | None = None,
        path_headers: Mapping[str, Mapping[str, str]] | None = None,
        immutable: tuple[str, ...] = IMMUTABLE_PREFIXES,
        collect: Any = None,
        chat: Any = None,
        **kwargs: Any,
    ) -> None:
        self.engage_dir = engage_dir
        self.collect = collect
        self.chat = chat
        self.log_errors = log_errors
        self.extra_headers = dict(headers or {})
        self.path_headers = path_headers or {}
        self.immutable = immutable
        super().__init__(*args, **kwargs)

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        known = MIME_TYPES.get(Path(path).suffix.lower())
        return known if known is not None else super().guess_type(path)

    def translate_path(self, path: str) -> str:
        bare = path.split("?", 1)[0].split("#", 1)[0]
        if self.engage_dir is not None and (
            bare == ENGAGE_PREFIX or bare.startswith(ENGAGE_PREFIX + "/")
        ):
            # The handler is per request, so swapping the root here is thread-safe.
            root = self.directory
            self.directory = str(self.engage_dir)
            try:
                return super().translate_path(path[len(ENGAGE_PREFIX) :] or "/")
            finally:
                self.directory = root
        return super().translate_path(path)

    def do_GET(self) -> None:
        """GET /engage/chat streams a conversation's server-sent events (engine/tools/chat_endpoint.py);
        everything else is a file."""
        bare, _, query = self.path.partition("?")
        if self.chat is None or bare != CHAT_PATH:
            super().do_GET()
            return
        status, answer = self.chat.stream(query, self.headers.get("Last-Event-ID"))
        self.send_response(status)
        if isinstance(answer, dict):
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(answer).encode())
            return
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for chunk in answer:
            self.wfile.write(chunk)
            self.wfile.flush()

    def do_POST(self) -> None:
        """POST /engage/collect goes to the collector's ASGI app (engine/tools/collect.py),
        POST /engage/chat to the reference chat endpoint (engine/tools/chat_endpoint.py)."""
        if self.chat is not None and self.path.split("?", 1)[0] == CHAT_PATH:
            status, answer = self.chat.handle(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(payload)
            return
        if self.collect is None or self.path.split("?", 1)[0] != COLLECT_PATH:
            self.send_error(404)
            return
        from engine.tools.collect import call

        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, headers, payload = call(self.collect, "POST", body, dict(self.headers.items()))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def send_head(self) -> Any:
        """Like SimpleHTTPRequestHandler's, but sends NAME.br or NAME.gz in place of NAME
        when there is one and the request accepts that encoding."""
        path = self.translate_path(self.path)
        self.vary = False
        if not os.path.isfile(path):
            return super().send_head()
        # A copy older than its file is stale (the file was replaced after the build): unused.
        modified = os.stat(path).st_mtime_ns
        variants = [
            (c, path + s) for c, s in PRECOMPRESSED
            if os.path.isfile(path + s) and os.stat(path + s).st_mtime_ns >= modified
        ]  # fmt: skip
        self.vary = bool(variants)
        accepted = accepted_encodings(self.headers.get("Accept-Encoding"))
        for coding, packed in variants:
            if coding in accepted:
                handle = open(packed, "rb")  # noqa: SIM115 (the caller copies and closes it)
                stat = os.fstat(handle.fileno())
                self.send_response(200)
                self.send_header("Content-Type", self.guess_type(path))
                self.send_header("Content-Encoding", coding)
                self.send_header("Content-Length", str(stat.st_size))
                self.send_header("Last-Modified", self.date_time_string(int(stat.st_mtime)))
                self.end_headers()
                return handle
        return super().send_head()

    def end_headers(self) -> None:
        if getattr(self, "vary", False):
            self.send_header("Vary", "Accept-Encoding")
        path = self.path.split("?", 1)[0]
        if path.startswith(self.immutable) and not path.endswith(".json"):
            self.send_header("Cache-Control", "public, max-age=31536000, immutable")
        else:
            self.send_header("Cache-Control", "no-cache")
        for name, value in {**self.extra_headers, **self.path_headers.get(path, {})}.items():
            self.send_header(name, value)
        super().end_headers()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.log_errors and isinstance(code, int) and code >= 400:
            sys.stderr.write(f"{self.command} {self.path} -> {code}\n")

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Browsers drop connections mid-response all the time (navigation, cached hits).
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def serve_in_thread(server: ThreadingHTTPServer, name: str) -> threading.Thread:
    """Run `server` from a started daemon thread that notices `shutdown()` within 50 ms."""
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True,
                              kwargs={"poll_interval": _STOP_POLL_S})
    thread.start()
    return thread


class StaticServer:
    """A running server; `url` ends with "/". Stop it with `stop()` or a `with` block."""

    def __init__(self, server: ThreadingHTTPServer, thread: threading.Thread | None) -> None:
        self._server = server
        self._thread = thread
        host, port = server.server_address[:2]
        self.host = str(host)
        self.port = int(port)
        self.url = f"http://{self.host}:{self.port}/"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> StaticServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def make_server(
    site_dir: Path,
    engage_dir: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    log_errors: bool = False,
    headers: Mapping[str, str] | None = None,
    path_headers: Mapping[str, Mapping[str, str]] | None = None,
    immutable: tuple[str, ...] = IMMUTABLE_PREFIXES,
    collect: Any = None,
    chat: Any = None,
) -> ThreadingHTTPServer:
    """A server for `site_dir`, with `engage_dir` (if given) answering under /engage/.

    `headers` are sent with every response (e.g. {"Content-Security-Policy": STRICT_CSP}),
    except that a URL path in `path_headers` gets its own values for the names it lists
    (CSP_HEADERS and CSP_PATH_HEADERS are what --csp sends); paths starting with one of
    `immutable` are cached for a year. `collect` (engine.tools.collect.create_app(url))
    answers POST /engage/collect.
    """
    if not Path(site_dir).is_dir():
        raise FileNotFoundError(f"cannot serve {site_dir}: no such folder")
    handler = partial(
        _Handler,
        directory=str(site_dir),
        engage_dir=Path(engage_dir) if engage_dir is not None else None,
        log_errors=log_errors,
        headers=headers,
        path_headers=path_headers,
        immutable=immutable,
        collect=collect,
        chat=chat,
    )
    return _Server((host, port), handler)


def start_server(
    site_dir: Path,
    engage_dir: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    headers: Mapping[str, str] | None = None,
    path_headers: Mapping[str, Mapping[str, str]] | None = None,
    immutable: tuple[str, ...] = IMMUTABLE_PREFIXES,
    collect: Any = None,
    chat: Any = None,
) -> StaticServer:
    """Serve `site_dir` from a background thread; port 0 picks a free port."""
    server = make_server(
        site_dir, engage_dir, host, port, headers=headers, path_headers=path_headers,
        immutable=immutable, collect=collect, chat=chat,
    )  # fmt: skip
    return StaticServer(server, serve_in_thread(server, f"serve {site_dir}"))


def serve(
    site_dir: Path,
    engage_dir: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    headers: Mapping[str, str] | None = None,
    path_headers: Mapping[str, Mapping[str, str]] | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C)."""
    from engine.tools.chat_endpoint import ChatEndpoint

    server = make_server(
        site_dir, engage_dir, host, port, log_errors=True, headers=headers,
        path_headers=path_headers, chat=ChatEndpoint(),
    )  # fmt: skip
    running = StaticServer(server, None)
    print(f"Serving {site_dir} on {running.url} (Ctrl-C stops)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def build_demo(demo_dir: Path, site_dir: Path) -> None:
    """Copy the demo shop to `site_dir` and build the engage folder into it."""
    rules = demo_dir / "rules.json"
    if not rules.is_file():
        raise BuildError(f"{rules} is missing; the demo needs its config there.")
    if site_dir.exists():
        shutil.rmtree(site_dir)
    shutil.copytree(demo_dir, site_dir, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    manifest = build(site_dir / "engage", config=rules)
    _point_at_runtime(site_dir / "assets" / "playground.json", manifest)
    # playground.html runs the engine under PyScript, self-hosted like Pyodide (no CDN).
    pyscript = NODE_MODULES / "@pyscript" / "core" / "dist"
    if not (pyscript / "core.js").is_file():
        raise BuildError(f"{pyscript} is missing; run `npm ci` in {REPO} and try again.")
    shutil.copytree(pyscript, site_dir / "pyscript", ignore=shutil.ignore_patterns("*.map"))


def _point_at_runtime(pyscript_config: Path, manifest: dict[str, Any]) -> None:
    """Point a PyScript config's interpreter at the build's versioned runtime folder.

    The build keeps the Pyodide runtime under pyodide/<version>/ (so that it can be cached
    as immutable); PyScript derives Pyodide's indexURL from the interpreter's URL.
    """
    if not pyscript_config.is_file():
        return
    config = json.loads(pyscript_config.read_text(encoding="utf-8"))
    interpreter = config.get("interpreter")
    if isinstance(interpreter, str) and interpreter.endswith("/pyodide/pyodide.mjs"):
        config["interpreter"] = interpreter[: -len("pyodide.mjs")] + f"{manifest['pyodide']}/pyodide.mjs"
        pyscript_config.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str]) -> int:
    """CLI for `python -m engine serve`; `argv` holds the arguments after `serve`."""
    parser = argparse.ArgumentParser(
        prog="python -m engine serve",
        description="Serve a folder, sending the build's precompressed files; without DIR "
        "(in a checkout), build the demo shop into build/site/ and serve it.",
    )
    parser.add_argument(
        "dir", nargs="?", type=Path, metavar="DIR",
        help="folder to serve, e.g. your site with the built folder at engage/",
    )  # fmt: skip
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    parser.add_argument(
        "--csp",
        action="store_true",
        help="send the strict Content-Security-Policy (Trusted Types enforced) the engine runs "
        "under; the rule playground page gets the policy PyScript needs instead",
    )
    args = parser.parse_args(argv)
    if args.dir is not None:
        site_dir = args.dir
        if not site_dir.is_dir():
            print(f"engine serve: error: {site_dir} is not a folder", file=sys.stderr)
            return 1
    else:
        site_dir = REPO / "build" / "site"
        try:
            if not Source.find().checkout:
                raise BuildError("name the folder to serve: python -m engine serve DIR")
            build_demo(REPO / "demo-site", site_dir)
        except BuildError as exc:
            print(f"engine serve: error: {exc}", file=sys.stderr)
            return 1
    try:
        if args.csp:
            serve(site_dir, None, args.host, args.port, headers=CSP_HEADERS, path_headers=CSP_PATH_HEADERS)
        else:
            serve(site_dir, None, args.host, args.port)
    except OSError as exc:
        print(
            f"engine serve: error: cannot listen on {args.host}:{args.port} ({exc.strerror}); "
            "pick another port with --port",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

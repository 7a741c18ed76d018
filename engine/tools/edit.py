"""The rule editor's local server: `python -m engine edit rules.json [--port P]`.

It serves the editor (editor/ at the repository root) for one config file on 127.0.0.1
only, under a URL that holds a random token: every request must carry it, name this
server in its Host header and, when a browser says where it comes from (Origin,
Sec-Fetch-Site), come from the editor itself, so no other page or local site can read or
write the file. It prints that URL on standard output.

Saving: a config `validate` accepts is written atomically (a temporary file beside it,
then os.replace) after the version it replaces is kept under `.engage-history/` beside
it (the newest `--history N`, default 50, per file). A config with problems is never
written over the file: it goes to a draft beside it (`rules.draft.json` for
`rules.json`), which the editor offers to reopen; the next good save removes it.

The editor runs the engine under Pyodide for live validation and the simulated visitor,
with the rule playground's Python (demo-site/assets/playground.py) under PyScript. The
engine folder that needs is built in the background when the server starts (or given
with `--engine DIR`, a folder `python -m engine build` wrote); the forms, saving and the
versions work while it builds.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import webbrowser
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from engine.config import Config, parse_config
from engine.tools.build import NODE_MODULES, REPO, BuildError, build
from engine.tools.serve import (
    EDITOR_FRAME_CSP,
    EDITOR_FRAMES,
    PLAYGROUND_CSP,
    StaticServer,
    _Handler,
    _Server,
    serve_in_thread,
)

EDITOR_DIR = REPO / "editor"
PLAYGROUND_PY = REPO / "demo-site" / "assets" / "playground.py"
SCHEMA = Path(__file__).resolve().parent.parent / "schema.json"
PYSCRIPT_DIR = NODE_MODULES / "@pyscript" / "core" / "dist"
HISTORY_DIR = ".engage-history"
DEFAULT_HISTORY = 50
# A new, empty file opens as this (the editor writes it with two-space indentation).
EMPTY_CONFIG = '{\n  "version": 1,\n  "rules": [],\n  "interactions": {}\n}\n'
# The read-only copy's answer to api/config: no text, so the page fetches the config
# named by ?config= in its URL, else rules.json beside the editor folder.
READ_ONLY = {"name": "rules.json", "text": None, "config": "../rules.json", "empty": EMPTY_CONFIG,
             "draft": None, "engine": "ready", "readOnly": True}
_VERSION_ID = re.compile(r"^[A-Za-z0-9_.\- ]+$")
_MAX_BODY = 8 * 1024 * 1024


def draft_path(path: Path) -> Path:
    """Where a config with problems is saved instead: rules.json -> rules.draft.json."""
    return path.with_name(f"{path.stem}.draft{path.suffix or '.json'}")


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never half."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            os.chmod(temp, path.stat().st_mode & 0o777)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@dataclass
class EditSession:
    """One config file being edited: reading, saving, drafts and kept versions."""

    path: Path
    history: int = DEFAULT_HISTORY
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    engine_dir: Path | None = None
    engine_state: str = "building"  # "building", "ready" or "failed: <why>"
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def history_dir(self) -> Path:
        return self.path.parent / HISTORY_DIR

    def read(self) -> str:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ""
        return text

    def config_json(self) -> dict[str, Any]:
        draft = draft_path(self.path)
        return {
            "name": self.path.name,
            "text": self.read(),
            "empty": EMPTY_CONFIG,
            "draft": draft.read_text(encoding="utf-8") if draft.is_file() else None,
            "draftName": draft.name,
            "engine": self.engine_state,
            "readOnly": False,
        }

    def save(self, text: str) -> dict[str, Any]:
        """Save `text`: over the file when it validates, else as the draft beside it."""
        result = parse_config(text.encode("utf-8"))
        with self.lock:
            if not isinstance(result, Config):
                write_atomic(draft_path(self.path), text.encode("utf-8"))
                return {
                    "saved": "draft",
                    "file": draft_path(self.path).name,
                    "problems": [{"path": e.path, "message": e.message} for e in result],
                    "version": None,
                }
            kept = self._keep_current(text)
            write_atomic(self.path, text.encode("utf-8"))
            draft_path(self.path).unlink(missing_ok=True)
            self._prune()
            return {"saved": "file", "file": self.path.name, "problems": [], "version": kept}

    def _keep_current(self, new_text: str) -> str | None:
        """Copy the file's current content into the history, unless it is unchanged."""
        if not self.path.is_file():
            return None
        current = self.path.read_bytes()
        if current == new_text.encode("utf-8"):
            return None
        self.history_dir.mkdir(exist_ok=True)
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        suffix = self.path.suffix or ".json"
        target = self.history_dir / f"{self.path.stem}.{stamp}{suffix}"
        number = 1
        while target.exists():
            number += 1
            target = self.history_dir / f"{self.path.stem}.{stamp}-{number}{suffix}"
        write_atomic(target, current)
        return target.name

    def _own_versions(self) -> list[Path]:
        if not self.history_dir.is_dir():
            return []
        prefix, suffix = f"{self.path.stem}.", self.path.suffix or ".json"
        found = [
            p for p in self.history_dir.iterdir()
            if p.is_file() and p.name.startswith(prefix) and p.name.endswith(suffix)
            and p.name[len(prefix) : len(prefix) + 1].isdigit()
        ]  # fmt: skip
        return sorted(found, key=lambda p: p.name, reverse=True)

    def _prune(self) -> None:
        for old in self._own_versions()[self.history :]:
            old.unlink(missing_ok=True)

    def versions(self) -> list[dict[str, Any]]:
        """Kept versions, newest first: id (the file name), when it was replaced, size."""
        out = []
        for version in self._own_versions():
            stamp = version.name[len(self.path.stem) + 1 :].split("Z", 1)[0]
            try:
                when = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%S.%f").replace(tzinfo=datetime.UTC)
                replaced = when.isoformat(timespec="seconds")
            except ValueError:
                replaced = None
            out.append({"id": version.name, "replaced": replaced, "size": version.stat().st_size})
        return out

    def version_text(self, version_id: str) -> str | None:
        if not _VERSION_ID.match(version_id):
            return None
        for version in self._own_versions():
            if version.name == version_id:
                return version.read_text(encoding="utf-8")
        return None

    def restore(self, version_id: str) -> dict[str, Any] | None:
        """Save a kept version as the file (the current one is kept in its turn)."""
        text = self.version_text(version_id)
        return None if text is None else self.save(text)


class _EditHandler(_Handler):
    """The editor's requests: /<token>/ and below only, from this server's own pages."""

    session: EditSession

    def __init__(self, *args: Any, session: EditSession, **kwargs: Any) -> None:
        self.session = session
        # Laid out as in a built folder (python -m engine build OUT/): the editor under
        # editor/, PyScript under editor/pyscript/, the engine folder at the root.
        self.mounts = {"/editor/pyscript": PYSCRIPT_DIR, "/editor": EDITOR_DIR}
        super().__init__(
            *args,
            engage_dir=None,
            log_errors=False,
            headers={"Content-Security-Policy": PLAYGROUND_CSP, "X-Content-Type-Options": "nosniff",
                     "Referrer-Policy": "no-referrer"},
            # the engine's hidden frame and the preview frame are framed by the editor page
            path_headers={f"/editor/{page}": {"Content-Security-Policy": EDITOR_FRAME_CSP} for page in EDITOR_FRAMES},
            immutable=(),
            directory=str(EDITOR_DIR),
            **kwargs,
        )  # fmt: skip

    # ---------------------------------------------------------------- who may ask
    def _allowed(self) -> str | None:
        """The path below /<token> when the request may be answered, else None (answered)."""
        port = self.server.server_address[1]  # type: ignore[index]
        hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        if self.headers.get("Host") not in hosts:
            self.send_error(403, "Wrong Host header")
            return None
        origin = self.headers.get("Origin")
        if origin is not None and origin not in {f"http://{h}" for h in hosts}:
            self.send_error(403, "Cross-origin requests are refused")
            return None
        if self.headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
            self.send_error(403, "Cross-site requests are refused")
            return None
        prefix = f"/{self.session.token}"
        path = self.path
        given = path[: len(prefix)]
        if not secrets.compare_digest(given.encode(), prefix.encode()) or path[len(prefix) : len(prefix) + 1] not in ("/", "?", ""):
            self.send_error(404)
            return None
        return path[len(prefix) :] or "/"

    # ---------------------------------------------------------------- answers
    def _json(self, value: Any, status: int = 200) -> None:
        body = json.dumps(value).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _body(self) -> Any:
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            raise ValueError("send JSON (Content-Type: application/json)")
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            raise ValueError("too large")
        return json.loads(self.rfile.read(length) or b"null")

    def do_GET(self) -> None:
        rest = self._allowed()
        if rest is None:
            return
        bare = rest.split("?", 1)[0]
        session = self.session
        if bare in ("/", "/editor"):
            self.send_response(302)
            self.send_header("Location", f"/{session.token}/editor/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if bare == "/editor/api/config":
            return self._json(session.config_json())
        if bare == "/editor/api/status":
            return self._json({"engine": session.engine_state})
        if bare == "/editor/api/versions":
            return self._json({"versions": session.versions()})
        if bare.startswith("/editor/api/versions/"):
            text = session.version_text(unquote(bare[len("/editor/api/versions/") :]))
            return self._json({"text": text}) if text is not None else self.send_error(404)
        if bare == "/editor/pyscript.json":
            return self._json(self._pyscript_config())
        if bare == "/editor/playground.py":
            return self._file(PLAYGROUND_PY, "text/x-python; charset=utf-8")
        if bare == "/schema.json":
            return self._file(SCHEMA, "application/json")
        if not bare.startswith("/editor/") and (session.engine_state != "ready" or session.engine_dir is None):
            return self.send_error(503, "The engine is still being built")
        self.path = rest
        super().do_GET()

    do_HEAD = do_GET

    def do_POST(self) -> None:
        rest = self._allowed()
        if rest is None:
            return
        try:
            body = self._body()
        except ValueError as exc:
            return self._json({"error": str(exc)}, 400)
        if rest == "/editor/api/save" and isinstance(body, dict) and isinstance(body.get("text"), str):
            return self._json(self.session.save(body["text"]))
        if rest == "/editor/api/restore" and isinstance(body, dict) and isinstance(body.get("id"), str):
            restored = self.session.restore(body["id"])
            return self._json(restored) if restored is not None else self._json({"error": "no such version"}, 404)
        self._json({"error": "unknown request"}, 404)

    def _file(self, path: Path, content_type: str) -> None:
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _pyscript_config(self) -> dict[str, Any]:
        version = None
        if self.session.engine_dir is not None and self.session.engine_state == "ready":
            manifest = json.loads((self.session.engine_dir / "manifest.json").read_text(encoding="utf-8"))
            version = manifest["pyodide"]
        return pyscript_config(f"/{self.session.token}/pyodide/{version}/pyodide.mjs")

    def translate_path(self, path: str) -> str:
        bare = path.split("?", 1)[0].split("#", 1)[0]
        for prefix, folder in self.mounts.items():
            if bare.startswith(prefix + "/"):
                return self._under(folder, path[len(prefix) :])
        return self._under(self.session.engine_dir or EDITOR_DIR, path)

    def _under(self, folder: Path, path: str) -> str:
        root = self.directory
        self.directory = str(folder)
        try:
            return super().translate_path(path)
        finally:
            self.directory = root

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404)
        return None


class EditServer(StaticServer):
    """A running editor server; `url` is the address to open (token included)."""

    def __init__(self, session: EditSession, server: _Server, thread: threading.Thread | None = None) -> None:
        super().__init__(server, thread)
        self.session = session
        self.server = server
        self.url = f"http://127.0.0.1:{self.port}/{session.token}/editor/"


def make_edit_server(session: EditSession, port: int = 0) -> _Server:
    def handler(*args: Any, **kwargs: Any) -> _EditHandler:
        return _EditHandler(*args, session=session, **kwargs)

    return _Server(("127.0.0.1", port), handler)


def start_edit_server(path: Path, *, port: int = 0, history: int = DEFAULT_HISTORY,
                      engine_dir: Path | None = None) -> EditServer:
    """Serve the editor for `path` from a background thread (tests; port 0 picks one)."""
    session = EditSession(Path(path).resolve(), history=history, engine_dir=engine_dir,
                          engine_state="ready" if engine_dir is not None else "failed: no engine folder given")
    server = make_edit_server(session, port)
    return EditServer(session, server, serve_in_thread(server, "engine edit"))


def pyscript_config(interpreter: str) -> dict[str, Any]:
    """PyScript's config for the editor's engine frame (as the rule playground's)."""
    return {
        "interpreter": interpreter,
        "packages": ["engage-engine"],
        "packages_cache": "passthrough",
        "plugins": ["!py-editor", "!py-game", "!py-terminal", "!donkey", "!deprecations-manager"],
    }


def copy_editor_sources(dest: Path) -> None:
    """What the read-only copy is made from, for the wheel's build step (engine.tools.build.prebuild):
    an installed package has no editor/, demo-site/ or node_modules/ to take them from."""
    shutil.copytree(EDITOR_DIR, dest / "editor", ignore=shutil.ignore_patterns(".*", "__pycache__"))
    shutil.copy2(PLAYGROUND_PY, dest / "playground.py")
    shutil.copytree(PYSCRIPT_DIR, dest / "pyscript", ignore=shutil.ignore_patterns("*.map"))


def _editor_sources() -> tuple[Path, Path, Path]:
    """The editor, the playground's replay and PyScript: from the checkout, or from what the
    wheel's build step put in the installed package (engine/tools/prebuilt/editor/)."""
    if EDITOR_DIR.is_dir():
        return EDITOR_DIR, PLAYGROUND_PY, PYSCRIPT_DIR
    packed = Path(__file__).resolve().parent / "prebuilt" / "editor"
    return packed / "editor", packed / "playground.py", packed / "pyscript"


def write_read_only_copy(out: Path, pyodide_version: str) -> None:
    """The editor in a built folder, as `out`/editor/: read-only (Download instead of Save),
    with the same engine frame for validation and the simulated visitor. It opens
    `out`/rules.json, or the config named by ?config= in its URL."""
    editor_dir, playground_py, pyscript_dir = _editor_sources()
    missing = [p for p in (editor_dir / "index.html", playground_py, pyscript_dir / "core.js") if not p.is_file()]
    if missing:
        # e.g. installed without the repository's editor/: the folder works without the copy
        print(f"engine build: note: no read-only rule editor in the folder ({', '.join(map(str, missing))} missing)",
              file=sys.stderr)  # fmt: skip
        return
    dest = out / "editor"
    shutil.copytree(editor_dir, dest, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    shutil.copy2(playground_py, dest / "playground.py")
    shutil.copytree(pyscript_dir, dest / "pyscript", ignore=shutil.ignore_patterns("*.map"))
    config = pyscript_config(f"../pyodide/{pyodide_version}/pyodide.mjs")
    (dest / "pyscript.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    # What the editor asks the edit server first: here, that it is a read-only copy.
    (dest / "api").mkdir()
    (dest / "api" / "config").write_text(json.dumps(READ_ONLY) + "\n", encoding="utf-8")


def _build_engine(session: EditSession, out: Path) -> None:
    try:
        build(out / "engage", minify=False)
    except (BuildError, OSError) as exc:
        session.engine_state = f"failed: {exc}"
        print(f"engine edit: the engine could not be built, so there is no live validation "
              f"or simulation ({exc})", file=sys.stderr)  # fmt: skip
        return
    session.engine_dir = out / "engage"
    session.engine_state = "ready"
    print("engine edit: the engine is ready (live validation and simulation)", file=sys.stderr)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    """CLI for `python -m engine edit`; `argv` holds the arguments after `edit`."""
    parser = argparse.ArgumentParser(
        prog="python -m engine edit",
        description="Edit a rules config in the browser, on this machine only.",
    )
    parser.add_argument("config", help="the config file (created on the first save if missing)")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default: %(default)s; 0 picks a free one)")
    parser.add_argument("--open", action="store_true", help="open the editor in the default browser")
    parser.add_argument("--history", type=int, default=DEFAULT_HISTORY, metavar="N",
                        help="previous versions to keep under .engage-history/ (default: %(default)s)")
    parser.add_argument("--engine", type=Path, metavar="DIR",
                        help="an engine folder `python -m engine build` wrote, instead of building one")
    args = parser.parse_args(argv)
    path = Path(args.config).resolve()
    if not path.parent.is_dir():
        print(f"engine edit: error: no folder {path.parent} to save {path.name} in", file=sys.stderr)
        return 1
    if path.is_dir():
        print(f"engine edit: error: {path} is a folder; give a config file", file=sys.stderr)
        return 1
    if args.history < 1:
        print("engine edit: error: --history must be 1 or more", file=sys.stderr)
        return 1
    session = EditSession(path, history=args.history)
    if args.engine is not None:
        if not (args.engine / "manifest.json").is_file():
            print(f"engine edit: error: {args.engine} holds no manifest.json; give a folder "
                  "`python -m engine build` wrote", file=sys.stderr)  # fmt: skip
            return 1
        session.engine_dir, session.engine_state = args.engine.resolve(), "ready"
    try:
        running = EditServer(session, make_edit_server(session, args.port))
    except OSError as exc:
        print(f"engine edit: error: cannot listen on 127.0.0.1:{args.port} ({exc.strerror}); "
              "pick another port with --port", file=sys.stderr)  # fmt: skip
        return 1
    # SIGTERM ends the server like Ctrl-C does, so the engine folder built below is removed
    signal.signal(signal.SIGTERM, _interrupt)
    scratch = tempfile.TemporaryDirectory(prefix="engage-edit-") if args.engine is None else contextlib.nullcontext(None)
    with scratch as folder:
        if folder is not None:
            threading.Thread(target=_build_engine, args=(session, Path(folder)), daemon=True).start()
        print(running.url, flush=True)
        print(f"engine edit: editing {path} (Ctrl-C stops)", file=sys.stderr)
        if args.open:
            webbrowser.open(running.url)
        try:
            running.server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            running.server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

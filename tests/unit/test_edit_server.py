"""`python -m engine edit`: the token, where requests may come from, atomic saves, the
history under .engage-history/, drafts for configs with problems, and restoring."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from engine.tools import edit
from engine.tools.edit import EditSession, draft_path, start_edit_server

ROOT = Path(__file__).resolve().parents[2]
GOOD = '{\n    "$schema": "kept",\n    "version": 1,\n    "rules": []\n}\n'
BAD = '{"version": 1, "rules": [{"name": "no outcome", "rulesets": []}]}'


@pytest.fixture
def server(tmp_path: Path) -> Iterator[edit.EditServer]:
    (tmp_path / "rules.json").write_text(GOOD, encoding="utf-8")
    with start_edit_server(tmp_path / "rules.json", history=3) as running:
        yield running


def call(url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = Request(url, data=data, method="GET" if body is None else "POST")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urlopen(request, timeout=10) as reply:
            return reply.status, reply.read()
    except HTTPError as error:
        return error.code, error.read()


def test_the_printed_url_holds_a_token_every_request_needs(server: edit.EditServer) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    token = server.session.token
    assert len(token) >= 24
    status, body = call(server.url + "api/config")
    assert status == 200 and json.loads(body)["text"] == GOOD
    base = server.url.split(token)[0]
    assert call(base + token + "/")[0] == 200  # redirected to the editor
    for wrong in ("", "editor/api/config", "x" * len(token) + "/editor/api/config", token[:-1] + "/editor/api/config",
                  token + "x/editor/api/config", "schema.json"):  # fmt: skip
        assert call(base + wrong)[0] == 404, wrong
    assert call(base + "editor/api/save", {"text": "{}"})[0] == 404
    assert (server.session.path).read_text(encoding="utf-8") == GOOD


def test_other_hosts_and_origins_are_refused(server: edit.EditServer) -> None:
    # DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own Host
    assert call(server.url + "api/config", headers={"Host": "evil.example"})[0] == 403
    assert call(server.url + "api/save", {"text": BAD}, headers={"Origin": "http://evil.example"})[0] == 403
    assert call(server.url + "api/config", headers={"Sec-Fetch-Site": "cross-site"})[0] == 403
    assert call(server.url + "api/config", headers={"Origin": f"http://127.0.0.1:{server.server.server_address[1]}"})[0] == 200
    # a form post (no JSON content type) never reaches the file
    request = Request(server.url + "api/save", data=b"text=x", method="POST")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    with pytest.raises(HTTPError) as refused:
        urlopen(request, timeout=10)
    assert refused.value.code == 400
    assert server.session.path.read_text(encoding="utf-8") == GOOD


def test_editor_pages_carry_the_playground_policy_and_no_listing(server: edit.EditServer) -> None:
    with urlopen(server.url, timeout=10) as reply:
        assert "Rule editor" in reply.read().decode()
        assert reply.headers["Content-Security-Policy"] == edit.PLAYGROUND_CSP
    with urlopen(server.url + "engine.html", timeout=10) as reply:
        assert "frame-ancestors 'self'" in reply.headers["Content-Security-Policy"]
    assert call(server.url + "pyscript/")[0] == 404
    # without an engine folder the runtime is not served, and the page is told why
    assert call(server.url.removesuffix("editor/") + "manifest.json")[0] == 503
    assert call(server.url.removesuffix("editor/") + "schema.json")[0] == 200
    assert call(server.url + "../../../etc/passwd")[0] == 404


def test_a_good_save_is_atomic_and_keeps_the_version_it_replaces(server: edit.EditServer, tmp_path: Path) -> None:
    rules = tmp_path / "rules.json"
    inode = rules.stat().st_ino
    new = GOOD.replace('"kept"', '"changed"')
    status, body = call(server.url + "api/save", {"text": new})
    result = json.loads(body)
    assert status == 200 and result["saved"] == "file" and result["problems"] == []
    assert rules.read_text(encoding="utf-8") == new
    assert rules.stat().st_ino != inode  # a new file renamed over the old one
    history = tmp_path / ".engage-history"
    kept = list(history.iterdir())
    assert [p.name for p in kept] == [result["version"]]
    assert kept[0].read_text(encoding="utf-8") == GOOD
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    # saving the same text again keeps no copy of it
    assert json.loads(call(server.url + "api/save", {"text": new})[1])["version"] is None
    assert len(list(history.iterdir())) == 1


def test_history_keeps_the_newest_n(server: edit.EditServer, tmp_path: Path) -> None:
    for number in range(6):
        call(server.url + "api/save", {"text": GOOD.replace('"kept"', f'"v{number}"')})
    versions = json.loads(call(server.url + "api/versions")[1])["versions"]
    assert len(versions) == 3  # history=3
    texts = [json.loads(call(server.url + "api/versions/" + v["id"])[1])["text"] for v in versions]
    assert ['"v4"' in texts[0], '"v3"' in texts[1], '"v2"' in texts[2]] == [True, True, True]
    assert all(v["replaced"] for v in versions)


def test_a_config_with_problems_goes_to_a_draft_never_over_the_file(server: edit.EditServer, tmp_path: Path) -> None:
    status, body = call(server.url + "api/save", {"text": BAD})
    assert status == 200
    result = json.loads(body)
    assert result["saved"] == "draft" and result["file"] == "rules.draft.json"
    assert any(p["path"] == "rules[0]" for p in result["problems"])
    assert (tmp_path / "rules.json").read_text(encoding="utf-8") == GOOD
    assert (tmp_path / "rules.draft.json").read_text(encoding="utf-8") == BAD
    assert not (tmp_path / ".engage-history").exists()
    config = json.loads(call(server.url + "api/config")[1])
    assert config["draft"] == BAD and config["draftName"] == "rules.draft.json"
    # not JSON at all is a draft too
    assert json.loads(call(server.url + "api/save", {"text": "{"})[1])["saved"] == "draft"
    # the next good save removes the draft
    assert json.loads(call(server.url + "api/save", {"text": GOOD + " "})[1])["saved"] == "file"
    assert not (tmp_path / "rules.draft.json").exists()


def test_restore_saves_a_kept_version_and_keeps_the_current_one(server: edit.EditServer, tmp_path: Path) -> None:
    second = GOOD.replace('"kept"', '"second"')
    call(server.url + "api/save", {"text": second})
    [first] = json.loads(call(server.url + "api/versions")[1])["versions"]
    result = json.loads(call(server.url + "api/restore", {"id": first["id"]})[1])
    assert result["saved"] == "file"
    assert (tmp_path / "rules.json").read_text(encoding="utf-8") == GOOD
    texts = {json.loads(call(server.url + "api/versions/" + v["id"])[1])["text"]
             for v in json.loads(call(server.url + "api/versions")[1])["versions"]}  # fmt: skip
    assert second in texts
    for bad_id in ("../rules.json", "nope.json", "..%2Frules.json"):
        assert call(server.url + "api/restore", {"id": bad_id})[0] == 404
        assert call(server.url + "api/versions/" + bad_id)[0] == 404


def test_a_missing_file_opens_empty_and_is_created_on_save(tmp_path: Path) -> None:
    session = EditSession(tmp_path / "new.json")
    assert session.config_json()["text"] == ""
    assert json.loads(session.config_json()["empty"])["version"] == 1
    assert session.save(edit.EMPTY_CONFIG)["saved"] == "file"
    assert (tmp_path / "new.json").read_text(encoding="utf-8") == edit.EMPTY_CONFIG
    assert draft_path(tmp_path / "new.json").name == "new.draft.json"


def test_history_of_two_files_in_one_folder_stays_apart(tmp_path: Path) -> None:
    a, b = EditSession(tmp_path / "a.json", history=1), EditSession(tmp_path / "b.json", history=1)
    for session in (a, b):
        session.path.write_text(GOOD, encoding="utf-8")
        session.save(GOOD + "\n")
        session.save(GOOD + "\n\n")
    assert [len(a.versions()), len(b.versions())] == [1, 1]
    assert {p.name.split(".")[0] for p in (tmp_path / ".engage-history").iterdir()} == {"a", "b"}


def test_the_cli_prints_the_url_on_stdout(tmp_path: Path) -> None:
    (tmp_path / "rules.json").write_text(GOOD, encoding="utf-8")
    engine_dir = tmp_path / "engage"
    engine_dir.mkdir()
    (engine_dir / "manifest.json").write_text('{"pyodide": "0"}', encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "engine", "edit", str(tmp_path / "rules.json"), "--port", "0", "--engine", str(engine_dir)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        deadline = time.monotonic() + 10
        while True:
            try:
                status, body = call(url + "api/config")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert status == 200 and json.loads(body)["engine"] == "ready"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_read_only_copy_for_a_built_folder(tmp_path: Path) -> None:
    edit.write_read_only_copy(tmp_path, "314.0.7")
    copy = tmp_path / "editor"
    assert {"index.html", "editor.js", "engine.html", "preview.html", "playground.py"} <= {p.name for p in copy.iterdir()}
    assert (copy / "pyscript" / "core.js").is_file() and not list(copy.rglob("*.map"))
    assert json.loads((copy / "pyscript.json").read_text(encoding="utf-8"))["interpreter"] == "../pyodide/314.0.7/pyodide.mjs"
    answer = json.loads((copy / "api" / "config").read_text(encoding="utf-8"))
    assert answer["readOnly"] is True and answer["text"] is None and answer["config"] == "../rules.json"
    assert (copy / "playground.py").read_bytes() == edit.PLAYGROUND_PY.read_bytes()


def test_without_the_editor_files_the_build_goes_on_without_the_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(edit, "EDITOR_DIR", tmp_path / "nowhere")
    edit.write_read_only_copy(tmp_path, "314.0.7")
    assert not (tmp_path / "editor").exists()
    assert "no read-only rule editor" in capsys.readouterr().err

"""Until the loader asks the engine what to watch before its first evaluation, web/observe.js
(`configWatch`) reads the selectors and window paths from the raw config for the first
page facts; for every shared case config it must name exactly what engine/config.py
compiles into the engine's `watch`."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from engine.config import Config, compile_config
from tests.unit.test_cases import load_cases

REPO = Path(__file__).resolve().parents[2]
SCRIPT = """
import {configWatch} from %s;
let input = "";
process.stdin.on("data", (c) => { input += c; });
process.stdin.on("end", () => {
  const out = JSON.parse(input).map((config) => configWatch(config));
  process.stdout.write(JSON.stringify(out));
});
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_the_shells_first_watch_is_the_engines() -> None:
    compiled = {}
    for param in load_cases():
        config = param.values[1]
        result = compile_config(config)
        if isinstance(result, Config):
            compiled[json.dumps(config, sort_keys=True)] = (config, result)
    assert len(compiled) > 50
    configs = [c for c, _ in compiled.values()]
    url = json.dumps((REPO / "web" / "observe.js").as_uri())
    run = subprocess.run(["node", "--input-type=module", "-e", SCRIPT % url], input=json.dumps(configs),
                         capture_output=True, text=True, check=True, timeout=120)
    shell = json.loads(run.stdout)
    for (config, result), watch in zip(compiled.values(), shell, strict=True):
        assert (set(watch["selectors"]), set(watch["customPaths"])) == (set(result.selectors), set(result.custom_paths)), \
            json.dumps(config)[:500]

"""The numbered examples in examples/: each config validates, and its facts give the
decisions its .expected.json says, step by step, through the engine.

examples/NN-name.json           the config (what the how-to in docs/howto/ explains)
examples/NN-name.facts.json     {"description", "steps"}: what `python -m engine explain` replays
examples/NN-name.expected.json  {"description", "steps": [{"decisions": [...], "statuses": {...}}]}

An expected decision lists only the keys that matter (a subset of the real one); the
number of decisions per step must be exact. `statuses` (optional) compares the trace's
status for the rules it names, for steps that evaluated.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from engine import Config, Engine, parse_config
from engine.__main__ import main
from engine.decisions import encode

EXAMPLES = Path(__file__).parents[2] / "examples"
NUMBERED = sorted(
    p for p in EXAMPLES.glob("[0-9][0-9]-*.json") if not p.name.endswith((".facts.json", ".expected.json"))
)


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def companion(config: Path, kind: str) -> Path:
    return config.with_name(f"{config.stem}.{kind}.json")


def test_examples_are_numbered_in_order_and_complete() -> None:
    assert len(NUMBERED) >= 6
    numbers = [int(p.name[:2]) for p in NUMBERED]
    assert numbers == list(range(1, len(NUMBERED) + 1)), "examples are numbered 01, 02, ... without gaps"
    for config in NUMBERED:
        assert companion(config, "facts").is_file(), f"{config.name} has no facts file"
        assert companion(config, "expected").is_file(), f"{config.name} has no expected file"


@pytest.mark.parametrize("config_path", NUMBERED, ids=[p.stem for p in NUMBERED])
def test_example_validates(config_path: Path) -> None:
    result = parse_config(config_path.read_bytes())
    assert isinstance(result, Config), [str(e) for e in result]


def subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and subset(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)


@pytest.mark.parametrize("config_path", NUMBERED, ids=[p.stem for p in NUMBERED])
def test_example_facts_give_the_expected_decisions(config_path: Path) -> None:
    config = parse_config(config_path.read_bytes())
    assert isinstance(config, Config)
    steps = load(companion(config_path, "facts"))["steps"]
    expected = load(companion(config_path, "expected"))["steps"]
    assert len(expected) == len(steps), "one expectation per step"
    engine = Engine(config)
    for number, (step, want) in enumerate(zip(steps, expected, strict=True), 1):
        before = engine.trace
        engine.receive_json(step if isinstance(step, list) else [step])
        got = [encode(d) for d in engine.decisions()]
        where = f"{config_path.name} step {number}"
        assert len(got) == len(want["decisions"]), f"{where}: {got}"
        for wanted, actual in zip(want["decisions"], got, strict=True):
            assert subset(wanted, actual), f"{where}: expected {wanted}, got {actual}"
        if "statuses" in want:
            trace = engine.trace
            assert trace is not None and trace is not before, f"{where}: no evaluation ran"
            statuses = {r["name"]: r["status"] for r in trace.to_json()["rules"]}
            assert {k: statuses.get(k) for k in want["statuses"]} == want["statuses"], where


@pytest.mark.parametrize("config_path", NUMBERED, ids=[p.stem for p in NUMBERED])
def test_explain_replays_the_example(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # What the how-to tells a site owner to run gives the same decisions.
    code = main(["explain", str(config_path), "--facts", str(companion(config_path, "facts")), "--json"])
    report = json.load(io.StringIO(capsys.readouterr().out))
    assert code == 0
    expected = load(companion(config_path, "expected"))["steps"]
    assert [len(step["decisions"]) for step in report] == [len(step["decisions"]) for step in expected]
    for step, want in zip(report, expected, strict=True):
        assert all(subset(w, a) for w, a in zip(want["decisions"], step["decisions"], strict=True))

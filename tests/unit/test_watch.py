"""The engine is the shell's one source for what to gather: `init` (the config, no facts)
is answered with the compiled watch (selectors, window paths, login detection's selector
and path, queue status URLs, whether device hints are needed) and nothing is evaluated
until the facts the shell gathered from it arrive (docs/architecture.md, "Boot")."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine import _bridge
from engine.config import Config, compile_config
from tests.unit.test_cases import load_cases


def _init(config: Any) -> dict[str, Any]:
    message = {"v": 1, "kind": "init", "config": config, "configError": None, "state": None, "seed": "s", "facts": []}
    reply: dict[str, Any] = json.loads(_bridge.handle(json.dumps(message)))
    assert reply["kind"] == "output", reply
    return reply


@pytest.mark.parametrize(("case", "config"), load_cases())
def test_init_answers_the_compiled_watch_and_evaluates_nothing(case: dict[str, Any], config: Any) -> None:
    compiled = compile_config(config)
    if not isinstance(compiled, Config):
        return
    reply = _init(config)
    assert reply["decisions"] == [] and reply["trace"] is None
    watch = reply["watch"]
    assert watch["selectors"] == list(compiled.selectors)
    assert watch["customPaths"] == list(compiled.custom_paths)
    assert watch["device"] is compiled.needs_device
    assert set(watch["polledSelectors"]) <= set(watch["selectors"])
    assert watch["queueKeys"] == list((config.get("queues") or {}) if isinstance(config, dict) else {})


def test_the_watch_names_login_detection_queue_status_urls_and_device_hints() -> None:
    config = {
        "version": 1,
        "rules": [
            {"name": "phone", "rulesets": [{"conditions": [{"type": "device", "operator": "is", "value": "mobile"}]}],
             "outcome": {"start": "login"}},
            {"name": "cart", "rulesets": [{"conditions": [{"type": "dom", "operator": "exists", "criteria": "#cart"}]}],
             "outcome": {"start": "login"}},
        ],
        "interactions": {"login": {"type": "detectLogin", "selector": ".account", "custom": "shop.user"}},
        "queues": {"Sales": {}, "Support": {"statusUrl": "/api/support.json"}},
    }
    watch = _init(config)["watch"]
    assert watch["selectors"] == ["#cart", ".account"]
    # only login detection's selector can flip a result on a tick: the shell polls it each
    # second; a dom condition's selector is read when a message goes to the engine
    assert watch["polledSelectors"] == [".account"]
    assert watch["customPaths"] == ["shop.user"]
    assert watch["queues"] == {"Support": "/api/support.json"}
    # every queue key, with or without a status URL: the chat widget's availability is pushed for each
    assert watch["queueKeys"] == ["Sales", "Support"]
    assert watch["device"] is True
    # without a device condition the shell does not ask for the high-entropy hints
    config["rules"] = config["rules"][1:]
    assert _init(config)["watch"]["device"] is False


def test_the_first_facts_then_make_the_first_decision() -> None:
    config = {"version": 1, "rules": [{"name": "r", "rulesets": [{"conditions": [{"type": "dom", "operator": "exists", "criteria": "#cart"}]}],
                                       "outcome": {"start": "p"}}],
              "interactions": {"p": {"type": "panel", "title": "t", "text": "x"}}}
    assert _init(config)["decisions"] == []
    facts = [{"type": "selectors", "results": {"#cart": {"exists": True, "visible": True, "text": ""}}},
             {"type": "page", "now": 1_700_000_000_000, "url": "https://shop.test/", "title": "", "referrer": "", "cause": "load", "reload": False}]
    reply = json.loads(_bridge.handle(json.dumps({"v": 1, "kind": "facts", "facts": facts, "trace": True})))
    assert [d["type"] for d in reply["decisions"]] == ["show"]
    assert reply["trace"] is not None  # asked for (docs/loader.md#the-trace)

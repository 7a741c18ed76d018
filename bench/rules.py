"""A realistic rule mix for benchmarks: url, dom, time, custom, device and static conditions.

Shared by the CPython micro-benchmark and the browser benchmark so that every engine
compared evaluates the same rules.
"""

from __future__ import annotations

from typing import Any


def make_config(count: int) -> dict[str, Any]:
    rules = []
    for i in range(count):
        kind = i % 5
        if kind == 0:
            conditions = [{"type": "url", "criteria": "currentPage", "operator": "contains", "value": f"/section-{i}/"}]
        elif kind == 1:
            conditions = [{"type": "url", "criteria": "currentPage", "operator": "matches", "value": rf"/product/{i}\b"},
                          {"type": "dom", "criteria": f"#promo-{i}", "operator": "exists"}]
        elif kind == 2:
            conditions = [{"type": "url", "criteria": "currentPage", "operator": "startsWith", "value": f"https://shop.test/c{i}"},
                          {"type": "time", "criteria": "onPage", "operator": "moreThan", "value": 30 + i % 600}]
        elif kind == 3:
            conditions = [{"type": "custom", "operator": "evaluatesTrue", "value": f"shop.flags.f{i}"},
                          {"type": "url", "criteria": "previousPage", "operator": "contains", "value": f"/from-{i}"}]
        else:
            conditions = [{"type": "device", "operator": "is", "value": "tablet"},
                          {"type": "url", "criteria": "currentPage", "operator": "endsWith", "value": f"#r{i}"}]
        rules.append({"name": f"rule {i}", "rulesets": [{"conditions": conditions}], "outcome": {"start": "p"}})
    rules.append({"name": "fallback", "rulesets": [{"conditions": [{"type": "static", "operator": "always"}]}], "outcome": {"start": "p"}})
    return {"version": 1, "rules": rules, "interactions": {"p": {"type": "panel", "title": "Hi"}}}

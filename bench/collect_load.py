"""Load on the collector over loopback: how many events a second it stores, and that none is lost.

    python bench/collect_load.py [--events 20000] [--batch 20] [--clients 8] [--db URL]

Starts `python -m engine collect` (uvicorn, its own process) on 127.0.0.1 with SQLite in a
temp folder unless --db, posts `--events` events in batches of `--batch` from `--clients`
threads (one keep-alive connection each, as browsers reuse theirs), then counts the rows. Prints events/s and the
request latency (median, p95). docs/performance.md has this machine's figures.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1]))

import sqlalchemy as sa

from engine.tools import store

T0 = 1_795_424_400_000


def make_events(count: int, visitors: int = 2000) -> list[dict[str, Any]]:
    """`count` valid events: exposures, clicks and conversions of `visitors` visitors."""
    kinds = ("engage_show", "engage_clicked", "engage_hide", "engage_conversion")
    out = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        event: dict[str, Any] = {"id": f"load-{i:012d}", "event": kind, "visitor": f"v{i % visitors:06d}", "time": T0 + i}
        if kind == "engage_conversion":
            event.update(value=10.0, currency="EUR")
        else:
            event.update(rule="Load rule", interaction="panel", arm="treatment")
        out.append(event)
    return out


def post(url: str, events: list[dict[str, Any]], batch: int, clients: int) -> dict[str, Any]:
    """Post `events` in batches from `clients` threads; elapsed seconds, latencies, answers."""
    target = urllib.parse.urlsplit(url)
    batches = [events[i : i + batch] for i in range(0, len(events), batch)]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def client(mine: list[list[dict[str, Any]]]) -> None:
        conn = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port, timeout=30)
        for chunk in mine:
            body = json.dumps({"events": chunk})
            start = time.perf_counter()
            conn.request("POST", target.path, body, {"content-type": "application/json"})
            answer = conn.getresponse()
            answer.read()
            with lock:
                latencies.append(time.perf_counter() - start)
                statuses[answer.status] = statuses.get(answer.status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client, args=(batches[k::clients],)) for k in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {"events": len(events), "requests": len(batches), "seconds": elapsed,
            "events_per_second": len(events) / elapsed, "statuses": statuses,
            "median_ms": statistics.median(latencies) * 1000,
            "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000}  # fmt: skip


def stored(db: str) -> int:
    with store.open_store(db, migrate=False).connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(store.events)).scalar_one())


@contextlib.contextmanager
def collector_process(db: str) -> Iterator[str]:
    """`python -m engine collect` on a free loopback port; yields its collect URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "engine", "collect", "--db", db, "--port", str(port)],
                               cwd=Path(__file__).parents[1], stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the collector did not start: {process.stderr.read().decode() if process.stderr else ''}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/engage/collect"
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--db", help="default: SQLite in a temp folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = args.db or f"sqlite:///{folder}/events.db"
        with collector_process(db) as url:
            result = post(url, make_events(args.events), args.batch, args.clients)
        result["stored"] = stored(db)
    print(json.dumps(result, indent=2))
    return 0 if result["stored"] == args.events else 1


if __name__ == "__main__":
    sys.exit(main())

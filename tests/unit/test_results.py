"""Results (docs/analytics.md): the collector's contract, the report's numbers, the statistics.

The simulation posts 20,000 synthetic visitors with a known lift through the collector's
HTTP API (uvicorn on loopback) and checks that the reported interval covers the truth;
the A/A property (no significant lift in at least 95% of repetitions) is checked on the
statistics function directly over many repetitions, and once through HTTP.
"""

from __future__ import annotations

import io
import json
import random
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from bench.collect_load import make_events, post
from engine.__main__ import main as cli
from engine.tools import report, stats, store
from engine.tools.collect import RateLimit, call, create_app, running

T0 = 1_795_597_200_000  # 2026-11-25 09:00 UTC


def event(i: int | str, kind: str = "engage_show", visitor: str = "v1", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": f"event-{i:>04}", "event": kind, "visitor": visitor, "time": T0}
    if kind == "engage_conversion":
        return base | {"value": 10.0, "currency": "EUR"} | fields
    arm = "control" if kind == "engage_control" else "treatment"
    return base | {"rule": "Cart help", "interaction": "cart-panel", "arm": arm} | fields


def body(*events: dict[str, Any]) -> bytes:
    return json.dumps({"events": list(events)}).encode()


def rows(db: str) -> list[dict[str, Any]]:
    with store.open_store(db).connect() as connection:
        return [dict(r) for r in connection.execute(sa.select(store.events).order_by(store.events.c.id)).mappings()]


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'events.db'}"


# ------------------------------------------------------------------ the collector


def test_a_batch_is_stored_once_however_often_it_is_sent(db: str) -> None:
    app = create_app(db)
    batch = body(event(1), event(2, "engage_conversion"))
    status, headers, answer = call(app, "POST", batch)
    assert (status, json.loads(answer)) == (200, {"stored": 2, "duplicates": 0})
    assert headers["content-type"] == "application/json"
    assert json.loads(call(app, "POST", batch)[2]) == {"stored": 0, "duplicates": 2}
    stored = rows(db)
    assert [(r["id"], r["event"], r["arm"], r["value"], r["currency"]) for r in stored] == [
        ("event-0001", "engage_show", "treatment", None, None),
        ("event-0002", "engage_conversion", None, 10.0, "EUR"),
    ]
    with store.open_store(db, migrate=False).connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    # What inserts address is what the migrations made.
    columns = sa.inspect(store.open_store(db, migrate=False)).get_columns(store.TABLE)
    assert tuple(c["name"] for c in columns) == store.COLUMNS


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (b"{not json", "the body is not JSON"),
        (b'{"events": [], "extra": 1}', "must not contain"),
        (body(event(2, arm="control")), 'events[1].arm must be "treatment" for engage_show'),
        (body(event(2, "engage_control", arm="treatment")), 'events[1].arm must be "control"'),
        (body(event(2, "engage_dance")), "events[1].event must be one of"),
        (body(event(2, rule=None)), "events[1].rule must be string"),
        (body(event(2, time="yesterday")), "events[1].time must be integer"),
        (body(event(2, id="short")), "events[1].id must match pattern"),
        (body(event(2, "engage_conversion", currency="euros")), "events[1].currency must match pattern"),
        (body(event(2, "engage_conversion", value=float("inf"))), "events[1].value must be a finite number"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_nothing_of_the_batch_is_stored(
    db: str, bad: bytes, reason: str
) -> None:
    app = create_app(db)
    if bad.startswith(b'{"events": [{'):  # a valid first event rides along with the bad one
        bad = bad.replace(b'{"events": [', b'{"events": [' + json.dumps(event(1)).encode() + b", ", 1)
    status, _, answer = call(app, "POST", bad)
    assert status == 400
    assert reason in json.loads(answer)["error"]
    assert rows(db) == []


def test_request_size_and_batch_length_are_limited(db: str) -> None:
    app = create_app(db, max_body=2000, max_events=3)
    status, _, answer = call(app, "POST", body(*(event(i) for i in range(4))))
    assert status == 413 and "at most 3" in json.loads(answer)["error"]
    status, _, answer = call(app, "POST", body(event(1, name="x" * 3000)))
    assert status == 413 and "over 2000 bytes" in json.loads(answer)["error"]
    status, _, _ = call(app, "POST", body(event(1)), {"Content-Length": "999999"})
    assert status == 413
    assert call(app, "GET", b"")[0] == 405
    assert rows(db) == []


def test_a_visitor_over_the_rate_waits_and_others_do_not(db: str) -> None:
    now = [0.0]
    app = create_app(db, rate=RateLimit(rate=5, per=10, clock=lambda: now[0]))
    assert call(app, "POST", body(*(event(i) for i in range(5))))[0] == 200
    status, headers, answer = call(app, "POST", body(event(5)))
    assert status == 429 and headers["retry-after"] == "2"
    assert "too many events from one visitor" in json.loads(answer)["error"]
    assert call(app, "POST", body(event(6, visitor="v2")))[0] == 200
    now[0] = 2.0  # two seconds refill one event's worth at 5 per 10 s
    assert call(app, "POST", body(event(5)))[0] == 200
    assert len(rows(db)) == 7


def test_engine_collect_app_is_the_packaged_collector() -> None:
    from engine import collect
    from engine.tools import collect as tool

    assert collect.app is tool.app and isinstance(collect.app, tool.Collector)


# ------------------------------------------------------------------ the report


def test_report_counts_per_rule_and_interaction_and_attributes_conversions_after_exposure(db: str) -> None:
    app = create_app(db)
    events = [
        event(1, visitor="t1", split=0.5), event(2, "engage_clicked", visitor="t1"),
        event(3, "engage_chat_started", visitor="t1", interaction="chat"),
        event(4, "engage_conversion", visitor="t1", time=T0 + 10, value=30.0),
        event(5, "engage_conversion", visitor="t1", time=T0 + 20, value=20.0),
        event(6, visitor="t2"), event(7, "engage_closed", visitor="t2"),
        event(8, "engage_conversion", visitor="t2", time=T0 - 1),  # before exposure: not counted
        event(9, "engage_control", visitor="c1"),
        event(10, "engage_conversion", visitor="c1", time=T0 + 5, value=15.0),
        event(11, "engage_control", visitor="c2"), event(12, "engage_control", visitor="c2", time=T0 + 99),
        event(13, "engage_survey", visitor="t2"),
    ]  # fmt: skip
    assert call(app, "POST", body(*events))[0] == 200
    (entry,) = report.results(store.open_store(db))
    assert entry["rule"] == "Cart help" and entry["split"] == 0.5 and entry["control_group"]
    assert entry["visitors"] == {"treatment": 2, "control": 2}
    assert entry["converted"] == {"treatment": 1, "control": 1}
    assert entry["conversions"] == {"treatment": 2, "control": 1}
    assert entry["value"] == {"treatment": 50.0, "control": 15.0}
    assert entry["rate"] == {"treatment": 0.5, "control": 0.5}
    assert entry["lift"] is None and entry["p_value"] is None
    assert entry["note"] == "not enough data yet: each arm needs at least 100 visitors (treatment 2, control 2)"
    items = {i["interaction"]: i for i in entry["interactions"]}
    assert items["cart-panel"] | {"visitors": None} == {
        "interaction": "cart-panel", "visitors": None, "shown": 2, "clicked": 1, "chats": 0,
        "declined": 1, "surveys": 1, "control": 3}  # fmt: skip
    assert items["cart-panel"]["visitors"] == {"treatment": 2, "control": 2}
    assert items["chat"]["chats"] == 1
    assert entry["daily"] == [{"day": "2026-11-25", "visitors": {"treatment": 2, "control": 2},
                               "converted": {"treatment": 1, "control": 1}}]  # fmt: skip
    # --since drops what came before the day.
    out = io.StringIO()
    assert report.main(["--db", db, "--json", "--since", "2026-11-26"], out) == 0
    assert json.loads(out.getvalue()) == []


def simulate(url: str, visitors: int, rate_t: float, rate_c: float, seed: int, split: float = 0.5) -> None:
    rnd = random.Random(seed)
    events = []
    for i in range(visitors):
        control = rnd.random() < split
        vid = f"s{seed}-{i:06d}"
        events.append(event(f"{seed}-{i}-x", "engage_control" if control else "engage_show",
                            visitor=vid, split=split, time=T0 + i))  # fmt: skip
        if rnd.random() < (rate_c if control else rate_t):
            events.append(event(f"{seed}-{i}-c", "engage_conversion", visitor=vid, time=T0 + i + 1))
    result = post(url, events, batch=500, clients=4)
    assert result["statuses"] == {200: result["requests"]}


@pytest.mark.slow  # 40,000 simulated visitors posted through HTTP
def test_simulated_visitors_with_a_known_lift_through_http(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'sim.db'}"
    true_t, true_c = 0.12, 0.10
    with running(create_app(db)) as url:
        simulate(url, 20_000, true_t, true_c, seed=23)
        aa = str(tmp_path / "aa.db")
    out = io.StringIO()
    assert report.main(["--db", db, "--json"], out) == 0
    (entry,) = json.loads(out.getvalue())
    assert sum(entry["visitors"].values()) == 20_000
    low, high = entry["lift_ci"]
    assert low < true_t - true_c < high, entry
    assert entry["p_value"] < 0.05 and entry["significant"]  # 20,000 visitors detect 2 points
    rel_low, rel_high = entry["relative_lift_ci"]
    assert rel_low < true_t / true_c - 1 < rel_high
    assert entry["srm"] is False and entry["note"] is None
    for arm in ("treatment", "control"):
        ci = entry["rate_ci"][arm]
        assert ci[0] < (true_t if arm == "treatment" else true_c) < ci[1]
    # A/A through HTTP once: no significant lift.
    db_aa = f"sqlite:///{aa}"
    with running(create_app(db_aa)) as url:
        simulate(url, 20_000, 0.1, 0.1, seed=5)
    (entry,) = report.results(store.open_store(db_aa))
    assert entry["p_value"] >= 0.05 and entry["lift_ci"][0] < 0 < entry["lift_ci"][1]


def test_lift_intervals_cover_the_truth_and_aa_runs_are_rarely_significant() -> None:
    # 2,000 repetitions of 2 x 5,000 visitors, drawn binomially (each visitor converts or not).
    # A correct test at the 95% level finds no significant lift in 95% of A/A repetitions on
    # average; over 2,000 repetitions the observed share lies within 95% +- 1.0% (two
    # standard errors) unless the test is broken. This seeded run gives 95.25%.
    gen = np.random.default_rng(7)
    n = 5000
    aa = [stats.lift(n, int(gen.binomial(n, 0.1)), n, int(gen.binomial(n, 0.1))) for _ in range(2000)]
    quiet = sum(not r.significant for r in aa) / len(aa)
    assert 0.95 <= quiet <= 0.96, quiet
    # The interval of a real lift (12% against 10%) covers the truth as often as it says.
    ab = [stats.lift(n, int(gen.binomial(n, 0.12)), n, int(gen.binomial(n, 0.1))) for _ in range(2000)]
    covered = sum(r.interval[0] < 0.02 < r.interval[1] for r in ab) / len(ab)
    assert 0.94 <= covered <= 0.96, covered


def test_lift_is_welchs_test_on_the_visitors_outcomes() -> None:
    from scipy import stats as scipy_stats

    t = np.repeat([1.0, 0.0], [130, 870])
    c = np.repeat([1.0, 0.0], [90, 1110])
    expected = scipy_stats.ttest_ind(t, c, equal_var=False)
    result = stats.lift(1000, 130, 1200, 90)
    assert result.absolute == pytest.approx(0.13 - 0.075)
    assert result.p_value == pytest.approx(expected.pvalue)
    assert result.interval == pytest.approx(tuple(expected.confidence_interval(0.95)))
    assert result.relative == pytest.approx(0.13 / 0.075 - 1)


def test_sample_ratio_mismatch_is_flagged_like_growthbook() -> None:
    assert stats.sample_ratio(5000, 5000, 0.5) == pytest.approx(1.0)
    assert stats.sample_ratio(5200, 4800, 0.5) < stats.SRM_THRESHOLD  # chi-square 16, p ~ 6e-5
    assert stats.sample_ratio(9000, 1000, 0.1) == pytest.approx(1.0)
    assert stats.sample_ratio(10, 0, 0) is None


# ------------------------------------------------------------------ the command line


def test_cli_report_json_text_and_a_self_contained_html_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    with running(create_app(db)) as url:
        simulate(url, 400, 0.3, 0.2, seed=1)
        with urllib.request.urlopen(urllib.request.Request(url, body(event("x-1")), method="POST")) as answer:
            assert json.loads(answer.read()) == {"stored": 1, "duplicates": 0}
    page = tmp_path / "out.html"
    assert cli(["report", "--db", db, "--json", "--html", str(page)]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    for key in ("rule", "visitors", "conversions", "lift", "lift_ci", "p_value"):
        assert key in entry
    assert set(entry["visitors"]) == set(entry["conversions"]) == {"treatment", "control"}
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") == 1 and "Cart help" in html  # one day: bars, no trend line yet
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert cli(["report", "--db", db]) == 0
    text = capsys.readouterr().out
    assert "== Cart help" in text and "lift " in text and "sample ratio" in text
    missing = tmp_path / "missing.db"
    assert cli(["report", "--db", f"sqlite:///{missing}"]) == 1
    assert "missing.db does not exist" in capsys.readouterr().err and not missing.exists()
    with pytest.raises(SystemExit):
        cli(["report", "--db", db, "--table", "x; drop table y"])
    assert "give a table or view name" in capsys.readouterr().err


def test_load_a_thousand_events_a_second_with_no_loss(tmp_path: Path) -> None:
    """Bounded: 5,000 events in batches of 20 from 8 clients on loopback must take < 5 s."""
    db = f"sqlite:///{tmp_path / 'load.db'}"
    with running(create_app(db)) as url:
        result = post(url, make_events(5000), batch=20, clients=8)
    assert result["statuses"] == {200: 250}
    assert result["events_per_second"] >= 1000, result
    with store.open_store(db, migrate=False).connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(store.events)).scalar_one() == 5000


def test_python_m_engine_collect_serves_post_engage_collect(tmp_path: Path) -> None:
    import subprocess
    import sys
    import urllib.error

    from bench.collect_load import collector_process

    db = f"sqlite:///{tmp_path / 'cli.db'}"
    with collector_process(db) as url:
        assert url.endswith("/engage/collect")
        with urllib.request.urlopen(urllib.request.Request(url, body(event(1)), method="POST")) as answer:
            assert (answer.status, json.loads(answer.read())) == (200, {"stored": 1, "duplicates": 0})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(url, b"[]", method="POST"))
        assert refused.value.code == 400
    assert [r["id"] for r in rows(db)] == ["event-0001"]
    bad = subprocess.run([sys.executable, "-m", "engine", "collect", "--db", "nosuchdb://x"],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert bad.returncode == 1 and "engine collect: error: cannot open nosuchdb://x" in bad.stderr

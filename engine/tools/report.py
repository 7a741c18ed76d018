"""`python -m engine report --db URL [--since DATE] [--html out.html] [--json]`.

Reads the events table (engine/tools/store.py, or a view of the same shape over an
analytics export: docs/analytics.md) and prints, per rule: exposed visitors, conversions
and value per arm, the conversion rate with a 95% interval, and for rules with a control
group the lift, its interval and p-value and the sample-ratio-mismatch check (stats.py);
per interaction: exposed visitors, shown, clicked, chats started, declined, surveys.
"""

from __future__ import annotations

import argparse
import datetime
import html
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa

from engine.tools import stats, store

ARMS = ("treatment", "control")
DAY_MS = 86_400_000
# event -> the per-interaction count it feeds
COUNTED = {"engage_show": "shown", "engage_clicked": "clicked", "engage_chat_started": "chats",
           "engage_closed": "declined", "engage_survey": "surveys", "engage_control": "control"}  # fmt: skip

# One row per visitor's first exposure to a rule, with what they converted after it.
EXPOSURES = """
WITH exposed AS (
  SELECT rule, visitor, MIN(arm) AS arm, MIN(time) AS first
  FROM {table} WHERE event IN ('engage_show', 'engage_control') AND time >= :since
  GROUP BY rule, visitor
), converted AS (
  SELECT x.rule, x.visitor, COUNT(c.id) AS n, SUM(COALESCE(c.value, 0)) AS value
  FROM exposed x JOIN {table} c
    ON c.visitor = x.visitor AND c.event = 'engage_conversion' AND c.time >= x.first
  GROUP BY x.rule, x.visitor
)
SELECT x.rule, x.arm, CAST(x.first / {day} AS INTEGER) AS day, COUNT(*) AS visitors,
       COUNT(v.visitor) AS converted, COALESCE(SUM(v.n), 0) AS conversions,
       COALESCE(SUM(v.value), 0) AS value
FROM exposed x LEFT JOIN converted v ON v.rule = x.rule AND v.visitor = x.visitor
GROUP BY x.rule, x.arm, CAST(x.first / {day} AS INTEGER)
"""
INTERACTIONS = """
SELECT rule, interaction, event, COUNT(*) AS events, COUNT(DISTINCT visitor) AS visitors
FROM {table} WHERE event <> 'engage_conversion' AND time >= :since
GROUP BY rule, interaction, event
"""
EXPOSED_PER_INTERACTION = """
SELECT rule, interaction, arm, COUNT(DISTINCT visitor) AS visitors
FROM {table} WHERE event IN ('engage_show', 'engage_control') AND time >= :since
GROUP BY rule, interaction, arm
"""
SPLITS = "SELECT rule, MAX(split) AS split FROM {table} WHERE event IN ('engage_show', 'engage_control') GROUP BY rule"


def results(engine: sa.Engine, since: int = 0, table: str = store.TABLE) -> list[dict[str, Any]]:
    """The report: one object per rule, in rule-name order (the --json output)."""
    fmt = {"table": table, "day": DAY_MS}
    with engine.connect() as db:
        exposures = db.execute(sa.text(EXPOSURES.format(**fmt)), {"since": since}).all()
        counts = db.execute(sa.text(INTERACTIONS.format(**fmt)), {"since": since}).all()
        exposed = db.execute(sa.text(EXPOSED_PER_INTERACTION.format(**fmt)), {"since": since}).all()
        splits = {r.rule: r.split for r in db.execute(sa.text(SPLITS.format(**fmt)))}
    rules: dict[str, dict[str, Any]] = {}

    def rule_entry(name: str) -> dict[str, Any]:
        if name not in rules:
            rules[name] = {
                "rule": name, "split": splits.get(name),
                **{k: dict.fromkeys(ARMS, 0) for k in ("visitors", "converted", "conversions")},
                "value": dict.fromkeys(ARMS, 0.0), "days": defaultdict(lambda: {k: dict.fromkeys(ARMS, 0) for k in ("visitors", "converted")}),
                "interactions": {},
            }  # fmt: skip
        return rules[name]

    for r in exposures:
        entry, arm = rule_entry(r.rule), r.arm if r.arm in ARMS else "treatment"
        entry["visitors"][arm] += r.visitors
        entry["converted"][arm] += r.converted
        entry["conversions"][arm] += r.conversions
        entry["value"][arm] += float(r.value)
        day = entry["days"][int(r.day)]
        day["visitors"][arm] += r.visitors
        day["converted"][arm] += r.converted
    for r in counts:
        item = _interaction(rule_entry(r.rule), r.interaction)
        if r.event in COUNTED:
            item[COUNTED[r.event]] += r.events
    for r in exposed:
        _interaction(rule_entry(r.rule), r.interaction)["visitors"][r.arm if r.arm in ARMS else "treatment"] += r.visitors
    return [_finish(rules[name]) for name in sorted(rules)]


def _interaction(entry: dict[str, Any], interaction: str) -> dict[str, Any]:
    items: dict[str, dict[str, Any]] = entry["interactions"]
    if interaction not in items:
        items[interaction] = {"interaction": interaction, "visitors": dict.fromkeys(ARMS, 0),
                              **dict.fromkeys(COUNTED.values(), 0)}  # fmt: skip
    return items[interaction]


def _finish(entry: dict[str, Any]) -> dict[str, Any]:
    v, c = entry["visitors"], entry["converted"]
    entry["rate"] = {arm: (c[arm] / v[arm] if v[arm] else None) for arm in ARMS}
    entry["rate_ci"] = {arm: stats.rate_interval(c[arm], v[arm]) for arm in ARMS}
    split = entry["split"]
    has_control = bool(split) or v["control"] > 0
    entry["control_group"] = has_control
    entry.update(lift=None, lift_ci=None, relative_lift=None, relative_lift_ci=None,
                 p_value=None, significant=None, srm_p_value=None, srm=None, note=None)  # fmt: skip
    if has_control:
        missing = stats.enough_data(v["treatment"], v["control"], c["treatment"], c["control"])
        if missing:
            entry["note"] = f"not enough data yet: {missing}"
        else:
            lift = stats.lift(v["treatment"], c["treatment"], v["control"], c["control"])
            entry.update(lift=lift.absolute, lift_ci=list(lift.interval), relative_lift=lift.relative,
                         relative_lift_ci=list(lift.relative_interval) if lift.relative_interval else None,
                         p_value=lift.p_value, significant=lift.significant)  # fmt: skip
        if split:
            srm = stats.sample_ratio(v["treatment"], v["control"], split)
            entry["srm_p_value"] = srm
            entry["srm"] = None if srm is None else srm < stats.SRM_THRESHOLD
    entry["rate_ci"] = {arm: list(ci) if ci else None for arm, ci in entry["rate_ci"].items()}
    entry["daily"] = [{"day": _day(d), **entry["days"][d]} for d in sorted(entry["days"])]
    del entry["days"]
    entry["interactions"] = [entry["interactions"][k] for k in sorted(entry["interactions"], key=str)]
    return entry


def _day(index: int) -> str:
    return datetime.datetime.fromtimestamp(index * DAY_MS / 1000, datetime.UTC).date().isoformat()


# ---------------------------------------------------------------- text


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.2f}%"


def _ci(ci: list[float] | None, pct: bool = True) -> str:
    if not ci:
        return ""
    return f"[{_pct(ci[0])}, {_pct(ci[1])}]" if pct else f"[{ci[0]:+.1%}, {ci[1]:+.1%}]"


def _points(ci: list[float]) -> str:
    return f"[{ci[0] * 100:+.2f}, {ci[1] * 100:+.2f}]"


def _lift_line(entry: dict[str, Any]) -> str:
    sig = "significant" if entry["significant"] else "not significant"
    rel = f", relative {entry['relative_lift']:+.1%} {_ci(entry['relative_lift_ci'], False)}" if entry["relative_lift"] is not None else ""
    return f"lift {entry['lift'] * 100:+.2f} points {_points(entry['lift_ci'])}{rel}, p = {entry['p_value']:.4f} ({sig} at 95%)"


def render_text(report: list[dict[str, Any]], out: TextIO) -> None:
    if not report:
        print("No exposures recorded yet (no engage_show or engage_control events).", file=out)
    for entry in report:
        print(f"== {entry['rule']}", file=out)
        arms = ARMS if entry["control_group"] else ARMS[:1]
        for arm in arms:
            print(f"   {arm:<9} visitors {entry['visitors'][arm]:>7}  converted {entry['converted'][arm]:>6}"
                  f"  conversions {entry['conversions'][arm]:>6}  value {entry['value'][arm]:>10.2f}"
                  f"  rate {_pct(entry['rate'][arm]):>7} {_ci(entry['rate_ci'][arm])}", file=out)  # fmt: skip
        if entry["control_group"]:
            if entry["note"]:
                print(f"   lift: {entry['note']}", file=out)
            else:
                print(f"   {_lift_line(entry)}", file=out)
            if entry["srm"] is not None:
                verdict = "MISMATCH: the arms are not split as configured; do not trust the lift" if entry["srm"] else "ok"
                print(f"   sample ratio (control {entry['split']:.0%} expected): p = {entry['srm_p_value']:.4f}, {verdict}", file=out)
        for item in entry["interactions"]:
            exposed = sum(item["visitors"].values())
            print(f"   - {item['interaction']}: exposed visitors {exposed}, shown {item['shown']}, clicked {item['clicked']},"
                  f" chats {item['chats']}, declined {item['declined']}, surveys {item['surveys']}", file=out)  # fmt: skip


# ---------------------------------------------------------------- html

COLOURS = {"treatment": "#2563eb", "control": "#9ca3af"}
STYLE = """body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#111}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}.note{color:#92400e}.bad{color:#b91c1c;font-weight:600}
section{margin-bottom:2.5rem}svg{display:block;margin:.5rem 0}"""


def _bars(entry: dict[str, Any]) -> str:
    """Conversion rate per arm with its 95% interval as an error bar."""
    arms = [a for a in ARMS if entry["visitors"][a]]
    top = max([entry["rate_ci"][a][1] for a in arms] + [0.01]) * 1.15
    w, h, pad = 360, 200, 40
    parts = [f'<svg role="img" aria-label="Conversion rate by arm for {html.escape(entry["rule"])}" width="{w}" height="{h + 30}" viewBox="0 0 {w} {h + 30}">']
    parts.append(f'<line x1="{pad}" y1="{h}" x2="{w - 10}" y2="{h}" stroke="#333"/>')
    for i, arm in enumerate(arms):
        x = pad + 30 + i * 140
        rate, (low, high) = entry["rate"][arm], entry["rate_ci"][arm]
        y = h - rate / top * (h - 20)
        parts.append(f'<rect x="{x}" y="{y:.1f}" width="80" height="{h - y:.1f}" fill="{COLOURS[arm]}"><title>{arm}: {_pct(rate)}</title></rect>')
        y1, y2 = h - low / top * (h - 20), h - high / top * (h - 20)
        parts.append(f'<path d="M{x + 40} {y1:.1f}V{y2:.1f}M{x + 30} {y1:.1f}h20M{x + 30} {y2:.1f}h20" stroke="#111" fill="none"/>')
        parts.append(f'<text x="{x + 40}" y="{h + 18}" text-anchor="middle">{arm} {_pct(rate)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _trend(entry: dict[str, Any]) -> str:
    """Daily conversion rate per arm (by the day of the visitors' first exposure)."""
    days = entry["daily"]
    if len(days) < 2:
        return "<p>The daily trend appears from the second day on.</p>"
    w, h, pad = 560, 180, 40
    rates = {a: [(d["converted"][a] / d["visitors"][a]) if d["visitors"][a] else None for d in days] for a in ARMS}
    top = max([r for a in ARMS for r in rates[a] if r is not None] + [0.01]) * 1.15
    step = (w - pad - 10) / (len(days) - 1)
    parts = [f'<svg role="img" aria-label="Daily conversion rate for {html.escape(entry["rule"])}" width="{w}" height="{h + 30}" viewBox="0 0 {w} {h + 30}">',
             f'<line x1="{pad}" y1="{h}" x2="{w - 10}" y2="{h}" stroke="#333"/>']  # fmt: skip
    for arm in ARMS:
        points = [f"{pad + i * step:.1f},{h - r / top * (h - 20):.1f}" for i, r in enumerate(rates[arm]) if r is not None]
        if points:
            parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{COLOURS[arm]}" stroke-width="2"><title>{arm}</title></polyline>')
    parts.append(f'<text x="{pad}" y="{h + 18}">{days[0]["day"]}</text><text x="{w - 10}" y="{h + 18}" text-anchor="end">{days[-1]["day"]}</text>')
    parts.append(f'<text x="{pad}" y="12">{_pct(top)}</text>')
    for i, arm in enumerate(ARMS):
        parts.append(f'<text x="{w - 10}" y="{14 + i * 16}" text-anchor="end" fill="{COLOURS[arm]}">{arm}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: list[dict[str, Any]]) -> str:
    sections = []
    for entry in report:
        e = html.escape
        arms = ARMS if entry["control_group"] else ARMS[:1]
        rows = "".join(
            f"<tr><td>{arm}</td><td>{entry['visitors'][arm]}</td><td>{entry['converted'][arm]}</td>"
            f"<td>{entry['conversions'][arm]}</td><td>{entry['value'][arm]:.2f}</td>"
            f"<td>{_pct(entry['rate'][arm])} {_ci(entry['rate_ci'][arm])}</td></tr>"
            for arm in arms
        )
        verdict = ""
        if entry["control_group"]:
            if entry["note"]:
                verdict = f'<p class="note">{e(entry["note"])}</p>'
            else:
                line = _lift_line(entry)
                verdict = f"<p><b>{e(line[0].upper() + line[1:])}</b></p>"
            if entry["srm"] is False:
                verdict += f"<p>Sample ratio as configured (control {entry['split']:.0%}; p = {entry['srm_p_value']:.4f}).</p>"
            if entry["srm"]:
                verdict += f'<p class="bad">Sample ratio mismatch (p = {entry["srm_p_value"]:.5f}): the arms are not split as configured; do not trust the lift.</p>'
        items = "".join(
            f"<tr><td>{e(str(i['interaction']))}</td><td>{sum(i['visitors'].values())}</td><td>{i['shown']}</td>"
            f"<td>{i['clicked']}</td><td>{i['chats']}</td><td>{i['declined']}</td><td>{i['surveys']}</td></tr>"
            for i in entry["interactions"]
        )
        bars = _bars(entry) if any(entry["visitors"].values()) else ""
        sections.append(
            f"<section><h2>{e(entry['rule'])}</h2><table><tr><th>arm</th><th>visitors</th><th>converted</th>"
            f"<th>conversions</th><th>value</th><th>conversion rate (95%)</th></tr>{rows}</table>{verdict}"
            f"<h3>Conversion rate by arm, with its 95% interval</h3>{bars}"
            f"<h3>Daily conversion rate, by day of first exposure</h3>{_trend(entry)}<table><tr><th>interaction</th><th>exposed visitors</th><th>shown</th><th>clicked</th>"
            f"<th>chats</th><th>declined</th><th>surveys</th></tr>{items}</table></section>"
        )
    body = "".join(sections) or "<p>No exposures recorded yet.</p>"
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Engage results</title>'
            f"<style>{STYLE}</style></head><body><h1>Results per rule</h1>{body}</body></html>\n")  # fmt: skip


def _since(text: str) -> int:
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2026-11-25") from None
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC).timestamp() * 1000)


def main(argv: list[str], out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="python -m engine report", description="Results per rule from the collected events.")
    parser.add_argument("--db", required=True, help="sqlite:///FILE or postgresql://... (what `collect` writes)")
    parser.add_argument("--since", type=_since, default=0, help="only events from this day on (YYYY-MM-DD, UTC)")
    parser.add_argument("--html", metavar="FILE", help="also write a self-contained page with plots")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--table", default=store.TABLE, help="table or view to read (default: %(default)s)")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[A-Za-z_][\w$]*(\.[A-Za-z_][\w$-]*)*", args.table):
        parser.error(f"--table {args.table!r}: give a table or view name such as engage_events or dataset.engage_events")
    url = sa.make_url(store.normalise_url(args.db))
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_file():
        print(f"engine report: error: {url.database} does not exist; give the --db that `collect` writes to", file=sys.stderr)
        return 1
    try:
        engine = store.open_store(args.db, migrate=False)
        report = results(engine, args.since, args.table)
    except sa.exc.SQLAlchemyError as exc:
        print(f"engine report: error: cannot read {args.table} in {args.db}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}; is this the database `collect` writes to?", file=sys.stderr)
        return 1
    if args.html:
        Path(args.html).write_text(render_html(report), encoding="utf-8")
    if args.json:
        json.dump(report, out, indent=2)
        print(file=out)
    else:
        render_text(report, out)
    return 0

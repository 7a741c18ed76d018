"""Opening hours: weekly hours, closed and special dates, DST, next_change, config errors.

Expected instants are written independently of the module: as UTC wall times where DST
matters (so a wrong offset cannot cancel out), otherwise as Oslo wall times via datetime.
"""

from __future__ import annotations

import dataclasses
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.schedule import Schedule, compile_schedule

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MS = timedelta(milliseconds=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def oslo(y: int, mo: int, d: int, h: int = 0, mi: int = 0, fold: int = 0) -> int:
    """Epoch ms of an Oslo wall-clock time (an unambiguous one, unless fold says which)."""
    return (datetime(y, mo, d, h, mi, tzinfo=OSLO, fold=fold) - EPOCH) // MS


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> int:
    return (datetime(y, mo, d, h, mi, tzinfo=UTC) - EPOCH) // MS


def build(raw: dict[str, object]) -> Schedule:
    schedule, problems = compile_schedule(raw, "schedules.test")
    assert problems == []
    assert schedule is not None
    return schedule


def problems_of(raw: object) -> list[tuple[str, str]]:
    schedule, problems = compile_schedule(raw, "schedules.office")
    assert schedule is None
    return problems


def oslo_weekly(**days: list[str]) -> Schedule:
    return build({"timezone": "Europe/Oslo", "weekly": days})


OFFICE = build(
    {
        "timezone": "Europe/Oslo",
        "weekly": {
            **{day: ["08:00-16:00"] for day in WEEKDAYS},
            "sat": ["10:00-12:00", "13:00-15:00"],
        },  # no "sun": closed
        "closedDates": ["2026-12-24"],
        "openDates": {
            "2026-12-27": ["10:00-14:00"],
            "2026-06-15": ["12:00-13:00"],
            "2026-06-16": [],
        },
    }
)


# ------------------------------------------------------------------------ weekly hours


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (oslo(2026, 6, 10, 7, 59), False),
        (oslo(2026, 6, 10, 8, 0) - 1, False),  # one millisecond before opening
        (oslo(2026, 6, 10, 8, 0), True),  # the start is included
        (oslo(2026, 6, 10, 12, 0), True),
        (oslo(2026, 6, 10, 16, 0) - 1, True),
        (oslo(2026, 6, 10, 16, 0), False),  # the end is excluded
        (oslo(2026, 6, 10, 23, 0), False),
    ],
)
def test_weekday_inside_and_outside_hours(now: int, expected: bool) -> None:
    assert OFFICE.is_open(now) is expected


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [(9, 59, False), (10, 0, True), (11, 59, True), (12, 0, False), (12, 30, False),
     (13, 0, True), (14, 59, True), (15, 0, False)],
)  # fmt: skip
def test_saturday_with_two_ranges(hour: int, minute: int, expected: bool) -> None:
    assert OFFICE.is_open(oslo(2026, 6, 13, hour, minute)) is expected


def test_saturday_next_changes_step_through_both_ranges_then_skip_sunday() -> None:
    now = oslo(2026, 6, 13, 9, 0)
    steps = []
    for _ in range(5):
        nxt = OFFICE.next_change(now)
        assert nxt is not None
        steps.append(nxt)
        now = nxt
    assert steps == [
        oslo(2026, 6, 13, 10),
        oslo(2026, 6, 13, 12),
        oslo(2026, 6, 13, 13),
        oslo(2026, 6, 13, 15),
        oslo(2026, 6, 15, 12),  # Sunday is missing; Monday 2026-06-15 has special hours
    ]


@pytest.mark.parametrize("hour", [0, 8, 12, 23])
def test_day_missing_from_weekly_is_closed(hour: int) -> None:
    assert OFFICE.is_open(oslo(2026, 6, 14, hour)) is False  # a Sunday


def test_next_change_is_strictly_after_now() -> None:
    assert OFFICE.next_change(oslo(2026, 6, 10, 8)) == oslo(2026, 6, 10, 16)
    assert OFFICE.next_change(oslo(2026, 6, 10, 16)) == oslo(2026, 6, 11, 8)
    assert OFFICE.next_change(oslo(2026, 6, 10, 8) - 1) == oslo(2026, 6, 10, 8)


def test_touching_ranges_and_midnight_are_no_change() -> None:
    schedule = oslo_weekly(
        sat=["20:00-24:00"], sun=["00:00-02:00"], mon=["10:00-12:00", "12:00-14:00"]
    )
    assert schedule.next_change(oslo(2026, 6, 13, 21)) == oslo(2026, 6, 14, 2)
    assert schedule.is_open(oslo(2026, 6, 14, 0)) is True
    assert schedule.is_open(oslo(2026, 6, 13, 23, 59)) is True
    assert schedule.next_change(oslo(2026, 6, 15, 11)) == oslo(2026, 6, 15, 14)
    assert schedule.is_open(oslo(2026, 6, 15, 12)) is True


def test_ranges_are_sorted_whatever_their_order_in_the_config() -> None:
    schedule = oslo_weekly(sat=["13:00-15:00", "10:00-12:00"])
    assert schedule.next_change(oslo(2026, 6, 13, 9)) == oslo(2026, 6, 13, 10)
    assert schedule.next_change(oslo(2026, 6, 13, 12)) == oslo(2026, 6, 13, 13)


# ------------------------------------------------------------- closed and special dates


def test_closed_date() -> None:
    assert OFFICE.is_open(oslo(2026, 12, 23, 12)) is True
    assert OFFICE.is_open(oslo(2026, 12, 24, 12)) is False  # a Thursday, closed
    assert OFFICE.next_change(oslo(2026, 12, 23, 16)) == oslo(2026, 12, 25, 8)


def test_run_of_closed_dates_is_searched_past() -> None:
    days = [f"2026-12-{d}" for d in range(21, 32)] + [f"2027-01-0{d}" for d in range(1, 6)]
    schedule = build(
        {
            "timezone": "Europe/Oslo",
            "weekly": {d: ["08:00-16:00"] for d in WEEKDAYS},
            "closedDates": days,
        }
    )
    assert schedule.next_change(oslo(2026, 12, 18, 16)) == oslo(2027, 1, 6, 8)


def test_open_dates_open_a_closed_weekday() -> None:
    # 2026-12-27 is a Sunday, absent from weekly.
    assert OFFICE.is_open(oslo(2026, 12, 27, 9, 59)) is False
    assert OFFICE.is_open(oslo(2026, 12, 27, 10)) is True
    assert OFFICE.is_open(oslo(2026, 12, 27, 14)) is False
    assert OFFICE.next_change(oslo(2026, 12, 26, 15)) == oslo(2026, 12, 27, 10)
    assert OFFICE.next_change(oslo(2026, 12, 27, 10)) == oslo(2026, 12, 27, 14)
    assert OFFICE.next_change(oslo(2026, 12, 27, 14)) == oslo(2026, 12, 28, 8)


def test_open_dates_replace_the_weekly_hours() -> None:
    # Monday 2026-06-15 has 12:00-13:00 instead of 08:00-16:00.
    assert OFFICE.is_open(oslo(2026, 6, 15, 9)) is False
    assert OFFICE.is_open(oslo(2026, 6, 15, 12, 30)) is True
    assert OFFICE.is_open(oslo(2026, 6, 15, 15)) is False
    assert OFFICE.next_change(oslo(2026, 6, 15, 12, 30)) == oslo(2026, 6, 15, 13)


def test_open_date_with_no_ranges_closes_the_day() -> None:
    assert OFFICE.is_open(oslo(2026, 6, 16, 12)) is False  # a Tuesday
    assert OFFICE.next_change(oslo(2026, 6, 15, 13)) == oslo(2026, 6, 17, 8)


def test_open_dates_only() -> None:
    schedule = build({"timezone": "Europe/Oslo", "openDates": {"2026-12-27": ["10:00-14:00"]}})
    assert schedule.next_change(oslo(2026, 6, 10)) == oslo(2026, 12, 27, 10)
    assert schedule.next_change(oslo(2026, 12, 27, 14)) is None


def test_no_change_within_the_horizon_is_none() -> None:
    schedule = build({"timezone": "Europe/Oslo", "openDates": {"2027-12-01": ["10:00-14:00"]}})
    assert schedule.next_change(oslo(2026, 6, 10)) is None  # more than 370 days away


# ------------------------------------------------------------------- constant schedules


@pytest.mark.parametrize(
    "raw",
    [
        {"timezone": "Europe/Oslo"},
        {"timezone": "Europe/Oslo", "weekly": {}},
        {"timezone": "Europe/Oslo", "weekly": {"mon": []}, "closedDates": ["2026-12-24"]},
        {"timezone": "Europe/Oslo", "openDates": {"2026-06-15": []}},
    ],
)
def test_never_open(raw: dict[str, object]) -> None:
    schedule = build(raw)
    for now in (oslo(2026, 6, 15, 12), oslo(2026, 3, 29, 3), oslo(2026, 12, 24, 9)):
        assert schedule.is_open(now) is False
        assert schedule.next_change(now) is None


def test_open_around_the_clock() -> None:
    schedule = build(
        {
            "timezone": "Europe/Oslo",
            "weekly": {d: ["00:00-24:00"] for d in (*WEEKDAYS, "sat", "sun")},
        }
    )
    for now in (oslo(2026, 6, 15, 12), utc(2026, 3, 29, 1), utc(2026, 10, 25, 1, 30)):
        assert schedule.is_open(now) is True
        assert schedule.next_change(now) is None


def test_open_around_the_clock_except_a_closed_date() -> None:
    schedule = build(
        {
            "timezone": "Europe/Oslo",
            "weekly": {d: ["00:00-24:00"] for d in (*WEEKDAYS, "sat", "sun")},
            "closedDates": ["2026-12-24"],
        }
    )
    assert schedule.next_change(oslo(2026, 6, 15)) == oslo(2026, 12, 24)
    assert schedule.next_change(oslo(2026, 12, 24, 12)) == oslo(2026, 12, 25)


# ------------------------------------------------------ DST: Oslo, 2026-03-29 (spring)
# Clocks jump from 02:00 CET (UTC+1) to 03:00 CEST (UTC+2) at 01:00 UTC.


def test_spring_weekend_moves_monday_opening_by_one_hour_in_utc() -> None:
    workweek = oslo_weekly(**{day: ["08:00-16:00"] for day in WEEKDAYS})
    assert workweek.next_change(oslo(2026, 3, 27, 16)) == utc(2026, 3, 30, 6)
    assert oslo(2026, 3, 27, 8) == utc(2026, 3, 27, 7)  # the Friday was still UTC+1
    assert workweek.is_open(utc(2026, 3, 30, 6) - 1) is False
    assert workweek.is_open(utc(2026, 3, 30, 6)) is True


def test_spring_day_has_23_hours() -> None:
    schedule = oslo_weekly(sun=["00:00-24:00"])
    assert schedule.next_change(utc(2026, 3, 28, 12)) == utc(2026, 3, 28, 23)
    assert schedule.next_change(utc(2026, 3, 29, 12)) == utc(2026, 3, 29, 22)


def test_spring_range_starting_in_the_skipped_hour_opens_when_clocks_jump() -> None:
    schedule = oslo_weekly(sun=["02:30-05:00"])
    assert schedule.next_change(utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 1)
    assert schedule.is_open(utc(2026, 3, 29, 1) - 1) is False  # 01:59:59.999 CET
    assert schedule.is_open(utc(2026, 3, 29, 1)) is True  # 03:00 CEST
    assert schedule.next_change(utc(2026, 3, 29, 1)) == utc(2026, 3, 29, 3)  # 05:00 CEST


def test_spring_range_ending_in_the_skipped_hour_closes_when_clocks_jump() -> None:
    schedule = oslo_weekly(sun=["00:00-02:30"])
    assert schedule.next_change(utc(2026, 3, 28, 12)) == utc(2026, 3, 28, 23)
    assert schedule.next_change(utc(2026, 3, 28, 23)) == utc(2026, 3, 29, 1)
    assert schedule.is_open(utc(2026, 3, 29, 1)) is False  # the wall clock reads 03:00


def test_spring_range_inside_the_skipped_hour_never_opens() -> None:
    schedule = oslo_weekly(sun=["02:00-02:45", "09:00-10:00"])
    assert schedule.next_change(utc(2026, 3, 28, 12)) == utc(2026, 3, 29, 7)  # 09:00 CEST
    assert schedule.is_open(utc(2026, 3, 29, 1)) is False
    # A week later the hour exists again.
    assert schedule.next_change(utc(2026, 3, 29, 8)) == utc(2026, 4, 5, 0)


# ------------------------------------------------------ DST: Oslo, 2026-10-25 (autumn)
# Clocks go back from 03:00 CEST (UTC+2) to 02:00 CET (UTC+1) at 01:00 UTC, so local
# 02:00-03:00 happens twice: 00:00-01:00 UTC and again 01:00-02:00 UTC.


def test_autumn_weekend_moves_monday_opening_by_one_hour_in_utc() -> None:
    workweek = oslo_weekly(**{day: ["08:00-16:00"] for day in WEEKDAYS})
    assert workweek.next_change(oslo(2026, 10, 23, 16)) == utc(2026, 10, 26, 7)
    assert oslo(2026, 10, 23, 8) == utc(2026, 10, 23, 6)  # the Friday was still UTC+2


def test_autumn_day_has_25_hours() -> None:
    schedule = oslo_weekly(sun=["00:00-24:00"])
    assert schedule.next_change(utc(2026, 10, 24, 12)) == utc(2026, 10, 24, 22)
    assert schedule.next_change(utc(2026, 10, 24, 22)) == utc(2026, 10, 25, 23)
    assert schedule.is_open(utc(2026, 10, 25, 1, 30)) is True  # the repeated hour


def test_autumn_repeated_time_ending_a_range_is_its_first_occurrence() -> None:
    schedule = oslo_weekly(sun=["00:00-02:30"])
    assert schedule.next_change(utc(2026, 10, 24, 23)) == utc(2026, 10, 25, 0, 30)
    assert schedule.is_open(utc(2026, 10, 25, 0, 29)) is True  # 02:29 CEST
    # 02:00-02:30 CET, the second time round: stays closed, no reopening.
    assert schedule.is_open(utc(2026, 10, 25, 1, 15)) is False
    assert schedule.next_change(utc(2026, 10, 25, 0, 30)) == utc(2026, 10, 31, 23)


def test_autumn_repeated_time_starting_a_range_is_its_first_occurrence() -> None:
    schedule = oslo_weekly(sun=["02:30-06:00"])
    assert schedule.next_change(utc(2026, 10, 24, 12)) == utc(2026, 10, 25, 0, 30)
    assert schedule.is_open(utc(2026, 10, 25, 1, 15)) is True  # 02:15 CET, after the start
    assert schedule.next_change(utc(2026, 10, 25, 0, 30)) == utc(2026, 10, 25, 5)  # 06:00 CET


# ----------------------------------------------------------------------- consistency


ZONES = ("Europe/Oslo", "America/New_York", "Asia/Beirut", "Australia/Lord_Howe", "UTC")
RANGES = st.sampled_from(
    ["00:00-24:00", "00:00-02:30", "01:30-02:30", "02:00-03:00", "02:30-05:00", "08:00-16:00",
     "22:00-24:00", "23:30-24:00", "00:00-00:30", "12:00-12:01"]
)  # fmt: skip


@st.composite
def schedules(draw: st.DrawFn) -> Schedule:
    weekly: dict[str, list[str]] = {}
    for day in (*WEEKDAYS, "sat", "sun"):
        ranges = sorted(set(draw(st.lists(RANGES, max_size=2))))
        starts_ends = [(r[:5], r[6:]) for r in ranges]
        if all(a[1] <= b[0] or b[1] <= a[0] for a in starts_ends for b in starts_ends if a < b):
            weekly[day] = ranges
    return build({"timezone": draw(st.sampled_from(ZONES)), "weekly": weekly})


@settings(max_examples=300, deadline=None)
@given(schedule=schedules(), now=st.integers(utc(2026, 1, 1), utc(2027, 1, 1)))
def test_next_change_flips_and_nothing_flips_before_it(schedule: Schedule, now: int) -> None:
    state = schedule.is_open(now)
    change = schedule.next_change(now)
    if change is None:
        for day in range(0, 400, 3):
            assert schedule.is_open(now + day * 86_400_000 + 3_600_000 * (day % 24)) is state
        return
    assert change > now
    assert schedule.is_open(change) is not state
    assert schedule.is_open(change - 1) is state
    # Sample the stretch in between: a flip there would be an earlier change.
    step = max(1, (change - now) // 97)
    for t in range(now, change, step):
        assert schedule.is_open(t) is state


@settings(max_examples=300, deadline=None)
@given(schedule=schedules(), now=st.integers(utc(2026, 1, 1), utc(2027, 1, 1)))
def test_is_open_follows_the_wall_clock(schedule: Schedule, now: int) -> None:
    local = (EPOCH + now * MS).astimezone(schedule.zone)
    if local.fold:
        return  # a repeated wall time, second time round: documented to differ
    minute = local.hour * 60 + local.minute
    expected = any(s <= minute < e for s, e in schedule.intervals_on(local.date()))
    assert schedule.is_open(now) is expected


def test_schedule_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        OFFICE.timezone = "UTC"  # type: ignore[misc]


# ---------------------------------------------------------------------------- problems


@pytest.mark.parametrize(
    ("timezone", "message"),
    [
        ("Europe/Olso", 'unknown timezone "Europe/Olso"; did you mean "Europe/Oslo"?'),
        ("europe/oslo", 'unknown timezone "europe/oslo"; did you mean "Europe/Oslo"?'),
        ("Oslo", 'unknown timezone "Oslo"; did you mean "Europe/Oslo"?'),
        ("New York", 'unknown timezone "New York"; did you mean "America/New_York"?'),
        (
            "Europe",
            'unknown timezone "Europe"; name a zone in that region, e.g. "Europe/Amsterdam"',
        ),
        (
            "Mars/Olympus",
            'unknown timezone "Mars/Olympus"; use an IANA time zone name such as "Europe/Oslo" '
            'or "America/New_York"',
        ),
        # On the disk of many Linux machines, never in tzdata: the browser would not have it.
        (
            "posixrules",
            'unknown timezone "posixrules"; use an IANA time zone name such as "Europe/Oslo" '
            'or "America/New_York"',
        ),
        (
            "",
            'unknown timezone ""; use an IANA time zone name such as "Europe/Oslo" or "America/New_York"',
        ),
        (5, "expected a string, got number"),
    ],
)
def test_timezone_problems(timezone: object, message: str) -> None:
    assert problems_of({"timezone": timezone}) == [("schedules.office.timezone", message)]


def test_valid_timezone_does_not_list_every_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> set[str]:
        raise AssertionError("available_timezones() is for the error path only")

    monkeypatch.setattr(zoneinfo, "available_timezones", refuse)
    assert build({"timezone": "America/New_York"}).timezone == "America/New_York"


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (
            "monday",
            'unknown day "monday"; did you mean "mon"? Days are mon, tue, wed, thu, fri, sat, sun',
        ),
        (
            "Mon",
            'unknown day "Mon"; did you mean "mon"? Days are mon, tue, wed, thu, fri, sat, sun',
        ),
        (
            "thurs",
            'unknown day "thurs"; did you mean "thu"? Days are mon, tue, wed, thu, fri, sat, sun',
        ),
        (
            "tusday",
            'unknown day "tusday"; did you mean "tue"? Days are mon, tue, wed, thu, fri, sat, sun',
        ),
        ("holiday", 'unknown day "holiday"; days are mon, tue, wed, thu, fri, sat, sun'),
    ],
)
def test_unknown_day(day: str, message: str) -> None:
    raw = {"timezone": "Europe/Oslo", "weekly": {day: ["08:00-16:00"]}}
    assert problems_of(raw) == [(f"schedules.office.weekly.{day}", message)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("08:00-1600", '"08:00-1600" is not a time range; write it as "HH:MM-HH:MM", e.g. "08:00-16:00"'),
        ("8:00-16:00", '"8:00-16:00" is not a time range; write it as "HH:MM-HH:MM", e.g. "08:00-16:00"'),
        ("08:00 - 16:00", '"08:00 - 16:00" is not a time range; write it as "HH:MM-HH:MM", e.g. "08:00-16:00"'),
        ("25:00-26:00", '"25:00" in "25:00-26:00" is not a time of day; use 00:00 to 23:59, and 24:00 only as an end'),
        ("08:60-16:00", '"08:60" in "08:60-16:00" is not a time of day; use 00:00 to 23:59, and 24:00 only as an end'),
        ("24:00-24:00", '"24:00" in "24:00-24:00" is not a time of day; use 00:00 to 23:59, and 24:00 only as an end'),
        ("08:00-24:30", '"24:30" in "08:00-24:30" is not a time of day; use 00:00 to 23:59, and 24:00 only as an end'),
        (
            "16:00-08:00",
            '"16:00-08:00" ends before it starts; a range cannot cross midnight: write '
            '"16:00-24:00" on this day and "00:00-08:00" on the next',
        ),
        ("08:00-00:00", '"08:00-00:00" ends before it starts; to stay open until midnight write "08:00-24:00"'),
        ("10:00-10:00", '"10:00-10:00" is empty; give it an end later than its start'),
        ("00:00-00:00", '"00:00-00:00" is empty; for the whole day write "00:00-24:00"'),
    ],
)  # fmt: skip
def test_malformed_range(text: str, message: str) -> None:
    raw = {"timezone": "Europe/Oslo", "weekly": {"mon": ["07:00-07:30", text]}}
    assert problems_of(raw) == [("schedules.office.weekly.mon[1]", message)]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("08:00-16:00", 'expected a list, got string; write ["08:00-16:00"]'),
        ({"from": "08:00"}, "expected a list, got object"),
    ],
)
def test_day_that_is_not_a_list(value: object, message: str) -> None:
    raw = {"timezone": "Europe/Oslo", "weekly": {"tue": value}}
    assert problems_of(raw) == [("schedules.office.weekly.tue", message)]


def test_range_that_is_not_a_string() -> None:
    raw = {"timezone": "Europe/Oslo", "weekly": {"fri": [800]}}
    assert problems_of(raw) == [
        ("schedules.office.weekly.fri[0]", 'expected a string like "08:00-16:00", got number')
    ]


def test_overlapping_ranges_each_pair_named_once() -> None:
    raw = {
        "timezone": "Europe/Oslo",
        "weekly": {"wed": ["08:00-12:00", "11:00-13:00", "12:00-14:00", "08:00-12:00"]},
    }
    assert problems_of(raw) == [
        (
            "schedules.office.weekly.wed[1]",
            '"11:00-13:00" overlaps "08:00-12:00"; make the ranges separate or merge them into "08:00-13:00"',
        ),
        (
            "schedules.office.weekly.wed[2]",
            '"12:00-14:00" overlaps "11:00-13:00"; make the ranges separate or merge them into "11:00-14:00"',
        ),
        (
            "schedules.office.weekly.wed[3]",
            '"08:00-12:00" overlaps "08:00-12:00"; make the ranges separate or merge them into "08:00-12:00"',
        ),
        (
            "schedules.office.weekly.wed[3]",
            '"08:00-12:00" overlaps "11:00-13:00"; make the ranges separate or merge them into "08:00-13:00"',
        ),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026/12/25", '"2026/12/25" is not a date; write it as "YYYY-MM-DD", e.g. "2026-12-24"'),
        ("24.12.2026", '"24.12.2026" is not a date; write it as "YYYY-MM-DD", e.g. "2026-12-24"'),
        ("2026-2-3", '"2026-2-3" is not a date; write it as "YYYY-MM-DD", e.g. "2026-12-24"'),
        (
            "2026-02-30",
            '"2026-02-30" is not a calendar date (day is out of range for month); check the month and day',
        ),
        (
            "2026-13-01",
            '"2026-13-01" is not a calendar date (month must be in 1..12); check the month and day',
        ),
        (20261224, 'expected a date string like "2026-12-24", got number'),
    ],
)
def test_malformed_closed_date(text: object, message: str) -> None:
    raw = {"timezone": "Europe/Oslo", "closedDates": ["2026-12-24", text]}
    assert problems_of(raw) == [("schedules.office.closedDates[1]", message)]


def test_malformed_open_date_key_and_its_ranges() -> None:
    raw = {"timezone": "Europe/Oslo", "openDates": {"27.12.2026": ["10:00-1400"]}}
    assert problems_of(raw) == [
        (
            'schedules.office.openDates["27.12.2026"]',
            '"27.12.2026" is not a date; write it as "YYYY-MM-DD", e.g. "2026-12-24"',
        ),
        (
            'schedules.office.openDates["27.12.2026"][0]',
            '"10:00-1400" is not a time range; write it as "HH:MM-HH:MM", e.g. "08:00-16:00"',
        ),
    ]


def test_date_both_closed_and_open() -> None:
    raw = {
        "timezone": "Europe/Oslo",
        "closedDates": ["2026-12-24"],
        "openDates": {"2026-12-24": ["10:00-12:00"]},
    }
    assert problems_of(raw) == [
        (
            'schedules.office.openDates["2026-12-24"]',
            "2026-12-24 is also in closedDates; a date is either closed or has special hours: "
            "remove it from one of the two",
        )
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ([], [("schedules.office", "expected an object, got array")]),
        ({}, [("schedules.office", 'missing required field "timezone"')]),
        (
            {"timezone": "UTC", "closedDate": []},
            [
                (
                    "schedules.office.closedDate",
                    'unknown field "closedDate"; did you mean "closedDates"?',
                )
            ],
        ),
        (
            {"timezone": "UTC", "weekly": []},
            [("schedules.office.weekly", "expected an object, got array")],
        ),
        (
            {"timezone": "UTC", "closedDates": "2026-12-24"},
            [("schedules.office.closedDates", "expected a list, got string")],
        ),
        (
            {"timezone": "UTC", "openDates": []},
            [("schedules.office.openDates", "expected an object, got array")],
        ),
    ],
)
def test_structural_problems(raw: object, expected: list[tuple[str, str]]) -> None:
    assert problems_of(raw) == expected


def test_every_problem_is_listed() -> None:
    raw = {
        "timezone": "Europe/Olso",
        "weekly": {
            "monday": ["08:00-16:00"],
            "tue": ["08:00-1600", "16:00-08:00"],
            "sat": ["10:00-12:00", "11:00-15:00"],
        },
        "closedDates": ["2026-12-24", "2026/12/31"],
        "openDates": {"2026-12-32": ["10:00-14:00"]},
    }
    assert [path for path, _ in problems_of(raw)] == [
        "schedules.office.timezone",
        "schedules.office.weekly.monday",
        "schedules.office.weekly.tue[0]",
        "schedules.office.weekly.tue[1]",
        "schedules.office.weekly.sat[1]",
        "schedules.office.closedDates[1]",
        'schedules.office.openDates["2026-12-32"]',
    ]

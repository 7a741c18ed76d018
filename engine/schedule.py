"""Opening hours: weekly hours in an IANA time zone, closed dates and special dates.

A schedule in the config::

    "schedules": {"office": {
        "timezone": "Europe/Oslo",
        "weekly": {"mon": ["08:00-16:00"], "sat": ["10:00-12:00", "13:00-15:00"]},
        "closedDates": ["2026-12-24"],
        "openDates": {"2026-12-27": ["10:00-14:00"]}}}

* ``timezone``: an IANA name from the tzdata database (the one the browser has too).
* ``weekly``: days ``mon tue wed thu fri sat sun``, each a list of ``HH:MM-HH:MM`` ranges
  in local wall-clock time. A range includes its start and excludes its end; ``24:00`` as
  an end means "until midnight". A day missing from ``weekly`` (or ``weekly`` missing
  altogether) is closed. Ranges of one day may touch (``10:00-12:00``, ``12:00-14:00``)
  but not overlap; a range cannot cross midnight: write ``22:00-24:00`` on one day and
  ``00:00-02:00`` on the next, and the schedule stays open across midnight.
* ``closedDates``: local dates (``YYYY-MM-DD``) on which the schedule is closed all day.
* ``openDates``: special opening hours, as in Puzzel or Genesys. On such a local date the
  listed ranges *replace* that weekday's hours (an empty list closes the day). A date may
  not be in both ``closedDates`` and ``openDates``.

Daylight saving time. A range is turned into one span of real time on its date, using
``zoneinfo``:

* a wall-clock time that happens twice (the hour repeated when clocks go back) means its
  *first* occurrence (``fold=0``). So ``00:00-02:30`` on 2026-10-25 in Oslo closes at
  02:30 summer time and does not reopen when 02:00-02:30 comes round again;
* a wall-clock time that does not exist (the hour skipped when clocks go forward) means
  the moment the clocks jump. So ``02:30-05:00`` on 2026-03-29 in Oslo opens at 03:00
  summer time, and ``00:00-02:30`` closes then: the schedule follows the wall clock,
  which reads 03:00, past 02:30. (``datetime`` would instead shift the time by the gap,
  to 03:30, and keep a range ending 02:30 open until 03:30.)

The module is sans-I/O: time comes in as ``now_ms``, milliseconds since the epoch (within
``datetime``'s years 1-9999; beyond them ``datetime`` raises ``OverflowError``).
``zoneinfo`` reads its data from the ``tzdata`` package under Pyodide, which has no
system zone files; ``tzdata`` is a declared dependency.
"""

from __future__ import annotations

import difflib
import json
import re
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from types import MappingProxyType

from engine.validation import join, json_type, suggest

Interval = tuple[int, int]
"""A range of local minutes of the day, ``[start, end)``; ``end`` may be 1440."""

Intervals = tuple[Interval, ...]
Problem = tuple[str, str]

DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FIELDS = ("timezone", "weekly", "closedDates", "openDates")
_DAY_ALIASES = {
    "monday": "mon", "tuesday": "tue", "tues": "tue", "wednesday": "wed", "thursday": "thu",
    "thur": "thu", "thurs": "thu", "friday": "fri", "saturday": "sat", "sunday": "sun",
}  # fmt: skip

_MINUTES_PER_DAY = 24 * 60
# Enough to see past any run of closed days a real schedule has (a year of them is not a
# schedule that ever opens); the engine treats None as "no change to wait for".
_HORIZON_DAYS = 370
_EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = _EPOCH.replace(tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_SECOND = timedelta(seconds=1)

_RANGE = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")


@dataclass(frozen=True)
class Schedule:
    """A compiled schedule: parsed minutes and a loaded zone, ready to answer quickly."""

    timezone: str
    zone: zoneinfo.ZoneInfo
    weekly: tuple[Intervals, ...]  # indexed by date.weekday(): 0 is Monday
    closed_dates: frozenset[date] = frozenset()
    # A read-only mapping is not hashable; the other fields identify a schedule well enough.
    open_dates: MappingProxyType[date, Intervals] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )

    def intervals_on(self, day: date) -> Intervals:
        """The local opening ranges of one date, after closed and special dates."""
        special = self.open_dates.get(day)
        if special is not None:
            return special
        if day in self.closed_dates:
            return ()
        return self.weekly[day.weekday()]

    def is_open(self, now_ms: int) -> bool:
        """Whether the schedule is open at the instant ``now_ms``."""
        today = _local_date(now_ms, self.zone)
        # Yesterday too: a zone that turns its clocks back across midnight gives instants
        # of yesterday's local date after instants of today's.
        for day in (today - timedelta(days=1), today):
            for start, end in self._spans(day):
                if start <= now_ms < end:
                    return True
        return False

    def next_change(self, now_ms: int) -> int | None:
        """The earliest instant after ``now_ms`` at which :meth:`is_open` flips.

        ``None`` when it does not flip within about a year: a schedule never open, or
        open around the clock.
        """
        if self._never_changes():
            return None
        today = _local_date(now_ms, self.zone)
        yesterday = today - timedelta(days=1)
        open_until: int | None = None  # end of the open span holding now, once found
        for offset in range(_HORIZON_DAYS + 1):
            day = today + timedelta(days=offset)
            # Yesterday's spans join today's (see is_open), sorted as one day's would be.
            spans = (
                sorted(self._spans(yesterday) + self._spans(day))
                if offset == 0
                else self._spans(day)
            )
            for start, end in spans:
                if open_until is None:
                    if start > now_ms:
                        return start  # closed now: the next opening is the change
                    if now_ms < end:
                        open_until = end
                elif start > open_until:
                    return open_until  # a gap after the span holding now
                else:
                    # Touching spans (24:00 then 00:00, or back-to-back ranges) are one
                    # open stretch: no flip where they meet.
                    open_until = max(open_until, end)
            if open_until is not None and open_until < self._day_start(day + timedelta(days=1)):
                # The stretch ended before tomorrow begins; later spans cannot extend it.
                return open_until
        return None

    def _spans(self, day: date) -> list[tuple[int, int]]:
        """Opening ranges of a local date as non-empty ``[start, end)`` epoch-ms spans."""
        spans = []
        for start, end in self.intervals_on(day):
            span = (_to_epoch_ms(day, start, self.zone), _to_epoch_ms(day, end, self.zone))
            if span[0] < span[1]:  # a range inside a skipped hour never opens
                spans.append(span)
        return spans

    def _day_start(self, day: date) -> int:
        return _to_epoch_ms(day, 0, self.zone)

    def _never_changes(self) -> bool:
        # Never open, or open around the clock every day: nothing to look for, so skip
        # the year-long walk (milliseconds under Pyodide, on every tick that asks).
        if not any(self.weekly) and not any(self.open_dates.values()):
            return True
        whole: Intervals = ((0, _MINUTES_PER_DAY),)
        return (
            not self.closed_dates
            and all(day == whole for day in self.weekly)
            and all(day == whole for day in self.open_dates.values())
        )


def _local_date(now_ms: int, zone: zoneinfo.ZoneInfo) -> date:
    # Integer arithmetic: a float timestamp would round the milliseconds.
    return (_EPOCH_UTC + now_ms * _MS).astimezone(zone).date()


def _to_epoch_ms(day: date, minute: int, zone: zoneinfo.ZoneInfo) -> int:
    """The instant at which the wall clock of ``zone`` reads ``minute`` on ``day``.

    Repeated times take their first occurrence; skipped times take the moment the clocks
    jump (see the module docstring).
    """
    if minute == _MINUTES_PER_DAY:  # 24:00 is the next day's 00:00, whatever DST does
        day, minute = day + timedelta(days=1), 0
    naive = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
    before = naive.replace(tzinfo=zone, fold=0).utcoffset()
    after = naive.replace(tzinfo=zone, fold=1).utcoffset()
    assert before is not None and after is not None  # a ZoneInfo always has an offset
    if before >= after:
        # Same offset: an ordinary time. Larger first offset: a repeated time, and
        # fold=0 is its first occurrence.
        return (naive - before - _EPOCH) // _MS
    # A skipped time. fold=0 reads it with the old offset, landing after the jump;
    # fold=1 with the new one, landing before. The jump lies between: find it to the
    # second (tzdata transitions are whole seconds), about a dozen lookups, and only for
    # a range that starts or ends inside the skipped hour.
    low = (naive - after - _EPOCH) // _SECOND
    high = (naive - before - _EPOCH) // _SECOND
    while high - low > 1:
        middle = (low + high) // 2
        if (_EPOCH_UTC + middle * _SECOND).astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high * 1000


# ---------------------------------------------------------------------------- compiling


def compile_schedule(raw: object, path: str) -> tuple[Schedule | None, list[Problem]]:
    """Compile a schedule from its JSON form, or list every problem as ``(path, message)``.

    Structural problems are worded as ``engine.validation`` words them, so a config
    checked by both reports each once.
    """
    if not isinstance(raw, dict):
        return None, [(path, f"expected an object, got {json_type(raw)}")]
    problems: list[Problem] = []
    for key in raw:
        if key not in _FIELDS:
            problems.append((join(path, key), f'unknown field "{key}"{suggest(key, _FIELDS)}'))

    zone = _compile_timezone(raw, path, problems)

    weekly: list[Intervals] = [()] * 7
    raw_weekly = raw.get("weekly", {})
    weekly_path = join(path, "weekly")
    if not isinstance(raw_weekly, dict):
        problems.append((weekly_path, f"expected an object, got {json_type(raw_weekly)}"))
    else:
        for name, ranges in raw_weekly.items():
            day_path = join(weekly_path, name)
            if name not in DAYS:
                problems.append((day_path, _unknown_day(name)))
                _compile_ranges(ranges, day_path, problems)  # still report its own mistakes
                continue
            weekly[DAYS.index(name)] = _compile_ranges(ranges, day_path, problems)

    closed: set[date] = set()
    raw_closed = raw.get("closedDates", [])
    closed_path = join(path, "closedDates")
    if not isinstance(raw_closed, list):
        problems.append((closed_path, f"expected a list, got {json_type(raw_closed)}"))
    else:
        for index, text in enumerate(raw_closed):
            day = _compile_date(text, join(closed_path, index), problems)
            if day is not None:
                closed.add(day)

    special: dict[date, Intervals] = {}
    raw_open = raw.get("openDates", {})
    open_path = join(path, "openDates")
    if not isinstance(raw_open, dict):
        problems.append((open_path, f"expected an object, got {json_type(raw_open)}"))
    else:
        for text, ranges in raw_open.items():
            date_path = join(open_path, text)
            day = _compile_date(text, date_path, problems)
            intervals = _compile_ranges(ranges, date_path, problems)
            if day is None:
                continue
            if day in closed:
                problems.append(
                    (
                        date_path,
                        f"{text} is also in closedDates; a date is either closed or has special "
                        f"hours: remove it from one of the two",
                    )
                )
            special[day] = intervals

    if problems or zone is None:
        return None, problems
    timezone = raw["timezone"]
    return Schedule(
        timezone=timezone,
        zone=zone,
        weekly=tuple(weekly),
        closed_dates=frozenset(closed),
        open_dates=MappingProxyType(special),
    ), []


def _compile_timezone(
    raw: dict[str, object], path: str, problems: list[Problem]
) -> zoneinfo.ZoneInfo | None:
    if "timezone" not in raw:
        problems.append((path, 'missing required field "timezone"'))
        return None
    name = raw["timezone"]
    tz_path = join(path, "timezone")
    if not isinstance(name, str):
        problems.append((tz_path, f"expected a string, got {json_type(name)}"))
        return None
    zone = None
    # Only names in tzdata: CPython would also load system files ("posixrules",
    # "right/UTC", "europe/oslo" on a case-insensitive disk) that the browser lacks.
    known = _tzdata_names()
    if known is None or name in known:
        try:
            zone = zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            zone = None  # e.g. "Europe" (a folder), "", "../x"
    if zone is None:
        problems.append((tz_path, _unknown_timezone(name)))
    return zone


@cache
def _tzdata_names() -> frozenset[str] | None:
    """Every zone the tzdata package holds (a small text file), or None without tzdata."""
    try:
        text = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    except (ImportError, OSError):
        return None
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _unknown_timezone(name: str) -> str:
    # available_timezones() walks the zone folders: only pay for it on this error path.
    names = sorted(_tzdata_names() or zoneinfo.available_timezones())
    wanted = name.strip().replace(" ", "_")
    by_lower = {n.lower(): n for n in names}
    close = [by_lower[wanted.lower()]] if wanted.lower() in by_lower else []
    if not close:
        region = [n for n in names if n.lower().startswith(wanted.lower() + "/")]
        if region:  # "Europe": a folder of zones, not a zone
            return (
                f"unknown timezone {json.dumps(name)}; name a zone in that region, "
                f'e.g. "{region[0]}"'
            )
        close = difflib.get_close_matches(wanted, names, n=1, cutoff=0.6)
    if not close:
        # "Olso" or "New York" alone: compare with the city part of each name.
        cities: dict[str, list[str]] = {}
        for full in names:
            cities.setdefault(full.rsplit("/", 1)[-1].lower(), []).append(full)
        city = wanted.rsplit("/", 1)[-1].lower()
        for match in difflib.get_close_matches(city, list(cities), n=3, cutoff=0.7):
            close.extend(cities[match])
        close = close[:3]
    if close:
        options = " or ".join(f'"{c}"' for c in close)
        return f"unknown timezone {json.dumps(name)}; did you mean {options}?"
    return (
        f"unknown timezone {json.dumps(name)}; use an IANA time zone name such as "
        f'"Europe/Oslo" or "America/New_York"'
    )


def _unknown_day(name: str) -> str:
    lowered = name.strip().lower()
    guess = lowered if lowered in DAYS else _DAY_ALIASES.get(lowered)
    if guess is None:
        close = difflib.get_close_matches(lowered, [*DAYS, *_DAY_ALIASES], n=1, cutoff=0.7)
        guess = _DAY_ALIASES.get(close[0], close[0]) if close else None
    days = ", ".join(DAYS)
    if guess:
        return f'unknown day {json.dumps(name)}; did you mean "{guess}"? Days are {days}'
    return f"unknown day {json.dumps(name)}; days are {days}"


def _compile_ranges(raw: object, path: str, problems: list[Problem]) -> Intervals:
    if isinstance(raw, str):
        problems.append((path, f"expected a list, got string; write [{json.dumps(raw)}]"))
        return ()
    if not isinstance(raw, list):
        problems.append((path, f"expected a list, got {json_type(raw)}"))
        return ()
    parsed: list[tuple[int, Interval, str]] = []  # index, interval, text
    for index, text in enumerate(raw):
        interval = _compile_range(text, join(path, index), problems)
        if interval is not None:
            parsed.append((index, interval, text))
    # Every overlapping pair, reported at the later entry so each is named once.
    ok = True
    for later, (index, (start, end), text) in enumerate(parsed):
        for _, (other_start, other_end), other_text in parsed[:later]:
            if start < other_end and other_start < end:
                ok = False
                merged = f"{_clock(min(start, other_start))}-{_clock(max(end, other_end))}"
                problems.append(
                    (
                        join(path, index),
                        f'"{text}" overlaps "{other_text}"; make the ranges separate or merge '
                        f'them into "{merged}"',
                    )
                )
    return tuple(sorted(interval for _, interval, _ in parsed)) if ok else ()


def _compile_range(text: object, path: str, problems: list[Problem]) -> Interval | None:
    if not isinstance(text, str):
        problems.append((path, f'expected a string like "08:00-16:00", got {json_type(text)}'))
        return None
    match = _RANGE.fullmatch(text)
    if match is None:
        problems.append(
            (
                path,
                f'{json.dumps(text)} is not a time range; write it as "HH:MM-HH:MM", '
                f'e.g. "08:00-16:00"',
            )
        )
        return None
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    bad = [
        clock
        for clock, hours, minutes, latest in (
            (text[:5], start_h, start_m, 23),
            (text[6:], end_h, end_m, 24),
        )
        if hours > latest or minutes > 59 or (hours == 24 and minutes != 0)
    ]
    if bad:
        problems.append(
            (
                path,
                f'"{bad[0]}" in "{text}" is not a time of day; use 00:00 to 23:59, and 24:00 '
                f"only as an end",
            )
        )
        return None
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start < end:
        return start, end
    begin, finish = text[:5], text[6:]
    if start == end == 0:
        fix = 'is empty; for the whole day write "00:00-24:00"'
    elif start == end:
        fix = "is empty; give it an end later than its start"
    elif end == 0:
        fix = f'ends before it starts; to stay open until midnight write "{begin}-24:00"'
    else:
        fix = (
            f'ends before it starts; a range cannot cross midnight: write "{begin}-24:00" '
            f'on this day and "00:00-{finish}" on the next'
        )
    problems.append((path, f'"{text}" {fix}'))
    return None


def _compile_date(text: object, path: str, problems: list[Problem]) -> date | None:
    if not isinstance(text, str):
        problems.append((path, f'expected a date string like "2026-12-24", got {json_type(text)}'))
        return None
    if _DATE.fullmatch(text) is None:
        problems.append(
            (
                path,
                f'{json.dumps(text)} is not a date; write it as "YYYY-MM-DD", e.g. "2026-12-24"',
            )
        )
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:  # 2026-02-30, month 13: the form is right, the day is not
        problems.append(
            (path, f"{json.dumps(text)} is not a calendar date ({exc}); check the month and day")
        )
        return None


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"

"""Working-day and call-back maths (DOMAIN.md §2). Pure: no ORM, no clock, no settings.

The statutory calendar comes from the `chinesecalendar` package; admins' overrides (holidays and
make-up working days, stations.models.CalendarDay) are passed in by a selector. For a year the
package does not know and no override covers, Monday–Friday is assumed and the answer is marked
unconfirmed instead of failing.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def statutory_is_workday(day: dt.date) -> bool | None:
    """True/False from the published statutory calendar, None for a year it does not cover."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days. `overrides` maps a date to True (make-up working day) or
    False (holiday) and wins over the statutory calendar."""

    overrides: Mapping[dt.date, bool] = field(default_factory=dict)
    statutory: Callable[[dt.date], bool | None] = statutory_is_workday

    @cached_property
    def override_years(self) -> frozenset[int]:
        return frozenset(day.year for day in self.overrides)

    def lookup(self, day: dt.date) -> tuple[bool, bool]:
        """(is working day, confirmed). Unconfirmed means the Monday–Friday fallback was used for
        a year with no data at all (DOMAIN.md §2): neither the statutory calendar nor any override
        covers it. Once admins enter a year's holidays and make-up days, its other days are plain
        Monday–Friday and confirmed."""
        if day in self.overrides:
            return self.overrides[day], True
        known = self.statutory(day)
        if known is None:
            return day.weekday() < 5, day.year in self.override_years
        return known, True

    def is_working_day(self, day: dt.date) -> bool:
        return self.lookup(day)[0]


@dataclass(frozen=True)
class Due:
    """A computed due time; `confirmed` is False when an unknown year's fallback calendar was used."""

    at: dt.datetime
    confirmed: bool = True


def due_after_minutes(start: dt.datetime, minutes: int) -> Due:
    """Hour and minute clocks run around the clock and end exactly `minutes` after `start` (DOMAIN.md §2)."""
    _require_aware(start)
    return Due(start + dt.timedelta(minutes=minutes))


def due_after_working_days(start: dt.datetime, n: int, calendar: WorkCalendar) -> Due:
    """Ends at 24:00 of the n-th working day after the day of receipt; the day of receipt does
    not count (DOMAIN.md §2 Decision). 24:00 is returned as 00:00 of the next day, Asia/Shanghai."""
    _require_aware(start)
    if n < 1:
        raise ValueError("n must be at least 1")
    day = start.astimezone(SHANGHAI).date()
    counted, confirmed = 0, True
    while counted < n:
        day += dt.timedelta(days=1)
        working, known = calendar.lookup(day)
        confirmed = confirmed and known
        if working:
            counted += 1
    return Due(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI), confirmed)


def due_after(start: dt.datetime, value: int, unit: str, calendar: WorkCalendar) -> Due:
    """`unit` is "minutes", "hours" or "working_days" (stations.models.DurationUnit)."""
    if unit == "working_days":
        return due_after_working_days(start, value, calendar)
    if unit == "hours":
        return due_after_minutes(start, value * 60)
    if unit == "minutes":
        return due_after_minutes(start, value)
    raise ValueError(f"unknown duration unit {unit!r}")


def parse_periods(periods: Iterable[Iterable[str]]) -> list[tuple[dt.time, dt.time]]:
    """[["11:30", "14:30"], ...] → [(time(11, 30), time(14, 30)), ...], sorted."""
    parsed = [(dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in periods]
    for a, b in parsed:
        if not a < b:
            raise ValueError(f"quiet period {a}–{b} must start before it ends")
    return sorted(parsed)


def next_call_slot(
    at: dt.datetime,
    *,
    window_start: dt.time,
    window_end: dt.time,
    quiet_periods: Iterable[tuple[dt.time, dt.time]],
) -> dt.datetime:
    """The earliest moment at or after `at` when a resident may be called back (DOMAIN.md §2,
    seed 000 服务规范 7): between window_start and window_end, outside the quiet periods (meal and
    nap times). A quiet period is half-open: calling at its end time is allowed."""
    _require_aware(at)
    local = at.astimezone(SHANGHAI)
    quiet = sorted(quiet_periods)
    for _ in range(3):  # at most: today, tomorrow
        day, t = local.date(), local.timetz().replace(tzinfo=None)
        if t < window_start:
            t = window_start
        moved = True
        while moved:
            moved = False
            for a, b in quiet:
                if a <= t < b:
                    t, moved = b, True
        if t < window_end:
            return dt.datetime.combine(day, t, tzinfo=SHANGHAI)
        local = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
    raise ValueError("no allowed call-back slot: check the call window and quiet periods")


def _require_aware(value: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: clocks need timezone-aware times")

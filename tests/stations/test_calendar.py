"""stations/calendar.py: working-day and call-back maths (DOMAIN.md §2), as boundary tables.

Statutory facts asserted here are the State Council's 2026 arrangement as published in the
`chinesecalendar` package: National Day 2026-10-01 (Thu) … 10-07 (Wed) off, Thursday 10-08 a normal
working day, Sunday 09-20 and Saturday 10-10 make-up working days; Mid-autumn 09-25 … 09-27 off.
The package has no 2027 data, so 2027 falls back to Monday–Friday, unconfirmed.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from stations.calendar import (
    WorkCalendar,
    due_after,
    due_after_minutes,
    due_after_working_days,
    next_call_slot,
    parse_periods,
    statutory_is_workday,
)
from stations.models import CalendarDay
from stations.selectors import work_calendar

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def at(y, m, d, hh=0, mm=0, ss=0, tz=SH):
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=tz)


def day(y, m, d):
    return dt.date(y, m, d)


# ------------------------------------------------------------------------------
# The statutory calendar itself: the facts the tables below rely on
# ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "working"),
    [
        pytest.param(day(2026, 9, 20), True, id="2026-09-20-sunday-make-up-workday"),
        pytest.param(day(2026, 9, 25), False, id="2026-09-25-mid-autumn-friday-off"),
        pytest.param(day(2026, 9, 30), True, id="2026-09-30-last-workday-before-national-day"),
        pytest.param(day(2026, 10, 1), False, id="2026-10-01-national-day-first-day"),
        pytest.param(day(2026, 10, 5), False, id="2026-10-05-national-day-monday-off"),
        pytest.param(day(2026, 10, 7), False, id="2026-10-07-national-day-last-day"),
        pytest.param(day(2026, 10, 8), True, id="2026-10-08-thursday-back-to-work"),
        pytest.param(day(2026, 10, 10), True, id="2026-10-10-saturday-make-up-workday"),
        pytest.param(day(2026, 10, 11), False, id="2026-10-11-ordinary-sunday-off"),
        pytest.param(day(2026, 12, 31), True, id="2026-12-31-thursday-workday"),
        pytest.param(day(2027, 1, 4), None, id="2027-unknown-to-the-package"),
    ],
)
def test_statutory_calendar_2026_facts(date, working):
    assert statutory_is_workday(date) is working


# ------------------------------------------------------------------------------
# due_after_working_days: 24:00 of the n-th working day after the day of receipt
# ------------------------------------------------------------------------------

STATUTORY = WorkCalendar()

WORKING_DAY_CASES = [
    # Each case: receipt time, n working days, admin overrides, due time, whether the calendar is confirmed.
    pytest.param(at(2026, 12, 4, 15), 3, {}, at(2026, 12, 10), True, id="friday-3wd-ends-thursday-0000"),
    pytest.param(at(2026, 12, 7, 9, 30), 1, {}, at(2026, 12, 9), True, id="monday-1wd-ends-wednesday-0000"),
    pytest.param(at(2026, 12, 7, 0, 0), 1, {}, at(2026, 12, 9), True, id="receipt-at-midnight-day-not-counted"),
    pytest.param(at(2026, 12, 3, 23, 59, 59), 1, {}, at(2026, 12, 5), True, id="thursday-2359-still-thursday"),
    pytest.param(
        at(2026, 12, 3, 16, 30, tz=UTC), 1, {}, at(2026, 12, 8), True, id="utc-1630-is-friday-0030-in-shanghai"
    ),
    pytest.param(at(2026, 12, 5, 10), 1, {}, at(2026, 12, 8), True, id="saturday-receipt-monday-counts"),
    pytest.param(at(2026, 9, 30, 10), 1, {}, at(2026, 10, 9), True, id="national-day-skipped-oct-8-first"),
    pytest.param(at(2026, 9, 30, 10), 3, {}, at(2026, 10, 11), True, id="national-day-oct-10-saturday-counts"),
    pytest.param(at(2026, 9, 30, 10), 4, {}, at(2026, 10, 13), True, id="national-day-oct-11-sunday-skipped"),
    pytest.param(at(2026, 9, 28, 9), 5, {}, at(2026, 10, 11), True, id="lanyu-reply-5wd-across-national-day"),
    pytest.param(at(2026, 9, 28, 9), 10, {}, at(2026, 10, 17), True, id="lanyu-misconduct-10wd-across-holidays"),
    pytest.param(at(2026, 10, 3, 12), 1, {}, at(2026, 10, 9), True, id="receipt-on-holiday-next-workday-counts"),
    pytest.param(at(2026, 10, 10, 12), 1, {}, at(2026, 10, 13), True, id="receipt-on-make-up-saturday-not-counted"),
    pytest.param(at(2026, 9, 19, 12), 1, {}, at(2026, 9, 21), True, id="sunday-2026-09-20-make-up-counts"),
    pytest.param(at(2026, 9, 24, 12), 1, {}, at(2026, 9, 29), True, id="mid-autumn-friday-and-weekend-skipped"),
    pytest.param(at(2026, 12, 30, 10), 1, {}, at(2027, 1, 1), True, id="ends-0000-on-new-year-still-2026-data"),
    pytest.param(at(2026, 12, 30, 10), 3, {}, at(2027, 1, 5), False, id="into-2027-monday-friday-unconfirmed"),
    pytest.param(
        at(2026, 12, 30, 10),
        3,
        {day(2027, 1, 1): False},
        at(2027, 1, 6),
        True,
        id="into-2027-override-new-year-holiday-wins",
    ),
    pytest.param(
        at(2026, 12, 31, 10),
        1,
        {day(2027, 1, 1): False, day(2027, 1, 2): True},
        at(2027, 1, 3),
        True,
        id="into-2027-override-saturday-workday-wins",
    ),
    pytest.param(at(2026, 12, 4, 15), 1, {day(2026, 12, 7): False}, at(2026, 12, 9), True, id="override-monday-off"),
    pytest.param(
        at(2026, 12, 4, 15), 1, {day(2026, 12, 5): True}, at(2026, 12, 6), True, id="override-saturday-workday"
    ),
    pytest.param(
        at(2026, 9, 30, 10), 1, {day(2026, 10, 8): False}, at(2026, 10, 10), True, id="override-beats-statutory"
    ),
]


@pytest.mark.parametrize(("start", "n", "overrides", "due", "confirmed"), WORKING_DAY_CASES)
def test_due_after_working_days(start, n, overrides, due, confirmed):
    result = due_after_working_days(start, n, WorkCalendar(overrides=overrides))

    assert result.at == due
    assert result.at.utcoffset() == dt.timedelta(hours=8)
    assert (result.at.hour, result.at.minute) == (0, 0)
    assert result.confirmed is confirmed


def test_year_without_any_data_stays_unconfirmed_even_with_other_years_overridden():
    calendar = WorkCalendar(overrides={day(2028, 1, 3): False})

    result = due_after_working_days(at(2026, 12, 30, 10), 3, calendar)

    assert result == due_after_working_days(at(2026, 12, 30, 10), 3, STATUTORY)
    assert result.confirmed is False


@pytest.mark.parametrize("n", [0, -1], ids=["zero-days", "negative-days"])
def test_working_days_must_be_positive(n):
    with pytest.raises(ValueError, match="at least 1"):
        due_after_working_days(at(2026, 12, 7, 9), n, STATUTORY)


# ------------------------------------------------------------------------------
# due_after_minutes: hour clocks run around the clock, exactly
# ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        pytest.param(at(2026, 12, 7, 9, 30), 60, at(2026, 12, 7, 10, 30), id="1h-office-hours"),
        pytest.param(at(2026, 12, 7, 23, 30), 60, at(2026, 12, 8, 0, 30), id="2330-plus-60-crosses-midnight"),
        pytest.param(at(2026, 12, 31, 23, 30), 60, at(2027, 1, 1, 0, 30), id="2330-plus-60-crosses-year-end"),
        pytest.param(at(2026, 12, 5, 18), 24 * 60, at(2026, 12, 6, 18), id="24h-weekend-not-skipped"),
        pytest.param(at(2026, 10, 1, 8), 4 * 60, at(2026, 10, 1, 12), id="4h-on-a-holiday"),
        pytest.param(at(2026, 12, 7, 1, 30, tz=UTC), 30, at(2026, 12, 7, 10, 0), id="utc-start-same-instant"),
    ],
)
def test_due_after_minutes_is_exact(start, minutes, due):
    result = due_after_minutes(start, minutes)

    assert result.at == due
    assert result.confirmed is True


@pytest.mark.parametrize(
    ("unit", "value", "due"),
    [
        pytest.param("minutes", 30, at(2026, 12, 4, 15, 30), id="minutes"),
        pytest.param("hours", 24, at(2026, 12, 5, 15), id="hours-run-through-saturday"),
        pytest.param("working_days", 1, at(2026, 12, 8), id="working-days-skip-weekend"),
    ],
)
def test_due_after_dispatches_on_unit(unit, value, due):
    assert due_after(at(2026, 12, 4, 15), value, unit, STATUTORY).at == due


def test_due_after_unknown_unit_raises():
    with pytest.raises(ValueError, match="unknown duration unit"):
        due_after(at(2026, 12, 4, 15), 1, "fortnights", STATUTORY)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda naive: due_after_minutes(naive, 60), id="due_after_minutes"),
        pytest.param(lambda naive: due_after_working_days(naive, 1, STATUTORY), id="due_after_working_days"),
        pytest.param(
            lambda naive: next_call_slot(naive, window_start=dt.time(7), window_end=dt.time(22), quiet_periods=[]),
            id="next_call_slot",
        ),
    ],
)
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="naive datetime"):
        call(dt.datetime(2026, 12, 7, 9, 30))  # noqa: DTZ001 - the point of the test


# ------------------------------------------------------------------------------
# next_call_slot: 07:00–22:00, not 11:30–14:30 or 17:30–19:00 (DOMAIN.md §2 defaults)
# ------------------------------------------------------------------------------

DEFAULT_QUIET = parse_periods([["11:30", "14:30"], ["17:30", "19:00"]])


@pytest.mark.parametrize(
    ("when", "slot"),
    [
        pytest.param(at(2026, 12, 7, 0, 0), at(2026, 12, 7, 7, 0), id="0000-to-0700"),
        pytest.param(at(2026, 12, 7, 6, 59), at(2026, 12, 7, 7, 0), id="0659-to-0700"),
        pytest.param(at(2026, 12, 7, 7, 0), at(2026, 12, 7, 7, 0), id="0700-stays"),
        pytest.param(at(2026, 12, 7, 11, 29), at(2026, 12, 7, 11, 29), id="1129-stays"),
        pytest.param(at(2026, 12, 7, 11, 30), at(2026, 12, 7, 14, 30), id="1130-to-1430"),
        pytest.param(at(2026, 12, 7, 14, 29, 59), at(2026, 12, 7, 14, 30), id="142959-to-1430"),
        pytest.param(at(2026, 12, 7, 14, 30), at(2026, 12, 7, 14, 30), id="1430-stays"),
        pytest.param(at(2026, 12, 7, 17, 29), at(2026, 12, 7, 17, 29), id="1729-stays"),
        pytest.param(at(2026, 12, 7, 17, 30), at(2026, 12, 7, 19, 0), id="1730-to-1900"),
        pytest.param(at(2026, 12, 7, 19, 0), at(2026, 12, 7, 19, 0), id="1900-stays"),
        pytest.param(at(2026, 12, 7, 21, 59), at(2026, 12, 7, 21, 59), id="2159-stays"),
        pytest.param(at(2026, 12, 7, 22, 0), at(2026, 12, 8, 7, 0), id="2200-to-next-day-0700"),
        pytest.param(at(2026, 12, 7, 23, 30), at(2026, 12, 8, 7, 0), id="2330-to-next-day-0700"),
        pytest.param(at(2026, 12, 31, 22, 30), at(2027, 1, 1, 7, 0), id="new-years-eve-to-0700-next-year"),
        pytest.param(at(2026, 12, 7, 3, 30, tz=UTC), at(2026, 12, 7, 14, 30), id="utc-0330-is-1130-in-shanghai"),
    ],
)
def test_next_call_slot(when, slot):
    result = next_call_slot(when, window_start=dt.time(7, 0), window_end=dt.time(22, 0), quiet_periods=DEFAULT_QUIET)

    assert result == slot
    assert result.utcoffset() == dt.timedelta(hours=8)


def test_next_call_slot_quiet_period_at_window_start_pushes_on():
    result = next_call_slot(
        at(2026, 12, 7, 6),
        window_start=dt.time(7),
        window_end=dt.time(22),
        quiet_periods=parse_periods([["07:00", "08:00"], ["08:00", "08:30"]]),
    )

    assert result == at(2026, 12, 7, 8, 30)


@pytest.mark.parametrize(
    "periods",
    [
        pytest.param([["14:30", "11:30"]], id="end-before-start"),
        pytest.param([["11:30", "11:30"]], id="empty-period"),
        pytest.param([["noon", "14:30"]], id="not-a-time"),
    ],
)
def test_parse_periods_refuses_bad_periods(periods):
    with pytest.raises(ValueError, match=r".+"):
        parse_periods(periods)


# ------------------------------------------------------------------------------
# stations.selectors.work_calendar: the admins' CalendarDay rows
# ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_work_calendar_reads_calendar_day_rows():
    CalendarDay.objects.create(date=day(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, note="元旦")
    CalendarDay.objects.create(date=day(2026, 12, 5), kind=CalendarDay.Kind.WORKDAY, note="调休")

    calendar = work_calendar()

    assert calendar.overrides == {day(2027, 1, 1): False, day(2026, 12, 5): True}
    assert calendar.lookup(day(2027, 1, 1)) == (False, True)
    assert calendar.lookup(day(2026, 12, 5)) == (True, True)
    assert calendar.lookup(day(2026, 12, 6)) == (False, True)


@pytest.mark.django_db
def test_work_calendar_overrides_win_for_2027():
    start = at(2026, 12, 30, 10)
    assert due_after_working_days(start, 3, work_calendar()) == due_after_working_days(start, 3, STATUTORY)

    CalendarDay.objects.create(date=day(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY)

    result = due_after_working_days(start, 3, work_calendar())
    assert result.at == at(2027, 1, 6)
    assert result.confirmed is True


@pytest.mark.django_db
def test_work_calendar_without_rows_is_the_statutory_calendar():
    calendar = work_calendar()

    assert calendar.overrides == {}
    assert calendar.is_working_day(day(2026, 10, 10)) is True
    assert calendar.is_working_day(day(2026, 10, 8)) is True
    assert calendar.is_working_day(day(2026, 10, 7)) is False

"""Service deadlines in working days (domain.deadlines)."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.deadlines import (
    CHECK_DAYS,
    ISSUE_DAYS,
    Classification,
    WorkCalendar,
    due_at,
    due_days,
    due_soon,
    is_overdue,
    parse_holidays,
)
from domain.jalali import TEHRAN

UTC = dt.UTC
PLAIN = WorkCalendar(frozenset())
# Nowruz 1405/01/01..04 and 1405/01/12..13 (Islamic Republic Day, Nature Day).
NOWRUZ = frozenset(
    {
        dt.date(2026, 3, 21),
        dt.date(2026, 3, 22),
        dt.date(2026, 3, 23),
        dt.date(2026, 3, 24),
        dt.date(2026, 4, 1),
        dt.date(2026, 4, 2),
    }
)
HOLIDAYS = WorkCalendar(NOWRUZ)


def tehran(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> dt.datetime:
    """A Tehran wall-clock time as a UTC instant (Tehran is +03:30 in 2026)."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=TEHRAN).astimezone(UTC)


def end_of(y: int, m: int, d: int) -> dt.datetime:
    """23:59:59 Tehran on that date, written out in UTC."""
    return dt.datetime(y, m, d, 20, 29, 59, tzinfo=UTC)


def test_constants() -> None:
    assert CHECK_DAYS == {
        Classification.OLD_BOOKS: 2,
        Classification.OLD_CENTRE: 6,
        Classification.MECHANIZED: 2,
    }
    assert ISSUE_DAYS == {"duplicate": 3, "inquiry": 2}
    assert Classification("old_centre") is Classification.OLD_CENTRE
    assert str(Classification.MECHANIZED) == "mechanized"


@pytest.mark.parametrize(
    ("day", "calendar", "expected"),
    [
        (dt.date(2026, 4, 16), PLAIN, True),  # Thursday works
        (dt.date(2026, 4, 17), PLAIN, False),  # Friday
        (dt.date(2026, 4, 18), PLAIN, True),  # Saturday
        (dt.date(2026, 3, 21), PLAIN, True),  # Nowruz, but not configured
        (dt.date(2026, 3, 21), HOLIDAYS, False),
        (dt.date(2026, 3, 25), HOLIDAYS, True),
    ],
)
def test_is_working_day(day: dt.date, calendar: WorkCalendar, expected: bool) -> None:
    assert calendar.is_working_day(day) is expected


@pytest.mark.parametrize(
    ("start", "days", "calendar", "expected"),
    [
        # Wednesday + 2: Thursday is day 1, Friday is skipped, Saturday is day 2.
        (tehran(2026, 4, 15), 2, PLAIN, end_of(2026, 4, 18)),
        # 23:30 Wednesday in Tehran is 20:00 UTC: still Wednesday.
        (dt.datetime(2026, 4, 15, 20, 0, tzinfo=UTC), 2, PLAIN, end_of(2026, 4, 18)),
        # 20:30 UTC Wednesday is already 00:00 Thursday in Tehran.
        (dt.datetime(2026, 4, 15, 20, 30, tzinfo=UTC), 2, PLAIN, end_of(2026, 4, 19)),
        # Thursday + 2 over Friday: Saturday, Sunday.
        (tehran(2026, 4, 16), 2, PLAIN, end_of(2026, 4, 19)),
        # Filed on a Friday: Saturday, Sunday.
        (tehran(2026, 4, 17), 2, PLAIN, end_of(2026, 4, 19)),
        # One week (6 working days) from Sunday across a Friday lands on the next Sunday.
        (tehran(2026, 4, 12), 6, PLAIN, end_of(2026, 4, 19)),
        # Wednesday 1404/12/27 + 3 with Nowruz: Thu 28 (1), Fri, 1405/01/01..04 holidays,
        # Wed 01/05 (2), Thu 01/06 (3).
        (tehran(2026, 3, 18), 3, HOLIDAYS, end_of(2026, 3, 26)),
        # The same without the holidays configured: Thu, Sat, Sun.
        (tehran(2026, 3, 18), 3, PLAIN, end_of(2026, 3, 22)),
        # Tuesday 1405/01/11 + 2: 01/12 and 01/13 are holidays, then Friday: Sat, Sun.
        (tehran(2026, 3, 31), 2, HOLIDAYS, end_of(2026, 4, 5)),
        # Filed on a holiday itself: counting starts the next working day.
        (tehran(2026, 3, 22), 1, HOLIDAYS, end_of(2026, 3, 25)),
        # Zero days: the end of the start's own day.
        (tehran(2026, 4, 17, 9), 0, PLAIN, end_of(2026, 4, 17)),
        # Naive datetimes are UTC.
        (dt.datetime(2026, 4, 15, 6, 30), 2, PLAIN, end_of(2026, 4, 18)),
    ],
)
def test_add_working_days(
    start: dt.datetime, days: int, calendar: WorkCalendar, expected: dt.datetime
) -> None:
    result = calendar.add_working_days(start, days)
    assert result == expected
    assert result.tzinfo is UTC
    local = result.astimezone(TEHRAN)
    assert (local.hour, local.minute, local.second) == (23, 59, 59)


def test_add_working_days_before_2022_daylight_saving() -> None:
    # Summer 1400 still had DST (+04:30): end of Tehran day is 19:29:59 UTC.
    start = dt.datetime(2021, 7, 7, 6, 0, tzinfo=UTC)  # Wednesday
    assert PLAIN.add_working_days(start, 2) == dt.datetime(2021, 7, 10, 19, 29, 59, tzinfo=UTC)


def test_add_working_days_rejects_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        PLAIN.add_working_days(tehran(2026, 4, 15), -1)


@pytest.mark.parametrize(
    ("a", "b", "calendar", "expected"),
    [
        (tehran(2026, 4, 15), end_of(2026, 4, 18), PLAIN, 2),
        (tehran(2026, 4, 15, 8), tehran(2026, 4, 15, 18), PLAIN, 0),
        (end_of(2026, 4, 18), tehran(2026, 4, 15), PLAIN, -2),
        (tehran(2026, 4, 16), tehran(2026, 4, 17), PLAIN, 0),  # Thursday to Friday
        (tehran(2026, 4, 12), tehran(2026, 4, 19), PLAIN, 6),
        (tehran(2026, 3, 18), tehran(2026, 3, 26), HOLIDAYS, 3),
        (tehran(2026, 3, 18), tehran(2026, 3, 26), PLAIN, 7),
    ],
)
def test_working_days_between(
    a: dt.datetime, b: dt.datetime, calendar: WorkCalendar, expected: int
) -> None:
    assert calendar.working_days_between(a, b) == expected


def test_working_days_between_inverts_add_working_days() -> None:
    for offset in range(30):
        start = tehran(2026, 3, 10) + dt.timedelta(days=offset, hours=7)
        for days in range(10):
            due = HOLIDAYS.add_working_days(start, days)
            assert HOLIDAYS.working_days_between(start, due) == days


@pytest.mark.parametrize(
    ("kind", "classification", "start", "expected"),
    [
        # Unclassified: only the issue days, from filing.
        ("duplicate", None, tehran(2026, 4, 15), end_of(2026, 4, 19)),  # Thu, Sat, Sun
        ("inquiry", None, tehran(2026, 4, 15), end_of(2026, 4, 18)),  # Thu, Sat
        # Mechanized duplicate: 2 + 3 = 5 (Thu, Sat, Sun, Mon, Tue).
        ("duplicate", Classification.MECHANIZED, tehran(2026, 4, 15), end_of(2026, 4, 21)),
        # Old format in the books, inquiry: 2 + 2 = 4 (Thu, Sat, Sun, Mon).
        ("inquiry", Classification.OLD_BOOKS, tehran(2026, 4, 15), end_of(2026, 4, 20)),
        # Old format at a training centre, inquiry: 6 + 2 = 8 from Sunday (Mon..Thu, Sat..Tue).
        ("inquiry", Classification.OLD_CENTRE, tehran(2026, 4, 12), end_of(2026, 4, 21)),
        # ... and a duplicate: 6 + 3 = 9.
        ("duplicate", Classification.OLD_CENTRE, tehran(2026, 4, 12), end_of(2026, 4, 22)),
    ],
)
def test_due_at(
    kind: str, classification: Classification | None, start: dt.datetime, expected: dt.datetime
) -> None:
    assert due_at(kind, classification, start, PLAIN) == expected


def test_due_at_with_holidays() -> None:
    # Classified as old-books on Tuesday 1404/12/26: 2 + 3 = 5 working days:
    # Wed 27, Thu 28, (Fri 29, Nowruz 1..4) Wed 1405/01/05, Thu 06, (Fri) Sat 08.
    start = tehran(2026, 3, 17)
    assert due_at("duplicate", Classification.OLD_BOOKS, start, HOLIDAYS) == end_of(2026, 3, 28)


def test_due_days_and_unknown_kind() -> None:
    assert due_days("duplicate", None) == 3
    assert due_days("duplicate", Classification.OLD_CENTRE) == 9
    assert due_days("inquiry", Classification.MECHANIZED) == 4
    with pytest.raises(ValueError, match="'renewal'"):
        due_at("renewal", None, tehran(2026, 4, 15), PLAIN)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", frozenset()),
        ("  \n ", frozenset()),
        (
            "1405/01/01, 1405/01/02 ۱۴۰۵/۰۱/۱۲",
            {dt.date(2026, 3, 21), dt.date(2026, 3, 22), dt.date(2026, 4, 1)},
        ),
        # Newlines, Arabic commas, Arabic-Indic digits, dashes, one-digit parts, bidi marks.
        (
            "1405/1/3\n١٤٠٥-٠١-٠٤،\u200f۱۴۰۵/۰۱/۱۳\u200f;1403/12/30",
            {
                dt.date(2026, 3, 23),
                dt.date(2026, 3, 24),
                dt.date(2026, 4, 2),
                dt.date(2025, 3, 20),
            },
        ),
        # Duplicates collapse.
        ("1405/01/01,1405/01/01", {dt.date(2026, 3, 21)}),
    ],
)
def test_parse_holidays(value: str, expected: frozenset[dt.date]) -> None:
    result = parse_holidays(value)
    assert result == expected
    assert isinstance(result, frozenset)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1405/01/01, 1405/13/01", "holiday '1405/13/01' is not a date in the Jalali calendar"),
        # 1405 is not a leap year: Esfand has 29 days.
        ("1405/12/30", "holiday '1405/12/30' is not a date in the Jalali calendar"),
        ("1405/01/01 nowruz", "holiday 'nowruz' is not a Jalali date like 1405/01/01"),
        ("۱۴۰۵/۰۱", "holiday '۱۴۰۵/۰۱' is not a Jalali date like 1405/01/01"),
        ("2026/03/21", "holiday '2026/03/21' has year 2026, expected a Jalali year 1300..1499"),
    ],
)
def test_parse_holidays_rejects_bad_entries(value: str, message: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        parse_holidays(value)
    assert str(excinfo.value) == message


DUE = end_of(2026, 4, 18)  # 2026-04-18 20:29:59 UTC


@pytest.mark.parametrize(
    ("now", "overdue", "soon"),
    [
        (DUE - dt.timedelta(days=2), False, False),
        (DUE - dt.timedelta(days=1, seconds=1), False, False),
        (DUE - dt.timedelta(days=1), False, True),
        (DUE - dt.timedelta(hours=3), False, True),
        (DUE, False, True),
        (DUE + dt.timedelta(seconds=1), True, False),
        (DUE + dt.timedelta(days=3), True, False),
    ],
)
def test_overdue_and_due_soon(now: dt.datetime, overdue: bool, soon: bool) -> None:
    assert is_overdue(DUE, now) is overdue
    assert due_soon(DUE, now) is soon


def test_due_soon_custom_window_and_naive() -> None:
    now = dt.datetime(2026, 4, 16, 20, 30)  # naive UTC, 47:59:59 before DUE
    assert due_soon(DUE, now) is False
    assert due_soon(DUE, now, within=dt.timedelta(days=2)) is True
    assert is_overdue(DUE, dt.datetime(2026, 4, 18, 20, 30)) is True

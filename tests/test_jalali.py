"""Jalali dates in Tehran time (domain.jalali)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import jdatetime
import pytest

from domain import texts
from domain.jalali import (
    TEHRAN,
    current_jalali_year,
    format_date,
    format_datetime,
    format_jalali,
    jalali_to_gregorian,
    last_occurrence,
    to_jalali_date,
    to_tehran,
    today_jalali,
)

UTC = dt.UTC


def test_tehran_zone() -> None:
    assert zoneinfo.ZoneInfo("Asia/Tehran") == TEHRAN
    winter = dt.datetime(2024, 1, 1, 12, tzinfo=UTC).astimezone(TEHRAN)
    assert winter.utcoffset() == dt.timedelta(hours=3, minutes=30)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # 20:00 UTC is already the next day in Tehran (+03:30 standard time).
        (dt.datetime(2023, 7, 1, 20, 0, tzinfo=UTC), jdatetime.date(1402, 4, 10)),
        (dt.datetime(2023, 7, 1, 20, 31, tzinfo=UTC), jdatetime.date(1402, 4, 11)),
        # Summer 1400 still had daylight saving time (+04:30).
        (dt.datetime(2021, 7, 1, 20, 0, tzinfo=UTC), jdatetime.date(1400, 4, 11)),
        (dt.datetime(2021, 7, 1, 19, 29, tzinfo=UTC), jdatetime.date(1400, 4, 10)),
        # Nowruz 1404: 1403 was a leap year, so 1403/12/30 exists.
        (dt.datetime(2025, 3, 20, 20, 29, tzinfo=UTC), jdatetime.date(1403, 12, 30)),
        (dt.datetime(2025, 3, 20, 20, 30, tzinfo=UTC), jdatetime.date(1404, 1, 1)),
        # A naive datetime is taken as UTC.
        (dt.datetime(2025, 3, 20, 20, 30), jdatetime.date(1404, 1, 1)),
        # An aware datetime in another zone is converted correctly.
        (
            dt.datetime(2025, 3, 21, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=4))),
            jdatetime.date(1403, 12, 30),  # 20:00 UTC = 23:30 in Tehran
        ),
        (
            dt.datetime(2025, 3, 21, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=4))),
            jdatetime.date(1404, 1, 1),  # 21:00 UTC = 00:30 in Tehran
        ),
    ],
)
def test_to_jalali_date(moment: dt.datetime, expected: jdatetime.date) -> None:
    assert to_jalali_date(moment) == expected


def test_to_tehran() -> None:
    local = to_tehran(dt.datetime(2026, 11, 21, 10, 35, tzinfo=UTC))
    assert (local.hour, local.minute) == (14, 5)
    assert local.tzinfo == TEHRAN


@pytest.mark.parametrize(
    ("d", "persian", "expected"),
    [
        (jdatetime.date(1405, 8, 30), True, "۱۴۰۵/۰۸/۳۰"),
        (jdatetime.date(1405, 8, 30), False, "1405/08/30"),
        (jdatetime.date(1370, 5, 3), True, "۱۳۷۰/۰۵/۰۳"),
        (jdatetime.date(1399, 12, 30), False, "1399/12/30"),
    ],
)
def test_format_jalali(d: jdatetime.date, persian: bool, expected: str) -> None:
    assert format_jalali(d, persian_digits=persian) == expected


def test_format_jalali_defaults_to_persian_digits() -> None:
    assert format_jalali(jdatetime.date(1401, 1, 9)) == "۱۴۰۱/۰۱/۰۹"


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (jdatetime.date(1405, 8, 30), "۱۴۰۵/۰۸/۳۰"),
        (jdatetime.datetime(1405, 8, 30, 23, 59), "۱۴۰۵/۰۸/۳۰"),
        (dt.date(2025, 3, 20), "۱۴۰۳/۱۲/۳۰"),  # a Gregorian calendar date
        (dt.date(2025, 3, 21), "۱۴۰۴/۰۱/۰۱"),
        (dt.datetime(2025, 3, 20, 21, 0, tzinfo=UTC), "۱۴۰۴/۰۱/۰۱"),  # an instant, in Tehran
        (dt.datetime(2025, 3, 20, 20, 0), "۱۴۰۳/۱۲/۳۰"),  # naive = UTC
    ],
)
def test_format_date(d: dt.date | jdatetime.date, expected: str) -> None:
    assert format_date(d) == expected


def test_format_date_rejects_non_dates() -> None:
    with pytest.raises(TypeError):
        format_date("1405/08/30")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (dt.datetime(2026, 11, 21, 10, 35, tzinfo=UTC), "۱۴۰۵/۰۸/۳۰ ساعت ۱۴:۰۵"),
        (dt.datetime(2026, 11, 21, 10, 35), "۱۴۰۵/۰۸/۳۰ ساعت ۱۴:۰۵"),
        (dt.datetime(2025, 3, 20, 20, 31, tzinfo=UTC), "۱۴۰۴/۰۱/۰۱ ساعت ۰۰:۰۱"),
        (dt.datetime(2021, 7, 1, 20, 0, tzinfo=UTC), "۱۴۰۰/۰۴/۱۱ ساعت ۰۰:۳۰"),
    ],
)
def test_format_datetime(moment: dt.datetime, expected: str) -> None:
    assert format_datetime(moment) == expected


def test_format_datetime_uses_catalogue_text() -> None:
    moment = dt.datetime(2026, 11, 21, 10, 35, tzinfo=UTC)
    assert format_datetime(moment) == texts.DATETIME_FORMAT.format(date="۱۴۰۵/۰۸/۳۰", time="۱۴:۰۵")


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (jdatetime.date(1403, 12, 30), dt.date(2025, 3, 20)),
        (jdatetime.date(1404, 1, 1), dt.date(2025, 3, 21)),
        (jdatetime.date(1370, 5, 3), dt.date(1991, 7, 25)),
        (jdatetime.date(1399, 12, 30), dt.date(2021, 3, 20)),
    ],
)
def test_jalali_to_gregorian(d: jdatetime.date, expected: dt.date) -> None:
    result = jalali_to_gregorian(d)
    assert result == expected
    assert type(result) is dt.date


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (dt.datetime(2025, 3, 20, 20, 29, tzinfo=UTC), 1403),
        (dt.datetime(2025, 3, 20, 20, 30, tzinfo=UTC), 1404),
        (dt.datetime(2026, 11, 21, 10, 35, tzinfo=UTC), 1405),
    ],
)
def test_current_jalali_year(now: dt.datetime, expected: int) -> None:
    assert current_jalali_year(now) == expected


def test_current_jalali_year_default_is_now() -> None:
    now = dt.datetime.now(UTC)
    assert current_jalali_year() == to_jalali_date(now).year
    assert today_jalali() == to_jalali_date(now)


@pytest.mark.parametrize(
    ("year", "leap"),
    [(1399, True), (1400, False), (1401, False), (1402, False), (1403, True), (1404, False)],
)
def test_jdatetime_leap_years_match_the_calendar(year: int, leap: bool) -> None:
    # The validation module relies on jdatetime for Esfand 30; make sure its rule is right.
    assert jdatetime.date(year, 1, 1).isleap() is leap


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # 08:00 Tehran (UTC+3:30) is 04:30 UTC: later the same day, it is today's.
        (
            dt.datetime(2026, 12, 3, 6, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 12, 3, 4, 30, tzinfo=dt.UTC),
        ),
        (
            dt.datetime(2026, 12, 3, 4, 30, tzinfo=dt.UTC),
            dt.datetime(2026, 12, 3, 4, 30, tzinfo=dt.UTC),
        ),
        # Earlier in the Tehran day: yesterday's.
        (
            dt.datetime(2026, 12, 3, 4, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 12, 2, 4, 30, tzinfo=dt.UTC),
        ),
        # 22:00 UTC is already the next day in Tehran (01:30).
        (
            dt.datetime(2026, 12, 3, 22, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 12, 3, 4, 30, tzinfo=dt.UTC),
        ),
    ],
)
def test_last_occurrence_of_a_tehran_clock_time(now: dt.datetime, expected: dt.datetime) -> None:
    assert last_occurrence(now, dt.time(8, 0)) == expected

"""Service deadlines the office promises, counted in its working days.

The office's process document promises:

* a records check of an old-format certificate kept in the registry books: 2 days;
* a records check of an old-format certificate archived at a training centre: one week;
* a records check of a mechanized certificate: 2 days;
* issuing the duplicate value confirmation (المثنی): 3 days;
* answering an old-format inquiry (استعلام): 2 days.

Interpretation
--------------
Every "day" is a working day. The office works Saturday to Thursday; Friday is the weekend, and
the holidays configured by the office (:func:`parse_holidays`) are not working days either.
Thursday *is* a working day here, even though many government offices close on Thursdays. "One
week" is read as six working days (a week of the office's calendar).

A request is due ``CHECK_DAYS[classification] + ISSUE_DAYS[kind]`` working days after its start:
the records-check days depend on how staff classified the certificate (0 while it is not yet
classified), and the issue days on the kind of request. The start is the moment of
classification, or the moment of filing while the request is unclassified; the caller passes
whichever applies.

Counting (:meth:`WorkCalendar.add_working_days`): the day of the start, in Tehran, never counts,
whatever the hour; day 1 is the first working day after it, and the request is due at the end
(23:59:59 Tehran time) of the N-th such day. A request filed on Wednesday with 2 days is due at
the end of Saturday: Thursday is day 1, Friday is skipped, Saturday is day 2. With 0 days the
request is due at the end of the start's own day.

Instants are UTC-aware ``datetime`` values; naive ones are taken to be UTC, like everywhere
else in the project. Holidays are Gregorian ``datetime.date`` values (Tehran calendar days).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import jdatetime

from domain.digits import to_ascii_digits
from domain.jalali import TEHRAN, jalali_to_gregorian

FRIDAY = 4  # datetime.date.weekday()
END_OF_DAY = dt.time(23, 59, 59)
# Holiday settings are Jalali dates; anything outside these years is surely a typo (or a
# Gregorian date such as 2026/03/21, which jdatetime would otherwise accept as a Jalali one).
HOLIDAY_YEARS = range(1300, 1500)


class Classification(enum.StrEnum):
    """Where the records of the certificate are checked, as classified by staff."""

    OLD_BOOKS = "old_books"  # old format, in the registry books
    OLD_CENTRE = "old_centre"  # old format, archived at a training centre
    MECHANIZED = "mechanized"  # mechanized (computer-issued) certificate


# Working days for the records check, by classification.
CHECK_DAYS: dict[Classification, int] = {
    Classification.OLD_BOOKS: 2,
    Classification.OLD_CENTRE: 6,  # one week = six working days (Saturday..Thursday)
    Classification.MECHANIZED: 2,
}
# Working days for issuing the answer, by kind of request.
ISSUE_DAYS: dict[str, int] = {"duplicate": 3, "inquiry": 2}


def _as_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _tehran_date(moment: dt.datetime) -> dt.date:
    return _as_utc(moment).astimezone(TEHRAN).date()


def end_of_tehran_day(day: dt.date) -> dt.datetime:
    """Return 23:59:59 Tehran time on the Gregorian date ``day``, as a UTC-aware datetime."""
    return dt.datetime.combine(day, END_OF_DAY, tzinfo=TEHRAN).astimezone(dt.UTC)


@dataclass(frozen=True)
class WorkCalendar:
    """The office's working days: every day but Fridays and ``holidays`` (Gregorian dates)."""

    holidays: frozenset[dt.date] = frozenset()

    def is_working_day(self, d: dt.date) -> bool:
        """True if the office works on the Gregorian date ``d``."""
        return d.weekday() != FRIDAY and d not in self.holidays

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """Return the end (23:59:59 Tehran, as UTC) of the ``days``-th working day after the
        Tehran date of ``start``; with ``days == 0``, the end of that date itself."""
        if days < 0:
            raise ValueError(f"days must not be negative: {days}")
        day = _tehran_date(start)
        remaining = days
        while remaining:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return end_of_tehran_day(day)

    def working_days_between(self, a: dt.datetime, b: dt.datetime) -> int:
        """The number of working days after ``a``'s Tehran date up to and including ``b``'s.

        It is the inverse of :meth:`add_working_days`:
        ``working_days_between(s, add_working_days(s, n)) == n``. Both instants on the same
        Tehran date give 0; ``b`` before ``a`` gives the negated count from ``b`` to ``a``.
        """
        first, last = _tehran_date(a), _tehran_date(b)
        if last < first:
            return -self.working_days_between(b, a)
        count = 0
        day = first
        while day < last:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


# Entries are separated by commas (Latin or Arabic), semicolons or any whitespace.
_HOLIDAY_SEPARATORS_RE = re.compile(r"[,\u060c;\u061b\s]+")
_HOLIDAY_RE = re.compile(r"([0-9]{4})[/-]([0-9]{1,2})[/-]([0-9]{1,2})")


def _parse_holiday(entry: str) -> dt.date:
    text = unicodedata.normalize("NFKC", to_ascii_digits(entry))
    # Bidi marks and other invisible characters come along when dates are copied from text.
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    match = _HOLIDAY_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"holiday {entry!r} is not a Jalali date like 1405/01/01")
    year, month, day = (int(part) for part in match.groups())
    if year not in HOLIDAY_YEARS:
        raise ValueError(
            f"holiday {entry!r} has year {year}, expected a Jalali year "
            f"{HOLIDAY_YEARS.start}..{HOLIDAY_YEARS.stop - 1}"
        )
    try:
        jalali = jdatetime.date(year, month, day)
    except ValueError:
        raise ValueError(f"holiday {entry!r} is not a date in the Jalali calendar") from None
    return jalali_to_gregorian(jalali)


def parse_holidays(value: str) -> frozenset[dt.date]:
    """Parse the holidays setting: Jalali ``YYYY/MM/DD`` dates (``-`` also allowed between the
    parts) in any digit script, separated by commas, semicolons, spaces or newlines, such as
    ``"1405/01/01, 1405/01/02 ۱۴۰۵/۰۱/۱۲"``. Returns the Gregorian dates.

    Raises ValueError naming the first bad entry. An empty setting means no holidays.
    """
    entries: Iterable[str] = (e for e in _HOLIDAY_SEPARATORS_RE.split(value) if e)
    return frozenset(_parse_holiday(entry) for entry in entries)


def due_days(kind: str, classification: Classification | None) -> int:
    """The working days promised for a request of ``kind`` with ``classification``."""
    try:
        issue = ISSUE_DAYS[kind]
    except KeyError:
        raise ValueError(f"unknown kind of request: {kind!r}") from None
    check = CHECK_DAYS[classification] if classification is not None else 0
    return check + issue


def due_at(
    kind: str,
    classification: Classification | None,
    start: dt.datetime,
    calendar: WorkCalendar,
) -> dt.datetime:
    """When a request of ``kind`` is due (UTC-aware), counting :func:`due_days` working days
    from ``start``: the moment of classification, or of filing while not yet classified."""
    return calendar.add_working_days(start, due_days(kind, classification))


def is_overdue(due: dt.datetime, now: dt.datetime) -> bool:
    """True once ``now`` is past ``due``."""
    return _as_utc(now) > _as_utc(due)


def due_soon(
    due: dt.datetime, now: dt.datetime, within: dt.timedelta = dt.timedelta(days=1)
) -> bool:
    """True if ``due`` is not yet past but comes within ``within`` of ``now``."""
    now_utc, due_utc = _as_utc(now), _as_utc(due)
    return now_utc <= due_utc <= now_utc + within

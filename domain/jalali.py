"""Jalali (Solar Hijri) dates for people in Iran.

Instants are stored in UTC; people see dates and times in Tehran time (``Asia/Tehran``, from
the system tz database, or the ``tzdata`` package where the system has none). Iran has not
observed daylight saving time since 1401, and the tz database knows the history.

Naive ``datetime`` values passed in are taken to be UTC, which is what the storage layer keeps.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import jdatetime

from domain import texts
from domain.digits import to_persian_digits

TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")


def _as_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment


def to_tehran(dt_utc: dt.datetime) -> dt.datetime:
    """Return the same instant in Tehran local time (naive input is taken as UTC)."""
    return _as_utc(dt_utc).astimezone(TEHRAN)


def last_occurrence(now: dt.datetime, at: dt.time) -> dt.datetime:
    """The latest instant at or before ``now`` when Tehran's clock read ``at`` (in UTC)."""
    local = to_tehran(now)
    for back in (0, 1):
        day = local.date() - dt.timedelta(days=back)
        moment = dt.datetime.combine(day, at.replace(tzinfo=None), tzinfo=TEHRAN)
        if moment <= local:
            break
    return moment.astimezone(dt.UTC)


def to_jalali_date(dt_utc: dt.datetime) -> jdatetime.date:
    """Return the Jalali calendar date in Tehran at the instant ``dt_utc``."""
    return jdatetime.date.fromgregorian(date=to_tehran(dt_utc).date())


def today_jalali(now: dt.datetime | None = None) -> jdatetime.date:
    """Return today's Jalali date in Tehran (``now`` defaults to the current instant)."""
    return to_jalali_date(now if now is not None else dt.datetime.now(dt.UTC))


def current_jalali_year(now: dt.datetime | None = None) -> int:
    """Return the current Jalali year in Tehran (``now`` defaults to the current instant)."""
    year: int = today_jalali(now).year
    return year


def format_jalali(d: jdatetime.date, persian_digits: bool = True) -> str:
    """Return ``d`` as ``"۱۴۰۵/۰۸/۳۰"`` (or ``"1405/08/30"`` with ``persian_digits=False``)."""
    text = f"{d.year:04d}/{d.month:02d}/{d.day:02d}"
    return to_persian_digits(text) if persian_digits else text


def _jalali_of(d: dt.date | dt.datetime | jdatetime.date) -> jdatetime.date:
    if isinstance(d, jdatetime.datetime):
        return d.date()
    if isinstance(d, jdatetime.date):
        return d
    if isinstance(d, dt.datetime):
        return to_jalali_date(d)
    if isinstance(d, dt.date):
        return jdatetime.date.fromgregorian(date=d)
    raise TypeError(f"not a date: {d!r}")


def format_date(d: dt.date | dt.datetime | jdatetime.date) -> str:
    """Return the Jalali date of ``d`` as ``"۱۴۰۵/۰۸/۳۰"``.

    A ``datetime.datetime`` is an instant (naive means UTC) and is shown as the date in Tehran;
    a ``datetime.date`` is a Gregorian calendar date; a ``jdatetime.date`` is used as it is.
    """
    return format_jalali(_jalali_of(d))


def format_datetime(dt_utc: dt.datetime) -> str:
    """Return the instant ``dt_utc`` in Tehran time as ``"۱۴۰۵/۰۸/۳۰ ساعت ۱۴:۰۵"``."""
    local = to_tehran(dt_utc)
    date_text = format_jalali(jdatetime.date.fromgregorian(date=local.date()))
    time_text = to_persian_digits(f"{local.hour:02d}:{local.minute:02d}")
    return texts.DATETIME_FORMAT.format(date=date_text, time=time_text)


def jalali_to_gregorian(d: jdatetime.date) -> dt.date:
    """Return the Gregorian ``datetime.date`` of the Jalali date ``d``."""
    g = d.togregorian()
    return dt.date(g.year, g.month, g.day)

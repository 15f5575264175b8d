"""Monthly statistics of requests, for ``/stats`` in the staff chat.

Months are Jalali months in Tehran: a month runs from 00:00 Tehran time on its first day up to
(not including) 00:00 on the first day of the next month; :func:`month_bounds` gives those
instants in UTC.

:func:`summarize` reports, for a window ``[start, end)``:

* the requests *created* in the window, counted by their current status and by kind;
* over the requests *decided* in the window (whenever they were created), the median and the
  90th percentile of the time from filing to decision, and the share decided on or before their
  due time. Requests without a due time are left out of that share; it is None when no request
  decided in the window has one.

The median is the usual one (the mean of the two middle values when their number is even). The
90th percentile uses the nearest-rank method: with the ``n`` durations sorted ascending, it is
the one at 1-based rank ``ceil(0.9 * n)``, so it is always an observed duration.

Instants are UTC-aware ``datetime`` values; naive ones are taken to be UTC.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import jdatetime

from domain import texts
from domain.digits import to_persian_digits
from domain.jalali import TEHRAN, format_date, jalali_to_gregorian, to_jalali_date

YearMonth = tuple[int, int]


@dataclass(frozen=True)
class RequestFacts:
    """What statistics need to know about one request."""

    kind: str
    status: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    due_at: dt.datetime | None


@dataclass(frozen=True)
class MonthStats:
    """Statistics of the window ``[start, end)``; see the module docstring."""

    start: dt.datetime
    end: dt.datetime
    created: int
    by_status: Mapping[str, int]
    by_kind: Mapping[str, int]
    decided: int
    median_decision: dt.timedelta | None
    p90_decision: dt.timedelta | None
    # Of the requests decided in the window that have a due time: how many were decided on or
    # before it, and how many there are.
    on_time: int
    with_due: int

    @property
    def on_time_share(self) -> float | None:
        """The share (0..1) of decided requests with a due time that met it, or None."""
        return self.on_time / self.with_due if self.with_due else None


def _as_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def month_bounds(jalali_year: int, jalali_month: int) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants of Tehran midnight starting the Jalali month and the month after it."""
    if not 1 <= jalali_month <= 12:
        raise ValueError(f"no such Jalali month: {jalali_month}")
    next_year, next_month = (
        (jalali_year + 1, 1) if jalali_month == 12 else (jalali_year, jalali_month + 1)
    )

    def midnight(year: int, month: int) -> dt.datetime:
        day = jalali_to_gregorian(jdatetime.date(year, month, 1))
        return dt.datetime.combine(day, dt.time(0), tzinfo=TEHRAN).astimezone(dt.UTC)

    return midnight(jalali_year, jalali_month), midnight(next_year, next_month)


def current_and_previous_month(now_utc: dt.datetime) -> tuple[YearMonth, YearMonth]:
    """The Jalali (year, month) of ``now_utc`` in Tehran, and of the month before it."""
    today = to_jalali_date(now_utc)
    year, month = int(today.year), int(today.month)
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    return (year, month), previous


def median(values: list[dt.timedelta]) -> dt.timedelta | None:
    """The median of ``values`` (mean of the middle two when even), or None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def nearest_rank(values: list[dt.timedelta], percent: float) -> dt.timedelta | None:
    """The ``percent``-th percentile (0 < percent <= 100) of ``values`` by the nearest-rank
    method: the value at 1-based rank ``ceil(percent / 100 * n)`` when sorted; None if empty."""
    if not 0 < percent <= 100:
        raise ValueError(f"percent must be in (0, 100]: {percent}")
    if not values:
        return None
    ordered = sorted(values)
    rank = math.ceil(percent / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


def summarize(facts: Iterable[RequestFacts], start: dt.datetime, end: dt.datetime) -> MonthStats:
    """Statistics of the window ``[start, end)``; see the module docstring."""
    start, end = _as_utc(start), _as_utc(end)
    by_status: Counter[str] = Counter()
    by_kind: Counter[str] = Counter()
    durations: list[dt.timedelta] = []
    on_time = with_due = 0
    for fact in facts:
        created = _as_utc(fact.created_at)
        if start <= created < end:
            by_status[fact.status] += 1
            by_kind[fact.kind] += 1
        if fact.decided_at is None:
            continue
        decided = _as_utc(fact.decided_at)
        if not start <= decided < end:
            continue
        durations.append(decided - created)
        if fact.due_at is not None:
            with_due += 1
            if decided <= _as_utc(fact.due_at):
                on_time += 1
    return MonthStats(
        start=start,
        end=end,
        created=sum(by_kind.values()),
        by_status=dict(by_status),
        by_kind=dict(by_kind),
        decided=len(durations),
        median_decision=median(durations),
        p90_decision=nearest_rank(durations, 90),
        on_time=on_time,
        with_due=with_due,
    )


# --- Presentation -----------------------------------------------------------------------------


def _fa(n: int) -> str:
    return to_persian_digits(n)


def month_title(jalali_year: int, jalali_month: int) -> str:
    """The month as people name it: ``"فروردین ۱۴۰۵"``."""
    return texts.STATS_MONTH_TITLE.format(
        month=texts.JALALI_MONTH_NAMES[jalali_month - 1], year=_fa(jalali_year)
    )


def format_duration(delta: dt.timedelta) -> str:
    """A duration in Persian at a useful precision: days and hours (``«۲ روز و ۳ ساعت»``) from
    one day, hours and minutes below that, minutes below an hour; the rest is dropped."""
    total_minutes = max(int(delta.total_seconds()) // 60, 0)
    days, rest = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        units = [(days, texts.STATS_UNIT_DAY), (hours, texts.STATS_UNIT_HOUR)]
    elif hours:
        units = [(hours, texts.STATS_UNIT_HOUR), (minutes, texts.STATS_UNIT_MINUTE)]
    else:
        units = [(minutes, texts.STATS_UNIT_MINUTE)]
    parts = [f"{_fa(n)} {unit}" for n, unit in units if n]
    if not parts:
        return texts.STATS_UNDER_A_MINUTE
    return texts.STATS_AND.join(parts)


def format_share(share: float) -> str:
    """A share 0..1 as a whole Persian percentage: ``0.85`` → ``"۸۵٪"``."""
    return _fa(round(share * 100)) + texts.PERCENT_SIGN


def _breakdown(counts: Mapping[str, int], labels: Mapping[str, str]) -> list[str]:
    ordered = sorted(counts.items(), key=lambda item: (-item[1], labels.get(item[0], item[0])))
    return [
        texts.STATS_BREAKDOWN_LINE.format(label=labels.get(key, key), count=_fa(count))
        for key, count in ordered
    ]


def format_stats(title: str, stats: MonthStats) -> str:
    """The statistics as a Persian text block for the staff chat."""
    last_day = stats.end - dt.timedelta(microseconds=1)
    lines = [
        texts.STATS_TITLE.format(title=title),
        texts.STATS_PERIOD.format(start=format_date(stats.start), end=format_date(last_day)),
        texts.STATS_CREATED.format(count=_fa(stats.created)),
    ]
    if stats.created:
        lines.append(texts.STATS_BY_KIND)
        lines.extend(_breakdown(stats.by_kind, texts.KIND_LABELS))
        lines.append(texts.STATS_BY_STATUS)
        lines.extend(_breakdown(stats.by_status, texts.STATUS_LABELS))
    lines.append(texts.STATS_DECIDED.format(count=_fa(stats.decided)))
    if stats.median_decision is not None and stats.p90_decision is not None:
        lines.append(texts.STATS_MEDIAN.format(duration=format_duration(stats.median_decision)))
        lines.append(texts.STATS_P90.format(duration=format_duration(stats.p90_decision)))
    share = stats.on_time_share
    if share is not None:
        lines.append(
            texts.STATS_ON_TIME.format(
                share=format_share(share), on_time=_fa(stats.on_time), total=_fa(stats.with_due)
            )
        )
    elif stats.decided:
        lines.append(texts.STATS_ON_TIME_UNKNOWN)
    return "\n".join(lines)

"""Monthly request statistics (domain.stats)."""

from __future__ import annotations

import datetime as dt

import pytest

from domain import texts
from domain.stats import (
    MonthStats,
    RequestFacts,
    current_and_previous_month,
    format_duration,
    format_share,
    format_stats,
    median,
    month_bounds,
    month_title,
    nearest_rank,
    summarize,
)

UTC = dt.UTC
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("year", "month", "start", "end"),
    [
        # Esfand 1403 (a leap year): 30 days, 1403/12/01 = 2025-02-19 .. 1404/01/01 = 2025-03-21.
        (
            1403,
            12,
            dt.datetime(2025, 2, 18, 20, 30, tzinfo=UTC),
            dt.datetime(2025, 3, 20, 20, 30, tzinfo=UTC),
        ),
        # Esfand 1404 (not leap): 29 days.
        (
            1404,
            12,
            dt.datetime(2026, 2, 19, 20, 30, tzinfo=UTC),
            dt.datetime(2026, 3, 20, 20, 30, tzinfo=UTC),
        ),
        # Ordibehesht 1405: 31 days.
        (
            1405,
            2,
            dt.datetime(2026, 4, 20, 20, 30, tzinfo=UTC),
            dt.datetime(2026, 5, 21, 20, 30, tzinfo=UTC),
        ),
        # Farvardin 1400 began at +03:30 and ended under daylight saving time (+04:30).
        (
            1400,
            1,
            dt.datetime(2021, 3, 20, 20, 30, tzinfo=UTC),
            dt.datetime(2021, 4, 20, 19, 30, tzinfo=UTC),
        ),
    ],
)
def test_month_bounds(year: int, month: int, start: dt.datetime, end: dt.datetime) -> None:
    assert month_bounds(year, month) == (start, end)


def test_month_bounds_lengths_and_errors() -> None:
    start, end = month_bounds(1403, 12)
    assert end - start == 30 * D
    start, end = month_bounds(1404, 12)
    assert end - start == 29 * D
    with pytest.raises(ValueError, match="13"):
        month_bounds(1405, 13)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (dt.datetime(2026, 3, 20, 20, 29, tzinfo=UTC), ((1404, 12), (1404, 11))),
        (dt.datetime(2026, 3, 20, 20, 30, tzinfo=UTC), ((1405, 1), (1404, 12))),
        (dt.datetime(2026, 5, 10, 12, 0, tzinfo=UTC), ((1405, 2), (1405, 1))),
        (dt.datetime(2026, 5, 10, 12, 0), ((1405, 2), (1405, 1))),  # naive is UTC
    ],
)
def test_current_and_previous_month(
    now: dt.datetime, expected: tuple[tuple[int, int], tuple[int, int]]
) -> None:
    assert current_and_previous_month(now) == expected


def test_median_and_nearest_rank() -> None:
    minutes = [dt.timedelta(minutes=m) for m in (5, 1, 4, 2, 3)]
    assert median(minutes) == dt.timedelta(minutes=3)
    assert median(minutes[:4]) == dt.timedelta(minutes=3)  # 1, 2, 4, 5 -> (2 + 4) / 2
    assert median([]) is None
    # n = 5: rank ceil(4.5) = 5; rank ceil(2.5) = 3 for the 50th percentile.
    assert nearest_rank(minutes, 90) == dt.timedelta(minutes=5)
    assert nearest_rank(minutes, 50) == dt.timedelta(minutes=3)
    # n = 20: rank ceil(18.0) = 18 exactly, not 19.
    twenty = [dt.timedelta(minutes=m) for m in range(20, 0, -1)]
    assert nearest_rank(twenty, 90) == dt.timedelta(minutes=18)
    assert nearest_rank(twenty, 100) == dt.timedelta(minutes=20)
    assert nearest_rank(twenty[:1], 90) == dt.timedelta(minutes=20)
    assert nearest_rank([], 90) is None
    with pytest.raises(ValueError):
        nearest_rank(minutes, 0)


# The window is Ordibehesht 1405.
START = dt.datetime(2026, 4, 20, 20, 30, tzinfo=UTC)
END = dt.datetime(2026, 5, 21, 20, 30, tzinfo=UTC)
T0 = dt.datetime(2026, 4, 25, 6, 30, tzinfo=UTC)
EARLY = dt.datetime(2026, 4, 18, 6, 30, tzinfo=UTC)  # before the window


def fact(
    kind: str,
    status: str,
    created: dt.datetime,
    decided: dt.datetime | None = None,
    due: dt.datetime | None = None,
) -> RequestFacts:
    return RequestFacts(
        kind=kind, status=status, created_at=created, decided_at=decided, due_at=due
    )


FACTS = [
    # Decided in the window; hours to decision 1, 2, 5, 10, 24, 27, 30, 48, 72, 200.
    fact("duplicate", "approved", T0, T0 + 1 * H, T0 + 1 * H),  # exactly at due: on time
    fact("inquiry", "answered", T0, T0 + 2 * H, T0 + 5 * D),
    fact("duplicate", "approved", T0, T0 + 5 * H, T0 + 5 * D),
    fact("duplicate", "rejected", T0, T0 + 10 * H),  # no due time
    fact("inquiry", "answered", T0, T0 + 24 * H, T0 + 5 * D),
    fact("duplicate", "approved", T0, T0 + 27 * H, T0 + 24 * H),  # late
    fact("duplicate", "approved", T0, T0 + 30 * H, T0 + 5 * D),
    fact("inquiry", "answered", T0, T0 + 48 * H, T0 + 5 * D),
    # Created before the window, decided in it (naive = UTC): counts for timing only.
    fact("duplicate", "approved", EARLY.replace(tzinfo=None), EARLY + 72 * H),
    fact("duplicate", "approved", T0, T0 + 200 * H, T0 + 5 * D),  # late
    # Created in the window, not decided (yet, or not in the window).
    fact("duplicate", "submitted", T0 + D),
    fact("inquiry", "submitted", END - dt.timedelta(seconds=1)),
    fact("inquiry", "submitted", START),
    fact("duplicate", "approved", END - 36 * H, END + 12 * H, END),
    # Outside the window entirely.
    fact("duplicate", "submitted", END),
    fact("duplicate", "approved", EARLY - 3 * D, EARLY - 2 * D, EARLY),
]


def test_summarize_known_inputs() -> None:
    stats = summarize(FACTS, START, END)
    assert stats.start == START
    assert stats.end == END
    assert stats.created == 13
    assert stats.by_kind == {"duplicate": 8, "inquiry": 5}
    assert stats.by_status == {"approved": 6, "rejected": 1, "answered": 3, "submitted": 3}
    assert stats.decided == 10
    # Sorted: 1, 2, 5, 10, 24, 27, 30, 48, 72, 200 hours.
    assert stats.median_decision == dt.timedelta(hours=25, minutes=30)  # (24 + 27) / 2
    assert stats.p90_decision == 72 * H  # rank ceil(0.9 * 10) = 9
    assert (stats.on_time, stats.with_due) == (6, 8)
    assert stats.on_time_share == 0.75


def test_summarize_empty_month() -> None:
    stats = summarize(FACTS, *month_bounds(1405, 6))
    assert stats == MonthStats(
        start=dt.datetime(2026, 8, 22, 20, 30, tzinfo=UTC),
        end=dt.datetime(2026, 9, 22, 20, 30, tzinfo=UTC),
        created=0,
        by_status={},
        by_kind={},
        decided=0,
        median_decision=None,
        p90_decision=None,
        on_time=0,
        with_due=0,
    )
    assert stats.on_time_share is None
    assert summarize([], START, END).on_time_share is None


def test_summarize_decided_without_due_times() -> None:
    stats = summarize([fact("inquiry", "answered", T0, T0 + 3 * H)], START, END)
    assert stats.decided == 1
    assert stats.median_decision == stats.p90_decision == 3 * H
    assert stats.on_time_share is None


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (dt.timedelta(0), "کمتر از یک دقیقه"),
        (dt.timedelta(seconds=59), "کمتر از یک دقیقه"),
        (dt.timedelta(minutes=45, seconds=30), "۴۵ دقیقه"),
        (H, "۱ ساعت"),
        (dt.timedelta(hours=2, minutes=5), "۲ ساعت و ۵ دقیقه"),
        (D, "۱ روز"),
        (dt.timedelta(days=2, hours=3), "۲ روز و ۳ ساعت"),
        (dt.timedelta(days=2, hours=3, minutes=59), "۲ روز و ۳ ساعت"),
        (dt.timedelta(days=12, minutes=30), "۱۲ روز"),
    ],
)
def test_format_duration(delta: dt.timedelta, expected: str) -> None:
    assert format_duration(delta) == expected


@pytest.mark.parametrize(
    ("share", "expected"),
    [(0.85, "۸۵٪"), (1.0, "۱۰۰٪"), (0.0, "۰٪"), (2 / 3, "۶۷٪"), (0.75, "۷۵٪")],
)
def test_format_share(share: float, expected: str) -> None:
    assert format_share(share) == expected


def test_month_title() -> None:
    assert month_title(1405, 2) == "اردیبهشت ۱۴۰۵"
    assert month_title(1403, 12) == "اسفند ۱۴۰۳"


def status(key: str) -> str:
    return texts.STATUS_LABELS.get(key, key)


def test_format_stats() -> None:
    stats = MonthStats(
        start=START,
        end=END,
        created=12,
        by_status={"submitted": 3, "approved": 6, "rejected": 1, "answered": 2},
        by_kind={"inquiry": 4, "duplicate": 8},
        decided=20,
        median_decision=dt.timedelta(days=2, hours=3, minutes=10),
        p90_decision=dt.timedelta(days=5, hours=1),
        on_time=17,
        with_due=20,
    )
    assert format_stats("آمار ماه جاری", stats) == "\n".join(
        [
            "📊 آمار ماه جاری",
            "از ۱۴۰۵/۰۲/۰۱ تا ۱۴۰۵/۰۲/۳۱",
            "درخواست‌های ثبت‌شده: ۱۲",
            "بر اساس نوع:",
            "• المثنی: ۸",
            "• استعلام: ۴",
            "بر اساس وضعیت کنونی:",
            f"• {status('approved')}: ۶",
            f"• {status('submitted')}: ۳",
            f"• {status('answered')}: ۲",
            f"• {status('rejected')}: ۱",
            "درخواست‌های رسیدگی‌شده: ۲۰",
            "میانهٔ زمان رسیدگی: ۲ روز و ۳ ساعت",
            "۹۰٪ درخواست‌ها در ۵ روز و ۱ ساعت یا کمتر رسیدگی شدند",
            "رسیدگی در مهلت: ۸۵٪ (۱۷ از ۲۰)",
        ]
    )


def test_format_stats_empty_month() -> None:
    stats = summarize([], *month_bounds(1403, 12))
    assert format_stats("آمار اسفند ۱۴۰۳", stats) == "\n".join(
        [
            "📊 آمار اسفند ۱۴۰۳",
            "از ۱۴۰۳/۱۲/۰۱ تا ۱۴۰۳/۱۲/۳۰",
            "درخواست‌های ثبت‌شده: ۰",
            "درخواست‌های رسیدگی‌شده: ۰",
        ]
    )


def test_format_stats_without_due_times() -> None:
    stats = summarize([fact("inquiry", "answered", T0, T0 + 3 * H)], START, END)
    text = format_stats("آمار", stats)
    assert text.splitlines()[-3:] == [
        "میانهٔ زمان رسیدگی: ۳ ساعت",
        "۹۰٪ درخواست‌ها در ۳ ساعت یا کمتر رسیدگی شدند",
        "رسیدگی در مهلت: نامعلوم (مهلتی ثبت نشده است)",
    ]
    assert f"• {texts.KIND_LABELS['inquiry']}: ۱" in text

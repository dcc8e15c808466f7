"""Period arithmetic (民法典第二百零一条、第二百零二条)."""

from __future__ import annotations

from datetime import date

import pytest

from app.vetting.rules.periods import (
    Period,
    PeriodKind,
    add_months,
    covers,
    day_after,
    end_of_calendar_year,
    last_blocked_day,
    period_end,
)
from tests.vetting.rules import d


@pytest.mark.parametrize(
    ("decided", "months", "last_blocked"),
    [
        ("2024-03-15", 12, "2025-03-15"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-08-31", 6, "2025-02-28"),
        ("2024-03-31", 6, "2024-09-30"),
        ("2024-12-15", 1, "2025-01-15"),
        ("2024-11-30", 3, "2025-02-28"),
        ("2024-03-15", 18, "2025-09-15"),
        ("2024-03-15", 24, "2026-03-15"),
        ("2024-03-15", 60, "2029-03-15"),
        ("2020-02-29", 48, "2024-02-29"),
        ("2024-05-20", 0, "2024-05-20"),
    ],
)
def test_a_period_of_months_ends_on_the_corresponding_day_or_the_month_end(
    decided: str, months: int, last_blocked: str
) -> None:
    assert last_blocked_day(d(decided), months) == d(last_blocked)
    assert add_months(d(decided), months) == d(last_blocked)


@pytest.mark.parametrize(
    ("decided", "months", "first_free"),
    [
        ("2024-03-15", 12, "2025-03-16"),
        ("2024-02-29", 12, "2025-03-01"),
        ("2024-01-31", 1, "2024-03-01"),
    ],
)
def test_the_first_free_day_is_the_day_after_the_last_blocked_day(
    decided: str, months: int, first_free: str
) -> None:
    assert day_after(last_blocked_day(d(decided), months)) == d(first_free)


def test_a_calendar_year_ban_ends_on_the_thirty_first_of_december() -> None:
    assert end_of_calendar_year(d("2024-03-15")) == d("2024-12-31")
    assert end_of_calendar_year(d("2024-03-15"), years_after=1) == d("2025-12-31")


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (Period(PeriodKind.MONTHS, months=6), "2024-09-15"),
        (Period(PeriodKind.CALENDAR_YEAR), "2024-12-31"),
        (Period(PeriodKind.CALENDAR_YEAR, years_after=1), "2025-12-31"),
        (Period(PeriodKind.PROBATION_PLUS_MONTHS, months=24), "2027-03-15"),
        (Period(PeriodKind.PERMANENT), None),
        (Period(PeriodKind.UNTIL_RECORDED), None),
        (Period(PeriodKind.NONE), None),
    ],
)
def test_period_end_counts_each_kind_from_the_anchor(period: Period, expected: str | None) -> None:
    end = period_end(period, d("2024-03-15"), extra_months=12)
    assert end == (None if expected is None else d(expected))


def test_a_running_measure_ends_when_the_caller_says_it_does() -> None:
    period = Period(PeriodKind.WHILE_RUNNING)
    assert period_end(period, d("2024-03-15"), running_until=d("2024-06-15")) == d("2024-06-15")
    assert period_end(period, d("2024-03-15")) is None


def test_a_zero_month_period_is_empty_and_switches_a_block_off() -> None:
    assert Period(PeriodKind.MONTHS, months=0).is_empty
    assert not Period(PeriodKind.MONTHS, months=1).is_empty
    assert not Period(PeriodKind.PERMANENT).is_empty


@pytest.mark.parametrize(
    ("start", "until", "day", "expected"),
    [
        ("2024-01-01", "2024-12-31", "2024-12-31", True),
        ("2024-01-01", "2024-12-31", "2025-01-01", False),
        ("2024-01-01", "2024-12-31", "2023-12-31", False),
        ("2024-01-01", None, "2099-01-01", True),
        (None, None, "2000-01-01", True),
    ],
)
def test_covers_includes_both_ends(
    start: str | None, until: str | None, day: str, expected: bool
) -> None:
    assert covers(_optional(start), _optional(until), d(day)) is expected


def _optional(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)

"""Period arithmetic (民法典第二百零一条、第二百零二条)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest

from app.domain.enums import AdminSanction, Method, Purpose
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
from tests.vetting.rules import cadre, case, d, only, vet


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


def _month_end_table() -> list[tuple[date, int, date]]:
    """Every anchor on the 28th or later of every month of a common and a leap year, for the
    periods the rules use (6, 12, 18 and 24 months), with the last blocked day worked out here
    independently of `add_months`: step month by month, then take the corresponding day, or
    the month's last day when it has none (民法典第二百零二条)."""
    rows = []
    for year in (2023, 2024):
        for month in range(1, 13):
            for day in range(28, calendar.monthrange(year, month)[1] + 1):
                for months in (6, 12, 18, 24):
                    y, m = year, month
                    for _ in range(months):
                        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
                    last = calendar.monthrange(y, m)[1]
                    rows.append((date(year, month, day), months, date(y, m, min(day, last))))
    return rows


MONTH_END_TABLE = _month_end_table()


def test_the_month_end_table_covers_every_case() -> None:
    # Per year: seven 31-day months x 4 days, four 30-day months x 3, February 1 (2023) or 2.
    assert len(MONTH_END_TABLE) == (41 + 42) * 4
    clamped = [(a, n, e) for a, n, e in MONTH_END_TABLE if e.day != a.day]
    assert {(a.month, a.day) for a, _, _ in clamped} >= {(5, 31), (8, 31), (3, 31), (2, 29)}


@pytest.mark.parametrize(("anchor", "months", "last_blocked"), MONTH_END_TABLE)
def test_every_month_end_counts_as_the_civil_code_says(
    anchor: date, months: int, last_blocked: date
) -> None:
    assert last_blocked_day(anchor, months) == last_blocked
    assert period_end(Period(PeriodKind.MONTHS, months), anchor) == last_blocked
    free = day_after(last_blocked)
    assert free == last_blocked + timedelta(days=1) and free > anchor


@pytest.mark.parametrize(
    ("decided", "months", "last_blocked", "first_free"),
    [
        # The cases RULES.md's counting implies, named: 29 Feb, 31 Jan, 31 Aug.
        ("2024-02-29", 12, "2025-02-28", "2025-03-01"),  # no 29 Feb in 2025: its month's end
        ("2024-02-29", 24, "2026-02-28", "2026-03-01"),
        ("2024-02-29", 6, "2024-08-29", "2024-08-30"),  # August has a 29th
        ("2024-01-31", 6, "2024-07-31", "2024-08-01"),
        ("2023-01-31", 1, "2023-02-28", "2023-03-01"),
        ("2024-01-31", 1, "2024-02-29", "2024-03-01"),
        ("2024-08-31", 6, "2025-02-28", "2025-03-01"),
        ("2023-08-31", 6, "2024-02-29", "2024-03-01"),
        ("2024-08-31", 18, "2026-02-28", "2026-03-01"),
        ("2024-08-31", 12, "2025-08-31", "2025-09-01"),
    ],
)
def test_the_named_month_end_cases(
    decided: str, months: int, last_blocked: str, first_free: str
) -> None:
    assert last_blocked_day(d(decided), months) == d(last_blocked)
    assert day_after(last_blocked_day(d(decided), months)) == d(first_free)


@pytest.mark.parametrize(
    ("decided", "last_blocked", "eligible_from"),
    [
        ("2024-02-29", "2024-08-29", "2024-08-30"),
        ("2024-08-31", "2025-02-28", "2025-03-01"),
        ("2023-08-31", "2024-02-29", "2024-03-01"),
        ("2024-01-31", "2024-07-31", "2024-08-01"),
    ],
)
def test_a_decision_counts_its_period_so_and_is_free_the_day_after(
    decided: str, last_blocked: str, eligible_from: str
) -> None:
    """End to end: an administrative warning (6 months, 政务处分法第十九条) decided on a month's
    last days blocks promotion through the day the Civil Code gives, and no later."""
    warning = case(
        decided, opened="2023-01-05", methods=(Method.SANCTION,), admin=AdminSanction.WARNING
    )
    facts = cadre(warning)
    finding = only(vet(facts, Purpose.PROMOTION, as_of=decided), "influence.admin_sanction.warning")
    assert finding.blocks_from == d(decided) and finding.blocks_until == d(last_blocked)
    assert day_after(finding.blocks_until) == d(eligible_from)
    later = vet(facts, Purpose.PROMOTION, as_of=eligible_from)
    assert "influence.admin_sanction.warning" not in [
        f.rule_id for f in later.findings if f.in_force
    ]

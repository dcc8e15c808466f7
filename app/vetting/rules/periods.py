"""Period arithmetic for influence periods, vetoes and bars.

How a period counted in months runs follows 《中华人民共和国民法典》第二百零一条、第二百零二条:
a period counted in years, months or days starts on the day after the decision (第二百零一条),
and a period counted in months or years ends on the day of the final month that corresponds to
the starting day, or on that month's last day when it has no such day (第二百零二条).

So for a decision on day D, an N-month period's last blocked day is the day numbered D in the
month N months later, clamped to that month's end, and the cadre is free the day after:

    2024-03-15 + 12 months -> last blocked 2025-03-15, first free 2025-03-16
    2024-02-29 + 12 months -> last blocked 2025-02-28, first free 2025-03-01
    2024-01-31 +  1 month  -> last blocked 2024-02-29, first free 2024-03-01

"No commendation in that calendar year" blocks from D through 31 December of D's year.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class PeriodKind(StrEnum):
    """How long a rule blocks; the rulebook names one kind per purpose it blocks."""

    MONTHS = "months"  # N months from the anchor day (民法典第二百零二条)
    CALENDAR_YEAR = "calendar_year"  # through 31 Dec of the anchor's year (+ years_after)
    PROBATION_PLUS_MONTHS = "probation_plus_months"  # 留党察看: the probation plus N months
    PERMANENT = "permanent"  # never ends
    # The text blocks "within the period set by the relevant rules" and sets none itself (the
    # central 规定 第二十条): open-ended, and the finding says no date can be given.
    UNSTATED = "unstated"
    WHILE_RUNNING = "while_running"  # as long as the underlying measure or procedure runs
    UNTIL_RECORDED = "until_recorded"  # until a missing record or date is supplied
    NONE = "none"  # notes: informative, blocks nothing


BLOCKING_KINDS = frozenset(
    {
        PeriodKind.MONTHS,
        PeriodKind.CALENDAR_YEAR,
        PeriodKind.PROBATION_PLUS_MONTHS,
        PeriodKind.PERMANENT,
        PeriodKind.UNSTATED,
        PeriodKind.UNTIL_RECORDED,
    }
)
HOLDING_KINDS = frozenset({PeriodKind.WHILE_RUNNING, PeriodKind.UNTIL_RECORDED})


@dataclass(frozen=True)
class MonthsChange:
    """A period's length as changed by a later text: `months` for periods that start counting
    on or after `effective_from`, with the citation of the text that changed it."""

    effective_from: date
    months: int
    basis: str  # a citation key of the rulebook


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    months: int = 0  # before the first change (or always, without changes)
    years_after: int = 0
    changes: tuple[MonthsChange, ...] = ()  # in date order

    @property
    def is_empty(self) -> bool:
        """A zero-month period is how a rulebook switches a block off (e.g. 通报 → promotion)."""
        return (
            self.kind is PeriodKind.MONTHS
            and self.months == 0
            and all(c.months == 0 for c in self.changes)
        )

    def months_at(self, anchor: date) -> int:
        """The length for a period that starts counting on `anchor`: the value in force that day
        (a change applies to periods that start on or after its date, never to running ones)."""
        months = self.months
        for change in self.changes:
            if change.effective_from > anchor:
                break
            months = change.months
        return months

    def describe(self) -> dict[str, object]:
        described: dict[str, object] = {"kind": self.kind.value}
        if self.kind in (PeriodKind.MONTHS, PeriodKind.PROBATION_PLUS_MONTHS):
            described["months"] = self.months
            if self.changes:
                described["changes"] = [
                    {
                        "effective_from": c.effective_from.isoformat(),
                        "months": c.months,
                        "basis": c.basis,
                    }
                    for c in self.changes
                ]
        if self.kind is PeriodKind.CALENDAR_YEAR:
            described["years_after"] = self.years_after
        return described


def add_months(day: date, months: int) -> date:
    """The day numbered like `day` `months` months later, clamped to that month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    if day.day <= 28:  # every month has the day: no need to look up the month's length
        return date(year, month + 1, day.day)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def last_blocked_day(decided_on: date, months: int) -> date:
    """The last day of an N-month period that began with a decision on `decided_on`."""
    return add_months(decided_on, months)


def end_of_calendar_year(day: date, years_after: int = 0) -> date:
    return date(day.year + years_after, 12, 31)


def day_after(day: date) -> date:
    return day + timedelta(days=1)


def covers(start: date | None, until: date | None, day: date) -> bool:
    """Whether `day` lies in [start, until]; a missing start or end is open on that side."""
    return (start is None or start <= day) and (until is None or day <= until)


def period_end(
    period: Period,
    anchor: date,
    *,
    extra_months: int = 0,
    running_until: date | None = None,
) -> date | None:
    """The last blocked day of `period` counted from `anchor`; None when open-ended.

    `extra_months` is the party probation for 留党察看; `running_until` is the end the caller
    knows for a measure that blocks while it runs (a suspension with a stated duration).
    """
    match period.kind:
        case PeriodKind.MONTHS:
            return last_blocked_day(anchor, period.months_at(anchor))
        case PeriodKind.PROBATION_PLUS_MONTHS:
            return last_blocked_day(anchor, extra_months + period.months_at(anchor))
        case PeriodKind.CALENDAR_YEAR:
            return end_of_calendar_year(anchor, period.years_after)
        case PeriodKind.WHILE_RUNNING:
            return running_until
        case _:
            return None

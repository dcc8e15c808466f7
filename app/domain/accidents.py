"""Accident level (生产安全事故报告和调查处理条例 Art. 3) and the reporting deadline (Art. 9)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from app.domain.enums import ACCIDENT_SEVERITY, AccidentLevel

# Lower bounds, inclusive, of each level for each dimension (RULES.md §5).
_THRESHOLDS: tuple[tuple[AccidentLevel, int, int, Decimal], ...] = (
    (AccidentLevel.PARTICULARLY_SERIOUS, 30, 100, Decimal(100_000_000)),
    (AccidentLevel.MAJOR, 10, 50, Decimal(50_000_000)),
    (AccidentLevel.LARGER, 3, 10, Decimal(10_000_000)),
)
REPORTING_DEADLINE = timedelta(hours=1)


def _level_of(value: Decimal, index: int) -> AccidentLevel:
    for row in _THRESHOLDS:
        if value >= row[index]:  # type: ignore[operator]
            return row[0]
    return AccidentLevel.GENERAL


def accident_level(deaths: int, serious_injuries: int, direct_loss_cny: Decimal) -> AccidentLevel:
    """The most severe level any of the three dimensions reaches."""
    levels = (
        _level_of(Decimal(deaths), 1),
        _level_of(Decimal(serious_injuries), 2),
        _level_of(direct_loss_cny, 3),
    )
    return max(levels, key=ACCIDENT_SEVERITY.__getitem__)


def is_late_report(occurred_at: datetime, reported_at: datetime | None) -> bool:
    """迟报: reported to the safety department more than one hour after the accident."""
    return reported_at is not None and reported_at - occurred_at > REPORTING_DEADLINE

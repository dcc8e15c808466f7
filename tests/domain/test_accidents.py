"""Accident levels at every boundary of 事故条例 Art. 3 (RULES.md §5): lower bounds inclusive,
the most severe dimension decides."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.domain.accidents import accident_level, is_late_report
from app.domain.enums import AccidentLevel as L

M = Decimal(1_000_000)

BOUNDARIES = [
    # deaths
    (0, 0, Decimal(0), L.GENERAL),
    (2, 0, Decimal(0), L.GENERAL),
    (3, 0, Decimal(0), L.LARGER),
    (9, 0, Decimal(0), L.LARGER),
    (10, 0, Decimal(0), L.MAJOR),
    (29, 0, Decimal(0), L.MAJOR),
    (30, 0, Decimal(0), L.PARTICULARLY_SERIOUS),
    # serious injuries
    (0, 9, Decimal(0), L.GENERAL),
    (0, 10, Decimal(0), L.LARGER),
    (0, 49, Decimal(0), L.LARGER),
    (0, 50, Decimal(0), L.MAJOR),
    (0, 99, Decimal(0), L.MAJOR),
    (0, 100, Decimal(0), L.PARTICULARLY_SERIOUS),
    # direct loss
    (0, 0, 10 * M - Decimal("0.01"), L.GENERAL),
    (0, 0, 10 * M, L.LARGER),
    (0, 0, 50 * M - Decimal("0.01"), L.LARGER),
    (0, 0, 50 * M, L.MAJOR),
    (0, 0, 100 * M - Decimal("0.01"), L.MAJOR),
    (0, 0, 100 * M, L.PARTICULARLY_SERIOUS),
    # the most severe dimension wins
    (2, 50, Decimal(0), L.MAJOR),
    (3, 0, 100 * M, L.PARTICULARLY_SERIOUS),
    (30, 0, Decimal(1), L.PARTICULARLY_SERIOUS),
    (1, 10, 50 * M, L.MAJOR),
]


@pytest.mark.parametrize(("deaths", "injuries", "loss", "level"), BOUNDARIES)
def test_accident_level(deaths: int, injuries: int, loss: Decimal, level: L) -> None:
    assert accident_level(deaths, injuries, loss) is level


OCCURRED = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delay", "late"),
    [
        (None, False),
        (timedelta(minutes=59), False),
        (timedelta(hours=1), False),
        (timedelta(hours=1, seconds=1), True),
        (timedelta(days=2), True),
    ],
)
def test_a_report_more_than_one_hour_after_is_late(delay: timedelta | None, late: bool) -> None:
    reported = OCCURRED + delay if delay is not None else None
    assert is_late_report(OCCURRED, reported) is late

"""When a supervision item counts as overdue, as seen on a given day."""

from datetime import date

import pytest

from app.records.kinds.unit_records import is_overdue

DUE = date(2024, 6, 30)


@pytest.mark.parametrize(
    ("completed_on", "on", "overdue"),
    [
        (None, date(2024, 6, 30), False),  # open, due today
        (None, date(2024, 7, 1), True),  # open, a day late
        (date(2024, 6, 30), date(2025, 1, 1), False),  # completed on the due day
        (date(2024, 7, 1), date(2025, 1, 1), True),  # completed a day late: late for good
        (date(2024, 7, 15), date(2024, 6, 1), False),  # seen before it was due
        (date(2024, 7, 15), date(2024, 7, 10), True),  # seen while open past due
        (date(2024, 6, 20), date(2024, 6, 10), False),  # seen before its timely completion
    ],
)
def test_overdue_as_seen_on_a_day(completed_on: date | None, on: date, overdue: bool) -> None:
    assert is_overdue(DUE, completed_on, on) is overdue

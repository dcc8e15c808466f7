"""Periods whose length later texts changed: values with their own dates and citations (like
OpenFisca parameters). A period takes the length in force on the day it starts counting; a
change never alters a period already running. No database needed."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from app.domain.enums import Method
from app.vetting.rules.periods import MonthsChange, Period, PeriodKind, period_end
from app.vetting.rules.rulebook import RulebookError, load_rulebook
from tests.vetting.rules import cadre, case, only, vet

SOURCE = Path(__file__).parents[3] / "app/vetting/rules/rulebooks/cn-national-2018.toml"
TEXT = SOURCE.read_text(encoding="utf-8")
ADMONISHMENT = '{ purposes = ["promotion", "important_use"], period = "months", months = 6 }'
CHANGED = (
    '{ purposes = ["promotion", "important_use"], period = "months", months = 6, changes = ['
    '{ from = 2024-01-01, months = 9, basis = "admonishment_rules" }, '
    '{ from = 2025-07-01, months = 12, basis = "central_art19" }] }'
)


def book(tmp_path: Path, old: str = ADMONISHMENT, new: str = CHANGED) -> Path:
    assert old in TEXT
    path = tmp_path / "dated.toml"
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    return path


PERIOD = Period(
    PeriodKind.MONTHS,
    6,
    changes=(MonthsChange(date(2024, 1, 1), 9, "a"), MonthsChange(date(2025, 7, 1), 12, "b")),
)


@pytest.mark.parametrize(
    ("anchor", "months"),
    [
        (date(2018, 11, 1), 6),
        (date(2023, 12, 31), 6),  # the day before the first change
        (date(2024, 1, 1), 9),  # the change's own day
        (date(2025, 6, 30), 9),
        (date(2025, 7, 1), 12),
        (date(2030, 1, 1), 12),
    ],
)
def test_the_length_in_force_on_the_first_day_counts(anchor: date, months: int) -> None:
    assert PERIOD.months_at(anchor) == months


def test_period_end_uses_the_length_of_its_start() -> None:
    assert period_end(PERIOD, date(2023, 12, 31)) == date(2024, 6, 30)  # 6 months
    assert period_end(PERIOD, date(2024, 1, 31)) == date(2024, 10, 31)  # 9 months
    assert period_end(PERIOD, date(2025, 8, 31)) == date(2026, 8, 31)  # 12 months
    probation = Period(PeriodKind.PROBATION_PLUS_MONTHS, 12, changes=PERIOD.changes)
    assert period_end(probation, date(2025, 8, 31), extra_months=12) == date(2027, 8, 31)


def test_an_empty_period_is_empty_only_if_every_value_is_zero() -> None:
    assert Period(PeriodKind.MONTHS, 0).is_empty
    later = Period(PeriodKind.MONTHS, 0, changes=(MonthsChange(date(2024, 1, 1), 6, "a"),))
    assert not later.is_empty


@pytest.mark.parametrize(
    ("decided", "until"),
    [
        ("2023-11-15", "2024-05-15"),  # before the first change: 6 months, even if vetted later
        ("2024-03-15", "2024-12-15"),  # 9 months
        ("2025-09-30", "2026-09-30"),  # 12 months
    ],
)
def test_a_rulebook_with_dated_lengths_applies_them(
    tmp_path: Path, decided: str, until: str
) -> None:
    dated = load_rulebook(book(tmp_path))
    facts = cadre(case(decided, opened="2023-10-01", methods=(Method.ADMONISHMENT,)))
    finding = only(vet(facts, as_of="2026-01-15", rulebook=dated), "influence.admonishment")
    assert str(finding.blocks_until) == until


def test_the_changes_are_described_with_their_dates_and_citations(tmp_path: Path) -> None:
    described = load_rulebook(book(tmp_path)).describe()
    rule = next(r for r in described["rules"] if r["rule_id"] == "influence.admonishment")
    assert rule["blocks"][0]["period"] == {
        "kind": "months",
        "months": 6,
        "changes": [
            {"effective_from": "2024-01-01", "months": 9, "basis": "admonishment_rules"},
            {"effective_from": "2025-07-01", "months": 12, "basis": "central_art19"},
        ],
    }


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ('[{ from = 2024-01-01, months = 9, basis = "nowhere" }]', "unknown citation 'nowhere'"),
        ('[{ from = 2024-01-01, months = -1, basis = "central_art19" }]', "must not be negative"),
        ('[{ from = "2024", months = 9, basis = "central_art19" }]', "'from' must be date"),
        ("[{ from = 2024-01-01, months = 9 }]", "missing 'basis'"),
        ('[{ from = 2024-01-01, months = 9, basis = "central_art19", why = "x" }]', "unknown keys"),
        (
            '[{ from = 2025-01-01, months = 9, basis = "central_art19" }, '
            '{ from = 2024-01-01, months = 12, basis = "central_art19" }]',
            "strictly increasing",
        ),
        ("[]", "non-empty list"),
        ('"soon"', "non-empty list"),
        ("[1]", "must be a table"),
    ],
)
def test_invalid_changes_are_refused_naming_the_rule(
    tmp_path: Path, changes: str, complaint: str
) -> None:
    new = ADMONISHMENT[:-2] + f", changes = {changes} }}"
    with pytest.raises(RulebookError, match=re.escape(complaint)) as raised:
        load_rulebook(book(tmp_path, new=new))
    assert "influence.admonishment" in str(raised.value)


def test_changes_apply_to_month_periods_only(tmp_path: Path) -> None:
    old = '{ purposes = ["commendation", "safety_commendation"], period = "calendar_year" }'
    new = old[:-2] + ', changes = [{ from = 2024-01-01, months = 9, basis = "central_art19" }] }'
    with pytest.raises(RulebookError, match="month periods only"):
        load_rulebook(book(tmp_path, old, new))

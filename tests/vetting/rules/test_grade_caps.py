"""Party sanctions cap the annual grade of the year they were imposed (RULES.md §6,
组通字〔1998〕19号): 警告 → not 优秀; 撤销党内职务 or 留党察看 → 不称职. The rules use the capped
grade; a recorded grade above its cap is flagged as an inconsistency of the record."""

from __future__ import annotations

import pytest

from app.domain.enums import CadreGrade, CaseStatus, Effect, Method, PartySanction, Purpose
from app.vetting.rules.rule_ids import (
    ASSESSMENT_ANNUAL_INCOMPETENT,
    NOTE_GRADE_CAPPED_BY_SANCTION,
)
from tests.vetting.rules import assessment, cadre, case, only, rule_ids, vet

G = CadreGrade
S = PartySanction
PREVIOUS = range(2010, 2024)  # annual assessments up to 2023; 2024 is given by each test
CAPPED = NOTE_GRADE_CAPPED_BY_SANCTION


def _sanctioned(sanction: S, decided: str, grade: G, **case_fields: object) -> object:
    sanction_case = case(
        decided,
        opened="2023-11-01",
        methods=(Method.SANCTION,),
        party=sanction,
        probation=12 if sanction is S.PROBATION else None,
        **case_fields,  # type: ignore[arg-type]
    )
    return cadre(assessment(2024, grade), sanction_case, annual_years=PREVIOUS)


@pytest.mark.parametrize(
    ("sanction", "decided", "recorded", "used", "flagged"),
    [
        # 警告: that year not 优秀; a lower grade stands.
        (S.WARNING, "2024-05-10", G.EXCELLENT, G.COMPETENT, (2024, G.EXCELLENT, G.COMPETENT)),
        (S.WARNING, "2024-05-10", G.COMPETENT, G.COMPETENT, None),
        (S.WARNING, "2024-05-10", G.BASICALLY_COMPETENT, G.BASICALLY_COMPETENT, None),
        # 撤销党内职务 and 留党察看: that year 不称职, whatever was recorded.
        (
            S.REMOVAL_FROM_PARTY_POSTS,
            "2024-02-01",
            G.EXCELLENT,
            G.INCOMPETENT,
            (2024, G.EXCELLENT, G.INCOMPETENT),
        ),
        (
            S.REMOVAL_FROM_PARTY_POSTS,
            "2024-02-01",
            G.COMPETENT,
            G.INCOMPETENT,
            (2024, G.COMPETENT, G.INCOMPETENT),
        ),
        (
            S.PROBATION,
            "2024-12-31",
            G.BASICALLY_COMPETENT,
            G.INCOMPETENT,
            (2024, G.BASICALLY_COMPETENT, G.INCOMPETENT),
        ),
        (S.PROBATION, "2024-12-31", G.INCOMPETENT, G.INCOMPETENT, None),
        # A sanction caps its own year only: 2023's recorded 称职 is flagged, 2024 stands.
        (S.PROBATION, "2023-12-31", G.COMPETENT, G.COMPETENT, (2023, G.COMPETENT, G.INCOMPETENT)),
        (S.WARNING, "2025-01-02", G.EXCELLENT, G.EXCELLENT, None),  # no 2025 grade yet
        # RULES.md names no cap for 严重警告 (the 1998 opinion makes it depend on whether the
        # error concerned the duties, which the record does not say): none is applied.
        (S.SERIOUS_WARNING, "2024-05-10", G.EXCELLENT, G.EXCELLENT, None),
    ],
)
def test_the_rules_use_the_grade_as_capped_by_that_years_sanction(
    sanction: S, decided: str, recorded: G, used: G, flagged: tuple[int, G, G] | None
) -> None:
    facts = _sanctioned(sanction, decided, recorded)
    decision = vet(facts, Purpose.PROMOTION, as_of="2025-06-01")
    found = rule_ids(decision)
    assert (CAPPED in found) is (flagged is not None)
    if flagged is not None:
        year, was, capped = flagged
        note = only(decision, CAPPED)
        assert note.effect is Effect.NOTE and note.blocks_from is None
        assert "组通字〔1998〕19号" in note.basis
        assert f"{year}年度考核记录为{_zh(was)}" in note.message.zh
        assert f"应按{_zh(capped)}确定" in note.message.zh
        assert note.evidence.record_kind == "assessment"
    # The previous year's grade the annual rule sees is the capped one.
    assert (ASSESSMENT_ANNUAL_INCOMPETENT in found) is (used is G.INCOMPETENT)
    if used is G.INCOMPETENT:
        blocked = only(decision, ASSESSMENT_ANNUAL_INCOMPETENT)
        assert "2024年度考核为不称职" in blocked.message.zh


def _zh(grade: G) -> str:
    return {
        G.EXCELLENT: "优秀",
        G.COMPETENT: "称职",
        G.BASICALLY_COMPETENT: "基本称职",
        G.INCOMPETENT: "不称职",
    }[grade]


def test_a_revoked_sanction_caps_nothing() -> None:
    facts = _sanctioned(S.PROBATION, "2024-03-01", G.EXCELLENT, status=CaseStatus.REVOKED)
    decision = vet(facts, Purpose.PROMOTION, as_of="2025-06-01")
    assert CAPPED not in rule_ids(decision)
    assert ASSESSMENT_ANNUAL_INCOMPETENT not in rule_ids(decision)


def test_a_sanction_not_yet_decided_on_as_of_caps_nothing_then() -> None:
    facts = _sanctioned(S.WARNING, "2024-09-01", G.EXCELLENT)
    assert CAPPED not in rule_ids(vet(facts, Purpose.PROMOTION, as_of="2024-08-31"))
    assert CAPPED in rule_ids(vet(facts, Purpose.PROMOTION, as_of="2024-09-01"))


def test_the_strictest_of_two_caps_wins() -> None:
    warning = case("2024-03-01", methods=(Method.SANCTION,), party=S.WARNING)
    removal = case("2024-10-01", methods=(Method.SANCTION,), party=S.REMOVAL_FROM_PARTY_POSTS)
    facts = cadre(assessment(2024, G.EXCELLENT), warning, removal, annual_years=PREVIOUS)
    note = only(vet(facts, Purpose.PROMOTION, as_of="2025-06-01"), CAPPED)
    assert "应按不称职确定" in note.message.zh and "撤销党内职务" in note.message.zh
    assert "2024-10-01" in note.message.en


def test_every_purpose_sees_the_note_and_the_english_says_the_same() -> None:
    facts = _sanctioned(S.WARNING, "2024-05-10", G.EXCELLENT)
    for purpose in Purpose:
        if purpose is Purpose.SOE_HEAD_APPOINTMENT:
            continue  # needs the enterprise; the note does not depend on the purpose
        note = only(vet(facts, purpose, as_of="2025-06-01"), CAPPED)
        assert "recorded as excellent" in note.message.en.lower()
        assert "competent at most" in note.message.en

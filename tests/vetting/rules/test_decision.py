"""The decision: outcome precedence, eligible_from, ordering, determinism and its JSON form."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import UUID

import pytest

from app import clock
from app.domain.enums import (
    AdminSanction,
    CadreStatus,
    Effect,
    InvestigationResult,
    Leniency,
    Method,
    Outcome,
    PartySanction,
    Purpose,
    SeedSystem,
    UnitGrade,
)
from app.vetting.rules import (
    Decision,
    Evidence,
    Finding,
    Message,
    comparable,
    decision_from_dict,
    decision_to_dict,
    diff,
)
from app.vetting.rules.decision import eligible_from_of, outcome_of
from app.vetting.rules.facts import CadreFacts
from app.vetting.rules.messages import render
from app.vetting.rules.rulebook import default_rulebook
from app.vetting.rules.snapshot import facts_sha256
from tests.vetting.rules import (
    HOME,
    accident,
    cadre,
    case,
    contribution,
    d,
    investigation,
    soe,
    status,
    unit_assessment,
    vet,
)

AS_OF = date(2025, 1, 15)


def finding(effect: Effect, until: str | None, *, in_force: bool = True) -> Finding:
    return Finding(
        rule_id=f"test.{effect.value}",
        effect=effect,
        system=SeedSystem.ACCOUNTABILITY,
        basis="",
        blocks_from=date(2024, 1, 1),
        blocks_until=None if until is None else d(until),
        in_force=in_force,
        evidence=Evidence("accountability_case", None),
        message=Message("", ""),
    )


@pytest.mark.parametrize(
    ("effects", "outcome"),
    [
        ([], Outcome.ELIGIBLE),
        ([Effect.NOTE], Outcome.ELIGIBLE),
        ([Effect.HOLD], Outcome.PENDING),
        ([Effect.HOLD, Effect.NOTE], Outcome.PENDING),
        ([Effect.BLOCK], Outcome.INELIGIBLE),
        ([Effect.VETO], Outcome.INELIGIBLE),
        ([Effect.VETO, Effect.HOLD], Outcome.INELIGIBLE),
        ([Effect.HOLD, Effect.BLOCK, Effect.NOTE], Outcome.INELIGIBLE),
    ],
)
def test_the_most_severe_in_force_finding_wins(effects: list[Effect], outcome: Outcome) -> None:
    assert outcome_of([finding(e, "2025-12-31") for e in effects]) is outcome


def test_findings_that_are_not_in_force_do_not_decide() -> None:
    spent = [finding(Effect.VETO, "2024-12-31", in_force=False)]
    assert outcome_of(spent) is Outcome.ELIGIBLE


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ([finding(Effect.VETO, "2025-03-15")], "2025-03-16"),
        ([finding(Effect.VETO, "2025-03-15"), finding(Effect.BLOCK, "2026-03-15")], "2026-03-16"),
        ([finding(Effect.VETO, "2025-03-15"), finding(Effect.BLOCK, None)], None),
        (
            [finding(Effect.BLOCK, "2025-03-15"), finding(Effect.BLOCK, None, in_force=False)],
            "2025-03-16",
        ),
        ([finding(Effect.BLOCK, "2025-03-15"), finding(Effect.HOLD, None)], "2025-03-16"),
    ],
)
def test_eligible_from_is_the_day_after_the_latest_in_force_block(
    findings: list[Finding], expected: str | None
) -> None:
    outcome = outcome_of(findings)
    assert eligible_from_of(outcome, findings, AS_OF) == (None if expected is None else d(expected))


def test_eligible_from_is_null_while_pending_and_today_when_eligible() -> None:
    assert eligible_from_of(Outcome.PENDING, [finding(Effect.HOLD, None)], AS_OF) is None
    assert eligible_from_of(Outcome.ELIGIBLE, [], AS_OF) == AS_OF


# --- a rich record, used for determinism and serialisation -----------------------------------


def rich_facts() -> CadreFacts:
    big = accident(occurred="2024-02-01")
    return cadre(
        case(
            "2024-03-15",
            accident_id=big.id,
            methods=(Method.ADMONISHMENT, Method.REMOVAL, Method.SUSPENSION, Method.SANCTION),
            party=PartySanction.PROBATION,
            probation=12,
            admin=AdminSanction.DISMISSAL,
            suspension=3,
            leniency=Leniency.AGGRAVATED,
            criminal=True,
            served="2024-12-01",
        ),
        case(None, opened="2024-12-01"),
        big,
        unit_assessment(HOME, 2024, UnitGrade.FAIL),
        investigation("2024-05-10", InvestigationResult.FAIL),
        contribution(2024),
        status(CadreStatus.RETIRED, "2024-12-31"),
        target=soe(),
    )


@pytest.mark.parametrize("purpose", list(Purpose))
def test_evaluating_twice_gives_identical_comparable_decisions(purpose: Purpose) -> None:
    facts = rich_facts()
    first, second = vet(facts, purpose), vet(facts, purpose)
    assert comparable(first) == comparable(second)
    assert json.dumps(comparable(first), ensure_ascii=False)  # JSON-ready


@pytest.mark.parametrize("purpose", list(Purpose))
def test_every_message_is_fully_rendered(purpose: Purpose) -> None:
    for found in vet(rich_facts(), purpose).findings:
        assert "{" not in found.message.zh + found.message.en, found.rule_id
        assert found.message.zh and found.message.en and found.basis


@pytest.mark.parametrize("purpose", list(Purpose))
def test_the_decision_survives_a_round_trip_through_json(purpose: Purpose) -> None:
    decision = replace(
        vet(rich_facts(), purpose),
        decision_id=UUID(int=42),
        evaluated_at=datetime(2025, 1, 15, 9, 30, tzinfo=UTC),
    )
    data = json.loads(json.dumps(decision_to_dict(decision)))
    assert decision_from_dict(data) == decision


def test_the_decision_records_facts_digest_known_at_and_rulebook() -> None:
    facts = rich_facts()
    decision = vet(facts)
    rulebook = default_rulebook()
    assert decision.facts_sha256 == facts_sha256(facts)
    assert decision.known_at == facts.known_at
    assert (decision.rulebook.id, decision.rulebook.sha256) == (rulebook.id, rulebook.sha256)
    assert decision.decision_id is None and decision.evaluated_at is None


def test_the_json_form_uses_codes_iso_dates_and_string_ids() -> None:
    data = decision_to_dict(vet(rich_facts(), as_of="2024-06-01"))
    assert data["outcome"] == "ineligible"
    assert data["as_of"] == "2024-06-01"
    first = data["findings"][0]
    assert first["effect"] == "veto" and first["system"] == "one_vote_veto"
    assert isinstance(first["evidence"]["record_id"], str)
    assert first["evidence"]["post"]["safety_role"] == "first_responsible"


def test_comparable_leaves_out_what_the_service_stamps_later() -> None:
    facts = cadre()
    decision = replace(vet(facts), decision_id=UUID(int=7), evaluated_at=clock.now())
    data = comparable(decision)
    assert "decision_id" not in data and "evaluated_at" not in data
    assert data == comparable(vet(facts))


def test_findings_are_sorted_in_force_first_then_by_severity() -> None:
    decision = vet(rich_facts(), as_of="2024-06-01")
    order = [(not f.in_force, f.effect) for f in decision.findings]
    severity = {Effect.VETO: 0, Effect.BLOCK: 1, Effect.HOLD: 2, Effect.NOTE: 3}
    assert order == sorted(order, key=lambda o: (o[0], severity[o[1]]))


def test_the_order_of_records_in_the_facts_does_not_change_the_decision() -> None:
    facts = rich_facts()
    shuffled = replace(facts, cases=tuple(reversed(facts.cases)))
    a = comparable(vet(facts))
    b = comparable(vet(shuffled))
    a.pop("facts_sha256"), b.pop("facts_sha256")
    assert a == b


# --- diff ---------------------------------------------------------------------------------------


def test_identical_decisions_have_no_diff() -> None:
    decision = comparable(vet(rich_facts()))
    assert diff(decision, decision) == []


def test_diff_lists_changed_leaves_with_their_paths() -> None:
    facts = cadre(case("2024-03-15"))
    before = comparable(vet(facts, as_of="2024-06-01"))
    after = comparable(vet(facts, as_of="2025-06-01"))
    paths = {change["path"]: change for change in diff(before, after)}
    assert paths["as_of"] == {"path": "as_of", "before": "2024-06-01", "after": "2025-06-01"}
    assert paths["outcome"]["before"] == "ineligible"
    assert any(p.startswith("findings[veto.one_vote|accountability_case|") for p in paths)


def test_diff_reports_a_finding_present_on_one_side_only_whole() -> None:
    record = case("2024-03-15")
    before = comparable(vet(cadre(record), as_of="2024-06-01"))
    after = comparable(vet(cadre(record, case(None, opened="2024-05-01")), as_of="2024-06-01"))
    added = [c for c in diff(before, after) if c["path"].startswith("findings[hold.")]
    assert len(added) == 1
    assert added[0]["before"] is None
    assert added[0]["after"]["rule_id"] == "hold.case_under_investigation"


def test_diff_compares_plain_lists_by_position() -> None:
    assert diff({"a": [1, 2]}, {"a": [1, 3, 4]}) == [
        {"path": "a[1]", "before": 2, "after": 3},
        {"path": "a[2]", "before": None, "after": 4},
    ]


def test_the_decision_type_is_frozen() -> None:
    decision: Decision = vet(cadre())
    with pytest.raises(AttributeError):
        decision.outcome = Outcome.INELIGIBLE  # type: ignore[misc]


def test_a_template_placeholder_without_a_value_stays_visible_instead_of_failing() -> None:
    assert render("截至{until_zh}，{unknown}", {"until_zh": "2025年3月15日"}) == (
        "截至2025年3月15日，{unknown}"
    )

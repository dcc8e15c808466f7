"""`evaluate`: the pure, deterministic vetting decision (DESIGN.md §3).

No I/O and no clock: the same facts, purpose, date and rulebook always give the same decision,
which is what lets a stored decision be replayed and compared field by field.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from uuid import UUID

from app.domain.enums import Purpose
from app.vetting.rules import snapshot
from app.vetting.rules.case_rules import case_findings
from app.vetting.rules.context import EvalContext
from app.vetting.rules.decision import (
    EFFECT_SEVERITY,
    Decision,
    Finding,
    eligible_from_of,
    made_fast,
    outcome_of,
)
from app.vetting.rules.facts import CadreFacts
from app.vetting.rules.record_rules import (
    accident_holds,
    annual_assessment,
    commendation_basis,
    failed_investigations,
    grade_caps,
    lifetime_note,
    rules_in_force,
    unit_assessment_fails,
)
from app.vetting.rules.rulebook_model import Rulebook


def evaluate(
    facts: CadreFacts,
    purpose: Purpose,
    as_of: date,
    rulebook: Rulebook,
    *,
    facts_sha256: str | None = None,
) -> Decision:
    """Vet `facts` for `purpose` on `as_of` under `rulebook`.

    `facts_sha256` may pass `facts_sha256(facts)` when the caller already has it (e.g. it has
    taken the snapshot to store, or vets the same facts for several purposes): the digest then
    is not computed again. It must be that digest; the decision records it as given.

    Raises ValueError for `soe_head_appointment` without a target post: the SOE bars depend on
    the target's industry (the API validates this before calling).
    """
    if purpose is Purpose.SOE_HEAD_APPOINTMENT and facts.target is None:
        raise ValueError("soe_head_appointment needs facts.target (the enterprise to head)")
    ctx = EvalContext(facts, purpose, as_of, rulebook)
    # Outside the rulebook's period in force its rules are not applied at all: the one finding
    # says so, and the decision is pending (the rules of that day are not loaded).
    outside = rules_in_force(ctx)
    findings = [outside] if outside is not None else sort_findings(_all_findings(ctx))
    outcome = outcome_of(findings)
    return made_fast(
        Decision,
        {
            "cadre_id": facts.cadre_id,
            "purpose": purpose,
            "as_of": as_of,
            "known_at": facts.known_at,
            "outcome": outcome,
            "eligible_from": eligible_from_of(outcome, findings, as_of),
            "findings": findings,
            "rulebook": rulebook.ref,
            "facts_sha256": snapshot.facts_sha256(facts) if facts_sha256 is None else facts_sha256,
            "decision_id": None,
            "evaluated_at": None,
        },
    )


def _all_findings(ctx: EvalContext) -> list[Finding]:
    """Every finding, in the order the rule families are applied (the sort is stable)."""
    facts = ctx.facts
    found: list[Finding | None] = []
    # A family with no records of its kind finds nothing: most cadres have no cases, accidents,
    # failed unit assessments or investigations, so those families are skipped outright.
    if facts.cases:
        found.extend(case_findings(ctx))
    if facts.accidents:
        found.extend(accident_holds(ctx))
    found.append(annual_assessment(ctx))
    if facts.cases:
        found.extend(grade_caps(ctx))
    if facts.unit_assessments:
        found.extend(unit_assessment_fails(ctx))
    if facts.investigations:
        found.extend(failed_investigations(ctx))
    found.append(commendation_basis(ctx))
    found.append(lifetime_note(ctx))
    return [f for f in found if f is not None]


def _sort_key(finding: Finding) -> tuple[object, ...]:
    return (
        not finding.in_force,
        EFFECT_SEVERITY[finding.effect],
        finding.blocks_from or date.min,
        finding.rule_id,
        str(finding.evidence.record_id or ""),
        finding.blocks_until or date.max,
        finding.message.en,
    )


def _uuid_sort_key(finding: Finding) -> tuple[object, ...]:
    """`_sort_key` when every record id is a UUID or None: a UUID's text orders as its number
    (fixed-width lower-case hex, dashes at fixed places) and "" first as -1, so the order is the
    same without writing out each UUID's text, which costs more than all the rest."""
    record_id = finding.evidence.record_id
    return (
        not finding.in_force,
        EFFECT_SEVERITY[finding.effect],
        finding.blocks_from or date.min,
        finding.rule_id,
        -1 if record_id is None else record_id.int,
        finding.blocks_until or date.max,
        finding.message.en,
    )


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """In force first, then most severe, earliest, and by rule and record for a stable order."""
    listed = findings if isinstance(findings, list) else list(findings)
    if len(listed) < 2:
        return tuple(listed)
    uuids = all(isinstance(f.evidence.record_id, UUID | None) for f in listed)
    return tuple(sorted(listed, key=_uuid_sort_key if uuids else _sort_key))

"""`evaluate`: the pure, deterministic vetting decision (DESIGN.md §3).

No I/O and no clock: the same facts, purpose, date and rulebook always give the same decision,
which is what lets a stored decision be replayed and compared field by field.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from app.domain.enums import Purpose
from app.vetting.rules import facts as facts_module
from app.vetting.rules.case_rules import case_findings
from app.vetting.rules.context import EvalContext
from app.vetting.rules.decision import (
    EFFECT_SEVERITY,
    Decision,
    Finding,
    eligible_from_of,
    outcome_of,
)
from app.vetting.rules.facts import CadreFacts
from app.vetting.rules.record_rules import (
    accident_holds,
    annual_assessment,
    commendation_basis,
    failed_investigations,
    lifetime_note,
    unit_assessment_fails,
)
from app.vetting.rules.rulebook_model import Rulebook


def evaluate(facts: CadreFacts, purpose: Purpose, as_of: date, rulebook: Rulebook) -> Decision:
    """Vet `facts` for `purpose` on `as_of` under `rulebook`.

    Raises ValueError for `soe_head_appointment` without a target post: the SOE bars depend on
    the target's industry (the API validates this before calling).
    """
    if purpose is Purpose.SOE_HEAD_APPOINTMENT and facts.target is None:
        raise ValueError("soe_head_appointment needs facts.target (the enterprise to head)")
    ctx = EvalContext(facts=facts, purpose=purpose, as_of=as_of, rulebook=rulebook)
    findings = sort_findings(f for f in _all_findings(ctx) if f is not None)
    outcome = outcome_of(findings)
    return Decision(
        cadre_id=facts.cadre_id,
        purpose=purpose,
        as_of=as_of,
        known_at=facts.known_at,
        outcome=outcome,
        eligible_from=eligible_from_of(outcome, findings, as_of),
        findings=findings,
        rulebook=rulebook.ref,
        facts_sha256=facts_module.facts_sha256(facts),
    )


def _all_findings(ctx: EvalContext) -> Iterator[Finding | None]:
    yield from case_findings(ctx)
    yield from accident_holds(ctx)
    yield annual_assessment(ctx)
    yield from unit_assessment_fails(ctx)
    yield from failed_investigations(ctx)
    yield commendation_basis(ctx)
    yield lifetime_note(ctx)


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


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """In force first, then most severe, earliest, and by rule and record for a stable order."""
    return tuple(sorted(findings, key=_sort_key))

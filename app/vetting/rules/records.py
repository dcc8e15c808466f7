"""Which records exist as of the vetting date (valid time), and which post each one names.

Lifetime accountability (终身追责): every post and record counts whatever the cadre's current
status; only what had not happened yet on `as_of`, and what was revoked, is left out.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from uuid import UUID

from app.domain.enums import CaseStatus, InvestigationStatus, SafetyRole
from app.vetting.rules.facts import (
    ROLE_PRIORITY,
    AccidentFact,
    CadreFacts,
    CaseFact,
    PostFact,
)


class CaseState(StrEnum):
    ABSENT = "absent"  # opened after as_of: did not exist yet
    REVOKED = "revoked"
    OPEN = "open"  # under investigation as of as_of
    DECIDED = "decided"


def case_state(case: CaseFact, as_of: date) -> CaseState:
    if case.opened_on > as_of:
        return CaseState.ABSENT
    if case.revoked:
        return CaseState.REVOKED
    decided = case.status is CaseStatus.DECIDED and case.decision_date is not None
    if decided and case.decision_date is not None and case.decision_date <= as_of:
        return CaseState.DECIDED
    # Decided only after as_of, or still open: on as_of the case was under investigation.
    return CaseState.OPEN


def case_post(facts: CadreFacts, case: CaseFact, as_of: date) -> PostFact | None:
    """The post the case is about: named in the decision, else held when the accident happened,
    else held on the decision date (the opening date while undecided)."""
    if case.post_id is not None:
        named = facts.post_by_id(case.post_id)
        if named is not None and not named.revoked:
            return named
    accident = facts.accident_by_id(case.accident_id) if case.accident_id else None
    if accident is not None:
        in_unit = facts.post_on(accident.occurred_on, accident.org_unit_id)
        return in_unit or facts.post_on(accident.occurred_on)
    decided = case.decision_date is not None and case_state(case, as_of) is CaseState.DECIDED
    day = case.decision_date if decided and case.decision_date else case.opened_on
    return facts.post_on(day)


def accidents_as_of(facts: CadreFacts, as_of: date) -> list[AccidentFact]:
    return [a for a in facts.accidents if not a.revoked and a.occurred_on <= as_of]


def accident_open_on(accident: AccidentFact, as_of: date) -> bool:
    """Whether the investigation had not concluded on as_of."""
    if accident.investigation_status is InvestigationStatus.OPEN:
        return True
    return accident.concluded_on is not None and accident.concluded_on > as_of


def responsible_post_during(
    facts: CadreFacts,
    org_unit_id: UUID,
    first: date,
    last: date,
    roles: frozenset[SafetyRole],
) -> PostFact | None:
    """A post in the unit with one of `roles` held on any day of [first, last]."""
    held = [
        p
        for p in facts.posts
        if not p.revoked
        and p.org_unit.id == org_unit_id
        and p.safety_role in roles
        and p.start_date <= last
        and (p.end_date is None or p.end_date >= first)
    ]
    return min(held, key=lambda p: (ROLE_PRIORITY[p.safety_role], p.start_date), default=None)

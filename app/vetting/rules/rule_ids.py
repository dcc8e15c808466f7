"""Stable rule ids: `<family>.<subject>[.<grade>]`.

The family is the system or effect the rule belongs to (veto, influence, hold, assessment,
investigation, soe_bar, commendation, note). Ids are part of the decision log and the API: never
rename one; add a new id instead. A rulebook may leave a rule out (the engine then skips it) but
may not name an id that is not listed here.
"""

from __future__ import annotations

from app.domain.enums import AdminSanction, Leniency, PartySanction

VETO_ONE_VOTE = "veto.one_vote"

INFLUENCE_NOTIFICATION = "influence.notification"
INFLUENCE_ADMONISHMENT = "influence.admonishment"
INFLUENCE_POST_ADJUSTMENT = "influence.post_adjustment"
INFLUENCE_ORDERED_RESIGNATION = "influence.ordered_resignation"
INFLUENCE_DEMOTION = "influence.demotion"
INFLUENCE_REMOVAL = "influence.removal"


def party_sanction(grade: PartySanction) -> str:
    return f"influence.party_sanction.{grade.value}"


def admin_sanction(grade: AdminSanction) -> str:
    return f"influence.admin_sanction.{grade.value}"


HOLD_SUSPENSION = "hold.suspension"
HOLD_SUSPENSION_DURATION_MISSING = "hold.suspension_duration_missing"
HOLD_PROBATION_DURATION_MISSING = "hold.party_probation_duration_missing"
HOLD_CASE_UNDER_INVESTIGATION = "hold.case_under_investigation"
HOLD_ACCIDENT_UNDER_INVESTIGATION = "hold.accident_under_investigation"
HOLD_ANNUAL_ASSESSMENT_MISSING = "hold.annual_assessment_missing"
HOLD_CRIMINAL_PENALTY_COMPLETION_MISSING = "hold.criminal_penalty_completion_missing"
# The decision date lies outside the rulebook's period in force: the rules of that day are not
# loaded, and the engine does not apply others in their place.
HOLD_RULES_NOT_IN_FORCE = "hold.rules_not_in_force"


def leniency_note(leniency: Leniency) -> str:
    return f"note.leniency.{leniency.value}"


NOTE_LIFETIME_ACCOUNTABILITY = "note.lifetime_accountability"
NOTE_REVOKED_CASE_IGNORED = "note.revoked_case_ignored"

ASSESSMENT_ANNUAL_BASICALLY_COMPETENT = "assessment.annual_basically_competent"
ASSESSMENT_ANNUAL_INCOMPETENT = "assessment.annual_incompetent"
ASSESSMENT_UNIT_SAFETY_WORK_FAIL = "assessment.unit_safety_work_fail"
NOTE_GRADE_CAPPED_BY_SANCTION = "note.assessment.grade_capped_by_sanction"

INVESTIGATION_FAILED = "investigation.failed"

SOE_BAR_CRIMINAL_PENALTY = "soe_bar.criminal_penalty"
SOE_BAR_DISMISSAL = "soe_bar.dismissal"
SOE_BAR_MAJOR_ACCIDENT = "soe_bar.major_accident"
NOTE_SOE_MAJOR_ACCIDENT_OTHER_INDUSTRY = "note.soe_bar.major_accident_other_industry"

COMMENDATION_BASIS_MISSING = "commendation.basis_missing"
NOTE_COMMENDATION_BASIS = "note.commendation.basis"

ALL_RULE_IDS: frozenset[str] = frozenset(
    {
        VETO_ONE_VOTE,
        INFLUENCE_NOTIFICATION,
        INFLUENCE_ADMONISHMENT,
        INFLUENCE_POST_ADJUSTMENT,
        INFLUENCE_ORDERED_RESIGNATION,
        INFLUENCE_DEMOTION,
        INFLUENCE_REMOVAL,
        *(party_sanction(g) for g in PartySanction),
        *(admin_sanction(g) for g in AdminSanction),
        HOLD_SUSPENSION,
        HOLD_SUSPENSION_DURATION_MISSING,
        HOLD_PROBATION_DURATION_MISSING,
        HOLD_CASE_UNDER_INVESTIGATION,
        HOLD_ACCIDENT_UNDER_INVESTIGATION,
        HOLD_ANNUAL_ASSESSMENT_MISSING,
        HOLD_CRIMINAL_PENALTY_COMPLETION_MISSING,
        HOLD_RULES_NOT_IN_FORCE,
        *(leniency_note(le) for le in Leniency),
        NOTE_LIFETIME_ACCOUNTABILITY,
        NOTE_REVOKED_CASE_IGNORED,
        ASSESSMENT_ANNUAL_BASICALLY_COMPETENT,
        ASSESSMENT_ANNUAL_INCOMPETENT,
        ASSESSMENT_UNIT_SAFETY_WORK_FAIL,
        NOTE_GRADE_CAPPED_BY_SANCTION,
        INVESTIGATION_FAILED,
        SOE_BAR_CRIMINAL_PENALTY,
        SOE_BAR_DISMISSAL,
        SOE_BAR_MAJOR_ACCIDENT,
        NOTE_SOE_MAJOR_ACCIDENT_OTHER_INDUSTRY,
        COMMENDATION_BASIS_MISSING,
        NOTE_COMMENDATION_BASIS,
    }
)

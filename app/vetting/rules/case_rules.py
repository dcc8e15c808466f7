"""Rules read from accountability cases: the one-vote veto, influence periods, holds, leniency
notes and the SOE-head bars (RULES.md §3, §4, §7)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from app.domain.enums import AdminSanction, Leniency, Method, PartySanction
from app.vetting.rules import rule_ids as ids
from app.vetting.rules.context import EvalContext
from app.vetting.rules.decision import Evidence, Finding, Message, PostRef
from app.vetting.rules.facts import CaseFact
from app.vetting.rules.messages import accident_values, duty_sentences, labelled
from app.vetting.rules.messages import case_values as base_case_values
from app.vetting.rules.periods import add_months
from app.vetting.rules.records import CaseState, case_post, case_state

MaybeFinding = Finding | None

# The organisational measures (组织处理) that carry an influence period of their own.
METHOD_RULES = {
    Method.NOTIFICATION: ids.INFLUENCE_NOTIFICATION,
    Method.ADMONISHMENT: ids.INFLUENCE_ADMONISHMENT,
    Method.POST_ADJUSTMENT: ids.INFLUENCE_POST_ADJUSTMENT,
    Method.ORDERED_RESIGNATION: ids.INFLUENCE_ORDERED_RESIGNATION,
    Method.DEMOTION: ids.INFLUENCE_DEMOTION,
    Method.REMOVAL: ids.INFLUENCE_REMOVAL,
}
PARTY_SANCTION_RULES = {grade: ids.party_sanction(grade) for grade in PartySanction}
ADMIN_SANCTION_RULES = {grade: ids.admin_sanction(grade) for grade in AdminSanction}
LENIENCY_NOTES = {leniency: ids.leniency_note(leniency) for leniency in Leniency}
RECORD_KIND = "accountability_case"


def case_findings(ctx: EvalContext) -> Iterator[MaybeFinding]:
    for case in ctx.facts.cases:
        state = case_state(case, ctx.as_of)
        if state is CaseState.REVOKED:
            yield _Case(ctx, case).finding(ids.NOTE_REVOKED_CASE_IGNORED)
        elif state is CaseState.OPEN:
            yield _under_investigation(_Case(ctx, case))
        elif state is CaseState.DECIDED:
            yield from _decided(_Case(ctx, case))


class _Case:
    """One case as the rules cite it: its evidence and message values are worked out once, and
    only if some rule finds something for the purpose (most rules concern only some purposes)."""

    __slots__ = ("_evidence", "_values", "case", "ctx")

    def __init__(self, ctx: EvalContext, case: CaseFact) -> None:
        self.ctx = ctx
        self.case = case
        self._evidence: Evidence | None = None
        self._values: dict[str, Any] | None = None

    @property
    def evidence(self) -> Evidence:
        if self._evidence is None:
            ctx, case = self.ctx, self.case
            post = case_post(ctx.facts, case, ctx.as_of)
            self._evidence = Evidence(RECORD_KIND, case.id, PostRef.of(post))
        return self._evidence

    def values(self, **extra: Any) -> dict[str, Any]:
        if self._values is None:
            self._values = base_case_values(self.case)
        return {**self._values, **extra} if extra else self._values

    def finding(
        self,
        rule_id: str,
        values: dict[str, Any] | None = None,
        *,
        anchor: date | None = None,
        blocks_from: date | None = None,
        extra_months: int = 0,
        running_until: date | None = None,
    ) -> MaybeFinding:
        """`ctx.finding` for this case; `values` default to the case's own."""
        use = self.ctx.use(rule_id)
        if use is None:
            return None
        found = self.ctx.finding(
            use,
            self.evidence,
            self.values() if values is None else values,
            anchor=anchor,
            blocks_from=blocks_from,
            extra_months=extra_months,
            running_until=running_until,
        )
        if not self.case.duties:
            return found
        zh, en = duty_sentences(self.case)
        return replace(found, message=Message(found.message.zh + zh, found.message.en + en))


def _under_investigation(c: _Case) -> MaybeFinding:
    # 国有企业管理人员处分条例第三十四条: no promotion, transfer or reward until concluded.
    return c.finding(ids.HOLD_CASE_UNDER_INVESTIGATION, anchor=c.case.opened_on)


def _decided(c: _Case) -> Iterator[MaybeFinding]:
    case = c.case
    if case.leniency is not None:
        yield c.finding(LENIENCY_NOTES[case.leniency])
    # The statutory SOE-principal bars follow the criminal penalty or 撤职 itself.
    if case.criminal_penalty:
        yield _criminal_penalty_bar(c)
    if case.admin_sanction is AdminSanction.DISMISSAL:
        yield c.finding(ids.SOE_BAR_DISMISSAL, anchor=case.decision_date)
    if case.leniency is Leniency.EXEMPTED:
        return  # 尽职免责 (第二十三条): not held accountable, so no veto and no periods
    # 第二十条 vetoes after leadership responsibility for an accident; a rulebook may widen the
    # circumstances (Luzhou: any decided case, whatever its circumstance).
    if case.circumstance in c.ctx.settings.veto_circumstances:
        yield c.finding(ids.VETO_ONE_VOTE, anchor=case.decision_date)
    if case.methods:
        yield from _method_periods(c)
    if case.party_sanction is not None:
        yield _party_sanction(c, case.party_sanction)
    if case.admin_sanction is not None:
        yield _admin_sanction(c, case.admin_sanction)
    if case.accident_id:
        yield _major_accident_bar(c, case.accident_id)


def _method_periods(c: _Case) -> Iterator[MaybeFinding]:
    case = c.case
    for method in sorted(set(case.methods)):
        if method is Method.SUSPENSION:
            yield _suspension(c)
        elif method in METHOD_RULES and c.ctx.use(METHOD_RULES[method]) is not None:
            values = c.values(**labelled("measure", method))
            yield c.finding(METHOD_RULES[method], values, anchor=case.decision_date)


def _suspension(c: _Case) -> MaybeFinding:
    case = c.case
    if case.suspension_months is None or case.decision_date is None:
        return c.finding(ids.HOLD_SUSPENSION_DURATION_MISSING, anchor=case.decision_date)
    if c.ctx.use(ids.HOLD_SUSPENSION) is None:
        return None
    return c.finding(
        ids.HOLD_SUSPENSION,
        c.values(months=case.suspension_months),
        anchor=case.decision_date,
        running_until=add_months(case.decision_date, case.suspension_months),
    )


def _admin_sanction(c: _Case, grade: AdminSanction) -> MaybeFinding:
    rule_id = ADMIN_SANCTION_RULES[grade]
    if c.ctx.use(rule_id) is None:
        return None
    return c.finding(rule_id, c.values(**labelled("measure", grade)), anchor=c.case.decision_date)


def _party_sanction(c: _Case, grade: PartySanction) -> MaybeFinding:
    case = c.case
    probation = case.party_probation_months
    # 留党察看 runs for its probation plus the rule's months; without the probation, a hold.
    if grade is PartySanction.PROBATION and probation is None:
        rule_id = ids.HOLD_PROBATION_DURATION_MISSING
    else:
        rule_id = PARTY_SANCTION_RULES[grade]
    if c.ctx.use(rule_id) is None:
        return None
    values = c.values(**labelled("measure", grade))
    if grade is not PartySanction.PROBATION or probation is None:
        return c.finding(rule_id, values, anchor=case.decision_date)
    return c.finding(
        rule_id,
        {**values, "months": probation},
        anchor=case.decision_date,
        extra_months=probation,
    )


# --- SOE-head bars (安全生产法第九十四条第三款; 事故条例第四十条) ------------------------------


def _criminal_penalty_bar(c: _Case) -> MaybeFinding:
    case = c.case
    completed = case.criminal_penalty_completed_on
    if completed is None:
        if c.ctx.use(ids.HOLD_CRIMINAL_PENALTY_COMPLETION_MISSING) is None:
            return None
        missing = {
            "missing_zh": "刑罚执行完毕日期",
            "missing_en": "the date the penalty was served",
        }
        return c.finding(
            ids.HOLD_CRIMINAL_PENALTY_COMPLETION_MISSING,
            c.values(**missing),
            anchor=case.decision_date,
        )
    # Five years counted from the day the penalty has been served; barred while serving too.
    return c.finding(
        ids.SOE_BAR_CRIMINAL_PENALTY,
        anchor=completed,
        blocks_from=min(completed, case.decision_date or completed),
    )


def _major_accident_bar(c: _Case, accident_id: UUID) -> MaybeFinding:
    ctx = c.ctx
    accident = ctx.facts.accident_by_id(accident_id)
    if accident is None or accident.revoked:
        return None
    if accident.level not in ctx.settings.soe_bar_accident_levels:
        return None
    target = ctx.facts.target
    target_industry = target.org_unit.industry if target is not None else None
    same_industry = target_industry is accident.industry
    rule_id = (
        ids.SOE_BAR_MAJOR_ACCIDENT if same_industry else ids.NOTE_SOE_MAJOR_ACCIDENT_OTHER_INDUSTRY
    )
    if ctx.use(rule_id) is None:
        return None
    evidence = c.evidence
    unit_name = evidence.post.org_unit_name if evidence.post else "—"
    values = c.values(
        **accident_values(accident, unit_name), **labelled("target_industry", target_industry)
    )
    if same_industry:
        return c.finding(rule_id, values, anchor=c.case.decision_date)
    return c.finding(rule_id, values)

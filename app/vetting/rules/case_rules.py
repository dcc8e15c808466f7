"""Rules read from accountability cases: the one-vote veto, influence periods, holds, leniency
notes and the SOE-head bars (RULES.md §3, §4, §7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.domain.enums import AdminSanction, Leniency, Method, PartySanction
from app.vetting.rules import rule_ids as ids
from app.vetting.rules.context import EvalContext
from app.vetting.rules.decision import Evidence, Finding, PostRef
from app.vetting.rules.facts import CaseFact
from app.vetting.rules.messages import accident_values, labelled
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
RECORD_KIND = "accountability_case"


def case_findings(ctx: EvalContext) -> Iterator[MaybeFinding]:
    for case in ctx.facts.cases:
        state = case_state(case, ctx.as_of)
        if state is CaseState.REVOKED:
            yield ctx.finding(ids.NOTE_REVOKED_CASE_IGNORED, _evidence(ctx, case), _values(case))
        elif state is CaseState.OPEN:
            yield _under_investigation(ctx, case)
        elif state is CaseState.DECIDED:
            yield from _decided(ctx, case)


def _evidence(ctx: EvalContext, case: CaseFact) -> Evidence:
    return Evidence(RECORD_KIND, case.id, PostRef.of(case_post(ctx.facts, case, ctx.as_of)))


def _values(case: CaseFact, **extra: Any) -> dict[str, Any]:
    return {**base_case_values(case), **extra}


def _under_investigation(ctx: EvalContext, case: CaseFact) -> MaybeFinding:
    # 国有企业管理人员处分条例第三十四条: no promotion, transfer or reward until concluded.
    return ctx.finding(
        ids.HOLD_CASE_UNDER_INVESTIGATION,
        _evidence(ctx, case),
        _values(case),
        anchor=case.opened_on,
    )


def _decided(ctx: EvalContext, case: CaseFact) -> Iterator[MaybeFinding]:
    if case.leniency is not None:
        yield ctx.finding(ids.leniency_note(case.leniency), _evidence(ctx, case), _values(case))
    # The statutory SOE-principal bars follow the criminal penalty or 撤职 itself.
    yield from _criminal_penalty_bar(ctx, case)
    yield _dismissal_bar(ctx, case)
    if case.leniency is Leniency.EXEMPTED:
        return  # 尽职免责 (第二十三条): not held accountable, so no veto and no periods
    yield _one_vote_veto(ctx, case)
    yield from _method_periods(ctx, case)
    yield from _sanction_periods(ctx, case)
    yield _major_accident_bar(ctx, case)


def _one_vote_veto(ctx: EvalContext, case: CaseFact) -> MaybeFinding:
    # The seed vetoes after any decided case, whatever its circumstance, not only accidents.
    return ctx.finding(
        ids.VETO_ONE_VOTE, _evidence(ctx, case), _values(case), anchor=case.decision_date
    )


def _method_periods(ctx: EvalContext, case: CaseFact) -> Iterator[MaybeFinding]:
    for method in sorted(set(case.methods)):
        if method is Method.SUSPENSION:
            yield _suspension(ctx, case)
        elif method in METHOD_RULES:
            values = _values(case, **labelled("measure", method))
            yield ctx.finding(
                METHOD_RULES[method], _evidence(ctx, case), values, anchor=case.decision_date
            )


def _suspension(ctx: EvalContext, case: CaseFact) -> MaybeFinding:
    if case.suspension_months is None or case.decision_date is None:
        return ctx.finding(
            ids.HOLD_SUSPENSION_DURATION_MISSING,
            _evidence(ctx, case),
            _values(case),
            anchor=case.decision_date,
        )
    return ctx.finding(
        ids.HOLD_SUSPENSION,
        _evidence(ctx, case),
        _values(case, months=case.suspension_months),
        anchor=case.decision_date,
        running_until=add_months(case.decision_date, case.suspension_months),
    )


def _sanction_periods(ctx: EvalContext, case: CaseFact) -> Iterator[MaybeFinding]:
    if case.party_sanction is not None:
        yield _party_sanction(ctx, case, case.party_sanction)
    if case.admin_sanction is not None:
        values = _values(case, **labelled("measure", case.admin_sanction))
        rule_id = ids.admin_sanction(case.admin_sanction)
        yield ctx.finding(rule_id, _evidence(ctx, case), values, anchor=case.decision_date)


def _party_sanction(ctx: EvalContext, case: CaseFact, grade: PartySanction) -> MaybeFinding:
    values = _values(case, **labelled("measure", grade))
    if grade is not PartySanction.PROBATION:
        return ctx.finding(
            ids.party_sanction(grade), _evidence(ctx, case), values, anchor=case.decision_date
        )
    if case.party_probation_months is None:
        return ctx.finding(
            ids.HOLD_PROBATION_DURATION_MISSING,
            _evidence(ctx, case),
            values,
            anchor=case.decision_date,
        )
    return ctx.finding(
        ids.party_sanction(grade),
        _evidence(ctx, case),
        {**values, "months": case.party_probation_months},
        anchor=case.decision_date,
        extra_months=case.party_probation_months,
    )


# --- SOE-head bars (安全生产法第九十四条第三款; 事故条例第四十条) ------------------------------


def _criminal_penalty_bar(ctx: EvalContext, case: CaseFact) -> Iterator[MaybeFinding]:
    if not case.criminal_penalty:
        return
    completed = case.criminal_penalty_completed_on
    missing = {"missing_zh": "刑罚执行完毕日期", "missing_en": "the date the penalty was served"}
    if completed is None:
        yield ctx.finding(
            ids.HOLD_CRIMINAL_PENALTY_COMPLETION_MISSING,
            _evidence(ctx, case),
            _values(case, **missing),
            anchor=case.decision_date,
        )
        return
    # Five years counted from the day the penalty has been served; barred while serving too.
    yield ctx.finding(
        ids.SOE_BAR_CRIMINAL_PENALTY,
        _evidence(ctx, case),
        _values(case),
        anchor=completed,
        blocks_from=min(completed, case.decision_date or completed),
    )


def _dismissal_bar(ctx: EvalContext, case: CaseFact) -> MaybeFinding:
    if case.admin_sanction is not AdminSanction.DISMISSAL:
        return None
    return ctx.finding(
        ids.SOE_BAR_DISMISSAL, _evidence(ctx, case), _values(case), anchor=case.decision_date
    )


def _major_accident_bar(ctx: EvalContext, case: CaseFact) -> MaybeFinding:
    accident = ctx.facts.accident_by_id(case.accident_id) if case.accident_id else None
    if accident is None or accident.revoked:
        return None
    if accident.level not in ctx.settings.soe_bar_accident_levels:
        return None
    target = ctx.facts.target
    target_industry = target.org_unit.industry if target is not None else None
    evidence = _evidence(ctx, case)
    unit_name = evidence.post.org_unit_name if evidence.post else "—"
    values = _values(
        case, **accident_values(accident, unit_name), **labelled("target_industry", target_industry)
    )
    if target_industry is accident.industry:
        return ctx.finding(ids.SOE_BAR_MAJOR_ACCIDENT, evidence, values, anchor=case.decision_date)
    return ctx.finding(ids.NOTE_SOE_MAJOR_ACCIDENT_OTHER_INDUSTRY, evidence, values)

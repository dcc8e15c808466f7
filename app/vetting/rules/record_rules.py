"""Rules read from the other records: accidents under investigation, assessments, cadre
investigations, the commendation basis and the cadre's status (RULES.md §2, §5, §6, §8)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from app.domain.enums import (
    ACCIDENT_SEVERITY,
    AssessmentKind,
    CadreGrade,
    CadreStatus,
    InvestigationResult,
    PartySanction,
    UnitGrade,
)
from app.domain.labels import zh
from app.vetting.rules import rule_ids as ids
from app.vetting.rules.context import EvalContext
from app.vetting.rules.decision import Evidence, Finding, PostRef
from app.vetting.rules.facts import AssessmentFact, CaseFact, ContributionFact
from app.vetting.rules.messages import (
    accident_values,
    date_texts,
    date_values,
    en_text,
    labelled,
    post_values,
)
from app.vetting.rules.records import accident_open_on, accidents_as_of, responsible_post_during

MaybeFinding = Finding | None

# Worst first, so that if two annual assessments of one year survive, the worse one counts.
GRADE_ORDER = {
    CadreGrade.INCOMPETENT: 0,
    CadreGrade.BASICALLY_COMPETENT: 1,
    CadreGrade.COMPETENT: 2,
    CadreGrade.EXCELLENT: 3,
}
ANNUAL_GRADE_RULES = {
    CadreGrade.BASICALLY_COMPETENT: ids.ASSESSMENT_ANNUAL_BASICALLY_COMPETENT,
    CadreGrade.INCOMPETENT: ids.ASSESSMENT_ANNUAL_INCOMPETENT,
}
# 组通字〔1998〕19号 (RULES.md §6): a Party sanction caps the annual grade of the year it was
# imposed — 警告: not 优秀; 撤销党内职务, 留党察看: 不称职. The grade the rules use is the
# recorded one capped so (`capped_grade`); a recorded grade above its cap is flagged.
SANCTION_GRADE_CAPS = {
    PartySanction.WARNING: CadreGrade.COMPETENT,
    PartySanction.REMOVAL_FROM_PARTY_POSTS: CadreGrade.INCOMPETENT,
    PartySanction.PROBATION: CadreGrade.INCOMPETENT,
}
INACTIVE_STATUSES = frozenset({CadreStatus.RETIRED, CadreStatus.LEFT})
# The evidence of a finding about a missing record (shared: evidence is immutable).
NO_ASSESSMENT = Evidence("assessment", None)
NO_COMMENDATION_BASIS = Evidence("commendation_basis", None)


def accident_holds(ctx: EvalContext) -> Iterator[MaybeFinding]:
    """An open investigation of a larger-or-worse accident in a unit the cadre answered for."""
    use = ctx.use(ids.HOLD_ACCIDENT_UNDER_INVESTIGATION)
    if use is None:
        return
    threshold = ACCIDENT_SEVERITY[ctx.settings.accident_hold_min_level]
    for accident in accidents_as_of(ctx.facts, ctx.as_of):
        if ACCIDENT_SEVERITY[accident.level] < threshold:
            continue
        if not accident_open_on(accident, ctx.as_of):
            continue
        post = ctx.facts.post_on(accident.occurred_on, accident.org_unit_id)
        if post is None or post.safety_role not in ctx.settings.responsible_roles:
            continue
        values = {**post_values(post), **accident_values(accident, post.org_unit.name)}
        evidence = Evidence("accident", accident.id, PostRef.of(post))
        yield ctx.finding(use, evidence, values, anchor=accident.occurred_on)


def annual_assessment(ctx: EvalContext) -> MaybeFinding:
    """任用条例第二十四条: the previous year's annual grade decides this year's candidacy (the
    grade as capped by that year's Party sanctions, `capped_grade`)."""
    year = ctx.as_of.year - ctx.settings.annual_assessment_years_back
    found = [
        a
        for a in ctx.facts.assessments
        if not a.revoked and a.kind is AssessmentKind.ANNUAL and a.year == year
    ]
    if not found:
        return _missing_annual_assessment(ctx, year)
    worst = found[0] if len(found) == 1 else min(found, key=_worst_first)
    grade = capped_grade(ctx, worst)[0] if ctx.facts.cases else worst.grade
    rule_id = ANNUAL_GRADE_RULES.get(grade)
    use = None if rule_id is None else ctx.use(rule_id)
    if use is None:
        return None
    post = PostRef.of(ctx.facts.post_on(date(year, 12, 31)))
    values = {"year": year, **labelled("grade", grade)}
    # It bars candidacy for the rest of the year in which it is the "previous year's" grade.
    return ctx.finding(
        use,
        Evidence("assessment", worst.id, post),
        values,
        anchor=date(ctx.as_of.year, 1, 1),
    )


def capped_grade(
    ctx: EvalContext, assessment: AssessmentFact
) -> tuple[CadreGrade, CaseFact | None]:
    """An annual assessment's grade as the rules use it: the recorded one, capped by the Party
    sanctions decided in its year and known by `as_of` (the strictest cap wins), and the case
    whose sanction capped it (None when nothing did)."""
    grade, by = assessment.grade, None
    for case in ctx.facts.cases:
        cap = SANCTION_GRADE_CAPS.get(case.party_sanction) if case.party_sanction else None
        decided = case.decision_date
        if cap is None or case.revoked or decided is None or decided.year != assessment.year:
            continue
        if decided > ctx.as_of or GRADE_ORDER[cap] >= GRADE_ORDER[grade]:
            continue
        grade, by = cap, case
    return grade, by


def grade_caps(ctx: EvalContext) -> Iterator[MaybeFinding]:
    """Every annual grade recorded above the cap its year's Party sanctions set: the record is
    inconsistent, and the rules use the capped grade (组通字〔1998〕19号)."""
    use = ctx.use(ids.NOTE_GRADE_CAPPED_BY_SANCTION)
    if use is None:
        return
    for assessment in ctx.facts.assessments:
        if assessment.revoked or assessment.kind is not AssessmentKind.ANNUAL:
            continue
        if assessment.year > ctx.as_of.year:
            continue
        grade, case = capped_grade(ctx, assessment)
        if case is None or case.party_sanction is None:
            continue
        values = {
            "year": assessment.year,
            **labelled("grade", grade),
            **labelled("recorded_grade", assessment.grade),
            **labelled("sanction", case.party_sanction),
            **date_values("decision_date", case.decision_date),
        }
        post = PostRef.of(ctx.facts.post_on(date(assessment.year, 12, 31)))
        yield ctx.finding(use, Evidence("assessment", assessment.id, post), values)


def _worst_first(assessment: AssessmentFact) -> tuple[int, str]:
    return GRADE_ORDER[assessment.grade], str(assessment.id)


def _missing_annual_assessment(ctx: EvalContext, year: int) -> MaybeFinding:
    use = ctx.use(ids.HOLD_ANNUAL_ASSESSMENT_MISSING)
    if use is None:
        return None
    values = {
        "year": year,
        "missing_zh": f"{year}年度考核结果",
        "missing_en": f"the annual assessment for {year}",
    }
    return ctx.finding(use, NO_ASSESSMENT, values)


def unit_assessment_fails(ctx: EvalContext) -> Iterator[MaybeFinding]:
    """A unit's failed safety-work assessment costs its responsible leaders that year's awards."""
    use = ctx.use(ids.ASSESSMENT_UNIT_SAFETY_WORK_FAIL)
    if use is None:
        return
    for assessment in ctx.facts.unit_assessments:
        if assessment.revoked or assessment.grade is not UnitGrade.FAIL:
            continue
        if assessment.year > ctx.as_of.year:
            continue
        first = date(assessment.year, 1, 1)
        last = min(date(assessment.year, 12, 31), ctx.as_of)
        roles = ctx.settings.responsible_roles
        post = responsible_post_during(ctx.facts, assessment.org_unit_id, first, last, roles)
        if post is None:
            continue
        values = {"year": assessment.year, **labelled("grade", assessment.grade)}
        evidence = Evidence("unit_assessment", assessment.id, PostRef.of(post))
        yield ctx.finding(use, evidence, {**values, **post_values(post)}, anchor=first)


def failed_investigations(ctx: EvalContext) -> Iterator[MaybeFinding]:
    """干部考察不合格: no promotion, important use or commendation for the set period."""
    use = ctx.use(ids.INVESTIGATION_FAILED)
    if use is None:
        return
    for investigation in ctx.facts.investigations:
        if investigation.revoked or investigation.result is not InvestigationResult.FAIL:
            continue
        if investigation.conducted_on > ctx.as_of:
            continue
        post = PostRef.of(ctx.facts.post_on(investigation.conducted_on))
        yield ctx.finding(
            use,
            Evidence("cadre_investigation", investigation.id, post),
            date_values("conducted_on", investigation.conducted_on),
            anchor=investigation.conducted_on,
        )


def commendation_basis(ctx: EvalContext) -> MaybeFinding:
    """A work-safety award needs an excellent safety-duty assessment or a recorded contribution."""
    if (
        ctx.use(ids.COMMENDATION_BASIS_MISSING) is None
        and ctx.use(ids.NOTE_COMMENDATION_BASIS) is None
    ):
        return None  # neither concerns the purpose (nearly always: only safety commendations)
    first_year = ctx.as_of.year - ctx.settings.basis_years_back
    years = range(first_year, ctx.as_of.year + 1)
    bases: list[AssessmentFact | ContributionFact] = [
        *_qualifying_assessments(ctx, years),
        *_qualifying_contributions(ctx, years),
    ]
    if not bases:
        return _basis_missing(ctx, first_year)
    # The most recent basis is named; ties broken by id so the choice is deterministic.
    basis = max(bases, key=lambda b: (b.year, str(b.id)))
    return _basis_note(ctx, basis)


def _qualifying_assessments(ctx: EvalContext, years: range) -> list[AssessmentFact]:
    settings = ctx.settings
    return [
        a
        for a in ctx.facts.assessments
        if not a.revoked
        and a.kind is settings.basis_assessment_kind
        and a.grade is settings.basis_assessment_grade
        and a.year in years
    ]


def _qualifying_contributions(ctx: EvalContext, years: range) -> list[ContributionFact]:
    return [
        c
        for c in ctx.facts.contributions
        if not c.revoked and c.year in years and c.achieved_on <= ctx.as_of
    ]


def _basis_note(ctx: EvalContext, basis: AssessmentFact | ContributionFact) -> MaybeFinding:
    use = ctx.use(ids.NOTE_COMMENDATION_BASIS)
    if use is None:
        return None
    if isinstance(basis, AssessmentFact):
        kind = "assessment"
        basis_zh = f"{zh(basis.kind)}{zh(basis.grade)}"
        basis_en = f"{en_text(basis.grade)} {en_text(basis.kind)} assessment"
    else:
        kind = "contribution"
        basis_zh = f"在“{zh(basis.area)}”方面作出显著成绩和重要贡献"
        basis_en = f"a significant contribution to {en_text(basis.area)}"
    values = {"year": basis.year, "basis_zh": basis_zh, "basis_en": basis_en}
    return ctx.finding(use, Evidence(kind, basis.id), values)


def _basis_missing(ctx: EvalContext, first_year: int) -> MaybeFinding:
    use = ctx.use(ids.COMMENDATION_BASIS_MISSING)
    if use is None:
        return None
    settings = ctx.settings
    grade_zh = f"{zh(settings.basis_assessment_kind)}{zh(settings.basis_assessment_grade)}"
    grade_en = (
        f"{en_text(settings.basis_assessment_grade)} {en_text(settings.basis_assessment_kind)}"
    )
    values = {
        "year": ctx.as_of.year,
        "missing_zh": f"{first_year}至{ctx.as_of.year}年度无{grade_zh}结果，亦无突出贡献记录",
        "missing_en": (
            f"no {grade_en} assessment and no recorded contribution "
            f"in {first_year}–{ctx.as_of.year}"
        ),
    }
    # Open-ended (until a basis is recorded): eligible_from stays null rather than a guess.
    return ctx.finding(use, NO_COMMENDATION_BASIS, values)


def lifetime_note(ctx: EvalContext) -> MaybeFinding:
    """终身追责 (中央规定第二十四条): retirement or leaving office erases nothing."""
    if not ctx.facts.statuses:
        return None  # serving, as every cadre is until a status event says otherwise
    use = ctx.use(ids.NOTE_LIFETIME_ACCOUNTABILITY)
    status = ctx.facts.status_on(ctx.as_of)
    if use is None or status not in INACTIVE_STATUSES:
        return None
    events = [
        e
        for e in ctx.facts.statuses
        if not e.revoked and e.effective_date <= ctx.as_of and e.status is status
    ]
    latest = max(events, key=lambda e: (e.effective_date, str(e.id)), default=None)
    evidence = Evidence("status_event", None if latest is None else latest.id)
    return ctx.finding(use, evidence, labelled("status", status))


def rules_in_force(ctx: EvalContext) -> MaybeFinding:
    """The rulebook's period in force (its `effective_from`, `effective_until`): a decision dated
    outside it is held, saying so, rather than judged by rules that did not govern that day or
    by rules invented in their place (the rules of that day are not loaded)."""
    book = ctx.rulebook
    if book.in_force(ctx.as_of):
        return None
    until = book.effective_until
    use = ctx.use(ids.HOLD_RULES_NOT_IN_FORCE)
    if use is None:
        return None
    start_en, start_zh = date_texts(book.effective_from)
    if until is None:
        period = {"in_force_zh": f"{start_zh}起施行", "in_force_en": f"from {start_en}"}
    else:
        until_en, until_zh = date_texts(until)
        period = {
            "in_force_zh": f"{start_zh}至{until_zh}",
            "in_force_en": f"from {start_en} to {until_en}",
        }
    return ctx.finding(use, Evidence("rulebook", None), period)

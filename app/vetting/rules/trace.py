"""The trace of a decision: every rule the engine knows, whether it fired for this decision and,
when it did not, why; the facts it read (by record id, as known at the decision's `known_at`)
and every parameter it read (periods with their dated changes, settings), with the citation.

Like OpenFisca's `/trace`, but for rules: pure, computed from the same inputs as the decision
(facts, purpose, `as_of`, rulebook) and the decision itself, so a stored decision's trace is
recomputed from its stored facts and rulebook text and compares across replays.

Why a rule did not fire, in the order it is decided:
- `rules_not_in_force`: the decision date lies outside the rulebook's period in force, and no
  rule was applied (the one finding says so);
- `not_in_rulebook`: the rulebook leaves the rule out (a layer may remove a rule);
- `not_for_purpose`: the rule concerns other purposes;
- `switched_off`: the rule's period for this purpose is 0 months (a jurisdiction switches it off);
- `no_records`: the cadre has no record of the kinds the rule reads;
- `conditions_not_met`: records were read and none met the rule's conditions, which the trace
  states (zh + en).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.domain.enums import Purpose
from app.vetting.rules import rule_ids as ids
from app.vetting.rules.decision import Decision
from app.vetting.rules.facts import CadreFacts
from app.vetting.rules.periods import PeriodKind
from app.vetting.rules.rulebook_model import Rulebook

TRACE_FORMAT = "vetting-trace/1"

# The record kinds a rule reads, by the CadreFacts field that holds them.
CASES = ("cases",)
ACCIDENTS = ("accidents", "posts")
ANNUAL = ("assessments",)
UNIT = ("unit_assessments", "posts")
INVESTIGATIONS = ("investigations",)
BASIS = ("assessments", "contributions")
CAPS = ("cases", "assessments")
RECORD_KIND = {
    "cases": "accountability_case",
    "accidents": "accident",
    "posts": "post",
    "assessments": "assessment",
    "unit_assessments": "unit_assessment",
    "investigations": "cadre_investigation",
    "contributions": "contribution",
    "statuses": "status_event",
}


@dataclass(frozen=True)
class Reads:
    """What a rule reads and when it fires (zh, en)."""

    records: tuple[str, ...]
    settings: tuple[str, ...]
    zh: str
    en: str


def _influence(measure_zh: str, measure_en: str) -> Reads:
    return Reads(
        CASES,
        (),
        f"已作出且未撤销、未免责的问责决定采取了{measure_zh}，且影响期尚未届满。",
        f"A decided, unrevoked, non-exempted case imposed {measure_en}, and its influence "
        "period has not ended.",
    )


READS: dict[str, Reads] = {
    ids.VETO_ONE_VOTE: Reads(
        CASES,
        ("veto_circumstances",),
        "已作出且未撤销、未免责的问责决定，其情形属于本规则的否决情形，且否决期尚未届满。",
        "A decided, unrevoked, non-exempted case whose circumstance is one the rulebook vetoes "
        "(veto_circumstances), and the veto period has not ended.",
    ),
    ids.INFLUENCE_NOTIFICATION: _influence("通报", "a notification (通报)"),
    ids.INFLUENCE_ADMONISHMENT: _influence("诫勉", "an admonishment (诫勉)"),
    ids.INFLUENCE_POST_ADJUSTMENT: _influence("调离岗位", "a post adjustment (调离岗位)"),
    ids.INFLUENCE_ORDERED_RESIGNATION: _influence("责令辞职", "an ordered resignation (责令辞职)"),
    ids.INFLUENCE_DEMOTION: _influence("降职", "a demotion (降职)"),
    ids.INFLUENCE_REMOVAL: _influence("免职", "a removal (免职)"),
    ids.HOLD_SUSPENSION: Reads(
        CASES,
        (),
        "问责决定采取停职检查，且停职期间尚未结束。",
        "A case imposed suspension for inspection (停职检查) that is still running.",
    ),
    ids.HOLD_SUSPENSION_DURATION_MISSING: Reads(
        CASES,
        (),
        "停职检查的问责决定未记录停职期限。",
        "A case imposed suspension for inspection without recording its length.",
    ),
    ids.HOLD_PROBATION_DURATION_MISSING: Reads(
        CASES,
        (),
        "留党察看处分未记录察看期限。",
        "A Party probation (留党察看) without its probation length recorded.",
    ),
    ids.HOLD_CASE_UNDER_INVESTIGATION: Reads(
        CASES,
        (),
        "有尚在调查、未作出决定的问责案件。",
        "A case is still under investigation (not yet decided).",
    ),
    ids.HOLD_ACCIDENT_UNDER_INVESTIGATION: Reads(
        ACCIDENTS,
        ("accident_hold_min_level", "responsible_roles"),
        "该干部负有安全责任的单位发生达到等级门槛的事故，且事故调查尚未结案。",
        "An accident at or above accident_hold_min_level, in a unit the cadre answered for "
        "(responsible_roles) when it happened, is still under investigation.",
    ),
    ids.HOLD_ANNUAL_ASSESSMENT_MISSING: Reads(
        ANNUAL,
        ("annual_assessment_years_back",),
        "上一年度（as_of 年份减 annual_assessment_years_back）的年度考核结果未记录。",
        "The annual assessment of the year as_of's year minus annual_assessment_years_back "
        "is not on record.",
    ),
    ids.HOLD_CRIMINAL_PENALTY_COMPLETION_MISSING: Reads(
        CASES,
        (),
        "受过刑事处罚，但刑罚执行完毕日期未记录。",
        "A criminal penalty whose completion date is not on record.",
    ),
    ids.HOLD_RULES_NOT_IN_FORCE: Reads(
        (),
        (),
        "决定日期不在本规则施行期间内。",
        "The decision date lies outside the rulebook's period in force.",
    ),
    ids.NOTE_LIFETIME_ACCOUNTABILITY: Reads(
        CASES,
        (),
        "存在问责记录（终身追责提示）。",
        "There are accountability records (a lifetime-accountability note).",
    ),
    ids.NOTE_REVOKED_CASE_IGNORED: Reads(
        CASES,
        (),
        "存在已撤销的问责决定（不予考虑）。",
        "A case was revoked (and is not considered).",
    ),
    ids.ASSESSMENT_ANNUAL_BASICALLY_COMPETENT: Reads(
        CAPS,
        ("annual_assessment_years_back",),
        "上一年度考核等次（按当年党纪处分封顶后）为基本称职。",
        "The previous year's annual grade, as capped by that year's Party sanctions, is "
        "basically competent.",
    ),
    ids.ASSESSMENT_ANNUAL_INCOMPETENT: Reads(
        CAPS,
        ("annual_assessment_years_back",),
        "上一年度考核等次（按当年党纪处分封顶后）为不称职。",
        "The previous year's annual grade, as capped by that year's Party sanctions, is "
        "incompetent.",
    ),
    ids.NOTE_GRADE_CAPPED_BY_SANCTION: Reads(
        CAPS,
        (),
        "某年度记录的考核等次高于当年党纪处分所允许的上限。",
        "A year's recorded grade is above the cap that year's Party sanctions set.",
    ),
    ids.ASSESSMENT_UNIT_SAFETY_WORK_FAIL: Reads(
        UNIT,
        ("responsible_roles",),
        "该干部负有安全责任期间，所在单位年度安全生产工作考核不合格。",
        "A unit failed its annual work-safety assessment in a year the cadre answered for it "
        "(responsible_roles).",
    ),
    ids.INVESTIGATION_FAILED: Reads(
        INVESTIGATIONS,
        (),
        "干部考察中安全生产履职情况不合格，且期限尚未届满。",
        "A cadre investigation found work-safety performance failed, within the period.",
    ),
    ids.SOE_BAR_CRIMINAL_PENALTY: Reads(
        CASES,
        (),
        "受过刑事处罚，且执行期满未逾规定年限。",
        "A criminal penalty completed less than the set years ago.",
    ),
    ids.SOE_BAR_DISMISSAL: Reads(
        CASES,
        (),
        "受过开除或撤职类处分，且未逾规定年限。",
        "A dismissal-type sanction less than the set years ago.",
    ),
    ids.SOE_BAR_MAJOR_ACCIDENT: Reads(
        ACCIDENTS + CASES,
        ("soe_bar_accident_levels",),
        "对拟任企业同行业的重大及以上事故负有责任，且未逾规定年限。",
        "Responsibility for an accident of soe_bar_accident_levels in the target enterprise's "
        "industry, less than the set years ago.",
    ),
    ids.NOTE_SOE_MAJOR_ACCIDENT_OTHER_INDUSTRY: Reads(
        ACCIDENTS + CASES,
        ("soe_bar_accident_levels",),
        "对其他行业的重大及以上事故负有责任（提示）。",
        "Responsibility for a major accident in another industry (a note).",
    ),
    ids.COMMENDATION_BASIS_MISSING: Reads(
        BASIS,
        ("basis_years_back", "basis_assessment_kind", "basis_assessment_grade"),
        "近 basis_years_back 年内既无优秀的安全生产履职考核，也无记录的突出贡献。",
        "Within basis_years_back years, neither an excellent work-safety duty assessment nor a "
        "recorded contribution.",
    ),
    ids.NOTE_COMMENDATION_BASIS: Reads(
        BASIS,
        ("basis_years_back", "basis_assessment_kind", "basis_assessment_grade"),
        "有安全生产表彰依据（提示）。",
        "A basis for a work-safety commendation is on record (a note).",
    ),
}


def reads_of(rule_id: str) -> Reads:
    if rule_id in READS:
        return READS[rule_id]
    if rule_id.startswith("influence.party_sanction."):
        grade = rule_id.rsplit(".", 1)[1]
        return _influence(f"党纪处分（{grade}）", f"the Party sanction {grade}")
    if rule_id.startswith("influence.admin_sanction."):
        grade = rule_id.rsplit(".", 1)[1]
        return _influence(f"政务处分（{grade}）", f"the administrative sanction {grade}")
    if rule_id.startswith("note.leniency."):
        kind = rule_id.rsplit(".", 1)[1]
        return Reads(
            CASES,
            (),
            f"问责决定适用从轻、减轻或免责情节（{kind}）。",
            f"A case's decision applied leniency ({kind}).",
        )
    raise KeyError(rule_id)


REASONS = {
    "fired": ("已适用：见所列结论。", "Fired: see the findings listed."),
    "rules_not_in_force": (
        "决定日期不在本规则施行期间内，未适用任何规则。",
        "The decision date lies outside the rulebook's period in force: no rule was applied.",
    ),
    "not_in_rulebook": ("本规则未收录此条。", "The rulebook does not include this rule."),
    "not_for_purpose": ("此条不涉及本次审核事项。", "The rule does not concern this purpose."),
    "switched_off": (
        "此条对本次审核事项的期限为 0 个月（本地规则未设影响期）。",
        "The rule's period for this purpose is 0 months (switched off by the jurisdiction).",
    ),
    "no_records": ("无此条所依据的记录。", "No records of the kinds this rule reads."),
    "conditions_not_met": (
        "已读取相关记录，无一满足适用条件。",
        "The records were read; none met the rule's conditions.",
    ),
}


def _record_ids(facts: CadreFacts, fields: Iterable[str]) -> list[dict[str, Any]]:
    out = []
    for name in fields:
        for record in getattr(facts, name):
            out.append({"record_kind": RECORD_KIND[name], "record_id": str(record.id)})
    return out


def _since(rulebook: Rulebook, key: str) -> tuple[str, str]:
    """The layer that stated a value and its effective date (the rulebook's own for one text)."""
    layer_id, since = rulebook.stated_in.get(key, (rulebook.id, rulebook.effective_from))
    return layer_id, since.isoformat()


def _parameters(rulebook: Rulebook, rule_id: str, purpose: Purpose) -> list[dict[str, Any]]:
    rule = rulebook.rule(rule_id)
    if rule is None:
        return []
    out: list[dict[str, Any]] = []
    block = rule.block_for(purpose)
    if block is not None:
        period = block.period
        layer_id, since = _since(rulebook, f"rules.{rule_id}.blocks")
        out.append(
            {
                "name": "period",
                "value": period.describe(),
                "effective_from": since,
                "stated_in": layer_id,
                "basis": rule.basis,
            }
        )
        for change in period.changes:
            out.append(
                {
                    "name": "period.months",
                    "value": change.months,
                    "effective_from": change.effective_from.isoformat(),
                    "stated_in": layer_id,
                    "basis": rulebook.citations.get(change.basis, change.basis),
                }
            )
    settings = rulebook.settings.describe()
    for name in reads_of(rule_id).settings:
        layer_id, since = _since(rulebook, f"settings.{name}")
        out.append(
            {
                "name": f"settings.{name}",
                "value": settings[name],
                "effective_from": since,
                "stated_in": layer_id,
                "basis": rule.basis,
            }
        )
    return out


def _status(
    rulebook: Rulebook, rule_id: str, purpose: Purpose, fired: bool, facts: CadreFacts
) -> str:
    if fired:
        return "fired"
    rule = rulebook.rule(rule_id)
    if rule is None:
        return "not_in_rulebook"
    block = rule.block_for(purpose)
    if block is None:
        return "not_for_purpose"
    if (
        block.period.kind is PeriodKind.MONTHS
        and block.period.months == 0
        and not block.period.changes
    ):
        return "switched_off"
    fields = reads_of(rule_id).records
    if fields and not any(getattr(facts, name) for name in fields if name != "posts"):
        return "no_records"
    return "conditions_not_met"


def trace(
    facts: CadreFacts,
    purpose: Purpose,
    rulebook: Rulebook,
    decision: Decision,
    rule_order: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The trace of `decision` (evaluated from `facts` for `purpose` under `rulebook`), as JSON."""
    fired: dict[str, list[int]] = {}
    for index, finding in enumerate(decision.findings):
        fired.setdefault(finding.rule_id, []).append(index)
    outside = decision.findings and decision.findings[0].rule_id == ids.HOLD_RULES_NOT_IN_FORCE
    if rule_order is None:  # the rulebook's rules in its order, then those it leaves out
        stated = [r.rule_id for r in rulebook.rules]
        rule_order = stated + sorted(ids.ALL_RULE_IDS - set(stated))
    order = list(rule_order)
    rules = []
    for rule_id in order:
        if outside and rule_id != ids.HOLD_RULES_NOT_IN_FORCE:
            status = "rules_not_in_force"
        else:
            status = _status(rulebook, rule_id, purpose, rule_id in fired, facts)
        reads = reads_of(rule_id)
        zh, en = REASONS[status]
        rule = rulebook.rule(rule_id)
        rules.append(
            {
                "rule_id": rule_id,
                "fired": status == "fired",
                "status": status,
                "reason": {"zh": zh, "en": en},
                "condition": {"zh": reads.zh, "en": reads.en},
                "effect": rule.effect.value if rule else None,
                "basis": rule.basis if rule else None,
                "findings": fired.get(rule_id, []),
                "facts_read": []
                if status in {"rules_not_in_force", "not_in_rulebook", "not_for_purpose"}
                else _record_ids(facts, reads.records),
                "parameters": _parameters(rulebook, rule_id, purpose),
            }
        )
    return {
        "format": TRACE_FORMAT,
        "purpose": purpose.value,
        "as_of": decision.as_of.isoformat(),
        "known_at": _iso(decision.known_at),
        "rulebook": {
            "id": rulebook.id,
            "version": rulebook.version,
            "sha256": rulebook.sha256,
            "effective_from": rulebook.effective_from.isoformat(),
            "effective_until": None
            if rulebook.effective_until is None
            else rulebook.effective_until.isoformat(),
            "period_basis": rulebook.period_basis,
        },
        "fired": sum(1 for r in rules if r["fired"]),
        "rules": rules,
    }


def _iso(moment: datetime) -> str:
    return moment.isoformat()

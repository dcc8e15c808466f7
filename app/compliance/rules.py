"""The seed's division of safety responsibility (分工), checked against a unit's team on a day.
Pure: a team in, findings out.

《泸州市党政领导干部安全生产责任制实施办法》: the principals of Party committees and
governments are the first responsible persons; a county (district) government's safety lead is
the executive deputy head (常务副县（区）长); one government deputy may be named to assist; in
parks, Party working organs and government departments the first-ranked deputy leads safety
work."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from app.domain.enums import FUNCTIONAL_ZONES, OrgUnitKind, OrgUnitLevel, PositionKind, SafetyRole

BASIS = "《泸州市党政领导干部安全生产责任制实施办法》；《四川省党政领导干部安全生产责任制实施细则》"
DEPUTIES = (PositionKind.DEPUTY, PositionKind.EXECUTIVE_DEPUTY)
NEEDS_SAFETY_LEAD = frozenset(
    {
        OrgUnitKind.GOVERNMENT,
        OrgUnitKind.PARTY_WORKING_ORGAN,
        OrgUnitKind.GOVERNMENT_DEPARTMENT,
        OrgUnitKind.TOWNSHIP,
        OrgUnitKind.STREET,
        *FUNCTIONAL_ZONES,
    }
)
FIRST_DEPUTY_LEADS = frozenset(
    {OrgUnitKind.PARTY_WORKING_ORGAN, OrgUnitKind.GOVERNMENT_DEPARTMENT, *FUNCTIONAL_ZONES}
)
PRINCIPAL_IS_FIRST_RESPONSIBLE = frozenset({OrgUnitKind.PARTY_COMMITTEE, *NEEDS_SAFETY_LEAD})


@dataclass(frozen=True)
class TeamMember:
    post_id: UUID
    cadre_id: UUID
    cadre_name: str
    title: str
    position: PositionKind
    safety_role: SafetyRole
    team_rank: int | None


@dataclass(frozen=True)
class Unit:
    id: UUID
    name: str
    kind: OrgUnitKind
    level: OrgUnitLevel


@dataclass(frozen=True)
class StructureFinding:
    rule_id: str
    message_zh: str
    message_en: str
    basis: str
    post_ids: tuple[UUID, ...] = ()


def _principal_not_first_responsible(unit: Unit, team: list[TeamMember]) -> list[StructureFinding]:
    if unit.kind not in PRINCIPAL_IS_FIRST_RESPONSIBLE:
        return []
    wrong = [
        m
        for m in team
        if m.position is PositionKind.PRINCIPAL
        and m.safety_role is not SafetyRole.FIRST_RESPONSIBLE
    ]
    return [
        StructureFinding(
            "structure.principal_not_first_responsible",
            f"{m.cadre_name}（{m.title}）是主要负责人，但未作为安全生产第一责任人。",
            f"{m.cadre_name} ({m.title}) is the principal but not the first responsible person.",
            BASIS,
            (m.post_id,),
        )
        for m in wrong
    ]


def _leads(team: list[TeamMember]) -> list[TeamMember]:
    return [m for m in team if m.safety_role is SafetyRole.SAFETY_LEAD]


def _no_safety_lead(unit: Unit, team: list[TeamMember]) -> list[StructureFinding]:
    if unit.kind not in NEEDS_SAFETY_LEAD or _leads(team):
        return []
    return [
        StructureFinding(
            "structure.no_safety_lead",
            f"{unit.name}未明确分管安全生产工作的负责人。",
            f"{unit.name} has no safety lead.",
            BASIS,
        )
    ]


def _county_lead_not_executive(unit: Unit, team: list[TeamMember]) -> list[StructureFinding]:
    if unit.kind is not OrgUnitKind.GOVERNMENT or unit.level is not OrgUnitLevel.COUNTY:
        return []
    return [
        StructureFinding(
            "structure.county_safety_lead_not_executive_deputy",
            f"县（区）政府由常务副县（区）长分管安全生产工作，{m.cadre_name}（{m.title}）不是常务副职。",
            f"A county government's safety lead must be the executive deputy head; "
            f"{m.cadre_name} ({m.title}) is not.",
            BASIS,
            (m.post_id,),
        )
        for m in _leads(team)
        if m.position is not PositionKind.EXECUTIVE_DEPUTY
    ]


def _too_many_assistants(unit: Unit, team: list[TeamMember]) -> list[StructureFinding]:
    assisting = [m for m in team if m.safety_role is SafetyRole.ASSISTING_SAFETY_LEAD]
    if len(assisting) <= 1:
        return []
    names = "、".join(m.cadre_name for m in assisting)
    return [
        StructureFinding(
            "structure.more_than_one_assisting_lead",
            f"只可确定1名副职协助分管安全生产工作，现有{len(assisting)}名：{names}。",
            f"At most one deputy may assist the safety lead; there are {len(assisting)}.",
            BASIS,
            tuple(m.post_id for m in assisting),
        )
    ]


def _lead_not_first_deputy(unit: Unit, team: list[TeamMember]) -> list[StructureFinding]:
    if unit.kind not in FIRST_DEPUTY_LEADS:
        return []
    ranked = [m.team_rank for m in team if m.position in DEPUTIES and m.team_rank is not None]
    first = min(ranked, default=None)
    return [
        StructureFinding(
            "structure.safety_lead_not_first_ranked_deputy",
            f"园区、党委工作机关、政府工作部门由排名第一的副职分管安全生产工作，"
            f"{m.cadre_name}（{m.title}）不是排名第一的副职。",
            f"In parks, Party working organs and departments the first-ranked deputy leads "
            f"safety work; {m.cadre_name} ({m.title}) is not the first-ranked deputy.",
            BASIS,
            (m.post_id,),
        )
        for m in _leads(team)
        if m.position not in DEPUTIES or m.team_rank is None or m.team_rank != first
    ]


CHECKS = (
    _principal_not_first_responsible,
    _county_lead_not_executive,
    _too_many_assistants,
    _lead_not_first_deputy,
    _no_safety_lead,
)


def check_team(unit: Unit, team: list[TeamMember]) -> list[StructureFinding]:
    return [finding for check in CHECKS for finding in check(unit, team)]

"""From a vetting decision to a recommendation, and from a consultation to the letter."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.consultations.document import FactLine, OpinionDocument, chinese_date
from app.consultations.schemas import IssueRequest, Recommendation
from app.domain.labels import zh
from app.models import Cadre, Consultation, OrgUnit, VettingDecision

_BY_OUTCOME = {
    "ineligible": Recommendation.OBJECTION,
    "pending": Recommendation.DEFER,
    "eligible": Recommendation.NO_OBJECTION,
}


def recommendation_for(outcome: str) -> Recommendation:
    """有异议 when the decision is ineligible, 暂缓 when pending, else 无异议."""
    return _BY_OUTCOME[outcome]


def draft_reasons(decision: dict[str, Any]) -> list[dict[str, Any]]:
    """The in-force findings that decide the outcome (vetoes, blocks, holds), as reasons."""
    return [
        {
            "rule_id": f["rule_id"],
            "effect": f["effect"],
            "basis": f["basis"],
            "message_zh": f["message"]["zh"],
            "message_en": f["message"]["en"],
            "blocks_until": f["blocks_until"],
        }
        for f in decision["findings"]
        if f["in_force"] and f["effect"] != "note"
    ]


def _facts(consultation: Consultation, chosen: Recommendation) -> tuple[FactLine, ...]:
    reasons = consultation.draft_reasons or []
    lines = [FactLine(text=r["message_zh"], basis=r["basis"]) for r in reasons]
    dossier = consultation.dossier or {}
    history = [c for c in dossier.get("accountability_cases", []) if c.get("status") == "decided"]
    if history and not lines:
        lines.append(
            FactLine(
                text=f"该同志有问责记录{len(history)}条，相关影响期均已届满。",
                basis="《地方党政领导干部安全生产责任制规定》第二十四条（终身追责）",
            )
        )
    accidents = dossier.get("accidents", [])
    if accidents:
        lines.append(
            FactLine(
                text=f"该同志任职期间所在单位发生生产安全事故{len(accidents)}起（详见附件卷宗）。"
            )
        )
    if not lines and chosen is Recommendation.NO_OBJECTION:
        lines.append(FactLine(text="经核查，未发现该同志存在安全生产责任追究、一票否决等情形。"))
    return (*lines, *_duty_lines(dossier))


def _span(segment: dict[str, Any]) -> str:
    start = chinese_date(date.fromisoformat(segment["start"]))
    until = segment.get("until")
    return f"{start}至{chinese_date(date.fromisoformat(until))}" if until else f"{start}起"


def _duty_lines(dossier: dict[str, Any]) -> list[FactLine]:
    """For each post held, the duty lists it carried (职责清单) and where they are stated: what
    an organisation department reads the findings against (终身追责 years later)."""
    lines = []
    for post in dossier.get("career", []):
        for segment in post.get("duties", []):
            lists = segment.get("duty_lists", [])
            if not lists:
                continue
            carried = "、".join(f"{lst['title']['zh']}{len(lst['duties'])}项" for lst in lists)
            where = "；".join(dict.fromkeys(lst["basis"] for lst in lists))
            unit = post.get("org_unit", {}).get("name", "")
            lines.append(
                FactLine(
                    text=f"该同志任{unit}{post['title']}期间（{_span(segment)}），承担{carried}。",
                    basis=where,
                )
            )
    return lines


def _conclusion(name: str, chosen: Recommendation, extra: str | None) -> str:
    """What section 三 says after the opinion itself ("…的意见为：有异议。"): the reason, once,
    without stating the opinion again (an objection is not repeated in its own conclusion)."""
    text = {
        Recommendation.NO_OBJECTION: "",
        Recommendation.OBJECTION: f"依据上述规定，{name}同志目前不宜提拔任用。",
        Recommendation.DEFER: "鉴于上述事项尚未办结，建议待办结后再行征求意见。",
    }[chosen]
    return f"{text}{extra}" if extra else text


def _current_post(consultation: Consultation) -> str | None:
    career = (consultation.dossier or {}).get("career", [])
    held = [p for p in career if p.get("end_date") is None]
    if not held:
        return None
    latest = max(held, key=lambda p: p["start_date"])
    return f"{latest['org_unit']['name']}{latest['title']}"


async def opinion_document(
    session: AsyncSession,
    consultation: Consultation,
    issuer: OrgUnit,
    number: str,
    chosen: Recommendation,
    body: IssueRequest,
    issued_on: date,
    valid_until: date,
    issued_at: datetime,
) -> OpinionDocument:
    cadre = await session.get(Cadre, consultation.cadre_id)
    unit = await session.get(OrgUnit, consultation.proposed_org_unit_id)
    decision = await session.get(VettingDecision, consultation.decision_id)
    assert cadre is not None and unit is not None and decision is not None
    rulebook = decision.decision["rulebook"]
    name = (consultation.dossier or {}).get("cadre", {}).get("name", "")
    post = f"{unit.name}{consultation.proposed_title}"
    decision_id = str(consultation.decision_id)
    return OpinionDocument(
        issuing_unit=issuer.name,
        document_number=number,
        title=f"关于{name}同志拟任职务安全生产情况的意见",
        addressee=consultation.requesting_unit,
        request_reference=consultation.letter_reference,
        candidate_name=name,
        candidate_id_number=cadre.id_number_masked,
        candidate_current_post=_current_post(consultation),
        proposed_post=post,
        facts=_facts(consultation, chosen),
        recommendation=chosen.value,
        recommendation_zh=zh(chosen),
        conclusion=_conclusion(name, chosen, body.conclusion),
        override_reason=body.override_reason,
        issued_on=issued_on,
        valid_until=valid_until,
        decision_id=decision_id,
        rulebook=f"{rulebook['id']}@{rulebook['version']}",
        copies_to=tuple(body.copies_to),
        printed_on=issued_on,
        issued_at=issued_at,
    )

"""Consultations as the API shows them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.config import Settings
from app.consultations.record import logged_opinion, logged_with
from app.consultations.schemas import Consultation, Draft, Opinion, Recommendation, Verification
from app.consultations.workflow import State
from app.models import Consultation as ConsultationRow
from app.models import OrgUnit


def _draft(row: ConsultationRow) -> Draft | None:
    if row.draft_recommendation is None or row.decision_id is None or row.drafted_at is None:
        return None
    return Draft(
        recommendation=Recommendation(row.draft_recommendation),
        reasons=row.draft_reasons or [],  # type: ignore[arg-type]
        decision_id=row.decision_id,
        drafted_at=row.drafted_at,
        outdated=row.draft_outdated,
    )


def _opinion(row: ConsultationRow) -> Opinion | None:
    if row.document_number is None:
        return None
    assert row.recommendation and row.issuing_org_unit_id and row.issued_at
    assert row.valid_until and row.content_sha256
    return Opinion(
        recommendation=Recommendation(row.recommendation),
        override_reason=row.override_reason,
        document_number=row.document_number,
        issuing_org_unit_id=row.issuing_org_unit_id,
        issued_at=row.issued_at,
        valid_until=row.valid_until,
        content_sha256=row.content_sha256,
    )


def present(row: ConsultationRow, settings: Settings) -> Consultation:
    waiting = row.state in (State.REQUESTED, State.DRAFTED)
    overdue = waiting and row.reply_by is not None and row.reply_by < clock.today()
    name: Any = (row.dossier or {}).get("cadre", {}).get("name")
    return Consultation(
        id=row.id,
        state=State(row.state),
        cadre_id=row.cadre_id,
        candidate_name=name,
        proposed_org_unit_id=row.proposed_org_unit_id,
        proposed_title=row.proposed_title,
        purpose=row.purpose,
        requesting_unit=row.requesting_unit,
        requesting_org_unit_id=row.requesting_org_unit_id,
        letter_reference=row.letter_reference,
        reply_by=row.reply_by,
        overdue=overdue,
        requested_at=row.requested_at,
        draft=_draft(row),
        opinion=_opinion(row),
        state_reason=row.state_reason,
        state_changed_at=row.state_changed_at,
        superseded_by=row.superseded_by,
        supersedes=row.supersedes,
    )


async def verification(
    session: AsyncSession, number: str | None, sha256: str | None
) -> Verification:
    """Answered from the audit log (app.consultations.record), never from the consultations'
    columns: the opinion is found by the number or hash its logged issue (or a logged file)
    carries, and its state is what its logged events say."""
    logged = None
    for consultation_id in await logged_with(session, number, sha256):
        candidate = await logged_opinion(session, consultation_id)
        if candidate is not None and (
            candidate.document_number == number
            if number is not None
            else sha256 == candidate.content_sha256 or sha256 in candidate.file_sha256
        ):
            logged = candidate
            break
    if logged is None:
        return Verification(
            genuine=False,
            valid_now=False,
            detail="No opinion with this number or hash was issued here.",
        )
    state = State(logged.current_state(clock.today()))
    valid = state is State.ISSUED
    issuer = await session.get(OrgUnit, logged.issuing_org_unit_id)
    detail = "Genuine and valid." if valid else f"Genuine, but no longer valid: {state.value}."
    return Verification(
        genuine=True,
        valid_now=valid,
        state=state,
        document_number=logged.document_number,
        issuing_unit=issuer.name if issuer else None,
        issued_on=logged.issued_on,
        valid_until=logged.valid_until,
        recommendation=Recommendation(logged.recommendation),
        content_sha256=logged.content_sha256,
        detail=detail,
    )

"""Consultations: request → draft (dossier + vetting decision + recommendation) → issue (number,
document, hash) → stale / expired / revoked / closed → superseded by a re-issue.

Every state change goes through `workflow.next_state`, is logged as a transition and audited in
the same transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit.service import one_event
from app.audit.service import record as audit
from app.auth import jurisdiction
from app.auth.principal import Principal
from app.auth.scopes import Scope
from app.cadres import service as cadres
from app.config import Settings
from app.consultations import repository
from app.consultations.document import document_to_json
from app.consultations.letters import draft_reasons, opinion_document, recommendation_for
from app.consultations.record import legal_values
from app.consultations.schemas import ConsultationRequest, IssueRequest, Recommendation
from app.consultations.workflow import Action, State, next_state
from app.context import Context
from app.domain.enums import OrgUnitKind, Purpose
from app.dossiers import service as dossiers
from app.errors import AppError, Conflict, NotFound, Unprocessable
from app.models import Cadre, Consultation, OrgUnit
from app.security import disclosure
from app.security.pii import PiiCipher
from app.vetting.rulebooks import Rulebooks
from app.vetting.schemas import CheckRequest
from app.vetting.service import Evaluated, VettingService
from app.webhooks.outbox import EventType, publish


async def change_state(
    session: AsyncSession,
    ctx: Context,
    row: Consultation,
    action: Action,
    reason: str | None = None,
    **values: Any,
) -> None:
    """Apply one transition of the table: update the row, log the transition, audit it."""
    before = State(row.state)
    after = next_state(before, action)
    await repository.set_state(session, row.id, state=after, state_changed_at=clock.now(), **values)
    await repository.log_transition(
        session,
        consultation_id=row.id,
        action=action,
        from_state=before,
        to_state=after,
        reason=reason,
        by_client=ctx.principal.client_id,
        request_id=ctx.request_id,
    )
    summary: dict[str, Any] = {"from": before, "to": after, "reason": reason}
    if kept := legal_values(values):
        summary["opinion"] = kept  # what was decided, in the log (app.consultations.record)
    audit(session, ctx, f"consultation.{action.value}", "consultation", row.id, summary)
    row.state = after


def visible_to(principal: Principal) -> ColumnElement[bool] | None:
    """A client bound to an org unit sees the consultations about posts in its subtree, and
    those it requested from a unit in it; None when the client sees all."""
    if principal.org_unit_id is None:
        return None
    under = jurisdiction.units_under(principal.org_unit_id)
    return or_(
        Consultation.proposed_org_unit_id.in_(under),
        Consultation.requesting_org_unit_id.in_(under),
    )


@dataclass
class Consultations:
    session: AsyncSession
    ctx: Context
    cipher: PiiCipher
    rulebooks: Rulebooks
    settings: Settings

    @property
    def today(self) -> date:
        return clock.today()

    async def _change(
        self, row: Consultation, action: Action, reason: str | None = None, **values: Any
    ) -> None:
        await change_state(self.session, self.ctx, row, action, reason, **values)

    async def load(self, consultation_id: UUID, lock: bool = False) -> Consultation:
        row = await repository.get(self.session, consultation_id, lock=lock)
        if row is None:
            raise NotFound(f"No consultation {consultation_id}.")
        visible = visible_to(self.ctx.principal)
        if visible is not None:
            query = select(exists().where(Consultation.id == row.id, visible))
            if not await self.session.scalar(query):
                # Outside the jurisdiction looks exactly like no such consultation.
                raise NotFound(f"No consultation {consultation_id}.")
        return row  # type: ignore[no-any-return]

    async def dossier_for_reader(self, row: Consultation) -> dict[str, Any]:
        """The stored dossier (kept narrowed) as this reader may see it: with `pii:read`, the
        candidate's full ID number and birth date from the encrypted column."""
        dossier: dict[str, Any] = disclosure.narrow(row.dossier)
        if self.ctx.principal.has(Scope.PII_READ) and "cadre" in dossier:
            cadre = await self.session.get(Cadre, row.cadre_id)
            if cadre is not None:
                number = self.cipher.decrypt(cadre.id_number_cipher)
                dossier["cadre"] = disclosure.reveal(dossier["cadre"], number, cadre.birth_date)
        return dossier

    # --- request and draft -----------------------------------------------------------------

    async def request(self, body: ConsultationRequest) -> Consultation:
        """Open a consultation and draft it at once (one audited write)."""
        with one_event(self.session, self.ctx, "consultation.requested", "consultation") as event:
            row = await self._request(body)
            event.target_id = row.id
            event.summary = {"cadre_id": row.cadre_id, "purpose": row.purpose}
        return row

    async def _request(self, body: ConsultationRequest) -> Consultation:
        unit = await self.session.get(OrgUnit, body.proposed_org_unit_id)
        if unit is None:
            raise jurisdiction.not_found(
                "org unit", body.proposed_org_unit_id, "body.proposed_org_unit_id"
            )
        await jurisdiction.ensure_org_unit(
            self.session, self.ctx.principal, unit.id, "body.proposed_org_unit_id"
        )
        if body.requesting_org_unit_id is not None:
            # It makes the consultation visible to that unit's clients: it must exist and lie
            # within this client's own jurisdiction.
            field = "body.requesting_org_unit_id"
            if await self.session.get(OrgUnit, body.requesting_org_unit_id) is None:
                raise jurisdiction.not_found("org unit", body.requesting_org_unit_id, field)
            await jurisdiction.ensure_org_unit(
                self.session, self.ctx.principal, body.requesting_org_unit_id, field
            )
        cadre_id = await self._candidate(body)
        key_soe = unit.kind == OrgUnitKind.STATE_OWNED_ENTERPRISE and unit.is_key_soe
        purpose = body.purpose or (Purpose.SOE_HEAD_APPOINTMENT if key_soe else Purpose.APPOINTMENT)
        if purpose is Purpose.SOE_HEAD_APPOINTMENT and not key_soe:
            raise Unprocessable(
                f"{unit.name} is not a key state-owned enterprise.",
                errors=[("body.proposed_org_unit_id", "not a key SOE")],
            )
        row = Consultation(
            id=uuid.uuid4(),
            state=State.REQUESTED,
            cadre_id=cadre_id,
            proposed_org_unit_id=unit.id,
            proposed_title=body.proposed_title,
            purpose=purpose,
            requesting_unit=body.requesting_unit,
            requesting_org_unit_id=body.requesting_org_unit_id,
            letter_reference=body.letter_reference,
            reply_by=body.reply_by,
            requested_by=self.ctx.principal.client_id,
        )
        self.session.add(row)
        await self.session.flush()
        await repository.log_transition(
            self.session,
            consultation_id=row.id,
            action=Action.REQUEST,
            from_state=None,
            to_state=State.REQUESTED,
            reason=None,
            by_client=self.ctx.principal.client_id,
            request_id=self.ctx.request_id,
        )
        audit(
            self.session,
            self.ctx,
            "consultation.requested",
            "consultation",
            row.id,
            {"cadre_id": cadre_id, "proposed_org_unit_id": unit.id, "purpose": purpose},
        )
        await self.draft(row, body.as_of or self.today, Action.DRAFT)
        return row

    async def _candidate(self, body: ConsultationRequest) -> UUID:
        # A cadre outside the jurisdiction answers exactly as one never recorded.
        principal = self.ctx.principal
        if body.cadre_id is not None:
            if await self.session.get(
                Cadre, body.cadre_id
            ) is None or not await jurisdiction.cadre_is_visible(
                self.session, principal, body.cadre_id
            ):
                raise jurisdiction.not_found("cadre", body.cadre_id, "body.cadre_id")
            return body.cadre_id
        assert body.id_number is not None
        digest = self.cipher.lookup_hash(body.id_number)
        found = await cadres.ids_by_id_number_hash(self.session, [digest])
        if digest not in found or not await jurisdiction.cadre_is_visible(
            self.session, principal, found[digest]
        ):
            raise NotFound(
                "No cadre has this ID number.", errors=[("body.id_number", "no such cadre")]
            )
        return found[digest]

    async def draft(self, row: Consultation, as_of: date, action: Action) -> None:
        """Compile the dossier and the decision, and propose a recommendation."""
        decision = await self._decide(row, as_of)
        known_at = datetime.fromisoformat(decision["known_at"])
        dossier = await dossiers.build(
            self.session,
            self.ctx,
            row.cadre_id,
            as_of,
            known_at,
            self.cipher,
            self.settings.timezone,
        )
        # The last three completed years, and this year's result if one is already recorded.
        recent = as_of.year - 3
        dossier.assessments = [a for a in dossier.assessments if a.year >= recent]
        recommendation = recommendation_for(decision["outcome"])
        await self._change(
            row,
            action,
            None,
            decision_id=UUID(decision["decision_id"]),
            dossier=disclosure.narrow(dossier.model_dump(mode="json")),
            draft_recommendation=recommendation,
            draft_reasons=draft_reasons(decision),
            drafted_at=clock.now(),
            draft_outdated=False,
        )

    async def _decide(self, row: Consultation, as_of: date) -> dict[str, Any]:
        service = VettingService(self.session, self.cipher, self.rulebooks, self.settings.timezone)
        target = row.proposed_org_unit_id if row.purpose == Purpose.SOE_HEAD_APPOINTMENT else None
        check = CheckRequest(
            cadre_id=row.cadre_id,
            purpose=Purpose(row.purpose),
            as_of=as_of,
            target_org_unit_id=target,
        )
        prepared = await service.prepare({"draft": check}, self.ctx.principal.org_unit_id)
        results = await service.evaluate(prepared)
        result = results["draft"]
        if isinstance(result, AppError):
            raise result
        assert isinstance(result, Evaluated)
        wire = await service.log(
            [result],
            self.ctx,
            None,
            "vetting_decision.created",
            ("vetting_decision", result.decision.decision_id),
            {"consultation_id": row.id, "outcome": result.decision.outcome},
        )
        return next(iter(wire.values()))

    async def redraft(self, consultation_id: UUID, as_of: date | None) -> Consultation:
        row = await self.load(consultation_id, lock=True)
        next_state(State(row.state), Action.REDRAFT)
        with one_event(self.session, self.ctx, "consultation.redrafted", "consultation") as event:
            event.target_id = row.id
            await self.draft(row, as_of or self.today, Action.REDRAFT)
        return row

    # --- issue ------------------------------------------------------------------------------

    async def issue(self, consultation_id: UUID, body: IssueRequest) -> Consultation:
        row = await self.load(consultation_id, lock=True)
        next_state(State(row.state), Action.ISSUE)
        if row.draft_outdated:
            raise Conflict(
                "A record about the candidate changed after the draft; redraft it before issuing.",
                current_state=row.state,
            )
        draft = Recommendation(str(row.draft_recommendation))
        chosen = body.recommendation or draft
        if chosen != draft and not body.override_reason:
            raise Unprocessable(
                f"Overriding the draft ({draft.value}) needs a written reason.",
                errors=[("body.override_reason", "required when overriding the draft")],
            )
        issuer = await self._issuer(body.issuing_org_unit_id)
        now = clock.now()
        issued_on = clock.local_date(now)
        serial = await repository.next_serial(self.session, issuer.id, issued_on.year)
        number = f"{issuer.document_prefix}〔{issued_on.year}〕{serial}号"
        valid_until = issued_on + timedelta(
            days=body.validity_days or self.settings.opinion_validity_days
        )
        document = await opinion_document(
            self.session, row, issuer, number, chosen, body, issued_on, valid_until, now
        )
        await self._change(
            row,
            Action.ISSUE,
            body.override_reason,
            recommendation=chosen,
            override_reason=body.override_reason,
            issuing_org_unit_id=issuer.id,
            document_number=number,
            document_serial=serial,
            issued_at=now,
            issued_by=self.ctx.principal.client_id,
            valid_until=valid_until,
            document=document_to_json(document),
            content_sha256=document.content_sha256,
        )
        await publish(
            self.session,
            EventType.CONSULTATION_ISSUED,
            {
                "consultation_id": str(row.id),
                "cadre_id": str(row.cadre_id),
                "document_number": number,
                "recommendation": chosen.value,
                "content_sha256": document.content_sha256,
            },
        )
        await self.session.refresh(row)
        return row

    async def _issuer(self, org_unit_id: UUID) -> OrgUnit:
        issuer = await self.session.get(OrgUnit, org_unit_id)
        field = "body.issuing_org_unit_id"
        if issuer is None:
            raise jurisdiction.not_found("org unit", org_unit_id, field)
        await jurisdiction.ensure_org_unit(self.session, self.ctx.principal, issuer.id, field)
        if not issuer.document_prefix:
            raise Unprocessable(
                f"{issuer.name} has no document prefix for numbering opinions; set one on the "
                "org unit (document_prefix, e.g. 泸应急意).",
                errors=[(field, "no document_prefix")],
            )
        shared = await self.session.scalar(
            select(OrgUnit.name).where(
                OrgUnit.document_prefix == issuer.document_prefix, OrgUnit.id != issuer.id
            )
        )
        if shared is not None:  # numbers are unique across units: one prefix, one issuer
            raise Conflict(
                f"The document prefix {issuer.document_prefix} is also set on another unit; "
                "give each issuing unit its own prefix before issuing.",
                errors=[(field, "document_prefix shared with another unit")],
            )
        return issuer

    # --- after issue ----------------------------------------------------------------------

    async def revoke(self, consultation_id: UUID, reason: str) -> Consultation:
        row = await self.load(consultation_id, lock=True)
        await self._change(row, Action.REVOKE, reason, state_reason=reason)
        return row

    async def close(self, consultation_id: UUID, appointed_on: date, note: str | None) -> Any:
        row = await self.load(consultation_id, lock=True)
        reason = f"appointed on {appointed_on.isoformat()}" + (f": {note}" if note else "")
        await self._change(row, Action.CLOSE, reason, state_reason=reason)
        return row

    async def reissue(self, consultation_id: UUID, reason: str) -> Consultation:
        """Supersede a stale or expired opinion by a new request, drafted afresh."""
        with one_event(self.session, self.ctx, "consultation.reissued", "consultation") as event:
            event.target_id = consultation_id
            return await self._reissue(consultation_id, reason)

    async def _reissue(self, consultation_id: UUID, reason: str) -> Consultation:
        old = await self.load(consultation_id, lock=True)
        next_state(State(old.state), Action.SUPERSEDE)
        body = ConsultationRequest(
            cadre_id=old.cadre_id,
            proposed_org_unit_id=old.proposed_org_unit_id,
            proposed_title=old.proposed_title,
            requesting_unit=old.requesting_unit,
            requesting_org_unit_id=old.requesting_org_unit_id,
            letter_reference=old.letter_reference,
            reply_by=old.reply_by,
        )
        new = await self.request(body)
        await repository.set_state(self.session, new.id, supersedes=old.id)
        await self._change(old, Action.SUPERSEDE, reason, superseded_by=new.id, state_reason=reason)
        await self.session.refresh(new)
        return new

    async def expire_due(self) -> int:
        """Move issued opinions past their validity to `expired` (called by readers and the
        worker; idempotent)."""
        rows = await repository.due_to_expire(self.session, self.today)
        for row in rows:
            await self._change(row, Action.EXPIRE, f"valid until {row.valid_until}")
        return len(rows)

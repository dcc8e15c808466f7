"""Appointment forms in: read safely, find or create the cadre, keep what vetting needs, show the
differences with the record; on request, vet the proposed post or open a consultation. Applying
the form's career or assessments to the record is a separate, explicit, audited step."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit.service import one_event
from app.auth import jurisdiction
from app.auth.scopes import Scope
from app.cadres import service as cadres
from app.cadres.schemas import CadreCreate
from app.config import Settings
from app.consultations.presenter import present
from app.consultations.schemas import ConsultationRequest
from app.consultations.service import Consultations
from app.context import Context
from app.domain.enums import Purpose
from app.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, Unprocessable
from app.forms import FormError, LrmxForm, parse_many
from app.forms.archives import ArchiveTooLarge
from app.forms.records import differences, form_from_stored, stored_fields, summary
from app.models import AppointmentForm, Cadre
from app.records import service as records
from app.records.kinds.assessments import ASSESSMENTS
from app.records.kinds.posts import POSTS
from app.security.pii import PiiCipher
from app.vetting.facts_loader import FactsLoader
from app.vetting.rulebooks import Rulebooks
from app.vetting.schemas import CheckRequest
from app.vetting.service import VettingService, check


@dataclass(frozen=True)
class Options:
    vet: Purpose | None = None
    target_org_unit_id: UUID | None = None
    consult: bool = False
    as_of: date | None = None


@dataclass
class FormsService:
    session: AsyncSession
    ctx: Context
    cipher: PiiCipher
    rulebooks: Rulebooks
    settings: Settings

    def _require(self, scope: Scope, why: str) -> None:
        if not self.ctx.principal.has(scope):
            raise Forbidden(f"{why} needs the scope {scope.value}.", required_scopes=[scope.value])

    async def receive(self, data: bytes, filename: str | None, options: Options) -> list[Any]:
        if options.vet:
            self._require(Scope.VETTING_CHECK, "vet=")
        if options.consult:
            self._require(Scope.CONSULTATIONS_REQUEST, "consult=true")
            if options.target_org_unit_id is None:
                raise Unprocessable(
                    "consult=true needs target_org_unit_id (the post's unit).",
                    errors=[("query.target_org_unit_id", "required")],
                )
        parsed = _parse(data, filename)
        bad = [(name, item) for name, item in parsed if isinstance(item, FormError)]
        if bad or not parsed:
            raise Unprocessable(
                "The form cannot be read; nothing was recorded."
                if parsed
                else "The archive holds no .lrmx form.",
                errors=[(f"{name}:{error.field}", error.message) for name, error in bad]
                or [("body", "no form")],
            )
        digest = hashlib.sha256(data).hexdigest()
        return [
            await self._one(name, form, digest, options)
            for name, form in parsed
            if isinstance(form, LrmxForm)
        ]

    async def _cadre(self, form: LrmxForm) -> tuple[UUID, bool]:
        if form.id_number is None:
            raise Unprocessable(
                "The form has no ID number (ShenFenZheng).", errors=[("ShenFenZheng", "required")]
            )
        digest = self.cipher.lookup_hash(form.id_number.value)
        existing = await self.session.scalar(select(Cadre.id).where(Cadre.id_number_hash == digest))
        if existing is not None:
            # The form is kept with the cadre's record and compared with it: a write and a read
            # of that record, limited to the client's jurisdiction like any other.
            if not await jurisdiction.cadre_is_visible(self.session, self.ctx.principal, existing):
                # Answered as recording that cadre anew would be: the number is taken, by whom
                # is not this client's to know.
                raise Conflict(
                    "A cadre with this ID number already exists.",
                    errors=[("ShenFenZheng", "already recorded")],
                )
            return existing, False
        created = await cadres.create(
            self.session,
            self.ctx,
            CadreCreate(id_number=form.id_number.value, name=form.name or "（未填写姓名）"),
            self.cipher,
        )
        return created.id, True

    async def _one(self, name: str, form: LrmxForm, digest: str, options: Options) -> Any:
        with one_event(
            self.session, self.ctx, "appointment_form.received", "appointment_form"
        ) as event:
            cadre_id, created = await self._cadre(form)
            row = AppointmentForm(
                id=uuid.uuid4(),
                cadre_id=cadre_id,
                cadre_created=created,
                filename=name,
                sha256=digest,
                summary=stored_fields(form),
                received_by=self.ctx.principal.client_id,
            )
            self.session.add(row)
            await self.session.flush()
            event.target_id = row.id
            event.summary = {"cadre_id": cadre_id, "cadre_created": created, "filename": name}
            outcome = await self._outcome(row, form, options)
        return outcome

    async def _outcome(self, row: AppointmentForm, form: LrmxForm, options: Options) -> Any:
        known_at = clock.now()
        facts = (
            await FactsLoader(self.session, self.settings.timezone).load([row.cadre_id], known_at)
        ).get(row.cadre_id)
        cadre = await self.session.get(Cadre, row.cadre_id)
        assert cadre is not None
        result: dict[str, Any] = {
            "form_id": row.id,
            "filename": row.filename,
            "cadre": {"id": row.cadre_id, "created": row.cadre_created},
            "read": summary(form, cadre.id_number_masked, self.ctx.principal.has(Scope.PII_READ)),
            "differences": differences(form, facts),
            "decision": None,
            "consultation": None,
        }
        if options.vet:
            result["decision"] = await self._vet(row.cadre_id, options)
        if options.consult:
            result["consultation"] = await self._consult(row.cadre_id, form, options)
        return result

    async def _vet(self, cadre_id: UUID, options: Options) -> dict[str, Any]:
        service = VettingService(self.session, self.cipher, self.rulebooks, self.settings.timezone)
        request = CheckRequest(
            cadre_id=cadre_id,
            purpose=options.vet,
            as_of=options.as_of,
            target_org_unit_id=options.target_org_unit_id,
        )
        return await check(service, self.ctx, request)

    async def _consult(self, cadre_id: UUID, form: LrmxForm, options: Options) -> Any:
        assert options.target_org_unit_id is not None
        body = ConsultationRequest(
            cadre_id=cadre_id,
            proposed_org_unit_id=options.target_org_unit_id,
            proposed_title=(form.proposed_post or "拟任职务")[:200],
            requesting_unit=(form.submitting_unit or "呈报单位（任免审批表未填写）")[:200],
            as_of=options.as_of,
            purpose=options.vet
            if options.vet in (Purpose.APPOINTMENT, Purpose.PROMOTION, Purpose.SOE_HEAD_APPOINTMENT)
            else None,
        )
        service = Consultations(self.session, self.ctx, self.cipher, self.rulebooks, self.settings)
        row = await service.request(body)
        await self.session.refresh(row)
        return present(row, self.settings)

    async def apply(self, form_id: UUID, posts: list[Any], years: list[int]) -> dict[str, Any]:
        """Record the chosen career entries as posts and the chosen years as annual
        assessments: all in this transaction or none."""
        row = await self.session.get(AppointmentForm, form_id, with_for_update=True)
        if row is None or not await jurisdiction.cadre_is_visible(
            self.session, self.ctx.principal, row.cadre_id
        ):
            raise NotFound(f"No appointment form {form_id}.")
        cadre = await self.session.get(Cadre, row.cadre_id)
        assert cadre is not None
        form = form_from_stored(row.summary, self.cipher.decrypt(cadre.id_number_cipher))
        by_line = {e.line: e for e in form.career.entries}
        created: dict[str, list[UUID]] = {"posts": [], "assessments": []}
        with one_event(
            self.session, self.ctx, "appointment_form.applied", "appointment_form"
        ) as event:
            event.target_id = form_id
            for index, choice in enumerate(posts):
                entry = by_line.get(choice.line)
                if entry is None:
                    raise Unprocessable(
                        f"Line {choice.line} of the career was not read as a dated entry.",
                        errors=[(f"body.posts.{index}.line", "no such career entry")],
                    )
                created["posts"].append(await self._post(row.cadre_id, entry, choice))
            for index, year in enumerate(years):
                grade = form.assessments.grades.get(year)
                if grade is None:
                    raise Unprocessable(
                        f"The form states no annual grade for {year}.",
                        errors=[(f"body.assessments.{index}", "not on the form")],
                    )
                created["assessments"].append(await self._assessment(row.cadre_id, year, grade))
            event.summary = {
                "posts": len(created["posts"]),
                "assessments": len(created["assessments"]),
            }
        row.applied_at = clock.now()
        return created

    async def _post(self, cadre_id: UUID, entry: Any, choice: Any) -> UUID:
        start = date(entry.start.year, entry.start.month, 1)
        end = None
        if entry.end is not None:
            end = _month_end(entry.end.year, entry.end.month)
        payload = POSTS.create.model_validate(
            {
                "cadre_id": cadre_id,
                "org_unit_id": choice.org_unit_id,
                "title": (choice.title or entry.text)[:200],
                "position": choice.position,
                "safety_role": choice.safety_role,
                "team_rank": choice.team_rank,
                "start_date": start.isoformat(),
                "end_date": end.isoformat() if end else None,
            }
        )
        created = await records.create(self.session, self.ctx, POSTS, payload)
        return created.id  # type: ignore[no-any-return]

    async def _assessment(self, cadre_id: UUID, year: int, grade: Any) -> UUID:
        payload = ASSESSMENTS.create.model_validate(
            {
                "subject": "cadre",
                "cadre_id": cadre_id,
                "kind": "annual",
                "year": year,
                "grade": grade.value,
                "notes": "据干部任免审批表录入",
            }
        )
        try:
            created = await records.create(self.session, self.ctx, ASSESSMENTS, payload)
        except Conflict:
            raise Conflict(
                f"The record already holds an annual assessment for {year}; "
                "correct it by amendment.",
                errors=[("body.assessments", str(year))],
            ) from None
        return created.id  # type: ignore[no-any-return]


def _parse(data: bytes, filename: str | None) -> list[tuple[str, LrmxForm | FormError]]:
    """The forms sent; a refused archive as a problem naming why (413 when too big)."""
    try:
        return parse_many(data, filename)
    except FormError as error:
        refused = PayloadTooLarge if isinstance(error, ArchiveTooLarge) else Unprocessable
        raise refused(
            f"The archive is refused: {error.message}; nothing was recorded.",
            errors=[(error.field, error.message)],
        ) from None


def _month_end(year: int, month: int) -> date:
    from calendar import monthrange

    return date(year, month, monthrange(year, month)[1])

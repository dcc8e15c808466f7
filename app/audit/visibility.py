"""Which audit events a jurisdiction-bound client may read: those whose target lies within its
jurisdiction (by the target's cadre or org unit, per `app.auth.jurisdiction`), and those it
made itself. Every target kind the service writes is mapped here; an unmapped kind is shown to
unbound clients only (deny by default), and a test holds the map complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, cast, false, or_, select

from app.auth import jurisdiction
from app.auth.principal import Principal
from app.models import (
    Accident,
    AccountabilityCase,
    ApiClient,
    AppointmentForm,
    Assessment,
    AuditEvent,
    Cadre,
    CadreInvestigation,
    CadreStatusEvent,
    Commendation,
    Consultation,
    Contribution,
    DutyPerformance,
    ImportBatch,
    Inspection,
    OrgUnit,
    Post,
    SupervisionItem,
    VettingDecision,
    WebhookDelivery,
    WebhookSubscription,
)


@dataclass(frozen=True)
class Subject:
    """Where a target kind's rows name their cadre and/or org unit (any one in reach will do)."""

    id_column: Any
    cadre_columns: tuple[Any, ...] = ()
    org_unit_columns: tuple[Any, ...] = ()


def _client_units(column: Any) -> Any:
    """The org unit of the API client named by `column` (a scalar subquery)."""
    return select(ApiClient.org_unit_id).where(ApiClient.id == column).scalar_subquery()


SUBJECTS: dict[str, Subject] = {
    "cadre": Subject(Cadre.id, cadre_columns=(Cadre.id,)),
    "org_unit": Subject(OrgUnit.id, org_unit_columns=(OrgUnit.id,)),
    "post": Subject(Post.id, (Post.cadre_id,), (Post.org_unit_id,)),
    "assessment": Subject(Assessment.id, (Assessment.cadre_id,), (Assessment.org_unit_id,)),
    "accident": Subject(Accident.id, org_unit_columns=(Accident.org_unit_id,)),
    "accountability_case": Subject(AccountabilityCase.id, (AccountabilityCase.cadre_id,)),
    "commendation": Subject(Commendation.id, (Commendation.cadre_id,)),
    "contribution": Subject(Contribution.id, (Contribution.cadre_id,)),
    "cadre_investigation": Subject(CadreInvestigation.id, (CadreInvestigation.cadre_id,)),
    "duty_performance": Subject(DutyPerformance.id, (DutyPerformance.cadre_id,)),
    "cadre_status_event": Subject(CadreStatusEvent.id, (CadreStatusEvent.cadre_id,)),
    "inspection": Subject(Inspection.id, org_unit_columns=(Inspection.org_unit_id,)),
    "supervision_item": Subject(
        SupervisionItem.id, org_unit_columns=(SupervisionItem.org_unit_id,)
    ),
    "consultation": Subject(
        Consultation.id,
        (),
        (Consultation.proposed_org_unit_id, Consultation.requesting_org_unit_id),
    ),
    "appointment_form": Subject(AppointmentForm.id, (AppointmentForm.cadre_id,)),
    "vetting_decision": Subject(VettingDecision.id, (VettingDecision.cadre_id,)),
    "api_client": Subject(ApiClient.id, org_unit_columns=(ApiClient.org_unit_id,)),
    "webhook": Subject(
        WebhookSubscription.id, org_unit_columns=(_client_units(WebhookSubscription.created_by),)
    ),
    "webhook_delivery": Subject(
        WebhookDelivery.id,
        org_unit_columns=(
            _client_units(
                select(WebhookSubscription.created_by)
                .where(WebhookSubscription.id == WebhookDelivery.subscription_id)
                .scalar_subquery()
            ),
        ),
    ),
    "import": Subject(ImportBatch.id, org_unit_columns=(_client_units(ImportBatch.imported_by),)),
}


def _within(principal: Principal, subject: Subject) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    for column in subject.cadre_columns:
        if (visible := jurisdiction.cadre_visible(principal, column)) is not None:
            conditions.append(visible)
    for column in subject.org_unit_columns:
        if (visible := jurisdiction.org_unit_visible(principal, column)) is not None:
            conditions.append(visible)
    return or_(*conditions) if conditions else false()


def events_visible(principal: Principal) -> ColumnElement[bool] | None:
    """The condition on `AuditEvent` for this client; None when it sees every event."""
    if principal.org_unit_id is None:
        return None
    by_kind = [
        (AuditEvent.target_kind == kind)
        & AuditEvent.target_id.in_(
            select(cast(subject.id_column, String)).where(_within(principal, subject))
        )
        for kind, subject in SUBJECTS.items()
    ]
    return or_(AuditEvent.actor_client_id == principal.client_id, *by_kind)

"""All SQLAlchemy models share one metadata; importing this package registers every table."""

from app.models.audit import (
    AuditCheckpoint,
    AuditEvent,
    AuditLogEntry,
    AuditQueued,
    AuditTreeHead,
)
from app.models.base import Base
from app.models.cadres import Cadre, CadreStatusEvent, CadreVersion
from app.models.clients import ApiClient
from app.models.consultations import (
    Consultation,
    ConsultationTransition,
    DocumentCounter,
    OpinionFile,
    OutboxEvent,
)
from app.models.forms import AppointmentForm
from app.models.idempotency import IdempotencyKey
from app.models.org_units import OrgUnit, OrgUnitVersion
from app.models.records import (
    VERSIONED_TABLES,
    Accident,
    AccountabilityCase,
    Assessment,
    CadreInvestigation,
    Commendation,
    Contribution,
    DutyPerformance,
    Inspection,
    Post,
    SupervisionItem,
)
from app.models.vetting import (
    FactsPart,
    FactsSnapshot,
    RulebookActivation,
    RulebookSubmission,
    RulebookText,
    VettingDecision,
)
from app.models.webhooks import (
    ImportBatch,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

__all__ = [
    "VERSIONED_TABLES",
    "Accident",
    "AccountabilityCase",
    "ApiClient",
    "AppointmentForm",
    "Assessment",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditLogEntry",
    "AuditQueued",
    "AuditTreeHead",
    "Base",
    "Cadre",
    "CadreInvestigation",
    "CadreStatusEvent",
    "CadreVersion",
    "Commendation",
    "Consultation",
    "ConsultationTransition",
    "Contribution",
    "DocumentCounter",
    "DutyPerformance",
    "FactsPart",
    "FactsSnapshot",
    "IdempotencyKey",
    "ImportBatch",
    "Inspection",
    "OpinionFile",
    "OrgUnit",
    "OrgUnitVersion",
    "OutboxEvent",
    "Post",
    "RulebookActivation",
    "RulebookSubmission",
    "RulebookText",
    "SupervisionItem",
    "VettingDecision",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
]

"""An opinion as the audit log records it: what `verify` answers from.

The `consultations` row is a projection that the workflow keeps current; what was decided is in
the log — the issue event states the number, recommendation, validity, issuing unit and content
hash, each later transition (revoked, superseded, stale, expired, closed) its new state, and
each kept file its SHA-256. Only events whose MAC the service made count (an event written by
hand is ignored here and reported by the log's verification), and they are read from their
logged entries, not from columns. So an `UPDATE consultations …` changes nothing verify says."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit.entries import parse
from app.db import SEALER
from app.models import AuditEvent
from app.security.sealer import Sealer

ISSUED = "consultation.issue"
FILE_KEPT = "consultation.opinion_file_kept"
# The values of an issue (or later transition) that the log keeps.
LEGAL_VALUES = (
    "recommendation",
    "override_reason",
    "issuing_org_unit_id",
    "document_number",
    "issued_at",
    "valid_until",
    "content_sha256",
    "superseded_by",
)


@dataclass
class LoggedOpinion:
    consultation_id: UUID
    state: str
    document_number: str
    recommendation: str
    valid_until: date
    content_sha256: str
    issuing_org_unit_id: UUID
    issued_on: date
    file_sha256: set[str] = field(default_factory=set)

    def current_state(self, today: date) -> str:
        if self.state == "issued" and self.valid_until < today:
            return "expired"
        return self.state


def legal_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in LEGAL_VALUES and v is not None}


async def logged_opinion(session: AsyncSession, consultation_id: UUID) -> LoggedOpinion | None:
    """The opinion as the consultation's vouched-for events state it; None if never issued."""
    sealer: Sealer = session.info[SEALER]
    target = str(consultation_id)
    # Its own events, and the events of one write that changed it among other steps (a reissue
    # supersedes the old consultation in the new one's event).
    query = select(AuditEvent.entry, AuditEvent.mac).where(
        AuditEvent.target_kind == "consultation",
        or_(
            AuditEvent.target_id == target,
            AuditEvent.summary.contains({"steps": [{"target_id": target}]}),
        ),
    )
    stated: list[tuple[datetime, str, dict[str, Any]]] = []
    for entry, mac in (await session.execute(query)).all():
        if not sealer.vouches_for(entry, mac):
            continue
        event = parse(entry)
        if event["target_id"] == target:
            stated.append((event["occurred_at"], event["action"], event["summary"]))
        for step in event["summary"].get("steps", []):
            if step.get("target_kind") == "consultation" and step.get("target_id") == target:
                stated.append((event["occurred_at"], step["action"], step))
    stated.sort(key=lambda e: (e[0], e[1] != ISSUED))
    opinion: LoggedOpinion | None = None
    for _, action, summary in stated:
        if action == ISSUED and opinion is None:
            values = summary.get("opinion") or {}
            try:
                issued_at = datetime.fromisoformat(values["issued_at"])
                opinion = LoggedOpinion(
                    consultation_id=consultation_id,
                    state="issued",
                    document_number=values["document_number"],
                    recommendation=values["recommendation"],
                    valid_until=date.fromisoformat(values["valid_until"]),
                    content_sha256=values["content_sha256"],
                    issuing_org_unit_id=UUID(values["issuing_org_unit_id"]),
                    issued_on=clock.local_date(issued_at),
                )
            except (KeyError, TypeError, ValueError):  # an issue logged before the log kept them
                return None
        elif opinion is not None and action == FILE_KEPT:
            opinion.file_sha256.add(str(summary.get("sha256")))
        elif opinion is not None and isinstance(summary.get("to"), str):
            opinion.state = summary["to"]
    return opinion


async def logged_with(session: AsyncSession, number: str | None, sha256: str | None) -> list[UUID]:
    """The consultations whose logged issue (or kept file) carries this number or hash, found
    in the log itself (the projection's columns may have been edited)."""
    if number is not None:
        conditions = [
            AuditEvent.action == ISSUED,
            AuditEvent.summary.contains({"opinion": {"document_number": number}}),
        ]
    else:
        conditions = [
            or_(
                (AuditEvent.action == ISSUED)
                & AuditEvent.summary.contains({"opinion": {"content_sha256": sha256}}),
                (AuditEvent.action == FILE_KEPT) & AuditEvent.summary.contains({"sha256": sha256}),
            )
        ]
    query = (
        select(AuditEvent.target_id)
        .where(AuditEvent.target_kind == "consultation", *conditions)
        .distinct()
        .limit(10)
    )
    return [UUID(t) for t in (await session.execute(query)).scalars() if t]

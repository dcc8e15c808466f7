"""Wire schemas for the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from app.schemas import AwareDatetime, InputModel


class AuditEventOut(BaseModel):
    log_index: int | None = Field(
        description="Index of the event in the transparency log (null while it waits for the "
        "sequencer, a fraction of a second after commit)."
    )
    id: UUID
    occurred_at: datetime
    actor_client_id: UUID | None
    actor_name: str
    action: str = Field(examples=["accountability_case.created"])
    target_kind: str
    target_id: str | None
    request_id: str | None
    client_ip: str | None
    summary: dict[str, Any]
    leaf_hash: str | None = Field(description="RFC 9162 leaf hash of the entry (hex).")


class AuditPage(BaseModel):
    items: list[AuditEventOut]
    total: int
    limit: int
    offset: int


class AuditFilters(InputModel):
    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0, le=10_000_000)
    actor_client_id: UUID | None = None
    action: str | None = Field(default=None, max_length=80)
    target_kind: str | None = Field(default=None, max_length=60)
    target_id: str | None = Field(default=None, max_length=80)
    request_id: str | None = Field(default=None, max_length=128)
    occurred_from: AwareDatetime | None = None
    occurred_to: AwareDatetime | None = None


class LogProblem(BaseModel):
    index: int | None = Field(
        description="Log index where the log stops being what was signed (null: a problem "
        "outside the log, e.g. a checkpoint or an event that never reached it)."
    )
    event_id: UUID | None
    reason: str


class CheckpointOut(BaseModel):
    id: int
    size: int = Field(description="Tree size: the number of entries the checkpoint covers.")
    root_hash: str = Field(description="RFC 9162 root hash (hex).")
    signed_at: datetime
    note: str = Field(
        description="The signed checkpoint as a C2SP signed note (origin, size, base64 root, "
        "blank line, signature line): give this text to an auditor."
    )


class LogVerification(BaseModel):
    intact: bool
    size: int = Field(description="Entries in the log.")
    root_hash: str = Field(description="Root of the tree recomputed from the entries (hex).")
    pending: int = Field(description="Events committed but not yet in the log.")
    latest_checkpoint: CheckpointOut | None
    first_problem: LogProblem | None = None


class LogKey(BaseModel):
    origin: str
    verifier_key: str = Field(
        description="The log's public key as a signed-note verifier key "
        "(`<name>+<key id>+<base64(0x01 || Ed25519 key)>`): pin it in the auditor."
    )


class CheckpointPage(BaseModel):
    items: list[CheckpointOut]
    limit: int
    offset: int


class InclusionProof(BaseModel):
    event_id: UUID
    index: int
    tree_size: int
    leaf_hash: str
    hashes: list[str] = Field(description="RFC 9162 audit path, deepest sibling first (hex).")
    checkpoint: CheckpointOut = Field(description="The signed checkpoint the proof is against.")


class ConsistencyProof(BaseModel):
    first: int
    second: int
    hashes: list[str] = Field(description="RFC 9162 consistency proof (hex).")


class LogEntryOut(BaseModel):
    index: int
    event_id: UUID
    entry: str = Field(
        description="The entry's canonical bytes (base64): the leaf is "
        "SHA-256(0x00 || these bytes)."
    )
    mac: str = Field(description="The service's HMAC-SHA256 over the entry (base64).")


class LogEntries(BaseModel):
    start: int
    items: list[LogEntryOut]
    tree_size: int = Field(description="Entries in the log now.")

"""An issued opinion's files: the PDF and HTML produced once, kept (opinion_files) and served
byte for byte ever after, each logged with its SHA-256.

They are made right after the issue commits (in the background of the issuing request) or, if
that did not happen, by the first download. By then the issue is in the audit log: the letter
prints its log index and the signed checkpoint that covers it, and where to verify it."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import replace
from typing import Any
from urllib.parse import quote
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit import log
from app.audit.checkpoint import Signer
from app.audit.service import record as audit
from app.config import Settings
from app.consultations import repository
from app.consultations.document import document_from_json
from app.consultations.letter import LogSeal
from app.consultations.record import FILE_KEPT, ISSUED
from app.consultations.stamp import Stamp
from app.context import Context
from app.models import AuditEvent, Consultation
from app.uow import unit_of_work

FORMATS = ("pdf", "html")
_log = logging.getLogger(__name__)


async def seal_of(
    session: AsyncSession, row: Consultation, signer: Signer, settings: Settings
) -> LogSeal | None:
    """Where the issue stands in the log (integrating it and signing a checkpoint if needed);
    None if another sequencer holds the log at this instant."""
    issued = await session.scalar(
        select(AuditEvent.id).where(
            AuditEvent.target_kind == "consultation",
            AuditEvent.target_id == str(row.id),
            AuditEvent.action == ISSUED,
        )
    )
    if issued is None:
        return None
    place = await log.index_of(session, issued)
    if place is None:
        await log.integrate_all(session)
        place = await log.index_of(session, issued)
        if place is None:
            return None
    checkpoint = await log.latest_checkpoint(session)
    if checkpoint is None or checkpoint.size <= place[0]:
        checkpoint = await log.sign_checkpoint(session, signer)
    if checkpoint.size <= place[0]:
        return None
    number = quote(row.document_number or "", safe="")
    base = (settings.public_base_url or "").rstrip("/")
    return LogSeal(
        index=place[0],
        tree_size=checkpoint.size,
        root_hash=checkpoint.root.hex(),
        verify_url=f"{base}/v1/opinions/verify?number={number}",
    )


_STAMP_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}


def stamp_of(settings: Settings, document_number: str) -> Stamp | None:
    """The issuing unit's seal image, if the operator has put one in `VETTING_SEAL_DIR` under
    the unit's document prefix (the part of the number before 〔year〕)."""
    if settings.seal_dir is None:
        return None
    prefix = document_number.split("〔", 1)[0].strip()
    if not prefix or "/" in prefix or prefix.startswith("."):
        return None
    for suffix, media_type in _STAMP_TYPES.items():
        path = settings.seal_dir / f"{prefix}{suffix}"
        if path.is_file():
            return Stamp(path.read_bytes(), media_type)
    return None


async def freeze(
    session: AsyncSession, ctx: Context, row: Consultation, signer: Signer, settings: Settings
) -> None:
    """Produce and keep whichever of the files is not kept yet, logging each one kept."""
    # Local for start-up cost only: the typesetter and its fonts load when a letter is made.
    from app.consultations.render import render_html
    from app.consultations.typeset import render_pdf

    if row.document is None:
        return
    missing = [f for f in FORMATS if await repository.opinion_file(session, row.id, f) is None]
    if not missing:
        return
    document = document_from_json(row.document)
    seal = await seal_of(session, row, signer, settings)
    for format in missing:
        # Typesetting is CPU work: off the event loop, so other requests go on meanwhile.
        if format == "pdf":
            stamp = stamp_of(settings, document.document_number)
            content = await asyncio.to_thread(render_pdf, document, seal, stamp)
        else:
            content = (await asyncio.to_thread(render_html, document, seal)).encode("utf-8")
        digest = hashlib.sha256(content).hexdigest()
        if await repository.keep_opinion_file(session, row.id, format, content, digest):
            summary: dict[str, Any] = {"format": format, "sha256": digest, "bytes": len(content)}
            audit(session, ctx, FILE_KEPT, "consultation", row.id, summary)


async def freeze_after_issue(
    maker: async_sessionmaker[AsyncSession],
    ctx: Context,
    consultation_id: UUID,
    signer: Signer,
    settings: Settings,
) -> None:
    """The issuing request's background step, once its answer is committed and sent: a unit
    of work of its own, under a request id of its own (`<issuing request>/files`)."""
    ctx = replace(ctx, request_id=f"{(ctx.request_id or '')[:100]}/files")
    try:
        async with unit_of_work(maker) as session:
            row = await session.get(Consultation, consultation_id)
            if row is not None:
                await freeze(session, ctx, row, signer, settings)
    except Exception:  # the first download makes them instead
        _log.warning("opinion files of %s not made after issue", consultation_id, exc_info=True)

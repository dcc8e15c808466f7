"""The rulebooks this service ships, loaded once, and the stored texts of older versions."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.service import record
from app.context import system_context
from app.errors import AppError, NotFound
from app.models import AuditEvent, RulebookText
from app.uow import unit_of_work
from app.vetting.rules import DEFAULT_RULEBOOK, Rulebook, available_rulebooks
from app.vetting.rules.rulebook import RULEBOOK_DIR
from app.vetting.rules.rulebook_parse import parse_rulebook


def parse_text(content: str, source: str) -> Rulebook:
    """A rulebook from its exact text (as stored with the decisions that used it)."""
    raw = content.encode("utf-8")
    return parse_rulebook(tomllib.loads(content), hashlib.sha256(raw).hexdigest(), source)


@dataclass
class Rulebooks:
    by_id: dict[str, Rulebook] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # sha256 -> exact text
    default_id: str = DEFAULT_RULEBOOK

    @classmethod
    def shipped(cls) -> Rulebooks:
        books = cls()
        for name in available_rulebooks():
            content = (RULEBOOK_DIR / f"{name}.toml").read_bytes().decode("utf-8")
            rulebook = parse_text(content, f"{name}.toml")
            books.by_id[rulebook.id] = rulebook
            books.texts[rulebook.sha256] = content
        return books

    def find(self, rulebook_id: str | None) -> Rulebook | AppError:
        rulebook = self.by_id.get(rulebook_id or self.default_id)
        if rulebook is None:
            known = ", ".join(sorted(self.by_id))
            return NotFound(
                f"No rulebook {rulebook_id!r}; available: {known}.",
                errors=[("body.rulebook", "unknown rulebook")],
            )
        return rulebook

    def text_of(self, sha256: str) -> tuple[str, str, str, str]:
        rulebook = next(r for r in self.by_id.values() if r.sha256 == sha256)
        return sha256, rulebook.id, rulebook.version, self.texts[sha256]


async def publish_shipped(maker: async_sessionmaker[AsyncSession], books: Rulebooks) -> int:
    """Log the publication of every shipped rulebook version the log does not know yet (at a
    server's start): a change of the rules is an event in the audit log, with the exact text's
    hash, and the text itself is kept (rulebook_texts) under that hash. How many were new."""
    published = 0
    async with unit_of_work(maker) as session:
        for book in books.by_id.values():
            known = await session.scalar(
                select(AuditEvent.id).where(
                    AuditEvent.target_kind == "rulebook",
                    AuditEvent.target_id == book.sha256,
                    AuditEvent.action == "rulebook.published",
                )
            )
            if known is not None:
                continue
            await session.execute(
                pg_insert(RulebookText)
                .values(
                    sha256=book.sha256,
                    rulebook_id=book.id,
                    version=book.version,
                    content=books.texts[book.sha256],
                )
                .on_conflict_do_nothing()
            )
            summary = {"rulebook_id": book.id, "version": book.version}
            record(
                session,
                system_context("rulebooks"),
                "rulebook.published",
                "rulebook",
                book.sha256,
                summary,
            )
            published += 1
    return published

"""Which duties (职责清单) a post carried, from the rulebook of its unit's jurisdiction in force
on the day: for the checks of records that name duties (`RulebookDuties`, the records layer's
`DutyCatalogue`) and, over a whole tenure, for dossiers, histories and opinion letters
(`tenure_duties`).

A tenure can span several versions of the rules (the central 规定 took effect on 2018-04-08,
Sichuan's 细则 on 2018-08-08, Luzhou's 办法 in 2018-11): it is shown as segments, each with the
rulebook version in force over it and the lists that version gives the post's role in its kind
of unit. Before any rules were in force a segment carries no list and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.enums import OrgUnitKind, SafetyRole
from app.models import OrgUnit, Post
from app.records import duty_catalogue
from app.records.duty_catalogue import CarriedDuty
from app.vetting import repository, rulebooks
from app.vetting.rulebooks import Resolution, Rulebooks, Unit
from app.vetting.rules import Rulebook
from app.vetting.rules.duties import CarriedList, citation_zh


@dataclass(frozen=True)
class Tenure:
    """A post as duty lists need it."""

    post_id: UUID
    org_unit_id: UUID
    unit_kind: OrgUnitKind
    role: SafetyRole
    start: date
    end: date | None


def _duties(book: Rulebook, lists: Sequence[CarriedList]) -> dict[str, CarriedDuty]:
    return {
        duty.code: CarriedDuty(
            code=duty.code,
            list_id=carried.duty_list.list_id,
            item=duty.item,
            citation_zh=citation_zh(carried.duty_list, duty),
            text_zh=duty.zh,
            text_en=duty.en,
            wording=duty.wording.value,
            rulebook_id=book.id,
            rulebook_version=book.version,
        )
        for carried in lists
        for duty in carried.duty_list.duties
    }


class RulebookDuties:
    """The `DutyCatalogue` the server binds to its sessions, over its live registry."""

    def __init__(self, books: Rulebooks) -> None:
        self.books = books

    async def _walks(self, session: AsyncSession, units: Sequence[UUID]) -> dict[UUID, list[Unit]]:
        found = await repository.coded_ancestors(session, list(set(units)))
        return {unit: [Unit(i, code) for i, code in walk] for unit, walk in found.items()}

    def governing(self, walk: Sequence[Unit], day: date) -> Rulebook:
        resolution = self.books.resolve(None, day, walk)
        assert isinstance(resolution, Resolution)  # no rulebook named: always resolves
        return resolution.rulebook

    async def carried(self, session: AsyncSession, post: Post, day: date) -> dict[str, CarriedDuty]:
        kind = await session.scalar(select(OrgUnit.kind).where(OrgUnit.id == post.org_unit_id))
        walks = await self._walks(session, [post.org_unit_id])
        book = self.governing(walks.get(post.org_unit_id, []), day)
        if kind is None or not book.in_force(day):
            return {}
        return _duties(book, book.duties.carried(SafetyRole(post.safety_role), OrgUnitKind(kind)))

    def knows(self, code: str) -> bool:
        return any(
            self.books.compose(self.books.stack(layer, layer.effective_from)).duties.find(code)
            for layer in self.books.layers()
        )

    async def tenures(
        self, session: AsyncSession, tenures: Sequence[Tenure], today: date
    ) -> dict[UUID, list[dict[str, Any]]]:
        """For each post, its tenure cut where the rules in force changed (to `today` for a
        post still held), with the duty lists of each segment."""
        walks = await self._walks(session, [t.org_unit_id for t in tenures])
        starts = sorted({layer.effective_from for layer in self.books.layers()})
        return {
            t.post_id: self._segments(t, walks.get(t.org_unit_id, []), starts, today)
            for t in tenures
        }

    def _segments(
        self, tenure: Tenure, walk: Sequence[Unit], starts: Sequence[date], today: date
    ) -> list[dict[str, Any]]:
        end = tenure.end if tenure.end is not None else max(today, tenure.start)
        cuts = [tenure.start, *(d for d in starts if tenure.start < d <= end)]
        segments: list[dict[str, Any]] = []
        previous: tuple[Any, ...] | None = None
        for n, day in enumerate(cuts):
            until = cuts[n + 1] - timedelta(days=1) if n + 1 < len(cuts) else tenure.end
            book = self.governing(walk, day)
            in_force = book.in_force(day)
            lists = book.duties.carried(tenure.role, tenure.unit_kind) if in_force else ()
            key = (book.id, book.version, in_force, lists)
            if key == previous:
                segments[-1]["until"] = until
                continue
            previous = key
            segments.append(
                {
                    "start": day,
                    "until": until,
                    "rulebook": {"id": book.id, "version": book.version},
                    "in_force": in_force,
                    "duty_lists": [c.describe() for c in lists],
                }
            )
        return segments


def carry(session: AsyncSession, books: Rulebooks | None = None) -> None:
    """Let a session made outside the app (the demo loader's, a script's) carry the rulebooks
    and the duty catalogue over them, unless it already does (`handlers.bind_rules` does this
    for a server's sessionmaker)."""
    if duty_catalogue.SESSION_KEY in session.info:
        return
    found = books or rulebooks.of_session(session) or Rulebooks.shipped()
    session.info.setdefault(rulebooks.SESSION_KEY, found)
    session.info[duty_catalogue.SESSION_KEY] = RulebookDuties(found)

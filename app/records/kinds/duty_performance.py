"""Duty performance (履职评定): how a cadre performed the safety duties of one post in a year,
duty by duty — performed, partly or not — with references to the evidence. Kept like every
record (amendments, revocation, known_at); each entry keeps the duty as the post carried it at
the end of that year (or of the tenure, if it ended within the year)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from app.context import Context
from app.domain.enums import DutyPerformance as Performance
from app.domain.enums import DutyWording
from app.errors import Unprocessable
from app.models import DutyPerformance, Post
from app.records import duty_catalogue, references
from app.records.filters import CadreFilters
from app.records.kind import RecordKind, Values, default_to_input
from app.schemas import InputModel, IsoDate, RecordMeta, ShortText, Year

Evidence = Annotated[str, Field(min_length=1, max_length=500)]


class PerformanceEntryIn(InputModel):
    duty_code: Annotated[str, Field(min_length=1, max_length=60, examples=["central.8.2"])]
    performance: Performance
    evidence: Annotated[list[Evidence], Field(max_length=20)] = Field(
        default_factory=list,
        description="References to the evidence (document numbers, minutes, inspection ids).",
    )


class PerformanceEntryRead(BaseModel):
    duty_code: str
    performance: Performance
    evidence: list[str]
    list_id: str
    item: int
    citation_zh: str
    text_zh: str
    text_en: str
    wording: DutyWording
    rulebook_id: str
    rulebook_version: str


class DutyPerformanceCreate(InputModel):
    cadre_id: UUID
    post_id: UUID = Field(description="The post whose duties are assessed (held in `year`).")
    year: Year
    assessed_on: IsoDate
    authority: ShortText | None = Field(default=None, examples=["中共泸州市委组织部"])
    entries: Annotated[list[PerformanceEntryIn], Field(min_length=1, max_length=60)] = Field(
        description="One per duty assessed, each a duty the post carried that year "
        "(GET /v1/rulebooks/{id}/duties)."
    )
    notes: Annotated[str, Field(max_length=20000)] | None = None


class DutyPerformanceRead(RecordMeta):
    cadre_id: UUID
    post_id: UUID
    year: int
    assessed_on: date
    authority: str | None
    entries: list[PerformanceEntryRead]
    notes: str | None


class DutyPerformanceFilters(CadreFilters):
    year: Year | None = None
    post_id: UUID | None = None


async def prepare_performance(session: AsyncSession, ctx: Context, values: Values) -> Values:
    await references.cadre(session, ctx.principal, values["cadre_id"])
    post: Post = await references.live_record(
        session, ctx.principal, Post, values["post_id"], "post_id", "post"
    )
    if post.cadre_id != values["cadre_id"]:
        raise Unprocessable(
            "The post named belongs to another cadre.",
            errors=[("body.post_id", "not a post of this cadre")],
        )
    year = values["year"]
    first, last = date(year, 1, 1), date(year, 12, 31)
    if post.start_date > last or (post.end_date is not None and post.end_date < first):
        raise Unprocessable(
            "The post was not held in that year. / 该年度未担任该职务。",
            errors=[("body.year", f"post {post.id} was not held in {year}")],
        )
    if values["assessed_on"] < first:
        raise Unprocessable(
            "A year's performance is assessed in or after that year.",
            errors=[("body.assessed_on", f"before {first.isoformat()}")],
        )
    entries = values["entries"]
    named = [(post, e["duty_code"]) for e in entries]
    duties = await duty_catalogue.check_duties(session, named, last, "body.entries")
    stored = [
        {
            **{k: v for k, v in duty.items() if k != "post_id"},
            "performance": str(entry["performance"]),
            "evidence": list(entry["evidence"]),
        }
        for duty, entry in zip(duties, entries, strict=True)
    ]
    return {**values, "entries": stored}


async def check_reference(session: AsyncSession, ctx: Context, values: Values) -> None:
    """A record's `duty_performance_id`, if set, names a live duty-performance record of the
    same cadre (an assessment or investigation that relied on it)."""
    record_id = values.get("duty_performance_id")
    if record_id is None:
        return
    found = await references.live_record(
        session,
        ctx.principal,
        DutyPerformance,
        record_id,
        "duty_performance_id",
        "duty performance record",
    )
    if found.cadre_id != values.get("cadre_id"):
        raise Unprocessable(
            "The duty performance record is not this cadre's.",
            errors=[("body.duty_performance_id", "not a record of this cadre")],
        )


def performance_input(row: Any) -> Values:
    """A stored record as create input (for amendments)."""
    values = default_to_input(DUTY_PERFORMANCES, row)
    values["entries"] = [
        {"duty_code": e["duty_code"], "performance": e["performance"], "evidence": e["evidence"]}
        for e in row.entries
    ]
    return values


DUTY_PERFORMANCES = RecordKind(
    name="duty_performance",
    plural="duty-performances",
    title="Duty performance",
    title_zh="履职评定",
    model=DutyPerformance,
    create=DutyPerformanceCreate,
    read=DutyPerformanceRead,
    filters=DutyPerformanceFilters,
    identity=("cadre_id",),
    order_by=("-year",),
    prepare=prepare_performance,
    to_input=performance_input,
)

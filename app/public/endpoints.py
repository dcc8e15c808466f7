"""Disclosure (考核公开制度): published assessment results, readable without a key, as JSON and
as a plain Chinese HTML page — names and posts only, never ID numbers. Cacheable."""

import hashlib
from datetime import date, timedelta
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo

import orjson
from fastapi import APIRouter, Header, Query, Response
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.deps import SettingsDep
from app.domain.enums import AssessmentKind, AssessmentSubject, ChangeKind
from app.domain.labels import zh
from app.errors import problem_responses
from app.models import Assessment, CadreVersion, OrgUnit, Post
from app.public.page import render_page
from app.public.schemas import PublicResult, PublicResults
from app.records.repository import latest
from app.uow import ReadSessionDep

router = APIRouter(prefix="/v1/public", tags=["public"])
CACHE_CONTROL = "public, max-age=300"


def _published(year: int | None) -> Any:
    query = latest(Assessment).where(
        Assessment.published.is_(True),
        Assessment.change != ChangeKind.REVOKED,
        or_(
            Assessment.subject == AssessmentSubject.ORG_UNIT,
            Assessment.kind == AssessmentKind.SAFETY_DUTY,
        ),
    )
    return query.where(Assessment.year == year) if year else query


async def _posts_in_year(
    session: AsyncSession, pairs: set[tuple[UUID, int]], under: UUID | None
) -> dict[tuple[UUID, int], tuple[str, str]]:
    cadre_ids = list({c for c, _ in pairs})
    if not cadre_ids:
        return {}
    posts = (
        latest(Post)
        .where(Post.cadre_id.in_(cadre_ids), Post.change != ChangeKind.REVOKED)
        .subquery()
    )
    query = (
        select(posts, OrgUnit.name.label("unit_name"))
        .join(OrgUnit, OrgUnit.id == posts.c.org_unit_id)
        .order_by(posts.c.start_date)
    )
    if under is not None:
        query = query.where(OrgUnit.path.contains([under]))
    held: dict[tuple[UUID, int], tuple[str, str]] = {}
    for row in await session.execute(query):
        for cadre_id, year in pairs:
            if (
                cadre_id == row.cadre_id
                and row.start_date <= date(year, 12, 31)
                and (row.end_date is None or row.end_date >= date(year, 1, 1))
            ):
                held[(cadre_id, year)] = (row.unit_name, row.title)
    return held


async def _years(session: AsyncSession) -> list[int]:
    published = _published(None).subquery()
    rows = await session.execute(select(published.c.year).distinct().order_by(published.c.year))
    return [row[0] for row in rows][::-1]


async def _results(
    session: AsyncSession, year: int | None, under: UUID | None, zone: ZoneInfo
) -> list[PublicResult]:
    published = _published(year).subquery()
    units = await session.execute(
        select(published, OrgUnit.name.label("unit_name"))
        .join(OrgUnit, OrgUnit.id == published.c.org_unit_id)
        .where(OrgUnit.path.contains([under]) if under else and_(True))
    )
    names = latest(CadreVersion).subquery()
    cadres = (
        await session.execute(
            select(published, names.c.name.label("cadre_name")).join(
                names, names.c.id == published.c.cadre_id
            )
        )
    ).all()
    held = await _posts_in_year(session, {(r.cadre_id, r.year) for r in cadres}, under)
    out = [_result(r, r.unit_name, None, None, zone) for r in units]
    for row in cadres:
        post = held.get((row.cadre_id, row.year))
        if post is not None or under is None:
            unit, title = post or ("", None)
            out.append(_result(row, unit, row.cadre_name, title, zone))
    return sorted(out, key=lambda r: (-r.year, r.subject, r.org_unit, r.cadre_name or ""))


def _result(
    row: Any, unit: str, name: str | None, title: str | None, zone: ZoneInfo
) -> PublicResult:
    kind = AssessmentKind(row.kind)
    labels = {
        "excellent": "优秀",
        "competent": "称职",
        "basically_competent": "基本称职",
        "incompetent": "不称职",
        "good": "良好",
        "pass": "合格",
        "fail": "不合格",
    }
    return PublicResult(
        year=row.year,
        subject=row.subject,
        kind=kind,
        kind_label=zh(kind),
        grade=row.grade,
        grade_label=labels[row.grade],
        score=str(row.score) if row.score is not None else None,
        org_unit=unit,
        cadre_name=name,
        post=title,
        published_on=row.recorded_at.astimezone(zone).date(),
    )


def _cached(body: bytes, media_type: str, if_none_match: str | None) -> Response:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


Year = Annotated[int | None, Query(ge=1949, le=2100, description="Assessment year.")]
Under = Annotated[UUID | None, Query(alias="org_unit", description="Results in this subtree.")]
Subject = Annotated[
    AssessmentSubject | None,
    Query(description="Only units' results (org_unit) or only cadres' (cadre)."),
]
Limit = Annotated[int, Query(ge=1, le=500, description="Results per page.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Results to skip.")]
IfNoneMatch = Annotated[str | None, Header(include_in_schema=False)]


async def _page_of(
    session: AsyncSession,
    settings: Settings,
    year: int | None,
    under: UUID | None,
    subject: AssessmentSubject | None,
    limit: int,
    offset: int,
) -> PublicResults:
    zone = ZoneInfo(settings.timezone)
    found = await _results(session, year, under, zone)
    if subject is not None:
        found = [r for r in found if r.subject is subject]
    shown = found[offset : offset + limit]
    latest_day = max((r.published_on for r in found), default=None)
    until = None
    if latest_day is not None:
        until = latest_day + timedelta(days=settings.public_objection_days - 1)
    return PublicResults(
        year=year,
        org_unit_id=under,
        subject=subject,
        results=shown,
        total=len(found),
        limit=limit,
        offset=offset,
        next_offset=offset + limit if offset + limit < len(found) else None,
        years=await _years(session),
        publisher=settings.public_publisher,
        published_on=latest_day,
        objection_days=settings.public_objection_days,
        objections_until=until,
        contact=settings.public_contact,
    )


@router.get(
    "/assessment-results",
    response_model=PublicResults,
    responses={304: {"description": "Not modified"}, **problem_responses(422, 429, 503)},
    operation_id="list_public_assessment_results",
)
async def list_public_assessment_results(
    session: ReadSessionDep,
    settings: SettingsDep,
    year: Year = None,
    org_unit: Under = None,
    subject: Subject = None,
    limit: Limit = 100,
    offset: Offset = 0,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """Published safety-work results of units and safety-duty grades of leading cadres (names
    and posts only), a page at a time (`limit`, `offset`; `next_offset` names the next page),
    with the publishing body, the publication day and the 公示期. No key needed; send
    If-None-Match with the ETag to revalidate."""
    page = await _page_of(session, settings, year, org_unit, subject, limit, offset)
    return _cached(orjson.dumps(page.model_dump(mode="json")), "application/json", if_none_match)


@router.get(
    "/assessment-results.html",
    response_class=Response,
    responses={
        200: {"content": {"text/html": {}}, "description": "An HTML page"},
        304: {"description": "Not modified"},
        **problem_responses(422, 429, 503),
    },
    operation_id="public_assessment_results_page",
)
async def public_assessment_results_page(
    session: ReadSessionDep,
    settings: SettingsDep,
    year: Year = None,
    org_unit: Under = None,
    subject: Subject = None,
    limit: Limit = 100,
    offset: Offset = 0,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The same results as a disclosure page for a government website: responsive, printable,
    with navigation by year and kind and paging."""
    page = await _page_of(session, settings, year, org_unit, subject, limit, offset)
    return _cached(render_page(page).encode("utf-8"), "text/html; charset=utf-8", if_none_match)

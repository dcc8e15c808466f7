"""Disclosure (考核公开制度): published assessment results, readable without a key, as JSON and
as a plain Chinese HTML page — names and posts only, never ID numbers. Cacheable."""

import hashlib
import html
from collections import defaultdict
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.enums import AssessmentKind, AssessmentSubject, ChangeKind
from app.domain.labels import zh
from app.errors import problem_responses
from app.models import Assessment, CadreVersion, OrgUnit, Post
from app.records.repository import latest
from app.uow import SessionDep

router = APIRouter(prefix="/v1/public", tags=["public"])
CACHE_CONTROL = "public, max-age=300"


class PublicResult(BaseModel):
    year: int
    subject: AssessmentSubject
    kind: AssessmentKind
    kind_label: str
    grade: str
    grade_label: str
    score: str | None = None
    org_unit: str = Field(description="The unit assessed, or where the cadre served.")
    cadre_name: str | None = None
    post: str | None = Field(default=None, description="The cadre's post that year.")


class PublicResults(BaseModel):
    year: int | None
    org_unit_id: UUID | None
    results: list[PublicResult]


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


async def _results(
    session: AsyncSession, year: int | None, under: UUID | None
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
    out = [_result(r, r.unit_name, None, None) for r in units]
    for row in cadres:
        post = held.get((row.cadre_id, row.year))
        if post is not None or under is None:
            unit, title = post or ("", None)
            out.append(_result(row, unit, row.cadre_name, title))
    return sorted(out, key=lambda r: (-r.year, r.subject, r.org_unit, r.cadre_name or ""))


def _result(row: Any, unit: str, name: str | None, title: str | None) -> PublicResult:
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
    )


def _cached(body: bytes, media_type: str, if_none_match: str | None) -> Response:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if if_none_match and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


Year = Annotated[int | None, Query(ge=1949, le=2100, description="Assessment year.")]
Under = Annotated[UUID | None, Query(alias="org_unit", description="Results in this subtree.")]
IfNoneMatch = Annotated[str | None, Header(include_in_schema=False)]


@router.get(
    "/assessment-results",
    response_model=PublicResults,
    responses={304: {"description": "Not modified"}, **problem_responses(422, 429, 503)},
    operation_id="list_public_assessment_results",
)
async def list_public_assessment_results(
    session: SessionDep,
    year: Year = None,
    org_unit: Under = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """Published safety-work results of units and safety-duty grades of leading cadres (names
    and posts only). No key needed; send If-None-Match with the ETag to revalidate."""
    results = await _results(session, year, org_unit)
    body = orjson.dumps(
        PublicResults(year=year, org_unit_id=org_unit, results=results).model_dump(mode="json")
    )
    return _cached(body, "application/json", if_none_match)


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
    session: SessionDep,
    year: Year = None,
    org_unit: Under = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The same results as a plain Chinese page for a government website."""
    results = await _results(session, year, org_unit)
    return _cached(_page(results, year).encode("utf-8"), "text/html; charset=utf-8", if_none_match)


def _page(results: list[PublicResult], year: int | None) -> str:
    by_year: dict[int, list[PublicResult]] = defaultdict(list)
    for r in results:
        by_year[r.year].append(r)
    title = f"{year}年度" if year else ""
    sections = "".join(_section(y, rows) for y, rows in sorted(by_year.items(), reverse=True))
    empty = "<p>暂无公开的考核结果。</p>" if not results else ""
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{title}党政领导干部安全生产工作考核结果公开</title>"
        "<style>body{font-family:'SimSun','Noto Serif SC',serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #999;padding:.3em .6em}"
        "</style></head><body>"
        f"<h1>{title}党政领导干部安全生产工作考核结果公开</h1>{empty}{sections}"
        "<p>根据《泸州市党政领导干部安全生产责任制实施办法》考核公开制度予以公布，接受社会监督。</p>"
        "</body></html>\n"
    )


def _section(year: int, rows: list[PublicResult]) -> str:
    units = [r for r in rows if r.subject is AssessmentSubject.ORG_UNIT]
    cadres = [r for r in rows if r.subject is AssessmentSubject.CADRE]
    e = html.escape
    unit_rows = "".join(
        f"<tr><td>{e(r.org_unit)}</td><td>{e(r.grade_label)}</td><td>{e(r.score or '')}</td></tr>"
        for r in units
    )
    cadre_rows = "".join(
        f"<tr><td>{e(r.cadre_name or '')}</td><td>{e(r.org_unit)}{e(r.post or '')}</td>"
        f"<td>{e(r.grade_label)}</td></tr>"
        for r in cadres
    )
    parts = [f"<h2>{year}年度</h2>"]
    if units:
        parts.append(
            "<h3>单位安全生产工作考核</h3><table><tr><th>单位</th><th>等次</th>"
            f"<th>得分</th></tr>{unit_rows}</table>"
        )
    if cadres:
        parts.append(
            "<h3>领导干部安全生产责任考核</h3><table><tr><th>姓名</th><th>职务</th>"
            f"<th>等次</th></tr>{cadre_rows}</table>"
        )
    return "".join(parts)

"""The public results page (考核公开) as a government disclosure page: who publishes, when, the
公示期 and where objections go; navigation by year and by kind; paging; readable on a phone
(viewport, tables that scroll) and on paper (print styles: no navigation, headers repeated on
every page). Names, posts and grades only — never an ID number."""

from __future__ import annotations

import html
from collections import defaultdict
from datetime import date
from urllib.parse import urlencode

from app.domain.enums import AssessmentSubject
from app.public.schemas import PublicResult, PublicResults

PATH = "/v1/public/assessment-results.html"
_SUBJECTS = {AssessmentSubject.ORG_UNIT: "单位考核", AssessmentSubject.CADRE: "领导干部考核"}

_STYLE = """
:root{--ink:#1a1a1a;--muted:#555;--rule:#c8c8c8;--red:#b4000a;--band:#f6f3ee}
*{box-sizing:border-box}
body{margin:0;color:var(--ink);background:#fff;line-height:1.7;
font-family:"FangSong","STFangsong","Noto Serif CJK SC","Noto Serif SC","Source Han Serif SC",
"Songti SC","SimSun",serif;font-size:16px}
header.masthead{border-bottom:3px solid var(--red);padding:1.2rem 1rem .8rem;text-align:center}
header.masthead .publisher{color:var(--red);font-size:1.5rem;letter-spacing:.15em;
font-family:"SimHei","Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC",sans-serif}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;text-align:center;margin:.6rem 0 1rem;
font-family:"SimHei","Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC",sans-serif}
h2{font-size:1.25rem;border-left:4px solid var(--red);padding-left:.5rem;margin-top:1.6rem}
h3{font-size:1.05rem;margin:1rem 0 .4rem}
.notice{background:var(--band);border:1px solid var(--rule);padding:.8rem 1rem;margin:1rem 0}
.notice p{margin:.2rem 0}
nav{margin:.8rem 0;display:flex;flex-wrap:wrap;gap:.4rem .8rem;align-items:baseline}
nav .label{color:var(--muted)}
nav a,nav strong{padding:.1rem .5rem;border:1px solid var(--rule);border-radius:3px;
text-decoration:none;color:var(--ink)}
nav strong{background:var(--red);border-color:var(--red);color:#fff;font-weight:normal}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;min-width:28rem}
th,td{border:1px solid var(--rule);padding:.35rem .6rem;text-align:left;vertical-align:top}
thead th{background:var(--band);font-weight:bold}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.pager{display:flex;justify-content:space-between;margin:1.2rem 0;color:var(--muted)}
footer{max-width:60rem;margin:2rem auto 1rem;padding:0 1rem;color:var(--muted);font-size:.9rem;
border-top:1px solid var(--rule)}
@media (max-width:40rem){body{font-size:15px}h1{font-size:1.3rem}
header.masthead .publisher{font-size:1.2rem;letter-spacing:.05em}}
@media print{nav,.pager{display:none}body{font-size:12pt}main{max-width:none;padding:0}
.scroll{overflow:visible}table{min-width:0}thead{display:table-header-group}
tr{page-break-inside:avoid}a{color:inherit;text-decoration:none}
@page{size:A4;margin:20mm 18mm}}
"""


def _day(day: date | None) -> str:
    return "—" if day is None else f"{day.year}年{day.month}月{day.day}日"


def _link(page: PublicResults, **changes: object) -> str:
    """This page's address with some parameters changed (None drops one)."""
    params: dict[str, object] = {
        "year": page.year,
        "org_unit": page.org_unit_id,
        "subject": page.subject.value if page.subject else None,
        "limit": page.limit if page.limit != 100 else None,
        "offset": page.offset or None,
    }
    params.update(changes)
    query = urlencode({k: str(v) for k, v in params.items() if v is not None})
    return PATH + ("?" + query if query else "")


def _nav_item(text: str, href: str, current: bool) -> str:
    e = html.escape
    if current:
        return f'<strong aria-current="page">{e(text)}</strong>'
    return f'<a href="{e(href)}">{e(text)}</a>'


def _navigation(page: PublicResults) -> str:
    years = [_nav_item("全部年度", _link(page, year=None, offset=None), page.year is None)]
    years += [
        _nav_item(f"{y}年度", _link(page, year=y, offset=None), page.year == y) for y in page.years
    ]
    kinds = [_nav_item("全部", _link(page, subject=None, offset=None), page.subject is None)]
    kinds += [
        _nav_item(label, _link(page, subject=s.value, offset=None), page.subject is s)
        for s, label in _SUBJECTS.items()
    ]
    return (
        '<nav aria-label="年度"><span class="label">年度：</span>' + "".join(years) + "</nav>"
        '<nav aria-label="类别"><span class="label">类别：</span>' + "".join(kinds) + "</nav>"
    )


def _notice(page: PublicResults) -> str:
    e = html.escape
    lines = [
        f"<p>发布机关：{e(page.publisher)}</p>",
        f"<p>发布日期：{_day(page.published_on)}</p>",
    ]
    if page.published_on is not None:
        lines.append(
            f"<p>公示期：{_day(page.published_on)}至{_day(page.objections_until)}"
            f"（{page.objection_days}日）。</p>"
        )
    objection = "对公示结果有异议的，请在公示期内以书面形式实名向发布机关反映"
    contact = f"（{e(page.contact)}）" if page.contact else ""
    lines.append(f"<p>{objection}{contact}。</p>")
    return '<section class="notice" aria-label="公示说明">' + "".join(lines) + "</section>"


def _table(heading: str, columns: tuple[str, ...], cells: list[str]) -> str:
    """One results table: its heading, its column headers, and its rows' cells (escaped)."""
    head = "".join(f'<th scope="col">{c}</th>' for c in columns)
    return (
        f'<h3>{heading}</h3><div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(cells)}</tbody></table></div>"
    )


def _units_table(rows: list[PublicResult]) -> str:
    e = html.escape
    cells = [
        f"<tr><td>{e(r.org_unit)}</td><td>{e(r.kind_label)}</td><td>{e(r.grade_label)}</td>"
        f'<td class="num">{e(r.score or "—")}</td></tr>'
        for r in rows
    ]
    return _table("单位安全生产工作考核结果", ("单位", "考核", "等次", "得分"), cells)


def _cadres_table(rows: list[PublicResult]) -> str:
    e = html.escape
    cells = [
        f"<tr><td>{e(r.cadre_name or '')}</td><td>{e(r.org_unit) if r.org_unit else '—'}</td>"
        f"<td>{e(r.post) if r.post else '（未记录）'}</td><td>{e(r.grade_label)}</td></tr>"
        for r in rows
    ]
    return _table("领导干部安全生产责任考核结果", ("姓名", "单位", "时任职务", "等次"), cells)


def _sections(results: list[PublicResult]) -> str:
    by_year: dict[int, list[PublicResult]] = defaultdict(list)
    for r in results:
        by_year[r.year].append(r)
    out = []
    for year, rows in sorted(by_year.items(), reverse=True):
        units = [r for r in rows if r.subject is AssessmentSubject.ORG_UNIT]
        cadres = [r for r in rows if r.subject is AssessmentSubject.CADRE]
        out.append(f"<section><h2>{year}年度</h2>")
        if units:
            out.append(_units_table(units))
        if cadres:
            out.append(_cadres_table(cadres))
        out.append("</section>")
    return "".join(out)


def _pager(page: PublicResults) -> str:
    if page.total <= page.limit and page.offset == 0:
        return ""
    first, last = page.offset + 1, page.offset + len(page.results)
    parts = []
    if page.offset > 0:
        previous = max(0, page.offset - page.limit)
        parts.append(f'<a rel="prev" href="{html.escape(_link(page, offset=previous))}">上一页</a>')
    else:
        parts.append("<span></span>")
    parts.append(f"<span>第{first}—{last}条，共{page.total}条</span>")
    if page.next_offset is not None:
        href = html.escape(_link(page, offset=page.next_offset))
        parts.append(f'<a rel="next" href="{href}">下一页</a>')
    else:
        parts.append("<span></span>")
    return '<div class="pager">' + "".join(parts) + "</div>"


def render_page(page: PublicResults) -> str:
    e = html.escape
    scope = f"{page.year}年度" if page.year else ""
    title = f"{scope}党政领导干部安全生产工作考核结果公示"
    empty = "<p>暂无公开的考核结果。</p>" if not page.results else ""
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{_STYLE}</style></head><body>"
        f'<header class="masthead"><div class="publisher">{e(page.publisher)}</div></header>'
        f"<main><h1>{e(title)}</h1>{_notice(page)}{_navigation(page)}{empty}"
        f"{_sections(page.results)}{_pager(page)}</main>"
        "<footer><p>根据《泸州市党政领导干部安全生产责任制实施办法》考核公开制度予以公示，"
        "接受社会监督。公示内容不含身份证号码等个人敏感信息。</p></footer>"
        "</body></html>\n"
    )

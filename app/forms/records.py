"""Between the form and the record: what a stored form keeps (never family members, the photo
or the plain ID number), how it differs from the record, and the form the record exports."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from app.domain.enums import CadreGrade, CaseStatus, Gender
from app.domain.labels import zh
from app.forms import Education, LrmxForm, YearMonth, assessments_text, career_text
from app.forms.career import CareerEntry
from app.vetting.rules.facts import CadreFacts

_INIT_FIELDS = [f.name for f in dataclasses.fields(LrmxForm) if f.init]


def stored_fields(form: LrmxForm) -> dict[str, Any]:
    """The form's own fields as received, minus the plain ID number (the cadre row keeps it
    encrypted)."""
    values = {name: getattr(form, name) for name in _INIT_FIELDS if name != "id_number_raw"}
    for name in ("full_time", "in_service"):
        values[name] = dataclasses.asdict(values[name])
    values["ignored_elements"] = list(values["ignored_elements"])
    return values


def form_from_stored(stored: dict[str, Any], id_number: str, **overrides: Any) -> LrmxForm:
    values = {k: v for k, v in stored.items() if k in _INIT_FIELDS}
    for name in ("full_time", "in_service"):
        values[name] = Education(**values.get(name, {}))
    values["ignored_elements"] = tuple(values.get("ignored_elements", ()))
    return LrmxForm(**{**values, **overrides, "id_number_raw": id_number})


def summary(form: LrmxForm, masked_id: str, show_id: bool) -> dict[str, Any]:
    data = form.to_summary()
    data["id_number_raw"] = data["id_number_raw"] if show_id else masked_id
    data.pop("id_number", None)
    return data


def _month(day: date) -> YearMonth:
    return YearMonth(day.year, day.month)


def differences(form: LrmxForm, facts: CadreFacts | None) -> dict[str, list[dict[str, Any]]]:
    """Posts and annual assessments stated on one side and missing on the other."""
    posts = [p for p in (facts.posts if facts else ()) if not p.revoked]
    starts = {_month(p.start_date) for p in posts}
    form_starts = {e.start for e in form.career.entries}
    annual = {
        a.year: a.grade
        for a in (facts.assessments if facts else ())
        if not a.revoked and a.kind == "annual"
    }
    stated = form.assessments.grades
    return {
        "posts_missing_in_record": [
            {
                "line": e.line,
                "start": e.start.isoformat(),
                "end": e.end.isoformat() if e.end else None,
                "text": e.text,
            }
            for e in form.career.entries
            if e.start not in starts
        ],
        "posts_missing_in_form": [
            {
                "post_id": str(p.id),
                "start_date": p.start_date.isoformat(),
                "end_date": p.end_date.isoformat() if p.end_date else None,
                "title": f"{p.org_unit.name}{p.title}",
            }
            for p in posts
            if _month(p.start_date) not in form_starts
        ],
        "assessments_missing_in_record": [
            {"year": y, "grade": g.value} for y, g in sorted(stated.items()) if y not in annual
        ],
        "assessments_differing": [
            {"year": y, "form": g.value, "record": annual[y].value}
            for y, g in sorted(stated.items())
            if y in annual and annual[y] != g
        ],
        "assessments_missing_in_form": [
            {"year": y, "grade": g.value} for y, g in sorted(annual.items()) if y not in stated
        ],
    }


def _when(day: date) -> str:
    return f"{day.year}年{day.month}月"


def rewards_text(facts: CadreFacts) -> str:
    """奖惩情况 from the record: accountability and commendations, oldest first, in Chinese."""
    lines: list[tuple[date, str]] = []
    for case in facts.cases:
        if case.status is not CaseStatus.DECIDED or case.decision_date is None:
            continue
        measures = [zh(m) for m in case.methods if m.value != "sanction"]
        measures += [zh(s) + "处分" for s in (case.party_sanction, case.admin_sanction) if s]
        taken = "、".join(measures) if measures else "尽职免责，不予追责"
        ref = f"（{case.document_number}）" if case.document_number else ""
        lines.append(
            (
                case.decision_date,
                f"{_when(case.decision_date)}，因{zh(case.circumstance)}，受到{taken}{ref}。",
            )
        )
    for commendation in facts.commendations:
        if commendation.revoked:
            continue
        lines.append(
            (
                commendation.awarded_on,
                f"{_when(commendation.awarded_on)}，因{zh(commendation.basis)}，"
                f"获{zh(commendation.kind)}。",
            )
        )
    return "\n".join(text for _, text in sorted(lines)) or "无"


def annual_grades(facts: CadreFacts) -> dict[int, CadreGrade]:
    return {a.year: a.grade for a in facts.assessments if not a.revoked and a.kind == "annual"}


def career_from_posts(facts: CadreFacts) -> str:
    entries = [
        CareerEntry(
            start=_month(p.start_date),
            end=_month(p.end_date) if p.end_date else None,
            text=f"{p.org_unit.name}{p.title}",
            line=i + 1,
        )
        for i, p in enumerate(
            sorted((p for p in facts.posts if not p.revoked), key=lambda p: p.start_date)
        )
    ]
    return career_text(entries)


def export_form(
    facts: CadreFacts, id_number: str, gender: Gender, stored: dict[str, Any] | None
) -> tuple[LrmxForm, str, str]:
    """The form the record gives: record values where the service keeps them, the last
    imported form's values elsewhere. Returns the form and the 奖惩情况 / 年度考核结果 texts."""
    born = facts.birth_date
    mine: dict[str, Any] = {
        "name": facts.name,
        "gender_raw": "男" if gender is Gender.MALE else "女",
        "birth_raw": f"{born.year:04d}{born.month:02d}",
    }
    current = [p for p in facts.posts if not p.revoked and p.end_date is None]
    if stored is None:
        mine["career_raw"] = career_from_posts(facts)
        mine["current_post"] = "、".join(f"{p.org_unit.name}{p.title}" for p in current)
        form = LrmxForm(**mine, id_number_raw=id_number)
    else:
        form = form_from_stored(stored, id_number, **mine)
    return form, rewards_text(facts), assessments_text(annual_grades(facts))

"""年度考核结果 (annual assessment results) of a 干部任免审批表, free text such as
`2023、2024年均为称职，2025年为优秀` or `2019—2021年连续三年考核为称职`.

The text is cut into clauses at `；;，,。` and line breaks; a grade applies to the years named
before it in its clause, and to years of immediately preceding clauses that hold nothing but
years (`2021年，2022年考核均为称职`). Years are 4-digit only; ranges (`2019—2021年`, `2019年至
2021年`) name every year in between. Grades: 优秀, 称职, 基本称职, 不称职, and the wording of
some units: 合格 → competent, 基本合格 → basically competent, 不合格 → incompetent.

A clause that is not fully understood (unknown words, a year without a grade, a year graded
twice differently — the first grade is kept) is returned in `unparsed`, never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import groupby

from app.domain.enums import CadreGrade
from app.domain.labels import zh
from app.forms.career import MAX_YEAR, MIN_YEAR, normalize_digits

GRADE_WORDS: dict[str, CadreGrade] = {
    "优秀": CadreGrade.EXCELLENT,
    "称职": CadreGrade.COMPETENT,
    "基本称职": CadreGrade.BASICALLY_COMPETENT,
    "不称职": CadreGrade.INCOMPETENT,
    "合格": CadreGrade.COMPETENT,
    "基本合格": CadreGrade.BASICALLY_COMPETENT,
    "不合格": CadreGrade.INCOMPETENT,
}
_GRADE = "|".join(sorted(GRADE_WORDS, key=len, reverse=True))  # 不称职 before 称职
_RANGE_SEPARATOR = r"(?:-+|—+|－+|–+|―+|~|～|〜|至|到)"
_TOKEN = re.compile(
    rf"(?<![0-9])(?P<first>[0-9]{{4}})\s*(?:年度?\s*)?{_RANGE_SEPARATOR}\s*(?P<last>[0-9]{{4}})(?![0-9])"
    rf"|(?<![0-9])(?P<year>[0-9]{{4}})(?![0-9])"
    rf"|(?P<grade>{_GRADE})"
)
_FILLER = re.compile(
    r"连续[0-9一二两三四五六七八九十]+年|年度|年|考核|结果|等次|分别|均|都|为|被|评定|确定|定|"
    r"是|的|、|和|及|与|\s"
)
_CLAUSE = re.compile(r"[；;，,。\n]+")
_LONGEST_RANGE = 30


@dataclass(frozen=True)
class AssessmentResults:
    grades: dict[int, CadreGrade] = field(default_factory=dict, hash=False)
    unparsed: tuple[str, ...] = ()


@dataclass
class _Reading:
    grades: dict[int, CadreGrade] = field(default_factory=dict)
    unparsed: list[str] = field(default_factory=list)
    pending_years: list[int] = field(default_factory=list)
    pending_clauses: list[str] = field(default_factory=list)

    def give_up_pending(self) -> None:
        self.unparsed.extend(self.pending_clauses)
        self.pending_years, self.pending_clauses = [], []


def parse_assessments(text: str) -> AssessmentResults:
    reading = _Reading()
    for clause in (c.strip() for c in _CLAUSE.split(text)):
        if clause:
            _read_clause(clause, reading)
    reading.give_up_pending()
    return AssessmentResults(dict(sorted(reading.grades.items())), tuple(reading.unparsed))


def _read_clause(clause: str, reading: _Reading) -> None:
    normalized = normalize_digits(clause)
    understood = not _FILLER.sub("", _TOKEN.sub("", normalized))
    years: list[int] = []
    graded = False
    for token in _TOKEN.finditer(normalized):
        if token["grade"] is None:
            named = _years(token)
            understood = understood and bool(named)
            years.extend(named)
            continue
        targets = reading.pending_years + years
        reading.pending_years, reading.pending_clauses, years = [], [], []
        graded = True
        understood = _assign(targets, GRADE_WORDS[token["grade"]], reading) and understood
    if years and not graded and understood:
        reading.pending_years.extend(years)
        reading.pending_clauses.append(clause)
        return
    reading.give_up_pending()
    if years or not understood:
        reading.unparsed.append(clause)


def _years(token: re.Match[str]) -> list[int]:
    """The years a year or range token names; empty when out of bounds."""
    if token["year"] is not None:
        first = last = int(token["year"])
    else:
        first, last = int(token["first"]), int(token["last"])
    if MIN_YEAR <= first <= last <= MAX_YEAR and last - first <= _LONGEST_RANGE:
        return list(range(first, last + 1))
    return []


def _assign(years: list[int], grade: CadreGrade, reading: _Reading) -> bool:
    """Grade the years; False when there were none or one already had another grade."""
    consistent = bool(years)
    for year in years:
        known = reading.grades.setdefault(year, grade)
        consistent = consistent and known is grade
    return consistent


def assessments_text(grades: dict[int, CadreGrade]) -> str:
    """Canonical text, e.g. `2023、2024年度考核均为称职；2025年度考核为优秀`: years in order,
    runs with the same grade grouped. parse_assessments reads it back to the same grades."""
    for year in grades:
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"year {year} is outside {MIN_YEAR}–{MAX_YEAR}")
    clauses = []
    for grade, run in groupby(sorted(grades.items()), key=lambda item: item[1]):
        years = [str(year) for year, _ in run]
        both = "均为" if len(years) > 1 else "为"
        clauses.append(f"{'、'.join(years)}年度考核{both}{zh(grade)}")
    return "；".join(clauses)

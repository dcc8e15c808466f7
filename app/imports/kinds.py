"""What each importable kind's columns are called (in English or Chinese) and how a cell's text
becomes a value. Enum cells take the English code or the Chinese label. A `序号` (row number)
column is ignored; a `姓名` (name) column is checked against the cadre the row names."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from app.domain.enums import (
    AdminSanction,
    AssessmentKind,
    CaseStatus,
    Circumstance,
    CommendationBasis,
    CommendationKind,
    Leniency,
    Method,
    PartySanction,
)
from app.imports.messages import CellError
from app.records.kind import RecordKind
from app.records.kinds.accountability import ACCOUNTABILITY_CASES, case_columns
from app.records.kinds.assessments import ASSESSMENTS, assessment_columns
from app.records.kinds.cadre_records import COMMENDATIONS

Parse = Callable[[str], Any]

GRADES = {
    "优秀": "excellent",
    "称职": "competent",
    "基本称职": "basically_competent",
    "不称职": "incompetent",
    "良好": "good",
    "合格": "pass",
    "不合格": "fail",
}
TRUE = {"是", "true", "yes", "y", "1", "公开"}
FALSE = {"否", "false", "no", "n", "0", "不公开"}
IGNORED_HEADERS = frozenset({"序号"})


def enum_of(enum_cls: type[StrEnum]) -> Parse:
    labels: dict[str, str] = getattr(enum_cls, "__zh__", {})
    by_text = {m.value: m.value for m in enum_cls}
    by_text.update({label: code for code, label in labels.items()})

    def parse(text: str) -> str:
        if text not in by_text:
            choices = "、".join(labels.values())
            raise CellError(
                f"“{text}”不是可选值（{choices}）",
                f"{text!r} is not one of {', '.join(sorted(labels.values()))}",
            )
        return by_text[text]

    return parse


def grade(text: str) -> str:
    return GRADES.get(text, text)


def boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise CellError("应为“是”或“否”", "must be 是/否 (yes/no)")


def many(parse: Parse) -> Parse:
    return lambda text: [parse(part.strip()) for part in re.split(r"[、,，;；]", text) if part]


def text(value: str) -> str:
    return value


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def day(value: str) -> str:
    """2024-03-01, 2024/3/1, 2024.3.1 or 2024年3月1日 → 2024-03-01."""
    match = _DATE.match(value)
    if not match:
        raise CellError(
            "应为日期，如 2024-03-01 或 2024年3月1日", "must be a date such as 2024-03-01"
        )
    year, month, day_ = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day_:02d}"


def integer(value: str) -> int:
    if not re.fullmatch(r"-?\d+", value):
        raise CellError("应为整数", "must be a whole number")
    return int(value)


def uuid_of(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise CellError("应为UUID", "must be a UUID") from None


@dataclass(frozen=True)
class Column:
    name: str  # the create schema's field (or a lookup key: id_number, org_unit, ...)
    aliases: tuple[str, ...]
    parse: Parse = text

    def label(self, chinese: bool) -> str:
        """The usual header of this column, for a file that lacks it."""
        return self.aliases[0] if chinese and self.aliases else self.name


@dataclass(frozen=True)
class ImportKind:
    name: str
    record: RecordKind
    columns: tuple[Column, ...]
    to_columns: Callable[[dict[str, Any]], dict[str, Any]]
    subject: str  # "cadre", or "cadre_or_unit" for assessments

    def header_map(self, headers: list[str]) -> dict[int, Column]:
        known = {alias: c for c in self.columns for alias in (c.name, *c.aliases)}
        return {i: known[h.strip()] for i, h in enumerate(headers) if h.strip() in known}

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


CADRE = (
    Column("id_number", ("身份证号", "身份证号码", "公民身份号码")),
    Column("cadre_id", ("干部ID",), uuid_of),
    Column("name", ("姓名",)),
)

IMPORTS = {
    kind.name: kind
    for kind in (
        ImportKind(
            "assessments",
            ASSESSMENTS,
            (
                *CADRE,
                Column("org_unit_id", ("单位ID",), uuid_of),
                Column("org_unit", ("单位", "单位名称", "被考核单位")),
                Column("division_code", ("行政区划代码",)),
                Column("kind", ("考核类型", "考核种类"), enum_of(AssessmentKind)),
                Column("year", ("年度", "考核年度"), integer),
                Column("grade", ("等次", "考核等次", "考核结果"), grade),
                Column("score", ("得分", "分数")),
                Column("assessed_on", ("考核日期",), day),
                Column("published", ("是否公开", "公开"), boolean),
                Column("notes", ("备注",)),
            ),
            assessment_columns,
            "cadre_or_unit",
        ),
        ImportKind(
            "accountability-cases",
            ACCOUNTABILITY_CASES,
            (
                *CADRE,
                Column("circumstance", ("问责情形", "情形"), enum_of(Circumstance)),
                Column("status", ("状态",), enum_of(CaseStatus)),
                Column("opened_on", ("立案日期", "启动日期"), day),
                Column("decision_date", ("决定日期", "问责日期"), day),
                Column("authority", ("决定机关", "问责机关")),
                Column("document_number", ("文号", "决定文号")),
                Column("methods", ("问责方式", "方式"), many(enum_of(Method))),
                Column("party_sanction", ("党纪处分",), enum_of(PartySanction)),
                Column("party_probation_months", ("留党察看期限", "留党察看月数"), integer),
                Column("admin_sanction", ("政务处分", "行政处分"), enum_of(AdminSanction)),
                Column("suspension_months", ("停职检查月数", "停职期限"), integer),
                Column("leniency", ("从重从轻情形", "追责情形"), enum_of(Leniency)),
                Column("referred_to_supervisory_commission", ("移送监察机关",), boolean),
                Column("criminal_penalty", ("刑事处罚",), boolean),
                Column("criminal_penalty_completed_on", ("刑罚执行完毕日期",), day),
                Column("summary", ("事由", "简要事实")),
            ),
            case_columns,
            "cadre",
        ),
        ImportKind(
            "commendations",
            COMMENDATIONS,
            (
                *CADRE,
                Column("kind", ("奖励类型", "奖励种类"), enum_of(CommendationKind)),
                Column("basis", ("奖励依据", "表彰事由类别"), enum_of(CommendationBasis)),
                Column("year", ("年度",), integer),
                Column("awarded_on", ("奖励日期", "表彰日期"), day),
                Column("authority", ("奖励机关", "决定机关")),
                Column("document_number", ("文号",)),
                Column("description", ("事迹", "主要事迹")),
            ),
            lambda values: values,
            "cadre",
        ),
    )
}

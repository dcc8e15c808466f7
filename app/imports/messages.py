"""What an import says about a row: one message per problem, in Chinese with the English beside
it, named by the row and the file's own column header (`第3行 考核类型：必须填写。Row 3,
考核类型: required.`). Messages never repeat an ID number (app.security.disclosure): an ID
number problem says what is wrong with it, never which number it was."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.domain.idnumber import InvalidIdNumber


@dataclass(frozen=True)
class Says:
    """A reason in both languages."""

    zh: str
    en: str


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the header as the file has it (or the usual header of a missing column)
    says: Says

    @property
    def field(self) -> str:
        return f"rows[{self.row}].{self.column}"

    @property
    def message(self) -> str:
        return row_message(self.row, self.column, self.says)


def row_message(row: int, column: str | None, says: Says) -> str:
    en = says.en.rstrip(".")
    if column is None:
        return f"第{row}行：{says.zh}。Row {row}: {en}."
    return f"第{row}行 {column}：{says.zh}。Row {row}, {column}: {en}."


class CellError(ValueError):
    """A cell whose text cannot become a value."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.says = Says(zh, en)


UNKNOWN_COLUMN = Says("无法识别的列（列名见 docs/samples/ 的示例文件）", "unknown column")
REQUIRED = Says("必须填写", "required")
NO_CADRE = Says("没有登记此身份证号码的干部", "no cadre has this ID number")
NO_CADRE_ID = Says("没有此干部ID的干部", "no cadre has this id")
NO_UNIT = Says(
    "没有此单位（按名称、行政区划代码或单位ID查找）", "no such org unit (name, code or id)"
)
NAME_MISMATCH = Says(
    "与该干部登记的姓名不一致", "does not match the name recorded for the cadre of this row"
)


def duplicate_column(first: str) -> Says:
    return Says(f"与“{first}”列重复", f"the same column as {first}")


def invalid_id_number(exc: InvalidIdNumber) -> Says:
    """Why an ID number is invalid, without any of its digits (the domain's message shows the
    region code or the birth date)."""
    reason = str(exc)
    for prefix, zh, en in _ID_REASONS:
        if reason.startswith(prefix):
            return Says(f"身份证号码无效（{zh}）", f"invalid ID number ({en})")
    return Says("身份证号码无效", "invalid ID number")


_ID_REASONS = (
    ("must be 18", "应为18位", "must be 18 characters"),
    ("must be 17", "前17位应为数字，末位为数字或X", "17 digits and a digit or X"),
    ("region code", "地址码不是行政区划代码", "region code is not a division"),
    ("birth date", "出生日期无效", "birth date is not valid"),
    ("check digit", "校验码错误", "check digit, GB 11643"),
)


def name_mismatch(given: str) -> Says:
    return Says(
        f"“{given}”{NAME_MISMATCH.zh}",
        f"{given!r} {NAME_MISMATCH.en}",
    )


def duplicate_in_file(line: int, what: Says) -> Says:
    return Says(
        f"与第{line}行是同一{what.zh}，不能重复导入",
        f"the same {what.en} as row {line}",
    )


def occupied(what: Says) -> Says:
    return Says(
        f"已有同一{what.zh}（已撤销或已更正），不能再次录入；请更正原记录",
        f"a revoked or amended record holds this {what.en}; correct that record instead",
    )


def already_recorded(what: Says, record_id: object) -> Says:
    return Says(
        f"已有此{what.zh}（记录 {record_id}），跳过未导入",
        f"already recorded as {what.en} {record_id}; skipped",
    )


# --- pydantic errors ---------------------------------------------------------------------------

_RULES = {
    # accountability cases
    "needs criminal_penalty true": "须同时填写“刑事处罚：是”",
    "a decided case needs decision_date and authority":
        "已作出决定的问责须填写决定日期和决定机关",
    "a case under investigation has no decision_date or methods":
        "调查中的问责不填写决定日期和问责方式",
    "must not be before opened_on": "不能早于立案日期",
    "lists a method twice": "问责方式重复",
    "an exempted cadre (尽职免责) is not held accountable": "尽职免责的不再问责，不填写问责方式",
    "a decided case needs at least one method": "已作出决定的问责须至少有一种问责方式",
    "is required exactly when suspension is a method": "问责方式含停职检查时必须填写，否则不填",
    "sanction needs a party_sanction or admin_sanction, and back":
        "问责方式含处分时须填写党纪处分或政务处分，反之亦然",
    "is required exactly for probation (12 or 24)": "留党察看时必须填写（12或24个月），否则不填",
    # assessments
    "a cadre assessment names cadre_id and no org_unit_id": "干部考核只填写干部，不填写单位",
    "an org unit's assessment is of kind safety_work": "单位考核的类型为安全生产工作考核",
    "an org-unit assessment names org_unit_id only": "单位考核只填写单位，不填写干部",
}  # fmt: skip
_GRADE_RULES = (
    (re.compile(r"^\S+ is not a kind of cadre assessment$"), "不是干部考核的类型"),
    (re.compile(r"^\S+ is not a cadre grade$"), "不是干部考核等次（优秀、称职、基本称职、不称职）"),
    (re.compile(r"^\S+ is not an org-unit grade$"), "不是单位考核等次（优秀、良好、合格、不合格）"),
)


def _by_type(kind: str, ctx: Mapping[str, Any]) -> str | None:
    templates = {
        "missing": "必须填写",
        "greater_than_equal": "不能小于{ge}",
        "less_than_equal": "不能大于{le}",
        "greater_than": "应大于{gt}",
        "less_than": "应小于{lt}",
        "string_too_long": "不能超过{max_length}个字符",
        "string_too_short": "不能为空",
        "literal_error": "应为{expected}",
        "decimal_parsing": "应为数字",
        "float_parsing": "应为数字",
        "int_parsing": "应为整数",
        "int_type": "应为整数",
        "decimal_max_digits": "数字位数过多",
        "decimal_max_places": "小数位数过多",
        "decimal_whole_digits": "整数位数过多",
        "date_parsing": "应为日期",
        "date_from_datetime_parsing": "应为日期",
        "uuid_parsing": "应为UUID",
        "enum": "不是可选值",
        "bool_parsing": "应为是或否",
    }
    template = templates.get(kind)
    if template is None:
        return None
    return template.format(**{k: str(v).replace(" or ", "或") for k, v in ctx.items()})


def from_pydantic(error: Mapping[str, Any]) -> tuple[str, Says]:
    """The field a pydantic error is about and its reason in both languages. A model-level rule
    names its field through the error context (as app.errors.field_errors reads it)."""
    ctx = error.get("ctx") or {}
    loc = [str(p) for p in error.get("loc", ()) if "[" not in str(p)]
    en = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    if "field" in ctx:
        loc.append(str(ctx["field"]))
        en = str(ctx.get("message", en))
        return (loc[0] if loc else "body"), Says(_rule_zh(en), en)
    kind = str(error.get("type", ""))
    zh = _by_type(kind, ctx) or "取值无效"
    return (loc[0] if loc else "body"), Says(zh, "required" if kind == "missing" else en)


def _rule_zh(en: str) -> str:
    if en in _RULES:
        return _RULES[en]
    for pattern, zh in _GRADE_RULES:
        if pattern.match(en):
            return zh
    return "不符合记录规则"

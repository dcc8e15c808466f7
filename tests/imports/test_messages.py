"""Row problems: one message per problem, in Chinese with English beside it, named by the file's
own column headers; a 序号 column is ignored and a 姓名 column checked; no ID number is echoed."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.models import Assessment
from tests.factories import Api
from tests.imports.helpers import count, csv_of, upload


async def test_a_row_number_column_is_ignored_and_names_are_checked(
    api: Api, people: dict[str, Any], engine: AsyncEngine
) -> None:
    n = people["numbers"]
    content = csv_of(
        [
            ["序号", "身份证号", "姓名", "考核类型", "年度", "等次"],
            ["1", n[0], "干部0", "年度考核", "2024", "称职"],
            ["2", n[1], " 干部1 ", "年度考核", "2024", "称职"],
        ]
    )
    assert (await upload(api, "assessments", content))["rows"] == 2
    assert await count(engine, Assessment) == 2


async def test_a_name_that_does_not_match_the_cadre_is_a_row_error(
    api: Api, people: dict[str, Any], engine: AsyncEngine
) -> None:
    n = people["numbers"]
    content = csv_of(
        [
            ["身份证号", "姓名", "考核类型", "年度", "等次"],
            [n[0], "干部0", "年度考核", "2024", "称职"],
            [n[1], "王五", "年度考核", "2024", "称职"],
        ]
    )
    problem = await upload(api, "assessments", content, status=422)
    assert problem["bad_rows"] == [3]
    [error] = problem["errors"]
    assert error["field"] == "rows[3].姓名"
    assert error["message"].startswith("第3行 姓名：“王五”与该干部登记的姓名不一致")
    assert "Row 3, 姓名" in error["message"]
    assert "干部1" not in error["message"] and n[1] not in str(problem)
    assert await count(engine, Assessment) == 0


async def test_a_wrong_check_digit_says_the_id_number_is_invalid(
    api: Api, people: dict[str, Any]
) -> None:
    number = people["numbers"][0]
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    content = csv_of(
        [["身份证号", "考核类型", "年度", "等次"], [wrong, "年度考核", "2024", "称职"]]
    )
    problem = await upload(api, "assessments", content, status=422)
    [error] = problem["errors"]
    assert error["field"] == "rows[2].身份证号"
    assert "身份证号码无效（校验码错误）" in error["message"]
    assert "invalid ID number (check digit" in error["message"]
    assert "没有登记" not in error["message"]
    assert wrong not in str(problem) and wrong[:6] not in error["message"]


async def test_a_missing_required_column_is_one_message_per_row(
    api: Api, people: dict[str, Any]
) -> None:
    n = people["numbers"]
    content = csv_of([["身份证号", "年度", "等次"], [n[0], "2024", "称职"], [n[1], "2024", "优秀"]])
    problem = await upload(api, "assessments", content, status=422)
    assert problem["errors"] == [
        {
            "field": f"rows[{row}].考核类型",
            "message": f"第{row}行 考核类型：必须填写。Row {row}, 考核类型: required.",
        }
        for row in (2, 3)
    ]


async def test_cells_and_rules_are_named_by_the_files_headers_in_both_languages(
    api: Api, people: dict[str, Any]
) -> None:
    n = people["numbers"]
    content = csv_of(
        [
            [
                "身份证号",
                "问责情形",
                "立案日期",
                "决定日期",
                "决定机关",
                "问责方式",
                "留党察看月数",
            ],
            [n[0], "履职不到位", "2025-03-05", "2025-03-01", "中共泸州市委", "通报", ""],
            [n[1], "不存在的情形", "2025年13月1日", "", "", "通报", "六"],
        ]
    )
    problem = await upload(api, "accountability-cases", content, status=422)
    messages = {e["field"]: e["message"] for e in problem["errors"]}
    assert messages["rows[2].决定日期"] == (
        "第2行 决定日期：不能早于立案日期。Row 2, 决定日期: must not be before opened_on."
    )
    assert messages["rows[3].问责情形"].startswith("第3行 问责情形：“不存在的情形”不是可选值")
    assert "应为整数" in messages["rows[3].留党察看月数"]
    assert len(problem["errors"]) == len(messages)
    assert "未导入任何数据" in problem["detail"]

"""Bulk import: all or nothing, row-level problems, idempotent by content, CSV and XLSX."""

import io
from typing import Any

from openpyxl import Workbook
from sqlalchemy.ext.asyncio import AsyncEngine

from app.models import AccountabilityCase, Assessment, Commendation
from tests.factories import Api, id_number
from tests.imports.helpers import count, csv_of, upload


async def test_a_good_file_is_applied_in_one_go(
    api: Api, people: dict[str, Any], engine: AsyncEngine
) -> None:
    n = people["numbers"]
    content = csv_of(
        [
            ["id_number", "kind", "year", "grade"],
            [n[0], "annual", "2024", "competent"],
            [n[1], "annual", "2024", "excellent"],
            [n[2], "safety_duty", "2024", "basically_competent"],
        ]
    )
    result = await upload(api, "assessments", content)
    assert result["rows"] == 3 and result["status"] == "applied"
    assert await count(engine, Assessment) == 3
    listed = await api.get("/v1/assessments", cadre_id=people["cadres"][1]["id"])
    assert listed["items"][0]["grade"] == "excellent"
    assert listed["items"][0]["change_reason"] == f"import {result['import_id']}"
    events = await api.get("/v1/audit-events", action="import.applied")
    assert events["total"] == 1 and events["items"][0]["summary"]["rows"] == 3


async def test_one_bad_row_applies_nothing_and_names_the_row(
    api: Api, people: dict[str, Any], engine: AsyncEngine
) -> None:
    n = people["numbers"]
    content = csv_of(
        [
            ["身份证号", "考核类型", "年度", "等次"],
            [n[0], "年度考核", "2024", "称职"],
            [n[1], "年度考核", "2024", "极好"],
            [id_number(), "年度考核", "2024", "称职"],
        ]
    )
    problem = await upload(api, "assessments", content, status=422)
    fields = {e["field"] for e in problem["errors"]}
    assert fields == {"rows[3].等次", "rows[4].身份证号"}
    assert problem["bad_rows"] == [3, 4]
    assert await count(engine, Assessment) == 0


async def test_the_same_file_twice_changes_nothing(
    api: Api, people: dict[str, Any], engine: AsyncEngine
) -> None:
    content = csv_of(
        [
            ["id_number", "kind", "year", "grade"],
            [people["numbers"][0], "annual", "2023", "competent"],
        ]
    )
    first = await upload(api, "assessments", content)
    second = await upload(api, "assessments", content, status=200)
    assert second["already_imported"] is True and second["import_id"] == first["import_id"]
    assert await count(engine, Assessment) == 1


async def test_xlsx_with_chinese_headers_and_org_units_by_name(
    api: Api, people: dict[str, Any], engine: AsyncEngine
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["被考核单位", "年度", "考核结果", "得分", "是否公开"])
    sheet.append(["纳溪区人民政府", 2024, "良好", 86.5, "是"])
    sheet.append(["纳溪区人民政府", 2023, "合格", 71, "否"])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    result = await upload(
        api, "assessments", buffer.getvalue(), media=xlsx, filename="results.xlsx"
    )
    assert result["rows"] == 2
    rows = await api.get("/v1/assessments", org_unit_id=people["county"]["id"], year=2024)
    assert rows["items"][0]["grade"] == "good" and rows["items"][0]["published"] is True
    assert rows["items"][0]["score"] == "86.50"


async def test_duplicates_within_the_file_are_refused_and_recorded_rows_skipped(
    api: Api, people: dict[str, Any], engine: AsyncEngine
) -> None:
    n = people["numbers"]
    await api.post(
        "/v1/assessments",
        {
            "subject": "cadre",
            "cadre_id": people["cadres"][2]["id"],
            "kind": "annual",
            "year": 2022,
            "grade": "competent",
        },
    )
    content = csv_of(
        [
            ["id_number", "kind", "year", "grade"],
            [n[0], "annual", "2022", "competent"],
            [n[0], "annual", "2022", "excellent"],
            [n[2], "annual", "2022", "competent"],
        ]
    )
    problem = await upload(api, "assessments", content, status=422)
    assert problem["bad_rows"] == [3]
    assert problem["errors"][0]["field"] == "rows[3].year"
    assert "与第2行是同一考核结果" in problem["errors"][0]["message"]
    assert await count(engine, Assessment) == 1
    without_duplicate = content.replace(f"{n[0]},annual,2022,excellent\n".encode(), b"")
    result = await upload(api, "assessments", without_duplicate)
    assert result["rows"] == 1 and result["skipped"] == 1
    assert result["skipped_rows"][0]["row"] == 3
    assert await count(engine, Assessment) == 2


async def test_cases_and_commendations_with_chinese_labels(
    api: Api, people: dict[str, Any], engine: AsyncEngine
) -> None:
    n = people["numbers"]
    cases = csv_of(
        [
            ["身份证号", "问责情形", "立案日期", "决定日期", "决定机关", "问责方式", "政务处分"],
            [
                n[0],
                "对生产安全事故负有领导责任",
                "2024年1月5日",
                "2024/3/1",
                "泸州市纪委监委",
                "诫勉、处分",
                "记过",
            ],
            [n[1], "履职不到位", "2024-02-01", "2024-04-01", "泸州市纪委监委", "通报", ""],
        ]
    )
    assert (await upload(api, "accountability-cases", cases))["rows"] == 2
    stored = await api.get("/v1/accountability-cases", cadre_id=people["cadres"][0]["id"])
    assert stored["items"][0]["methods"] == ["admonishment", "sanction"]
    assert stored["items"][0]["decision_date"] == "2024-03-01"
    commendations = csv_of(
        [
            ["身份证号", "奖励类型", "奖励依据", "年度", "奖励日期"],
            [n[2], "记三等功", "组织参加抢险救援", "2024", "2025-01-20"],
        ]
    )
    assert (await upload(api, "commendations", commendations))["rows"] == 1
    assert await count(engine, Commendation) == 1
    assert await count(engine, AccountabilityCase) == 2


async def test_multipart_upload_and_unknown_columns(api: Api, people: dict[str, Any]) -> None:
    content = csv_of(
        [
            ["id_number", "kind", "year", "grade", "colour"],
            [people["numbers"][0], "annual", "2021", "competent", "red"],
        ]
    )
    response = await api.http.post(
        "/v1/imports/assessments",
        headers=api.headers,
        files={"file": ("a.csv", content, "text/csv")},
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "rows[1].colour"
    assert error["message"].startswith("第1行 colour：无法识别的列")
    assert error["message"].endswith("Row 1, colour: unknown column.")
    good = csv_of(
        [
            ["id_number", "kind", "year", "grade"],
            [people["numbers"][0], "annual", "2021", "competent"],
        ]
    )
    response = await api.http.post(
        "/v1/imports/assessments", headers=api.headers, files={"file": ("a.csv", good, "text/csv")}
    )
    assert response.status_code == 201

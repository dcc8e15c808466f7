"""Bulk import: all or nothing, row-level problems, idempotent by content, CSV and XLSX."""

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.models import AccountabilityCase, Assessment, Commendation
from tests.factories import Api, id_number

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


@pytest.fixture
async def people(api: Api) -> dict[str, Any]:
    county = await api.org_unit("纳溪区人民政府", level="county", division_code="510503")
    numbers = [id_number() for _ in range(3)]
    cadres = [
        await api.post("/v1/cadres", {"id_number": n, "name": f"干部{i}"})
        for i, n in enumerate(numbers)
    ]
    return {"county": county, "numbers": numbers, "cadres": cadres}


async def upload(
    api: Api,
    kind: str,
    content: bytes,
    media: str = "text/csv",
    status: int = 201,
    filename: str = "data.csv",
) -> dict[str, Any]:
    response = await api.http.post(
        f"/v1/imports/{kind}",
        content=content,
        params={"filename": filename},
        headers={**api.headers, "Content-Type": media},
    )
    assert response.status_code == status, response.text
    return dict(response.json())


async def count(engine: AsyncEngine, model: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


def csv_of(rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(r) for r in rows) + "\n").encode("utf-8")


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
    assert "rows[3].grade" in fields
    assert "rows[4].id_number" in fields
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


async def test_duplicates_within_the_file_and_with_the_record_are_refused(
    api: Api, people: dict[str, Any]
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
    assert problem["bad_rows"] == [3, 4]


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
    assert response.json()["errors"][0] == {"field": "rows[1].colour", "message": "unknown column"}
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


async def test_the_documented_sample_files_import(api: Api, engine: AsyncEngine) -> None:
    samples = SAMPLES
    for number in ("510502197506150017", "510502197506150033"):
        await api.post("/v1/cadres", {"id_number": number, "name": "示例"})
    city = await api.org_unit("泸州市人民政府")
    for name in ("江阳区人民政府", "纳溪区人民政府"):
        await api.org_unit(name, level="county", parent_id=city["id"])
    for kind, file in (
        ("assessments", "assessments.csv"),
        ("assessments", "unit-assessments-zh.csv"),
        ("accountability-cases", "accountability-cases-zh.csv"),
        ("commendations", "commendations.csv"),
    ):
        result = await upload(api, kind, (samples / file).read_bytes(), filename=file)
        assert result["rows"] == 2 if "commendations" not in file else result["rows"] == 1
    problem = await upload(
        api, "assessments", (samples / "assessments-zh.csv").read_bytes(), status=422
    )
    assert "already recorded" in problem["errors"][0]["message"]

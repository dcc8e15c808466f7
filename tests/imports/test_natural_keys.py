"""The same facts in other bytes are never recorded twice: rows are matched to current records
by their natural keys, skipped and reported; a file of nothing new answers like one imported
before."""

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.models import AccountabilityCase, Assessment, Commendation
from tests.factories import Api
from tests.imports.helpers import count, crlf, csv_of, upload

CASE_HEADERS = ["身份证号", "问责情形", "立案日期", "决定日期", "决定机关", "文号", "问责方式"]


def cases_file(numbers: list[str]) -> bytes:
    return csv_of(
        [
            CASE_HEADERS,
            [
                numbers[0],
                "履职不到位",
                "2025-01-05",
                "2025-03-01",
                "中共泸州市委",
                "泸委发〔2025〕3号",
                "通报",
            ],
            [numbers[1], "履职不到位", "2025-02-01", "2025-04-01", "中共泸州市委", "", "通报"],
        ]
    )


async def test_a_cases_file_again_with_crlf_line_endings_creates_nothing(
    api: Api, people: dict[str, Any], engine: AsyncEngine
) -> None:
    content = cases_file(people["numbers"])
    first = await upload(api, "accountability-cases", content)
    again = await upload(api, "accountability-cases", crlf(content), status=200)
    assert again["already_imported"] is True and again["status"] == "already_imported"
    assert again["import_id"] == first["import_id"] and again["rows"] == 2
    assert [s["row"] for s in again["skipped_rows"]] == [2, 3]
    assert again["skipped_rows"][0]["message"].startswith("第2行：已有此问责")
    assert await count(engine, AccountabilityCase) == 2


async def test_reordered_columns_spaces_and_other_brackets_are_the_same_case(
    api: Api, people: dict[str, Any], engine: AsyncEngine
) -> None:
    n = people["numbers"]
    await upload(api, "accountability-cases", cases_file(n))
    reordered = csv_of(
        [
            ["文号", "决定日期", " 身份证号 ", "问责方式", "决定机关", "立案日期", "问责情形"],
            [
                "泸委发[2025] 3号",
                "2025/3/1",
                f" {n[0]} ",
                "通报",
                "中共泸州市委 ",
                "2025-01-05",
                "履职不到位",
            ],
            # The recorded case has no document number: authority and circumstance stand for it.
            [
                "泸委发〔2025〕9号",
                "2025年4月1日",
                n[1],
                "通报",
                "中共泸州市委",
                "2025-02-01",
                "履职不到位",
            ],
        ]
    )
    result = await upload(api, "accountability-cases", reordered, status=200)
    assert result["skipped"] == 2
    assert await count(engine, AccountabilityCase) == 2


async def test_another_decision_of_the_same_day_is_a_new_case(
    api: Api, people: dict[str, Any], engine: AsyncEngine
) -> None:
    n = people["numbers"]
    await upload(api, "accountability-cases", cases_file(n))
    content = csv_of(
        [
            CASE_HEADERS,
            [
                n[0],
                "履职不到位",
                "2025-01-05",
                "2025-03-01",
                "中共泸州市委",
                "泸委发〔2025〕4号",
                "通报",
            ],
            [n[1], "履职不到位", "2025-02-01", "2025-04-01", "中共泸州市委", "", "通报"],
        ]
    )
    result = await upload(api, "accountability-cases", content)
    assert result["status"] == "applied" and result["rows"] == 1
    assert [s["row"] for s in result["skipped_rows"]] == [3]
    assert await count(engine, AccountabilityCase) == 3
    events = await api.get("/v1/audit-events", action="import.applied")
    assert events["items"][0]["summary"]["skipped"] == 1


async def test_a_commendation_is_its_cadre_kind_and_date(
    api: Api, people: dict[str, Any], engine: AsyncEngine
) -> None:
    n = people["numbers"]
    headers = ["身份证号", "奖励类型", "奖励依据", "年度", "奖励日期"]
    first = csv_of([headers, [n[0], "记三等功", "组织参加抢险救援", "2024", "2025-01-20"]])
    await upload(api, "commendations", first)
    same_fact = csv_of(
        [
            ["奖励日期", "身份证号", "奖励类型", "奖励依据", "年度", "事迹"],
            ["2025年1月20日", n[0], "merit_third", "organising_rescue", "2024", "抢险"],
            ["2025年6月1日", n[0], "记三等功", "组织参加抢险救援", "2025", ""],
        ]
    )
    result = await upload(api, "commendations", same_fact)
    assert result["rows"] == 1 and result["skipped"] == 1
    assert await count(engine, Commendation) == 2


async def test_a_revoked_record_does_not_hold_its_facts(
    api: Api, people: dict[str, Any], engine: AsyncEngine
) -> None:
    n = people["numbers"]
    headers = ["身份证号", "奖励类型", "奖励依据", "年度", "奖励日期"]
    content = csv_of([headers, [n[0], "记三等功", "组织参加抢险救援", "2024", "2025-01-20"]])
    await upload(api, "commendations", content)
    listed = await api.get("/v1/commendations", cadre_id=people["cadres"][0]["id"])
    record = listed["items"][0]["id"]
    await api.post(f"/v1/commendations/{record}/revocation", {"reason": "录入错误"}, status=200)
    result = await upload(api, "commendations", crlf(content))
    assert result["status"] == "applied" and result["rows"] == 1
    assert await count(engine, Commendation) == 3  # two versions of the revoked one, one new


async def test_a_revoked_assessment_still_holds_its_subject_kind_and_year(
    api: Api, people: dict[str, Any], engine: AsyncEngine
) -> None:
    content = csv_of(
        [
            ["身份证号", "考核类型", "年度", "等次"],
            [people["numbers"][0], "年度考核", "2024", "称职"],
        ]
    )
    await upload(api, "assessments", content)
    listed = await api.get("/v1/assessments", cadre_id=people["cadres"][0]["id"])
    record = listed["items"][0]["id"]
    await api.post(f"/v1/assessments/{record}/revocation", {"reason": "录入错误"}, status=200)
    problem = await upload(api, "assessments", crlf(content), status=422)
    assert problem["errors"][0]["field"] == "rows[2].年度"
    assert "已撤销或已更正" in problem["errors"][0]["message"]
    assert await count(engine, Assessment) == 2


async def test_facts_recorded_by_hand_answer_as_already_imported(
    api: Api, people: dict[str, Any], engine: AsyncEngine
) -> None:
    await api.post(
        "/v1/assessments",
        {
            "subject": "cadre",
            "cadre_id": people["cadres"][0]["id"],
            "kind": "annual",
            "year": 2024,
            "grade": "competent",
        },
    )
    content = csv_of(
        [
            ["id_number", "kind", "year", "grade"],
            [people["numbers"][0], "annual", "2024", "competent"],
        ]
    )
    result = await upload(api, "assessments", content, status=200)
    assert result["already_imported"] is True and result["rows"] == 0
    assert result["skipped"] == 1
    again = await upload(api, "assessments", content, status=200)
    assert again["import_id"] == result["import_id"]
    assert await count(engine, Assessment) == 1


async def test_the_same_facts_sent_at_once_in_several_variants_are_recorded_once(
    api: Api, people: dict[str, Any], engine: AsyncEngine
) -> None:
    content = cases_file(people["numbers"])
    variants = [content, crlf(content), content.replace(b",", b", "), b"\xef\xbb\xbf" + content]
    answers = await asyncio.gather(
        *(
            api.http.post(
                "/v1/imports/accountability-cases",
                content=variant,
                params={"filename": f"cases-{i}.csv"},
                headers={**api.headers, "Content-Type": "text/csv"},
            )
            for i, variant in enumerate(variants)
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201], [a.text for a in answers]
    assert await count(engine, AccountabilityCase) == 2
    created = next(a.json() for a in answers if a.status_code == 201)
    for again in (a.json() for a in answers if a.status_code == 200):
        assert again["already_imported"] is True and again["import_id"] == created["import_id"]

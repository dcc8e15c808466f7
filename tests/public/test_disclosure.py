"""考核公开: published results are public, without a key and without ID numbers."""

from datetime import timedelta
from typing import Any

import httpx
import pytest

from app import clock
from app.config import Settings
from app.main import create_app
from tests.factories import Api, id_number


@pytest.fixture
async def results(api: Api) -> dict[str, Any]:
    city = await api.org_unit("泸州市人民政府")
    county = await api.org_unit("合江县人民政府", level="county", parent_id=city["id"])
    other = await api.org_unit("宜宾市人民政府")
    number = id_number()
    cadre = await api.post("/v1/cadres", {"id_number": number, "name": "钱学明"})
    await api.post_held(cadre["id"], county["id"], start="2020-01-01", title="县长")
    published = await api.post(
        "/v1/assessments",
        {
            "subject": "org_unit",
            "org_unit_id": county["id"],
            "kind": "safety_work",
            "year": 2025,
            "grade": "good",
            "score": "86.5",
            "published": True,
        },
    )
    hidden = await api.post(
        "/v1/assessments",
        {
            "subject": "org_unit",
            "org_unit_id": other["id"],
            "kind": "safety_work",
            "year": 2025,
            "grade": "fail",
            "score": "52",
        },
    )
    duty = await api.post(
        "/v1/assessments",
        {
            "subject": "cadre",
            "cadre_id": cadre["id"],
            "kind": "safety_duty",
            "year": 2025,
            "grade": "excellent",
        },
    )
    await api.post(
        "/v1/assessments",
        {
            "subject": "cadre",
            "cadre_id": cadre["id"],
            "kind": "annual",
            "year": 2025,
            "grade": "competent",
            "published": True,
        },
    )
    return {
        "city": city,
        "county": county,
        "other": other,
        "cadre": cadre,
        "number": number,
        "published": published,
        "hidden": hidden,
        "duty": duty,
    }


async def test_published_results_are_public_without_id_numbers(
    api: Api, results: dict[str, Any]
) -> None:
    await api.post(f"/v1/assessments/{results['duty']['id']}/publish", {}, status=200)
    response = await api.http.get("/v1/public/assessment-results", params={"year": 2025})
    assert response.status_code == 200
    body = response.json()
    units = [r for r in body["results"] if r["subject"] == "org_unit"]
    cadres = [r for r in body["results"] if r["subject"] == "cadre"]
    assert [(u["org_unit"], u["grade_label"], u["score"]) for u in units] == [
        ("合江县人民政府", "良好", "86.50")
    ]
    assert [(c["cadre_name"], c["post"], c["grade_label"]) for c in cadres] == [
        ("钱学明", "县长", "优秀")
    ]
    text = response.text
    assert results["number"] not in text and results["number"][-4:] not in text
    assert results["cadre"]["id"] not in text


async def test_unpublished_results_never_appear(api: Api, results: dict[str, Any]) -> None:
    body = (await api.http.get("/v1/public/assessment-results")).json()
    names = {r["org_unit"] for r in body["results"]}
    assert "宜宾市人民政府" not in names
    assert all(r["kind"] != "annual" for r in body["results"])
    assert all(r["subject"] != "cadre" for r in body["results"])  # duty grade not published
    await api.post(
        f"/v1/assessments/{results['published']['id']}/unpublish", {"reason": "核实中"}, status=200
    )
    body = (await api.http.get("/v1/public/assessment-results")).json()
    assert body["results"] == []


async def test_etag_and_304(api: Api, results: dict[str, Any]) -> None:
    first = await api.http.get("/v1/public/assessment-results.html", params={"year": 2025})
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/html")
    assert "合江县人民政府" in first.text and "良好" in first.text
    assert first.headers["cache-control"].startswith("public")
    etag = first.headers["etag"]
    again = await api.http.get(
        "/v1/public/assessment-results.html", params={"year": 2025}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304 and again.content == b""
    await api.post(f"/v1/assessments/{results['duty']['id']}/publish", {}, status=200)
    changed = await api.http.get(
        "/v1/public/assessment-results.html", params={"year": 2025}, headers={"If-None-Match": etag}
    )
    assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_the_json_results_are_cacheable_too(api: Api, results: dict[str, Any]) -> None:
    first = await api.http.get("/v1/public/assessment-results", params={"year": 2025})
    assert first.status_code == 200 and first.headers["cache-control"].startswith("public")
    etag = first.headers["etag"]
    again = await api.http.get(
        "/v1/public/assessment-results", params={"year": 2025}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304 and again.content == b""
    other_year = await api.http.get(
        "/v1/public/assessment-results", params={"year": 2024}, headers={"If-None-Match": etag}
    )
    assert other_year.status_code == 200 and other_year.headers["etag"] != etag


async def test_subtree_filter_and_publishing_is_audited(api: Api, results: dict[str, Any]) -> None:
    await api.post(f"/v1/assessments/{results['hidden']['id']}/publish", {}, status=200)
    scoped = (
        await api.http.get(
            "/v1/public/assessment-results", params={"org_unit": results["city"]["id"]}
        )
    ).json()
    assert {r["org_unit"] for r in scoped["results"]} == {"合江县人民政府"}
    events = await api.get(
        "/v1/audit-events", target_id=results["hidden"]["id"], action="assessment.amended"
    )
    assert events["items"][0]["summary"]["changes"]["published"] == [False, True]
    await api.post(f"/v1/assessments/{results['hidden']['id']}/publish", {}, status=409)


async def test_the_json_says_who_published_when_and_until_when_objections_are_received(
    api: Api, results: dict[str, Any]
) -> None:
    body = (await api.http.get("/v1/public/assessment-results", params={"year": 2025})).json()
    today = clock.today()
    assert body["publisher"] == "泸州市安全生产委员会办公室"
    assert body["published_on"] == today.isoformat()
    assert body["objection_days"] == 7
    assert body["objections_until"] == (today + timedelta(days=6)).isoformat()
    assert [r["published_on"] for r in body["results"]] == [today.isoformat()]
    assert body["years"] == [2025] and body["total"] == 1 and body["next_offset"] is None


async def test_paging_honours_limit_and_offset_in_json_and_html(api: Api) -> None:
    city = await api.org_unit("泸州市人民政府")
    names = [f"第{i:02d}乡镇人民政府" for i in range(12)]
    for name in names:
        unit = await api.org_unit(name, level="township", parent_id=city["id"])
        await api.post(
            "/v1/assessments",
            {
                "subject": "org_unit",
                "org_unit_id": unit["id"],
                "kind": "safety_work",
                "year": 2024 if name < "第06" else 2025,
                "grade": "pass",
                "score": "70",
                "published": True,
            },
        )
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = (
            await api.http.get(
                "/v1/public/assessment-results", params={"limit": 5, "offset": offset}
            )
        ).json()
        assert page["limit"] == 5 and page["total"] == 12 and len(page["results"]) <= 5
        seen += [r["org_unit"] for r in page["results"]]
        offset = page["next_offset"]
    assert sorted(seen) == names and len(seen) == 12  # every result once, none twice
    assert page["years"] == [2025, 2024]
    first = await api.http.get("/v1/public/assessment-results.html", params={"limit": 5})
    assert first.text.count("乡镇人民政府</td>") == 5
    assert "第1—5条，共12条" in first.text and 'rel="next"' in first.text
    assert 'href="/v1/public/assessment-results.html?limit=5&amp;offset=5"' in first.text
    last = await api.http.get(
        "/v1/public/assessment-results.html", params={"limit": 5, "offset": 10}
    )
    assert last.text.count("乡镇人民政府</td>") == 2 and 'rel="next"' not in last.text
    bad = await api.http.get("/v1/public/assessment-results", params={"limit": 0})
    assert bad.status_code == 422 and "limit" in bad.text


async def test_the_page_is_a_disclosure_page_fit_to_publish(
    api: Api, results: dict[str, Any]
) -> None:
    await api.post(f"/v1/assessments/{results['duty']['id']}/publish", {}, status=200)
    page = (await api.http.get("/v1/public/assessment-results.html")).text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "发布机关：泸州市安全生产委员会办公室" in page
    assert f"发布日期：{clock.today().year}年" in page and "公示期：" in page and "（7日）" in page
    assert "对公示结果有异议的，请在公示期内以书面形式实名向发布机关反映" in page
    assert "@media print" in page and "@media (max-width" in page
    # Navigation by year and by kind, the current one marked.
    assert '<strong aria-current="page">全部年度</strong>' in page
    assert 'href="/v1/public/assessment-results.html?year=2025">2025年度</a>' in page
    assert 'href="/v1/public/assessment-results.html?subject=cadre">领导干部考核</a>' in page
    assert "<h2>2025年度</h2>" in page and '<th scope="col">时任职务</th>' in page
    assert "<td>钱学明</td><td>合江县人民政府</td><td>县长</td><td>优秀</td>" in page
    assert results["number"] not in page and results["cadre"]["id"] not in page
    cadres_only = (
        await api.http.get("/v1/public/assessment-results.html", params={"subject": "cadre"})
    ).text
    assert "钱学明" in cadres_only and "单位安全生产工作考核结果" not in cadres_only
    assert '<strong aria-current="page">领导干部考核</strong>' in cadres_only


async def test_the_publisher_contact_and_period_come_from_the_settings(
    settings: Settings, results: dict[str, Any]
) -> None:
    configured = settings.model_copy(
        update={
            "public_publisher": "合江县安全生产委员会办公室",
            "public_contact": "合江县应急管理局，电话 0830-0000000",
            "public_objection_days": 10,
        }
    )
    app = create_app(configured)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        page = (await http.get("/v1/public/assessment-results.html")).text
        body = (await http.get("/v1/public/assessment-results")).json()
    await app.state.engine.dispose()
    assert "发布机关：合江县安全生产委员会办公室" in page and "（10日）" in page
    assert "（合江县应急管理局，电话 0830-0000000）" in page
    assert body["contact"] == "合江县应急管理局，电话 0830-0000000"
    until = clock.today() + timedelta(days=9)
    assert body["objections_until"] == until.isoformat()

"""考核公开: published results are public, without a key and without ID numbers."""

from typing import Any

import pytest

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

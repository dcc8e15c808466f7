"""Consultations: bad requests, the dossier, and listings with their filters."""

from datetime import timedelta
from typing import Any

from app import clock
from tests.consultations.world import YEAR, World, issue, request
from tests.factories import Api


async def test_bad_requests_are_clear_problems(api: Api, world: World) -> None:
    problem = await request(api, world, status=404, cadre_id="00000000-0000-0000-0000-000000000001")
    assert problem["errors"][0]["field"] == "body.cadre_id"
    problem = await request(
        api,
        world,
        status=422,
        purpose="soe_head_appointment",
        proposed_org_unit_id=world["county"]["id"],
    )
    assert problem["errors"][0]["field"] == "body.proposed_org_unit_id"
    no_prefix = await api.post(
        f"/v1/consultations/{(await request(api, world))['id']}/issue",
        {"issuing_org_unit_id": world["county"]["id"]},
        status=422,
    )
    assert no_prefix["errors"][0]["field"] == "body.issuing_org_unit_id"


async def test_dossier_and_overdue_listing(api: Api, world: World) -> None:
    late = await request(api, world, reply_by=(clock.today() - timedelta(days=2)).isoformat())
    await request(api, world, reply_by=(clock.today() + timedelta(days=10)).isoformat())
    assert late["overdue"] is True
    overdue = await api.get("/v1/consultations", overdue="true")
    assert [c["id"] for c in overdue["items"]] == [late["id"]]
    dossier = await api.get(f"/v1/consultations/{late['id']}/dossier")
    assert dossier["dossier"]["cadre"]["name"] == "赵建国"
    assert dossier["decision"]["purpose"] == "soe_head_appointment"
    assert [p["title"] for p in dossier["dossier"]["career"]] == ["副县长"]


async def test_the_dossier_holds_the_last_three_years_of_assessments(
    api: Api, world: World
) -> None:
    for year in (YEAR - 5, YEAR - 4, YEAR - 3, YEAR - 2):
        await api.post(
            "/v1/assessments",
            {
                "subject": "cadre",
                "cadre_id": world["cadre"]["id"],
                "kind": "annual",
                "year": year,
                "grade": "competent",
            },
        )
    await api.post(
        "/v1/assessments",
        {
            "subject": "cadre",
            "cadre_id": world["cadre"]["id"],
            "kind": "safety_duty",
            "year": YEAR,
            "grade": "excellent",
        },
    )
    consultation = await request(api, world)
    dossier = await api.get(f"/v1/consultations/{consultation['id']}/dossier")
    years = sorted(a["year"] for a in dossier["dossier"]["assessments"])
    assert years == [YEAR - 3, YEAR - 2, YEAR - 1, YEAR]


async def test_listing_filters_by_state_candidate_requester_and_due_date(
    api: Api, world: World
) -> None:
    other = await api.cadre("钱立新")
    soon = (clock.today() + timedelta(days=3)).isoformat()
    later = (clock.today() + timedelta(days=30)).isoformat()
    first = await request(api, world, reply_by=soon)
    second = await request(api, world, reply_by=later, requesting_unit="泸州市国资委")
    third = await request(api, world, cadre_id=other["id"], reply_by=later)
    issued = await issue(api, world, first)

    def ids(page: dict[str, Any]) -> set[str]:
        return {c["id"] for c in page["items"]}

    assert ids(await api.get("/v1/consultations", state="issued")) == {issued["id"]}
    assert ids(await api.get("/v1/consultations", state="drafted")) == {second["id"], third["id"]}
    assert ids(await api.get("/v1/consultations", cadre_id=other["id"])) == {third["id"]}
    by_unit = await api.get("/v1/consultations", requesting_unit="泸州市国资委")
    assert ids(by_unit) == {second["id"]}
    assert ids(await api.get("/v1/consultations", due_before=soon)) == {first["id"]}
    page = await api.get("/v1/consultations", limit="2")
    assert page["total"] == 3 and len(page["items"]) == 2
    bad = await api.http.get("/v1/consultations", params={"state": "lost"}, headers=api.headers)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.state"

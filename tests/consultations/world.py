"""A small Luzhou for the consultation tests: the city, its emergency management bureau (the
issuer), a county, a key SOE and a candidate who is the county's safety lead; and the two
calls every test makes (request, issue)."""

from datetime import timedelta
from typing import Any

from app import clock
from tests.factories import Api

World = dict[str, Any]
YEAR = clock.today().year
# Record dates relative to today, so that no test depends on the time of year it runs.
OPENED = (clock.today() - timedelta(days=60)).isoformat()
DECIDED = (clock.today() - timedelta(days=30)).isoformat()
ACCIDENT_AT = f"{(clock.today() - timedelta(days=62)).isoformat()}T10:00:00+08:00"


async def build_world(api: Api) -> World:
    city = await api.org_unit("泸州市人民政府")
    emergency = await api.org_unit(
        "泸州市应急管理局",
        kind="government_department",
        parent_id=city["id"],
        document_prefix="泸应急意",
    )
    county = await api.org_unit("叙永县人民政府", level="county", parent_id=city["id"])
    soe = await api.org_unit(
        "泸州市兴泸投资集团有限公司",
        kind="state_owned_enterprise",
        parent_id=city["id"],
        is_key_soe=True,
        industry="gas",
    )
    cadre = await api.cadre("赵建国")
    await api.post_held(
        cadre["id"],
        county["id"],
        start="2019-03-01",
        title="副县长",
        position="deputy",
        safety_role="safety_lead",
    )
    await api.post(
        "/v1/assessments",
        {
            "subject": "cadre",
            "cadre_id": cadre["id"],
            "kind": "annual",
            "year": YEAR - 1,
            "grade": "competent",
        },
    )
    return {"city": city, "emergency": emergency, "county": county, "soe": soe, "cadre": cadre}


async def request(api: Api, world: World, status: int = 201, **extra: Any) -> dict[str, Any]:
    body = {
        "cadre_id": world["cadre"]["id"],
        "proposed_org_unit_id": world["soe"]["id"],
        "proposed_title": "董事长",
        "requesting_unit": "中共泸州市委组织部",
        "letter_reference": f"泸委组函〔{YEAR}〕8号",
        **extra,
    }
    return await api.post("/v1/consultations", body, status=status)


async def issue(
    api: Api, world: World, consultation: dict[str, Any], status: int = 200, **extra: Any
) -> dict[str, Any]:
    body = {"issuing_org_unit_id": world["emergency"]["id"], **extra}
    return await api.post(f"/v1/consultations/{consultation['id']}/issue", body, status=status)

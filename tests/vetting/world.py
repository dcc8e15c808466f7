"""A county safety lead with three years of annual assessments, a clean cadre, and a key SOE
under the city's SASAC: the world of the vetting API tests; and `check`, one call."""

from typing import Any

from tests.factories import Api, id_number

World = dict[str, Any]


async def build_world(api: Api) -> World:
    city = await api.org_unit("泸州市人民政府")
    county = await api.org_unit("古蔺县人民政府", level="county", parent_id=city["id"])
    sasac = await api.org_unit("泸州市国资委", kind="government_department", parent_id=city["id"])
    soe = await api.org_unit(
        "泸州市兴泸投资集团有限公司",
        kind="state_owned_enterprise",
        parent_id=sasac["id"],
        is_key_soe=True,
        industry="gas",
    )
    number = id_number()
    cadre = await api.post("/v1/cadres", {"id_number": number, "name": "韩梅"})
    await api.post_held(cadre["id"], county["id"], start="2018-01-01")
    for year in (2023, 2024, 2025):
        await api.post(
            "/v1/assessments",
            {
                "subject": "cadre",
                "cadre_id": cadre["id"],
                "kind": "annual",
                "year": year,
                "grade": "competent",
            },
        )
    clean = await api.cadre("清白")
    await api.post(
        "/v1/assessments",
        {
            "subject": "cadre",
            "cadre_id": clean["id"],
            "kind": "annual",
            "year": 2025,
            "grade": "competent",
        },
    )
    return {
        "cadre": cadre,
        "number": number,
        "county": county,
        "soe": soe,
        "sasac": sasac,
        "clean": clean,
    }


async def check(api: Api, status: int = 201, **body: Any) -> dict[str, Any]:
    return await api.post("/v1/vetting/checks", body, status=status)

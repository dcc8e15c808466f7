from fastapi import FastAPI

from tests.conftest import make_client
from tests.factories import Api, id_number


async def test_a_cadre_takes_birth_date_and_gender_from_the_id_number(api: Api) -> None:
    number = id_number(male=False)
    cadre = await api.post("/v1/cadres", {"id_number": number, "name": "孙丽"})
    assert cadre["birth_date"] == "1975-06-15"
    assert cadre["gender"] == "female"
    assert cadre["labels"]["gender"] == "女"
    assert cadre["status"] == "serving"


async def test_id_numbers_are_masked_without_pii_scope(api: Api, app: FastAPI) -> None:
    number = id_number()
    cadre = await api.post("/v1/cadres", {"id_number": number, "name": "吴刚"})
    reader = Api(api.http, await make_client(app, "hr", ["records:read"]))
    shown = await reader.get(f"/v1/cadres/{cadre['id']}")
    assert shown["id_number"] == f"{number[:2]}{'*' * 14}{number[16:]}"
    # The birth day stays hidden too: with it, the old mask gave the number back.
    full = await api.get(f"/v1/cadres/{cadre['id']}")
    assert shown["birth_date"] is None and shown["birth_month"] == full["birth_date"][:7]
    assert full["id_number"] == number and full["birth_date"] == cadre["birth_date"]


async def test_lookup_by_id_number(api: Api) -> None:
    number = id_number()
    cadre = await api.post("/v1/cadres", {"id_number": number, "name": "郑伟"})
    found = await api.post("/v1/cadres/lookup", {"id_number": number.lower()}, status=200)
    assert found["id"] == cadre["id"]
    await api.post("/v1/cadres/lookup", {"id_number": id_number()}, status=404)


async def test_name_correction_keeps_the_old_version(api: Api) -> None:
    cadre = await api.cadre("王晓明")
    amended = await api.post(
        f"/v1/cadres/{cadre['id']}/amendments",
        {"reason": "身份证姓名为王小明", "changes": {"name": "王小明"}},
        status=200,
    )
    assert amended["name"] == "王小明" and amended["version"] == 2
    history = await api.get(f"/v1/cadres/{cadre['id']}/history")
    assert [v["name"] for v in history] == ["王晓明", "王小明"]
    assert history[1]["change_reason"] == "身份证姓名为王小明"


async def test_status_changes_are_dated_events(api: Api) -> None:
    cadre = await api.cadre()
    await api.post(
        "/v1/cadre-status-events",
        {"cadre_id": cadre["id"], "status": "retired", "effective_date": "2020-01-01"},
    )
    assert (await api.get(f"/v1/cadres/{cadre['id']}"))["status"] == "retired"
    listed = await api.get("/v1/cadres", status="retired")
    assert [c["id"] for c in listed["items"]] == [cadre["id"]]


async def test_cadre_list_filters_by_name_and_unit(api: Api) -> None:
    unit = await api.org_unit()
    one = await api.cadre("陈一")
    await api.cadre("林二")
    await api.post_held(one["id"], unit["id"])
    assert [c["id"] for c in (await api.get("/v1/cadres", name="陈"))["items"]] == [one["id"]]
    by_unit = await api.get("/v1/cadres", org_unit_id=unit["id"])
    assert [c["id"] for c in by_unit["items"]] == [one["id"]]
    page = await api.get("/v1/cadres", limit=1)
    assert page["total"] == 2 and len(page["items"]) == 1

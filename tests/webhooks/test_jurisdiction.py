"""A subscription made by a key bound to an org unit receives only the events about its
jurisdiction; unbound keys receive everything; a revoked key's subscriptions receive nothing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import FastAPI
from sqlalchemy import select

from app.auth.jurisdiction import cadre_visible
from app.auth.principal import Principal
from app.config import Settings
from app.context import system_context
from app.models import ApiClient, Cadre
from app.uow import unit_of_work
from app.webhooks.outbox import EventType, publish, publish_many
from app.webhooks.worker import Worker
from tests.conftest import make_client
from tests.factories import Api
from tests.webhooks.support import SECRET, Receiver, drain

CASES = "accountability_case.recorded"


async def _world(api: Api, app: FastAPI) -> dict[str, Any]:
    """A province with two cities, the first with a county and a key bound to it; cadres
    inside, outside, moved away, without a post (recorded by the city or the province), and
    with a post in the county that was corrected to the other city or revoked."""
    province = await api.org_unit("四川省人民政府", level="province")
    city = await api.org_unit("泸州市人民政府", parent_id=province["id"])
    county = await api.org_unit("古蔺县人民政府", level="county", parent_id=city["id"])
    other_city = await api.org_unit("宜宾市人民政府", parent_id=province["id"])
    city_api = Api(api.http, await make_client(app, "city-hooks", ["admin"], city["id"]))
    names = ("县长", "外市", "调走", "省录", "更正", "撤销")
    cadres = {name: (await api.cadre(name))["id"] for name in names}
    cadres["市录"] = (await city_api.cadre("市录"))["id"]
    await api.post_held(cadres["县长"], county["id"])
    await api.post_held(cadres["外市"], other_city["id"])
    await api.post_held(cadres["调走"], city["id"], start="2010-01-01", end_date="2014-12-31")
    await api.post_held(cadres["调走"], other_city["id"], start="2015-01-01")
    corrected = await api.post_held(cadres["更正"], county["id"])
    correction = {"reason": "录入单位有误", "changes": {"org_unit_id": other_city["id"]}}
    await api.post(f"/v1/posts/{corrected['id']}/amendments", correction, status=200)
    revoked = await api.post_held(cadres["撤销"], county["id"])
    await api.post(f"/v1/posts/{revoked['id']}/revocation", {"reason": "误录"}, status=200)
    return {
        "city": city,
        "county": county,
        "other_city": other_city,
        "cadres": cadres,
        "city_api": city_api,
    }


async def _subscribe(api: Api, receiver: Receiver, path: str) -> dict[str, Any]:
    body = {"url": f"{receiver.url}/{path}", "event_types": [CASES], "secret": SECRET}
    return await api.post("/v1/webhooks", body)


def _delivered_cadres(receiver: Receiver, path: str) -> set[str]:
    return {
        r["body"]["data"]["cadre_id"] for r in receiver.received if r["path"] == f"/hooks/{path}"
    }


async def test_a_bound_key_receives_only_events_about_cadres_in_its_jurisdiction(
    api: Api, app: FastAPI, receiver: Receiver, worker_settings: Settings
) -> None:
    world = await _world(api, app)
    await _subscribe(world["city_api"], receiver, "city")
    await _subscribe(api, receiver, "province")
    cadres = world["cadres"]
    for cadre_id in cadres.values():
        await api.case(cadre_id)
    worker = Worker(app.state.sessionmaker, worker_settings)
    await drain([worker], lambda: len(_delivered_cadres(receiver, "province")) == 7)
    while await worker.run_once():
        pass
    assert _delivered_cadres(receiver, "province") == set(cadres.values())
    city = _delivered_cadres(receiver, "city")
    assert {cadres["县长"], cadres["调走"], cadres["市录"]} <= city
    assert cadres["外市"] not in city
    # exactly the cadres the key sees in its listings (app.auth.jurisdiction.cadre_visible)
    principal = Principal(None, "city", frozenset(), UUID(world["city"]["id"]))
    async with app.state.sessionmaker() as session:
        visible = await session.scalars(select(Cadre.id).where(cadre_visible(principal, Cadre.id)))
        assert city == {str(c) for c in visible}


async def test_events_about_an_org_unit_follow_the_unit_and_events_about_nothing_go_unbound(
    api: Api, app: FastAPI, receiver: Receiver
) -> None:
    world = await _world(api, app)
    bound = await _subscribe(world["city_api"], receiver, "city")
    unbound = await _subscribe(api, receiver, "province")
    units = [{"org_unit_id": world["county"]["id"]}, {"org_unit_id": world["other_city"]["id"]}]
    async with unit_of_work(app.state.sessionmaker) as session:
        await publish_many(session, EventType.ACCOUNTABILITY_CASE_RECORDED, units)
        await publish(session, EventType.ACCOUNTABILITY_CASE_RECORDED, {"note": "no subject"})
    assert (await api.get(f"/v1/webhooks/{bound['id']}/deliveries"))["total"] == 1
    assert (await api.get(f"/v1/webhooks/{unbound['id']}/deliveries"))["total"] == 3


async def _revoke(app: FastAPI, name: str) -> None:
    from app.auth.service import revoke_client

    async with unit_of_work(app.state.sessionmaker) as db:
        client_id = (
            await db.execute(select(ApiClient.id).where(ApiClient.name == name))
        ).scalar_one()
        await revoke_client(db, system_context("tests"), client_id)


async def test_a_revoked_keys_subscriptions_receive_nothing_more(
    api: Api, app: FastAPI, receiver: Receiver, worker_settings: Settings
) -> None:
    world = await _world(api, app)
    hook = await _subscribe(world["city_api"], receiver, "city")
    inside = world["cadres"]["县长"]
    await api.case(inside)  # queued before the revocation
    await _revoke(app, "city-hooks")
    await api.case(inside)  # after it
    assert await Worker(app.state.sessionmaker, worker_settings).run_once() == 0
    assert receiver.received == []
    deliveries = await api.get(f"/v1/webhooks/{hook['id']}/deliveries")
    assert deliveries["total"] == 1 and deliveries["items"][0]["attempts"] == 0


async def test_a_bound_key_manages_only_the_subscriptions_of_its_jurisdiction(
    api: Api, app: FastAPI
) -> None:
    city = await api.org_unit("泸州市人民政府")
    a = await api.org_unit("江阳区人民政府", level="county", parent_id=city["id"])
    b = await api.org_unit("古蔺县人民政府", level="county", parent_id=city["id"])
    key_a = Api(api.http, await make_client(app, "hooks-a", ["admin"], a["id"]))
    key_b = Api(api.http, await make_client(app, "hooks-b", ["admin"], b["id"]))
    body = {"url": "http://127.0.0.1:9/hook", "event_types": [CASES], "secret": SECRET}
    mine = await key_a.post("/v1/webhooks", body)
    theirs = await key_b.post("/v1/webhooks", {**body, "url": "http://127.0.0.1:9/other"})
    assert [w["id"] for w in await key_a.get("/v1/webhooks")] == [mine["id"]]
    for path in ("", "/deliveries"):
        await key_a.get(f"/v1/webhooks/{theirs['id']}{path}", expect=404)
    assert {w["id"] for w in await api.get("/v1/webhooks")} == {mine["id"], theirs["id"]}

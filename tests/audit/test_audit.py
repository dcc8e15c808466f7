"""The audit log: one event per write in the same transaction, hash-chained, tamper-evident."""

import asyncio
import itertools
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import Api, id_number
from tests.records.test_lifecycle import KINDS


async def _events_for(api: Api, request_id: str) -> list[dict[str, Any]]:
    page = await api.get("/v1/audit-events", request_id=request_id)
    return list(page["items"])


async def _write(
    api: Api, method: str, path: str, body: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    request_id = uuid.uuid4().hex
    response = await api.http.request(
        method, path, json=body, headers={**api.headers, "X-Request-ID": request_id}
    )
    assert response.status_code < 300, response.text
    return response.json(), await _events_for(api, request_id)


async def test_every_write_endpoint_appends_exactly_one_event(api: Api) -> None:
    unit, events = await _write(
        api,
        "POST",
        "/v1/org-units",
        {"name": "泸州市人民政府", "kind": "government", "level": "city"},
    )
    assert [e["action"] for e in events] == ["org_unit.created"]
    _, events = await _write(
        api, "PATCH", f"/v1/org-units/{unit['id']}", {"name": "泸州市政府", "reason": "更名"}
    )
    assert [e["action"] for e in events] == ["org_unit.updated"]
    cadre, events = await _write(
        api, "POST", "/v1/cadres", {"id_number": id_number(), "name": "甲"}
    )
    assert [e["action"] for e in events] == ["cadre.created"]
    assert events[0]["summary"]["id_number"].count("*") == 8
    _, events = await _write(
        api,
        "POST",
        f"/v1/cadres/{cadre['id']}/amendments",
        {"reason": "更名", "changes": {"name": "乙"}},
    )
    assert [e["action"] for e in events] == ["cadre.amended"]
    post = await api.post_held(cadre["id"], unit["id"])
    accident = await api.accident(unit["id"])
    world = {"cadre": cadre, "county": unit, "accident": accident, "post": post}
    for kind, build in KINDS.items():
        body, changes, _ = build(world)
        created, events = await _write(api, "POST", f"/v1/{kind}", body)
        name = events[0]["target_kind"]
        assert [e["action"] for e in events] == [f"{name}.created"], kind
        assert events[0]["target_id"] == created["id"]
        _, events = await _write(
            api,
            "POST",
            f"/v1/{kind}/{created['id']}/amendments",
            {"reason": "更正", "changes": changes},
        )
        assert [e["action"] for e in events] == [f"{name}.amended"], kind
        _, events = await _write(
            api, "POST", f"/v1/{kind}/{created['id']}/revocation", {"reason": "撤销"}
        )
        assert [e["action"] for e in events] == [f"{name}.revoked"], kind
    _, events = await _write(
        api,
        "POST",
        f"/v1/posts/{post['id']}/transfer",
        {
            "end_date": "2020-01-01",
            "reason": "调任",
            "new_post": {
                "org_unit_id": unit["id"],
                "title": "书记",
                "position": "principal",
                "safety_role": "first_responsible",
                "start_date": "2020-01-02",
            },
        },
    )
    assert [e["action"] for e in events] == ["post.transferred"]
    assert [step["action"] for step in events[0]["summary"]["steps"]] == [
        "post.amended",
        "post.created",
    ]


async def test_every_other_write_endpoint_appends_exactly_one_event(api: Api) -> None:
    city, _ = await _write(
        api,
        "POST",
        "/v1/org-units",
        {"name": "泸州市人民政府", "kind": "government", "level": "city"},
    )
    issuer = await api.org_unit(
        "泸州市应急管理局",
        kind="government_department",
        parent_id=city["id"],
        document_prefix="泸应急意",
    )
    cadre = await api.cadre()
    await api.post_held(cadre["id"], city["id"])
    assessment = await api.post(
        "/v1/assessments",
        {
            "subject": "org_unit",
            "org_unit_id": city["id"],
            "kind": "safety_work",
            "year": 2024,
            "grade": "good",
        },
    )
    writes: list[tuple[str, str, dict[str, Any], str]] = [
        (
            "POST",
            "/v1/vetting/checks",
            {"cadre_id": cadre["id"], "purpose": "promotion"},
            "vetting_decision.created",
        ),
        (
            "POST",
            "/v1/vetting/batches",
            {"items": {"a": {"cadre_id": cadre["id"], "purpose": "appointment"}}},
            "vetting_batch.evaluated",
        ),
        ("POST", f"/v1/assessments/{assessment['id']}/publish", {}, "assessment.amended"),
        (
            "POST",
            "/v1/webhooks",
            {"url": "http://127.0.0.1:9/x", "event_types": ["consultation.issued"]},
            "webhook.created",
        ),
        (
            "POST",
            "/v1/consultations",
            {
                "cadre_id": cadre["id"],
                "proposed_org_unit_id": city["id"],
                "proposed_title": "副市长",
                "requesting_unit": "中共泸州市委组织部",
            },
            "consultation.requested",
        ),
    ]
    results = {}
    for method, path, body, action in writes:
        result, events = await _write(api, method, path, body)
        assert [e["action"] for e in events] == [action], path
        results[action] = result
    consultation = results["consultation.requested"]
    _, events = await _write(
        api,
        "POST",
        f"/v1/consultations/{consultation['id']}/issue",
        {"issuing_org_unit_id": issuer["id"]},
    )
    assert [e["action"] for e in events] == ["consultation.issue"]
    _, events = await _write(
        api, "POST", f"/v1/consultations/{consultation['id']}/revoke", {"reason": "撤回"}
    )
    assert [e["action"] for e in events] == ["consultation.revoke"]


async def test_a_failed_write_leaves_no_event(api: Api) -> None:
    request_id = uuid.uuid4().hex
    response = await api.http.post(
        "/v1/cadres",
        json={"id_number": "110105194912310021", "name": "甲"},
        headers={**api.headers, "X-Request-ID": request_id},
    )
    assert response.status_code == 422
    assert await _events_for(api, request_id) == []


async def test_events_carry_actor_request_and_ip(api: Api) -> None:
    _unit, events = await _write(
        api,
        "POST",
        "/v1/org-units",
        {"name": "泸县人民政府", "kind": "government", "level": "county"},
    )
    event = events[0]
    assert event["actor_name"] == "test-admin"
    assert event["actor_client_id"] is not None
    assert event["client_ip"] == "127.0.0.1"
    assert event["summary"]["after"]["name"] == "泸县人民政府"


async def test_the_chain_verifies_and_concurrent_writers_keep_one_chain(api: Api) -> None:
    async def make(i: int) -> None:
        await api.post("/v1/org-units", {"name": f"单位{i}", "kind": "government", "level": "city"})

    await asyncio.gather(*(make(i) for i in range(20)))
    report = await api.get("/v1/audit-events/verify")
    assert report["intact"] is True
    assert report["events"] >= 20
    events = (await api.get("/v1/audit-events", limit=500))["items"]
    ordered = sorted(events, key=lambda e: e["seq"])
    for previous, current in itertools.pairwise(ordered):
        assert current["prev_hash"] == previous["hash"]


async def _tamper(engine: AsyncEngine, table: str, statement: str, **params: Any) -> None:
    trigger = f"{table}_append_only"
    async with engine.begin() as conn:
        await conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}"))
        await conn.execute(text(statement), params)
        await conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}"))


async def _three_events(api: Api) -> list[dict[str, Any]]:
    for i in range(3):
        await api.post("/v1/org-units", {"name": f"单位{i}", "kind": "government", "level": "city"})
    page = await api.get("/v1/audit-events", action="org_unit.created")
    return sorted(page["items"], key=lambda e: e["seq"])


async def test_tampering_with_an_event_is_found_and_named(api: Api, engine: AsyncEngine) -> None:
    victim = (await _three_events(api))[1]
    forged = '{"after": {"name": "伪造"}}'
    await _tamper(
        engine,
        "audit_events",
        "UPDATE audit_events SET summary = CAST(:s AS jsonb) WHERE id = :id",
        s=forged,
        id=victim["id"],
    )
    report = await api.get("/v1/audit-events/verify")
    assert report["intact"] is False
    assert report["first_break"]["event_id"] == victim["id"]
    assert report["first_break"]["seq"] == victim["seq"]
    assert "altered" in report["first_break"]["reason"]


async def test_removing_a_link_breaks_the_chain_at_the_next(api: Api, engine: AsyncEngine) -> None:
    events = await _three_events(api)
    await _tamper(
        engine, "audit_chain", "DELETE FROM audit_chain WHERE seq = :seq", seq=events[1]["seq"]
    )
    report = await api.get("/v1/audit-events/verify")
    assert report["first_break"]["event_id"] == events[2]["id"]
    assert "missing" in report["first_break"]["reason"]


async def test_an_event_slipped_in_behind_the_chain_is_found(api: Api, engine: AsyncEngine) -> None:
    await _three_events(api)
    stray = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_chain"))
        await conn.execute(
            text(
                "INSERT INTO audit_events (id, actor_name, action, target_kind, summary) "
                "VALUES (:id, 'x', 'cadre.created', 'cadre', '{}')"
            ),
            {"id": stray},
        )
        await conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_chain"))
    report = await api.get("/v1/audit-events/verify")
    assert report["first_break"] == {
        "seq": None,
        "event_id": str(stray),
        "reason": report["first_break"]["reason"],
    }
    assert "no link" in report["first_break"]["reason"]


async def test_the_chain_numbers_are_gapless_and_ordered_by_commit(api: Api) -> None:
    events = await _three_events(api)
    first = events[0]["seq"]
    assert [e["seq"] for e in events] == [first, first + 1, first + 2]
    everything = sorted((await api.get("/v1/audit-events"))["items"], key=lambda e: e["seq"])
    assert everything[0]["seq"] == 1
    assert everything[0]["prev_hash"] == "0" * 64


async def _send(
    api: Api, method: str, path: str, *, status: int, **kwargs: Any
) -> tuple[dict[str, Any], list[str]]:
    request_id = uuid.uuid4().hex
    headers = {**api.headers, "X-Request-ID": request_id, **kwargs.pop("headers", {})}
    response = await api.http.request(method, path, headers=headers, **kwargs)
    assert response.status_code == status, response.text
    return response.json(), [e["action"] for e in await _events_for(api, request_id)]


async def test_the_remaining_writes_append_exactly_one_event_each(api: Api) -> None:
    """Unpublishing, webhook changes and redelivery, every consultation step after the request,
    form receipt and apply, and imports."""
    from tests.forms import lrmx
    from tests.forms.test_api import YEAR, form_elements

    city = await api.org_unit("泸州市人民政府")
    county = await api.org_unit("叙永县人民政府", level="county", parent_id=city["id"])
    await api.org_unit(
        "泸州市应急管理局",
        kind="government_department",
        parent_id=city["id"],
        document_prefix="泸应急意",
    )
    issuer = (await api.get("/v1/org-units", name="泸州市应急管理局"))["items"][0]
    cadre = await api.cadre()
    await api.post_held(cadre["id"], county["id"])
    assessment = await api.post(
        "/v1/assessments",
        {
            "subject": "org_unit",
            "org_unit_id": city["id"],
            "kind": "safety_work",
            "year": 2024,
            "grade": "good",
            "published": True,
        },
    )
    _, actions = await _send(
        api, "POST", f"/v1/assessments/{assessment['id']}/unpublish", json={}, status=200
    )
    assert actions == ["assessment.amended"]

    hook = await api.post(
        "/v1/webhooks",
        {"url": "http://127.0.0.1:9/x", "event_types": ["accountability_case.recorded"]},
    )
    _, actions = await _send(
        api, "PATCH", f"/v1/webhooks/{hook['id']}", json={"active": False}, status=200
    )
    assert actions == ["webhook.updated"]
    await _send(api, "PATCH", f"/v1/webhooks/{hook['id']}", json={"active": True}, status=200)
    await api.case(cadre["id"])
    delivery = (await api.get(f"/v1/webhooks/{hook['id']}/deliveries"))["items"][0]
    _, actions = await _send(
        api, "POST", f"/v1/webhooks/deliveries/{delivery['id']}/redeliver", json={}, status=202
    )
    assert actions == ["webhook.redelivery_requested"]

    consultation = await api.post(
        "/v1/consultations",
        {
            "cadre_id": cadre["id"],
            "proposed_org_unit_id": city["id"],
            "proposed_title": "市长",
            "requesting_unit": "中共泸州市委组织部",
        },
    )
    path = f"/v1/consultations/{consultation['id']}"
    _, actions = await _send(api, "POST", f"{path}/redraft", json={}, status=200)
    assert actions == ["consultation.redrafted"]
    await api.post(f"{path}/issue", {"issuing_org_unit_id": issuer["id"]}, status=200)
    _, actions = await _send(
        api, "POST", f"{path}/close", json={"appointed_on": "2026-01-05"}, status=200
    )
    assert actions == ["consultation.close"]

    second = await api.post(
        "/v1/consultations",
        {
            "cadre_id": cadre["id"],
            "proposed_org_unit_id": county["id"],
            "proposed_title": "县长",
            "requesting_unit": "中共泸州市委组织部",
        },
    )
    await api.post(
        f"/v1/consultations/{second['id']}/issue", {"issuing_org_unit_id": issuer["id"]}, status=200
    )
    await api.post(f"/v1/consultations/{second['id']}/revoke", {"reason": "撤回"}, status=200)
    third = await api.post(
        "/v1/consultations",
        {
            "cadre_id": cadre["id"],
            "proposed_org_unit_id": county["id"],
            "proposed_title": "县长",
            "requesting_unit": "中共泸州市委组织部",
        },
    )
    await api.post(
        f"/v1/consultations/{third['id']}/issue", {"issuing_org_unit_id": issuer["id"]}, status=200
    )
    await api.case(cadre["id"])  # stale
    _, actions = await _send(
        api,
        "POST",
        f"/v1/consultations/{third['id']}/reissue",
        json={"reason": "新增问责记录"},
        status=201,
    )
    assert actions == ["consultation.reissued"]

    number = id_number()
    form, actions = await _send(
        api,
        "POST",
        "/v1/appointment-forms",
        content=lrmx(form_elements(number)),
        headers={"Content-Type": "application/xml"},
        status=201,
    )
    assert actions == ["appointment_form.received"]
    form_id = form["forms"][0]["form_id"]
    _, actions = await _send(
        api,
        "POST",
        f"/v1/appointment-forms/{form_id}/apply",
        json={"assessments": [YEAR - 1]},
        status=200,
    )
    assert actions == ["appointment_form.applied"]

    csv = f"身份证号,考核类型,年度,等次\n{number},年度考核,2023,称职\n".encode()
    _, actions = await _send(
        api,
        "POST",
        "/v1/imports/assessments",
        content=csv,
        headers={"Content-Type": "text/csv"},
        status=201,
    )
    assert actions == ["import.applied"]

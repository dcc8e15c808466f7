"""The audit log covers every write: each write endpoint appends exactly one event, in the
same transaction as the change."""

from typing import Any

from tests.audit.calls import send, write
from tests.factories import Api, id_number
from tests.records.test_lifecycle import KINDS


async def test_every_write_endpoint_appends_exactly_one_event(api: Api) -> None:
    unit, events = await write(
        api,
        "POST",
        "/v1/org-units",
        {"name": "泸州市人民政府", "kind": "government", "level": "city"},
    )
    assert [e["action"] for e in events] == ["org_unit.created"]
    _, events = await write(
        api, "PATCH", f"/v1/org-units/{unit['id']}", {"name": "泸州市政府", "reason": "更名"}
    )
    assert [e["action"] for e in events] == ["org_unit.updated"]
    cadre, events = await write(api, "POST", "/v1/cadres", {"id_number": id_number(), "name": "甲"})
    assert [e["action"] for e in events] == ["cadre.created"]
    assert events[0]["summary"]["id_number"].count("*") == 14
    assert "birth_date" not in events[0]["summary"] and events[0]["summary"]["birth_month"]
    _, events = await write(
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
        created, events = await write(api, "POST", f"/v1/{kind}", body)
        name = events[0]["target_kind"]
        assert [e["action"] for e in events] == [f"{name}.created"], kind
        assert events[0]["target_id"] == created["id"]
        _, events = await write(
            api,
            "POST",
            f"/v1/{kind}/{created['id']}/amendments",
            {"reason": "更正", "changes": changes},
        )
        assert [e["action"] for e in events] == [f"{name}.amended"], kind
        _, events = await write(
            api, "POST", f"/v1/{kind}/{created['id']}/revocation", {"reason": "撤销"}
        )
        assert [e["action"] for e in events] == [f"{name}.revoked"], kind
    _, events = await write(
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
    city, _ = await write(
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
        result, events = await write(api, method, path, body)
        assert [e["action"] for e in events] == [action], path
        results[action] = result
    consultation = results["consultation.requested"]
    _, events = await write(
        api,
        "POST",
        f"/v1/consultations/{consultation['id']}/issue",
        {"issuing_org_unit_id": issuer["id"]},
    )
    assert [e["action"] for e in events] == ["consultation.issue"]
    _, events = await write(
        api, "POST", f"/v1/consultations/{consultation['id']}/revoke", {"reason": "撤回"}
    )
    assert [e["action"] for e in events] == ["consultation.revoke"]


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
    _, actions = await send(
        api, "POST", f"/v1/assessments/{assessment['id']}/unpublish", json={}, status=200
    )
    assert actions == ["assessment.amended"]

    hook = await api.post(
        "/v1/webhooks",
        {"url": "http://127.0.0.1:9/x", "event_types": ["accountability_case.recorded"]},
    )
    _, actions = await send(
        api, "PATCH", f"/v1/webhooks/{hook['id']}", json={"active": False}, status=200
    )
    assert actions == ["webhook.updated"]
    await send(api, "PATCH", f"/v1/webhooks/{hook['id']}", json={"active": True}, status=200)
    await api.case(cadre["id"])
    delivery = (await api.get(f"/v1/webhooks/{hook['id']}/deliveries"))["items"][0]
    _, actions = await send(
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
    _, actions = await send(api, "POST", f"{path}/redraft", json={}, status=200)
    assert actions == ["consultation.redrafted"]
    await api.post(f"{path}/issue", {"issuing_org_unit_id": issuer["id"]}, status=200)
    _, actions = await send(
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
    _, actions = await send(
        api,
        "POST",
        f"/v1/consultations/{third['id']}/reissue",
        json={"reason": "新增问责记录"},
        status=201,
    )
    assert actions == ["consultation.reissued"]

    number = id_number()
    form, actions = await send(
        api,
        "POST",
        "/v1/appointment-forms",
        content=lrmx(form_elements(number)),
        headers={"Content-Type": "application/xml"},
        status=201,
    )
    assert actions == ["appointment_form.received"]
    form_id = form["forms"][0]["form_id"]
    _, actions = await send(
        api,
        "POST",
        f"/v1/appointment-forms/{form_id}/apply",
        json={"assessments": [YEAR - 1]},
        status=200,
    )
    assert actions == ["appointment_form.applied"]

    csv = f"身份证号,考核类型,年度,等次\n{number},年度考核,2023,称职\n".encode()
    _, actions = await send(
        api,
        "POST",
        "/v1/imports/assessments",
        content=csv,
        headers={"Content-Type": "text/csv"},
        status=201,
    )
    assert actions == ["import.applied"]

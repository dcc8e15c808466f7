"""The access-control and personal-data holes found by review, one test per item: each failed
on the code before the fix."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth.service import revoke_client
from app.context import system_context
from app.domain.idnumber import check_character, mask
from app.logs import JsonFormatter, PlainFormatter
from app.models import ApiClient
from app.uow import unit_of_work
from tests.conftest import make_client
from tests.consultations.world import build_world, issue, request
from tests.factories import Api, case_body, id_number

ALL_READ = ["records:read", "audit:read", "vetting:check", "consultations:request"]


async def _counties(api: Api) -> dict[str, Any]:
    city = await api.org_unit("泸州市人民政府")
    a = await api.org_unit("江阳区人民政府", level="county", parent_id=city["id"])
    b = await api.org_unit("古蔺县人民政府", level="county", parent_id=city["id"])
    in_a, in_b = await api.cadre("江阳干部"), await api.cadre("古蔺干部")
    await api.post_held(in_a["id"], a["id"])
    await api.post_held(in_b["id"], b["id"])
    return {"city": city, "a": a, "b": b, "in_a": in_a, "in_b": in_b}


async def _bound(api: Api, app: FastAPI, unit: dict[str, Any], scopes: list[str]) -> Api:
    return Api(api.http, await make_client(app, f"key-{uuid4().hex[:6]}", scopes, unit["id"]))


# 1. Stored dossiers hold no plain ID number; each reader sees it per scope ----------------------


async def test_a_consultation_dossier_shows_the_id_number_only_to_pii_readers(
    api: Api, app: FastAPI, engine: AsyncEngine
) -> None:
    world = await build_world(api)
    consultation = await request(api, world)  # requested by the admin, who may see it all
    requester = Api(api.http, await make_client(app, "org-dept", ["consultations:request"]))
    seen = await requester.get(f"/v1/consultations/{consultation['id']}/dossier")
    full = await api.get(f"/v1/cadres/{world['cadre']['id']}")
    assert seen["dossier"]["cadre"]["id_number"] == mask(full["id_number"])
    assert seen["dossier"]["cadre"]["birth_date"] is None
    admin = await api.get(f"/v1/consultations/{consultation['id']}/dossier")
    assert admin["dossier"]["cadre"]["id_number"] == full["id_number"]
    assert admin["dossier"]["cadre"]["birth_date"] == full["birth_date"]
    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT dossier::text FROM consultations"))).scalar()
    assert full["id_number"] not in stored and full["birth_date"] not in stored


# 2. Nothing a narrower key sees gives the number back ------------------------------------------


def _candidates(masked: str, birth_month: str, region: str) -> list[str]:
    """Every valid number agreeing with what a non-pii reader sees, even granting them the
    county (region code) — e.g. guessed from the jurisdiction."""
    year, month = birth_month.split("-")
    out = []
    for day in range(1, 32):
        for seq in range(100):
            first17 = f"{region}{year}{month}{day:02d}{seq:02d}{masked[-2]}"
            if masked.startswith(first17[:2]) and check_character(first17) == masked[-1]:
                out.append(first17 + masked[-1])
    return out


async def test_the_mask_and_the_visible_fields_leave_hundreds_of_candidates(
    api: Api, app: FastAPI
) -> None:
    number = id_number()
    cadre = await api.post("/v1/cadres", {"id_number": number, "name": "吴刚"})
    reader = Api(api.http, await make_client(app, "hr", ["records:read", "audit:read"]))
    shown = await reader.get(f"/v1/cadres/{cadre['id']}")
    assert shown["birth_date"] is None
    events = await reader.get("/v1/audit-events", target_id=cadre["id"])
    summary = events["items"][0]["summary"]
    assert number not in str(events) and number[6:14] not in str(events)
    assert number[6:14] not in str(shown) and "birth_date" not in summary
    candidates = _candidates(shown["id_number"], shown["birth_month"], number[:6])
    assert number in candidates and len(candidates) >= 200


# 3. SQL parameters never reach an error or a log line -------------------------------------------


@pytest.mark.parametrize("formatter", [JsonFormatter(), PlainFormatter("%(message)s")])
async def test_database_errors_in_logs_carry_no_statement_parameters(
    engine: AsyncEngine, formatter: logging.Formatter
) -> None:
    secret, name = id_number(), "张秘密"
    with pytest.raises(Exception) as raised:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT CAST(:v AS integer), :n"), {"v": secret, "n": name})
    assert "parameters hidden" in str(raised.value)
    record = logging.LogRecord("app", logging.ERROR, __file__, 1, "unhandled error", (), None)
    record.exc_info = (raised.type, raised.value, raised.tb)
    line = formatter.format(record)
    assert "unhandled error" in line and "CAST" in line
    assert secret not in line and name not in line


# 4. The audit log is scoped to the key's jurisdiction -------------------------------------------


async def test_a_county_auditor_sees_only_events_about_its_county(api: Api, app: FastAPI) -> None:
    w = await _counties(api)
    await api.case(w["in_b"]["id"])
    await api.accident(w["b"]["id"])
    await api.case(w["in_a"]["id"])
    auditor = await _bound(api, app, w["a"], ["audit:read"])
    listed = await auditor.get("/v1/audit-events", limit=500)
    text_seen = str(listed)
    assert w["in_a"]["id"] in text_seen
    for hidden in (w["in_b"]["id"], w["b"]["id"], "古蔺"):
        assert hidden not in text_seen
    assert (await auditor.get("/v1/audit-events", target_id=w["in_b"]["id"]))["total"] == 0


async def test_every_kind_of_audited_target_is_mapped_to_a_jurisdiction() -> None:
    from app.audit.visibility import SUBJECTS
    from app.records.kinds import ALL_KINDS  # every record kind the service writes

    assert {kind.name for kind in ALL_KINDS} <= set(SUBJECTS)


# 5. Transitions of a consultation are behind the same check as the consultation ---------------


async def test_transitions_of_another_jurisdictions_consultation_are_not_found(
    api: Api, app: FastAPI
) -> None:
    world = await build_world(api)
    consultation = await request(api, world)
    elsewhere = await api.org_unit("宜宾市人民政府")
    key = await _bound(api, app, elsewhere, ["consultations:request"])
    path = f"/v1/consultations/{consultation['id']}/transitions"
    await key.get(path, expect=404)
    assert len(await api.get(path)) >= 1


# 7. Visibility counts only current, non-revoked posts; postless cadres cannot be claimed -------


async def test_a_revoked_post_gives_no_lasting_access(api: Api, app: FastAPI) -> None:
    w = await _counties(api)
    mistaken = await api.post_held(w["in_b"]["id"], w["a"]["id"], start="2020-01-01")
    county_a = await _bound(api, app, w["a"], ["records:read"])
    await county_a.get(f"/v1/cadres/{w['in_b']['id']}")
    await api.post(f"/v1/posts/{mistaken['id']}/revocation", {"reason": "录入错误"}, status=200)
    await county_a.get(f"/v1/cadres/{w['in_b']['id']}", expect=404)
    listed = await county_a.get("/v1/cadres")
    assert [c["id"] for c in listed["items"]] == [w["in_a"]["id"]]


async def test_a_post_moved_to_another_unit_by_amendment_no_longer_counts(
    api: Api, app: FastAPI
) -> None:
    w = await _counties(api)
    post = await api.post_held(w["in_b"]["id"], w["a"]["id"], start="2020-01-01")
    await api.post(
        f"/v1/posts/{post['id']}/amendments",
        {"reason": "单位录错", "changes": {"org_unit_id": w["b"]["id"]}},
        status=200,
    )
    county_a = await _bound(api, app, w["a"], ["records:read"])
    await county_a.get(f"/v1/cadres/{w['in_b']['id']}", expect=404)


async def test_a_postless_cadre_cannot_be_claimed_by_another_county(api: Api, app: FastAPI) -> None:
    w = await _counties(api)
    county_a = await _bound(api, app, w["a"], ["records:read", "records:write"])
    county_b = await _bound(api, app, w["b"], ["records:read", "records:write"])
    own = await county_b.cadre("古蔺新干部")  # recorded by B, no post yet
    await county_b.get(f"/v1/cadres/{own['id']}")
    await county_a.get(f"/v1/cadres/{own['id']}", expect=404)
    claim = await api.http.post(
        "/v1/posts",
        headers=county_a.headers,
        json={
            "cadre_id": own["id"],
            "org_unit_id": w["a"]["id"],
            "title": "副区长",
            "position": "deputy",
            "safety_role": "team_member",
            "start_date": "2026-01-01",
        },
    )
    assert claim.status_code == 404, claim.text
    central = await api.cadre("市管干部")  # recorded by an unbound key: the province's
    await county_a.get(f"/v1/cadres/{central['id']}", expect=404)
    await county_b.post_held(own["id"], w["b"]["id"])
    await county_a.get(f"/v1/cadres/{own['id']}", expect=404)


# 8. No oracle: outside the jurisdiction answers exactly like nothing ----------------------------


async def test_lookup_of_another_countys_cadre_is_not_found_like_an_unknown_number(
    api: Api, app: FastAPI
) -> None:
    w = await _counties(api)
    number = (await api.get(f"/v1/cadres/{w['in_b']['id']}"))["id_number"]
    county_a = await _bound(api, app, w["a"], ["records:read"])
    hidden = await api.http.post(
        "/v1/cadres/lookup", json={"id_number": number}, headers=county_a.headers
    )
    unknown = await api.http.post(
        "/v1/cadres/lookup", json={"id_number": id_number()}, headers=county_a.headers
    )
    assert hidden.status_code == unknown.status_code == 404
    assert w["in_b"]["id"] not in hidden.text
    assert hidden.json()["title"] == unknown.json()["title"]


async def test_a_duplicate_create_does_not_name_another_countys_cadre(
    api: Api, app: FastAPI
) -> None:
    w = await _counties(api)
    number = (await api.get(f"/v1/cadres/{w['in_b']['id']}"))["id_number"]
    county_a = await _bound(api, app, w["a"], ["records:read", "records:write"])
    response = await api.http.post(
        "/v1/cadres", json={"id_number": number, "name": "冒名"}, headers=county_a.headers
    )
    assert response.status_code == 409 and w["in_b"]["id"] not in response.text
    # The admin, who sees every cadre, is told which one it is.
    admin = await api.http.post(
        "/v1/cadres", json={"id_number": number, "name": "冒名"}, headers=api.headers
    )
    assert admin.json()["cadre_id"] == w["in_b"]["id"]


async def test_an_import_done_elsewhere_is_not_named_to_another_county(
    api: Api, app: FastAPI
) -> None:
    w = await _counties(api)
    county_a = await _bound(api, app, w["a"], ["records:read", "records:write"])
    county_b = await _bound(api, app, w["b"], ["records:read", "records:write"])
    number = (await api.get(f"/v1/cadres/{w['in_b']['id']}"))["id_number"]
    sheet = f"id_number,kind,year,grade\n{number},annual,2023,excellent\n".encode()

    async def upload(who: Api) -> httpx.Response:
        return await api.http.post(
            "/v1/imports/assessments?filename=a.csv",
            content=sheet,
            headers={**who.headers, "Content-Type": "text/csv"},
        )

    first = await upload(county_b)
    assert first.status_code in (200, 201), first.text
    elsewhere = await upload(county_a)
    assert elsewhere.status_code in (404, 409, 422), elsewhere.text
    assert first.json()["import_id"] not in elsewhere.text
    replay = await upload(county_b)
    assert replay.json()["import_id"] == first.json()["import_id"]


async def test_vetting_statistics_count_only_the_keys_jurisdiction(api: Api, app: FastAPI) -> None:
    w = await _counties(api)
    for cadre in (w["in_a"], w["in_b"], w["in_b"]):
        await api.post("/v1/vetting/checks", {"cadre_id": cadre["id"], "purpose": "promotion"})
    county_a = await _bound(api, app, w["a"], ["records:read"])
    stats = await county_a.get("/v1/stats/vetting")
    assert sum(p["total"] for p in stats["by_purpose"]) == 1
    assert sum(p["total"] for p in (await api.get("/v1/stats/vetting"))["by_purpose"]) == 3


# 9. Authorise first: a revoked key gets no stored answer back -----------------------------------


async def test_a_revoked_key_cannot_replay_an_idempotent_answer(api: Api, app: FastAPI) -> None:
    cadre = await api.cadre()
    key = await make_client(app, "writer", ["records:write"])
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "case-revoked-1"}
    first = await api.http.post(
        "/v1/accountability-cases", json=case_body(cadre["id"]), headers=headers
    )
    assert first.status_code == 201
    async with unit_of_work(app.state.sessionmaker) as db:
        client_id: UUID = (
            await db.execute(select(ApiClient.id).where(ApiClient.name == "writer"))
        ).scalar_one()
        await revoke_client(db, system_context("tests"), client_id)
    again = await api.http.post(
        "/v1/accountability-cases", json=case_body(cadre["id"]), headers=headers
    )
    assert again.status_code == 401 and "idempotent-replayed" not in again.headers
    assert cadre["id"] not in again.text


async def test_a_key_without_the_scope_cannot_replay_either(api: Api, app: FastAPI) -> None:
    cadre = await api.cadre()
    reader = await make_client(app, "reader", ["records:read"])
    headers = {"Authorization": f"Bearer {reader}", "Idempotency-Key": "case-scope-1"}
    response = await api.http.post(
        "/v1/accountability-cases", json=case_body(cadre["id"]), headers=headers
    )
    assert response.status_code == 403


# 10. Consultations: no 500 from an unknown unit or a shared document prefix ---------------------


async def test_an_unknown_requesting_unit_is_a_404_naming_the_field(api: Api) -> None:
    world = await build_world(api)
    problem = await request(api, world, status=404, requesting_org_unit_id=str(uuid4()))
    assert problem["errors"][0]["field"] == "body.requesting_org_unit_id"


async def test_a_document_prefix_belongs_to_one_unit(api: Api, engine: AsyncEngine) -> None:
    world = await build_world(api)
    problem = await api.post(
        "/v1/org-units",
        {
            "name": "泸州市安全生产委员会办公室",
            "kind": "government_department",
            "level": "city",
            "parent_id": world["city"]["id"],
            "document_prefix": "泸应急意",
        },
        status=409,
    )
    assert problem["errors"][0]["field"] == "body.document_prefix"
    # A prefix shared before this rule (legacy data): issuing is refused, not a 500.
    other = await api.org_unit(
        "泸州市安委办", kind="government_department", parent_id=world["city"]["id"]
    )
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE org_units SET document_prefix = '泸应急意' WHERE id = :id"),
            {"id": other["id"]},
        )
    refused = await issue(
        api, world, await request(api, world), status=409, issuing_org_unit_id=other["id"]
    )
    assert refused["errors"][0]["field"] == "body.issuing_org_unit_id"


async def test_a_constraint_the_services_did_not_foresee_is_a_4xx_not_a_500(
    engine: AsyncEngine,
) -> None:
    from starlette.requests import Request

    from app.errors import unhandled_error_response

    request = Request({"type": "http", "method": "POST", "path": "/v1/x", "headers": []})
    async with engine.connect() as conn:
        await conn.execute(
            text("CREATE TEMP TABLE t (id int PRIMARY KEY, ref int CHECK (ref > 0))")
        )
        await conn.execute(text("INSERT INTO t VALUES (1, 1)"))
        for statement, status in (
            ("INSERT INTO t VALUES (1, 1)", 409),
            ("INSERT INTO t VALUES (2, -1)", 422),
        ):
            with pytest.raises(Exception) as raised:
                async with conn.begin_nested():
                    await conn.execute(text(statement))
            answer = unhandled_error_response(request, raised.value)  # type: ignore[arg-type]
            assert answer.status_code == status
            assert b"INSERT" not in answer.body

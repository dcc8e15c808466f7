"""Idempotency-Key: a retried write gets the first answer back and writes nothing again; the
key is scoped to the client, bound to the request, claimed in the write's own transaction."""

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.security.pii import PiiCipher
from tests.conftest import make_client
from tests.factories import Api, case_body, id_number


async def send(api: Api, path: str, body: dict[str, Any], key: str) -> httpx.Response:
    headers = {**api.headers, "Idempotency-Key": key}
    return await api.http.post(path, json=body, headers=headers)


async def cases_of(api: Api, cadre_id: str) -> list[dict[str, Any]]:
    return list((await api.get("/v1/accountability-cases", cadre_id=cadre_id))["items"])


async def test_a_retried_write_gets_the_first_answer_and_writes_nothing_more(api: Api) -> None:
    cadre = await api.cadre()
    first = await send(api, "/v1/accountability-cases", case_body(cadre["id"]), "case-0001")
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    again = await send(api, "/v1/accountability-cases", case_body(cadre["id"]), "case-0001")
    assert again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert [c["id"] for c in await cases_of(api, cadre["id"])] == [first.json()["id"]]
    audited = await api.get("/v1/audit-events", target_id=first.json()["id"])
    assert [e["action"] for e in audited["items"]] == ["accountability_case.created"]


async def test_without_a_key_a_repeated_write_writes_twice(api: Api) -> None:
    cadre = await api.cadre()
    await api.post("/v1/accountability-cases", case_body(cadre["id"]))
    await api.post("/v1/accountability-cases", case_body(cadre["id"]))
    assert len(await cases_of(api, cadre["id"])) == 2


async def test_the_same_key_for_another_request_is_refused(api: Api) -> None:
    cadre = await api.cadre()
    body = case_body(cadre["id"])
    assert (await send(api, "/v1/accountability-cases", body, "k-1")).status_code == 201
    changed = await send(api, "/v1/accountability-cases", {**body, "authority": "另一机关"}, "k-1")
    assert changed.status_code == 422
    assert changed.headers["content-type"] == "application/problem+json"
    assert changed.json()["errors"][0]["field"] == "header.idempotency-key"
    elsewhere = await send(api, "/v1/commendations", body, "k-1")  # another path
    assert elsewhere.status_code == 422
    assert len(await cases_of(api, cadre["id"])) == 1


async def test_keys_are_scoped_to_the_client(api: Api, app: FastAPI) -> None:
    cadre = await api.cadre()
    other = Api(api.http, await make_client(app, "other", ["records:read", "records:write"]))
    body = case_body(cadre["id"])
    assert (await send(api, "/v1/accountability-cases", body, "shared")).status_code == 201
    theirs = await send(other, "/v1/accountability-cases", body, "shared")
    assert theirs.status_code == 201
    assert "idempotent-replayed" not in theirs.headers
    assert len(await cases_of(api, cadre["id"])) == 2


async def test_a_failed_write_leaves_the_key_free_for_a_retry(api: Api) -> None:
    cadre = await api.cadre()
    body = case_body(cadre["id"])
    refused = await send(api, "/v1/accountability-cases", {**body, "methods": []}, "retry-me")
    assert refused.status_code == 422
    missing = await send(
        api, "/v1/accountability-cases", {**body, "cadre_id": id_number()}, "retry-me-2"
    )
    assert missing.status_code == 422
    # The same key with the corrected request: the failed one claimed nothing.
    fixed = await send(api, "/v1/accountability-cases", body, "retry-me")
    assert fixed.status_code == 201
    assert "idempotent-replayed" not in fixed.headers


async def test_concurrent_retries_write_once(api: Api) -> None:
    cadre = await api.cadre()
    body = case_body(cadre["id"])
    answers = await asyncio.gather(
        *(send(api, "/v1/accountability-cases", body, "burst") for _ in range(6))
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}, statuses
    written = await cases_of(api, cadre["id"])
    assert len(written) == 1
    assert {a.json()["id"] for a in answers if a.status_code == 201} == {written[0]["id"]}
    for waiting in (a for a in answers if a.status_code == 409):
        assert waiting.headers["retry-after"] == "1"


async def test_a_key_without_a_stored_answer_asks_to_retry(api: Api, engine: AsyncEngine) -> None:
    cadre = await api.cadre()
    body = case_body(cadre["id"])
    assert (await send(api, "/v1/accountability-cases", body, "lost")).status_code == 201
    async with engine.begin() as conn:  # as if the process died between commit and storing
        await conn.execute(text("UPDATE idempotency_keys SET status = NULL, body = NULL"))
    waiting = await send(api, "/v1/accountability-cases", body, "lost")
    assert waiting.status_code == 409
    assert waiting.headers["retry-after"] == "1"
    assert len(await cases_of(api, cadre["id"])) == 1


async def test_a_key_is_remembered_for_a_day(api: Api, engine: AsyncEngine) -> None:
    cadre = await api.cadre()
    body = case_body(cadre["id"])
    assert (await send(api, "/v1/accountability-cases", body, "old")).status_code == 201
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
        )
    anew = await send(api, "/v1/accountability-cases", body, "old")
    assert anew.status_code == 201
    assert "idempotent-replayed" not in anew.headers
    assert len(await cases_of(api, cadre["id"])) == 2


async def test_malformed_keys_are_refused_before_anything_runs(api: Api) -> None:
    cadre = await api.cadre()
    for key in ("", "x" * 256, "带中文", "with space"):
        response = await api.http.post(
            "/v1/accountability-cases",
            json=case_body(cadre["id"]),
            headers={**api.headers, "Idempotency-Key": key.encode()},
        )
        assert response.status_code == 422, key
        assert response.json()["errors"][0]["field"] == "header.idempotency-key"
    assert await cases_of(api, cadre["id"]) == []


async def test_stored_answers_are_sealed(api: Api, app: FastAPI, engine: AsyncEngine) -> None:
    """An answer may show an ID number (to a pii:read client): it is kept encrypted."""
    number = id_number()
    response = await send(api, "/v1/cadres", {"id_number": number, "name": "封存"}, "seal")
    assert response.status_code == 201
    async with engine.connect() as conn:
        stored = (await conn.execute(text("SELECT body FROM idempotency_keys"))).scalar_one()
    assert number[-4:].encode() not in stored
    assert "封存".encode() not in stored
    cipher: PiiCipher = app.state.cipher
    assert cipher.unseal(stored, b"idempotent-response") == response.content


async def test_the_openapi_document_offers_the_header_on_writes_that_honour_it(
    app: FastAPI,
) -> None:
    paths = app.openapi()["paths"]

    def takes_key(path: str, method: str) -> bool:
        parameters = paths[path][method].get("parameters", [])
        return any(p["name"] == "Idempotency-Key" for p in parameters)

    assert takes_key("/v1/accountability-cases", "post")
    assert takes_key("/v1/consultations/{consultation_id}/issue", "post")
    assert takes_key("/v1/org-units/{org_unit_id}", "patch")
    assert "409" in paths["/v1/accountability-cases"]["post"]["responses"]
    assert not takes_key("/v1/accountability-cases", "get")
    assert not takes_key("/v1/vetting/checks", "post")  # a check is its own logged decision

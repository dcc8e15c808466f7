"""Reads without replicas (the drill, tests/test_replica_drill.py, has a real one): read
sessions are read-only on the primary too, a malformed Consistency-Token is a 422 naming the
header, writes answer with no token when no replica needs one, and consistency tokens are WAL
positions."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app import clock
from app.replicas import PRIMARY, TOKEN_HEADER, format_lsn, known_now, parse_lsn, read_from
from tests.factories import Api


def test_a_token_is_a_wal_position() -> None:
    assert parse_lsn("0/16B3748") == 0x16B3748
    assert parse_lsn("16/b374d848") == (0x16 << 32) | 0xB374D848
    assert format_lsn(parse_lsn("16/B374D848")) == "16/B374D848"
    assert parse_lsn("1/0") > parse_lsn("0/FFFFFFFF")
    for bad in ("", "16B3748", "0/", "x/1", "0/123456789", "1/2/3"):
        with pytest.raises(ValueError):
            parse_lsn(bad)


async def test_a_read_session_refuses_to_write_even_on_the_primary(
    app: FastAPI, clean_db: None
) -> None:
    async with app.state.reads.session() as session:
        assert read_from(session) == PRIMARY
        assert known_now(session) <= clock.now()
        with pytest.raises(DBAPIError, match="read-only transaction"):
            await session.execute(
                text("INSERT INTO document_counters VALUES (gen_random_uuid(), 1, 1)")
            )


async def test_a_malformed_consistency_token_is_a_422_naming_the_header(api: Api) -> None:
    cadre = await api.cadre("甲")
    for path in (f"/v1/cadres/{cadre['id']}", f"/v1/cadres/{cadre['id']}/dossier"):
        response = await api.http.get(path, headers={**api.headers, TOKEN_HEADER: "yesterday"})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["errors"][0]["field"] == f"header.{TOKEN_HEADER}"
        assert problem["title_zh"]
    body = {"cadre_id": cadre["id"], "purpose": "promotion"}
    response = await api.http.post(
        "/v1/vetting/checks", json=body, headers={**api.headers, TOKEN_HEADER: "0/"}
    )
    assert response.status_code == 422, response.text
    # A well-formed one is served (by the primary: there is no replica).
    response = await api.http.get(
        f"/v1/cadres/{cadre['id']}", headers={**api.headers, TOKEN_HEADER: "0/1"}
    )
    assert response.status_code == 200


async def test_without_replicas_writes_answer_with_no_token(api: Api) -> None:
    response = await api.http.post(
        "/v1/org-units",
        json={"name": "泸州市", "kind": "government", "level": "city"},
        headers=api.headers,
    )
    assert response.status_code == 201
    assert TOKEN_HEADER not in response.headers

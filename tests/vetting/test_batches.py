"""Batches over HTTP: decisions and problems mixed, one set of statements whatever the size,
the size limit."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import Api
from tests.vetting.world import World


async def test_a_batch_mixes_decisions_and_problems(api: Api, world: World) -> None:
    items = {
        "a": {"cadre_id": world["clean"]["id"], "purpose": "promotion", "as_of": "2026-02-01"},
        "b": {"id_number": world["number"], "purpose": "commendation"},
        "c": {"cadre_id": "00000000-0000-0000-0000-000000000002", "purpose": "promotion"},
        "d": {"cadre_id": world["cadre"]["id"], "purpose": "soe_head_appointment"},
    }
    batch = await api.post("/v1/vetting/batches", {"items": items}, status=200)
    results = batch["results"]
    assert results["a"]["outcome"] == "eligible"
    assert results["b"]["cadre_id"] == world["cadre"]["id"]
    assert results["c"]["status"] == 404
    assert results["d"]["status"] == 422
    assert batch["summary"]["problems"] == 2
    events = await api.get("/v1/audit-events", target_id=batch["batch_id"])
    assert [e["action"] for e in events["items"]] == ["vetting_batch.evaluated"]
    stored = await api.get(f"/v1/vetting/decisions/{results['a']['decision_id']}")
    assert stored["outcome"] == "eligible"


@contextmanager
def statements_sent(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement sent to the server: SQLAlchemy's (its events) and those sent on the raw
    asyncpg connection (`Driver`, BEGIN, COMMIT; asyncpg's query loggers)."""
    sent: list[str] = []

    def through_sqlalchemy(*args: Any) -> None:
        sent.append(str(args[2]))

    def raw(query: Any) -> None:
        sent.append(query.query)

    watched = []

    def checked_out(dbapi_connection: Any, *_: Any) -> None:
        connection = dbapi_connection.driver_connection
        connection.add_query_logger(raw)
        watched.append(connection)

    event.listen(engine.sync_engine, "before_cursor_execute", through_sqlalchemy)
    event.listen(engine.sync_engine, "checkout", checked_out)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", through_sqlalchemy)
        event.remove(engine.sync_engine, "checkout", checked_out)
        for connection in watched:
            connection.remove_query_logger(raw)


async def test_a_batch_costs_the_same_statements_whatever_its_size(
    api: Api, world: World, app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.auth import service as auth

    # The key's lookup is not the batch's work: keep it remembered for the whole test (a slow
    # machine would otherwise see it looked up again, three statements, in some batch).
    monkeypatch.setattr(auth, "AUTH_CACHE_SECONDS", 3600.0)
    auth.forget_cached_keys()
    people = [await api.cadre(f"批量{i}") for i in range(20)]
    counts = []
    for size in (1, 3, 40, 400):  # the first also warms the connection's type cache
        items = {
            f"k{i}": {
                "cadre_id": people[i % 20]["id"],
                "purpose": ["promotion", "commendation", "appointment"][i % 3],
            }
            for i in range(size)
        }
        with statements_sent(app.state.engine) as sent:
            await api.post("/v1/vetting/batches", {"items": items}, status=200)
            await asyncio.sleep(0.01)  # asyncpg calls its query loggers soon after, not at once
        assert any("INSERT INTO vetting_decisions" in q for q in sent), sent
        counts.append(len(sent))
    assert counts[1] == counts[2] == counts[3] == 4, (counts, sent)  # BEGIN, facts, store, COMMIT


async def test_a_batch_over_ten_thousand_items_is_refused(api: Api) -> None:
    items = {
        f"k{i}": {"cadre_id": "00000000-0000-0000-0000-000000000003", "purpose": "promotion"}
        for i in range(10_001)
    }
    problem = await api.post("/v1/vetting/batches", {"items": items}, status=422)
    assert problem["errors"][0]["field"] == "body.items"

"""Driving the audit log's sequencer from tests (a server process runs it on its own)."""

from typing import Any

from fastapi import FastAPI

from app.audit import log
from tests.factories import Api


async def integrate(app: FastAPI) -> int:
    """Run the sequencer until the queue is empty; how many events it logged."""
    async with app.state.sessionmaker() as session:
        done = await log.integrate_all(session)
        await session.commit()
    return done


async def sign(api: Api) -> dict[str, Any]:
    """A fresh signed checkpoint (everything committed is logged first)."""
    response = await api.http.post("/v1/audit-log/checkpoints", headers=api.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body

"""The access log line names the route template and the API client; third-party chatter (the
PDF renderer's fontTools above all) is held at WARNING by `configure_logging`."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.logs import NOISY_LOGGERS, JsonFormatter, configure_logging
from tests.factories import Api


def access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "app.access"]


async def client_id_of(engine: AsyncEngine, name: str) -> str:
    async with engine.connect() as conn:
        found = await conn.scalar(text("SELECT id FROM api_clients WHERE name = :n"), {"n": name})
    return str(found)


async def test_the_line_names_the_route_template_and_the_client(
    api: Api, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    cadre = await api.cadre()
    with caplog.at_level(logging.INFO, logger="app.access"):
        await api.get(f"/v1/cadres/{cadre['id']}")
    [record] = access_records(caplog)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["path"] == f"/v1/cadres/{cadre['id']}"
    assert entry["route"] == "/v1/cadres/{cadre_id}"
    assert entry["client_id"] == await client_id_of(engine, "test-admin")
    assert entry["status"] == 200


async def test_without_a_key_or_a_route_those_fields_are_null(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        refused = await api.http.get("/v1/cadres")
        missing = await api.http.get("/no/such/path")
    assert (refused.status_code, missing.status_code) == (401, 404)
    first, second = (json.loads(JsonFormatter().format(r)) for r in access_records(caplog))
    assert first["route"] == "/v1/cadres" and first["client_id"] is None
    assert second["route"] is None and second["client_id"] is None


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """configure_logging changes the process's logging: put it back for the other tests."""
    root = logging.getLogger()
    names = (*NOISY_LOGGERS, "uvicorn", "uvicorn.error", "uvicorn.access")
    saved = [(n, logging.getLogger(n)) for n in names]
    state = [(lg, lg.level, lg.handlers[:], lg.propagate, lg.disabled) for _, lg in saved]
    root_state = (root.level, root.handlers[:])
    yield
    for lg, level, handlers, propagate, disabled in state:
        lg.setLevel(level)
        lg.handlers[:] = handlers
        lg.propagate, lg.disabled = propagate, disabled
    root.setLevel(root_state[0])
    root.handlers[:] = root_state[1]


@pytest.mark.usefixtures("restored_logging")
def test_rendering_a_pdf_logs_nothing_from_fonttools(caplog: pytest.LogCaptureFixture) -> None:
    from app.consultations.typeset import render_pdf
    from tests.consultations.letters import objection

    configure_logging("INFO", json_lines=True)
    for name in ("fontTools", "fontTools.subset", "httpx", "asyncio"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO), name
    assert logging.getLogger("fontTools").isEnabledFor(logging.WARNING)
    assert logging.getLogger("app.access").isEnabledFor(logging.INFO)
    root = logging.getLogger()
    root.addHandler(caplog.handler)  # configure_logging replaced the root's handlers
    caplog.clear()
    render_pdf(objection())
    chatter = [r for r in caplog.records if r.name.startswith(("fontTools", "typst"))]
    assert chatter == []

"""ID numbers never appear in plain text: not in any table, not in any log line."""

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.models import Base
from tests.factories import Api, id_number


async def test_no_table_holds_an_id_number_in_plain_text(api: Api, engine: AsyncEngine) -> None:
    number = id_number()
    cadre = await api.post("/v1/cadres", {"id_number": number, "name": "冯十"})
    await api.post(
        f"/v1/cadres/{cadre['id']}/amendments",
        {"reason": "更正姓名", "changes": {"name": "冯拾"}},
        status=200,
    )
    await api.post("/v1/cadres/lookup", {"id_number": number}, status=200)
    async with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = await conn.execute(text(f'SELECT CAST(t AS text) FROM "{table.name}" AS t'))
            for (row,) in rows:
                assert number not in row, table.name
                assert number[6:14] + number[14:] not in row, table.name


async def test_logs_of_a_full_request_cycle_never_show_an_id_number_or_key(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    from app.logs import JsonFormatter

    number = id_number()
    with caplog.at_level(logging.DEBUG):
        cadre = await api.post("/v1/cadres", {"id_number": number, "name": "褚十一"})
        await api.post("/v1/cadres", {"id_number": number, "name": "褚十一"}, status=409)
        await api.post("/v1/cadres/lookup", {"id_number": number}, status=200)
        await api.post("/v1/cadres", {"id_number": number[:17] + "0", "name": "x"}, status=422)
        await api.get(f"/v1/cadres/{cadre['id']}")
        await api.get(f"/v1/cadres/{cadre['id']}/dossier")
    formatter = JsonFormatter()
    text_logged = "\n".join(formatter.format(r) for r in caplog.records)
    assert caplog.records, "expected log lines"
    assert number not in text_logged
    assert number[:17] not in text_logged
    assert api.headers["Authorization"].split()[1] not in text_logged

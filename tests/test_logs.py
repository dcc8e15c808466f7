import json
import logging

import httpx
import pytest

from app.logs import JsonFormatter


async def test_access_log_is_one_json_line_with_request_fields(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="app.access"):
        response = await client.get("/healthz", headers={"X-Request-ID": "trace-1"})
    records = [r for r in caplog.records if r.name == "app.access"]
    assert len(records) == 1
    line = JsonFormatter().format(records[0])
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["request_id"] == "trace-1"
    assert entry["method"] == "GET"
    assert entry["path"] == "/healthz"
    assert entry["status"] == response.status_code == 200
    assert entry["duration_ms"] >= 0
    assert entry["level"] == "info"


def test_log_lines_carry_the_current_request_id() -> None:
    from app.logs import request_id_var

    token = request_id_var.set("abc123")
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
        entry = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert entry["request_id"] == "abc123"
    assert entry["message"] == "hello world"

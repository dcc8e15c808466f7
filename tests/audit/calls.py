"""Calls that capture the audit events a request appended (by its X-Request-ID)."""

import uuid
from typing import Any

from tests.factories import Api


async def events_for(api: Api, request_id: str) -> list[dict[str, Any]]:
    page = await api.get("/v1/audit-events", request_id=request_id)
    return list(page["items"])


async def write(
    api: Api, method: str, path: str, body: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    request_id = uuid.uuid4().hex
    response = await api.http.request(
        method, path, json=body, headers={**api.headers, "X-Request-ID": request_id}
    )
    assert response.status_code < 300, response.text
    return response.json(), await events_for(api, request_id)


async def send(
    api: Api, method: str, path: str, *, status: int, **kwargs: Any
) -> tuple[dict[str, Any], list[str]]:
    request_id = uuid.uuid4().hex
    headers = {**api.headers, "X-Request-ID": request_id, **kwargs.pop("headers", {})}
    response = await api.http.request(method, path, headers=headers, **kwargs)
    assert response.status_code == status, response.text
    return response.json(), [e["action"] for e in await events_for(api, request_id)]

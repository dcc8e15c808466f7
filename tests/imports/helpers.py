"""Uploading files to the import endpoint and counting what they stored."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import Api


async def upload(
    api: Api,
    kind: str,
    content: bytes,
    media: str = "text/csv",
    status: int = 201,
    filename: str = "data.csv",
) -> dict[str, Any]:
    response = await api.http.post(
        f"/v1/imports/{kind}",
        content=content,
        params={"filename": filename},
        headers={**api.headers, "Content-Type": media},
    )
    assert response.status_code == status, response.text
    return dict(response.json())


async def count(engine: AsyncEngine, model: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


def csv_of(rows: list[list[str]], newline: str = "\n") -> bytes:
    return (newline.join(",".join(r) for r in rows) + newline).encode("utf-8")


def crlf(content: bytes) -> bytes:
    """The same file as a Windows program saves it."""
    return content.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")

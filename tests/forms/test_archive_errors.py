"""A refused archive is a 4xx problem saying why (413 too big, 422 unreadable or too many
entries), and nothing is recorded."""

import io
import zipfile

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.forms import archives
from app.models import AppointmentForm
from tests.factories import Api
from tests.forms import FULL, lrmx


def archive(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    return buffer.getvalue()


def declaring_uncompressed(data: bytes, size: int) -> bytes:
    """The archive with its (one) central-directory entry claiming `size` bytes unpacked."""
    patched = bytearray(data)
    entry = patched.rfind(b"PK\x01\x02")
    patched[entry + 24 : entry + 28] = size.to_bytes(4, "little")
    return bytes(patched)


async def send_zip(api: Api, data: bytes) -> dict[str, object]:
    response = await api.http.post(
        "/v1/appointment-forms",
        content=data,
        headers={**api.headers, "Content-Type": "application/zip"},
    )
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, object] = response.json()
    problem["status_code"] = response.status_code
    return problem


async def forms_kept(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(AppointmentForm)) or 0)


async def test_an_archive_of_too_many_entries_is_422(api: Api, engine: AsyncEngine) -> None:
    problem = await send_zip(api, archive({f"{i}.lrmx": lrmx(FULL) for i in range(201)}))
    assert problem["status_code"] == 422
    assert "201 entries" in str(problem["detail"]) and "at most 200" in str(problem["detail"])
    assert [e["field"] for e in problem["errors"]] == ["body"]  # type: ignore[attr-defined]
    assert await forms_kept(engine) == 0


async def test_an_entry_declaring_more_than_64_mb_is_413(api: Api, engine: AsyncEngine) -> None:
    data = declaring_uncompressed(archive({"a.lrmx": lrmx(FULL)}), 65 * 1024 * 1024)
    problem = await send_zip(api, data)
    assert problem["status_code"] == 413
    assert "would unpack to more than" in str(problem["detail"])
    assert await forms_kept(engine) == 0


async def test_a_corrupt_archive_is_422(api: Api) -> None:
    problem = await send_zip(api, b"PK\x03\x04" + b"\x00" * 40)
    assert problem["status_code"] == 422
    assert "not a readable ZIP archive" in str(problem["detail"])


async def test_an_archive_too_big_as_sent_is_413(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archives, "MAX_ARCHIVE_BYTES", 100)
    problem = await send_zip(api, archive({"a.lrmx": lrmx(FULL)}))
    assert problem["status_code"] == 413
    assert "at most 100" in str(problem["detail"])

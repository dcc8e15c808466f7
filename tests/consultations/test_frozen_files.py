"""An issued opinion's file is produced once and served byte for byte: the copy a recipient
holds verifies by its own SHA-256, and editing the stored bytes is refused."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.consultations.world import build_world, issue, request
from tests.factories import Api


@pytest.mark.parametrize("format", ["pdf", "html"])
async def test_the_file_downloaded_twice_is_identical_and_verifies_by_its_hash(
    api: Api, format: str
) -> None:
    world = await build_world(api)
    issued = await issue(api, world, await request(api, world))
    path = f"/v1/consultations/{issued['id']}/document?format={format}"
    first = await api.http.get(path, headers=api.headers)
    second = await api.http.get(path, headers=api.headers)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    digest = hashlib.sha256(first.content).hexdigest()
    assert first.headers["x-file-sha256"] == digest
    verified = await api.get("/v1/opinions/verify", sha256=digest)
    assert (
        verified["genuine"] and verified["document_number"] == issued["opinion"]["document_number"]
    )
    forged = hashlib.sha256(first.content + b" ").hexdigest()
    assert not (await api.get("/v1/opinions/verify", sha256=forged))["genuine"]


async def test_the_kept_bytes_cannot_be_changed(api: Api, engine: AsyncEngine) -> None:
    world = await build_world(api)
    issued = await issue(api, world, await request(api, world))
    await api.http.get(f"/v1/consultations/{issued['id']}/document?format=pdf", headers=api.headers)
    with pytest.raises(DBAPIError):
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE opinion_files SET content = 'x'"))


async def test_the_letter_prints_its_log_index_and_a_checkpoint_that_covers_it(
    api: Api,
) -> None:
    world = await build_world(api)
    issued = await issue(api, world, await request(api, world))
    html = (
        await api.http.get(
            f"/v1/consultations/{issued['id']}/document?format=html", headers=api.headers
        )
    ).text
    events = await api.get("/v1/audit-events", target_id=issued["id"], action="consultation.issue")
    (event,) = events["items"]
    assert event["log_index"] is not None
    assert f"审计日志：第{event['log_index']}条" in html
    proof = await api.get("/v1/audit-log/proofs/inclusion", event_id=event["id"])
    assert f"检查点（{proof['tree_size']}条）" in html
    assert proof["checkpoint"]["root_hash"][:32] in html
    assert "/v1/opinions/verify?number=" in html
    kept = await api.get(
        "/v1/audit-events", target_id=issued["id"], action="consultation.opinion_file_kept"
    )
    assert sorted(e["summary"]["format"] for e in kept["items"]) == ["html", "pdf"]

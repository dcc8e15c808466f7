"""The audit log: a failed write leaves no event; events carry actor, request and IP; every
event reaches the transparency log (by the sequencer, in batches, with no lock on writers),
whose checkpoints are signed and whose proofs verify (tampering: test_tamper.py; every write
appends one event: test_coverage.py)."""

import asyncio
import base64
import uuid
from hashlib import sha256

from fastapi import FastAPI

from app.audit import merkle
from app.audit.checkpoint import Verifier, open_note
from app.audit.entries import parse
from tests.audit.calls import events_for, write
from tests.audit.logging import integrate, sign
from tests.factories import Api


async def test_a_failed_write_leaves_no_event(api: Api) -> None:
    request_id = uuid.uuid4().hex
    response = await api.http.post(
        "/v1/cadres",
        json={"id_number": "110105194912310021", "name": "甲"},
        headers={**api.headers, "X-Request-ID": request_id},
    )
    assert response.status_code == 422
    assert await events_for(api, request_id) == []


async def test_events_carry_actor_request_and_ip(api: Api) -> None:
    _unit, events = await write(
        api,
        "POST",
        "/v1/org-units",
        {"name": "泸县人民政府", "kind": "government", "level": "county"},
    )
    event = events[0]
    assert event["actor_name"] == "test-admin"
    assert event["actor_client_id"] is not None
    assert event["client_ip"] == "127.0.0.1"
    assert event["summary"]["after"]["name"] == "泸县人民政府"


async def _units(api: Api, n: int) -> None:
    await asyncio.gather(
        *(
            api.post("/v1/org-units", {"name": f"单位{i}", "kind": "government", "level": "city"})
            for i in range(n)
        )
    )


async def test_concurrent_writers_queue_and_the_sequencer_logs_every_event_once(
    api: Api, app: FastAPI
) -> None:
    await _units(api, 20)
    queued = (await api.get("/v1/audit-events", limit=500))["items"]
    assert len(queued) >= 21 and all(e["log_index"] is None for e in queued)
    assert await integrate(app) == len(queued)
    assert await integrate(app) == 0  # nothing twice
    logged = (await api.get("/v1/audit-events", limit=500))["items"]
    assert sorted(e["log_index"] for e in logged) == list(range(len(logged)))
    report = await api.get("/v1/audit-events/verify")
    assert report["intact"] is True, report
    assert (report["size"], report["pending"]) == (len(logged), 0)


async def test_a_checkpoint_is_a_signed_note_over_the_recomputed_root(
    api: Api, app: FastAPI
) -> None:
    await _units(api, 5)
    checkpoint = await sign(api)
    key = await api.get("/v1/audit-log/key")
    verifier = Verifier.from_vkey(key["verifier_key"])
    opened = open_note(checkpoint["note"], verifier, origin=key["origin"])
    assert opened.size == checkpoint["size"] == 6
    body = await api.get("/v1/audit-log/entries", start=0, limit=100)
    leaves = [merkle.leaf_hash(base64.b64decode(e["entry"])) for e in body["items"]]
    assert merkle.root(leaves) == opened.root_hash == bytes.fromhex(checkpoint["root_hash"])
    # Asked again with nothing new, the same checkpoint; latest and list agree.
    assert (await sign(api))["id"] == checkpoint["id"]
    assert (await api.get("/v1/audit-log/checkpoint"))["id"] == checkpoint["id"]
    assert [c["id"] for c in (await api.get("/v1/audit-log/checkpoints"))["items"]] == [
        checkpoint["id"]
    ]


async def test_entries_are_the_events_canonical_bytes(api: Api) -> None:
    await _units(api, 2)
    await sign(api)
    listed = {e["id"]: e for e in (await api.get("/v1/audit-events"))["items"]}
    for item in (await api.get("/v1/audit-log/entries"))["items"]:
        stated = parse(base64.b64decode(item["entry"]))
        event = listed[item["event_id"]]
        assert stated["action"] == event["action"]
        assert stated["summary"] == event["summary"]
        leaf = sha256(b"\x00" + base64.b64decode(item["entry"])).hexdigest()
        assert event["leaf_hash"] == leaf
        assert event["log_index"] == item["index"]


async def test_inclusion_and_consistency_proofs_verify(api: Api) -> None:
    await _units(api, 3)
    first = await sign(api)
    await _units(api, 4)
    second = await sign(api)
    assert second["size"] == first["size"] + 4
    events = (await api.get("/v1/audit-events", limit=500))["items"]
    for event in events:
        proof = await api.get("/v1/audit-log/proofs/inclusion", event_id=event["id"])
        assert proof["tree_size"] == second["size"]
        assert merkle.verify_inclusion(
            bytes.fromhex(proof["leaf_hash"]),
            proof["index"],
            proof["tree_size"],
            [bytes.fromhex(h) for h in proof["hashes"]],
            bytes.fromhex(second["root_hash"]),
        )
    consistency = await api.get(
        "/v1/audit-log/proofs/consistency", first=first["size"], second=second["size"]
    )
    assert merkle.verify_consistency(
        first["size"],
        second["size"],
        bytes.fromhex(first["root_hash"]),
        bytes.fromhex(second["root_hash"]),
        [bytes.fromhex(h) for h in consistency["hashes"]],
    )


async def test_proof_requests_that_cannot_be_answered_are_4xx(api: Api) -> None:
    await _units(api, 2)
    unlogged = (await api.get("/v1/audit-events"))["items"][0]["id"]
    response = await api.http.get(
        "/v1/audit-log/proofs/inclusion", params={"event_id": unlogged}, headers=api.headers
    )
    assert response.status_code == 404
    assert "not in the log yet" in response.json()["detail"]
    await sign(api)
    for params, status in (
        ({"event_id": str(uuid.uuid4())}, 404),
        ({"event_id": unlogged, "tree_size": 999}, 404),
    ):
        response = await api.http.get(
            "/v1/audit-log/proofs/inclusion", params=params, headers=api.headers
        )
        assert response.status_code == status, response.text
    for params, status in (({"first": 3, "second": 2}, 422), ({"first": 1, "second": 99}, 404)):
        response = await api.http.get(
            "/v1/audit-log/proofs/consistency", params=params, headers=api.headers
        )
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"


async def test_a_bound_key_gets_proofs_for_its_own_events_but_not_the_whole_log(
    api: Api, app: FastAPI
) -> None:
    from tests.conftest import make_client

    unit = await api.post(
        "/v1/org-units", {"name": "江阳区", "kind": "government", "level": "county"}
    )
    bound = await make_client(app, "county-auditor", ["audit:read"], unit["id"])
    headers = {"Authorization": f"Bearer {bound}"}
    await sign(api)
    for path in ("/v1/audit-log/entries", "/v1/audit-events/verify"):
        response = await api.http.get(path, headers=headers)
        assert response.status_code == 403, response.text
    other = await api.post(
        "/v1/org-units", {"name": "纳溪区", "kind": "government", "level": "county"}
    )
    await sign(api)
    events = (await api.get("/v1/audit-events", target_id=other["id"]))["items"]
    response = await api.http.get(
        "/v1/audit-log/proofs/inclusion", params={"event_id": events[0]["id"]}, headers=headers
    )
    assert response.status_code == 404


async def test_a_rulebook_version_is_published_in_the_log_once(api: Api, app: FastAPI) -> None:
    from app.vetting.rulebooks import publish_shipped

    books = app.state.rulebooks
    assert await publish_shipped(app.state.sessionmaker, books) == len(books.layers())
    assert await publish_shipped(app.state.sessionmaker, books) == 0
    events = (await api.get("/v1/audit-events", action="rulebook.published"))["items"]
    assert sorted(e["target_id"] for e in events) == sorted(b.sha256 for b in books.layers())
    for event in events:  # the text kept is the one whose hash was logged
        text = books.text_of(event["target_id"])[3]
        assert sha256(text.encode()).hexdigest() == event["target_id"]

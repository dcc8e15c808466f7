"""Vetting over HTTP: checks, batches, the decision log, replay, eligibility, rulebooks."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.factories import Api, id_number

World = dict[str, Any]


@pytest.fixture
async def world(api: Api) -> World:
    city = await api.org_unit("泸州市人民政府")
    county = await api.org_unit("古蔺县人民政府", level="county", parent_id=city["id"])
    sasac = await api.org_unit("泸州市国资委", kind="government_department", parent_id=city["id"])
    soe = await api.org_unit(
        "泸州市兴泸投资集团有限公司",
        kind="state_owned_enterprise",
        parent_id=sasac["id"],
        is_key_soe=True,
        industry="gas",
    )
    number = id_number()
    cadre = await api.post("/v1/cadres", {"id_number": number, "name": "韩梅"})
    await api.post_held(cadre["id"], county["id"], start="2018-01-01")
    for year in (2023, 2024, 2025):
        await api.post(
            "/v1/assessments",
            {
                "subject": "cadre",
                "cadre_id": cadre["id"],
                "kind": "annual",
                "year": year,
                "grade": "competent",
            },
        )
    clean = await api.cadre("清白")
    await api.post(
        "/v1/assessments",
        {
            "subject": "cadre",
            "cadre_id": clean["id"],
            "kind": "annual",
            "year": 2025,
            "grade": "competent",
        },
    )
    return {
        "cadre": cadre,
        "number": number,
        "county": county,
        "soe": soe,
        "sasac": sasac,
        "clean": clean,
    }


async def check(api: Api, status: int = 201, **body: Any) -> dict[str, Any]:
    return await api.post("/v1/vetting/checks", body, status=status)


async def test_a_clean_cadre_is_eligible_today(api: Api, world: World) -> None:
    decision = await check(
        api, cadre_id=world["clean"]["id"], purpose="promotion", as_of="2026-03-01"
    )
    assert decision["outcome"] == "eligible"
    assert decision["eligible_from"] == "2026-03-01"
    assert decision["labels"] == {"purpose": "提拔（晋升职务职级）", "outcome": "符合条件"}
    assert decision["rulebook"]["id"] == "cn-sichuan-luzhou-2018"
    assert len(decision["facts_sha256"]) == 64


async def test_a_decided_case_vetoes_promotion_for_twelve_months(api: Api, world: World) -> None:
    await api.case(
        world["cadre"]["id"],
        opened_on="2025-01-10",
        decision_date="2025-03-15",
        methods=["admonishment"],
    )
    decision = await check(api, id_number=world["number"], purpose="promotion", as_of="2025-06-01")
    assert decision["outcome"] == "ineligible"
    assert decision["eligible_from"] == "2026-03-16"
    veto = next(f for f in decision["findings"] if f["rule_id"] == "veto.one_vote")
    assert veto["effect"] == "veto" and veto["blocks_until"] == "2026-03-15"
    assert "对生产安全事故负有领导责任" in veto["message"]["zh"]
    assert veto["evidence"]["post"]["org_unit_name"] == "古蔺县人民政府"
    assert veto["labels"]["effect"] == "一票否决"
    stored = await api.get(f"/v1/vetting/decisions/{decision['decision_id']}")
    assert stored == decision


async def test_a_check_is_audited(api: Api, world: World) -> None:
    decision = await check(api, cadre_id=world["clean"]["id"], purpose="commendation")
    events = await api.get("/v1/audit-events", target_id=decision["decision_id"])
    assert [e["action"] for e in events["items"]] == ["vetting_decision.created"]
    assert events["items"][0]["summary"]["outcome"] == "eligible"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"purpose": "promotion"}, 422, "body.cadre_id"),
        (
            {"purpose": "promotion", "cadre_id": "00000000-0000-0000-0000-000000000001"},
            404,
            "body.cadre_id",
        ),
        ({"purpose": "soe_head_appointment", "cadre": True}, 422, "body.target_org_unit_id"),
        (
            {"purpose": "soe_head_appointment", "cadre": True, "target": "county"},
            422,
            "body.target_org_unit_id",
        ),
        ({"purpose": "promotion", "cadre": True, "rulebook": "cn-nowhere"}, 404, "body.rulebook"),
        (
            {"purpose": "promotion", "cadre": True, "known_at": "2999-01-01T00:00:00+08:00"},
            422,
            "body.known_at",
        ),
        ({"purpose": "promotion", "id_number": "510502197506151230"}, 422, "body.id_number"),
    ],
)
async def test_bad_checks_are_clear_problems(
    api: Api, world: World, body: dict[str, Any], status: int, field: str
) -> None:
    body = dict(body)
    if body.pop("cadre", False):
        body["cadre_id"] = world["cadre"]["id"]
    if "target" in body:
        body["target_org_unit_id"] = world[body.pop("target")]["id"]
    problem = await check(api, status=status, **body)
    assert field in [e["field"] for e in problem["errors"]]


async def test_soe_head_appointment_after_dismissal_is_barred_for_five_years(
    api: Api, world: World
) -> None:
    await api.case(
        world["cadre"]["id"],
        opened_on="2022-01-10",
        decision_date="2022-05-20",
        methods=["sanction"],
        admin_sanction="dismissal",
    )
    decision = await check(
        api,
        cadre_id=world["cadre"]["id"],
        purpose="soe_head_appointment",
        target_org_unit_id=world["soe"]["id"],
        as_of="2025-06-01",
    )
    assert decision["outcome"] == "ineligible"
    assert decision["target_org_unit_id"] == world["soe"]["id"]
    bar = next(f for f in decision["findings"] if f["rule_id"] == "soe_bar.dismissal")
    assert bar["blocks_until"] == "2027-05-20"


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
    api: Api, world: World, app: FastAPI
) -> None:
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
        assert any("INSERT INTO vetting_decisions" in q for q in sent), sent
        counts.append(len(sent))
    assert counts[1] == counts[2] == counts[3] == 4, counts  # BEGIN, facts, store, COMMIT


async def test_a_batch_over_ten_thousand_items_is_refused(api: Api) -> None:
    items = {
        f"k{i}": {"cadre_id": "00000000-0000-0000-0000-000000000003", "purpose": "promotion"}
        for i in range(10_001)
    }
    problem = await api.post("/v1/vetting/batches", {"items": items}, status=422)
    assert problem["errors"][0]["field"] == "body.items"


async def test_every_stored_decision_replays_identically(api: Api, world: World) -> None:
    await api.case(
        world["cadre"]["id"],
        opened_on="2024-01-10",
        decision_date="2024-03-15",
        methods=["sanction"],
        party_sanction="serious_warning",
    )
    ids = []
    for purpose in ("promotion", "commendation", "appointment", "important_use"):
        decision = await check(
            api, cadre_id=world["cadre"]["id"], purpose=purpose, as_of="2024-09-01"
        )
        ids.append(decision["decision_id"])
    for decision_id in ids:
        report = await api.post(f"/v1/vetting/decisions/{decision_id}/replay", {}, status=200)
        assert report["identical"] is True, report["differences"]
        assert report["rulebook_changed"] is False


async def test_decisions_of_every_path_replay_identically(
    api: Api, world: World, engine: AsyncEngine
) -> None:
    """Single checks (by id and by ID number), SOE-head checks with their enterprise, batch
    items, eligibility overviews and consultation drafts: every decision in the log replays."""
    from sqlalchemy import text

    await api.case(
        world["cadre"]["id"],
        opened_on="2024-01-10",
        decision_date="2024-03-15",
        methods=["sanction"],
        admin_sanction="dismissal",
    )
    await check(api, id_number=world["number"], purpose="promotion", as_of="2025-06-01")
    soe = {"purpose": "soe_head_appointment", "target_org_unit_id": world["soe"]["id"]}
    await check(api, cadre_id=world["cadre"]["id"], **soe)
    items = {
        f"{who}-{purpose}": {
            "cadre_id": world[who]["id"],
            "purpose": purpose,
            "as_of": "2026-01-05",
        }
        for who in ("cadre", "clean")
        for purpose in ("promotion", "safety_commendation", "appointment")
    }
    items["soe"] = {"cadre_id": world["clean"]["id"], **soe}
    await api.post("/v1/vetting/batches", {"items": items}, status=200)
    await api.get(
        f"/v1/cadres/{world['cadre']['id']}/eligibility",
        target_org_unit_id=world["soe"]["id"],
    )
    await api.post(
        "/v1/consultations",
        {
            "cadre_id": world["clean"]["id"],
            "proposed_org_unit_id": world["soe"]["id"],
            "proposed_title": "董事长",
            "requesting_unit": "泸州市国资委",
        },
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT id, purpose FROM vetting_decisions"))).all()
    purposes = {purpose for _, purpose in rows}
    assert {"soe_head_appointment", "safety_commendation", "promotion"} <= purposes
    assert len(rows) >= 2 + len(items) + 5 + 1
    for decision_id, _ in rows:
        report = await api.post(f"/v1/vetting/decisions/{decision_id}/replay", {}, status=200)
        assert report["identical"] is True, (decision_id, report["differences"])


async def test_replay_uses_the_facts_as_known_then(api: Api, world: World) -> None:
    case = await api.case(
        world["cadre"]["id"],
        opened_on="2025-01-10",
        decision_date="2025-03-15",
        methods=["notification"],
    )
    decision = await check(
        api, cadre_id=world["cadre"]["id"], purpose="promotion", as_of="2025-06-01"
    )
    await api.post(
        f"/v1/accountability-cases/{case['id']}/amendments",
        {"reason": "复核改为免职", "changes": {"methods": ["removal"]}},
        status=200,
    )
    report = await api.post(
        f"/v1/vetting/decisions/{decision['decision_id']}/replay", {}, status=200
    )
    assert report["identical"] is True
    now = await check(api, cadre_id=world["cadre"]["id"], purpose="promotion", as_of="2025-06-01")
    assert now["eligible_from"] != decision["eligible_from"]


async def test_an_amendment_known_only_after_known_at_is_ignored(api: Api, world: World) -> None:
    case = await api.case(
        world["cadre"]["id"],
        opened_on="2025-01-10",
        decision_date="2025-03-15",
        methods=["admonishment"],
    )
    await asyncio.sleep(0.01)
    before = datetime.now(UTC).isoformat()
    await asyncio.sleep(0.01)
    await api.post(
        f"/v1/accountability-cases/{case['id']}/revocation", {"reason": "复查撤销"}, status=200
    )
    then = await check(
        api, cadre_id=world["cadre"]["id"], purpose="promotion", as_of="2025-06-01", known_at=before
    )
    now = await check(api, cadre_id=world["cadre"]["id"], purpose="promotion", as_of="2025-06-01")
    assert then["outcome"] == "ineligible"
    assert now["outcome"] == "eligible"


async def test_a_changed_rulebook_version_is_reported_by_replay(
    api: Api, world: World, app: FastAPI
) -> None:
    from app.vetting.rulebooks import parse_text

    await api.case(
        world["cadre"]["id"],
        opened_on="2025-01-10",
        decision_date="2025-03-15",
        methods=["admonishment"],
    )
    decision = await check(
        api, cadre_id=world["cadre"]["id"], purpose="promotion", as_of="2025-06-01"
    )
    books = app.state.rulebooks
    old = books.by_id["cn-sichuan-luzhou-2018"]
    text = books.texts[old.sha256]
    newer = text.replace('version = "1.0.0"', 'version = "1.1.0"').replace(
        'months = 12 },\n  { purposes = ["commendation"',
        'months = 18 },\n  { purposes = ["commendation"',
        1,
    )
    changed = parse_text(newer, "test")
    books.by_id[old.id] = changed
    books.texts[changed.sha256] = newer
    try:
        stored = await api.post(
            f"/v1/vetting/decisions/{decision['decision_id']}/replay", {}, status=200
        )
        current = await api.post(
            f"/v1/vetting/decisions/{decision['decision_id']}/replay",
            {"rulebook": "current"},
            status=200,
        )
    finally:
        books.by_id[old.id] = old
    assert stored["identical"] is True and stored["rulebook_changed"] is True
    assert current["identical"] is False
    assert current["replayed_with"]["version"] == "1.1.0"
    paths = [d["path"] for d in current["differences"]]
    assert any("rulebook" in p for p in paths)
    assert any("blocks_until" in p for p in paths) or "eligible_from" in paths


async def test_eligibility_answers_every_purpose(api: Api, world: World) -> None:
    await api.case(
        world["cadre"]["id"],
        opened_on="2025-01-10",
        decision_date="2025-03-15",
        methods=["notification"],
    )
    answer = await api.get(
        f"/v1/cadres/{world['cadre']['id']}/eligibility",
        as_of="2025-06-01",
        target_org_unit_id=world["soe"]["id"],
    )
    purposes = answer["purposes"]
    assert set(purposes) == {
        "promotion",
        "important_use",
        "commendation",
        "safety_commendation",
        "appointment",
        "soe_head_appointment",
    }
    assert purposes["commendation"]["outcome"] == "ineligible"
    assert answer["not_evaluated"] == {}
    without = await api.get(f"/v1/cadres/{world['cadre']['id']}/eligibility")
    assert "soe_head_appointment" in without["not_evaluated"]


async def test_rulebooks_are_published_without_a_key(api: Api) -> None:
    listed = (await api.http.get("/v1/rulebooks")).json()
    assert [r["id"] for r in listed] == ["cn-sichuan-luzhou-2018"]
    assert listed[0]["default"] is True
    detail = (await api.http.get("/v1/rulebooks/cn-sichuan-luzhou-2018")).json()
    veto = next(r for r in detail["rules"] if r["rule_id"] == "veto.one_vote")
    assert "第二十条" in veto["basis"]
    assert veto["blocks"][0]["period"] == {"kind": "months", "months": 12, "years_after": None}
    assert (await api.http.get("/v1/rulebooks/nope")).status_code == 404

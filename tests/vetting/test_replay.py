"""Replay: every stored decision re-evaluates identically from its stored facts and rulebook;
facts as known then; a changed rulebook version is reported."""

import asyncio

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from app import clock
from tests.factories import Api
from tests.vetting.world import World, check


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
    before = clock.now().isoformat()
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
    from app.vetting.rules.rulebook_layers import read_layer

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
    old = books.latest("cn-sichuan-luzhou-2018")
    newer = old.text.replace('version = "2.1.0"', 'version = "2.2.0"').replace(
        'months = 12 },\n  { purposes = ["commendation"',
        'months = 18 },\n  { purposes = ["commendation"',
        1,
    )
    changed = read_layer(newer, "test")
    books.add(changed)
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
        books.versions[old.id].remove(changed)
    assert stored["identical"] is True and stored["rulebook_changed"] is True
    assert current["identical"] is False
    assert current["replayed_with"]["version"] == "2.2.0"
    paths = [d["path"] for d in current["differences"]]
    assert any("rulebook" in p for p in paths)
    assert any("blocks_until" in p for p in paths) or "eligible_from" in paths

"""The checks' facts (units' histories read whole once, cached, windowed per cadre) are the very
facts of the older path that selected each tenure's records in SQL (which the dossier still
reads): compared cadre by cadre over a data set made by the benchmark's generator, alone and
in one batch, with a fresh cache and a warm one. Equal facts give equal decisions (the engine is
pure), so outcome, findings and `eligible_from` are unchanged by the cache."""

from __future__ import annotations

from uuid import UUID

from fastapi import FastAPI
from sqlalchemy import text

from app import clock
from app.domain.enums import Purpose
from app.uow import unit_of_work
from app.vetting.facts_loader import FactsLoader, UnitHistories
from app.vetting.rules import evaluate
from app.vetting.rules.rulebook import default_rulebook
from app.vetting.rules.snapshot import facts_snapshot
from bench.generate import generate
from tests.dbutil import Roles


async def test_cached_histories_give_the_facts_of_the_windowed_rows(
    app: FastAPI, roles: Roles, clean_db: None
) -> None:
    counts = await generate(roles.superuser, 400)
    assert counts["accidents"] >= 100 and counts["posts"] >= 400
    histories = UnitHistories()
    rulebook = default_rulebook()
    async with unit_of_work(app.state.sessionmaker) as session:
        ids = [UUID(str(r[0])) for r in await session.execute(text("SELECT id FROM cadres"))]
        loader = FactsLoader(session, "Asia/Shanghai", histories)
        known_at = clock.now()
        windowed_rows = await loader.fetch(ids, known_at, whole_rows=True)
        reference = {i: loader.facts(windowed_rows, i) for i in ids}
        together = await loader.load(ids, known_at)  # a cold cache: every unit read once
        warm = {i: (await loader.load([i], known_at))[i] for i in ids[:60]}
    with_accidents = 0
    for cadre_id, facts in reference.items():
        expected = facts_snapshot(facts)
        assert facts_snapshot(together[cadre_id]) == expected, cadre_id
        if cadre_id in warm:
            assert facts_snapshot(warm[cadre_id]) == expected, cadre_id
        with_accidents += bool(facts.accidents)
        for purpose in (Purpose.PROMOTION, Purpose.COMMENDATION):
            assert evaluate(together[cadre_id], purpose, known_at.date(), rulebook) == evaluate(
                facts, purpose, known_at.date(), rulebook
            )
    assert with_accidents >= 50  # the comparison covers cadres with accidents in their tenures

"""The facts loader keeps, of a unit's history, only what concerns the cadre: the accidents
during a post held there (by the local calendar day) or named by one of their cases, and the
unit's safety-work assessments of the years they held a post there."""

import asyncio
import hashlib
from datetime import date, datetime
from uuid import UUID

import orjson
from fastapi import FastAPI

from app import clock
from app.config import Settings
from app.main import create_app
from app.uow import unit_of_work
from app.vetting import repository
from app.vetting.facts_loader import UNIT_HISTORIES, FactsLoader, UnitHistories, UnitHistory
from app.vetting.rules.snapshot import canonical_json, facts_snapshot
from tests.factories import Api


async def test_only_accidents_the_cadre_may_answer_for_are_loaded(api: Api, app: FastAPI) -> None:
    county = await api.org_unit("叙永县人民政府", level="county")
    other = await api.org_unit("合江县人民政府", level="county")
    cadre = await api.cadre("周正")
    await api.post_held(cadre["id"], county["id"], start="2018-01-01", end_date="2020-12-31")
    await api.post_held(
        cadre["id"], other["id"], start="2021-01-01", position="deputy", team_rank=2
    )

    async def accident(unit: dict[str, str], at: str) -> str:
        return (await api.accident(unit["id"], occurred_at=at))["id"]

    first_local_day = await accident(county, "2018-01-01T00:30:00+08:00")  # 2017-12-31 in UTC
    day_before = await accident(county, "2017-12-31T23:30:00+08:00")
    during = await accident(county, "2019-06-01T10:00:00+08:00")
    last_day = await accident(county, "2020-12-31T23:59:00+08:00")
    after = await accident(county, "2021-01-01T00:10:00+08:00")
    long_before = await accident(county, "2012-03-01T10:00:00+08:00")
    at_the_next_post = await accident(other, "2022-02-01T10:00:00+08:00")
    before_the_next_post = await accident(other, "2020-02-01T10:00:00+08:00")
    await api.case(cadre["id"], accident_id=long_before)

    async with unit_of_work(app.state.sessionmaker) as session:
        loader = FactsLoader(session, "Asia/Shanghai")
        cadre_id = UUID(cadre["id"])
        facts = (await loader.load([cadre_id], clock.now()))[cadre_id]
    loaded = {str(a.id) for a in facts.accidents}

    assert loaded == {first_local_day, during, last_day, at_the_next_post, long_before}
    assert not loaded & {day_before, after, before_the_next_post}


async def test_the_same_facts_give_the_same_snapshot_alone_or_in_a_batch(
    api: Api, app: FastAPI
) -> None:
    unit = await api.org_unit("古蔺县人民政府", level="county")
    people = [await api.cadre(f"同事{i}") for i in range(4)]
    for i, person in enumerate(people):
        await api.post_held(person["id"], unit["id"], start=f"201{i}-01-01")
        for year in (2024, 2021, 2023, 2022):  # recorded out of order
            await api.post(
                "/v1/assessments",
                {
                    "subject": "cadre",
                    "cadre_id": person["id"],
                    "kind": "annual",
                    "year": year,
                    "grade": "competent",
                },
            )
    for at in ("2020-05-01T10:00:00+08:00", "2016-02-01T10:00:00+08:00", "2019-09-09T09:00:00Z"):
        await api.accident(unit["id"], occurred_at=at)
    ids = [UUID(p["id"]) for p in people]
    async with unit_of_work(app.state.sessionmaker) as session:
        loader = FactsLoader(session, "Asia/Shanghai")
        known_at = clock.now()
        together = await loader.load(list(reversed(ids)), known_at)
        alone = [(await loader.load([i], known_at))[i] for i in ids]
    for facts in alone:
        assert facts_snapshot(facts) == facts_snapshot(together[facts.cadre_id])
        assert [a.year for a in facts.assessments] == [2021, 2022, 2023, 2024]
        assert list(facts.accidents) == sorted(facts.accidents, key=lambda a: a.occurred_at)


async def test_only_unit_assessments_of_the_cadres_years_there_are_loaded_alone_or_together(
    api: Api, app: FastAPI
) -> None:
    unit = await api.org_unit("纳溪区人民政府", level="county")
    early = await api.cadre("早任")
    later = await api.cadre("后任")
    await api.post_held(early["id"], unit["id"], start="2012-03-01", end_date="2015-06-30")
    await api.post_held(later["id"], unit["id"], start="2019-01-01")
    for year in range(2010, 2026):
        await api.post(
            "/v1/assessments",
            {
                "subject": "org_unit",
                "org_unit_id": unit["id"],
                "kind": "safety_work",
                "year": year,
                "grade": "fail" if year % 2 else "good",
            },
        )
    ids = [UUID(early["id"]), UUID(later["id"])]
    async with unit_of_work(app.state.sessionmaker) as session:
        loader = FactsLoader(session, "Asia/Shanghai")
        known_at = clock.now()
        together = await loader.load(ids, known_at)
        alone = {i: (await loader.load([i], known_at))[i] for i in ids}
    for cadre_id, years in ((ids[0], range(2012, 2016)), (ids[1], range(2019, 2026))):
        assert [a.year for a in alone[cadre_id].unit_assessments] == list(years)
        assert facts_snapshot(alone[cadre_id]) == facts_snapshot(together[cadre_id])


async def test_accidents_of_several_posts_come_in_time_order_whether_tenures_overlap_or_not(
    api: Api, app: FastAPI
) -> None:
    town = await api.org_unit("福宝镇人民政府", level="township")
    park = await api.org_unit("泸州高新区管委会", level="county")
    later = await api.org_unit("泸县人民政府", level="county")
    cadre = await api.cadre("兼职")
    await api.post_held(cadre["id"], town["id"], start="2015-01-01", end_date="2019-12-31")
    await api.post_held(  # held at the same time as the first
        cadre["id"], park["id"], start="2016-01-01", end_date="2019-12-31", position="deputy"
    )
    await api.post_held(cadre["id"], later["id"], start="2020-01-01", team_rank=2)
    for unit, at in (
        (town, "2018-05-01T10:00:00+08:00"),
        (park, "2016-03-01T10:00:00+08:00"),
        (town, "2015-07-01T10:00:00+08:00"),
        (park, "2019-01-01T10:00:00+08:00"),
        (later, "2021-01-01T10:00:00+08:00"),
    ):
        await api.accident(unit["id"], occurred_at=at)
    async with unit_of_work(app.state.sessionmaker) as session:
        cadre_id = UUID(cadre["id"])
        facts = (await FactsLoader(session, "Asia/Shanghai").load([cadre_id], clock.now()))[
            cadre_id
        ]
    moments = [a.occurred_at for a in facts.accidents]
    assert len(moments) == 5 and moments == sorted(moments)


async def test_a_units_history_is_loaded_once_and_reloaded_when_it_changes(
    api: Api, app: FastAPI
) -> None:
    unit = await api.org_unit("江阳区人民政府", level="county")
    people = [await api.cadre(f"区长{i}") for i in range(3)]
    for i, person in enumerate(people):
        await api.post_held(person["id"], unit["id"], start=f"201{i}-01-01", team_rank=i + 1)
    first = await api.accident(unit["id"], occurred_at="2019-05-01T10:00:00+08:00", deaths=1)
    histories = UnitHistories()
    ids = [UUID(p["id"]) for p in people]

    async def deaths(cadre_id: UUID, known_at: datetime | None = None) -> list[int]:
        async with unit_of_work(app.state.sessionmaker) as session:
            loader = FactsLoader(session, "Asia/Shanghai", histories)
            facts = (await loader.load([cadre_id], known_at or clock.now()))[cadre_id]
        return [a.deaths for a in facts.accidents]

    assert await deaths(ids[0]) == [1]
    held = dict(histories._held)
    assert len(held) == 1
    assert await deaths(ids[1]) == [1] and await deaths(ids[2]) == [1]
    assert histories._held == held  # the same history, not loaded again
    [cached] = held.values()

    await asyncio.sleep(0.01)
    before = clock.now()
    await asyncio.sleep(0.01)
    await api.post(
        f"/v1/accidents/{first['id']}/amendments",
        {"reason": "核实后更正", "changes": {"deaths": 3}},
        status=200,
    )
    await api.accident(unit["id"], occurred_at="2020-02-01T10:00:00+08:00", deaths=2)
    assert await deaths(ids[0]) == [3, 2]  # a new key: the history is read again
    assert await deaths(ids[1], before) == [1]  # as known then: the first history, from cache
    assert any(h is cached for h in histories._held.values())
    assert len(histories._held) == 2


def test_the_cache_drops_the_least_recently_used_past_its_bound() -> None:
    day = date(2020, 1, 1)
    histories = UnitHistories(max_accidents=12)
    sizes = {f"u{i}": i + 3 for i in range(4)}  # 3, 4, 5 and 6 accidents (+1 each)
    for name, size in sizes.items():
        key = (UUID(int=len(name)), "Asia/Shanghai", name)
        histories.put(key, UnitHistory([day] * size, (None,) * size, ()))  # type: ignore[arg-type]
        histories.get((UUID(int=2), "Asia/Shanghai", "u0"))  # the first kept in use
    assert {k[2] for k in histories._held} == {"u0", "u3"}


async def test_a_checks_stored_snapshot_is_the_canonical_one_of_its_facts(
    api: Api, app: FastAPI
) -> None:
    unit = await api.org_unit("龙马潭区人民政府", level="county")
    cadre = await api.cadre("龙马")
    await api.post_held(cadre["id"], unit["id"], start="2016-01-01")
    for at in ("2017-03-01T10:00:00+08:00", "2019-09-09T09:00:00Z", "2015-01-01T10:00:00+08:00"):
        await api.accident(unit["id"], occurred_at=at)
    for _ in range(2):  # the second check splices the cached history's written accidents
        decision = await api.post(
            "/v1/vetting/checks", {"cadre_id": cadre["id"], "purpose": "promotion"}, status=201
        )
        async with unit_of_work(app.state.sessionmaker) as session:
            stored = await repository.snapshot(session, decision["facts_sha256"])
            known_at = datetime.fromisoformat(decision["known_at"])
            cadre_id = UUID(cadre["id"])
            facts = (await FactsLoader(session, "Asia/Shanghai").load([cadre_id], known_at))[
                cadre_id
            ]
        assert stored is not None and len(facts.accidents) == 2
        assert canonical_json(orjson.loads(stored)) == facts_snapshot(facts).decode()
        assert hashlib.sha256(facts_snapshot(facts)).hexdigest() == decision["facts_sha256"]


def test_a_cache_of_no_accidents_keeps_nothing_and_the_setting_sizes_the_processs_cache(
    settings: Settings,
) -> None:
    histories = UnitHistories(max_accidents=0)
    histories.put((UUID(int=1), "Asia/Shanghai", "k"), UnitHistory([], (), ()))
    assert histories.get((UUID(int=1), "Asia/Shanghai", "k")) is None
    create_app(settings.model_copy(update={"unit_history_cache_accidents": 1234}))
    try:
        assert UNIT_HISTORIES.max_accidents == 1234
    finally:
        create_app(settings)  # the suite's own size again
    assert UNIT_HISTORIES.max_accidents == settings.unit_history_cache_accidents

"""Generate the benchmark data set with COPY: 100,000 cadres and more than 1,000,000 records
(or any number: `--cadres 1000000` gives ten times as many of everything).

The rows are shaped like the demo data (careers in counties, departments and SOEs; annual
assessments; accidents; accountability cases with every method; commendations; ...) and go
straight into the tables with PostgreSQL's binary COPY. They bypass the services (and so the
audit log): this is a load for measuring reads, not a record of anything.

The org units grow with the cadres (20 counties and 50 SOEs per 100,000 cadres, 671 units), so
that a unit has as many posts, accidents and assessments at 1M as at 100k: a bigger database,
not a denser one. Rows are streamed (only ids and post spans are kept), so 1M fits in memory.

    .venv/bin/python bench/generate.py --database-url postgresql+asyncpg://… [--cadres 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.domain.accidents import accident_level  # noqa: E402
from app.domain.idnumber import check_character, mask  # noqa: E402
from app.runtime import migrate, prepare_database  # noqa: E402
from app.security.pii import PiiCipher  # noqa: E402

SECRET = "benchmark-secret-key-0123456789-abcdefghijklmnop"
START = datetime(2026, 1, 1, tzinfo=UTC)
METHODS: list[dict[str, Any]] = [
    {"methods": ["admonishment"]},
    {"methods": ["notification"]},
    {"methods": ["sanction"], "admin_sanction": "demerit"},
    {"methods": ["sanction"], "party_sanction": "warning"},
    {"methods": ["removal"]},
    {"methods": ["ordered_resignation"]},
    {"methods": ["demotion"]},
    {"methods": ["sanction"], "admin_sanction": "dismissal"},
    {"methods": [], "leniency": "exempted"},
    {"methods": ["post_adjustment"], "leniency": "lighter"},
]


def asyncpg_dsn(url: str) -> dict[str, Any]:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    params = {
        "user": u.username,
        "password": u.password,
        "database": u.database,
        "host": u.query.get("host") or u.host,
        "port": u.port,
    }
    return {k: v for k, v in params.items() if v is not None}


def number_for(index: int) -> str:
    """The resident ID number of generated cadre `index`: valid and unique."""
    born = date(1960, 1, 1) + timedelta(days=index // 999)
    first17 = f"510502{born:%Y%m%d}{index % 999 + 1:03d}"
    return first17 + check_character(first17)


def meta(rid: uuid.UUID) -> dict[str, Any]:
    return {"id": rid, "version": 1, "change": "created", "recorded_at": START}


# Per 100,000 cadres: each county has a government, 10 departments and 20 townships.
COUNTIES_PER_100K = 20
SOES_PER_100K = 50


class Generator:
    def __init__(self, cadres: int, seed: int = 2018) -> None:
        self.n = cadres
        self.rng = random.Random(seed)
        self.cipher = PiiCipher.from_secret(SECRET)
        self.units: list[dict[str, Any]] = []
        self.cadre_ids: list[uuid.UUID] = []
        # (org unit, start date) of every post: where and from when accidents may fall.
        self.post_spans: list[tuple[uuid.UUID, date]] = []

    def _scaled(self, per_100k: int) -> int:
        return max(1, round(per_100k * self.n / 100_000))

    def org_units(self) -> list[dict[str, Any]]:
        city = uuid.uuid4()
        rows = [self._unit(city, "泸州市人民政府", "government", "city", [city])]
        for c in range(self._scaled(COUNTIES_PER_100K)):
            gov = uuid.uuid4()
            rows.append(self._unit(gov, f"第{c}县人民政府", "government", "county", [city, gov]))
            for d in range(10):
                u = uuid.uuid4()
                rows.append(
                    self._unit(
                        u, f"第{c}县第{d}局", "government_department", "county", [city, gov, u]
                    )
                )
            for t in range(20):
                u = uuid.uuid4()
                rows.append(
                    self._unit(u, f"第{c}县第{t}镇", "township", "township", [city, gov, u])
                )
        for s in range(self._scaled(SOES_PER_100K)):
            u = uuid.uuid4()
            row = self._unit(u, f"市属国企{s}", "state_owned_enterprise", "city", [city, u])
            row.update(
                is_key_soe=s < 10,
                industry=self.rng.choice(
                    ["gas", "construction", "hazardous_chemicals", "liquor_and_food"]
                ),
            )
            rows.append(row)
        self.units = rows
        return rows

    @staticmethod
    def _unit(
        uid: uuid.UUID, name: str, kind: str, level: str, path: list[uuid.UUID]
    ) -> dict[str, Any]:
        return {
            "id": uid,
            "name": name,
            "kind": kind,
            "level": level,
            "parent_id": path[-2] if len(path) > 1 else None,
            "path": path,
            "is_key_soe": False,
            "industry": None,
            "created_at": START,
            "updated_at": START,
        }

    def cadres(self) -> Iterator[dict[str, Any]]:
        for i in range(self.n):
            number = number_for(i)
            born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
            cid = uuid.uuid4()
            self.cadre_ids.append(cid)
            yield {
                "id": cid,
                "id_number_hash": self.cipher.lookup_hash(number),
                "id_number_cipher": self.cipher.encrypt(number),
                "id_number_masked": mask(number),
                "birth_date": born,
                "created_at": START,
            }

    def cadre_versions(self) -> Iterator[dict[str, Any]]:
        for i, cid in enumerate(self.cadre_ids):
            yield {**meta(cid), "name": f"干部{i}", "gender": "male" if i % 3 else "female"}

    def post_rows(self) -> Iterator[dict[str, Any]]:
        roles = [
            "first_responsible",
            "safety_lead",
            "team_member",
            "team_member",
            "assisting_safety_lead",
        ]
        for cid in self.cadre_ids:
            start = date(2008 + self.rng.randint(0, 8), 1 + self.rng.randint(0, 11), 1)
            for step in range(2):
                unit = self.rng.choice(self.units)
                role = (
                    "soe_principal"
                    if unit["kind"] == "state_owned_enterprise" and step
                    else (self.rng.choice(roles))
                )
                end = start + timedelta(days=self.rng.randint(900, 2500)) if step == 0 else None
                row = {
                    **meta(uuid.uuid4()),
                    "cadre_id": cid,
                    "org_unit_id": unit["id"],
                    "title": "职务",
                    "position": "principal"
                    if role in ("first_responsible", "soe_principal")
                    else "deputy",
                    "safety_role": role,
                    "team_rank": self.rng.randint(1, 6),
                    "start_date": start,
                    "end_date": end,
                }
                self.post_spans.append((unit["id"], start))
                yield row
                start = (end or start) + timedelta(days=1)

    def assessment_rows(self) -> Iterator[dict[str, Any]]:
        grades = ["competent"] * 12 + ["excellent"] * 3 + ["basically_competent"]
        for cid in self.cadre_ids:
            for year in range(2020, 2026):
                yield {
                    **meta(uuid.uuid4()),
                    "subject": "cadre",
                    "cadre_id": cid,
                    "org_unit_id": None,
                    "kind": "annual",
                    "year": year,
                    "grade": self.rng.choice(grades),
                    "score": None,
                    "assessed_on": None,
                    "published": False,
                    "notes": None,
                }
        for unit in self.units:
            for year in range(2021, 2026):
                yield {
                    **meta(uuid.uuid4()),
                    "subject": "org_unit",
                    "cadre_id": None,
                    "org_unit_id": unit["id"],
                    "kind": "safety_work",
                    "year": year,
                    "grade": self.rng.choice(["excellent", "good", "pass", "pass", "fail"]),
                    "score": None,
                    "assessed_on": None,
                    "published": True,
                    "notes": None,
                }

    def severity(self) -> tuple[int, int, int]:
        """Deaths, serious injuries and direct loss (CNY) as a city's record has them: nearly
        all general, some larger, a rare major one."""
        roll = self.rng.random()
        if roll < 0.9:
            return self.rng.randint(0, 2), self.rng.randint(0, 5), self.rng.randint(1, 900) * 1_000
        if roll < 0.99:
            return self.rng.randint(3, 9), self.rng.randint(0, 20), self.rng.randint(1, 9) * 10**6
        return self.rng.randint(10, 15), self.rng.randint(0, 30), self.rng.randint(10, 40) * 10**6

    def accident_rows(self, count: int) -> Iterator[dict[str, Any]]:
        for _ in range(count):
            unit_id, start = self.rng.choice(self.post_spans)
            day = start + timedelta(days=self.rng.randint(0, 800))
            when = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
            deaths, injuries, loss = self.severity()

            yield {
                **meta(uuid.uuid4()),
                "org_unit_id": unit_id,
                "occurred_at": when,
                "industry": "construction",
                "deaths": deaths,
                "serious_injuries": injuries,
                "direct_loss_cny": Decimal(loss),
                "level": accident_level(deaths, injuries, Decimal(loss)).value,
                "reported_at": when + timedelta(minutes=40),
                "reported_late": False,
                "reporting_failures": [],
                "investigation_status": "concluded",
                "concluded_on": day + timedelta(days=100),
                "description": None,
            }

    def case_rows(self, count: int) -> Iterator[dict[str, Any]]:
        for i in range(count):
            cid = self.rng.choice(self.cadre_ids)
            shape = METHODS[i % len(METHODS)]
            opened = date(2019 + self.rng.randint(0, 6), 1 + self.rng.randint(0, 11), 1)
            yield {
                **meta(uuid.uuid4()),
                "cadre_id": cid,
                "circumstance": self.rng.choice(
                    ["duties_not_performed", "accident_responsibility", "reporting_failure"]
                ),
                "accident_id": None,
                "post_id": None,
                "status": "decided",
                "opened_on": opened,
                "decision_date": opened + timedelta(days=90),
                "authority": "市纪委监委",
                "document_number": None,
                "methods": shape["methods"],
                "party_sanction": shape.get("party_sanction"),
                "party_probation_months": None,
                "admin_sanction": shape.get("admin_sanction"),
                "suspension_months": None,
                "leniency": shape.get("leniency"),
                "referred_to_supervisory_commission": False,
                "criminal_penalty": False,
                "criminal_penalty_completed_on": None,
                "summary": None,
            }

    def simple_rows(self, kind: str, count: int) -> Iterator[dict[str, Any]]:
        for _ in range(count):
            cid = self.rng.choice(self.cadre_ids)
            day = date(2020 + self.rng.randint(0, 5), 1 + self.rng.randint(0, 11), 10)
            base = {**meta(uuid.uuid4()), "cadre_id": cid}
            if kind == "commendations":
                yield {
                    **base,
                    "kind": "commendation",
                    "basis": "preventing_accidents",
                    "year": day.year,
                    "awarded_on": day,
                    "authority": None,
                    "document_number": None,
                    "description": None,
                }
            elif kind == "cadre_investigations":
                yield {
                    **base,
                    "conducted_on": day,
                    "purpose": "promotion",
                    "result": "fail" if self.rng.random() < 0.1 else "pass",
                    "notes": None,
                }
            elif kind == "contributions":
                yield {
                    **base,
                    "area": "organising_rescue",
                    "year": day.year,
                    "achieved_on": day,
                    "description": "抢险救援",
                }
            else:
                yield {**base, "status": "retired", "effective_date": day, "note": None}


async def _copy(conn: asyncpg.Connection, table: str, rows: Iterator[dict[str, Any]]) -> int:
    batch: list[dict[str, Any]] = []
    total = 0

    async def flush() -> None:
        if batch:
            columns = list(batch[0])
            await conn.copy_records_to_table(
                table, records=[tuple(r[c] for c in columns) for r in batch], columns=columns
            )

    for row in rows:
        batch.append(row)
        if len(batch) >= 20_000:
            await flush()
            total += len(batch)
            batch.clear()
    await flush()
    return total + len(batch)


async def generate(url: str, cadres: int, verbose: bool = False) -> dict[str, int]:
    """COPY the data set into the empty tables of `url`, in one transaction (an interrupted run
    leaves nothing behind), then VACUUM (ANALYZE). The row counts by table."""
    conn = await asyncpg.connect(**asyncpg_dsn(url))
    gen = Generator(cadres)
    tables: list[tuple[str, Callable[[], Iterator[dict[str, Any]]]]] = [
        ("org_units", lambda: iter(gen.org_units())),
        ("cadres", gen.cadres),
        ("cadre_versions", gen.cadre_versions),
        ("posts", gen.post_rows),
        ("assessments", gen.assessment_rows),
        ("accidents", lambda: gen.accident_rows(cadres // 4)),
        ("accountability_cases", lambda: gen.case_rows(cadres // 3)),
        *(
            (table, lambda table=table, share=share: gen.simple_rows(table, cadres // share))
            for table, share in (
                ("commendations", 2),
                ("cadre_investigations", 5),
                ("contributions", 10),
                ("cadre_status_events", 10),
            )
        ),
    ]
    counts: dict[str, int] = {}
    try:
        async with conn.transaction():
            for table, rows in tables:
                started = time.perf_counter()
                counts[table] = await _copy(conn, table, rows())
                if verbose:
                    elapsed = time.perf_counter() - started
                    print(f"  {table:<22} {counts[table]:>10,} rows  {elapsed:6.1f} s", flush=True)
        # VACUUM as well as ANALYZE: sets the hint bits and the visibility map now, so the first
        # measured run neither writes them nor competes with autovacuum doing it.
        started = time.perf_counter()
        await conn.execute("VACUUM (ANALYZE)")
        if verbose:
            print(f"  {'VACUUM (ANALYZE)':<40} {time.perf_counter() - started:6.1f} s")
    finally:
        await conn.close()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--cadres", type=int, default=100_000)
    args = parser.parse_args()
    started = time.perf_counter()
    counts = asyncio.run(generate(args.database_url, args.cadres, verbose=True))
    records = sum(v for k, v in counts.items() if k not in ("org_units", "cadres"))
    print(f"generated {counts} — {records:,} records in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()


def fresh_database(superuser: str, cadres: int) -> tuple[str, str]:
    """A new database `vetting_bench` on the server of `superuser`, migrated and filled with
    `cadres` cadres' data set; (owner URL, service URL)."""
    owner, service = prepare_database(superuser, "vetting_bench")
    migrate(owner, service_url=service)
    started = time.perf_counter()
    asyncio.run(generate(owner, cadres))
    print(f"generated {cadres:,} cadres in {time.perf_counter() - started:.1f} s", flush=True)
    return owner, service

"""The demo builder: creates units, cadres, posts and records through the services (validated
and audited like any other write), with a seeded random generator so every load is the same."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.cadres import service as cadres
from app.cadres.schemas import CadreCreate
from app.context import Context, system_context
from app.domain.idnumber import check_character
from app.org_units import service as org_units
from app.org_units.schemas import OrgUnitCreate
from app.records import service as records
from app.records.kinds import BY_NAME
from app.security.pii import PiiCipher

CST = ZoneInfo("Asia/Shanghai")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林郑梁谢唐许冯宋韩邓彭曾"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华建国志红文斌林波宇浩凯鹏辉"


@dataclass
class Demo:
    session: AsyncSession
    cipher: PiiCipher
    ctx: Context = field(default_factory=lambda: system_context("demo"))
    rng: random.Random = field(default_factory=lambda: random.Random(20181127))
    units: dict[str, dict[str, Any]] = field(default_factory=dict)
    people: list[dict[str, Any]] = field(default_factory=list)
    serial: int = 0

    async def unit(
        self, key: str, name: str, kind: str, level: str, parent: str | None = None, **extra: Any
    ) -> str:
        payload = OrgUnitCreate(
            name=name,
            kind=kind,
            level=level,  # type: ignore[arg-type]
            parent_id=self.units[parent]["id"] if parent else None,
            **extra,
        )
        unit = await org_units.create(self.session, self.ctx, payload)
        self.units[key] = {"id": unit.id, "name": name, "kind": kind, "level": level}
        return key

    async def record(self, record_kind: str, /, **values: Any) -> Any:
        kind = BY_NAME[record_kind]
        payload = kind.create.model_validate(values)
        return await records.create(self.session, self.ctx, kind, payload)

    def _id_number(self, born: date, male: bool) -> str:
        self.serial += 1
        seq = (self.serial % 500) * 2 + (1 if male else 0)
        first17 = f"510502{born:%Y%m%d}{seq:03d}"
        return first17 + check_character(first17)

    async def person(self, born_year: int) -> dict[str, Any]:
        male = self.rng.random() < 0.8
        born = date(born_year, self.rng.randint(1, 12), self.rng.randint(1, 28))
        name = self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, self.rng.randint(1, 2)))
        view = await cadres.create(
            self.session,
            self.ctx,
            CadreCreate(id_number=self._id_number(born, male), name=name),
            self.cipher,
        )
        person = {"id": view.id, "name": name, "posts": []}
        self.people.append(person)
        return person

    async def post(
        self,
        person: dict[str, Any],
        unit: str,
        title: str,
        position: str,
        role: str,
        rank: int | None,
        start: date,
        end: date | None = None,
    ) -> Any:
        row = await self.record(
            "post",
            cadre_id=person["id"],
            org_unit_id=self.units[unit]["id"],
            title=title,
            position=position,
            safety_role=role,
            team_rank=rank,
            start_date=start,
            end_date=end,
        )
        person["posts"].append(
            {"id": row.id, "unit": unit, "start": start, "end": end, "role": role}
        )
        return row

    def start_date(self) -> date:
        return date(self.rng.randint(2012, 2022), self.rng.choice([1, 3, 7, 9]), 1)

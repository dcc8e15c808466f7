"""`vetting demo`: a realistic, deterministic demo data set for the city of Luzhou.

The city's Party committee and government with their departments, an industrial park, three
key municipal SOEs, the seven districts and counties with their committees, governments,
departments and townships; about 200 cadres with careers (some transferred, some retired); and
records of every kind. Everything goes through the services, so it is validated and audited
like any other write.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cadres import service as cadres
from app.cadres.schemas import CadreCreate
from app.context import Context, system_context
from app.domain.enums import CONTRIBUTION_AREAS, CommendationKind
from app.domain.idnumber import check_character
from app.models import OrgUnit
from app.org_units import service as org_units
from app.org_units.schemas import OrgUnitCreate
from app.records import service as records
from app.records.kinds import BY_NAME
from app.security.pii import PiiCipher

CST = ZoneInfo("Asia/Shanghai")
COUNTIES = [
    ("江阳区", "510502", "区"),
    ("纳溪区", "510503", "区"),
    ("龙马潭区", "510504", "区"),
    ("泸县", "510521", "县"),
    ("合江县", "510522", "县"),
    ("叙永县", "510524", "县"),
    ("古蔺县", "510525", "县"),
]
TOWNS = {
    "江阳区": ["南城街道", "黄舣镇", "分水岭镇"],
    "纳溪区": ["安富街道", "大渡口镇", "护国镇"],
    "龙马潭区": ["小市街道", "胡市镇", "特兴街道"],
    "泸县": ["福集镇", "玄滩镇", "立石镇"],
    "合江县": ["合江镇", "白沙镇", "九支镇"],
    "叙永县": ["叙永镇", "江门镇", "水尾镇"],
    "古蔺县": ["古蔺镇", "二郎镇", "太平镇"],
}
SOES = [
    ("泸州老窖集团有限责任公司", "liquor_and_food"),
    ("泸州市兴泸投资集团有限公司", "gas"),
    ("泸州市工业投资集团有限公司", "industry_and_trade"),
]
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


async def _tree(demo: Demo) -> None:
    await demo.unit(
        "city_pc", "中共泸州市委员会", "party_committee", "city", division_code="510500"
    )
    await demo.unit("city_gov", "泸州市人民政府", "government", "city", division_code="510500")
    await demo.unit("org_dept", "中共泸州市委组织部", "party_working_organ", "city", "city_pc")
    await demo.unit(
        "emergency",
        "泸州市应急管理局",
        "government_department",
        "city",
        "city_gov",
        document_prefix="泸应急意",
    )
    await demo.unit(
        "housing", "泸州市住房和城乡建设局", "government_department", "city", "city_gov"
    )
    await demo.unit("transport", "泸州市交通运输局", "government_department", "city", "city_gov")
    await demo.unit("economy", "泸州市经济和信息化局", "government_department", "city", "city_gov")
    await demo.unit("market", "泸州市市场监督管理局", "government_department", "city", "city_gov")
    await demo.unit(
        "sasac", "泸州市国有资产监督管理委员会", "government_department", "city", "city_gov"
    )
    await demo.unit(
        "park", "泸州高新技术产业开发区管理委员会", "industrial_park", "city", "city_gov"
    )
    for index, (name, industry) in enumerate(SOES):
        await demo.unit(
            f"soe{index}",
            name,
            "state_owned_enterprise",
            "city",
            "sasac",
            is_key_soe=True,
            industry=industry,
        )
    for county, code, _suffix in COUNTIES:
        await demo.unit(
            f"{county}_pc",
            f"中共{county}委员会",
            "party_committee",
            "county",
            "city_pc",
            division_code=code,
        )
        await demo.unit(
            f"{county}_gov",
            f"{county}人民政府",
            "government",
            "county",
            "city_gov",
            division_code=code,
        )
        await demo.unit(
            f"{county}_emergency",
            f"{county}应急管理局",
            "government_department",
            "county",
            f"{county}_gov",
        )
        await demo.unit(
            f"{county}_housing",
            f"{county}住房和城乡建设局",
            "government_department",
            "county",
            f"{county}_gov",
        )
        await demo.unit(
            f"{county}_transport",
            f"{county}交通运输局",
            "government_department",
            "county",
            f"{county}_gov",
        )
        for town in TOWNS[county]:
            kind = "street" if town.endswith("街道") else "township"
            await demo.unit(f"{county}_{town}", town, kind, "township", f"{county}_gov")


TEAMS = {
    "party_committee": [
        ("书记", "principal", "first_responsible"),
        ("副书记", "deputy", "team_member"),
    ],
    "government": [
        ("{head}", "principal", "first_responsible"),
        ("常务副{head}", "executive_deputy", "safety_lead"),
        ("副{head}", "deputy", "assisting_safety_lead"),
        ("副{head}", "deputy", "team_member"),
        ("副{head}", "deputy", "team_member"),
    ],
    "department": [
        ("局长", "principal", "first_responsible"),
        ("副局长", "deputy", "safety_lead"),
        ("副局长", "deputy", "team_member"),
    ],
    "township": [
        ("{town_head}", "principal", "first_responsible"),
        ("副{town_head}", "deputy", "safety_lead"),
    ],
    "soe": [
        ("董事长", "principal", "soe_principal"),
        ("总经理", "deputy", "safety_lead"),
        ("副总经理", "deputy", "team_member"),
    ],
    "park": [
        ("主任", "principal", "first_responsible"),
        ("常务副主任", "executive_deputy", "safety_lead"),
        ("副主任", "deputy", "team_member"),
    ],
}


def _team_for(unit: dict[str, Any]) -> tuple[str, dict[str, str]]:
    kind, level, name = unit["kind"], unit["level"], unit["name"]
    head = "市长" if level == "city" else ("区长" if name.endswith("区人民政府") else "县长")
    town_head = "主任" if kind == "street" else "镇长"
    team = {
        "party_committee": "party_committee",
        "government": "government",
        "government_department": "department",
        "party_working_organ": "department",
        "township": "township",
        "street": "township",
        "state_owned_enterprise": "soe",
        "industrial_park": "park",
    }[kind]
    return team, {"head": head, "town_head": town_head}


async def _teams(demo: Demo) -> None:
    for key, unit in list(demo.units.items()):
        team, words = _team_for(unit)
        for rank, (title, position, role) in enumerate(TEAMS[team], start=1):
            person = await demo.person(demo.rng.randint(1964, 1982))
            label = title.format(**words)
            if team == "party_committee" and unit["level"] == "county":
                label = ("区委" if "区" in unit["name"] else "县委") + label
            await demo.post(person, key, label, position, role, rank, demo.start_date())


async def _careers(demo: Demo) -> None:
    """Earlier posts for some cadres (transfers), and retirements for others."""
    counties = [c for c, _, _ in COUNTIES]
    for person in demo.rng.sample(demo.people, 60):
        current = person["posts"][-1]
        earlier_end = current["start"] - timedelta(days=1)
        county = demo.rng.choice(counties)
        unit = demo.rng.choice([f"{county}_gov", f"{county}_housing", f"{county}_emergency"])
        role = demo.rng.choice(["safety_lead", "first_responsible", "team_member"])
        position = "principal" if role == "first_responsible" else "deputy"
        title = {
            "first_responsible": "主要负责人",
            "safety_lead": "分管安全副职",
            "team_member": "班子成员",
        }[role]
        start = earlier_end - timedelta(days=demo.rng.randint(700, 2000))
        await demo.post(person, unit, title, position, role, None, start, earlier_end)
    for person in demo.rng.sample(demo.people, 14):
        retired = date(demo.rng.randint(2021, 2025), demo.rng.randint(1, 12), 1)
        latest = person["posts"][-1]
        if latest["start"] >= retired:
            continue
        await _end_post(demo, latest, retired - timedelta(days=1))
        status = "retired" if demo.rng.random() < 0.8 else "left"
        await demo.record(
            "cadre_status_event", cadre_id=person["id"], status=status, effective_date=retired
        )


async def _end_post(demo: Demo, post: dict[str, Any], end: date) -> None:
    kind = BY_NAME["post"]
    changes = kind.amend.model_validate({"end_date": end})
    await records.amend(demo.session, demo.ctx, kind, post["id"], changes, "退休/离任，任职结束")
    post["end"] = end


async def _assessments(demo: Demo) -> None:
    grades = ["excellent"] * 3 + ["competent"] * 14 + ["basically_competent"]
    for person in demo.people:
        first = max(2021, min(p["start"].year for p in person["posts"]))
        for year in range(first, 2026):
            grade = demo.rng.choice(grades)
            await demo.record(
                "assessment",
                subject="cadre",
                cadre_id=person["id"],
                kind="annual",
                year=year,
                grade=grade,
                published=False,
            )
        if demo.rng.random() < 0.35:
            await demo.record(
                "assessment",
                subject="cadre",
                cadre_id=person["id"],
                kind="safety_duty",
                year=2025,
                published=True,
                grade=demo.rng.choice(["excellent", "competent", "competent"]),
            )
        # 目标考核, 绩效考核 and 任期考核 for some: every kind of cadre assessment appears.
        if demo.rng.random() < 0.25:
            for kind in ("target", "performance"):
                await demo.record(
                    "assessment",
                    subject="cadre",
                    cadre_id=person["id"],
                    kind=kind,
                    year=2024,
                    published=False,
                    grade=demo.rng.choice(grades),
                )
        if demo.rng.random() < 0.1:
            await demo.record(
                "assessment",
                subject="cadre",
                cadre_id=person["id"],
                kind="term",
                year=2023,
                published=False,
                grade=demo.rng.choice(grades),
            )
    for _key, unit in demo.units.items():
        if unit["kind"] not in ("government", "state_owned_enterprise", "industrial_park"):
            continue
        for year in range(2022, 2026):
            score = demo.rng.randint(55, 98)
            grade = (
                "excellent"
                if score >= 90
                else "good"
                if score >= 80
                else ("pass" if score >= 60 else "fail")
            )
            await demo.record(
                "assessment",
                subject="org_unit",
                org_unit_id=unit["id"],
                kind="safety_work",
                year=year,
                grade=grade,
                score=score,
                published=year < 2025,
            )


ACCIDENT_SHAPES = [
    ("road_transport", 1, 2, 800_000),
    ("construction", 2, 0, 1_500_000),
    ("hazardous_chemicals", 3, 5, 12_000_000),
    ("coal_mining", 4, 1, 9_000_000),
    ("fire", 0, 3, 2_000_000),
    ("waterway_transport", 1, 0, 300_000),
    ("gas", 10, 12, 30_000_000),
    ("liquor_and_food", 0, 1, 600_000),
]


async def _accidents(demo: Demo) -> list[dict[str, Any]]:
    made = []
    candidates = [
        p
        for person in demo.people
        for p in person["posts"]
        if p["role"] in ("first_responsible", "safety_lead", "soe_principal")
    ]
    for index in range(30):
        post = demo.rng.choice(candidates)
        last = post["end"] or date(2025, 10, 31)
        day = post["start"] + timedelta(
            days=demo.rng.randint(0, max(0, (last - post["start"]).days))
        )
        industry, deaths, injuries, loss = ACCIDENT_SHAPES[index % len(ACCIDENT_SHAPES)]
        occurred = datetime(day.year, day.month, day.day, demo.rng.randint(0, 23), 15, tzinfo=CST)
        delay = timedelta(minutes=demo.rng.choice([30, 45, 50, 90, 240]))
        concluded = occurred.date() + timedelta(days=120)
        open_case = concluded > date(2025, 11, 1)
        row = await demo.record(
            "accident",
            org_unit_id=demo.units[post["unit"]]["id"],
            occurred_at=occurred,
            industry=industry,
            deaths=deaths,
            serious_injuries=injuries,
            direct_loss_cny=loss,
            reported_at=occurred + delay,
            reporting_failures=["concealed"] if index == 5 else [],
            investigation_status="open" if open_case else "concluded",
            concluded_on=None if open_case else concluded,
            description=f"{demo.units[post['unit']]['name']}发生{industry}事故",
        )
        made.append({"id": row.id, "post": post, "day": day})
    return made


def _owner(demo: Demo, post: dict[str, Any]) -> dict[str, Any]:
    return next(p for p in demo.people if post in p["posts"])


CASE_SHAPES: list[dict[str, Any]] = [
    {"methods": ["admonishment"]},
    {"methods": ["notification"]},
    {"methods": ["sanction"], "admin_sanction": "demerit"},
    {"methods": ["sanction"], "party_sanction": "warning"},
    {
        "methods": ["sanction"],
        "party_sanction": "serious_warning",
        "admin_sanction": "major_demerit",
    },
    {"methods": ["removal"]},
    {"methods": ["ordered_resignation"]},
    {"methods": ["demotion"]},
    {"methods": ["post_adjustment"]},
    {"methods": ["sanction"], "admin_sanction": "dismissal"},
    {"methods": [], "leniency": "exempted"},
    {"methods": ["admonishment"], "leniency": "lighter"},
    {"methods": ["sanction"], "party_sanction": "probation", "party_probation_months": 12},
    {"methods": ["suspension"], "suspension_months": 3},
]


async def _cases(demo: Demo, accidents: list[dict[str, Any]]) -> None:
    for index, accident in enumerate(accidents[:22]):
        person = _owner(demo, accident["post"])
        shape = CASE_SHAPES[index % len(CASE_SHAPES)]
        decided = accident["day"] + timedelta(days=150)
        circumstance = "reporting_failure" if index == 5 else "accident_responsibility"
        base = {
            "cadre_id": person["id"],
            "circumstance": circumstance,
            "accident_id": accident["id"],
            "opened_on": accident["day"] + timedelta(days=30),
        }
        if decided > date(2025, 11, 1):
            await demo.record("accountability_case", status="under_investigation", **base)
            continue
        row = await demo.record(
            "accountability_case",
            status="decided",
            decision_date=decided,
            authority="中共泸州市纪律检查委员会 泸州市监察委员会",
            document_number=f"泸纪发〔{decided.year}〕{index + 3}号",
            **base,
            **shape,
        )
        if index == 7:
            kind = BY_NAME["accountability_case"]
            await records.revoke(demo.session, demo.ctx, kind, row.id, "复查后撤销问责决定")
    # Accountability without an accident: the seed's other circumstances.
    for person, (circumstance, summary) in zip(
        demo.rng.sample(demo.people, len(OTHER_CASES)), OTHER_CASES, strict=True
    ):
        await demo.record(
            "accountability_case",
            cadre_id=person["id"],
            circumstance=circumstance,
            status="decided",
            opened_on=date(2024, 3, 1),
            decision_date=date(2024, 5, 20),
            authority="中共泸州市委",
            methods=["notification"],
            summary=summary,
        )


OTHER_CASES = [
    ("duties_not_performed", "安全生产责任清单未落实，督查督办事项逾期未整改"),
    ("duties_not_performed", "未按规定组织开展安全生产检查"),
    ("duties_not_performed", "重大事故隐患挂牌督办事项未按期销号"),
    ("obstruction", "干预、阻挠安全生产监管执法"),
    ("other", "安全生产工作部署会议精神未传达落实"),
]


async def _other_records(demo: Demo) -> None:
    areas = sorted(CONTRIBUTION_AREAS)
    for person in demo.rng.sample(demo.people, 20):
        await demo.record(
            "commendation",
            cadre_id=person["id"],
            kind=demo.rng.choice(list(CommendationKind)).value,
            basis=demo.rng.choice([*areas, "excellent_assessment"]),
            year=2024,
            awarded_on=date(2025, 2, 10),
            authority="泸州市人民政府",
        )
    for person in demo.rng.sample(demo.people, 10):
        await demo.record(
            "contribution",
            cadre_id=person["id"],
            area=demo.rng.choice(areas),
            year=2025,
            achieved_on=date(2025, 6, 30),
            description="牵头整治重大事故隐患并建立长效机制",
        )
    for index, person in enumerate(demo.rng.sample(demo.people, 15)):
        await demo.record(
            "cadre_investigation",
            cadre_id=person["id"],
            conducted_on=date(2025, 4, 1) + timedelta(days=index * 7),
            purpose="promotion",
            result="fail" if index % 5 == 0 else "pass",
            notes="考察安全生产履职情况",
        )
    governments = [u for u in demo.units.values() if u["kind"] in ("government", "township")]
    for index, unit in enumerate(demo.rng.sample(governments, 15)):
        await demo.record(
            "inspection",
            org_unit_id=unit["id"],
            inspected_on=date(2024, 3, 1) + timedelta(days=index * 20),
            inspecting_body="泸州市安全生产委员会",
            findings="安全生产责任制落实情况巡查",
            rating=demo.rng.choice(["excellent", "good", "pass", "fail"]),
        )
    for index, unit in enumerate(demo.rng.sample(governments, 20)):
        assigned = date(2025, 1, 10) + timedelta(days=index * 10)
        done = index % 3 != 0
        await demo.record(
            "supervision_item",
            org_unit_id=unit["id"],
            task="重大事故隐患挂牌督办整改",
            assigned_on=assigned,
            due_on=assigned + timedelta(days=60),
            completed_on=assigned + timedelta(days=45) if done else None,
            outcome="已按期整改销号" if done else None,
        )


async def is_empty(session: AsyncSession) -> bool:
    return not await session.scalar(select(func.count()).select_from(OrgUnit))


async def load(session: AsyncSession, cipher: PiiCipher) -> dict[str, int]:
    demo = Demo(session=session, cipher=cipher)
    await _tree(demo)
    await _teams(demo)
    await _careers(demo)
    await _assessments(demo)
    accidents = await _accidents(demo)
    await _cases(demo, accidents)
    await _other_records(demo)
    return {"org_units": len(demo.units), "cadres": len(demo.people), "accidents": len(accidents)}

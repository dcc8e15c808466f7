"""The demo's records: assessments, accidents in the units the cadres led, accountability
cases, commendations, contributions, investigations, inspections, supervision items and duty
performance (履职评定)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from app.demo.builder import CST, Demo
from app.domain.enums import CONTRIBUTION_AREAS, CommendationKind, OrgUnitKind, SafetyRole
from app.records import service as records
from app.records.kinds import BY_NAME
from app.vetting.rules import load_rulebook

# The demo is Luzhou: the duty lists its posts carry.
LUZHOU_DUTIES = load_rulebook("cn-sichuan-luzhou-2018").duties


async def assessments(demo: Demo) -> None:
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


async def accidents(demo: Demo) -> list[dict[str, Any]]:
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


async def cases(demo: Demo, accidents: list[dict[str, Any]]) -> None:
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
    # Accountability without an accident: the seed's other circumstances; a case for duties
    # not performed names the duty, of the post the cadre held then, when it carried one.
    for person, (circumstance, summary) in zip(
        demo.rng.sample(demo.people, len(OTHER_CASES)), OTHER_CASES, strict=True
    ):
        named = _duty_of(demo, person, date(2024, 3, 1), 1)
        breached = (
            [{"duty_code": named[1], "post_id": named[0]}]
            if named and circumstance == "duties_not_performed"
            else []
        )
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
            breached_duties=breached,
        )


def _carried(demo: Demo, person: dict[str, Any], day: date) -> tuple[Any, list[str]] | None:
    """The post `person` held on `day` and the duty codes it carried (Luzhou's rules)."""
    for post in person["posts"]:
        if post["start"] <= day and (post["end"] is None or post["end"] >= day):
            kind = OrgUnitKind(demo.units[post["unit"]]["kind"])
            lists = LUZHOU_DUTIES.carried(SafetyRole(post["role"]), kind)
            codes = [d.code for c in lists for d in c.duty_list.duties]
            if codes:
                return post["id"], codes
    return None


def _duty_of(demo: Demo, person: dict[str, Any], day: date, n: int) -> tuple[Any, str] | None:
    found = _carried(demo, person, day)
    return (found[0], found[1][min(n, len(found[1]) - 1)]) if found else None


PERFORMANCES = ("performed", "performed", "partly", "performed", "not_performed")


async def duty_performances(demo: Demo) -> None:
    """履职评定 of 2025 for the first twelve cadres whose post then carried duties (no random
    draw: the records before stay as they were)."""
    assessed = 0
    for person in demo.people:
        found = _carried(demo, person, date(2025, 12, 31))
        if found is None or assessed == 12:
            continue
        post_id, codes = found
        entries = [
            {
                "duty_code": code,
                "performance": PERFORMANCES[(assessed + n) % len(PERFORMANCES)],
                "evidence": [f"泸委组考〔2026〕{assessed * 10 + n + 1}号"],
            }
            for n, code in enumerate(codes[:4])
        ]
        await demo.record(
            "duty_performance",
            cadre_id=person["id"],
            post_id=post_id,
            year=2025,
            assessed_on=date(2026, 1, 20),
            authority="中共泸州市委组织部",
            entries=entries,
        )
        assessed += 1


OTHER_CASES = [
    ("duties_not_performed", "安全生产责任清单未落实，督查督办事项逾期未整改"),
    ("duties_not_performed", "未按规定组织开展安全生产检查"),
    ("duties_not_performed", "重大事故隐患挂牌督办事项未按期销号"),
    ("obstruction", "干预、阻挠安全生产监管执法"),
    ("other", "安全生产工作部署会议精神未传达落实"),
]


async def other_records(demo: Demo) -> None:
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

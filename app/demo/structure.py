"""The demo's structure: the city, its districts and counties, departments, townships, the park
and the key SOEs; each unit's leading team; careers with transfers and retirements."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from app.demo.builder import Demo
from app.records import service as records
from app.records.kinds import BY_NAME

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


async def tree(demo: Demo) -> None:
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
    # Party working organs (组织部, 宣传部, …) are led by a 部长, government departments by a 局长.
    "organ": [
        ("部长", "principal", "first_responsible"),
        ("常务副部长", "executive_deputy", "safety_lead"),
        ("副部长", "deputy", "team_member"),
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
        "party_working_organ": "organ",
        "township": "township",
        "street": "township",
        "state_owned_enterprise": "soe",
        "industrial_park": "park",
    }[kind]
    return team, {"head": head, "town_head": town_head}


async def teams(demo: Demo) -> None:
    for key, unit in list(demo.units.items()):
        team, words = _team_for(unit)
        for rank, (title, position, role) in enumerate(TEAMS[team], start=1):
            person = await demo.person(demo.rng.randint(1964, 1982))
            # The title as it follows the unit's name ("中共叙永县委员会" + "书记"), never
            # repeating it ("中共叙永县委员会县委书记").
            label = title.format(**words)
            await demo.post(person, key, label, position, role, rank, demo.start_date())


async def careers(demo: Demo) -> None:
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
        await end_post(demo, latest, retired - timedelta(days=1))
        status = "retired" if demo.rng.random() < 0.8 else "left"
        await demo.record(
            "cadre_status_event", cadre_id=person["id"], status=status, effective_date=retired
        )


async def end_post(demo: Demo, post: dict[str, Any], end: date) -> None:
    kind = BY_NAME["post"]
    changes = kind.amend.model_validate({"end_date": end})
    await records.amend(demo.session, demo.ctx, kind, post["id"], changes, "退休/离任，任职结束")
    post["end"] = end

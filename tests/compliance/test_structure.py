"""分工: each finding with a team that triggers it and one that does not."""

from typing import Any

import pytest

from tests.factories import Api


async def team(api: Api, kind: str, level: str, members: list[dict[str, Any]]) -> dict[str, Any]:
    unit = await api.org_unit(f"单位-{kind}-{level}", kind=kind, level=level)
    for i, m in enumerate(members):
        cadre = await api.cadre(f"成员{i}")
        await api.post_held(
            cadre["id"],
            unit["id"],
            start="2020-01-01",
            **{
                "title": m.get("title", "职务"),
                "position": m["position"],
                "safety_role": m["role"],
                "team_rank": m.get("rank"),
            },
        )
    return await api.get(f"/v1/org-units/{unit['id']}/safety-responsibility", as_of="2024-06-01")


def ids(report: dict[str, Any]) -> set[str]:
    return {f["rule_id"] for f in report["findings"]}


PRINCIPAL = {"position": "principal", "role": "first_responsible", "rank": 1}
EXEC_LEAD = {"position": "executive_deputy", "role": "safety_lead", "rank": 2}

CASES = [
    (
        "structure.principal_not_first_responsible",
        "government",
        "city",
        [{"position": "principal", "role": "team_member", "rank": 1}, EXEC_LEAD],
        [PRINCIPAL, EXEC_LEAD],
    ),
    (
        "structure.county_safety_lead_not_executive_deputy",
        "government",
        "county",
        [
            PRINCIPAL,
            {"position": "deputy", "role": "safety_lead", "rank": 3},
            {"position": "executive_deputy", "role": "team_member", "rank": 2},
        ],
        [PRINCIPAL, EXEC_LEAD, {"position": "deputy", "role": "team_member", "rank": 3}],
    ),
    (
        "structure.more_than_one_assisting_lead",
        "government",
        "county",
        [
            PRINCIPAL,
            EXEC_LEAD,
            {"position": "deputy", "role": "assisting_safety_lead", "rank": 3},
            {"position": "deputy", "role": "assisting_safety_lead", "rank": 4},
        ],
        [
            PRINCIPAL,
            EXEC_LEAD,
            {"position": "deputy", "role": "assisting_safety_lead", "rank": 3},
            {"position": "deputy", "role": "team_member", "rank": 4},
        ],
    ),
    (
        "structure.safety_lead_not_first_ranked_deputy",
        "government_department",
        "city",
        [
            PRINCIPAL,
            {"position": "deputy", "role": "team_member", "rank": 2},
            {"position": "deputy", "role": "safety_lead", "rank": 3},
        ],
        [
            PRINCIPAL,
            {"position": "deputy", "role": "safety_lead", "rank": 2},
            {"position": "deputy", "role": "team_member", "rank": 3},
        ],
    ),
    (
        "structure.safety_lead_not_first_ranked_deputy",
        "industrial_park",
        "city",
        [
            PRINCIPAL,
            {"position": "deputy", "role": "team_member", "rank": 2},
            {"position": "executive_deputy", "role": "safety_lead", "rank": 3},
        ],
        [PRINCIPAL, {"position": "executive_deputy", "role": "safety_lead", "rank": 2}],
    ),
    (
        "structure.safety_lead_not_first_ranked_deputy",
        "party_working_organ",
        "city",
        [
            PRINCIPAL,
            {"position": "deputy", "role": "team_member", "rank": 2},
            {"position": "deputy", "role": "safety_lead", "rank": 4},
        ],
        [PRINCIPAL, {"position": "deputy", "role": "safety_lead", "rank": 2}],
    ),
    (
        "structure.no_safety_lead",
        "government_department",
        "county",
        [PRINCIPAL, {"position": "deputy", "role": "team_member", "rank": 2}],
        [PRINCIPAL, {"position": "deputy", "role": "safety_lead", "rank": 2}],
    ),
]


@pytest.mark.parametrize(("rule", "kind", "level", "bad", "good"), CASES)
async def test_finding_triggers_and_a_compliant_team_passes(
    api: Api,
    rule: str,
    kind: str,
    level: str,
    bad: list[dict[str, Any]],
    good: list[dict[str, Any]],
) -> None:
    failing = await team(api, kind, level, bad)
    assert rule in ids(failing), failing["findings"]
    assert failing["compliant"] is False
    passing = await team(api, kind, level, good)
    assert rule not in ids(passing), passing["findings"]


async def test_a_party_committee_needs_no_safety_lead(api: Api) -> None:
    report = await team(api, "party_committee", "county", [PRINCIPAL])
    assert report["findings"] == [] and report["compliant"] is True


async def test_the_team_is_taken_on_the_day_asked(api: Api) -> None:
    unit = await api.org_unit("泸县人民政府", level="county")
    head = await api.cadre("县长甲")
    lead = await api.cadre("常务乙")
    await api.post_held(head["id"], unit["id"], start="2018-01-01")
    await api.post_held(
        lead["id"],
        unit["id"],
        start="2023-01-01",
        end_date="2023-12-31",
        title="常务副县长",
        position="executive_deputy",
        safety_role="safety_lead",
        team_rank=2,
    )
    during = await api.get(f"/v1/org-units/{unit['id']}/safety-responsibility", as_of="2023-06-01")
    after = await api.get(f"/v1/org-units/{unit['id']}/safety-responsibility", as_of="2024-06-01")
    assert len(during["team"]) == 2 and during["findings"] == []
    assert "structure.no_safety_lead" in ids(after)


async def test_a_subtree_report_lists_each_unit(api: Api) -> None:
    city = await api.org_unit("泸州市人民政府")
    good = await api.org_unit("江阳区人民政府", level="county", parent_id=city["id"])
    bad = await api.org_unit("纳溪区人民政府", level="county", parent_id=city["id"])
    for unit, role in ((good, "safety_lead"), (bad, "team_member")):
        head = await api.cadre("区长")
        deputy = await api.cadre("常务副区长")
        await api.post_held(head["id"], unit["id"], start="2020-01-01")
        await api.post_held(
            deputy["id"],
            unit["id"],
            start="2020-01-01",
            title="常务副区长",
            position="executive_deputy",
            safety_role=role,
            team_rank=2,
        )
    report = await api.get(
        "/v1/compliance/safety-responsibility", under=city["id"], as_of="2024-01-01"
    )
    assert [u["name"] for u in report["units"]] == ["江阳区人民政府", "纳溪区人民政府"]
    assert report["units_with_findings"] == 1
    only = await api.get(
        "/v1/compliance/safety-responsibility",
        under=city["id"],
        as_of="2024-01-01",
        only_findings="true",
    )
    assert [u["name"] for u in only["units"]] == ["纳溪区人民政府"]

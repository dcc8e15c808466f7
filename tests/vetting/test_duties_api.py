"""Over HTTP: the duty lists of a rulebook, and accountability cases that name the duties not
performed — checked against the post's list (422 naming the entry), kept with the case as the
rulebook stated them, and cited in the finding."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from app.vetting.rulebooks import Rulebooks
from app.vetting.rules.rulebook import RULEBOOK_DIR
from tests.factories import Api
from tests.vetting.world import check

LUZHOU = "cn-sichuan-luzhou-2018"


@pytest.fixture
async def county(api: Api) -> dict[str, Any]:
    luzhou = await api.org_unit("泸州市人民政府", division_code="510500")
    government = await api.org_unit("古蔺县人民政府", level="county", parent_id=luzhou["id"])
    committee = await api.org_unit(
        "中共古蔺县委", kind="party_committee", level="county", parent_id=luzhou["id"]
    )
    park = await api.org_unit(
        "古蔺县工业园区", kind="industrial_park", level="county", parent_id=luzhou["id"]
    )
    cadre = await api.cadre("履职")
    lead = await api.post_held(
        cadre["id"],
        government["id"],
        start="2019-01-01",
        end_date="2022-12-31",
        title="常务副县长",
        position="executive_deputy",
        safety_role="safety_lead",
        team_rank=2,
    )
    secretary = await api.post_held(
        cadre["id"], committee["id"], start="2023-01-01", title="县委书记", team_rank=1
    )
    for year in range(2018, 2026):
        assessment = {"subject": "cadre", "cadre_id": cadre["id"], "kind": "annual"}
        await api.post("/v1/assessments", {**assessment, "year": year, "grade": "competent"})
    return {
        "cadre": cadre,
        "government": government,
        "committee": committee,
        "park": park,
        "lead": lead,
        "secretary": secretary,
    }


async def test_the_duty_lists_of_a_rulebook_and_what_a_post_carries(api: Api) -> None:
    duties = await api.get(f"/v1/rulebooks/{LUZHOU}/duties")
    assert duties["in_force"] is True
    counts = {d["list_id"]: len(d["duties"]) for d in duties["duty_lists"]}
    assert counts == {
        "party_principal": 6,
        "government_principal": 7,
        "party_standing_member": 1,
        "government_safety_lead": 5,
        "government_other_leader": 4,
    }
    principal = duties["duty_lists"][0]
    assert principal["basis"] == "《地方党政领导干部安全生产责任制规定》第五条"
    assert principal["stated_in"] == {"layer": "cn-national-2018", "effective_from": "2018-04-08"}
    second = principal["duties"][1]
    assert (second["code"], second["item_zh"], second["wording"]) == (
        "central.5.2",
        "（二）",
        "verbatim",
    )
    assert second["text"]["zh"].startswith("把安全生产纳入党委议事日程")
    kinds = [r["unit_kind"] for r in duties["duty_references"]]
    assert "industrial_park" in kinds  # Luzhou's 办法: every kind of functional zone
    national = await api.get("/v1/rulebooks/cn-national-2018/duties")
    assert "industrial_park" not in [r["unit_kind"] for r in national["duty_references"]]

    park = await api.get(
        f"/v1/rulebooks/{LUZHOU}/duties", role="first_responsible", unit_kind="industrial_park"
    )
    assert [c["list_id"] for c in park["carried"]] == ["party_principal", "government_principal"]
    assert (
        park["carried"][0]["by_reference"]["basis"]
        == "《泸州市党政领导干部安全生产责任制实施办法》"
    )
    soe = await api.get(
        f"/v1/rulebooks/{LUZHOU}/duties", role="soe_principal", unit_kind="state_owned_enterprise"
    )
    assert soe["carried"] == []

    before = await api.get(f"/v1/rulebooks/{LUZHOU}/duties", as_of="2018-04-07")
    assert (before["in_force"], before["duty_lists"]) == (False, [])
    await api.get(f"/v1/rulebooks/{LUZHOU}/duties", expect=422, role="safety_lead")
    await api.get("/v1/rulebooks/nowhere/duties", expect=404)


async def test_a_case_names_the_duty_and_the_finding_cites_article_and_item(
    api: Api, county: dict[str, Any]
) -> None:
    case = await api.case(
        county["cadre"]["id"],
        circumstance="duties_not_performed",
        opened_on="2022-06-01",
        decision_date="2022-08-01",
        methods=["notification"],
        post_id=county["lead"]["id"],
        breached_duties=[{"duty_code": "central.8.2"}, {"duty_code": "central.8.3"}],
    )
    first, second = case["breached_duties"]
    assert first["post_id"] == county["lead"]["id"]
    assert first["citation_zh"] == "《地方党政领导干部安全生产责任制规定》第八条第（二）项"
    assert (first["wording"], second["wording"]) == ("verbatim", "gist")
    assert (first["rulebook_id"], first["list_id"]) == (LUZHOU, "government_safety_lead")

    decision = await check(
        api,
        cadre_id=county["cadre"]["id"],
        purpose="promotion",
        as_of="2022-10-01",
        target_org_unit_id=county["government"]["id"],
    )
    veto = next(f for f in decision["findings"] if f["rule_id"] == "veto.one_vote")
    assert (
        "所涉职责：未履行《地方党政领导干部安全生产责任制规定》第八条第（二）项规定的“协助党委主要负责人"
        in veto["message"]["zh"]
    )
    assert "第八条第（三）项规定的职责（要点：" in veto["message"]["zh"]
    assert "central.8.2" in veto["message"]["en"]
    replayed = await api.post(f"/v1/vetting/decisions/{decision['decision_id']}/replay", {}, 200)
    assert replayed["identical"] is True

    # An amendment keeps the duties named (and re-checks them).
    amended = await api.post(
        f"/v1/accountability-cases/{case['id']}/amendments",
        {"reason": "补正文号", "changes": {"document_number": "古纪〔2022〕8号"}},
        status=200,
    )
    assert [d["duty_code"] for d in amended["breached_duties"]] == ["central.8.2", "central.8.3"]


async def test_a_duty_the_post_did_not_carry_or_an_unknown_code_is_refused(
    api: Api, county: dict[str, Any]
) -> None:
    base = {
        "circumstance": "duties_not_performed",
        "opened_on": "2024-03-01",
        "decision_date": "2024-04-01",
        "methods": ["notification"],
    }
    problem = await api.post(
        "/v1/accountability-cases",
        {
            "cadre_id": county["cadre"]["id"],
            "status": "decided",
            "authority": "中共泸州市纪律检查委员会",
            **base,
            "breached_duties": [
                {"duty_code": "central.5.2", "post_id": county["secretary"]["id"]},
                {"duty_code": "central.8.2", "post_id": county["secretary"]["id"]},
                {"duty_code": "central.99.1", "post_id": county["secretary"]["id"]},
            ],
        },
        status=422,
    )
    fields = {e["field"]: e["message"] for e in problem["errors"]}
    assert set(fields) == {"body.breached_duties[1].duty_code", "body.breached_duties[2].duty_code"}
    assert "did not carry" in fields["body.breached_duties[1].duty_code"]
    assert "unknown duty code" in fields["body.breached_duties[2].duty_code"]
    # No post to carry the duty: named field.
    problem = await api.post(
        "/v1/accountability-cases",
        {
            "cadre_id": county["cadre"]["id"],
            "status": "decided",
            "authority": "中共泸州市纪律检查委员会",
            **base,
            "breached_duties": [{"duty_code": "central.5.2"}],
        },
        status=422,
    )
    assert problem["errors"][0]["field"] == "body.breached_duties[0].post_id"
    # A post of another cadre.
    other = await api.cadre("他人")
    theirs = await api.post_held(other["id"], county["committee"]["id"], start="2020-01-01")
    problem = await api.post(
        "/v1/accountability-cases",
        {
            "cadre_id": county["cadre"]["id"],
            "status": "decided",
            "authority": "中共泸州市纪律检查委员会",
            **base,
            "breached_duties": [{"duty_code": "central.5.2", "post_id": theirs["id"]}],
        },
        status=422,
    )
    assert problem["errors"][0]["field"] == "body.breached_duties[0].post_id"
    # The same duty twice for one post.
    problem = await api.post(
        "/v1/accountability-cases",
        {
            "cadre_id": county["cadre"]["id"],
            "status": "decided",
            "authority": "中共泸州市纪律检查委员会",
            "post_id": county["secretary"]["id"],
            **base,
            "breached_duties": [{"duty_code": "central.5.2"}, {"duty_code": "central.5.2"}],
        },
        status=422,
    )
    assert problem["errors"][0]["field"] == "body.breached_duties[1].duty_code"


async def test_the_dossier_shows_per_post_the_duties_of_each_stretch_of_the_tenure(
    api: Api, county: dict[str, Any]
) -> None:
    cadre = county["cadre"]
    park = await api.post_held(
        cadre["id"],
        county["park"]["id"],
        start="2018-01-01",
        end_date="2018-12-31",
        title="园区管委会主任",
    )
    dossier = await api.get(f"/v1/cadres/{cadre['id']}/dossier", as_of="2026-06-01")
    career = {entry["id"]: entry for entry in dossier["career"]}
    segments = career[park["id"]]["duties"]
    # Before the central rules: none; national and Sichuan rules name no park; Luzhou's do.
    assert [(s["start"], s["until"], s["in_force"], s["rulebook"]["id"]) for s in segments] == [
        ("2018-01-01", "2018-04-07", False, "cn-national-2018"),
        ("2018-04-08", "2018-08-07", True, "cn-national-2018"),
        ("2018-08-08", "2018-10-31", True, "cn-sichuan-2018"),
        ("2018-11-01", "2018-12-31", True, LUZHOU),
    ]
    assert segments[1]["duty_lists"] == segments[2]["duty_lists"] == []
    assert [lst["list_id"] for lst in segments[3]["duty_lists"]] == [
        "party_principal",
        "government_principal",
    ]
    lead = career[county["lead"]["id"]]["duties"]
    assert len(lead) == 1 and lead[0]["until"] == "2022-12-31"
    assert [lst["list_id"] for lst in lead[0]["duty_lists"]] == ["government_safety_lead"]
    assert len(lead[0]["duty_lists"][0]["duties"]) == 5
    secretary = career[county["secretary"]["id"]]["duties"]
    assert secretary[0]["until"] is None  # still held
    assert [lst["list_id"] for lst in secretary[0]["duty_lists"]] == ["party_principal"]


SICHUAN_WITH_LIST = """
[[duty_lists]]
list_id = "party_standing_member"
basis = "sichuan"
duties = [
  { code = "test.sc.7.1", item = 1, wording = "gist", zh = "测试职责一", en = "Test duty one" },
  { code = "test.sc.7.2", item = 2, wording = "gist", zh = "测试职责二", en = "Test duty two" },
  { code = "test.sc.7.3", item = 3, wording = "gist", zh = "测试职责三", en = "Test duty three" },
  { code = "test.sc.7.4", item = 4, wording = "gist", zh = "测试职责四", en = "Test duty four" },
]
"""


@pytest.fixture
def restored(app: FastAPI) -> Iterator[None]:
    """The app's registry given back as it was (an activation adds a version to it)."""
    registry: Rulebooks = app.state.rulebooks
    before = {k: list(v) for k, v in registry.versions.items()}
    yield
    registry.versions.clear()
    registry.versions.update(before)


async def test_a_province_s_own_list_is_published_diffed_and_applies_from_its_date(
    api: Api, restored: None
) -> None:
    """How Sichuan's own lists would come in: a new version restating one list (test texts),
    diffed duty by duty, activated, and in force from its date — for Luzhou too, which extends
    Sichuan — while the day before still has the central list."""
    text = (RULEBOOK_DIR / "cn-sichuan-2018.toml").read_text(encoding="utf-8")
    text = text.replace('version = "1.0.0"', 'version = "1.1.0"').replace(
        "effective_from = 2018-08-08", "effective_from = 2026-01-01"
    )
    await api.post(
        "/v1/rulebooks/versions", {"text": text + SICHUAN_WITH_LIST, "reason": "试行"}, 201
    )
    diff = await api.get("/v1/rulebooks/cn-sichuan-2018/diff", **{"from": "1.0.0", "to": "1.1.0"})
    (changed,) = diff["duty_lists"]
    assert (changed["list_id"], changed["change"]) == ("party_standing_member", "changed")
    assert changed["duties_added"] == [f"test.sc.7.{n}" for n in range(1, 5)]
    assert changed["duties_removed"] == ["central.7"]
    assert [f["key"] for f in changed["fields"]] == ["basis", "citation"]
    await api.post("/v1/rulebooks/cn-sichuan-2018/versions/1.1.0/activate", {"reason": "试行"}, 200)
    for rulebook in ("cn-sichuan-2018", LUZHOU):
        for day, count in (("2025-12-31", 1), ("2026-01-01", 4)):
            found = await api.get(
                f"/v1/rulebooks/{rulebook}/duties",
                as_of=day,
                role="team_member",
                unit_kind="party_committee",
            )
            assert [len(c["duties"]) for c in found["carried"]] == [count], (rulebook, day)
    national = await api.get(
        "/v1/rulebooks/cn-national-2018/duties", role="team_member", unit_kind="party_committee"
    )
    assert [len(c["duties"]) for c in national["carried"]] == [1]

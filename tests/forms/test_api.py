"""Forms over HTTP: read and compared, vetted in the same call, applied on request, exported
back byte-stable; hostile XML refused with nothing written."""

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app import clock
from app.forms import parse_lrmx, write_lrmx
from app.models import AppointmentForm, AuditEvent, Cadre
from tests.factories import Api, id_number
from tests.forms import FAMILY_MEMBERS as FAMILY
from tests.forms import PHOTO, form_elements, lrmx, person_xml

YEAR = clock.today().year


@pytest.fixture
async def units(api: Api) -> dict[str, Any]:
    city = await api.org_unit("泸州市人民政府")
    county = await api.org_unit("叙永县人民政府", level="county", parent_id=city["id"])
    soe = await api.org_unit(
        "泸州市兴泸投资集团有限公司",
        kind="state_owned_enterprise",
        parent_id=city["id"],
        is_key_soe=True,
        industry="gas",
    )
    return {"city": city, "county": county, "soe": soe}


async def send(api: Api, body: bytes, status: int = 201, **params: Any) -> dict[str, Any]:
    response = await api.http.post(
        "/v1/appointment-forms",
        content=body,
        params=params,
        headers={**api.headers, "Content-Type": "application/xml"},
    )
    assert response.status_code == status, response.text
    return dict(response.json())


async def test_a_form_is_read_and_compared_with_the_record(
    api: Api, units: dict[str, Any], engine: AsyncEngine
) -> None:
    number = id_number()
    cadre = await api.post("/v1/cadres", {"id_number": number, "name": "吴国庆"})
    await api.post_held(
        cadre["id"],
        units["county"]["id"],
        start="2016-01-01",
        title="副县长",
        position="deputy",
        safety_role="safety_lead",
    )
    await api.post(
        "/v1/assessments",
        {
            "subject": "cadre",
            "cadre_id": cadre["id"],
            "kind": "annual",
            "year": YEAR - 1,
            "grade": "competent",
        },
    )
    body = lrmx(form_elements(number), family=FAMILY, photo=PHOTO)
    result = (await send(api, body))["forms"][0]
    assert result["cadre"] == {"id": cadre["id"], "created": False}
    read = result["read"]
    assert read["name"] == "吴国庆" and read["family_members_present"] == len(FAMILY)
    assert [e["start"] for e in read["career"]["entries"]] == ["1996-07", "2008-07", "2016-01"]
    differences = result["differences"]
    assert [d["start"] for d in differences["posts_missing_in_record"]] == ["1996-07", "2008-07"]
    assert differences["posts_missing_in_form"] == []
    assert differences["assessments_differing"] == [
        {"year": YEAR - 1, "form": "excellent", "record": "competent"}
    ]
    assert [d["year"] for d in differences["assessments_missing_in_record"]] == [YEAR - 3, YEAR - 2]
    async with engine.connect() as conn:
        stored = (await conn.execute(select(AppointmentForm.summary))).scalar_one()
    text = str(stored)
    assert number not in text and FAMILY[0]["XingMing"] not in text and PHOTO not in text


async def test_an_unknown_cadre_is_created_from_the_form(api: Api, units: dict[str, Any]) -> None:
    number = id_number()
    result = (await send(api, lrmx(form_elements(number))))["forms"][0]
    assert result["cadre"]["created"] is True
    cadre = await api.get(f"/v1/cadres/{result['cadre']['id']}")
    assert cadre["name"] == "吴国庆" and cadre["id_number"] == number


async def test_a_key_soe_head_with_a_dismissal_three_years_ago_is_ineligible(
    api: Api, units: dict[str, Any]
) -> None:
    number = id_number()
    cadre = await api.post("/v1/cadres", {"id_number": number, "name": "吴国庆"})
    await api.case(
        cadre["id"],
        opened_on=f"{YEAR - 3}-01-10",
        decision_date=f"{YEAR - 3}-03-01",
        methods=["sanction"],
        admin_sanction="dismissal",
    )
    result = (
        await send(
            api,
            lrmx(form_elements(number)),
            vet="soe_head_appointment",
            target_org_unit_id=units["soe"]["id"],
        )
    )["forms"][0]
    decision = result["decision"]
    assert decision["purpose"] == "soe_head_appointment"
    assert decision["outcome"] == "ineligible"
    assert any(f["rule_id"] == "soe_bar.dismissal" for f in decision["findings"])


async def test_consult_opens_a_prefilled_request(api: Api, units: dict[str, Any]) -> None:
    number = id_number()
    result = (
        await send(
            api, lrmx(form_elements(number)), consult="true", target_org_unit_id=units["soe"]["id"]
        )
    )["forms"][0]
    consultation = result["consultation"]
    assert consultation["state"] == "drafted"
    assert consultation["proposed_title"] == "泸州市兴泸投资集团有限公司董事长"
    assert consultation["requesting_unit"] == "中共泸州市委组织部"
    assert consultation["purpose"] == "soe_head_appointment"


@pytest.mark.parametrize(
    "attack",
    [
        '<!DOCTYPE Person [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]>'
        "<Person><XingMing>&b;</XingMing></Person>",
        '<!DOCTYPE Person [<!ENTITY x SYSTEM "file:///etc/passwd">]><Person><XingMing>&x;'
        "</XingMing></Person>",
    ],
)
async def test_hostile_xml_is_refused_and_nothing_written(
    api: Api, engine: AsyncEngine, attack: str
) -> None:
    async with engine.connect() as conn:
        before = (
            await conn.scalar(select(func.count()).select_from(Cadre)),
            await conn.scalar(select(func.count()).select_from(AuditEvent)),
        )
    problem = await send(api, attack.encode(), status=422)
    assert problem["errors"][0]["field"].endswith(":body")
    async with engine.connect() as conn:
        after = (
            await conn.scalar(select(func.count()).select_from(Cadre)),
            await conn.scalar(select(func.count()).select_from(AuditEvent)),
        )
    assert after == before


async def test_gbk_and_bom_files_are_read(api: Api, units: dict[str, Any]) -> None:
    gbk = person_xml(form_elements(id_number()), encoding="GBK").encode("gbk")
    assert (await send(api, gbk))["forms"][0]["read"]["name"] == "吴国庆"
    assert (await send(api, lrmx(form_elements(id_number()))))["forms"][0]["read"]["name"]


async def test_apply_records_chosen_entries_all_or_nothing(api: Api, units: dict[str, Any]) -> None:
    number = id_number()
    result = (await send(api, lrmx(form_elements(number))))["forms"][0]
    form_id, cadre_id = result["form_id"], result["cadre"]["id"]
    problem = await api.post(
        f"/v1/appointment-forms/{form_id}/apply",
        {
            "posts": [
                {
                    "line": 3,
                    "org_unit_id": units["county"]["id"],
                    "position": "deputy",
                    "safety_role": "safety_lead",
                }
            ],
            "assessments": [YEAR - 3, 1999],
        },
        status=422,
    )
    assert problem["errors"][0]["field"] == "body.assessments.1"
    assert (await api.get("/v1/posts", cadre_id=cadre_id))["total"] == 0
    applied = await api.post(
        f"/v1/appointment-forms/{form_id}/apply",
        {
            "posts": [
                {
                    "line": 3,
                    "org_unit_id": units["county"]["id"],
                    "position": "deputy",
                    "safety_role": "safety_lead",
                    "title": "副县长",
                }
            ],
            "assessments": [YEAR - 3, YEAR - 1],
        },
        status=200,
    )
    assert len(applied["posts"]) == 1 and len(applied["assessments"]) == 2
    post = await api.get(f"/v1/posts/{applied['posts'][0]}")
    assert (post["start_date"], post["end_date"]) == ("2016-01-01", None)
    events = await api.get("/v1/audit-events", action="appointment_form.applied")
    assert events["total"] == 1


async def test_export_round_trips_and_lists_the_record(api: Api, units: dict[str, Any]) -> None:
    number = id_number()
    cadre = await api.post("/v1/cadres", {"id_number": number, "name": "吴国庆"})
    await api.case(
        cadre["id"],
        opened_on="2024-01-10",
        decision_date="2024-03-01",
        methods=["admonishment", "sanction"],
        admin_sanction="demerit",
        document_number="泸纪发〔2024〕3号",
    )
    await api.post(
        "/v1/commendations",
        {
            "cadre_id": cadre["id"],
            "kind": "merit_third",
            "basis": "organising_rescue",
            "year": 2023,
            "awarded_on": "2024-01-20",
        },
    )
    await api.post(
        "/v1/assessments",
        {
            "subject": "cadre",
            "cadre_id": cadre["id"],
            "kind": "annual",
            "year": 2023,
            "grade": "excellent",
        },
    )
    await send(api, lrmx(form_elements(number)))
    response = await api.http.get(f"/v1/cadres/{cadre['id']}/appointment-form", headers=api.headers)
    assert response.status_code == 200
    exported = response.content
    form = parse_lrmx(exported)
    assert write_lrmx(form) == exported
    assert "对生产安全事故负有领导责任" in form.rewards and "诫勉" in form.rewards
    assert "记过处分" in form.rewards and "记三等功" in form.rewards
    assert "泸纪发〔2024〕3号" in form.rewards
    assert form.assessments.grades == {2023: form.assessments.grades[2023]}
    assert form.assessments.grades[2023].value == "excellent"
    assert form.current_post == "叙永县人民政府副县长"  # from the last form received
    await send(api, exported)
    again = await api.http.get(f"/v1/cadres/{cadre['id']}/appointment-form", headers=api.headers)
    assert again.content == exported


async def test_posts_and_assessments_the_record_has_but_the_form_lacks_are_listed(
    api: Api, units: dict[str, Any]
) -> None:
    number = id_number()
    cadre = await api.post("/v1/cadres", {"id_number": number, "name": "吴国庆"})
    extra_post = await api.post_held(
        cadre["id"],
        units["city"]["id"],
        start="2012-03-01",
        end_date="2013-02-28",
        title="挂职副秘书长",
    )
    await api.post(
        "/v1/assessments",
        {
            "subject": "cadre",
            "cadre_id": cadre["id"],
            "kind": "annual",
            "year": YEAR - 5,
            "grade": "competent",
        },
    )
    result = (await send(api, lrmx(form_elements(number))))["forms"][0]
    differences = result["differences"]
    missing_in_form = differences["posts_missing_in_form"]
    assert [p["post_id"] for p in missing_in_form] == [extra_post["id"]]
    assert [a["year"] for a in differences["assessments_missing_in_form"]] == [YEAR - 5]


async def test_a_form_of_a_cadre_outside_the_clients_jurisdiction_is_refused(
    api: Api, app: Any, units: dict[str, Any]
) -> None:
    from tests.conftest import make_client

    number = id_number()
    cadre = await api.post("/v1/cadres", {"id_number": number, "name": "吴国庆"})
    await api.post_held(cadre["id"], units["soe"]["id"], start="2016-01-01")
    key = await make_client(app, "叙永县", ["records:read", "records:write"], units["county"]["id"])
    local = Api(api.http, key)
    response = await api.http.post(
        "/v1/appointment-forms",
        content=lrmx(form_elements(number)),
        headers={**local.headers, "Content-Type": "application/xml"},
    )
    assert response.status_code == 409 and cadre["id"] not in response.text
    assert response.json()["errors"][0]["field"] == "ShenFenZheng"
    received = (await send(api, lrmx(form_elements(number))))["forms"][0]
    refused = await api.http.get(
        f"/v1/appointment-forms/{received['form_id']}", headers=local.headers
    )
    assert refused.status_code == 404
    assert (await api.get(f"/v1/appointment-forms/{received['form_id']}"))["cadre_id"] == cadre[
        "id"
    ]


async def test_logs_of_a_form_never_show_family_photo_or_id_number(
    api: Api, units: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from app.logs import JsonFormatter

    number = id_number()
    body = lrmx(form_elements(number), family=FAMILY, photo=PHOTO)
    with caplog.at_level(logging.DEBUG):
        result = (await send(api, body, vet="promotion"))["forms"][0]
        await api.get(f"/v1/appointment-forms/{result['form_id']}")
        await api.http.get(
            f"/v1/cadres/{result['cadre']['id']}/appointment-form", headers=api.headers
        )
        hostile = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Person>&a;</Person>'
        await send(api, hostile, status=422)
    text_logged = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert caplog.records, "expected log lines"
    assert number not in text_logged and number[:17] not in text_logged
    assert PHOTO[:40] not in text_logged
    for member in FAMILY:
        assert member["XingMing"] not in text_logged

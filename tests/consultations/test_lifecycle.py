"""Consultations end to end: every path of the workflow, numbering under concurrency, the
letter in HTML and PDF, verification, staleness (the dossier and listings: test_dossier.py)."""

import asyncio
import io
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import clock
from tests.consultations.world import ACCIDENT_AT, DECIDED, OPENED, YEAR, World, issue, request
from tests.factories import Api


async def test_no_objection_path_issues_a_numbered_letter(api: Api, world: World) -> None:
    consultation = await request(api, world)
    assert consultation["state"] == "drafted"
    assert consultation["purpose"] == "soe_head_appointment"
    assert consultation["draft"]["recommendation"] == "no_objection"
    assert consultation["candidate_name"] == "赵建国"
    issued = await issue(api, world, consultation, copies_to=["泸州市国资委"])
    assert issued["state"] == "issued"
    opinion = issued["opinion"]
    assert opinion["document_number"] == f"泸应急意〔{YEAR}〕1号"
    assert opinion["recommendation"] == "no_objection"
    assert issued["labels"]["state"] == "已出具意见"

    html = await api.http.get(
        f"/v1/consultations/{issued['id']}/document", headers={**api.headers, "Accept": "text/html"}
    )
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    for fact in (
        "赵建国",
        opinion["document_number"],
        "无异议",
        opinion["content_sha256"],
        "中共泸州市委组织部",
    ):
        assert fact in html.text
    assert html.headers["x-content-sha256"] == opinion["content_sha256"]

    pdf = await api.http.get(
        f"/v1/consultations/{issued['id']}/document?format=pdf", headers=api.headers
    )
    assert pdf.headers["content-type"] == "application/pdf"
    from pypdf import PdfReader

    extracted = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    # pypdf puts NULs between CID-font characters (pdftotext does not): drop them.
    extracted = extracted.replace("\x00", "").replace(" ", "")
    for fact in ("赵建国", "无异议", "泸应急意", f"{YEAR}", "1号"):
        assert fact in extracted

    again = await api.http.get(f"/v1/consultations/{issued['id']}/document", headers=api.headers)
    assert again.headers["x-content-sha256"] == html.headers["x-content-sha256"]

    verified = (
        await api.http.get("/v1/opinions/verify", params={"number": opinion["document_number"]})
    ).json()
    assert verified["genuine"] is True and verified["valid_now"] is True
    by_hash = (
        await api.http.get("/v1/opinions/verify", params={"sha256": opinion["content_sha256"]})
    ).json()
    assert by_hash["document_number"] == opinion["document_number"]
    forged = (
        await api.http.get("/v1/opinions/verify", params={"number": f"泸应急意〔{YEAR}〕99号"})
    ).json()
    assert forged["genuine"] is False


async def test_objection_path_takes_its_reasons_from_the_findings(api: Api, world: World) -> None:
    await api.case(
        world["cadre"]["id"],
        opened_on=OPENED,
        decision_date=DECIDED,
        methods=["admonishment"],
    )
    consultation = await request(api, world)
    draft = consultation["draft"]
    assert draft["recommendation"] == "objection"
    assert any(r["rule_id"] == "veto.one_vote" for r in draft["reasons"])
    issued = await issue(api, world, consultation)
    assert issued["opinion"]["recommendation"] == "objection"
    html = await api.http.get(f"/v1/consultations/{issued['id']}/document", headers=api.headers)
    assert "有异议" in html.text and "一票否决" in html.text


async def test_defer_path_when_a_case_is_under_investigation(api: Api, world: World) -> None:
    await api.post(
        "/v1/accountability-cases",
        {
            "cadre_id": world["cadre"]["id"],
            "circumstance": "duties_not_performed",
            "status": "under_investigation",
            "opened_on": OPENED,
        },
    )
    consultation = await request(api, world)
    assert consultation["draft"]["recommendation"] == "defer"
    issued = await issue(api, world, consultation)
    assert issued["opinion"]["recommendation"] == "defer"


async def test_an_override_needs_a_written_reason_which_is_kept(api: Api, world: World) -> None:
    await api.case(
        world["cadre"]["id"],
        opened_on=OPENED,
        decision_date=DECIDED,
        methods=["notification"],
    )
    consultation = await request(api, world)
    assert consultation["draft"]["recommendation"] == "objection"
    problem = await issue(api, world, consultation, status=422, recommendation="no_objection")
    assert problem["errors"][0]["field"] == "body.override_reason"
    reason = "经复核，通报系因文件报送迟延，与安全生产事故无关"
    issued = await issue(
        api, world, consultation, recommendation="no_objection", override_reason=reason
    )
    assert issued["opinion"]["override_reason"] == reason
    html = await api.http.get(f"/v1/consultations/{issued['id']}/document", headers=api.headers)
    assert reason in html.text


async def test_a_new_case_after_issue_makes_the_opinion_stale(
    api: Api, world: World, engine: AsyncEngine
) -> None:
    issued = await issue(api, world, await request(api, world))
    await api.case(world["cadre"]["id"], opened_on=OPENED, decision_date=DECIDED)
    stale = await api.get(f"/v1/consultations/{issued['id']}")
    assert stale["state"] == "stale"
    assert "accountability_case" in stale["state_reason"]
    async with engine.connect() as conn:
        events = (
            (
                await conn.execute(
                    text(
                        "SELECT payload FROM outbox_events WHERE event_type = 'consultation.stale'"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert [e["consultation_id"] for e in events] == [issued["id"]]
    verified = (
        await api.http.get(
            "/v1/opinions/verify", params={"number": issued["opinion"]["document_number"]}
        )
    ).json()
    assert verified["genuine"] is True and verified["valid_now"] is False
    assert verified["state"] == "stale"


async def test_an_accident_in_a_unit_the_candidate_led_makes_it_stale(
    api: Api, world: World
) -> None:
    issued = await issue(api, world, await request(api, world))
    await api.accident(world["county"]["id"], occurred_at=ACCIDENT_AT)
    assert (await api.get(f"/v1/consultations/{issued['id']}"))["state"] == "stale"


async def test_unit_records_from_before_the_candidate_served_there_leave_it_valid(
    api: Api, world: World
) -> None:
    issued = await issue(api, world, await request(api, world))
    # The candidate's post in the county began on 2019-03-01.
    await api.accident(world["county"]["id"], occurred_at="2018-06-01T10:00:00+08:00")
    await api.post(
        "/v1/assessments",
        {
            "subject": "org_unit",
            "org_unit_id": world["county"]["id"],
            "kind": "safety_work",
            "year": 2017,
            "grade": "fail",
        },
    )
    await api.post(
        "/v1/inspections",
        {
            "org_unit_id": world["county"]["id"],
            "inspected_on": "2018-11-20",
            "findings": "隐患排查台账不全",
            "rating": "fail",
        },
    )
    assert (await api.get(f"/v1/consultations/{issued['id']}"))["state"] == "issued"
    await api.post(
        "/v1/assessments",
        {
            "subject": "org_unit",
            "org_unit_id": world["county"]["id"],
            "kind": "safety_work",
            "year": 2019,
            "grade": "fail",
        },
    )
    stale = await api.get(f"/v1/consultations/{issued['id']}")
    assert stale["state"] == "stale" and "assessment" in stale["state_reason"]


async def test_a_closed_consultation_is_not_made_stale(api: Api, world: World) -> None:
    issued = await issue(api, world, await request(api, world))
    closed = await api.post(
        f"/v1/consultations/{issued['id']}/close",
        {"appointed_on": clock.today().isoformat()},
        status=200,
    )
    assert closed["state"] == "closed"
    await api.case(world["cadre"]["id"], opened_on=OPENED, decision_date=DECIDED)
    assert (await api.get(f"/v1/consultations/{issued['id']}"))["state"] == "closed"


async def test_an_opinion_expires_after_its_validity(
    api: Api, world: World, engine: AsyncEngine
) -> None:
    issued = await issue(api, world, await request(api, world), validity_days=30)
    assert issued["opinion"]["valid_until"] == (clock.today() + timedelta(days=30)).isoformat()
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE consultations SET valid_until = :d WHERE id = :id"),
            {"d": clock.today() - timedelta(days=1), "id": issued["id"]},
        )
    assert (await api.get(f"/v1/consultations/{issued['id']}"))["state"] == "expired"
    transitions = await api.get(f"/v1/consultations/{issued['id']}/transitions")
    assert [t["action"] for t in transitions] == ["request", "draft", "issue", "expire"]


async def test_revoke_then_illegal_transitions_are_conflicts(api: Api, world: World) -> None:
    consultation = await request(api, world)
    problem = await api.post(
        f"/v1/consultations/{consultation['id']}/revoke", {"reason": "误发"}, status=409
    )
    assert problem["current_state"] == "drafted"
    issued = await issue(api, world, consultation)
    again = await issue(api, world, issued, status=409)
    assert again["current_state"] == "issued"
    revoked = await api.post(
        f"/v1/consultations/{issued['id']}/revoke",
        {"reason": "候选人信息有误，撤回重办"},
        status=200,
    )
    assert revoked["state"] == "revoked" and revoked["state_reason"].startswith("候选人")
    problem = await api.post(
        f"/v1/consultations/{issued['id']}/reissue", {"reason": "重新出具"}, status=409
    )
    assert problem["current_state"] == "revoked"


async def test_a_reissue_supersedes_a_stale_opinion(api: Api, world: World) -> None:
    issued = await issue(api, world, await request(api, world))
    await api.case(world["cadre"]["id"], opened_on=OPENED, decision_date=DECIDED)
    new = await api.post(
        f"/v1/consultations/{issued['id']}/reissue",
        {"reason": "新增问责记录，重新出具意见"},
        status=201,
    )
    assert new["state"] == "drafted" and new["supersedes"] == issued["id"]
    assert new["draft"]["recommendation"] == "objection"
    old = await api.get(f"/v1/consultations/{issued['id']}")
    assert old["state"] == "superseded" and old["superseded_by"] == new["id"]
    reissued = await issue(api, world, new)
    assert reissued["opinion"]["document_number"] == f"泸应急意〔{YEAR}〕2号"


async def test_a_draft_outdated_by_a_new_record_must_be_redrafted(api: Api, world: World) -> None:
    consultation = await request(api, world)
    await api.case(world["cadre"]["id"], opened_on=OPENED, decision_date=DECIDED)
    assert (await api.get(f"/v1/consultations/{consultation['id']}"))["draft"]["outdated"]
    problem = await issue(api, world, consultation, status=409)
    assert "redraft" in problem["detail"]
    redrafted = await api.post(f"/v1/consultations/{consultation['id']}/redraft", {}, status=200)
    assert redrafted["draft"]["recommendation"] == "objection"
    assert redrafted["draft"]["outdated"] is False
    await issue(api, world, redrafted)


async def test_twenty_concurrent_issues_take_twenty_consecutive_numbers(
    api: Api, world: World
) -> None:
    consultations = [await request(api, world) for _ in range(20)]
    issued = await asyncio.gather(*(issue(api, world, c) for c in consultations))
    numbers = sorted(
        int(i["opinion"]["document_number"].split("〕")[1].removesuffix("号")) for i in issued
    )
    assert numbers == list(range(1, 21))


async def test_a_reissue_supersedes_an_expired_opinion(
    api: Api, world: World, engine: AsyncEngine
) -> None:
    issued = await issue(api, world, await request(api, world))
    async with engine.begin() as conn:
        await conn.execute(
            text("UPDATE consultations SET valid_until = :d WHERE id = :id"),
            {"d": clock.today() - timedelta(days=1), "id": issued["id"]},
        )
    assert (await api.get(f"/v1/consultations/{issued['id']}"))["state"] == "expired"
    new = await api.post(
        f"/v1/consultations/{issued['id']}/reissue",
        {"reason": "意见已过有效期，重新出具"},
        status=201,
    )
    assert new["supersedes"] == issued["id"] and new["state"] == "drafted"
    old = await api.get(f"/v1/consultations/{issued['id']}")
    assert old["state"] == "superseded" and old["superseded_by"] == new["id"]
    transitions = await api.get(f"/v1/consultations/{issued['id']}/transitions")
    assert [t["to_state"] for t in transitions][-2:] == ["expired", "superseded"]

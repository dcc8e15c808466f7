"""Webhook delivery to a real HTTP receiver on loopback: signed, retried, never twice."""

import asyncio
from typing import Any

import pytest
from fastapi import FastAPI
from standardwebhooks import Webhook, WebhookVerificationError

from app import clock
from app.config import Settings
from app.webhooks.signing import standard_headers, standard_secret
from app.webhooks.worker import Worker
from tests.factories import Api
from tests.webhooks.support import SECRET, Receiver, drain, subscribe


async def test_a_case_is_delivered_signed_after_two_500s(
    api: Api, app: FastAPI, receiver: Receiver, worker_settings: Settings
) -> None:
    hook = await subscribe(api, receiver, "accountability_case.recorded")
    cadre = await api.cadre()
    case = await api.case(cadre["id"])
    receiver.script = [500, 500]
    worker = Worker(app.state.sessionmaker, worker_settings)
    await drain([worker], lambda: len(receiver.received) == 3)
    assert all(r["valid"] and r["standard_valid"] for r in receiver.received)
    ids = {r["headers"]["webhook-id"] for r in receiver.received}
    assert len(ids) == 1  # Standard Webhooks: the same message id on every retry
    event = receiver.received[-1]["body"]
    assert event["type"] == "accountability_case.recorded"
    assert event["data"]["case_id"] == case["id"]
    assert receiver.received[0]["headers"]["x-signature"].startswith("sha256=")
    deliveries = await api.get(f"/v1/webhooks/{hook['id']}/deliveries")
    delivery = deliveries["items"][0]
    assert delivery["status"] == "delivered" and delivery["attempts"] == 3
    assert [a["status_code"] for a in delivery["history"]] == [500, 500, 200]
    assert (await api.get(f"/v1/webhooks/{hook['id']}"))["failing"] is False


async def test_two_workers_never_deliver_an_event_twice(
    api: Api, app: FastAPI, receiver: Receiver, worker_settings: Settings
) -> None:
    await subscribe(api, receiver, "accountability_case.recorded")
    cadre = await api.cadre()
    for _ in range(30):
        await api.case(cadre["id"])
    workers = [Worker(app.state.sessionmaker, worker_settings, name=f"w{i}") for i in (1, 2)]
    await drain(workers, lambda: len(receiver.received) >= 30)
    await asyncio.gather(*(w.run_once() for w in workers))
    ids = [r["headers"]["x-webhook-delivery"] for r in receiver.received]
    assert len(ids) == 30 and len(set(ids)) == 30


async def test_repeated_failures_mark_the_subscription_failing_and_give_up(
    api: Api, app: FastAPI, receiver: Receiver, worker_settings: Settings
) -> None:
    hook = await subscribe(api, receiver, "accountability_case.recorded")
    receiver.script = [503] * 10
    await api.case((await api.cadre())["id"])
    worker = Worker(app.state.sessionmaker, worker_settings)
    await drain([worker], lambda: len(receiver.received) == 4)
    delivery = (await api.get(f"/v1/webhooks/{hook['id']}/deliveries"))["items"][0]
    assert delivery["status"] == "failed" and delivery["attempts"] == 4
    assert (await api.get(f"/v1/webhooks/{hook['id']}"))["failing"] is True
    await api.post(f"/v1/webhooks/deliveries/{delivery['id']}/redeliver", {}, status=202)
    receiver.script = []
    await drain([worker], lambda: len(receiver.received) == 5)
    delivery = (await api.get(f"/v1/webhooks/{hook['id']}/deliveries"))["items"][0]
    assert delivery["status"] == "delivered"
    assert (await api.get(f"/v1/webhooks/{hook['id']}"))["failing"] is False


async def test_eligibility_changes_and_consultation_events_are_delivered(
    api: Api, app: FastAPI, receiver: Receiver, worker_settings: Settings
) -> None:
    await subscribe(
        api, receiver, "cadre.eligibility_changed", "consultation.issued", "consultation.stale"
    )
    city = await api.org_unit("泸州市人民政府")
    emergency = await api.org_unit(
        "泸州市应急管理局",
        kind="government_department",
        parent_id=city["id"],
        document_prefix="泸应急意",
    )
    cadre = await api.cadre("周敏")
    await api.post_held(cadre["id"], city["id"], start="2018-01-01")
    consultation = await api.post(
        "/v1/consultations",
        {
            "cadre_id": cadre["id"],
            "proposed_org_unit_id": city["id"],
            "proposed_title": "副市长",
            "requesting_unit": "中共泸州市委组织部",
        },
    )
    await api.post(
        f"/v1/consultations/{consultation['id']}/issue",
        {"issuing_org_unit_id": emergency["id"]},
        status=200,
    )
    today = clock.today().isoformat()
    await api.case(cadre["id"], opened_on=today, decision_date=today)
    worker = Worker(app.state.sessionmaker, worker_settings)
    await drain([worker], lambda: len(receiver.received) >= 3)
    by_type = {r["body"]["type"]: r["body"]["data"] for r in receiver.received}
    assert by_type["consultation.issued"]["consultation_id"] == consultation["id"]
    assert by_type["consultation.stale"]["record_kind"] == "accountability_case"
    changes = by_type["cadre.eligibility_changed"]["changes"]
    assert changes["promotion"]["after"] == "ineligible"
    assert changes["commendation"]["after"] == "ineligible"


async def test_an_amended_case_is_announced_and_its_eligibility_change_too(
    api: Api, app: FastAPI, receiver: Receiver, worker_settings: Settings
) -> None:
    await subscribe(api, receiver, "accountability_case.recorded", "cadre.eligibility_changed")
    city = await api.org_unit("泸州市人民政府")
    cadre = await api.cadre("郑华")
    await api.post_held(cadre["id"], city["id"], start="2018-01-01")
    last_year = clock.today().year - 1
    await api.post(
        "/v1/assessments",
        {
            "subject": "cadre",
            "cadre_id": cadre["id"],
            "kind": "annual",
            "year": last_year,
            "grade": "competent",
        },
    )
    today = clock.today().isoformat()
    case = await api.post(
        "/v1/accountability-cases",
        {
            "cadre_id": cadre["id"],
            "circumstance": "duties_not_performed",
            "status": "under_investigation",
            "opened_on": today,
        },
    )
    await api.post(
        f"/v1/accountability-cases/{case['id']}/amendments",
        {
            "reason": "调查终结，作出问责决定",
            "changes": {
                "status": "decided",
                "decision_date": today,
                "authority": "泸州市纪委监委",
                "methods": ["admonishment"],
            },
        },
        status=200,
    )
    worker = Worker(app.state.sessionmaker, worker_settings)
    await drain([worker], lambda: len(receiver.received) >= 5)
    events = sorted(
        (r["body"] for r in receiver.received), key=lambda e: (e["occurred_at"], e["type"])
    )
    recorded = [e["data"] for e in events if e["type"] == "accountability_case.recorded"]
    assert [(d["change"], d["version"], d["status"]) for d in recorded] == [
        ("created", 1, "under_investigation"),
        ("amended", 2, "decided"),
    ]
    changed = [e["data"]["changes"] for e in events if e["type"] == "cadre.eligibility_changed"]
    assert [c["promotion"] for c in changed] == [
        {"before": "pending", "after": "eligible"},  # the missing assessment recorded
        {"before": "eligible", "after": "pending"},
        {"before": "pending", "after": "ineligible"},
    ]


async def test_retries_back_off_exponentially(
    api: Api, app: FastAPI, receiver: Receiver, settings: Settings, engine: Any
) -> None:
    from datetime import datetime

    from sqlalchemy import text

    hook = await subscribe(api, receiver, "accountability_case.recorded")
    receiver.script = [500, 500, 500]
    await api.case((await api.cadre())["id"])
    worker = Worker(
        app.state.sessionmaker,
        settings.model_copy(update={"webhook_backoff_seconds": 10, "webhook_max_attempts": 5}),
    )
    waits = []
    for _ in range(3):
        assert await worker.run_once() == 1
        delivery = (await api.get(f"/v1/webhooks/{hook['id']}/deliveries"))["items"][0]
        last = datetime.fromisoformat(delivery["history"][-1]["attempted_at"])
        waits.append((datetime.fromisoformat(delivery["next_attempt_at"]) - last).total_seconds())
        assert await worker.run_once() == 0  # not due yet
        async with engine.begin() as conn:  # let time pass
            await conn.execute(
                text("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE id = :id"),
                {"id": delivery["id"]},
            )
    assert [round(w) for w in waits] == [10, 20, 40]


async def test_the_worker_command_delivers(
    api: Api, receiver: Receiver, settings: Settings
) -> None:
    import os
    import sys

    await subscribe(api, receiver, "accountability_case.recorded")
    case = await api.case((await api.cadre())["id"])
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url or "",
        "VETTING_SECRET_KEY": settings.resolved_secret_key(),
        "VETTING_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        "worker",
        "--once",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert "attempted 1 deliveries" in out.decode()
    assert [r["body"]["data"]["case_id"] for r in receiver.received] == [case["id"]]
    assert receiver.received[0]["valid"]


async def test_a_change_that_fails_before_commit_leaves_no_event(
    api: Api, receiver: Receiver, engine: Any
) -> None:
    """The outbox row is written in the change's transaction: when anything later in that
    transaction fails, the case and its event are both gone."""
    from sqlalchemy import text

    from app import uow

    await subscribe(api, receiver, "accountability_case.recorded")
    cadre = await api.cadre()

    async def fail_late(session: Any, events: list[Any]) -> None:
        raise RuntimeError("a fault after the events were published")

    uow._handlers.append(fail_late)
    try:
        response = await api.http.post(
            "/v1/accountability-cases",
            json={
                "cadre_id": cadre["id"],
                "circumstance": "other",
                "status": "under_investigation",
                "opened_on": "2024-01-01",
            },
            headers=api.headers,
        )
    finally:
        uow._handlers.remove(fail_late)
    assert response.status_code == 500
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM outbox_events"))).scalar() == 0
        cases = await conn.execute(text("SELECT count(*) FROM accountability_cases"))
        assert cases.scalar() == 0
    await api.case(cadre["id"])  # the next change publishes as usual
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM outbox_events"))).scalar() == 1


async def test_the_creation_shows_the_secret_in_both_forms_and_a_wrong_one_fails(
    api: Api, receiver: Receiver
) -> None:
    hook = await subscribe(api, receiver, "accountability_case.recorded")
    assert hook["secret"] == SECRET
    assert hook["standard_webhooks_secret"].startswith("whsec_")
    body = b'{"type": "x"}'
    headers = standard_headers(SECRET, "delivery-1", int(clock.now().timestamp()), body)
    Webhook(hook["standard_webhooks_secret"]).verify(body, headers)  # a receiver's check passes
    with pytest.raises(WebhookVerificationError):
        Webhook(standard_secret("another-secret-0123456789")).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(hook["standard_webhooks_secret"]).verify(body + b" ", headers)


async def test_eligibility_changes_are_judged_by_the_rules_of_the_cadres_post(
    api: Api, app: FastAPI, receiver: Receiver, worker_settings: Settings
) -> None:
    """A 通报 for duties not performed vetoes under Luzhou's rules, not under Sichuan's: a
    cadre serving in Chengdu is not announced as changed; one serving in Luzhou is."""
    await subscribe(api, receiver, "cadre.eligibility_changed")
    last_year = clock.today().year - 1
    today = clock.today().isoformat()
    names = {}
    for place, code in (("成都市人民政府", "510100"), ("泸州市人民政府", "510500")):
        unit = await api.org_unit(place, division_code=code)
        cadre = await api.cadre(f"{place[:2]}干部")
        names[cadre["id"]] = place
        await api.post_held(cadre["id"], unit["id"], start="2018-01-01")
        assessment = {"subject": "cadre", "cadre_id": cadre["id"], "kind": "annual"}
        await api.post("/v1/assessments", {**assessment, "year": last_year, "grade": "competent"})
        await api.case(
            cadre["id"],
            circumstance="duties_not_performed",
            opened_on=today,
            decision_date=today,
            methods=["notification"],
        )
    worker = Worker(app.state.sessionmaker, worker_settings)
    await drain([worker], lambda: len(receiver.received) >= 3)
    await asyncio.sleep(0.2)  # nothing more is on its way
    await drain([worker], lambda: True)
    changed = [
        (names[e["data"]["cadre_id"]], e["data"]["changes"].get("promotion"))
        for e in (r["body"] for r in receiver.received)
        if e["type"] == "cadre.eligibility_changed"
    ]
    # Each assessment makes its cadre eligible; only Luzhou's case then vetoes.
    assert sorted(changed, key=str) == sorted(
        [
            ("成都市人民政府", {"before": "pending", "after": "eligible"}),
            ("泸州市人民政府", {"before": "pending", "after": "eligible"}),
            ("泸州市人民政府", {"before": "eligible", "after": "ineligible"}),
        ],
        key=str,
    )

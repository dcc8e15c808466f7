"""Webhook targets: only public http(s) addresses (or what the operator allows), checked when
subscribing and again before every delivery; what a receiver answers is never reflected."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI

from app.config import Settings
from app.webhooks import targets
from app.webhooks.worker import REFUSED, Worker
from tests.factories import Api
from tests.webhooks.support import SECRET, Receiver, subscribe

NON_PUBLIC = [
    "http://127.0.0.1/hooks",
    "http://127.0.0.2:8080/hooks",
    "http://localhost/hooks",
    "http://[::1]/hooks",
    "http://[::ffff:127.0.0.1]/hooks",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5/hooks",
    "http://172.16.3.4/hooks",
    "http://192.168.1.1/hooks",
    "http://100.64.0.1/hooks",
    "http://[fc00::1]/hooks",
    "http://[fe80::1]/hooks",
    "http://0.0.0.0/hooks",
    "http://2130706433/hooks",
    "http://0x7f000001/hooks",
    "http://017700000001/hooks",
    "http://0xa9fea9fe/hooks",
    "http://224.0.0.1/hooks",
]

PUBLIC = "https://93.184.215.14/hooks"  # a literal: no lookup leaves this machine


# The address policy itself.


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0x7f.0.0.0x1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("8.8.8.8.", "8.8.8.8"),
        ("::1", "::1"),
        ("hooks.example.com", None),
    ],
)
def test_numeric_hosts_are_read_as_the_addresses_they_spell(host: str, address: str) -> None:
    expected = ipaddress.ip_address(address) if address else None
    assert targets.literal_address(host) == expected


@pytest.mark.parametrize("host", ["1.2.3.4.5", "256.0.0.1", "1.2.3.0x1ff", "09.1.1.1", "a.b.1"])
def test_malformed_numeric_hosts_are_refused(host: str) -> None:
    with pytest.raises(targets.TargetRefused):
        targets.literal_address(host)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::ffff:127.0.0.1", False),
        ("::7f00:1", False),
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("2002:c0a8:101::", False),  # 6to4 of 192.168.1.1
        ("fd12::1", False),
        ("fe80::1", False),
    ],
)
def test_only_globally_routable_unicast_is_public(address: str, public: bool) -> None:
    assert targets.is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize("url", NON_PUBLIC)
async def test_the_policy_refuses_every_non_public_target(url: str) -> None:
    with pytest.raises(targets.TargetRefused) as refused:
        await targets.check(url, targets.AllowList(), 5)
    assert refused.value.reason == targets.NOT_PUBLIC


async def test_the_allow_list_takes_networks_and_host_names() -> None:
    allowed = targets.AllowList.parse(["10.0.0.0/8", "LocalHost.", "127.0.0.1"])
    assert (await targets.check("http://10.9.8.7/x", allowed, 5)).addresses
    assert (await targets.check("http://localhost:9/x", allowed, 5)).addresses
    assert (await targets.check("http://2130706433/x", allowed, 5)).addresses
    for refused in ("http://192.168.0.1/x", "http://127.0.0.2/x"):
        with pytest.raises(targets.TargetRefused):
            await targets.check(refused, allowed, 5)


def test_the_allow_list_is_read_comma_separated_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VETTING_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1, hooks.internal,10.0.0.0/8")
    assert Settings().webhook_allowed_hosts == ["127.0.0.1", "hooks.internal", "10.0.0.0/8"]


# Subscribing.


async def _create(api: Api, url: str) -> Any:
    body = {"url": url, "event_types": ["accountability_case.recorded"], "secret": SECRET}
    return await api.http.post("/v1/webhooks", json=body, headers=api.headers)


@pytest.mark.parametrize("url", NON_PUBLIC)
async def test_a_non_public_target_is_refused_naming_the_field(
    api: Api, allow_hosts: Callable[..., None], url: str
) -> None:
    allow_hosts()
    response = await _create(api, url)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"] == [{"field": "body.url", "message": targets.NOT_PUBLIC}]
    assert (await api.get("/v1/webhooks")) == []


@pytest.mark.parametrize(
    "url", ["http://user:pass@93.184.215.14/hooks", "https://token@93.184.215.14/hooks"]
)
async def test_credentials_in_the_url_are_refused(api: Api, url: str) -> None:
    response = await _create(api, url)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "body.url" and "credentials" in error["message"]


async def test_only_http_and_https_are_accepted(api: Api) -> None:
    response = await _create(api, "ftp://93.184.215.14/hooks")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.url"


async def test_a_public_target_is_accepted(api: Api, allow_hosts: Callable[..., None]) -> None:
    allow_hosts()
    assert (await _create(api, PUBLIC)).status_code == 201


async def test_the_operator_allows_exactly_the_listed_hosts(
    api: Api, allow_hosts: Callable[..., None]
) -> None:
    allow_hosts("127.0.0.1", "10.0.0.0/8")
    assert (await _create(api, "http://127.0.0.1:9/x")).status_code == 201
    assert (await _create(api, "http://10.20.30.40/x")).status_code == 201
    assert (await _create(api, "http://127.0.0.2:9/x")).status_code == 422
    assert (await _create(api, "http://192.168.0.10/x")).status_code == 422


async def test_an_update_checks_a_new_url_and_the_url_of_a_resumed_subscription(
    api: Api, allow_hosts: Callable[..., None]
) -> None:
    hook = (await _create(api, "http://127.0.0.1:9/x")).json()
    path = f"/v1/webhooks/{hook['id']}"

    async def patch(body: dict[str, Any]) -> Any:
        return await api.http.patch(path, json=body, headers=api.headers)

    moved = await patch({"url": "http://169.254.169.254/latest/"})
    assert moved.status_code == 422
    assert moved.json()["errors"][0]["field"] == "body.url"
    assert (await patch({"url": PUBLIC})).json()["url"] == PUBLIC
    assert (await patch({"url": "http://127.0.0.1:9/y"})).status_code == 200
    allow_hosts()  # the operator no longer allows loopback
    assert (await patch({"active": False})).status_code == 200  # pausing is always possible
    assert (await patch({"active": True})).status_code == 422


# Delivering.


async def _attempts(api: Api, hook: dict[str, Any]) -> dict[str, Any]:
    page = await api.get(f"/v1/webhooks/{hook['id']}/deliveries")
    delivery: dict[str, Any] = page["items"][0]
    return delivery


async def test_a_target_no_longer_allowed_at_delivery_is_a_failed_attempt_not_a_request(
    api: Api, app: FastAPI, receiver: Receiver, worker_settings: Settings
) -> None:
    hook = await subscribe(api, receiver, "accountability_case.recorded")
    await api.case((await api.cadre())["id"])
    strict = worker_settings.model_copy(update={"webhook_allowed_hosts": []})
    assert await Worker(app.state.sessionmaker, strict).run_once() == 1
    assert receiver.received == []
    delivery = await _attempts(api, hook)
    assert delivery["status"] == "pending" and delivery["attempts"] == 1
    assert delivery["last_status_code"] is None and delivery["last_error"] == REFUSED
    assert [a["error"] for a in delivery["history"]] == [REFUSED]


async def test_a_host_name_is_resolved_checked_and_connected_to_as_checked(
    api: Api,
    app: FastAPI,
    receiver: Receiver,
    worker_settings: Settings,
    allow_hosts: Callable[..., None],
) -> None:
    loopback = ["127.0.0.1", "::1"]
    allow_hosts(*loopback)
    url = f"http://localhost:{receiver.port}/hooks"
    body = {"url": url, "event_types": ["accountability_case.recorded"], "secret": SECRET}
    hook = await api.post("/v1/webhooks", body)
    await api.case((await api.cadre())["id"])
    worker = worker_settings.model_copy(update={"webhook_allowed_hosts": loopback})
    assert await Worker(app.state.sessionmaker, worker).run_once() == 1
    [request] = receiver.received
    assert request["headers"]["host"] == f"localhost:{receiver.port}" and request["valid"]
    assert (await _attempts(api, hook))["status"] == "delivered"


async def test_the_receivers_answer_is_never_reflected(
    api: Api, app: FastAPI, receiver: Receiver, worker_settings: Settings
) -> None:
    hook = await subscribe(api, receiver, "accountability_case.recorded")
    receiver.script = [500]
    receiver.reply = b"Traceback: db password is hunter2"
    await api.case((await api.cadre())["id"])
    await Worker(app.state.sessionmaker, worker_settings).run_once()
    delivery = await _attempts(api, hook)
    assert delivery["last_status_code"] == 500 and delivery["last_error"] == "HTTP 500"
    assert [a["error"] for a in delivery["history"]] == ["HTTP 500"]


async def test_redirects_are_never_followed(
    api: Api, app: FastAPI, receiver: Receiver, worker_settings: Settings
) -> None:
    hook = await subscribe(api, receiver, "accountability_case.recorded")
    receiver.script = [307]
    receiver.reply_headers = [(b"location", f"{receiver.url}/elsewhere".encode())]
    await api.case((await api.cadre())["id"])
    await Worker(app.state.sessionmaker, worker_settings).run_once()
    assert [r["path"] for r in receiver.received] == ["/hooks"]
    delivery = await _attempts(api, hook)
    assert delivery["last_status_code"] == 307 and delivery["last_error"] == "HTTP 307"

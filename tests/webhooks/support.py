"""A real HTTP receiver on loopback for webhook tests, and helpers to subscribe and deliver."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from standardwebhooks import Webhook, WebhookVerificationError

from app import clock
from app.webhooks.signing import standard_secret, verify
from app.webhooks.worker import Worker
from tests.factories import Api
from tests.loopback import read_body

SECRET = "receiver-shared-secret-0123456789"


@dataclass
class Receiver:
    """A loopback HTTP server that checks signatures and answers as scripted."""

    port: int = 0
    script: list[int] = field(default_factory=list)  # status codes to answer, in order
    received: list[dict[str, Any]] = field(default_factory=list)
    reply: bytes = b"ok"  # the body of every answer
    reply_headers: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        valid = verify(
            SECRET,
            headers.get("x-webhook-timestamp", ""),
            body,
            headers.get("x-signature", ""),
            int(clock.now().timestamp()),
        )
        self.received.append(
            {
                "headers": headers,
                "body": orjson.loads(body),
                "valid": valid,
                "standard_valid": _standard_valid(body, headers),
                "path": scope["path"],
            }
        )
        status = self.script.pop(0) if self.script else 200
        start = {"type": "http.response.start", "status": status, "headers": self.reply_headers}
        await send(start)
        await send({"type": "http.response.body", "body": self.reply})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"


def _standard_valid(body: bytes, headers: dict[str, str]) -> bool:
    """What a Standard Webhooks receiver concludes, with the library's own verifier and the
    secret in the form the subscription's creation showed."""
    try:
        Webhook(standard_secret(SECRET)).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


async def subscribe(api: Api, receiver: Receiver, *types: str) -> dict[str, Any]:
    return await api.post(
        "/v1/webhooks", {"url": receiver.url, "event_types": list(types), "secret": SECRET}
    )


async def drain(workers: list[Worker], until: Any, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        await asyncio.gather(*(w.run_once() for w in workers))
        if until():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("deliveries did not finish in time")

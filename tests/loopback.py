"""Small real HTTP servers on loopback for tests that need something to call (a webhook
receiver, an OTLP collector): the whole request body, and an ASGI app served on a free port."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn


async def read_body(receive: Callable[[], Awaitable[dict[str, Any]]]) -> bytes:
    """The request's whole body, however many messages it came in."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


@asynccontextmanager
async def served(app: Any) -> AsyncIterator[int]:
    """Serve the ASGI `app` on a free loopback port (yielded) until the block ends."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):  # the server flips `started` without an event to await
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        await task

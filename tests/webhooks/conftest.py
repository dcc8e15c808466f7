"""Fixtures for webhook tests: a loopback receiver, fast retries, and the allow-list."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
import uvicorn
from fastapi import FastAPI

from app.config import Settings
from tests.webhooks.support import Receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    target = Receiver(port=sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(target, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):  # the server flips `started` without an event to await
        if server.started:
            break
        await asyncio.sleep(0.01)
    yield target
    server.should_exit = True
    await task


@pytest.fixture
def worker_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "webhook_backoff_seconds": 0.05,
            "webhook_max_attempts": 4,
            "webhook_failing_after": 3,
        }
    )


@pytest.fixture
def allow_hosts(app: FastAPI) -> Iterator[Callable[..., None]]:
    """Run the app with another allow-list (`allow_hosts()` for none) for this test only."""
    original: Settings = app.state.settings

    def use(*hosts: str) -> None:
        app.state.settings = original.model_copy(update={"webhook_allowed_hosts": list(hosts)})

    yield use
    app.state.settings = original

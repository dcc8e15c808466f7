"""Fixtures for webhook tests: a loopback receiver, fast retries, and the allow-list."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from fastapi import FastAPI

from app.config import Settings
from tests.loopback import served
from tests.webhooks.support import Receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    target = Receiver()
    async with served(target) as port:
        target.port = port
        yield target


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

"""Fixtures of the vetting API tests."""

import pytest

from tests.factories import Api
from tests.vetting.world import World, build_world


@pytest.fixture
async def world(api: Api) -> World:
    return await build_world(api)

"""Fixtures of the consultation tests."""

import pytest

from tests.consultations.world import World, build_world
from tests.factories import Api


@pytest.fixture
async def world(api: Api) -> World:
    return await build_world(api)

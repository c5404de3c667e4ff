"""Fixtures of the realtime tests: ``rooms_world``, the whole app on a real port."""

from collections.abc import AsyncIterator
from typing import Any

import pytest

from server.settings import Settings
from server.store import Store
from tests.server.realtime.room_world import World


@pytest.fixture
async def rooms_world(
    aiohttp_server: Any, settings: Settings, store: Store
) -> AsyncIterator[World]:
    world = await World.start(aiohttp_server, settings, store)
    yield world
    await world.stop()

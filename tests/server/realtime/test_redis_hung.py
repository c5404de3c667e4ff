"""A live room on one Redis that hangs (SIGSTOP of a redis-server this module started on a
port of its own), three people chatting (tests/server/realtime/hung_world.py): every
message is answered within a bounded time, the owner drops the room before its lease could
run out, connecting again is refused ``unavailable`` while Redis hangs, and once it is back
(SIGCONT) the people are in and chatting again; nothing acknowledged is lost.
"""

import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from subprocess import DEVNULL
from typing import Any

import pytest
import redis

from server.settings import Settings
from server.store import Store
from tests.server.cluster_world import ports
from tests.server.realtime.hung_world import listening, lost, rode_out, run_hung
from tests.server.realtime.room_world import World
from tests.server.store.redis_servers import REDIS_8

HUNG_SECONDS = 8.0
LEASE_SECONDS = 5.0  # the settings' room_lease_seconds


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    [port] = ports(1)
    folder = tmp_path_factory.mktemp("hung")
    process = subprocess.Popen(
        [REDIS_8, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
         "--save", "", "--appendonly", "yes", "--appendfsync", "always"],
        stdout=DEVNULL,
    )  # fmt: skip
    try:
        with redis.Redis(host="127.0.0.1", port=port) as client:
            for _ in range(200):
                try:
                    client.ping()
                    break
                except (redis.ConnectionError, OSError):
                    time.sleep(0.025)
        yield process, port
    finally:
        process.send_signal(signal.SIGCONT)
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def redis_url(server: tuple[subprocess.Popen[bytes], int]) -> str:
    return f"redis://127.0.0.1:{server[1]}/0"


@pytest.fixture
async def world(aiohttp_server: Any, settings: Settings, store: Store) -> AsyncIterator[World]:
    unlimited = replace(settings, chat_burst=1000, chat_per_second=1000.0)
    world = await World.start(aiohttp_server, unlimited, store)
    yield world
    await world.stop()


async def test_a_hung_redis_is_refused_in_bounded_time_and_nothing_acknowledged_is_lost(
    world: World, server: tuple[subprocess.Popen[bytes], int], caplog: pytest.LogCaptureFixture
) -> None:
    room = await world.session(kind="meeting", lobby=False)
    process, _port = server

    hang = await run_hung(
        world,
        room,
        pause=lambda: process.send_signal(signal.SIGSTOP),
        resume=lambda: process.send_signal(signal.SIGCONT),
        seconds=HUNG_SECONDS,
    )

    log, figures = hang.log, hang.figures()
    missing = await lost(world, room, log)
    print(f"\nhung redis (one): {hang.summary(missing)}")
    rode_out(hang, caplog.records)
    assert figures["connect_refused_s"] is not None
    assert missing == []
    assert listening() == [False]  # the owner's news from its edges: listened to still
    drop_s = figures["drop_s"]
    assert drop_s is not None and drop_s < LEASE_SECONDS  # before its lease could be taken

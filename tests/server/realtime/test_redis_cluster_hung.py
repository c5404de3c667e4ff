"""A live room on a Redis Cluster whose room's master hangs (SIGSTOP: its sockets stay open,
it answers nothing), the whole app on it (the cluster of test_redis_cluster_failover.py,
node timeout 0.5 s), three people chatting (tests/server/realtime/hung_world.py).

- The master and its replica both hang, so nothing fails over (and the cluster, missing
  slots, answers ``CLUSTERDOWN`` everywhere): no message waits unanswered beyond a bound;
  the owner, unable to renew the room's lease, drops the room before the lease could run
  out in Redis, closing its connections; connecting again is refused ``unavailable``; once
  the shard is back (SIGCONT), the people are in and chatting again, acknowledged.
- The master alone hangs: its replica takes over, and chat is acknowledged again without
  the master.
Nothing acknowledged is lost either way.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from server.settings import Settings
from server.store import Store
from tests.server.realtime import test_redis_cluster_failover as failover_tests
from tests.server.realtime.hung_world import listening, lost, rode_out, run_hung
from tests.server.realtime.room_world import World
from tests.server.realtime.test_redis_cluster_failover import cluster_world, shard
from tests.server.store.redis_cluster import LoopbackCluster

cluster, redis_url = failover_tests.cluster, failover_tests.redis_url  # its fixtures
HUNG_SECONDS = 10.0


async def settled(condition: Callable[[], bool], *, seconds: float) -> None:
    """Until ``condition`` holds, for ``seconds`` at most (the assertion after it judges)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)


LEASE_SECONDS = 5.0  # the rooms' lease: it runs out in Redis after it


@pytest.fixture
async def world(
    aiohttp_server: Any, settings: Settings, store: Store, cluster: LoopbackCluster
) -> AsyncIterator[World]:
    """The failover tests' world, but the rooms hold a lease of ``LEASE_SECONDS`` (theirs is
    longer, for a slow failover): these tests are about the owner letting the room go."""
    async for world in cluster_world(
        aiohttp_server, settings, store, cluster, lease_seconds=LEASE_SECONDS
    ):
        yield world


@pytest.mark.parametrize("failover", [False, True], ids=["shard_hangs", "master_hangs"])
async def test_a_hung_master_is_refused_in_bounded_time_and_nothing_acknowledged_is_lost(
    world: World, cluster: LoopbackCluster, caplog: pytest.LogCaptureFixture, failover: bool
) -> None:
    room = await world.session(kind="meeting", lobby=False)
    master, replica = shard(cluster, room)
    ports = [master] if failover else [master, replica]

    hang = await run_hung(
        world,
        room,
        pause=lambda: [cluster.pause(port) for port in ports] and None,
        resume=lambda: [cluster.resume(port) for port in ports] and None,
        seconds=HUNG_SECONDS,
    )

    log, figures = hang.log, hang.figures()
    missing = await lost(world, room, log)
    print(f"\nhung redis cluster ({'master' if failover else 'shard'}): {hang.summary(missing)}")
    rode_out(hang, caplog.records)
    assert missing == []
    assert listening() == [False]  # the owner's news from its edges: listened to still
    if failover:
        assert shard(cluster, room)[0] == replica
        assert figures["back_s"] is not None and figures["back_s"] < HUNG_SECONDS
    else:
        drop_s = figures["drop_s"]
        assert drop_s is not None and drop_s < LEASE_SECONDS  # before its lease could be taken
        assert figures["connect_refused_s"] is not None
        # nothing failed over: the master is the master still, and its replica is listed
        # again once the other nodes see it up (CLUSTER SLOTS leaves out a node marked failed)
        await settled(lambda: shard(cluster, room) == [master, replica], seconds=10)
        assert shard(cluster, room) == [master, replica]

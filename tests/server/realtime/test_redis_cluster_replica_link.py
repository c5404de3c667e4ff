"""A write acknowledged while the replica's replication link is down (the replica alive, in
the cluster, but not syncing: here its master refuses it ``PSYNC``): the master's ``ROLE``
lists no replica, yet the cluster may promote that replica when the master dies (its data
is no older than the node timeout × ``cluster-replica-validity-factor``), without what the
master acknowledged meanwhile. So a chat post then is not acknowledged (``unavailable``,
server/store/durable.py): nothing acknowledged is lost when the master is killed and the
stale replica promoted, and the post sent again is (the cluster of
test_redis_cluster_failover.py).
"""

import asyncio
import time

import redis

from rooms.roles import Role
from tests.server.realtime import test_redis_cluster_failover as failover_tests
from tests.server.realtime.room_world import World
from tests.server.realtime.test_redis_cluster_failover import shard, until
from tests.server.realtime.test_roadshow_room import person
from tests.server.store.redis_cluster import LoopbackCluster

cluster, redis_url, world = (  # its fixtures
    failover_tests.cluster,
    failover_tests.redis_url,
    failover_tests.world,
)


def cut_replication(port: int) -> None:
    """The master at ``port`` refuses its replicas' PSYNC and drops them: their link is
    down, while they stay in the cluster."""
    with redis.Redis(host="127.0.0.1", port=port) as master:
        master.execute_command("ACL", "SETUSER", "default", "-psync", "-sync")
        master.execute_command("CLIENT", "KILL", "TYPE", "replica")
        for _ in range(200):
            if not master.execute_command("ROLE")[2]:
                return
            time.sleep(0.025)
    raise RuntimeError("the replica is still connected")


async def test_a_write_while_the_replicas_link_is_down_is_not_acknowledged(
    world: World, cluster: LoopbackCluster
) -> None:
    room = await world.session(kind="meeting", lobby=False)
    li = await person(world, room, Role.ATTENDEE, "Li Lei")
    assert "message_id" in await li.call("chat", {"text": "before", "client_id": "c-0"})
    master, replica = shard(cluster, room)
    cut_replication(master)
    world.live.store.durable.replicas.forget(f"127.0.0.1:{master}")  # asked again at once

    during = await li.call("chat", {"text": "during", "client_id": "c-1"})
    cluster.kill(master)
    await until(lambda: shard(cluster, room)[0] == replica, 15)
    await asyncio.sleep(0.5)
    kept = None
    if "message_id" in during:
        kept = await world.store.chat.get(room.session_id, during["message_id"])

    again = await li.call("chat", {"text": "during", "client_id": "c-1"})  # as the page does

    assert "message_id" not in during or kept is not None  # acknowledged, then lost?
    assert during["error"]["code"] == "unavailable"
    assert "message_id" in again and await world.store.chat.get(
        room.session_id, again["message_id"]
    ) is not None  # fmt: skip

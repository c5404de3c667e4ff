"""A hung Redis node (SIGSTOP: its sockets stay open, it answers nothing) fails a command in
bounded time, while the waits asked of Redis on purpose still last as long as asked
(server/store/connection.py: ``REPLY_SECONDS``, ``BLOCK_SECONDS``).

The cluster here has three masters and no replica, and a node timeout of a minute, so
nothing fails over and the cluster never calls itself down: a command to the hung master's
slots times out and is not tried again (redis-py tried eleven times, a minute in all), the
other masters answer as before, and a lease renewal renews the rooms of the others.
"""

import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from redis.crc import key_slot
from redis.exceptions import TimeoutError as RedisTimeoutError

from server.store import Store, connect, keys
from server.store.connection import REPLY_SECONDS
from server.store.durable import _ask
from server.store.edges import EdgeUnreachable, Inbox
from tests.server.cluster_world import ports
from tests.server.store.redis_cluster import LoopbackCluster

BOUND = REPLY_SECONDS + 1.0  # a command to a hung node fails within this
TTL = timedelta(seconds=5)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackCluster]:
    found = ports(6)
    bus = dict(zip(found[:3], found[3:], strict=True))
    cluster = LoopbackCluster(
        tmp_path_factory.mktemp("hung"), found[:3], bus=bus, node_timeout_ms=60_000
    )
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
async def on_cluster(cluster: LoopbackCluster) -> AsyncIterator[Store]:
    store = Store(connect(cluster.url))
    await store.redis.initialize()  # the slot map, read before a node hangs
    yield store
    await store.close()


def rooms_by_master(cluster: LoopbackCluster, count: int, name: str) -> dict[int, list[str]]:
    """Session ids whose room keys live on each master, ``count`` of each."""
    found: dict[int, list[str]] = {port: [] for port in cluster.ports}
    number = 0
    while any(len(ids) < count for ids in found.values()):
        session_id = f"{name}{number}"
        master = cluster.shard_of(key_slot(keys.room_lease(session_id).encode()))[0]
        if len(found[master]) < count:
            found[master].append(session_id)
        number += 1
    return found


async def timed(awaitable: object) -> tuple[float, object]:
    """How long it took, and what it gave or raised."""
    start = time.monotonic()
    try:
        answer: object = await awaitable  # type: ignore[misc]
    except Exception as error:
        answer = error
    return time.monotonic() - start, answer


async def test_a_command_to_a_hung_master_fails_in_bounded_time_and_others_answer(
    cluster: LoopbackCluster, on_cluster: Store
) -> None:
    rooms = rooms_by_master(cluster, 1, "command")
    hung, healthy = cluster.ports[0], cluster.ports[1]
    [stuck], [fine] = rooms[hung], rooms[healthy]
    redis = on_cluster.redis
    await redis.set(keys.room_lease(stuck), "x")
    cluster.pause(hung)
    try:
        waited, answer = await timed(redis.get(keys.room_lease(stuck)))
        other = await redis.set(keys.room_lease(fine), "y")
        waited_again, again = await timed(redis.get(keys.room_lease(stuck)))
    finally:
        cluster.resume(hung)
    after = await redis.get(keys.room_lease(stuck))

    assert (type(answer), type(again), other, after) == (
        RedisTimeoutError, RedisTimeoutError, True, "x"
    )  # fmt: skip
    assert REPLY_SECONDS <= waited < BOUND and REPLY_SECONDS <= waited_again < BOUND


async def test_a_durable_commit_on_a_hung_master_fails_in_bounded_time(
    cluster: LoopbackCluster, on_cluster: Store
) -> None:
    [stuck] = rooms_by_master(cluster, 1, "durable")[cluster.ports[0]]
    cluster.pause(cluster.ports[0])
    try:
        async with on_cluster.durable.pipeline() as pipe:
            pipe.multi()
            pipe.set(keys.room_lease(stuck), "z")
            waited, answer = await timed(on_cluster.durable.commit(pipe))
    finally:
        cluster.resume(cluster.ports[0])

    assert isinstance(answer, RedisTimeoutError)
    assert waited < BOUND


async def test_renewing_leases_renews_the_rooms_of_the_masters_that_answer(
    cluster: LoopbackCluster, on_cluster: Store
) -> None:
    rooms = rooms_by_master(cluster, 2, "lease")
    hung = cluster.ports[0]
    leases = []
    for session_id in [s for ids in rooms.values() for s in ids]:
        claim = await on_cluster.owners.claim(session_id, "p:1", ttl=TTL)
        leases.append((session_id, claim.token))
    cluster.pause(hung)
    try:
        waited, kept = await timed(on_cluster.owners.renew("p:1", leases, ttl=TTL))
    finally:
        cluster.resume(hung)

    expected = [None if session_id in rooms[hung] else True for session_id, _ in leases]
    assert kept == expected
    assert waited < BOUND


# blocking on purpose, on one Redis that answers: longer than REPLY_SECONDS, and no timeout


async def test_a_call_to_an_edge_waits_its_whole_time_for_a_reply(store: Store) -> None:
    listener = store.edges.calls("edge-a")
    await listener.open()
    try:
        waited, answer = await timed(store.edges.call("edge-a", {"op": "x"}, within=3.0))
    finally:
        await listener.close()

    assert isinstance(answer, EdgeUnreachable)
    assert 3.0 <= waited < 3.5


async def test_a_pubsub_wait_and_a_replica_wait_outlast_the_reply_timeout(store: Store) -> None:
    inbox = Inbox(store.redis, "quiet-channel")
    await inbox.open()
    try:
        await inbox.next(within=0.1)  # the subscription's confirmation
        waited, message = await timed(inbox.next(within=3.0))
    finally:
        await inbox.close()
    connection = await store.redis.connection_pool.get_connection()
    try:
        waited_wait, replicas = await timed(_ask(connection, [("WAIT", 1, 3000)]))
    finally:
        await store.redis.connection_pool.release(connection)

    assert (message, replicas) == (None, [0])  # no replica: WAIT answers 0 after its time
    assert 3.0 <= waited < 3.5 and 3.0 <= waited_wait < 3.5


async def test_a_worker_waiting_for_a_job_is_answered_within_the_block_limit(
    store: Store,
) -> None:
    await store.redis.delete(keys.JOBS)
    await store.jobs.ensure_group()
    waited, entry = await timed(store.jobs.take("w1", block_ms=10_000))

    assert entry is None
    assert waited < REPLY_SECONDS

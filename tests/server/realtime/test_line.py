"""The room's one ordered path (server/realtime/line.py) over real sockets and a real Redis:
what people receive follows the order the room changed, however slow a write is, and a
burst of changes shares Redis round trips instead of queueing behind one each."""

import asyncio
from typing import Any

import pytest

from rooms.outbox import Attend
from rooms.roles import Role
from server.realtime.line import RoomLine, Turn
from tests.server.realtime.room_world import Peer, World

SLOW = 0.3


class Writes(list[int]):
    """The batches written (their number of turns); which of them are slowed by ``SLOW``."""

    slow_all = False

    def slowed(self, turns: list[Turn]) -> bool:
        return self.slow_all or any(isinstance(e, Attend) for t in turns for e in t.effects)


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> Writes:
    """Slow every batch that records attendance by 300 ms; count the batches."""
    batches = Writes()
    original = RoomLine._write

    async def slowed(self: RoomLine, turns: list[Turn]) -> Any:
        batches.append(len(turns))
        if batches.slowed(turns):
            await asyncio.sleep(SLOW)
        return await original(self, turns)

    monkeypatch.setattr(RoomLine, "_write", slowed)
    return batches


async def test_a_hand_raised_while_a_guest_is_admitted_reaches_the_guest(
    rooms_world: World, writes: Writes
) -> None:
    room = await rooms_world.session(lobby=True)
    host = await rooms_world.enter(room, cookie=await rooms_world.sign_in(room.owner))
    han = await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.COHOST, "Han"))
    guest = await rooms_world.enter(
        room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Li")
    )
    await host.sync()
    guest_id = host.of("lobby")[-1]["queue"][0]["participant_id"]

    await host.emit("admit", {"participant_id": guest_id})  # its attendance write is slow
    await asyncio.sleep(SLOW / 3)
    await han.send("raise_hand")
    await host.sync()
    await guest.sync()

    hands_in_snapshot = guest.of("joined")[0]["hands"]
    hands_later = [h for event in guest.of("hands") for h in event["queue"]]
    assert [h["name"] for h in hands_in_snapshot + hands_later] == ["Han"]
    assert guest.names().index("joined") < guest.names().index("hands")


async def test_a_burst_of_chat_shares_round_trips_and_arrives_in_one_order(
    rooms_world: World, writes: Writes
) -> None:
    room = await rooms_world.session(lobby=False)
    senders: list[Peer] = [
        await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.ATTENDEE, f"P{n}"))
        for n in range(8)
    ]
    writes.clear()
    writes.slow_all = True  # each write takes 300 ms: the chats sent meanwhile wait together
    for peer in senders:
        peer.clear()

    acks = await asyncio.gather(
        *(p.call("chat", {"text": f"m{n}", "client_id": f"c{n}"}) for n, p in enumerate(senders))
    )
    for peer in senders:
        await peer.sync()

    orders = [[m["message_id"] for m in peer.of("chat")] for peer in senders]
    assert orders == [sorted(a["message_id"] for a in acks)] * len(senders)
    assert sum(writes) == len(senders)  # every chat went through the line
    assert len(writes) <= 3  # and they shared round trips: not one each

"""A live room has one owner process (server/realtime/ownership.py): a room another live
process holds is refused (``wrong_owner``), and a process that lost its room (its write
fenced, or its lease gone) drops it: nothing more written, its sockets disconnected."""

import asyncio
import threading
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import socketio

from rooms.roles import Role
from server.settings import Settings
from server.store import Store, keys
from server.store.connection import connect
from tests.server.realtime.room_world import World

OTHER = "10.0.0.9:8080"  # another web process


async def steal(store: Store, session_id: str) -> None:
    """Another process takes the room over, as after this one's lease ran out."""
    await store.redis.delete(keys.room_lease(session_id))
    claim = await store.owners.claim(session_id, OTHER, ttl=timedelta(seconds=30))
    assert claim.taken


async def test_a_room_another_live_process_owns_is_refused_as_wrong_owner(
    rooms_world: World,
) -> None:
    room = await rooms_world.session(lobby=False)
    await rooms_world.store.owners.claim(room.session_id, OTHER, ttl=timedelta(seconds=30))
    peer = rooms_world.peer(room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Li Lei"))

    with pytest.raises(socketio.exceptions.ConnectionError):
        await peer.connect()

    assert (peer.refusal["data"]["code"], rooms_world.live.rooms) == ("wrong_owner", {})


async def test_the_first_connection_takes_the_rooms_lease(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)

    await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.ATTENDEE, "Li Lei"))

    holder = await rooms_world.store.owners.holder(room.session_id)
    assert holder == f"{rooms_world.live.process} 1"


async def test_a_stale_owners_chat_is_not_saved_nor_delivered_and_its_room_dropped(
    rooms_world: World,
) -> None:
    room = await rooms_world.session(lobby=False)
    host = await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.HOST, "Host"))
    await steal(rooms_world.store, room.session_id)

    await host.emit("chat", {"text": "too late", "client_id": "c-1"})  # never acknowledged
    await host.gone()

    stream = await rooms_world.store.redis.xlen(keys.room_chat(room.session_id))
    assert (host.of("chat"), stream, rooms_world.live.rooms) == ([], 0, {})


async def test_a_room_whose_lease_is_lost_at_renewal_is_dropped(
    aiohttp_server: Any, settings: Settings, store: Store
) -> None:
    world = await World.start(aiohttp_server, replace(settings, room_lease_seconds=0.6), store)
    try:
        room = await world.session(lobby=False)
        peer = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Li Lei"))
        await asyncio.sleep(0.5)  # renewed meanwhile: still held
        assert peer.client.connected
        await steal(store, room.session_id)

        await peer.gone()

        assert world.live.rooms == {}
    finally:
        await world.stop()


async def test_a_closed_room_gives_its_lease_up(rooms_world: World) -> None:
    room = await rooms_world.session(lobby=False)
    host = await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.HOST, "Host"))

    await host.emit("end_session", {})  # success ends in a disconnect: no pong
    await host.gone()

    assert await rooms_world.store.owners.holder(room.session_id) is None


async def test_a_process_named_by_process_name_holds_its_rooms_under_that_name(
    aiohttp_server: Any, settings: Settings, store: Store
) -> None:
    named = replace(settings, process_name="10.0.0.7:8081")
    world = await World.start(aiohttp_server, named, store)
    try:
        room = await world.session(lobby=False)
        await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Li Lei"))

        assert await store.owners.holder(room.session_id) == "10.0.0.7:8081 1"
    finally:
        await world.stop()


def steal_meanwhile(redis_url: str, session_id: str) -> None:
    """Another process takes the room over while this one's event loop is blocked."""

    async def other() -> None:
        store = Store(connect(redis_url))
        try:
            await steal(store, session_id)
        finally:
            await store.close()

    thread = threading.Thread(target=asyncio.run, args=(other(),))
    thread.start()
    thread.join()


@pytest.mark.parametrize("taken", [False, True], ids=["nobody_took_it", "another_took_it"])
async def test_a_process_that_did_not_run_past_its_lease_asks_redis_before_dropping_the_room(
    aiohttp_server: Any,
    settings: Settings,
    store: Store,
    redis_url: str,
    caplog: pytest.LogCaptureFixture,
    taken: bool,
) -> None:
    """A blocked event loop (a long pause of the whole process) outlives its leases' trusted
    time, and even their time in Redis: the room is kept as long as no other process claimed
    it meanwhile, and dropped if one did."""
    world = await World.start(aiohttp_server, replace(settings, room_lease_seconds=1.0), store)
    try:
        room = await world.session(lobby=False)
        peer = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Li Lei"))

        time.sleep(1.5)  # noqa: ASYNC251 -- the process does not run: that is the test
        if taken:
            steal_meanwhile(redis_url, room.session_id)
        await asyncio.sleep(1.0)  # the renewals after the pause

        still = room.session_id in world.live.rooms
        if not taken:
            answer = await peer.call("chat", {"text": "still here", "client_id": "c-1"})
            assert "message_id" in answer, answer
        else:
            await peer.gone()
        said = [words in caplog.text for words in ("did not run", "refused its lease's renewal")]
        assert (still, said) == (not taken, [True, taken])
    finally:
        await world.stop()

"""A class whose students' media is served by an edge process: the room's own signalling over
Socket.IO on the owner (this test's server), the students' subscribe connections on an edge
(tests/server/edge_child.py, a process of its own on the same Redis), the owner's rules."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from rooms.roles import Role
from server.audiences import EdgePeer
from server.settings import Settings
from server.store import Store
from tests.server.media.synthetic import Clip, encode_clip
from tests.server.realtime.media_world import MediaUser, MediaWorld, until
from tests.server.realtime.room_world import World
from tests.server.test_audiences import start_edge


@pytest.fixture(scope="module")
def clip() -> Clip:
    return encode_clip(seconds=1, width=160, height=120, bitrate=200_000)


@pytest.fixture
async def media(
    aiohttp_server: Any, settings: Settings, store: Store, redis_url: str, clip: Clip
) -> AsyncIterator[MediaWorld]:
    edge = await start_edge("edge-0", redis_url)
    world = await World.start(aiohttp_server, replace(settings, edge_place_after=1), store)
    media = MediaWorld(world, clip)
    yield media
    await media.close()
    await world.stop()
    edge.stdin.write(b"stop\n")  # type: ignore[union-attr]
    await edge.wait()


async def stalled(user: MediaUser, of: MediaUser, kind: str) -> int:
    await asyncio.sleep(0.15)
    before = user.viewer.count(of.participant_id, kind)
    await asyncio.sleep(0.5)
    return user.viewer.count(of.participant_id, kind) - before


async def test_edge_media_a_class_audience_on_an_edge_follows_the_owners_rules(
    media: MediaWorld,
) -> None:
    room = await media.world.session(kind="class", lobby=False)
    host = await media.user(room, Role.HOST, "Host")
    teacher = await media.user(room, Role.PRESENTER, "Teacher")
    students = [await media.user(room, Role.ATTENDEE, f"Student {n}") for n in range(2)]
    await until(lambda: set(media.world.live.audiences.edges) == {"edge-0"})
    await teacher.start()
    await teacher.publish()
    for student in students:
        await student.start()

    for student in students:
        await until(lambda s=student: s.viewer.frames(teacher.participant_id, "video") >= 20)
        await until(lambda s=student: s.viewer.count(teacher.participant_id, "audio") >= 20)
    seats = media.world.live.rooms[room.session_id].media.seats
    placed = {pid: isinstance(seat.peer, EdgePeer) for pid, seat in seats.items()}
    await host.peer.send("mute", {"participant_id": teacher.participant_id})
    muted = [await stalled(s, teacher, "audio") for s in students]
    video_went_on = [await stalled(s, teacher, "video") > 0 for s in students]

    assert placed == {teacher.participant_id: False} | {s.participant_id: True for s in students}
    assert (muted, video_went_on) == ([0, 0], [True, True])
    assert [u.errors() for u in (host, teacher, *students)] == [[], [], [], []]

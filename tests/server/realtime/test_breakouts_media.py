"""Breakout groups partition the media, end to end: real aiortc clients through the room's
SFU. In two groups a publisher's track reaches only their own group; after "return all" it
reaches everyone again (subscriptions renegotiated). Everything on 127.0.0.1."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from rooms.roles import Role
from tests.server.media.synthetic import Clip, encode_clip
from tests.server.realtime.media_world import MediaWorld
from tests.server.realtime.room_world import World
from tests.server.realtime.test_media_signalling import stalled, steady


@pytest.fixture(scope="module")
def clip() -> Clip:
    return encode_clip(seconds=1, width=160, height=120, bitrate=200_000)


@pytest.fixture
async def media(rooms_world: World, clip: Clip) -> AsyncIterator[MediaWorld]:
    media = MediaWorld(rooms_world, clip)
    yield media
    await media.close()


async def test_media_a_track_reaches_only_its_group_until_return_all(media: MediaWorld) -> None:
    room = await media.world.session(kind="meeting", lobby=False)
    host = await media.user(room, Role.HOST, "Host")
    alice = await media.user(room, Role.ATTENDEE, "Alice")
    bob = await media.user(room, Role.ATTENDEE, "Bob")
    cai = await media.user(room, Role.ATTENDEE, "Cai")
    for user in (host, alice, bob, cai):
        await user.start()
    await alice.publish()
    await steady(cai, alice, "video")

    groups = {alice.participant_id: 1, bob.participant_id: 1, cai.participant_id: 2}
    await host.peer.send("open_breakouts", {"count": 2, "mode": "manual", "assignments": groups})
    await steady(bob, alice, "video", at_least=bob.viewer.count(alice.participant_id, "video") + 10)
    in_groups = await asyncio.gather(*(stalled(u, alice, "video") for u in (bob, cai, host)))

    await host.peer.send("close_breakouts", {})
    await steady(cai, alice, "video", at_least=cai.viewer.count(alice.participant_id, "video") + 10)
    returned = await asyncio.gather(*(stalled(u, alice, "video") for u in (bob, cai, host)))

    assert in_groups[0] > 0 and in_groups[1:] == [0, 0]
    assert all(count > 0 for count in returned)
    assert host.errors() == []


async def test_media_a_class_s_students_speak_in_their_group_until_return_all(
    media: MediaWorld,
) -> None:
    room = await media.world.session(kind="class", lobby=False)
    teacher = await media.user(room, Role.HOST, "Teacher")
    alice = await media.user(room, Role.ATTENDEE, "Alice")
    bob = await media.user(room, Role.ATTENDEE, "Bob")
    groups = {alice.participant_id: 1, bob.participant_id: 1}
    await teacher.peer.send("open_breakouts", {"count": 2, "mode": "manual", "assignments": groups})
    for user in (alice, bob):
        await user.start()

    answer = await alice.publish()
    await steady(bob, alice, "audio")
    await teacher.peer.send("close_breakouts", {})
    closed = await alice.peer.wait_for("media_closed")

    assert answer is not None and answer["refused"] == []
    assert closed[-1]["reason"] == "role"

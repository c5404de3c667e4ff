"""Invitations to speak over real sockets and real media: a host invites a class's listener,
the listener accepts or declines, the stage grant changes their capabilities for the room
and for the media plane (nothing of theirs is forwarded before it or after it ends)."""

from collections.abc import AsyncIterator

import pytest

from rooms.roles import Role
from tests.server.media.synthetic import Clip, encode_clip
from tests.server.realtime.media_world import MediaUser, MediaWorld, until
from tests.server.realtime.room_world import Peer, Room, World
from tests.server.realtime.test_media_signalling import stalled, steady

GRANTED = {"publish_audio", "publish_video"}


async def a_class(world: World) -> tuple[Room, Peer, Peer, Peer]:
    room = await world.session(kind="class", lobby=False)
    host = await world.enter(room, invite=await world.invite(room, Role.HOST, "Host"))
    li = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Li Lei"))
    han = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Han Mei"))
    for peer in (host, li, han):
        peer.clear()
    return room, host, li, han


def codes(peer: Peer) -> list[tuple[str, str]]:
    return [(e["event"], e["code"]) for e in peer.of("error")]


async def test_an_accepted_invitation_grants_the_floor_to_the_listener(
    rooms_world: World,
) -> None:
    _, host, li, han = await a_class(rooms_world)
    li_id = li.me["participant_id"]
    await li.send("raise_hand")

    await host.send("invite_to_speak", {"participant_id": li_id, "video": True})
    await li.sync()
    prompt = li.of("speak_invite")
    await li.send("answer_invite", {"accept": True})
    await li.send("set_mic", {"on": True})
    await host.sync(), await han.sync()

    assert prompt == [{"invite": {"by": "Host", "video": True}}]
    [you] = li.of("you")
    assert GRANTED <= set(you["capabilities"])
    assert "publish_screen" not in you["capabilities"]
    assert you["reason"] == "stage"
    assert host.of("invite_answered") == [
        {"participant_id": li_id, "name": "Li Lei", "accept": True}
    ]
    assert host.of("stage_invites")[-1] == {"invited": []}
    assert han.of("stage_invites") == []  # only moderators see invitations
    seen = han.of("participant_updated")[-1]["participant"]
    assert (seen["speaking"], seen["speaking_video"], seen["mic"]) == (True, True, True)
    assert han.of("hands")[-1] == {"queue": []}


async def test_declined_stopped_and_taken_back_the_listener_cannot_send(
    rooms_world: World,
) -> None:
    _, host, li, han = await a_class(rooms_world)
    li_id = li.me["participant_id"]

    await host.send("invite_to_speak", {"participant_id": li_id})
    await li.send("answer_invite", {"accept": False})
    await li.send("set_mic", {"on": True})
    await host.send("invite_to_speak", {"participant_id": li_id, "video": False})
    await li.send("answer_invite", {"accept": True})
    await li.send("set_mic", {"on": True})
    await li.send("stop_speaking")
    await li.send("set_mic", {"on": True})
    await host.sync()

    assert [a["accept"] for a in host.of("invite_answered")] == [False, True]
    assert [sorted(GRANTED & set(y["capabilities"])) for y in li.of("you")] == [
        ["publish_audio"],
        [],
    ]
    assert codes(li) == [("set_mic", "forbidden"), ("set_mic", "forbidden")]
    last = host.of("participant_updated")[-1]["participant"]
    assert (last["speaking"], last["mic"]) == (False, False)


async def test_a_reconnecting_listener_is_asked_again(rooms_world: World) -> None:
    room, host, li, _ = await a_class(rooms_world)

    await host.send("invite_to_speak", {"participant_id": li.me["participant_id"]})
    await li.close()
    again = await rooms_world.enter(room, auth=li.auth)

    [joined] = again.of("joined")
    assert joined["speak_invite"] == {"by": "Host", "video": False}
    assert joined["stage_invites"] == []


async def test_refusals_are_clear(rooms_world: World) -> None:
    _, host, li, han = await a_class(rooms_world)
    li_id, host_id = li.me["participant_id"], host.me["participant_id"]

    await han.send("invite_to_speak", {"participant_id": li_id})
    await li.send("answer_invite", {"accept": True})
    await li.send("stop_speaking")
    await host.send("invite_to_speak", {"participant_id": host_id})
    await host.send("invite_to_speak", {"participant_id": "nobody"})
    await host.send("revoke_speaking", {"participant_id": li_id})
    await host.send("invite_to_speak", {"participant_id": li_id, "video": "yes"})
    await li.send("answer_invite", {})

    assert codes(han) == [("invite_to_speak", "forbidden")]
    assert codes(li) == [
        ("answer_invite", "no_invite"),
        ("stop_speaking", "not_speaking"),
        ("answer_invite", "invalid_payload"),
    ]
    assert codes(host) == [
        ("invite_to_speak", "not_a_listener"),
        ("invite_to_speak", "not_found"),
        ("revoke_speaking", "not_speaking"),
        ("invite_to_speak", "invalid_payload"),
    ]
    assert li.of("error")[0]["message"] == "Nobody has invited you to speak."
    assert host.of("error")[0]["message"] == "Host may speak already."


async def test_a_review_has_no_invitations_to_speak(rooms_world: World) -> None:
    room = await rooms_world.session(kind="review", lobby=False)
    host = await rooms_world.enter(room, invite=await rooms_world.invite(room, Role.HOST, "H"))

    await host.send("invite_to_speak", {"participant_id": host.me["participant_id"]})

    assert codes(host) == [("invite_to_speak", "not_here")]


# the media plane


@pytest.fixture(scope="module")
def clip() -> Clip:
    return encode_clip(seconds=1, width=160, height=120, bitrate=200_000)


@pytest.fixture
async def media(rooms_world: World, clip: Clip) -> AsyncIterator[MediaWorld]:
    media = MediaWorld(rooms_world, clip)
    yield media
    await media.close()


async def test_media_a_listener_is_forwarded_only_while_they_have_the_floor(
    media: MediaWorld,
) -> None:
    room = await media.world.session(kind="class", lobby=False)
    host = await media.user(room, Role.HOST, "Host")
    li = await media.user(room, Role.ATTENDEE, "Li Lei")
    bob = await media.user(room, Role.ATTENDEE, "Bob")
    for user in (li, bob):
        await user.start()
    router = media.world.live.rooms[room.session_id].media.router

    before = await li.publish()
    await _no_longer_publishing(li)
    unheard = bob.viewer.count(li.participant_id, "audio")
    sources_before = list(router.sources.values())
    await host.peer.send("invite_to_speak", {"participant_id": li.participant_id, "video": True})
    await li.peer.send("answer_invite", {"accept": True})
    granted = await li.publish()
    await steady(bob, li, "audio")
    await steady(bob, li, "video")
    await host.peer.send("revoke_speaking", {"participant_id": li.participant_id})
    await li.peer.wait_for("media_closed")

    assert before is None
    assert li.errors() == ["forbidden", "forbidden", "forbidden"]  # set_mic, set_camera, offer
    assert (unheard, sources_before) == (0, [])
    assert granted is not None and granted["refused"] == []
    assert (await stalled(bob, li, "audio"), await stalled(bob, li, "video")) == (0, 0)
    assert li.peer.of("media_closed")[0]["reason"] == "stage"
    assert [s for s in router.sources.values() if s.participant_id == li.participant_id] == []
    await until(lambda: bob.peer.of("subscribe_offer")[-1]["tracks"] == [])


async def _no_longer_publishing(user: MediaUser) -> None:
    """Close a refused publisher (its offer got no answer) before publishing again."""
    assert user.publisher is not None
    await user.publisher.close()

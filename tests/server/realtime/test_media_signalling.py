"""Media in the live room, end to end: the room's Socket.IO connection signals real aiortc
clients through the SFU (server/media). Publishing, subscribing and renegotiating, publish
rights, host mute and stop video, the active speaker, the media's lifecycle (no task left
behind), malformed input, ICE servers. Everything on 127.0.0.1."""

import asyncio
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from rooms.outbox import Group, Send
from rooms.protocol import MEDIA_EVENTS, PUBLISH_NEEDS
from rooms.roles import Capability, Kind, Role, capabilities, roles_for
from server.media import PRIVATE_NETWORKS, CandidatePolicy, IceServer, MediaConfig
from server.realtime import signalling
from server.realtime.live import LiveRoom
from server.realtime.signalling import RoomMedia, media_config
from server.settings import Settings
from server.store import Store
from tests.server.media.synthetic import Clip, encode_clip
from tests.server.realtime.media_world import LOOPBACK, MediaUser, MediaWorld, until
from tests.server.realtime.room_world import NAMESPACE, Room, World

C = Capability
MEDIA_TASK = "room-media:"


@pytest.fixture(scope="module")
def clip() -> Clip:
    return encode_clip(seconds=1, width=160, height=120, bitrate=200_000)


@pytest.fixture
async def media(rooms_world: World, clip: Clip) -> AsyncIterator[MediaWorld]:
    media = MediaWorld(rooms_world, clip)
    yield media
    await media.close()


def live_room(media: MediaWorld, room: Room) -> LiveRoom:
    return media.world.live.rooms[room.session_id]


async def steady(user: MediaUser, of: MediaUser, kind: str, *, at_least: int = 10) -> int:
    """Wait until ``user`` receives ``of``'s media of this kind; the packets so far."""
    await until(lambda: user.viewer.count(of.participant_id, kind) >= at_least)
    return user.viewer.count(of.participant_id, kind)


async def stalled(user: MediaUser, of: MediaUser, kind: str) -> int:
    """Packets of ``of``'s ``kind`` that reach ``user`` in half a second, once in-flight
    packets have landed."""
    await asyncio.sleep(0.15)
    before = user.viewer.count(of.participant_id, kind)
    await asyncio.sleep(0.5)
    return user.viewer.count(of.participant_id, kind) - before


# publishing and subscribing


async def test_media_a_publisher_reaches_two_subscribers_through_the_room(
    media: MediaWorld,
) -> None:
    room = await media.world.session(lobby=False)
    alice = await media.user(room, Role.PRESENTER, "Alice")
    bob = await media.user(room, Role.ATTENDEE, "Bob")
    cai = await media.user(room, Role.OBSERVER, "Cai")

    started = [await u.start() for u in (alice, bob, cai)]
    answer = await alice.publish()
    for viewer in (bob, cai):
        await until(lambda v=viewer: v.viewer.frames(alice.participant_id, "video") >= 20)
        await steady(viewer, alice, "audio", at_least=25)

    assert started == [{"ice_servers": [], "active_speaker": None}] * 3
    assert answer is not None and answer["refused"] == []
    [offer] = bob.peer.of("subscribe_offer")
    assert sorted((t["kind"], t["participant_id"]) for t in offer["tracks"]) == [
        ("audio", alice.participant_id),
        ("video", alice.participant_id),
    ]
    assert offer["revision"] == 1
    assert alice.peer.of("subscribe_offer") == []  # nobody else publishes
    assert [u.errors() for u in (alice, bob, cai)] == [[], [], []]


async def test_media_a_second_publisher_renegotiates_the_subscribers(media: MediaWorld) -> None:
    room = await media.world.session(lobby=False)
    alice = await media.user(room, Role.ATTENDEE, "Alice")
    bob = await media.user(room, Role.ATTENDEE, "Bob")
    viewer = await media.user(room, Role.OBSERVER, "Viewer")
    for user in (alice, viewer):
        await user.start()
    await alice.publish()
    await steady(viewer, alice, "video")

    await bob.start()
    await bob.publish()
    await steady(viewer, bob, "video")
    await steady(bob, alice, "video")
    await steady(alice, bob, "audio")

    offers = viewer.peer.of("subscribe_offer")
    assert [o["revision"] for o in offers] == [1, 2]
    assert sorted((t["participant_id"], t["kind"]) for t in offers[1]["tracks"]) == sorted(
        [(p, k) for p in (alice.participant_id, bob.participant_id) for k in ("audio", "video")]
    )
    assert viewer.errors() == []


async def test_media_a_publisher_leaving_is_renegotiated_away(media: MediaWorld) -> None:
    room = await media.world.session(lobby=False)
    alice = await media.user(room, Role.ATTENDEE, "Alice")
    bob = await media.user(room, Role.ATTENDEE, "Bob")
    await bob.start()
    await alice.start()
    await alice.publish()
    await steady(bob, alice, "video")
    router = live_room(media, room).media.router

    await alice.peer.close()
    await bob.peer.wait_for("subscribe_offer", 2)

    assert bob.peer.of("subscribe_offer")[1]["tracks"] == []
    assert await stalled(bob, alice, "video") == 0
    assert (list(router.peers), router.sources) == ([bob.participant_id], {})


async def test_media_screen_share_is_announced_as_a_screen(media: MediaWorld) -> None:
    room = await media.world.session(lobby=False)
    alice = await media.user(room, Role.PRESENTER, "Alice")
    bob = await media.user(room, Role.ATTENDEE, "Bob")
    for user in (alice, bob):
        await user.start()

    await alice.publish(screen=True)
    await until(lambda: bob.viewer.frames(alice.participant_id, "screen") >= 10)

    [offer] = bob.peer.of("subscribe_offer")
    assert sorted(t["kind"] for t in offer["tracks"]) == ["audio", "screen"]


# publish rights


async def test_media_an_observer_cannot_publish(media: MediaWorld) -> None:
    room = await media.world.session(lobby=False)
    olga = await media.user(room, Role.OBSERVER, "Olga")
    await olga.start()

    answer = await olga.publish(devices_on=False)

    assert answer is None
    assert olga.peer.of("error") == [
        {"code": "forbidden", "message": "Your role cannot publish here.", "event": "publish_offer"}
    ]
    assert live_room(media, room).media.router.sources == {}


async def test_media_an_attendee_may_send_audio_but_not_a_screen(media: MediaWorld) -> None:
    room = await media.world.session(lobby=False)
    pia = await media.user(room, Role.ATTENDEE, "Pia")
    bob = await media.user(room, Role.ATTENDEE, "Bob")
    for user in (pia, bob):
        await user.start()

    answer = await pia.publish(screen=True)
    await steady(bob, pia, "audio")

    assert answer is not None and answer["refused"] == ["screen"]
    assert answer["sdp"].count("a=inactive") == 1
    assert pia.peer.of("error") == [
        {
            "code": "publish_refused",
            "message": "Your role cannot share a screen here.",
            "event": "publish_offer",
        }
    ]
    router = live_room(media, room).media.router
    assert [s.kind for s in router.sources.values()] == ["audio"]
    assert [t["kind"] for t in bob.peer.of("subscribe_offer")[0]["tracks"]] == ["audio"]


async def test_media_a_demoted_publisher_loses_their_media(media: MediaWorld) -> None:
    room = await media.world.session(lobby=False)
    host = await media.user(room, Role.HOST, "Host")
    alice = await media.user(room, Role.ATTENDEE, "Alice")
    await alice.start()
    await alice.publish()

    await host.peer.send("set_role", {"participant_id": alice.participant_id, "role": "observer"})
    await alice.peer.wait_for("media_closed")

    assert alice.peer.of("media_closed") == [
        {
            "reason": "role",
            "message": "Your new role cannot send what you were sending; start your media again.",
        }
    ]
    assert live_room(media, room).media.router.peers == {}


@pytest.mark.parametrize(("kind", "role"), [(k, r) for k in Kind for r in roles_for(k)])
async def test_media_events_are_allowed_or_refused_as_the_table_says(
    rooms_world: World, kind: Kind, role: Role
) -> None:
    room = await rooms_world.session(kind=kind, lobby=False)
    subject = await rooms_world.enter(room, invite=await rooms_world.invite(room, role, "S"))
    target = await rooms_world.enter(
        room, invite=await rooms_world.invite(room, Role.OBSERVER, "T")
    )
    payloads = {
        "publish_offer": {"sdp": "not a session description"},  # refused before any media
        "subscribe_answer": {"sdp": "v=0\r\n", "revision": 1},
        "ice_candidate": {"connection": "publish", "candidate": ""},
        "stop_video": {"participant_id": target.me["participant_id"]},
    }
    order = ["media_start", "publish_offer", "subscribe_answer", "ice_candidate", "stop_video"]

    for event in [*order, "media_stop"]:
        await subject.send(event, payloads.get(event, {}))

    caps = capabilities(kind, role)
    publisher = any(need in caps for need in PUBLISH_NEEDS.values())
    assert sorted(MEDIA_EVENTS) == sorted([*order, "media_stop"])
    assert [(e["event"], e["code"]) for e in subject.of("error")] == [
        ("publish_offer", "bad_sdp" if publisher else "forbidden"),
        ("subscribe_answer", "bad_state"),
        ("ice_candidate", "bad_state"),
        *([] if C.MODERATE in caps else [("stop_video", "forbidden")]),
    ]


# what hosts decide


async def test_media_host_mute_stops_the_audio_and_unmute_restores_it(media: MediaWorld) -> None:
    room = await media.world.session(lobby=False)
    host = await media.user(room, Role.HOST, "Host")
    alice = await media.user(room, Role.ATTENDEE, "Alice")
    bob = await media.user(room, Role.ATTENDEE, "Bob")
    for user in (alice, bob):
        await user.start()
    await alice.publish()
    await steady(bob, alice, "audio")

    await host.peer.send("mute", {"participant_id": alice.participant_id})
    muted = await stalled(bob, alice, "audio")
    video_went_on = await stalled(bob, alice, "video") > 0
    await alice.peer.send("set_mic", {"on": True})
    heard = await steady(bob, alice, "audio")
    await steady(bob, alice, "audio", at_least=heard + 10)

    assert (muted, video_went_on) == (0, True)
    assert alice.peer.of("mute_request") == [{"by": "Host"}]
    updates = [
        (u["participant"]["mic"], u["participant"]["camera"])
        for u in bob.peer.of("participant_updated")
    ]  # mic on, camera on, muted by the host, mic on again by herself:
    assert updates == [(True, False), (True, True), (False, True), (True, True)]


async def test_media_mute_all_and_the_participants_own_mute(media: MediaWorld) -> None:
    room = await media.world.session(lobby=False)
    host = await media.user(room, Role.HOST, "Host")
    alice = await media.user(room, Role.ATTENDEE, "Alice")
    for user in (host, alice):
        await user.start()
    await alice.publish()
    await host.publish()
    await steady(host, alice, "audio")
    await steady(alice, host, "audio")

    await host.peer.send("mute_all")
    all_muted = (await stalled(host, alice, "audio"), await stalled(alice, host, "audio") > 0)
    await alice.peer.send("set_mic", {"on": True})
    await steady(
        host, alice, "audio", at_least=host.viewer.count(alice.participant_id, "audio") + 5
    )
    await alice.peer.send("set_mic", {"on": False})
    own_mute = await stalled(host, alice, "audio")

    assert all_muted == (0, True)  # the moderator was not muted
    assert own_mute == 0


async def test_media_host_stops_a_camera_and_a_screen(media: MediaWorld) -> None:
    room = await media.world.session(lobby=False)
    host = await media.user(room, Role.HOST, "Host")
    alice = await media.user(room, Role.PRESENTER, "Alice")
    pia = await media.user(room, Role.PRESENTER, "Pia")
    for user in (host, alice, pia):
        await user.start()
    await alice.publish()
    await pia.publish(screen=True)
    await steady(host, alice, "video")
    await steady(host, pia, "screen")

    await host.peer.send("stop_video", {"participant_id": alice.participant_id})
    await host.peer.send("stop_video", {"participant_id": pia.participant_id, "screen": True})
    stopped = (
        await stalled(host, alice, "video"),
        await stalled(host, alice, "audio") > 0,
        await stalled(host, pia, "screen"),
    )
    await alice.peer.send("set_camera", {"on": True})
    await steady(
        host, alice, "video", at_least=host.viewer.count(alice.participant_id, "video") + 5
    )

    assert stopped == (0, True, 0)
    assert alice.peer.of("stop_video_request") == [{"by": "Host", "screen": False}]
    assert pia.peer.of("stop_video_request") == [{"by": "Host", "screen": True}]


async def test_media_the_active_speaker_is_announced_to_the_room(media: MediaWorld) -> None:
    room = await media.world.session(lobby=False)
    quiet = await media.user(room, Role.ATTENDEE, "Quiet")
    loud = await media.user(room, Role.ATTENDEE, "Loud")
    listener = await media.user(room, Role.OBSERVER, "Listener")
    for user in (quiet, loud):
        await user.start()
    await quiet.publish(level=70)  # -70 dBov: below the threshold
    await loud.publish(level=20)

    await listener.peer.wait_for("active_speaker")
    await asyncio.sleep(0.4)

    assert listener.peer.of("active_speaker") == [{"participant_id": loud.participant_id}]
    assert quiet.peer.of("active_speaker") == [{"participant_id": loud.participant_id}]


@dataclass
class FakeClock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


async def test_media_the_active_speaker_is_told_on_change_at_most_every_300_ms(
    media: MediaWorld,
) -> None:
    room = await media.world.session(lobby=False)
    alice = await media.user(room, Role.ATTENDEE, "Alice")
    bob = await media.user(room, Role.ATTENDEE, "Bob")
    told: list[Send] = []

    async def deliver(send: Send) -> None:
        told.append(send)

    clock = FakeClock()
    live = live_room(media, room)
    room_media = RoomMedia(
        room=live.room, config=LOOPBACK, ice_servers=(), deliver=deliver, clock=clock
    )

    def speakers() -> list[object]:
        return [s.payload["participant_id"] for s in told if s.event == "active_speaker"]

    try:
        await room_media.start(alice.peer.client.get_sid(NAMESPACE))  # the media task starts
        room_media.router.heard(alice.participant_id, 20)
        await until(lambda: speakers() == [alice.participant_id])
        clock.now = 0.25
        room_media.router.heard(bob.participant_id, 10)  # louder: the new speaker...
        await asyncio.sleep(0.2)
        held_back = speakers()
        clock.now = 0.31  # ...told once 300 ms have passed
        await until(lambda: len(speakers()) == 2)
        clock.now = 0.7
        room_media.router.heard(bob.participant_id, 10)  # no change: nothing to tell
        await asyncio.sleep(0.1)
    finally:
        await room_media.close()

    assert held_back == [alice.participant_id]
    assert speakers() == [alice.participant_id, bob.participant_id]
    assert [s.group for s in told if s.event == "active_speaker"] == [Group.ROOM, Group.ROOM]


# ICE servers


async def test_media_ice_servers_come_from_the_settings_and_nowhere_else(
    aiohttp_server: Any, settings: Settings, store: Store
) -> None:
    servers = (
        {"urls": ["stun:127.0.0.1:3478"]},
        {"urls": "turn:127.0.0.1:3478", "username": "u", "credential": "c"},
    )
    world = await World.start(aiohttp_server, replace(settings, ice_servers=servers), store)
    try:
        room = await world.session(lobby=False)
        peer = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Li"))
        await peer.send("media_start")
        config = world.live.media_config
    finally:
        await world.stop()

    assert peer.of("media_started") == [{"ice_servers": list(servers), "active_speaker": None}]
    assert config.ice_servers == (IceServer(urls=("stun:127.0.0.1:3478",)),)  # STUN for us
    assert media_config(settings) == MediaConfig()  # none by default: never a public server
    guarded = media_config(
        replace(settings, media_refuse_private=True, media_host_addresses=("10.0.0.5",))
    )
    assert guarded.candidates == CandidatePolicy(refused=PRIVATE_NETWORKS)
    assert guarded.host_addresses == ("10.0.0.5",)


# one tab holds the media


async def test_media_moves_to_the_tab_that_starts_it_last(media: MediaWorld) -> None:
    room = await media.world.session(lobby=False)
    token = await media.world.invite(room, Role.ATTENDEE, "Li Lei")
    first = await media.world.enter(room, invite=token)
    second = await media.world.enter(room, invite=token)

    await first.send("media_start")
    await second.send("media_start")
    await first.send("media_stop")

    assert first.of("media_closed") == [
        {"reason": "moved", "message": "Your media moved to another window of yours."}
    ]
    assert [(e["event"], e["code"]) for e in first.of("error")] == [
        ("media_stop", "media_not_started")
    ]
    seats = live_room(media, room).media.seats
    assert [seat.sid for seat in seats.values()] == [second.client.get_sid("/room")]


# the media's life: nothing left behind


# Tasks that stand in for others as time goes by, each replaced by a new one: Engine.IO's
# per-socket waits (client and server side) and our send queue's, at every message; the
# server's wait for a socket's next ping, at every pong; the show watcher's poll of its
# channel, every second (server.realtime.live_shows.POLL). Also any task that only waits on
# an asyncio primitive (``Event.wait``, ``Queue.get``: what ``wait_for`` and ``ensure_future``
# make of one), as its owner is a task of its own, counted as such. A test slower than a
# second (a loaded machine) sees new ones of all these that are not the media's.
TRANSIENT = frozenset(
    {
        "ClientWebSocketResponse.receive",
        "AsyncSocket._websocket_handler.<locals>.websocket_wait",
        "SendQueue.get",
        "AsyncSocket._send_ping",
        "PubSub.get_message",
    }
)
ASYNCIO = os.path.dirname(asyncio.__file__)


def tasks_but_the_rooms() -> set[asyncio.Task[Any]]:
    """Every task but the room's own media task (it ends with the room, see below) and the
    transient ones (above)."""
    return {
        task
        for task in asyncio.all_tasks()
        if not task.get_name().startswith(MEDIA_TASK)
        and task.get_coro().__qualname__ not in TRANSIENT  # type: ignore[union-attr]
        and not task.get_coro().cr_code.co_filename.startswith(ASYNCIO)  # type: ignore[union-attr]
    }


@pytest.mark.parametrize("how", ["leave", "remove", "lobby", "media_stop"])
async def test_media_of_a_participant_who_goes_is_closed_with_every_task(
    media: MediaWorld, how: str
) -> None:
    room = await media.world.session(lobby=False)
    host = await media.user(room, Role.HOST, "Host")
    alice = await media.user(room, Role.ATTENDEE, "Alice")
    bob = await media.user(room, Role.ATTENDEE, "Bob")
    await alice.start()
    await alice.publish()
    await until(
        lambda: sum(s.packets for s in live_room(media, room).media.router.sources.values()) > 50
    )
    before = tasks_but_the_rooms()
    await bob.start()
    await steady(bob, alice, "video")
    bob_peer = live_room(media, room).media.router.peers[bob.participant_id]
    running = len(tasks_but_the_rooms() - before)

    if how == "leave":
        await bob.peer.close()
    elif how in ("remove", "lobby"):
        event = "remove" if how == "remove" else "send_to_lobby"
        await host.peer.send(event, {"participant_id": bob.participant_id})
    else:
        await bob.peer.send("media_stop")
    await until(lambda: bob_peer.closed)  # by the server, while bob's client is still up
    await bob.close_media()
    await until(
        lambda: tasks_but_the_rooms() <= before, left=lambda: tasks_but_the_rooms() - before
    )

    assert running > 10  # ICE, DTLS, RTP and RTCP tasks of both sides; all of them ended
    assert bob_peer.closed
    assert list(live_room(media, room).media.router.peers) == [alice.participant_id]
    lobby = [
        {"reason": "lobby", "message": "Your media stopped: a host moved you back to the lobby."}
    ]
    assert bob.peer.of("media_closed") == (lobby if how == "lobby" else [])


async def test_media_of_a_session_that_ends_is_closed_with_every_task(media: MediaWorld) -> None:
    room = await media.world.session(lobby=False)
    host = await media.user(room, Role.HOST, "Host")
    alice = await media.user(room, Role.ATTENDEE, "Alice")
    bob = await media.user(room, Role.ATTENDEE, "Bob")
    before = tasks_but_the_rooms()  # no media yet: the room has no media task
    for user in (alice, bob):
        await user.start()
    await alice.publish()
    await steady(bob, alice, "video")
    router = live_room(media, room).media.router

    await host.peer.emit("end_session", {})
    for user in (host, alice, bob):
        await user.peer.gone()
        await user.close_media()
    rooms = lambda: {t for t in asyncio.all_tasks() if t.get_name().startswith(MEDIA_TASK)}  # noqa: E731
    await until(
        lambda: tasks_but_the_rooms() <= before and not rooms(),
        left=lambda: (tasks_but_the_rooms() - before) | rooms(),
    )

    assert (router.peers, router.sources) == ({}, {})
    assert room.session_id not in media.world.live.rooms


# what clients send wrong


BAD_HOSTS = [
    ("example.org", 5000),  # not an IP address
    ("169.254.169.254", 80),  # cloud metadata
    ("169.254.1.1", 5000),  # link-local
    ("224.0.0.1", 5000),  # multicast
    ("0.0.0.0", 5000),  # unspecified
    ("127.0.0.1", 0),  # port out of range
    ("127.0.0.1", 70000),
]
BEFORE_MEDIA_START = [
    ("publish_offer", {"sdp": "v=0\r\n"}),
    ("subscribe_answer", {"sdp": "v=0\r\n", "revision": 1}),
    ("ice_candidate", {"connection": "publish", "candidate": ""}),
    ("media_stop", {}),
]


def published(candidate: str) -> dict[str, str]:
    return {"connection": "publish", "candidate": candidate}


def corpus(offer: str) -> list[tuple[str, dict[str, Any], str]]:
    """(event, payload, the error code expected); the room must stay up through all of it."""
    no_fingerprint = "\r\n".join(
        line for line in offer.splitlines() if not line.startswith("a=fingerprint")
    )
    datachannel = "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    host = "candidate:1 1 udp 2122260223 {host} {port} typ host"
    return [
        ("publish_offer", {"sdp": "hello"}, "bad_sdp"),
        ("publish_offer", {"sdp": "v=0\r\n"}, "bad_sdp"),
        ("publish_offer", {"sdp": datachannel}, "bad_sdp"),
        ("publish_offer", {"sdp": no_fingerprint}, "bad_sdp"),
        ("publish_offer", {"sdp": offer + "a=x:" + "y" * 70_000}, "payload_too_large"),
        ("publish_offer", {"sdp": 5}, "invalid_payload"),
        ("publish_offer", {"sdp": offer, "screen_mids": "0"}, "invalid_payload"),
        ("subscribe_answer", {"sdp": offer, "revision": 7}, "bad_state"),
        ("subscribe_answer", {"sdp": offer, "revision": 0}, "invalid_payload"),
        *[
            ("ice_candidate", published(host.format(host=h, port=p)), "bad_candidate")
            for h, p in BAD_HOSTS
        ],
        ("ice_candidate", published("candidate:garbage"), "bad_candidate"),
        ("ice_candidate", {"connection": "subscribe", "candidate": ""}, "bad_state"),
        ("ice_candidate", {"connection": "sideways", "candidate": ""}, "invalid_payload"),
        ("ice_candidate", published("x" * 600), "invalid_payload"),
    ]


async def test_media_malformed_input_gets_errors_and_the_room_stays_up(media: MediaWorld) -> None:
    room = await media.world.session(lobby=False)
    alice = await media.user(room, Role.ATTENDEE, "Alice")
    bob = await media.user(room, Role.ATTENDEE, "Bob")
    for event, payload in BEFORE_MEDIA_START:
        await alice.peer.send(event, payload)
    await alice.start()
    await alice.publish()
    cases = corpus(alice.publisher.pc.localDescription.sdp)  # type: ignore[union-attr]

    for event, payload, _ in cases:
        await alice.peer.send(event, payload)
    await bob.start()
    await steady(bob, alice, "video")
    trickled = "candidate:2 1 udp 2122260223 127.0.0.1 45000 typ host"
    for candidate in (trickled, ""):  # bob's own candidates, after his answer: taken
        await bob.peer.send("ice_candidate", {"connection": "subscribe", "candidate": candidate})
    chat = await alice.peer.call("chat", {"text": "still here", "client_id": "c-1"})

    got = [(e["event"], e["code"]) for e in alice.peer.of("error")]
    assert got == [(event, "media_not_started") for event, _ in BEFORE_MEDIA_START] + [
        (event, code) for event, _, code in cases
    ]
    assert chat["duplicate"] is False
    assert bob.errors() == []


async def test_media_too_many_candidates_are_refused(media: MediaWorld) -> None:
    room = await media.world.session(lobby=False)
    alice = await media.user(room, Role.ATTENDEE, "Alice")
    await alice.start()
    await alice.publish()
    line = "candidate:1 1 udp 2122260223 127.0.0.1 {port} typ host"
    offer = alice.publisher.pc.localDescription.sdp  # type: ignore[union-attr]
    in_offer = len({tuple(c.split()[4:6]) for c in offer.splitlines() if c.startswith("a=cand")})

    for port in range(40000, 40000 + 66 - in_offer):
        await alice.peer.emit(
            "ice_candidate", {"connection": "publish", "candidate": line.format(port=port)}
        )
    await alice.peer.send("ice_candidate", {"connection": "publish", "candidate": ""})

    assert alice.errors("ice_candidate") == ["too_many_candidates"] * 2


async def test_media_an_offer_aiortc_cannot_apply_closes_the_media(media: MediaWorld) -> None:
    room = await media.world.session(lobby=False)
    alice = await media.user(room, Role.ATTENDEE, "Alice")
    await alice.start()
    offer = await media.publisher().offer()
    unknown_codec = re.sub(r"(a=rtpmap:\d+) \S+", r"\1 X-NOTHING/90000", offer)

    await alice.peer.send("publish_offer", {"sdp": unknown_codec})
    await alice.start()
    answer = await alice.publish()

    assert alice.errors() == ["negotiation_failed"]
    assert alice.peer.of("media_closed") == [
        {"reason": "failed", "message": "The media connection failed; starting it again may help."}
    ]
    assert answer is not None and answer["refused"] == []


async def test_media_an_offer_left_unanswered_closes_the_media_and_it_starts_again(
    media: MediaWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(signalling, "ANSWER_WITHIN", 0.5)  # seconds, 20 in the server
    room = await media.world.session(lobby=False)
    alice = await media.user(room, Role.ATTENDEE, "Alice")
    await alice.start()
    await alice.publish()
    bob = await media.user(room, Role.ATTENDEE, "Bob")
    bob.answers = False

    await bob.start()
    await bob.peer.wait_for("media_closed")
    bob.answers = True
    await bob.start()
    await until(lambda: bob.viewer.frames(alice.participant_id, "video") >= 5)

    assert bob.peer.of("media_closed") == [
        {"reason": "failed", "message": "The media connection failed; starting it again may help."}
    ]
    assert len(bob.peer.of("subscribe_offer")) == 2  # the one left, the one answered
    assert alice.peer.of("media_closed") == []  # whoever answers is not disturbed

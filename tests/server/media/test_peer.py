"""A participant's media peer: publish rights, refused input, candidates, closing everything."""

import asyncio
import re
import threading

import pytest

from server.media import MediaError
from tests.server.media.conftest import Room, nobody, until
from tests.server.media.synthetic import SyntheticPublisher


def only(*kinds: str):  # noqa: ANN201
    return lambda kind: kind in kinds


async def test_peer_role_without_publish_rights_has_its_tracks_refused(room: Room) -> None:
    publisher = SyntheticPublisher(room.clip)
    room.clients.append(publisher)
    peer = room.router.open_peer("olga", may_publish=nobody)

    answer = await peer.publish(await publisher.offer())
    await publisher.accept(answer.sdp)

    assert answer.refused == ("video", "audio")
    assert answer.sdp.count("a=inactive") == 2
    assert room.router.sources == {}
    assert await room.router.open_peer("bob", may_publish=nobody).subscribe() is None


async def test_peer_screen_share_needs_its_own_right(room: Room) -> None:
    publisher = SyntheticPublisher(room.clip)
    room.clients.append(publisher)
    peer = room.router.open_peer("pia", may_publish=only("audio", "video"))
    offer = await publisher.offer()
    video_mid = publisher.pc.getTransceivers()[0].mid

    answer = await peer.publish(offer, screen_mids={video_mid})

    assert answer.refused == ("screen",)
    assert [s.kind for s in room.router.sources.values()] == ["audio"]


async def test_peer_bad_offer_is_refused_and_the_room_stays_up(room: Room) -> None:
    peer = room.router.open_peer("alice", may_publish=lambda kind: True)

    with pytest.raises(MediaError) as refused:
        await peer.publish("v=0\r\nm=video nine UDP/TLS/RTP/SAVPF 96\r\n")
    await room.publish("alice")
    viewer = await room.watch("bob")
    await until(lambda: viewer.received["video"].frames >= 5)

    assert refused.value.code == "bad_sdp"


async def test_peer_offer_aiortc_cannot_negotiate_is_refused(room: Room) -> None:
    publisher = SyntheticPublisher(room.clip)
    room.clients.append(publisher)
    offer = re.sub(r"(a=rtpmap:\d+) \S+", r"\1 X-NOTHING/90000", await publisher.offer())
    peer = room.router.open_peer("alice", may_publish=lambda kind: True)

    with pytest.raises(MediaError) as refused:
        await peer.publish(offer)

    assert refused.value.code == "negotiation_failed"
    assert room.router.sources == {}


async def test_peer_candidates_are_checked_and_counted(room: Room) -> None:
    await room.publish("alice")
    peer = room.router.peers["alice"]
    good = "candidate:9 1 udp 2122260223 127.0.0.1 40000 typ host"

    added = [
        await peer.add_candidate("publish", good.replace("40000", str(40000 + n))) for n in range(3)
    ]
    quiet = await peer.add_candidate("publish", "candidate:9 1 tcp 1 127.0.0.1 9 typ host")
    with pytest.raises(MediaError) as bad:
        await peer.add_candidate("publish", good.replace("127.0.0.1", "169.254.169.254"))
    with pytest.raises(MediaError) as early:
        await peer.add_candidate("subscribe", good)
    for n in range(64 - 7):  # the offer's own candidate and the six above count too
        await peer.add_candidate("publish", good.replace("40000", str(41000 + n)))
    with pytest.raises(MediaError) as flood:
        await peer.add_candidate("publish", good.replace("40000", "42000"))

    assert (added, quiet) == ([True, True, True], False)
    assert (bad.value.code, early.value.code, flood.value.code) == (
        "bad_candidate",
        "bad_state",
        "too_many_candidates",
    )
    assert await peer.add_candidate("publish", "") is True  # end of candidates


async def test_peer_answer_without_an_offer_is_refused(room: Room) -> None:
    peer = room.router.open_peer("bob", may_publish=nobody)

    with pytest.raises(MediaError) as refused:
        await peer.subscribed("v=0\r\n")

    assert refused.value.code in {"bad_sdp", "bad_state"}


async def test_peer_subscribe_offers_only_when_the_sources_change(room: Room) -> None:
    await room.publish("alice")
    viewer = await room.watch("bob")
    peer = room.router.peers["bob"]

    unchanged = await peer.subscribe()
    await room.publish("cai")
    changed = await peer.subscribe()
    assert changed is not None
    await peer.subscribed(await viewer.answer(changed))

    assert unchanged is None
    assert sorted(s for _, s in peer.subscriptions()) == sorted(room.router.sources)


async def test_peer_closing_everything_leaves_no_task_or_thread_behind(room: Room) -> None:
    tasks, threads = asyncio.all_tasks(), threading.active_count()
    await room.publish("alice")
    viewers = [await room.watch(f"viewer{n}") for n in range(2)]
    await until(lambda: all(v.received["video"].frames >= 5 for v in viewers))
    running = len(asyncio.all_tasks()) - len(tasks)

    await room.router.close()
    for client in room.clients:
        await client.close()
    room.clients.clear()
    await until(lambda: asyncio.all_tasks() == tasks and threading.active_count() == threads)

    assert running > 10  # there were tasks (ICE, DTLS, RTCP) and they all ended
    assert (room.router.peers, room.router.sources) == ({}, {})


async def test_peer_closed_refuses_further_requests(room: Room) -> None:
    peer = room.router.open_peer("alice", may_publish=lambda kind: True)
    await room.router.close_peer("alice")

    with pytest.raises(MediaError) as refused:
        await peer.subscribe()

    assert refused.value.code == "closed"
    assert room.router.open_peer("alice", may_publish=nobody) is not peer

"""Streaming a room over real sockets: a host streams it to a local nginx RTMP ingest where
the session allows it, everyone sees it live (and anyone joining), the stream is read back
from nginx, the key is sent to nobody; nobody else may, and bad targets are refused in the
person's language."""

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from rooms.roles import Role
from server.realtime.stream_events import StreamEvents
from server.streamer import StreamShape
from tests.server.media.ingest import Ingest, receive, running_ingest
from tests.server.realtime.room_world import Peer, World

KEY = "secret-key-7f3a"
SMALL = StreamShape(size=(320, 180), fps=15, bitrate=300_000)


@pytest.fixture
def ingest(tmp_path: Path) -> Iterator[Ingest]:
    with running_ingest(tmp_path / "nginx") as started:
        yield started


def states(peer: Peer) -> list[str]:
    return [news["state"] for news in peer.of("streaming")]


async def told(peer: Peer, state: str) -> None:
    async with asyncio.timeout(10):
        while state not in states(peer):
            await asyncio.sleep(0.02)


async def test_a_host_streams_the_room_everyone_sees_it_live_and_nobody_gets_the_key(
    rooms_world: World, ingest: Ingest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(StreamEvents, "stream_shape", SMALL)
    world = rooms_world
    room = await world.session(lobby=False, recording_allowed=True)
    host = await world.enter(room, invite=await world.invite(room, Role.HOST, "Host"))
    li = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Li Lei"))
    target = {"url": ingest.url(), "key": KEY}

    refused = await li.call("start_stream", target)
    started = await host.call("start_stream", target)
    again = await host.call("start_stream", target)
    await told(li, "live")
    han = await world.enter(room, invite=await world.invite(room, Role.ATTENDEE, "Han Mei"))
    received = await asyncio.to_thread(receive, f"{ingest.url()}/{KEY}", video_frames=10)
    stopped = await host.call("stop_stream", {})
    await told(li, "stopped")
    not_on = await host.call("stop_stream", {})

    assert refused["error"]["code"] == "forbidden"
    assert (started, stopped) == ({"state": "connecting"}, {"state": "stopped"})
    assert again["error"]["code"] == "already_streaming"
    assert not_on["error"]["code"] == "not_streaming"
    assert states(li) == ["connecting", "live", "stopped"]
    live_news = li.of("streaming")[1]
    assert live_news["live_since"] is not None
    assert han.of("joined")[0]["room"]["streaming"] == live_news
    assert (received.width, received.height, len(received.video)) == (320, 180, 10)
    for peer in (host, li, han):  # the key went to the streamer and nowhere else
        assert KEY not in json.dumps(peer.events, default=str)


async def test_streaming_is_refused_where_not_allowed_and_to_bad_targets(
    rooms_world: World,
) -> None:
    world = rooms_world
    review = await world.session(kind="review", lobby=False)
    chair = await world.enter(
        review, invite=await world.invite(review, Role.HOST, "主席"), auth_extra={"lang": "zh_CN"}
    )
    meeting = await world.session(lobby=False, recording_allowed=True)
    host = await world.enter(
        meeting, invite=await world.invite(meeting, Role.HOST, "主持"), auth_extra={"lang": "zh_CN"}
    )

    not_allowed = await chair.call("start_stream", {"url": "rtmp://127.0.0.1/live", "key": KEY})
    web = await host.call("start_stream", {"url": "http://127.0.0.1/live", "key": KEY})
    spaced = await host.call("start_stream", {"url": "rtmp://127.0.0.1/live", "key": "a b"})
    metadata = await host.call("start_stream", {"url": "rtmp://169.254.169.254/x", "key": KEY})
    too_long = await host.call("start_stream", {"url": "rtmp://h/" + "x" * 1020, "key": KEY})

    assert not_allowed["error"] == {
        "code": "streaming_not_allowed",
        "message": "本评审不允许直播推流。",
        "event": "start_stream",
    }
    assert web["error"]["code"] == "bad_url"
    assert web["error"]["message"] == "推流地址必须是 rtmp:// 或 rtmps:// 地址。"
    assert spaced["error"]["code"] == "bad_key"
    assert metadata["error"]["code"] == "bad_url"
    assert too_long["error"]["code"] == "invalid_payload"
    assert host.of("streaming") == []

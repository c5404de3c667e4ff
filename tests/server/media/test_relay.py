"""Relay links end to end on aiortc: a publisher on the owner's router, viewers on an edge room
fed by a relay link (both ends in this process, on 127.0.0.1; tests/server/test_audiences.py
runs edges as processes of their own)."""

import asyncio
import time

from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from server.media.packets import Packet, vp8_keyframe_start
from server.media.relay import MEDIA_AT, RELAY_PT, LinkKeys, link_session
from server.media.relay_edge import RelayIn
from server.media.relay_owner import RelayOut
from server.media.source import Source
from tests.server.media.conftest import CONFIG, Link, Room, until
from tests.server.media.synthetic import Clip
from tests.server.media.test_forwarding import clip_chunks


async def test_relay_edge_viewers_get_the_publishers_own_media_without_gaps(
    room: Room, link: Link
) -> None:
    await room.publish("alice")
    decoding = await link.watch("bob", decode=True)
    counting = await link.watch("cai")

    await until(lambda: len(decoding.decoded) >= 30 and decoding.decoded_audio >= 40)
    await until(lambda: counting.received["video"].frames >= 30)

    assert {(f.width, f.height) for f in decoding.decoded} == {(320, 240)}
    video, audio = counting.received["video"], counting.received["audio"]
    assert (video.gaps, audio.gaps) == (0, 0)
    assert vp8_keyframe_start(video.payloads[0])
    assert {p[4:] for p in video.payloads} <= clip_chunks(room.clip)
    assert set(audio.payloads) <= set(room.clip.audio)
    assert set(audio.levels) == {(False, 30)}  # the owner's audio level, carried over
    assert (link.out.forged, link.edge.link.forged) == (0, 0)


async def test_relay_a_datagram_under_another_key_is_dropped(room: Room, link: Link) -> None:
    await room.publish("alice")
    viewer = await link.watch("bob")
    await until(lambda: viewer.received["video"].frames >= 5)
    tap = next(iter(link.out.taps.values()))
    forger = link_session(LinkKeys.new().down, outbound=True)
    forged = bytes((0x80, RELAY_PT)) + (tap.seq + 1).to_bytes(2) + bytes(4)
    forged += tap.ssrc.to_bytes(4) + bytes(4) + b"forged payload"

    link.out.send(forger.protect(forged))
    await until(lambda: link.edge.link.forged == 1)

    payloads = viewer.received["video"].payloads + viewer.received["audio"].payloads
    assert b"forged payload" not in payloads


async def test_relay_a_late_viewer_on_the_edge_starts_with_a_key_frame_asked_of_the_publisher(
    room: Room, link: Link
) -> None:
    publisher = await room.publish("alice")
    early = await link.watch("bob")
    await until(lambda: early.received["video"].frames >= 40)  # past the clip's only key frame
    asked_before = publisher.keyframe_requests

    late = await link.watch("cai", decode=True)
    await until(lambda: len(late.decoded) >= 1, within=2.0)

    assert publisher.keyframe_requests == asked_before + 1  # up the link, throttled to one
    assert early.received["video"].gaps == 0


async def test_relay_a_datagram_lost_on_the_link_is_asked_for_again(room: Room, link: Link) -> None:
    await room.publish("alice")
    viewer = await link.watch("bob")
    video = viewer.received["video"]
    await until(lambda: video.frames >= 10)
    received, lost = link.edge.link.received, []

    def lossy(start: int, size: int) -> None:
        if lost or size < 500:
            received(start, size)
        else:
            lost.append(start)  # a video datagram vanishes on the way, once

    link.edge.link.received = lossy  # type: ignore[method-assign]
    await until(lambda: link.edge.link.nacked == 1)
    await until(lambda: video.frames >= 30)

    assert video.gaps == 0


async def test_relay_a_muted_publisher_reaches_no_edge_viewer_until_unmuted(
    room: Room, link: Link, clip: Clip
) -> None:
    await room.publish("alice")
    viewer = await link.watch("bob", decode=True)
    await until(lambda: len(viewer.decoded) >= 5)

    room.router.set_muted("alice", "video", True)  # the owner's rule, enforced on the owner
    await asyncio.sleep(0.2)
    muted_at = len(viewer.received["video"].seqs) + len(viewer.decoded)
    await asyncio.sleep(0.5)
    during = len(viewer.received["video"].seqs) + len(viewer.decoded)
    room.router.set_muted("alice", "video", False)
    await until(lambda: len(viewer.decoded) >= muted_at + 10, within=3.0)

    assert during == muted_at


class Recording:
    """A stand-in for a viewer's outlet on the edge: keeps every batch it is sent."""

    def __init__(self) -> None:
        self.batches: list[list[Packet]] = []

    def send(self, packets: list[Packet], ext: bytes, ntp: int) -> None:
        self.batches.append(packets)

    def restart(self) -> None:
        """Nothing to start over."""

    def detach(self) -> None:
        """Nothing to let go."""


async def test_relay_a_frame_sent_as_one_segmented_send_reaches_the_edge_whole() -> None:
    keys = LinkKeys.new()
    out = RelayOut(keys=keys, host="127.0.0.1")
    edge = RelayIn(keys=keys, host="127.0.0.1", config=CONFIG, clock=time.monotonic)
    try:
        vp8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96)
        source = Source(
            participant_id="alice", kind="video", codec=vp8, stream_id="s", config=CONFIG,
            clock=time.monotonic, heard=lambda participant_id, level: None,
        )  # fmt: skip
        out.relay([source])
        out.connect(edge.address)
        edge.connect(out.address)
        edge.follow(out.describe())
        viewer = Recording()
        edge.sources[source.source_id].outlets.append(viewer)  # type: ignore[arg-type]
        frames = [
            [(100 + 3 * f + i, 3000 * f, int(i == 2), bytes([f, i]) * size, i == 0 and f == 0, 0)
             for i, size in enumerate((600, 600, 150))]
            for f in range(3)
        ]  # fmt: skip
        tap = out.taps[source.source_id]

        for frame in frames:
            tap.send(frame, b"", 0)  # as the source's outlets are sent a frame
        await until(lambda: len(viewer.batches) == 3)

        assert viewer.batches == frames  # each datagram unprotected where it lay in the read
        sent = [item[1] for item in tap.history if item is not None]
        assert sorted(len(d) - MEDIA_AT for d in sent) == sorted(
            len(p[3]) + 16 for frame in frames for p in frame
        )  # each datagram carries a 128-bit authentication tag (AES-GCM)
        assert (edge.forged, edge.nacked) == (0, 0)
    finally:
        out.close()
        edge.close()


async def test_relay_a_link_whose_edge_end_closed_is_refused_once(room: Room, link: Link) -> None:
    refused: list[str] = []
    link.out.on_refused = lambda: refused.append("refused")
    await room.publish("alice")
    viewer = await link.watch("bob")
    await until(lambda: viewer.received["video"].frames >= 5)
    assert refused == []  # a link in use is never refused

    link.edge.link.close()  # as when the edge's process dies: the kernel answers ICMP
    await until(lambda: refused == ["refused"])
    await asyncio.sleep(0.3)  # the owner goes on sending into it meanwhile

    assert refused == ["refused"] and link.out.was_refused

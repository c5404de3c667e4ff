"""Media through the SFU, end to end on aiortc: a synthetic publisher, viewers, the room's rules.

Everything runs in this process on 127.0.0.1, with no ICE server: no packet leaves the machine.
"""

import asyncio

from aiortc import RTCRtpSender, RTCSessionDescription, VideoStreamTrack

from server.media.packets import vp8_keyframe_start
from tests.server.media.conftest import Room, until
from tests.server.media.synthetic import Clip, SyntheticViewer, new_pc, set_local


def clip_chunks(clip: Clip) -> set[bytes]:
    return {frame[i : i + 1200] for frame in clip.video for i in range(0, len(frame), 1200)}


async def test_forwarding_three_viewers_get_the_publishers_own_media_without_gaps(
    room: Room,
) -> None:
    await room.publish("alice")
    decoding = await room.watch("bob", decode=True)
    counting = [await room.watch("cai"), await room.watch("dan")]

    await until(lambda: len(decoding.decoded) >= 45 and decoding.decoded_audio >= 60)
    await until(lambda: all(v.received["video"].frames >= 45 for v in counting))

    assert {(f.width, f.height) for f in decoding.decoded} == {(320, 240)}
    chunks = clip_chunks(room.clip)
    for viewer in counting:
        video, audio = viewer.received["video"], viewer.received["audio"]
        assert (video.gaps, audio.gaps) == (0, 0)
        assert vp8_keyframe_start(video.payloads[0])
        assert {p[4:] for p in video.payloads} <= chunks  # the very bytes the publisher sent
        assert set(audio.payloads) <= set(room.clip.audio)
        assert set(audio.levels) == {(False, 30)}
    await until(lambda: remote_outbound(decoding) == 2, within=3.0)  # our sender reports


async def test_forwarding_a_viewer_counting_headers_sees_what_a_receivers_tap_sees(
    room: Room,
) -> None:
    """bench/cluster.py's viewers count RTP from the clear header, before SRTP: the same
    packets as through aiortc's receiver, and the server's sender reports still reach it."""
    await room.publish("alice")
    tap, headers = await room.watch("bob"), await room.watch("cai", headers=True)
    await until(lambda: all(v.received["video"].frames >= 30 for v in (tap, headers)))
    for viewer in (tap, headers):
        for got in viewer.received.values():
            got.seqs.clear()
    await asyncio.sleep(1.0)

    counted = {k: len(g.seqs) for k, g in headers.received.items()}
    tapped = {k: len(g.seqs) for k, g in tap.received.items()}
    assert counted["audio"] >= 40 and counted["video"] >= 30, counted
    for kind in ("audio", "video"):
        assert abs(counted[kind] - tapped[kind]) <= max(5, tapped[kind] // 10), (counted, tapped)
        assert headers.received[kind].gaps == 0
    assert headers.received["audio"].timestamps[-1] != headers.received["audio"].timestamps[0]
    assert await received_by_aiortc(headers) == 0 < await received_by_aiortc(tap)
    await until(lambda: remote_outbound(headers) == 2, within=3.0)


async def received_by_aiortc(viewer: SyntheticViewer) -> int:
    """RTP packets that reached the viewer's aiortc receivers (their inbound-rtp stats)."""
    reports = [await t.receiver.getStats() for t in viewer.pc.getTransceivers()]
    return sum(s.packetsReceived for r in reports for s in r.values() if s.type == "inbound-rtp")


def remote_outbound(viewer: SyntheticViewer) -> int:
    """How many of the viewer's receivers have had a sender report (RTCP SR) from the SFU."""
    return sum(
        1
        for t in viewer.pc.getTransceivers()
        for s in t.receiver._RTCRtpReceiver__stats.values()  # type: ignore[attr-defined]
        if s.type == "remote-outbound-rtp"
    )


async def test_forwarding_late_viewer_starts_with_a_key_frame_asked_of_the_publisher(
    room: Room,
) -> None:
    publisher = await room.publish("alice")
    early = await room.watch("bob")
    await until(lambda: early.received["video"].frames >= 40)  # past the clip's only key frame
    asked_before = publisher.keyframe_requests

    late = await room.watch("cai", decode=True)
    await until(lambda: len(late.decoded) >= 1, within=1.5)

    assert publisher.keyframe_requests == asked_before + 1  # relayed PLI, throttled to one
    assert early.received["video"].gaps == 0  # the key frame did not disturb the others


async def test_forwarding_a_packet_the_viewer_lost_is_resent_from_the_sfus_history(
    room: Room,
) -> None:
    publisher = await room.publish("alice")
    viewer = await room.watch("bob")
    video = viewer.received["video"]
    await until(lambda: video.frames >= 10)
    asked = publisher.keyframe_requests

    lost = await asyncio.wait_for(viewer.lose("video"), 2.0)
    await until(lambda: lost in video.seqs, within=2.0)  # the viewer NACKed it: sent again
    await until(lambda: video.frames >= 20)

    assert video.gaps == 0
    assert publisher.keyframe_requests == asked  # resent by the SFU, not asked of anyone


async def test_forwarding_a_viewers_picture_loss_indication_asks_the_publisher(
    room: Room,
) -> None:
    publisher = await room.publish("alice")
    viewer = await room.watch("bob")
    await until(lambda: viewer.received["video"].frames >= 20)  # past the first requests
    asked = publisher.keyframe_requests
    (source,) = (s for s in room.router.sources.values() if s.kind == "video")
    receiver = next(t for t in viewer.pc.getTransceivers() if t.kind == "video").receiver

    await receiver._send_rtcp_pli(source.outlets[0].sender._ssrc)
    await until(lambda: publisher.keyframe_requests == asked + 1, within=2.0)


async def test_forwarding_mute_stops_audio_and_unmute_resumes_without_a_gap(room: Room) -> None:
    await room.publish("alice")
    viewer = await room.watch("bob")
    audio, video = viewer.received["audio"], viewer.received["video"]
    await until(lambda: len(audio.seqs) >= 10)

    room.router.set_muted("alice", "audio", True)
    await asyncio.sleep(0.2)
    heard, seen = len(audio.seqs), video.frames
    await asyncio.sleep(0.5)
    muted = (len(audio.seqs) - heard, video.frames > seen)
    room.router.set_muted("alice", "audio", False)
    await until(lambda: len(audio.seqs) >= heard + 10)

    assert muted == (0, True)  # no audio at all while muted; video went on
    assert audio.gaps == 0


async def test_forwarding_stop_video_stops_video_and_resumes_at_a_key_frame(room: Room) -> None:
    publisher = await room.publish("alice")
    viewer = await room.watch("bob")
    audio, video = viewer.received["audio"], viewer.received["video"]
    await until(lambda: video.frames >= 40)

    room.router.set_muted("alice", "video", True)
    await asyncio.sleep(0.2)
    seen, heard = len(video.seqs), len(audio.seqs)
    await asyncio.sleep(0.5)
    stopped = (len(video.seqs) - seen, len(audio.seqs) > heard)
    asked = publisher.keyframe_requests
    room.router.set_muted("alice", "video", False)
    await until(lambda: len(video.seqs) > seen)

    assert stopped == (0, True)
    assert vp8_keyframe_start(video.payloads[seen])
    assert publisher.keyframe_requests == asked + 1
    assert video.gaps == 0


async def test_forwarding_mute_applies_to_tracks_published_later(room: Room) -> None:
    room.router.set_muted("alice", "audio", True)
    await room.publish("alice")
    viewer = await room.watch("bob")

    await until(lambda: viewer.received["video"].frames >= 10)

    assert viewer.received["audio"].seqs == []


async def test_forwarding_active_speaker_is_the_loud_one(room: Room) -> None:
    await room.publish("quiet", level=70)  # -70 dBov: below the threshold
    await room.publish("loud", level=20)

    await until(lambda: room.speakers != [])

    assert (room.speakers, room.router.active_speaker) == (["loud"], "loud")


async def test_forwarding_publisher_leaving_stops_its_media(room: Room) -> None:
    await room.publish("alice")
    viewer = await room.watch("bob")
    await until(lambda: viewer.received["video"].frames >= 5)

    await room.router.close_peer("alice")
    offer = await room.router.peers["bob"].subscribe()
    count = len(viewer.received["video"].seqs)
    await asyncio.sleep(0.3)

    assert room.router.sources == {}
    assert offer is not None and offer.count("a=inactive") == 2
    assert len(viewer.received["video"].seqs) == count


async def test_forwarding_h264_from_aiortcs_encoder_decodes_at_a_late_viewer(room: Room) -> None:
    # A real H.264 stream (aiortc's x264 encoder, packetized by aiortc: STAP-A, FU-A): the
    # SFU must find its key frames, or a viewer never starts and never asks for one.
    publisher = new_pc()
    room.clients.append(publisher)  # type: ignore[arg-type]
    transceiver = publisher.addTransceiver(VideoStreamTrack(), direction="sendonly")
    transceiver.setCodecPreferences(
        [c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType == "video/H264"]
    )
    peer = room.router.open_peer("alice", may_publish=lambda kind: True)
    answer = await peer.publish(await set_local(publisher, await publisher.createOffer()))
    await publisher.setRemoteDescription(RTCSessionDescription(answer.sdp, "answer"))
    [source] = room.router.sources.values()
    first = await room.watch("bob", decode=True)
    await until(lambda: len(first.decoded) >= 30, within=10.0)  # past the throttle

    late = await room.watch("cai", decode=True)
    await until(lambda: len(late.decoded) >= 1, within=5.0)

    assert source.codec.name == "H264"
    assert {(f.width, f.height) for f in first.decoded + late.decoded} == {(640, 480)}
    # x264 sends a key frame at its start and then only when asked (every 250 frames at
    # most): the late viewer's picture is the one its start asked the publisher for
    assert source.keyframe_requests >= 1

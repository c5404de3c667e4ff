"""The recorder on a real media plane: synthetic publishers over loopback, files read back
with PyAV (demuxed and decoded), a publisher who leaves and comes back."""

import asyncio
import json
from pathlib import Path

import av
from aiortc import RTCRtpSender, RTCSessionDescription, VideoStreamTrack

from server.recorder import Recorder
from tests.server.media.conftest import Room, until
from tests.server.media.synthetic import new_pc, set_local


def packets(path: Path) -> list[tuple[int, bool]]:
    """(pts in ms, key frame) of every packet of a track file, demuxed by PyAV."""
    with av.open(str(path)) as container:
        stream = container.streams[0]
        return [
            (int(p.pts * p.time_base * 1000), p.is_keyframe)
            for p in container.demux(stream)
            if p.pts is not None
        ]


def receiving(recorder: Recorder) -> bool:
    """Whether every track has frames, written or held (a track's first second is held)."""
    return all(t.file.frames > 0 or t.held for t in recorder._tracks.values())


def decoded(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(container.streams[0]))


async def test_recorder_writes_each_track_playable_in_time_and_a_returning_publisher_anew(
    room: Room, tmp_path: Path
) -> None:
    recorder = Recorder(router=room.router, folder=tmp_path)
    await room.publish("alice")
    recorder.start([("alice", "Alice")])
    await until(lambda: receiving(recorder))
    first_at = recorder.now_ms()
    await asyncio.sleep(2.0)

    left_at = recorder.now_ms()
    await room.router.close_peer("alice")
    recorder.follow()
    await asyncio.sleep(0.5)
    back_at = recorder.now_ms()
    await room.publish("alice")
    recorder.follow()
    await until(lambda: receiving(recorder))
    await asyncio.sleep(1.5)
    stopped_at = recorder.now_ms()
    files = await recorder.stop()

    names = sorted(f.name for f in files)
    assert names == [
        "alice-audio-1.webm", "alice-audio-2.webm", "alice-video-1.webm", "alice-video-2.webm"
    ]  # fmt: skip
    assert recorder.failed == []
    found = {f.name: f for f in files}
    for file in files:
        read = packets(tmp_path / file.name)
        first, last = read[0][0], read[-1][0]
        # every frame taken is in the file, in order, on the recording's clock
        assert len(read) == file.frames
        assert [pts for pts, _ in read] == sorted(pts for pts, _ in read)
        assert (first, last) == (file.started_ms, file.ended_ms)
        segment_end = left_at if file.segment == 1 else stopped_at
        segment_start = first_at if file.segment == 1 else back_at
        # duration within 1 s of the time the publisher was there
        assert abs((last - first) - (segment_end - segment_start)) < 1000
        rate = 50 if file.kind == "audio" else 30  # Opus 20 ms; the clip's 30 fps
        assert abs(len(read) - (last - first) * rate / 1000) <= rate * 0.2 + 2
        if file.kind == "video":
            assert read[0][1]  # a video file starts at a key frame
            assert decoded(tmp_path / file.name) == len(read)  # and all of it decodes
    for segment in (1, 2):
        video, audio = found[f"alice-video-{segment}.webm"], found[f"alice-audio-{segment}.webm"]
        assert video.ended_ms is not None and audio.ended_ms is not None
        # audio and video of one moment are at one time: the ends line up within 100 ms
        assert abs(video.ended_ms - audio.ended_ms) < 100
    assert found["alice-video-2.webm"].started_ms > found["alice-video-1.webm"].ended_ms + 300

    lines = [json.loads(x) for x in (tmp_path / "timeline.jsonl").read_text().splitlines()]
    kinds = [entry["event"] for entry in lines]
    assert kinds[:2] == ["start", "join"] and kinds[-1] == "stop"
    assert kinds.count("track") == 4 and kinds.count("track_end") == 4
    assert [entry["at"] for entry in lines] == sorted(entry["at"] for entry in lines)


async def test_recorder_starts_video_at_a_key_frame_it_asks_the_publisher_for(
    room: Room, tmp_path: Path
) -> None:
    publisher = await room.publish("alice")
    await asyncio.sleep(0.5)  # well past the clip's first (and only unasked) key frame
    asked = publisher.keyframe_requests
    recorder = Recorder(router=room.router, folder=tmp_path)
    recorder.start()
    await until(lambda: receiving(recorder))
    files = await recorder.stop()

    assert publisher.keyframe_requests > asked
    video = next(f for f in files if f.kind == "video")
    assert packets(tmp_path / video.name)[0][1]


async def test_recorder_leaves_a_gap_where_the_host_muted(room: Room, tmp_path: Path) -> None:
    publisher = await room.publish("alice")
    recorder = Recorder(router=room.router, folder=tmp_path)
    recorder.start()
    await until(lambda: receiving(recorder))
    await asyncio.sleep(0.5)
    # the mute's length on the publisher's clock: a stall of this busy test process
    # before the unmute would send the frames it held up after it, with their own times
    room.router.set_muted("alice", "audio", True)
    muted_at = publisher.media_ms("audio")
    await asyncio.sleep(1.0)
    room.router.set_muted("alice", "audio", False)
    unmuted_at = publisher.media_ms("audio")
    await asyncio.sleep(0.5)
    files = await recorder.stop()

    audio = next(f for f in files if f.kind == "audio")
    times = [pts for pts, _ in packets(tmp_path / audio.name)]
    gap = max(b - a for a, b in zip(times, times[1:], strict=False))
    assert abs(gap - (unmuted_at - muted_at)) < 200  # the mute is a gap of its length


async def test_recorder_keeps_h264_in_matroska(room: Room, tmp_path: Path) -> None:
    publisher = new_pc()
    room.clients.append(publisher)  # type: ignore[arg-type]
    transceiver = publisher.addTransceiver(VideoStreamTrack(), direction="sendonly")
    transceiver.setCodecPreferences(
        [c for c in RTCRtpSender.getCapabilities("video").codecs if c.mimeType == "video/H264"]
    )
    recorder = Recorder(router=room.router, folder=tmp_path)
    recorder.start()
    peer = room.router.open_peer("alice", may_publish=lambda kind: True)
    answer = await peer.publish(await set_local(publisher, await publisher.createOffer()))
    await publisher.setRemoteDescription(RTCSessionDescription(answer.sdp, "answer"))
    recorder.follow()
    await until(lambda: all(t.file.frames >= 20 for t in recorder._tracks.values()), within=10)
    [file] = await recorder.stop()

    assert file.name == "alice-video-1.mkv"
    with av.open(str(tmp_path / file.name)) as container:
        frames = list(container.decode(video=0))
    assert {(f.width, f.height) for f in frames} == {(640, 480)}
    assert len(frames) == file.frames

"""Audio/video sync of a recording, judged by content: a real aiortc publisher (its own VP8
and Opus encoders) shows a white picture and plays a tone at the same wall-clock moments,
once a second; the recorder writes the two track files; PyAV decodes them and each flash
must start within 100 ms of its tone on the recording's clock."""

import asyncio
import math
import struct
import time
from pathlib import Path

import av
from aiortc import RTCSessionDescription
from aiortc.mediastreams import AudioStreamTrack, VideoStreamTrack

from server.recorder import Recorder
from tests.server.media.conftest import Room, anyone, until
from tests.server.media.synthetic import new_pc, set_local

PERIOD = 1.0  # seconds between marks
MARK = 0.2  # seconds each mark lasts
SYNC_MS = 100


def marked(epoch: float, at: float) -> bool:
    """Whether the moment ``at`` (time.time()) is inside a mark (a flash, a tone).

    A frame is marked by the moment it stands for, its start plus its pts (aiortc's tracks
    pace themselves on time.time()), as a camera's and a microphone's frames are by their
    capture: not by when this process got round to making it, which on a busy machine is
    later for one track than for the other."""
    return (at - epoch) % PERIOD < MARK


class Flashes(VideoStreamTrack):
    def __init__(self, epoch: float) -> None:
        super().__init__()
        self.epoch = epoch

    async def recv(self) -> av.VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame(320, 240, "yuv420p")
        at = self._start + float(pts * time_base)
        frame.planes[0].update(bytes([235 if marked(self.epoch, at) else 16]) * (320 * 240))
        for chroma in frame.planes[1:]:
            chroma.update(bytes([128]) * (160 * 120))
        frame.pts, frame.time_base = pts, time_base
        return frame


class Tones(AudioStreamTrack):
    def __init__(self, epoch: float) -> None:
        super().__init__()
        self.epoch = epoch
        self.sent = 0

    async def recv(self) -> av.AudioFrame:
        frame = await super().recv()  # 20 ms of silence (mono s16), paced in real time
        if marked(self.epoch, self._start + frame.pts / frame.sample_rate):
            count, rate = frame.samples, frame.sample_rate
            n = self.sent * count
            tone = [int(12000 * math.sin(2 * math.pi * 440 * (n + i) / rate)) for i in range(count)]
            frame.planes[0].update(struct.pack(f"<{count}h", *tone))
        self.sent += 1
        return frame


def onsets(times_ms: list[int], on: list[bool]) -> list[int]:
    """The times at which a mark begins (off, then on)."""
    return [t for t, was, now in zip(times_ms[1:], on, on[1:], strict=False) if now and not was]


def _mean(values: bytes) -> float:
    return sum(values) / len(values)


def _loudness(frame: av.AudioFrame) -> float:
    """Mean absolute sample of a decoded frame's first channel (Opus decodes to float)."""
    count = frame.samples
    if frame.format.name == "fltp":
        samples = struct.unpack(f"<{count}f", bytes(frame.planes[0])[: count * 4])
        return 32768 * sum(abs(x) for x in samples) / max(1, count)
    raise AssertionError(f"unexpected sample format {frame.format.name}")


def video_onsets(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        frames = [
            (int(f.pts * f.time_base * 1000), _mean(bytes(f.planes[0])[::97]))
            for f in container.decode(video=0)
        ]
    return onsets([t for t, _ in frames], [luma > 128 for _, luma in frames])


def audio_onsets(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        frames = [
            (int(f.pts * f.time_base * 1000), _loudness(f)) for f in container.decode(audio=0)
        ]
    return onsets([t for t, _ in frames], [level > 1000 for _, level in frames])


async def test_recorded_audio_and_video_of_one_moment_play_together(
    room: Room, tmp_path: Path
) -> None:
    epoch = time.time()
    pc = new_pc()
    room.clients.append(_Closing(pc))
    pc.addTrack(Flashes(epoch))
    pc.addTrack(Tones(epoch))
    peer = room.router.open_peer("alice", may_publish=anyone)
    answer = await peer.publish(await set_local(pc, await pc.createOffer()))
    await pc.setRemoteDescription(RTCSessionDescription(answer.sdp, "answer"))
    recorder = Recorder(router=room.router, folder=tmp_path)
    await until(lambda: len(room.router.sources) == 2)
    recorder.start([("alice", "Alice")])
    await asyncio.sleep(4.5)
    files = {f.kind: f for f in await recorder.stop()}

    video = video_onsets(tmp_path / files["video"].name)
    audio = audio_onsets(tmp_path / files["audio"].name)
    pairs = [(v, min(audio, key=lambda a, v=v: abs(a - v))) for v in video]
    assert len(video) >= 3 and len(audio) >= 3  # a flash and a tone each second
    print(f"\nrecorder sync: flash minus tone, ms: {[v - a for v, a in pairs]}")
    assert max(abs(v - a) for v, a in pairs) <= SYNC_MS, pairs


class _Closing:
    """Lets the room fixture close a plain aiortc peer connection with its clients."""

    def __init__(self, pc: object) -> None:
        self.pc = pc

    async def close(self) -> None:
        await self.pc.close()  # type: ignore[attr-defined]

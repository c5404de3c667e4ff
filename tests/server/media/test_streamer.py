"""The streamer on a real media plane: a synthetic publisher over loopback streamed to a local
nginx RTMP ingest, read back from nginx with PyAV; the ingest killed and started again; an
ingest that takes the connection and never answers (the stream's process is ended and
another started)."""

import asyncio
import socket
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from recordings import stream_out
from recordings.streaming import LIVE, RECONNECTING, STOPPED, StreamTarget
from server.streamer import Streamer, StreamShape
from tests.server.media.conftest import Room, until
from tests.server.media.ingest import Ingest, Received, receive, running_ingest

SHAPE = StreamShape(size=(640, 360), fps=25, bitrate=800_000)


@pytest.fixture
def ingest(tmp_path: Path) -> Iterator[Ingest]:
    with running_ingest(tmp_path / "nginx") as started:
        yield started


def check_stream(received: Received) -> None:
    assert (received.width, received.height) == (640, 360)
    assert received.sample_rate == 48000
    assert len(received.audio) > 10
    steps = [b - a for a, b in zip(received.video, received.video[1:], strict=False)]
    assert all(step > 0 for step in steps)  # times only go forward
    assert 0.03 <= statistics.median(steps) <= 0.05  # 25 frames a second
    assert abs(received.video[-1] - received.audio[-1]) < 0.5  # audio and video together
    assert received.luma > 30  # the publisher's picture, not the black canvas


async def test_streamer_streams_the_room_and_reconnects_when_the_ingest_drops(
    room: Room, ingest: Ingest
) -> None:
    states: list[str] = []
    await room.publish("alice")
    streamer = Streamer(
        router=room.router,
        target=StreamTarget(url=ingest.url(), key="room-key"),
        on_state=lambda state, since: states.append(state),
        clock=lambda: datetime.now(UTC),
        shape=SHAPE,
    )
    started = time.process_time()
    streamer.start()
    await until(lambda: states == [LIVE])
    first = await asyncio.to_thread(receive, f"{ingest.url()}/room-key", video_frames=50)
    check_stream(first)

    ingest.kill()
    await until(lambda: states[-1] == RECONNECTING)
    ingest.start()
    await until(lambda: states[-1] == LIVE, within=12)
    second = await asyncio.to_thread(receive, f"{ingest.url()}/room-key", video_frames=25)
    check_stream(second)
    await streamer.stop()

    assert states == [LIVE, RECONNECTING, LIVE, STOPPED]
    assert streamer.output.connections == 2
    streamed = streamer.output.sent_ticks / SHAPE.fps
    print(
        f"stream: {streamed:.1f} s streamed, its processes' CPU {streamer.output.cpu_seconds:.2f}"
        f" s (start-up included), the room process's CPU {time.process_time() - started:.2f} s"
    )


async def test_streamer_ends_a_stream_process_hung_on_a_silent_ingest_and_starts_another(
    room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream_out, "SILENCE", 2.0)
    monkeypatch.setattr(stream_out, "STOP_WAIT", 0.5)
    states: list[str] = []
    with socket.socket() as silent:  # takes the connection, never answers the handshake
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        streamer = Streamer(
            router=room.router,
            target=StreamTarget(url=f"rtmp://127.0.0.1:{port}/live", key="k"),
            on_state=lambda state, since: states.append(state),
            clock=lambda: datetime.now(UTC),
            shape=SHAPE,
        )
        streamer.start()
        await until(lambda: streamer.output.processes == 2, within=15)
        await streamer.stop()

    assert states == [RECONNECTING, STOPPED]
    assert streamer.output.connections == 0

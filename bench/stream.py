"""Streaming benchmark: what a live stream out costs, per second of stream.

    python bench/stream.py                       # 2 publishers, 8 s a phase
    python bench/stream.py --publishers 3 --seconds 15

``--publishers`` synthetic publishers (640×480 VP8 ≈ 600 kbps + Opus,
tests/server/media/synthetic.py) on a ``Router`` in this process, and a local nginx RTMP
ingest (tests/server/media/ingest.py; ``make rtmp``). Phases of ``--seconds`` each: the
publishers alone, then the real streamer (``server.streamer.Streamer``: every track decoded,
the scene drawn, H.264 + AAC encoded, FLV pushed to nginx) at each size. The streamer's cost
is the process's CPU time (every thread's: the event loop, the stream's thread, x264's
threads) over the phase minus the publishers-alone phase's, per second of stream; the
stream's own thread's CPU time is printed beside it. The machine is shared: the load average
is printed too. Final line: ``stream: cpu_per_stream_second_720p=<x> ..._360p=<y>``.
"""

import argparse
import asyncio
import os
import resource
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recordings.streaming import StreamTarget  # noqa: E402
from server.media import Router  # noqa: E402
from server.streamer import Streamer, StreamShape  # noqa: E402
from tests.server.media.conftest import CONFIG, anyone  # noqa: E402
from tests.server.media.ingest import Ingest  # noqa: E402
from tests.server.media.synthetic import SyntheticPublisher, encode_clip  # noqa: E402

SHAPES = {
    "720p": StreamShape(size=(1280, 720), fps=25, bitrate=1_500_000),
    "360p": StreamShape(size=(640, 360), fps=25, bitrate=800_000),
}


def cpu(pid: int | None = None) -> float:
    """CPU seconds of this process (every thread), or of another one from /proc."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def phase(seconds: float, pid: int | None = None) -> tuple[float, float]:
    """This process's and the stream process's CPU seconds over ``seconds`` of wall time."""
    start, child = cpu(), cpu(pid) if pid else 0.0
    await asyncio.sleep(seconds)
    return cpu() - start, (cpu(pid) - child) if pid else 0.0


async def run(publishers: int, seconds: float) -> dict[str, float]:
    clip = encode_clip(seconds=4, width=640, height=480, bitrate=600_000)
    router = Router(room_id="bench", config=CONFIG, on_active_speaker=lambda p: None)
    clients = []
    for n in range(publishers):
        publisher = SyntheticPublisher(clip)
        clients.append(publisher)
        peer = router.open_peer(f"p{n}", may_publish=anyone)
        answer = await peer.publish(await publisher.offer())
        await publisher.accept(answer.sdp)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        ingest = Ingest(Path(folder))
        ingest.start()
        try:
            await asyncio.sleep(2)
            alone = (await phase(seconds))[0] / seconds
            print(f"publishers alone: {alone:.3f} CPU s per s")
            for name, shape in SHAPES.items():
                streamer = Streamer(
                    router=router,
                    target=StreamTarget(url=ingest.url(), key=f"bench-{name}"),
                    on_state=lambda state, since: None,
                    clock=lambda: datetime.now(UTC),
                    shape=shape,
                )
                streamer.start()
                await asyncio.sleep(4)  # spawned, connected, decoders warm
                process = streamer.output._process
                sent = streamer.output.sent_ticks
                room, child = await phase(seconds, process.pid if process else None)
                sent = streamer.output.sent_ticks - sent
                await streamer.stop()
                results[name] = child / seconds
                print(
                    f"{name}: stream process {child / seconds:.3f} CPU s per s of stream, "
                    f"room process +{room / seconds - alone:.3f}; {sent / seconds:.1f} frames "
                    f"a second sent (of {shape.fps}), undecodable {streamer.output.undecodable}"
                )
        finally:
            ingest.kill()
            await router.close()
            for client in clients:
                await client.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs")
    results = asyncio.run(run(args.publishers, args.seconds))
    print(
        f"stream: cpu_per_stream_second_720p={results['720p']:.3f} "
        f"cpu_per_stream_second_360p={results['360p']:.3f}"
    )


if __name__ == "__main__":
    main()

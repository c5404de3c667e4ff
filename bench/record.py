"""Recording benchmark: what the live recorder costs, and how fast a recording is composed.

    python bench/record.py                      # 2 publishers, 20 viewers, 10 s a phase
    python bench/record.py --publishers 3 --viewers 10 --seconds 10 --compose-seconds 30

**Live cost.** The media plane runs alone in a process (a ``Router``, as bench/sfu.py runs
it; its CPU time, every thread's, from /proc/<pid>/task/*/schedstat): ``--publishers``
synthetic publishers (640×480 VP8 ≈ 600 kbps + Opus, tests/server/media/synthetic.py) in
this process, viewers in ``--workers`` processes (bench/sfu.py's). Three phases of
``--seconds`` each: the publishers alone; with the viewers (each receiving every
publisher); with the real recorder attached too (``server.recorder.Recorder``, writing
every track into WebM files). A viewer's forwarding cost of one
publisher = (viewers − alone) / (viewers × publishers); the recorder's cost per recorded
publisher is counted where it is spent (its disk thread's CPU time, and on the event loop
what it turns on in the sources as packets go and its batches of frames, timed with
``time.thread_time``) over the phase, per publisher; ``live_cost_vs_viewer`` is the ratio
of the two. Printed beside them: the whole process's difference between the last two phases
(on a shared machine within the noise), and the outlets of a few viewers timed the same way
as the recorder in the recording phase (only a part of what a viewer costs).

**Composition.** A three-person 640×480 session of ``--compose-seconds`` (three cameras of
a moving synthetic clip at 30 fps and their Opus audio, written by the recorder's own
writer; the speaker changing every 5 s; a chapter every 10 s) composed into an MP4 at
640×480 (``recordings.compose.Composition``, as the worker does it):
``compose_speed_x`` = media seconds / wall seconds. The same session is composed again with
slides on the stage (a 10-page PDF deck shown from the start, a page turned every 3 s, each
page rendered once by PDFium, ``recordings/slide_pages.py``), and in the grid layout; their
speeds are printed beside it (``--compose-only``: these alone, without the live cost).

The machine is shared: the load average is printed, and the composition's media seconds per
CPU second beside its wall-clock figure (on a busy machine it gets a fraction of a core).
Final line:
``record: live_cost_vs_viewer=<x> compose_speed_x=<y>``
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sfu import Workers  # noqa: E402
from sfu_servers import CONFIG, Control, serve_calls  # noqa: E402
from wakeups import cpu_seconds  # noqa: E402

from recordings.compose import Composition  # noqa: E402
from recordings.layout import GRID, SPEAKER  # noqa: E402
from recordings.timeline import deck_file_name  # noqa: E402
from recordings.writer import DiskWriter  # noqa: E402
from server.media import Router  # noqa: E402
from server.media.outlet import Outlet  # noqa: E402
from server.media.source import Source  # noqa: E402
from server.recorder import Recorder  # noqa: E402
from tests.recordings.tracks import write_deck, write_timeline, write_track  # noqa: E402
from tests.server.media.synthetic import Clip, SyntheticPublisher, encode_clip  # noqa: E402

# --- the media server (its own process) -------------------------------------------------


PARTS = ("disk thread", "keeping", "batches")
SAMPLED = 4  # viewers of each source whose outlets are timed too


class Accounts:
    """The recorder's own CPU time, counted where it is spent (installed in the media
    server's process only), with ``time.thread_time``: its disk thread whole (as it ends);
    on the event loop, each source keeping what it sent (as packets go, once frames are
    kept) and the recorder's batches (the frames assembled, timed and muxed)."""

    def __init__(self) -> None:
        self.parts = dict.fromkeys(PARTS, 0.0)
        disk_run, keep, write = DiskWriter._run, Source._keep, Recorder._write

        def run(disk: DiskWriter) -> None:
            disk_run(disk)
            self.parts["disk thread"] += time.thread_time()

        def kept(source: Source, *args: Any) -> None:
            start = time.thread_time()
            keep(source, *args)
            self.parts["keeping"] += time.thread_time() - start

        def batch(recorder: Recorder, *args: Any) -> None:
            start = time.thread_time()
            write(recorder, *args)
            self.parts["batches"] += time.thread_time() - start

        DiskWriter._run = run  # type: ignore[method-assign]
        Source._keep = kept  # type: ignore[method-assign]
        Recorder._write = batch  # type: ignore[method-assign]
        self.forwarding = 0.0  # the viewers' outlets, once ``time_outlets`` is called

    def time_outlets(self, router: Router) -> int:
        """Count the forwarding of ``SAMPLED`` viewers of each source the same way from now
        on (``Outlet.send``: only a part of what a viewer costs, which also has its RTCP and
        its sender reports), for a figure beside the whole process's difference; the
        outlets timed. A few only, and not during the viewers' own phase: the timing would
        add its cost to what is measured."""
        send = Outlet.send
        sampled = {id(o) for s in router.sources.values() for o in s.outlets[:SAMPLED]}

        def timed(outlet: Outlet, *args: Any) -> None:
            if id(outlet) not in sampled:
                return send(outlet, *args)
            start = time.thread_time()
            send(outlet, *args)
            self.forwarding += time.thread_time() - start

        Outlet.send = timed  # type: ignore[method-assign]
        return len(sampled)


class Recorded:
    """A router whose publishers the real recorder may follow."""

    def __init__(self, folder: Path) -> None:
        self.router = Router(room_id="bench", config=CONFIG)
        self.folder = folder
        self.recorder: Recorder | None = None
        self.outlets = 0  # outlets timed
        self.accounts = Accounts()

    async def publish(self, name: str, sdp: str) -> str:
        peer = self.router.open_peer(name, may_publish=lambda kind: True)
        return (await peer.publish(sdp)).sdp

    async def subscribe(self, viewer: str) -> str | None:
        return await self.router.open_peer(viewer, may_publish=lambda kind: False).subscribe()

    async def answer(self, viewer: str, sdp: str) -> None:
        await self.router.peers[viewer].subscribed(sdp)

    def record(self) -> int:
        self.outlets = self.accounts.time_outlets(self.router)
        self.recorder = Recorder(router=self.router, folder=self.folder)
        self.recorder.start()
        return len(self.recorder._tracks)

    async def written(self) -> dict[str, Any]:
        """Stop recording: the frames written, the files, the recorder's CPU seconds."""
        assert self.recorder is not None
        files = await self.recorder.stop()
        frames = sum(f.frames for f in files)
        parts = self.accounts.parts
        forwarding = self.accounts.forwarding
        return {"frames": frames, "files": len(files), "cpu": sum(parts.values()), **parts,
                "forwarding": forwarding, "outlets": self.outlets}  # fmt: skip

    async def close(self) -> None:
        await self.router.close()


async def serve(folder: Path) -> None:
    await serve_calls(Recorded(folder))


# --- the run (this process: the publishers) ---------------------------------------------


async def phase(pid: int, seconds: float) -> float:
    """The media server's CPU (cores) over ``seconds``, after a second to settle."""
    await asyncio.sleep(1.0)
    before, start = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(seconds)
    return (cpu_seconds(pid) - before) / (time.monotonic() - start)


async def live_cost(clip: Clip, args: argparse.Namespace, folder: Path) -> float:
    pipe = subprocess.PIPE
    server = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve", str(folder), stdout=pipe, cwd=ROOT
    )
    port = int((await server.stdout.readline()).decode())  # type: ignore[union-attr]
    media = Control(*await asyncio.open_connection("127.0.0.1", port))
    publishers = [SyntheticPublisher(clip) for _ in range(args.publishers)]
    workers = Workers()
    try:
        for n, publisher in enumerate(publishers):
            answer = await media.call("publish", name=f"publisher{n}", sdp=await publisher.offer())
            await publisher.accept(answer)  # type: ignore[arg-type]
        alone = await phase(server.pid, args.seconds)
        await workers.start(port, args.workers, stamp=False)
        await workers.grow(args.viewers)
        viewing = await phase(server.pid, args.seconds)
        tracks = await media.call("record")
        start = time.monotonic()
        recording = await phase(server.pid, args.seconds)
        written: dict = await media.call("written")  # type: ignore[assignment]
        recording_wall = time.monotonic() - start
    finally:
        await workers.stop()
        for publisher in publishers:
            await publisher.close()
        await media.call("stop")
        await server.wait()
    viewer = (viewing - alone) / (args.viewers * args.publishers)
    recorder = written["cpu"] / recording_wall / args.publishers
    difference = (recording - viewing) / args.publishers
    print(f"media plane: publishers alone {alone:.3f} core, with {args.viewers} viewers "
          f"{viewing:.3f}, recording too {recording:.3f} ({tracks} tracks)")  # fmt: skip
    print(f"    one viewer of one publisher {viewer * 1000:.2f} millicores; the recorder "
          f"{recorder * 1000:.2f} millicores per publisher, counted where it is spent "
          f"(the whole process's difference: {difference * 1000:.2f}); "
          f"{written['frames']} frames written in {written['files']} files")  # fmt: skip
    each = {k: written[k] / written["frames"] * 1e6 for k in PARTS}
    print("    per frame: " + ", ".join(f"{k} {v:.0f} µs" for k, v in each.items()))
    outlets = written["forwarding"] / recording_wall / written["outlets"]
    print(f"    beside it, one viewer's outlet of one publisher counted the same way: "
          f"{outlets * 1000:.2f} millicores (a part of a viewer's cost; the recorder "
          f"{recorder / outlets:.2f} times it)")  # fmt: skip
    return recorder / viewer


DECK = "be" * 16
DECK_COLOURS = [((n * 80) % 256, (n * 50) % 256, (n * 110) % 256) for n in range(10)]


def three_people(clip: Clip, folder: Path, seconds: int, *, slides: bool = False) -> None:
    """A three-person session of ``seconds``: the clip looped on every camera (``slides``:
    a deck shown from the start, a page turned every 3 s)."""
    folder.mkdir(parents=True, exist_ok=True)
    video_step, frames = 1000 // clip.fps, seconds * clip.fps
    video = [clip.video[n % len(clip.video)] for n in range(frames)]
    audio = [clip.audio[n % len(clip.audio)] for n in range(seconds * 50)]
    lines: list = [(0, "start", {})]
    for pid in ("a", "b", "c"):
        write_track(folder, pid, "video", video, start_ms=0, step_ms=video_step)
        write_track(folder, pid, "audio", audio, start_ms=0, step_ms=20)
    lines += [(t, "speaker", {"participant_id": "abc"[t // 5000 % 3]})
              for t in range(0, seconds * 1000, 5000)]  # fmt: skip
    lines += [(t, "chapter", {"title": f"Part {t // 10000 + 1}"})
              for t in range(0, seconds * 1000, 10000)]  # fmt: skip
    if slides:
        write_deck(folder / deck_file_name(DECK), DECK_COLOURS)
        lines += [(t, "slides", {"file_id": DECK, "name": "deck.pdf", "page": t // 3000 % 10 + 1})
                  for t in range(0, seconds * 1000, 3000)]  # fmt: skip
    write_timeline(folder, sorted([*lines, (seconds * 1000, "stop", {})], key=lambda e: e[0]))


def compose_speed(
    clip: Clip, seconds: int, folder: Path, *, slides: bool = False, mode: str = SPEAKER
) -> float:
    three_people(clip, folder, seconds, slides=slides)
    start = time.monotonic()
    before = time.process_time()
    video = Composition(folder, size=(640, 480), mode=mode).run()
    wall, cpu = time.monotonic() - start, time.process_time() - before
    size = video.stat().st_size / 1e6
    what = f"{mode} layout{', slides on the stage' if slides else ''}"
    print(f"composition ({what}): {seconds} s of three people at 640x480 in {wall:.1f} s "
          f"({cpu / wall:.2f} cores busy), {size:.1f} MB; {seconds / cpu:.2f} media seconds "
          f"per CPU second")  # fmt: skip
    return seconds / wall


async def main(args: argparse.Namespace) -> None:
    clip = encode_clip(seconds=5, width=640, height=480, bitrate=600_000)
    print(f"clip: 640x480 VP8 + Opus, {len(clip.video)} frames; "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="bench-record-") as temporary:
        folder = Path(temporary)
        ratio = 0.0 if args.compose_only else await live_cost(clip, args, folder / "live")
        speed = compose_speed(clip, args.compose_seconds, folder / "composed")
        slides = compose_speed(clip, args.compose_seconds, folder / "slides", slides=True)
        grid = compose_speed(clip, args.compose_seconds, folder / "grid", mode=GRID)
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(f"compose_speed_x: speaker {speed:.2f}, with slides {slides:.2f}, grid {grid:.2f}")
    print(f"record: live_cost_vs_viewer={ratio:.2f} compose_speed_x={speed:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument("--viewers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0, help="each phase of the live cost")
    parser.add_argument("--workers", type=int, default=1, help="viewer processes")
    parser.add_argument("--compose-seconds", type=int, default=30)
    parser.add_argument("--compose-only", action="store_true", help="no live cost: 0")
    parser.add_argument("--serve", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(Path(args.serve)))
    else:
        asyncio.run(main(args))

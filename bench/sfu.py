"""SFU benchmark: one synthetic publisher (≈600 kbps VP8 + Opus) and N synthetic viewers.

    python bench/sfu.py                     # N = 10, 50, 100; the room at 100; transcoding 1, 3
    python bench/sfu.py --viewers 10,50 --transcode 1,2 --seconds 10 --workers 2
    python bench/sfu.py --viewers 100 --profile /tmp/sfu.raw   # py-spy the SFU (raw stacks)

The media server runs alone in a process (its CPU time, every thread's, is read from
/proc/<pid>/task/*/schedstat); the publisher runs in this one, the viewers in ``--workers``
processes. The publisher sends a clip encoded once (640×480 VP8 + Opus, see
tests/server/media/synthetic.py) with its send time (CLOCK_MONOTONIC, one clock for all
processes) appended to each payload; the SFU forwards payloads untouched, so each viewer
reads it back: publisher send → arrival at the viewer's socket is the added latency. The
arrival is the kernel's receive timestamp of the datagram (SIOCGSTAMP), so the viewer
processes' own delay in reading their sockets (they share the two cores with the SFU) is
not counted; on 127.0.0.1 that is the moment the SFU's send delivered it. The SFU-internal
part, send → written to the last viewer of the frame, is printed too. Everything is on
127.0.0.1; no ICE server is used.

Per N: SFU CPU per forwarded packet, packets per core-second, latency (the media plane
alone: a Router in a process of its own). Then the room line (bench/sfu_room.py): the same
publisher and ``--room`` viewers in a live room of ``python -m server``, where the room's
signalling and chat (ten people each sending a message a second) run in the SFU's event loop,
as in production; its CPU per packet the viewers received, media latency and chat latency.
Then aiortc's MediaRelay (decode once, encode per viewer) at small N. Viewer cost = CPU per
added viewer (slope from the first to the last N). The machine is shared: the load average is
printed.

Beside ours, a peer SFU built here: mediasoup 3.12.16 (``make mediasoup``), a Router in its
worker process driven by bench/mediasoup/driver.mjs with the same calls, the same publisher
and the same viewers. At the last N, ``--peer-runs`` runs of each alternate (ours, mediasoup,
ours, mediasoup; the series' last run is ours' first), each with its own server, publisher and
viewers; its worker's CPU is read as ours is (every thread's schedstat), and "forwarded" is the
RTP its consumers sent (their stats' packet counts). Figures over the alternating runs are
pooled: all their packets over all their CPU time. Final line: ``sfu: pkts_per_core_s=<n>
viewer_cost_ratio_vs_transcode=<x> p95_ms=<y> room_pkts_per_core_s=<n> room_p95_ms=<y>
mediasoup_pkts_per_core_s=<n> vs_mediasoup=<r>`` (pkts_per_core_s: ours pooled at the last N).
"""

import argparse
import asyncio
import inspect
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.contrib.media import MediaRelay  # noqa: E402
from sfu_room import report_room, room_line  # noqa: E402

from server.media import CandidatePolicy, MediaConfig, Router  # noqa: E402
from server.media.outlet import Outlet  # noqa: E402
from server.media.packets import Packet  # noqa: E402
from tests.server.media.synthetic import (  # noqa: E402
    STAMP,
    SyntheticPublisher,
    SyntheticViewer,
    encode_clip,
    set_local,
)

CONFIG = MediaConfig(host_addresses=("127.0.0.1",), candidates=CandidatePolicy(allow_loopback=True))


# --- the media server (its own process) -------------------------------------------------


class Forwarding:
    def __init__(self) -> None:
        self.router = Router(room_id="bench", config=CONFIG)
        self.spans: list[float] = []  # publisher send -> packet written to the last viewer
        self.seen: set[Outlet] = set()

    async def publish(self, sdp: str) -> str:
        peer = self.router.open_peer("publisher", may_publish=lambda kind: True)
        answer = (await peer.publish(sdp)).sdp
        for source in self.router.sources.values():
            source._send = self._timed(source._send)  # type: ignore[method-assign]
        return answer

    def _timed(self, send: Callable[[list[Packet], bytes], None]) -> Callable[..., None]:
        def timed(packets: list[Packet], ext: bytes) -> None:
            send(packets, ext)
            done = time.monotonic()
            for _seq, _ts, _marker, payload, _key, _pad in packets:
                if len(payload) >= 8:
                    self.spans.append(done - STAMP.unpack_from(payload, len(payload) - 8)[0])

        return timed

    def cpu_pid(self) -> int:
        """The process whose threads' CPU is the media server's."""
        return os.getpid()

    def in_sfu(self) -> list[float]:
        spans, self.spans = self.spans, []
        return spans

    async def subscribe(self, viewer: str) -> str | None:
        return await self.router.open_peer(viewer, may_publish=lambda kind: False).subscribe()

    async def answer(self, viewer: str, sdp: str) -> None:
        await self.router.peers[viewer].subscribed(sdp)

    def _outlets(self) -> set[Outlet]:
        """Every outlet seen so far (a failed viewer's is detached but still counts)."""
        self.seen.update(o for s in self.router.sources.values() for o in s.outlets)
        return self.seen

    def forwarded(self) -> int:
        return sum(o.packets for o in self._outlets())

    def dropped(self) -> int:
        """Times a viewer's socket was full and it fell back to waiting for a key frame."""
        return sum(o.drops for o in self._outlets())

    async def close(self) -> None:
        await self.router.close()


class Transcoding:
    """aiortc's own way: decode the publisher once (MediaRelay), encode for every viewer."""

    def __init__(self) -> None:
        self.relay = MediaRelay()
        self.tracks: list = []
        self.pcs: dict[str, RTCPeerConnection] = {}

    def _pc(self, name: str) -> RTCPeerConnection:
        self.pcs[name] = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        return self.pcs[name]

    async def publish(self, sdp: str) -> str:
        pc = self._pc("publisher")
        pc.on("track", self.tracks.append)
        await pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
        return await set_local(pc, await pc.createAnswer())

    async def subscribe(self, viewer: str) -> str:
        pc = self._pc(viewer)
        for track in self.tracks:
            pc.addTrack(self.relay.subscribe(track))
        return await set_local(pc, await pc.createOffer())

    async def answer(self, viewer: str, sdp: str) -> None:
        await self.pcs[viewer].setRemoteDescription(RTCSessionDescription(sdp, "answer"))

    def forwarded(self) -> int:  # nothing is forwarded: everything is encoded again
        return 0

    dropped = forwarded
    in_sfu = list

    async def close(self) -> None:
        for pc in self.pcs.values():
            await pc.close()


async def serve(transcode: bool) -> None:
    await serve_calls(Transcoding() if transcode else Forwarding())


async def serve_calls(media: object) -> None:
    """Answer the driving process's calls (JSON lines on a loopback socket: ``op`` and its
    arguments, a method of ``media``) until it says ``stop``; the port is printed first."""
    done = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while line := await reader.readline():
            call = json.loads(line)
            op = call.pop("op")
            result = getattr(media, "close" if op == "stop" else op)(**call)
            if inspect.isawaitable(result):
                result = await result
            writer.write(json.dumps({"result": result}).encode() + b"\n")
            await writer.drain()
            if op == "stop":
                done.set()
                break
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await done.wait()


class Control:
    """JSON lines over a TCP connection (media server) or a child's stdin/stdout (workers)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def call(self, op: str, **args: object) -> object:
        self.writer.write(json.dumps({"op": op, **args}).encode() + b"\n")
        await self.writer.drain()
        return json.loads(await self.reader.readline())["result"]


async def spawn(*flags: str) -> tuple[asyncio.subprocess.Process, str]:
    return await spawn_program(sys.executable, __file__, *flags)


async def spawn_program(*command: str) -> tuple[asyncio.subprocess.Process, str]:
    """A child whose first line of output is its port (or that it is ready)."""
    pipe = subprocess.PIPE
    child = await asyncio.create_subprocess_exec(
        *command, stdin=pipe, stdout=pipe, cwd=ROOT, limit=1 << 28
    )
    return child, (await child.stdout.readline()).decode().strip()  # type: ignore[union-attr]


async def spawn_server(kind: str) -> tuple[asyncio.subprocess.Process, str]:
    """The media server: ours ("sfu"), aiortc's MediaRelay ("transcode") or the peer SFU
    ("mediasoup", bench/mediasoup/driver.mjs on the worker `make mediasoup` built)."""
    if kind == "mediasoup":
        return await spawn_program("node", str(ROOT / "bench/mediasoup/driver.mjs"))
    return await spawn("--serve-transcode" if kind == "transcode" else "--serve")


def cpu_seconds(pid: int) -> float:
    """CPU time of every thread of a process, from schedstat (nanoseconds)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread that just ended
    return total / 1e9


def kernel_share(pid: int) -> tuple[int, int]:
    """User and kernel clock ticks of a process, every thread's (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


# --- viewer workers (their own processes) -----------------------------------------------


async def work(port: int, stamp: bool) -> None:
    media = Control(*await asyncio.open_connection("127.0.0.1", port))
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    viewers: list[SyntheticViewer] = []
    print("ready", flush=True)
    while line := await stdin.readline():
        call = json.loads(line)
        result: object = None
        if call["op"] == "add":
            for name in call["names"]:
                viewer = SyntheticViewer(keep=False, stamp=stamp)
                offer = await media.call("subscribe", viewer=name)
                await media.call("answer", viewer=name, sdp=await viewer.answer(offer))  # type: ignore[arg-type]
                viewers.append(viewer)
        elif call["op"] == "reset":
            for got in (g for v in viewers for g in v.received.values()):
                got.latencies.clear()
                got.seqs.clear()
        elif call["op"] == "collect":
            result = {
                "latencies": [x for v in viewers for g in v.received.values() for x in g.latencies],
                "gaps": sum(g.gaps for v in viewers for g in v.received.values()),
                "cpu": cpu_seconds(os.getpid()),
            }
        elif call["op"] == "stop":
            for viewer in viewers:
                await viewer.close()
        print(json.dumps({"result": result}), flush=True)
        if call["op"] == "stop":
            media.writer.close()
            await media.writer.wait_closed()
            return


class Workers:
    def __init__(self) -> None:
        self.controls: list[Control] = []
        self.children: list[asyncio.subprocess.Process] = []
        self.count = 0

    async def start(self, port: int, workers: int, stamp: bool) -> None:
        for _ in range(workers):
            flags = ["--work", str(port)] + (["--stamp"] if stamp else [])
            child, _ready = await spawn(*flags)
            self.children.append(child)
            self.controls.append(Control(child.stdout, child.stdin))  # type: ignore[arg-type]

    async def grow(self, count: int) -> None:
        names: list[list[str]] = [[] for _ in self.controls]
        added = count - self.count
        while self.count < count:  # in blocks: worker 0 gets the first share, and so on
            share = (count - self.count - 1) * len(names) // added
            names[len(names) - 1 - share].append(f"viewer{self.count}")
            self.count += 1
        await asyncio.gather(
            *(c.call("add", names=n) for c, n in zip(self.controls, names, strict=True))
        )

    async def each(self, op: str) -> list:
        return await asyncio.gather(*(c.call(op) for c in self.controls))

    async def stop(self) -> None:
        await self.each("stop")
        for child in self.children:
            await child.wait()


# --- the run (this process: the publisher) ----------------------------------------------


def percentile(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


async def measure(pid: int, media: Control, workers: Workers, seconds: float, profile) -> dict:
    await asyncio.sleep(3)  # connections up, first key frame through
    await workers.each("reset")
    await media.call("in_sfu")
    spy = None
    if profile:
        spy = await asyncio.create_subprocess_exec(
            shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy"),
            "record", "-p", str(pid),
            "-d", str(int(seconds)), "-r", "250", "-f", "raw", "-o", profile,
        )  # fmt: skip
    ticks = kernel_share(pid)
    before = (cpu_seconds(pid), await media.call("forwarded"), time.monotonic())
    clients0 = sum(r["cpu"] for r in await workers.each("collect"))
    await asyncio.sleep(seconds)
    after = (cpu_seconds(pid), await media.call("forwarded"), time.monotonic())
    user, kernel = (b - a for a, b in zip(ticks, kernel_share(pid), strict=True))
    dropped = await media.call("dropped")
    in_sfu = await media.call("in_sfu")
    collected = await workers.each("collect")
    if spy is not None:
        await spy.wait()
    wall = after[2] - before[2]
    return {
        "viewers": workers.count,
        "wall": wall,
        "cpu": after[0] - before[0],
        "forwarded": after[1] - before[1],
        "dropped": dropped,
        "kernel": kernel / max(user + kernel, 1),
        "in_sfu": [x * 1000 for x in in_sfu],  # type: ignore[union-attr]
        "latencies": [x * 1000 for r in collected for x in r["latencies"]],
        "clients": (sum(r["cpu"] for r in collected) - clients0) / wall,
        "gaps": sum(r["gaps"] for r in collected),
    }


async def series(clip, counts: list[int], args, kind: str = "sfu") -> list[dict]:
    transcode = kind == "transcode"
    server, port = await spawn_server(kind)
    media = Control(*await asyncio.open_connection("127.0.0.1", int(port), limit=1 << 28))
    pid = server.pid if transcode else await media.call("cpu_pid")
    publisher = SyntheticPublisher(clip, stamp=not transcode)
    await publisher.accept(await media.call("publish", sdp=await publisher.offer()))  # type: ignore[arg-type]
    workers = Workers()
    await workers.start(int(port), args.workers, stamp=not transcode)
    results = []
    try:
        for count in counts:
            await workers.grow(count)
            profile = args.profile if count == counts[-1] and kind == "sfu" else None
            results.append(await measure(pid, media, workers, args.seconds, profile))
            report(results[-1], kind)
    finally:
        await workers.stop()
        await publisher.close()
        await media.call("stop")
        await server.wait()
    return results


def ms(values: list[float]) -> str:
    return "p50 {:.2f} p95 {:.2f} p99 {:.2f} ms".format(
        *(percentile(values, p) for p in (50, 95, 99))
    )


def report(r: dict, kind: str) -> None:
    rate = r["cpu"] / r["wall"]
    clients = f"viewer processes {r['clients']:.2f} core"
    if kind == "transcode":
        per_viewer = rate / r["viewers"]
        print(f"transcode N={r['viewers']}: server {rate:.3f} core ({per_viewer:.3f} per viewer)")
        return
    per_packet = r["cpu"] / r["forwarded"]
    print(f"{kind} N={r['viewers']}: {r['forwarded'] / r['wall']:.0f} pkt/s forwarded, server "
          f"{rate:.3f} core: {per_packet * 1e6:.1f} µs/pkt, "
          f"{1 / per_packet:.0f} pkt/core-s, {r['kernel']:.0%} in the kernel")  # fmt: skip
    print(f"    latency, publisher send -> arrival at the viewer: {ms(r['latencies'])}")
    print(f"    of which in the SFU (-> written to the last viewer): {ms(r['in_sfu'])}")
    print(f"    {clients}; load average {os.getloadavg()[0]:.2f}; {r['gaps']} packets "
          f"missing at viewers; viewers fell behind {r['dropped']} times", flush=True)  # fmt: skip


def slope(results: list[dict]) -> float:
    """Server CPU (cores) per added viewer between the first and the last N."""
    first, last = results[0], results[-1]
    added = last["cpu"] / last["wall"] - first["cpu"] / first["wall"]
    return added / (last["viewers"] - first["viewers"])


async def against_peer(clip, args, first: dict) -> tuple[list[dict], list[dict]]:
    """Runs at the last N alternating ours and the peer SFU's (mediasoup): ours, peer, ours,
    peer...; ``first`` (the series' last run) is ours the first time."""
    ours, peer = [first], []
    for run in range(args.peer_runs):
        if run:
            ours += await series(clip, args.viewers[-1:], args)
        peer += await series(clip, args.viewers[-1:], args, "mediasoup")
    return ours, peer


def pooled(runs: list[dict]) -> float:
    """Packets per core-second over several runs: all packets over all CPU time."""
    return sum(r["forwarded"] for r in runs) / sum(r["cpu"] for r in runs)


MEDIASOUP_WORKER = ROOT / ".mediasoup/build/mediasoup-worker"  # make mediasoup


async def main(args: argparse.Namespace) -> None:
    if args.peer_runs and not MEDIASOUP_WORKER.exists():
        sys.exit(f"no {MEDIASOUP_WORKER}: run `make mediasoup` (or --peer-runs 0)")
    clip = encode_clip(seconds=5, width=640, height=480, bitrate=600_000)
    kbps = sum(map(len, clip.video)) * 8 / 5 / 1000
    print(f"clip: 640x480 VP8 {kbps:.0f} kbps + Opus, {len(clip.video)} frames", flush=True)
    sfu = await series(clip, args.viewers, args)
    ours, peer = await against_peer(clip, args, sfu[-1]) if args.peer_runs else ([sfu[-1]], [])
    room = None
    if args.room:
        room = await room_line(clip, args.room, args.seconds, args.workers, cpu_seconds)
        alone = [(r["viewers"], r["cpu"] / r["forwarded"]) for r in sfu]
        report_room(room, dict(alone).get(args.room), ms)
    fields = [f"pkts_per_core_s={pooled(ours):.0f}"]
    if args.transcode:
        transcoded = await series(clip, args.transcode, args, "transcode")
        print(f"per added viewer: sfu {slope(sfu) * 1000:.2f} millicores, "
              f"transcode {slope(transcoded) * 1000:.1f} millicores")  # fmt: skip
        fields.append(f"viewer_cost_ratio_vs_transcode={slope(transcoded) / slope(sfu):.0f}")
    fields.append(f"p95_ms={percentile(sfu[-1]['latencies'], 95):.1f}")
    if room is not None:
        fields.append(f"room_pkts_per_core_s={room['sent'] / room['cpu']:.0f}")
        fields.append(f"room_p95_ms={percentile(room['latencies'], 95):.1f}")
    if peer:
        each = lambda runs: " ".join(str(round(r["forwarded"] / r["cpu"])) for r in runs)  # noqa: E731
        print(f"N={args.viewers[-1]}, alternating runs, pkt/core-s: ours {each(ours)}; "
              f"mediasoup {each(peer)}; load average {os.getloadavg()[0]:.2f}")  # fmt: skip
        fields.append(f"mediasoup_pkts_per_core_s={pooled(peer):.0f}")
        fields.append(f"vs_mediasoup={pooled(ours) / pooled(peer):.2f}")
    print("sfu: " + " ".join(fields))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    counts = lambda text: [int(n) for n in text.split(",") if n]  # noqa: E731
    parser.add_argument("--viewers", type=counts, default=[10, 50, 100])
    parser.add_argument("--transcode", type=counts, default=[1, 3])
    parser.add_argument("--room", type=int, default=100, help="viewers in the room line (0: no)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2, help="viewer processes")
    parser.add_argument(
        "--peer-runs", type=int, default=2,
        help="runs of mediasoup (make mediasoup) at the last N, alternating with ours (0: no)",
    )  # fmt: skip
    parser.add_argument("--profile", metavar="PATH", help="py-spy the SFU during the last N")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-transcode", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--stamp", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve or args.serve_transcode:
        asyncio.run(serve(transcode=args.serve_transcode))
    elif args.work:
        asyncio.run(work(args.work, args.stamp))
    else:
        asyncio.run(main(args))

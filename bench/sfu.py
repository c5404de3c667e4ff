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

The edge line: the same publisher publishes to the room's owner (bench/cluster.py's owner, a
Router placing every viewer on an edge) and ONE edge process (``EdgeService``, fed over a relay
link from the owner; bench/sfu_servers.py) serves every viewer; its figure is the edge
process's: its forwarded packets (its outlets' counts) over its CPU (every thread, read as
ours is). The owner's CPU is not in it.

Beside ours, a peer SFU built here: mediasoup 3.12.16 (``make mediasoup``), a Router in its
worker process driven by bench/mediasoup/driver.mjs with the same calls, the same publisher
and the same viewers; its worker's CPU is read as ours is (every thread's schedstat), and
"forwarded" is the RTP its consumers sent (their stats' packet counts). At the last N,
``--peer-runs`` runs of each kind alternate (ours, edge, mediasoup, ours, edge, mediasoup...;
the series' last run is ours' first; with 0, the edge runs once and mediasoup not), each with
its own servers, publisher and viewers. Every run prints the packets its viewers missed
(sequence gaps) against those expected (received and missed); a run whose viewers missed
more than 0.5 % is left out of the pooled figures, and the output says so; a kind whose runs
were all left out has no valid figure (``invalid``). Figures over the alternating runs are
pooled: all their packets over all their CPU time. Final line: ``sfu: pkts_per_core_s=<n>
viewer_cost_ratio_vs_transcode=<x> p95_ms=<y> room_pkts_per_core_s=<n> room_p95_ms=<y>
mediasoup_pkts_per_core_s=<n> vs_mediasoup=<r> edge_pkts_per_core_s=<n>
edge_vs_mediasoup=<r>`` (pkts_per_core_s: ours pooled at the last N; the mediasoup fields
only with ``--peer-runs`` above 0).
"""

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sfu_room import report_room, room_line, udp_drops  # noqa: E402
from sfu_servers import Control, serving, spawn_program  # noqa: E402
from wakeups import cpu_seconds  # noqa: E402

from tests.server.media.synthetic import (  # noqa: E402
    SyntheticPublisher,
    SyntheticViewer,
    encode_clip,
)

LOST_AT_MOST = 0.005  # a run whose viewers missed more of the packets expected is left out


async def spawn(*flags: str) -> tuple[asyncio.subprocess.Process, str]:
    return await spawn_program(sys.executable, __file__, *flags)


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
    full = 0  # datagrams the kernel dropped at the viewers' full sockets before the reset
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
            full = udp_drops()
            for got in (g for v in viewers for g in v.received.values()):
                got.latencies.clear()
                got.seqs.clear()
        elif call["op"] == "collect":
            result = {
                "latencies": [x for v in viewers for g in v.received.values() for x in g.latencies],
                "gaps": sum(g.gaps for v in viewers for g in v.received.values()),
                "received": sum(len(g.seqs) for v in viewers for g in v.received.values()),
                "silent": sum(not any(g.seqs for g in v.received.values()) for v in viewers),
                "full": udp_drops() - full,
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
        "received": sum(r["received"] for r in collected),
        "silent": sum(r["silent"] for r in collected),
        "full": sum(r["full"] for r in collected),
    }


async def series(clip, counts: list[int], args, kind: str = "sfu") -> list[dict]:
    stamp = kind != "transcode"
    results = []
    async with serving(kind) as server:
        publisher = SyntheticPublisher(clip, stamp=stamp)
        await publisher.accept(await server.calls.call("publish", sdp=await publisher.offer()))  # type: ignore[arg-type]
        workers = Workers()
        await workers.start(server.port, args.workers, stamp=stamp)
        try:
            for count in counts:
                await workers.grow(count)
                profile = args.profile if count == counts[-1] and kind == "sfu" else None
                results.append(
                    await measure(server.pid, server.counts, workers, args.seconds, profile)
                )
                report(results[-1], kind)
        finally:
            await workers.stop()
            await publisher.close()
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
    per_packet = r["cpu"] / max(r["forwarded"], 1)
    print(f"{kind} N={r['viewers']}: {r['forwarded'] / r['wall']:.0f} pkt/s forwarded, server "
          f"{rate:.3f} core: {per_packet * 1e6:.1f} µs/pkt, "
          f"{1 / per_packet:.0f} pkt/core-s, {r['kernel']:.0%} in the kernel")  # fmt: skip
    print(f"    latency, publisher send -> arrival at the viewer: {ms(r['latencies'])}")
    print(f"    of which in the SFU (-> written to the last viewer): {ms(r['in_sfu'])}")
    silent = f", {r['silent']} viewers received nothing" if r["silent"] else ""
    print(f"    {clients}; load average {os.getloadavg()[0]:.2f}; {missing(r)} packets "
          f"missing at viewers ({lost(r):.2%} of {expected(r)} expected{silent}; the kernel "
          f"dropped {r['full']} datagrams at their full sockets, busy viewer processes); "
          f"viewers fell behind {r['dropped']} times", flush=True)  # fmt: skip


def slope(results: list[dict]) -> float:
    """Server CPU (cores) per added viewer between the first and the last N."""
    first, last = results[0], results[-1]
    added = last["cpu"] / last["wall"] - first["cpu"] / first["wall"]
    return added / (last["viewers"] - first["viewers"])


async def alternating(clip, args, first: dict) -> dict[str, list[dict]]:
    """Runs at the last N, each kind in turn: ours, the edge, mediasoup, ours... (``--peer-runs``
    of each; with 0, the edge once and no mediasoup); ``first`` (the series' last run) is ours
    the first time."""
    kinds = ["sfu", "edge"] + (["mediasoup"] if args.peer_runs else [])
    runs: dict[str, list[dict]] = {kind: [] for kind in kinds}
    runs["sfu"].append(first)
    for run in range(max(args.peer_runs, 1)):
        for kind in kinds:
            if run or kind != "sfu":
                runs[kind] += await series(clip, args.viewers[-1:], args, kind)
    return runs


def expected(r: dict) -> int:
    """Packets the viewers should have had in a run: those received and the gaps between
    them, and for a viewer that received nothing, what the others had on average."""
    heard, had = r["viewers"] - r["silent"], r["received"] + r["gaps"]
    return had + r["silent"] * had // heard if heard else 0


def missing(r: dict) -> int:
    return expected(r) - r["received"]


def lost(r: dict) -> float:
    """The share of the expected packets the viewers missed (all of them when none came)."""
    return missing(r) / expected(r) if expected(r) else 1.0


def pooled(runs: list[dict]) -> float | None:
    """Packets per core-second over several runs: all packets over all CPU time, of the runs
    whose viewers missed at most ``LOST_AT_MOST`` of the packets (None: no such run)."""
    kept = [r for r in runs if lost(r) <= LOST_AT_MOST]
    return sum(r["forwarded"] for r in kept) / sum(r["cpu"] for r in kept) if kept else None


def figure(value: float | None, digits: int = 0) -> str:
    return "invalid" if value is None else f"{value:.{digits}f}"


def ratio(ours: float | None, theirs: float | None) -> str:
    return figure(None if ours is None or theirs is None else ours / theirs, 2)


NAMES = {"sfu": "ours", "edge": "edge", "mediasoup": "mediasoup"}


def report_alternating(runs: dict[str, list[dict]], viewers: int) -> None:
    """Every run's figure and missing packets; which were left out of the pooled figures."""

    def each(r: dict) -> str:
        out = ", left out" if lost(r) > LOST_AT_MOST else ""
        return f"{r['forwarded'] / r['cpu']:.0f} ({lost(r):.2%} missing{out})"

    listed = "; ".join(f"{NAMES[k]} {' '.join(map(each, rs))}" for k, rs in runs.items())
    print(f"N={viewers}, alternating runs, pkt/core-s: {listed}; "
          f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    for kind, kind_runs in runs.items():
        out = sum(lost(r) > LOST_AT_MOST for r in kind_runs)
        if out:
            why = f"their viewers missed more than {LOST_AT_MOST:.1%} of the packets expected"
            verdict = "its figure is not valid" if out == len(kind_runs) else "pooled without them"
            print(f"    {NAMES[kind]}: {out} of {len(kind_runs)} runs left out ({why}): {verdict}")


MEDIASOUP_WORKER = ROOT / ".mediasoup/build/mediasoup-worker"  # make mediasoup


async def main(args: argparse.Namespace) -> None:
    if args.peer_runs and not MEDIASOUP_WORKER.exists():
        sys.exit(f"no {MEDIASOUP_WORKER}: run `make mediasoup` (or --peer-runs 0)")
    clip = encode_clip(seconds=5, width=640, height=480, bitrate=600_000)
    kbps = sum(map(len, clip.video)) * 8 / 5 / 1000
    print(f"clip: 640x480 VP8 {kbps:.0f} kbps + Opus, {len(clip.video)} frames", flush=True)
    sfu = await series(clip, args.viewers, args)
    runs = await alternating(clip, args, sfu[-1])
    report_alternating(runs, args.viewers[-1])
    ours = pooled(runs["sfu"])
    room = None
    if args.room:
        room = await room_line(clip, args.room, args.seconds, args.workers, cpu_seconds)
        alone = [(r["viewers"], r["cpu"] / r["forwarded"]) for r in sfu]
        report_room(room, dict(alone).get(args.room), ms)
    fields = [f"pkts_per_core_s={figure(ours)}"]
    if args.transcode:
        transcoded = await series(clip, args.transcode, args, "transcode")
        print(f"per added viewer: sfu {slope(sfu) * 1000:.2f} millicores, "
              f"transcode {slope(transcoded) * 1000:.1f} millicores")  # fmt: skip
        fields.append(f"viewer_cost_ratio_vs_transcode={slope(transcoded) / slope(sfu):.0f}")
    fields.append(f"p95_ms={percentile(sfu[-1]['latencies'], 95):.1f}")
    if room is not None:
        fields.append(f"room_pkts_per_core_s={room['sent'] / room['cpu']:.0f}")
        fields.append(f"room_p95_ms={percentile(room['latencies'], 95):.1f}")
    edge = pooled(runs["edge"])
    if "mediasoup" in runs:
        peer = pooled(runs["mediasoup"])
        fields.append(f"mediasoup_pkts_per_core_s={figure(peer)}")
        fields.append(f"vs_mediasoup={ratio(ours, peer)}")
    fields.append(f"edge_pkts_per_core_s={figure(edge)}")
    if "mediasoup" in runs:
        fields.append(f"edge_vs_mediasoup={ratio(edge, peer)}")
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
        help="runs of each at the last N, alternating ours, the edge and mediasoup (make "
        "mediasoup); 0: the edge once, no mediasoup",
    )  # fmt: skip
    parser.add_argument("--profile", metavar="PATH", help="py-spy the SFU during the last N")
    parser.add_argument("--work", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--stamp", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.work:
        asyncio.run(work(args.work, args.stamp))
    else:
        asyncio.run(main(args))

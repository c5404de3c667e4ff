"""Cluster benchmark: one publisher, its viewers spread over 1, 2 and 4 edge processes.

    python bench/cluster.py                        # 100 viewers; edges 1, 2, 4
    python bench/cluster.py --viewers 40 --edges 2 --seconds 8

The room's owner runs alone in a process (a Router, its ``Audiences`` on this machine's
Redis, ``REDIS_URL`` or redis://127.0.0.1:6379/12, flushed first); each edge is
tests/server/edge_child.py (``EdgeService``); the publisher (the clip of bench/sfu.py,
≈600 kbps VP8 + Opus) runs in this process, the viewers (aiortc for ICE, DTLS
and RTCP; each RTP packet counted from its clear header as it arrives, which lets this
machine hold several hundred) in ``--workers`` processes. Everything is on 127.0.0.1.

The owner runs with the same settings in every line (``EDGE_PLACE_AFTER=0``, watching for
edges as ``python -m server`` does). First the single line: no edge runs, so every viewer
is on the owner. Then, per edge count k, every viewer's subscribe connection on an edge,
the owner relaying to each edge over a relay link, and the single line again: each edge
line is read against the mean of the single lines just before and after it, so the
machine's drift between lines (the single line alone varied 0.69-0.93 millicores a viewer
between runs here) does not land on one side. Measured over ``--seconds``: the CPU of
the owner and the edges (every thread, schedstat) per viewer, against the single line's
(``cost_per_viewer_vs_single``); ``loss_pct``: packets missing at the viewers (sequence
gaps) over packets expected. Then ``failover_s``: one edge is killed (``kill -9``); the
owner sees its relay link refused (or, failing that, its heartbeat stop) and fails its
viewers' media (printed: after how long); their clients (here, the
workers, told by the owner) start their media again and are placed on the other edges (or
on the owner when no edge is left); the seconds from the kill until every viewer of that
edge receives video again. Lines: ``cluster: viewers=<n> edges=<k> loss_pct=<x>
cost_per_viewer_vs_single=<r> failover_s=<s>``; beside them, what the owner costs with its
publisher alone (measured before the single line's viewers come) and what an edge costs
whatever it serves (``fixed cost per edge``: the one-edge line measures the edge with one
viewer before the others come, less that viewer's share of the slope to all of them; and
the owner's cost for the relay link, the owner with that one link less the owner alone).
Last, the **wake-up floor** (bench/wakeups.py): a process that does nothing but wake for a
datagram, at the rate the edges were woken (their threads' voluntary context switches),
once an event loop's and once a blocking read's; and each line as it would be if every edge
cost only that floor and its viewers' share of the single line: the best any edge process
could do here, to read the goal's line against.
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sfu_servers import Control, serve_calls  # noqa: E402
from wakeups import KINDS, cpu_seconds, floor, wakeups  # noqa: E402

from server.audiences import Audiences  # noqa: E402
from server.media import CandidatePolicy, MediaConfig, Router  # noqa: E402
from server.store import Store, connect  # noqa: E402
from tests.server.media.synthetic import SyntheticPublisher, SyntheticViewer, encode_clip  # noqa: E402

CONFIG = MediaConfig(host_addresses=("127.0.0.1",), candidates=CandidatePolicy(allow_loopback=True))
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/12")
OWNER = "bench-owner"


# --- the owner (its own process) ----------------------------------------------------------


class Owner:
    def __init__(self, place_after: int) -> None:
        self.store = Store(connect(REDIS_URL))
        self.audiences = Audiences(
            self.store, process=OWNER, relay_host="127.0.0.1", place_after=place_after
        )
        self.audiences.start()
        self.failures: list[str] = []
        self.router = Router(room_id="bench", config=CONFIG, on_peer_failed=self.failures.append)
        self.audience = self.audiences.for_room(self.router)
        self.peers: dict[str, Any] = {}

    async def edges(self) -> list[str]:
        return sorted(self.audiences.edges)

    async def publish(self, sdp: str) -> str:
        peer = self.router.open_peer("publisher", may_publish=lambda kind: True)
        return (await peer.publish(sdp)).sdp

    async def subscribe(self, viewer: str) -> str | None:
        local = self.router.open_peer(viewer, may_publish=lambda kind: False)
        peer = self.peers[viewer] = self.audience.place(local, seats=len(self.router.peers))
        return await peer.subscribe()

    async def answer(self, viewer: str, sdp: str) -> None:
        await self.peers[viewer].subscribed(sdp)

    async def placed(self) -> dict[str, str]:
        return {v: getattr(p, "edge", "owner") for v, p in self.peers.items()}

    async def failed(self) -> list[str]:
        """Viewers whose media failed since last asked: closed, as the room would."""
        failed, self.failures[:] = sorted(set(self.failures)), []
        for viewer in failed:
            await self.router.close_peer(viewer)
            await self.audience.release(viewer)
            self.peers.pop(viewer, None)
        return failed

    async def close(self) -> None:
        await self.router.close()
        await self.audience.close()
        await self.audiences.stop()
        await self.store.close()


async def serve(place_after: int) -> None:
    await serve_calls(Owner(place_after))


async def spawn(*args: str) -> tuple[asyncio.subprocess.Process, str]:
    pipe = subprocess.PIPE
    child = await asyncio.create_subprocess_exec(
        sys.executable, *args, stdin=pipe, stdout=pipe, cwd=ROOT, limit=1 << 24,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    return child, (await child.stdout.readline()).decode().strip()  # type: ignore[union-attr]


# --- viewer workers (their own processes) ----------------------------------------------


FIRST_SECONDS = 6.0  # the measure before the viewers come (see ``run``)
LINES = 8  # connections from a worker to the owner: viewers start their media in parallel


async def work(port: int) -> None:
    owners = [
        Control(*await asyncio.open_connection("127.0.0.1", port, limit=1 << 24))
        for _ in range(LINES)
    ]
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader(limit=1 << 24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    viewers: dict[str, SyntheticViewer] = {}

    async def add(names: list[str], owner: Control) -> None:
        for name in names:
            if name in viewers:
                await viewers.pop(name).close()
            viewer = viewers[name] = SyntheticViewer(keep=False, headers=True)
            offer = await owner.call("subscribe", viewer=name)
            await owner.call("answer", viewer=name, sdp=await viewer.answer(offer))

    print("ready", flush=True)
    while line := await stdin.readline():
        call = json.loads(line)
        result: object = None
        if call["op"] == "add":
            names = call["names"]
            await asyncio.gather(*(add(names[i::LINES], o) for i, o in enumerate(owners)))
        elif call["op"] == "reset":
            for got in (g for v in viewers.values() for g in v.received.values()):
                got.seqs.clear()
        elif call["op"] == "collect":
            got = [g for v in viewers.values() for g in v.received.values()]
            result = {"received": sum(len(g.seqs) for g in got), "gaps": sum(g.gaps for g in got)}
        elif call["op"] == "video":
            result = {n: len(v.received["video"].seqs) for n, v in viewers.items()}
        elif call["op"] == "stop":
            for viewer in viewers.values():
                await viewer.close()
        print(json.dumps({"result": result}), flush=True)
        if call["op"] == "stop":
            return


class Workers:
    def __init__(self) -> None:
        self.controls: list[Control] = []
        self.children: list[asyncio.subprocess.Process] = []
        self.home: dict[str, int] = {}  # viewer -> its worker

    async def start(self, port: int, count: int) -> None:
        for _ in range(count):
            child, _ready = await spawn(__file__, "--work", str(port))
            self.children.append(child)
            self.controls.append(Control(child.stdout, child.stdin))  # type: ignore[arg-type]

    async def add(self, names: list[str]) -> None:
        shares: list[list[str]] = [[] for _ in self.controls]
        for i, name in enumerate(names):
            worker = self.home.setdefault(name, i % len(self.controls))
            shares[worker].append(name)
        await asyncio.gather(
            *(c.call("add", names=s) for c, s in zip(self.controls, shares, strict=True))
        )

    async def each(self, op: str) -> list[Any]:
        return await asyncio.gather(*(c.call(op) for c in self.controls))

    async def video(self) -> dict[str, int]:
        return {n: c for r in await self.each("video") for n, c in r.items()}

    async def stop(self) -> None:
        await self.each("stop")
        for child in self.children:
            await child.wait()


# --- a run ---------------------------------------------------------------------------------


async def usage(pids: list[int], seconds: float) -> list[float]:
    """The cores each process used over the next ``seconds``."""
    before, at = [cpu_seconds(p) for p in pids], time.monotonic()
    await asyncio.sleep(seconds)
    wall = time.monotonic() - at
    return [(cpu_seconds(p) - b) / wall for p, b in zip(pids, before, strict=True)]


async def run(clip: Any, viewers: int, edges: int, seconds: float, workers: int) -> dict:
    """One line: the owner, ``edges`` edge processes, the publisher, the viewers.

    The owner runs with the same settings in every line (its ``Audiences`` watching for
    edges, as ``python -m server`` does); in the single line there is simply no edge. Before
    the viewers come, the single line measures the owner with its publisher alone, and the
    one-edge line the owner and the edge with one viewer: what an edge costs whatever it
    serves (``fixed``) is that, less one viewer's share of the slope to all of them.
    """
    store = Store(connect(REDIS_URL))
    await store.redis.flushdb()
    owner_proc, port = await spawn(__file__, "--serve", "0")
    children = [
        (await spawn("-m", "tests.server.edge_child", f"edge-{i}", REDIS_URL))[0]
        for i in range(edges)
    ]
    owner = Control(*await asyncio.open_connection("127.0.0.1", int(port), limit=1 << 24))
    publisher = SyntheticPublisher(clip)
    crew = Workers()
    result: dict = {"viewers": viewers, "edges": edges}
    pids = [owner_proc.pid] + [c.pid for c in children]
    try:
        for _ in range(100):
            if len(await owner.call("edges")) == edges:
                break
            await asyncio.sleep(0.1)
        await publisher.accept(await owner.call("publish", sdp=await publisher.offer()))
        await crew.start(int(port), workers)
        names = [f"viewer{i}" for i in range(viewers)]
        first = names[:1] if edges == 1 else []
        if edges <= 1:
            await crew.add(first)
            await asyncio.sleep(3)
            result["first"] = await usage(pids, FIRST_SECONDS)
        await crew.add(names[len(first) :])
        await asyncio.sleep(3)  # connections up, first key frames through
        await crew.each("reset")
        woken, at = [wakeups(p) for p in pids[1:]], time.monotonic()
        used = await usage(pids + [c.pid for c in crew.children], seconds)
        used, result["viewer_cores"] = used[: len(pids)], sum(used[len(pids) :])
        result["edge_wakeups"] = [
            (wakeups(p) - w) / (time.monotonic() - at) for p, w in zip(pids[1:], woken, strict=True)
        ]
        got = await crew.each("collect")
        received, gaps = sum(g["received"] for g in got), sum(g["gaps"] for g in got)
        result |= {
            "cores": sum(used),
            "owner_cores": used[0],
            "edge_cores": used[1:],
            "per_viewer": sum(used) / viewers,
            "loss_pct": 100 * gaps / max(1, received + gaps),
            "placed": await owner.call("placed"),
        }
        if edges:
            result["failover_s"] = await failover(owner, crew, children[0], "edge-0")
    finally:
        await crew.stop()
        await owner.call("stop")
        await owner_proc.wait()
        for child in children:
            if child.returncode is None:
                child.stdin.write(b"stop\n")  # type: ignore[union-attr]
                await child.wait()
        await publisher.close()
        await store.close()
    return result


async def failover(
    owner: Control, crew: Workers, edge: asyncio.subprocess.Process, name: str
) -> float:
    """kill -9 of an edge: seconds until each of its viewers receives video again."""
    on_it = sorted(v for v, e in (await owner.call("placed")).items() if e == name)
    killed = time.monotonic()
    edge.kill()
    await edge.wait()
    back: set[str] = set()
    restarted: dict[str, int] = {}
    while len(back) < len(on_it) and time.monotonic() - killed < 60:
        failed = await owner.call("failed")
        if failed:
            if not restarted:
                told = time.monotonic() - killed
                print(f"  failover: {len(on_it)} viewers failed after {told:.2f} s", flush=True)
            await crew.add(failed)  # their clients start their media again
            restarted |= dict.fromkeys(failed, 0)
        counts = await crew.video()
        back |= {v for v in restarted if counts.get(v, 0) >= 10}
        await asyncio.sleep(0.05)
    return time.monotonic() - killed if len(back) == len(on_it) else float("nan")


def report(r: dict, single: dict) -> None:
    where = sorted(set(r["placed"].values()))
    print(
        f"  edges={r['edges']}: {r['cores']:.3f} cores for {r['viewers']} viewers "
        f"({1000 * r['per_viewer']:.2f} millicores each, on {', '.join(where)}), "
        f"loss {r['loss_pct']:.3f} %; the owner {r['owner_cores']:.3f} cores, the edges "
        f"{', '.join(f'{c:.3f}' for c in r['edge_cores']) or '-'}; the viewers' own processes "
        f"{r['viewer_cores']:.3f}; load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    if not r["edges"]:
        print(f"  the owner with its publisher alone: {1000 * r['first'][0]:.1f} millicores")
        return
    print(
        f"cluster: viewers={r['viewers']} edges={r['edges']} loss_pct={r['loss_pct']:.2f} "
        f"cost_per_viewer_vs_single={r['per_viewer'] / single['per_viewer']:.2f} "
        f"failover_s={r['failover_s']:.2f}",
        flush=True,
    )
    if "first" in r and r["viewers"] > 1:
        owner_one, edge_one = r["first"]
        alone = single["first"][0]
        slope = (r["edge_cores"][0] - edge_one) / (r["viewers"] - 1)
        print(
            f"  fixed cost per edge: {1000 * (edge_one - slope):.1f} millicores on the edge "
            f"(with 1 viewer {1000 * edge_one:.1f}, each further viewer {1000 * slope:.2f}), "
            f"{1000 * (owner_one - alone):.1f} on the owner for its relay link "
            f"(the owner with 1 link {1000 * owner_one:.1f}, alone {1000 * alone:.1f})",
            flush=True,
        )


async def main(args: argparse.Namespace) -> None:
    clip = encode_clip(seconds=4, width=640, height=480, bitrate=600_000)
    load = os.getloadavg()
    print(
        f"cluster bench: {args.viewers} viewers, {args.seconds} s a line, load "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    single = await run(clip, args.viewers, 0, args.seconds, args.workers)
    report(single, single)
    lines = []
    for edges in args.edges:
        line = await run(clip, args.viewers, edges, args.seconds, args.workers)
        again = await run(clip, args.viewers, 0, args.seconds, args.workers)
        report(line, bracket(single, again))
        print(f"  edges=0 again: {1000 * again['per_viewer']:.2f} millicores a viewer", flush=True)
        lines.append(line)
        single = again
    await at_the_floor(lines, single, args.seconds)


def bracket(before: dict, after: dict) -> dict:
    """The single line an edge line is read against: the mean of the single lines run just
    before and just after it (the machine's own drift between lines, cancelled)."""
    mean = {k: (before[k] + after[k]) / 2 for k in ("per_viewer", "cores")}
    return before | mean | {"first": [(before["first"][0] + after["first"][0]) / 2]}


async def at_the_floor(lines: list[dict], single: dict, seconds: float) -> None:
    """Each line as it would be if every edge cost its viewers (as many as on the single
    process) and the wake-up floor (bench/wakeups.py) at the rate the edges were woken, and
    nothing more: the best an edge process of any make could do on this machine."""
    rates = [w for r in lines for w in r["edge_wakeups"]]
    if not rates:
        return
    rate = sum(rates) / len(rates)
    viewers = (single["cores"] - single["first"][0]) / single["viewers"]
    for kind in KINDS:
        cores, woken = await floor(kind, rate, seconds)
        best = [
            (r["owner_cores"] + viewers * r["viewers"] + r["edges"] * cores) / single["cores"]
            for r in lines
        ]
        print(
            f"  wake-up floor ({kind}): woken {woken:.0f}/s as the edges were ({rate:.0f}/s), "
            f"{1000 * cores:.1f} millicores; every edge at it, its viewers as on the single "
            f"process, the owner as measured: "
            + ", ".join(f"edges={r['edges']} {b:.2f}x" for r, b in zip(lines, best, strict=True)),
            flush=True,
        )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", type=int, default=100)
    parser.add_argument("--edges", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2, 4])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=int, default=None, help=argparse.SUPPRESS)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse()
    if arguments.serve is not None:
        asyncio.run(serve(arguments.serve))
    elif arguments.work is not None:
        asyncio.run(work(arguments.work))
    else:
        asyncio.run(main(arguments))

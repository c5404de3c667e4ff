"""Cluster benchmark: one publisher, its viewers spread over 1, 2 and 4 edge processes.

    python bench/cluster.py                        # 400 viewers; edges 1, 2, 4
    python bench/cluster.py --viewers 40 --edges 2 --seconds 4 --rounds 2

Each line sets up two rooms side by side, each with one publisher (the clip of
bench/sfu.py, ≈600 kbps VP8 + Opus, in this process) and ``--viewers`` viewers (aiortc for
ICE, DTLS and RTCP; each RTP packet counted from its clear header as it arrives, which lets
this machine hold several hundred; in ``--workers`` processes a room): the **single** room,
every viewer on its owner, and the **spread** room, every viewer's subscribe connection on
one of k edges (tests/server/edge_child.py, ``EdgeService``), its owner relaying to each
over a relay link. Each owner runs alone in a process (a Router, its ``Audiences`` watching
for edges as ``python -m server`` does, ``EDGE_PLACE_AFTER=0``) on a Redis database of its
own (``REDIS_URL`` or redis://127.0.0.1:6379/12, and the next one; flushed first), so the
single room's owner sees no edge. Everything is on 127.0.0.1.

The two rooms are measured **in turn**: ``--rounds`` windows of ``--seconds`` each, one
room's publisher holding its frames while the other's window runs, so both are measured in
the same minutes of this shared machine (measured a line at a time, the single room alone
varied 0.85-1.09 millicores a viewer between lines of one run). Measured: the CPU of the
owner and the edges (every thread, schedstat) per viewer, the spread room's against the
single room's (``cost_per_viewer_vs_single``); ``loss_pct``: packets missing at the viewers
(sequence gaps) over packets expected. Then ``failover_s``, the single room stopped first:
one edge is killed (``kill -9``); the owner sees its relay link refused (or, failing that,
its heartbeat stop) and fails its viewers' media (printed: after how long); their clients
(here, the workers, told by the owner) start their media again and are placed on the other
edges (or on the owner when no edge is left); the seconds from the kill until every viewer
of that edge receives video again. Lines: ``cluster: viewers=<n> edges=<k> loss_pct=<x>
cost_per_viewer_vs_single=<r> failover_s=<s>``; beside them, what the owner costs with its
publisher alone (measured before the single room's viewers come) and what an edge costs
whatever it serves (``fixed cost per edge``: the one-edge line measures the edge with one
viewer before the others come, less that viewer's share of the slope to all of them; and the
owner's cost for the relay link, the owner with that one link less the owner alone). Last,
the **wake-up floor** (bench/wakeups.py): a process that does nothing but wake for a
datagram, at the rate the edges were woken (their threads' voluntary context switches), once
an event loop's and once a blocking read's; and each line as it would be if every edge cost
only that floor and its viewers' share of the single room: the best any edge process could
do here, to read the goal's line against.
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
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
    def __init__(self, redis_url: str) -> None:
        self.store = Store(connect(redis_url))
        self.audiences = Audiences(self.store, process=OWNER, relay_host="127.0.0.1", place_after=0)
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


async def serve(redis_url: str) -> None:
    await serve_calls(Owner(redis_url))


async def spawn(*args: str) -> tuple[asyncio.subprocess.Process, str]:
    pipe = subprocess.PIPE
    child = await asyncio.create_subprocess_exec(
        sys.executable, *args, stdin=pipe, stdout=pipe, cwd=ROOT, limit=1 << 24,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    return child, (await child.stdout.readline()).decode().strip()  # type: ignore[union-attr]


# --- viewer workers (their own processes) ----------------------------------------------


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


# --- a line -------------------------------------------------------------------------------

SETTLE = 2.0  # seconds a room's publisher sends before its window is measured


async def usage(pids: list[int], seconds: float) -> list[float]:
    """The cores each process used over the next ``seconds``."""
    before, at = [cpu_seconds(p) for p in pids], time.monotonic()
    await asyncio.sleep(seconds)
    wall = time.monotonic() - at
    return [(cpu_seconds(p) - b) / wall for p, b in zip(pids, before, strict=True)]


class Room:
    """One room of a line: its owner process (on a Redis database of its own, so that it
    sees only its own edges), ``edges`` edge processes, a publisher in this process, the
    viewers in worker processes. Measured in windows while the other room's publisher
    holds its frames (``window``), summed over the windows (``total``)."""

    def __init__(self, redis_url: str, edges: int) -> None:
        self.stopped = False
        self.redis_url = redis_url
        self.edges = edges
        self.crew = Workers()
        self.children: list[asyncio.subprocess.Process] = []
        self.windows: list[dict[str, Any]] = []
        self.held_cores: list[float] = []  # this room's processes while the other's window ran

    async def start(self, clip: Any, workers: int) -> None:
        store = Store(connect(self.redis_url))
        await store.redis.flushdb()
        await store.close()
        self.process, port = await spawn(__file__, "--serve", self.redis_url)
        self.children = [
            (await spawn("-m", "tests.server.edge_child", f"edge-{i}", self.redis_url))[0]
            for i in range(self.edges)
        ]
        self.owner = Control(*await asyncio.open_connection("127.0.0.1", int(port), limit=1 << 24))
        for _ in range(100):
            if len(await self.owner.call("edges")) == self.edges:
                break
            await asyncio.sleep(0.1)
        self.publisher = SyntheticPublisher(clip)
        await self.publisher.accept(
            await self.owner.call("publish", sdp=await self.publisher.offer())
        )
        await self.crew.start(int(port), workers)

    @property
    def pids(self) -> list[int]:
        return [self.process.pid] + [c.pid for c in self.children]

    async def window(self, seconds: float, held: "Room") -> None:
        """A window of this room while ``held``'s publisher holds its frames (its processes
        are measured too: what the room waiting costs, ``held_cores``)."""
        await self.crew.each("reset")
        pids, viewers = self.pids, [c.pid for c in self.crew.children]
        waiting = held.pids + [c.pid for c in held.crew.children]
        woken, at = [wakeups(p) for p in pids[1:]], time.monotonic()
        used = await usage(pids + viewers + waiting, seconds)
        held.held_cores.append(sum(used[len(pids) + len(viewers) :]))
        used = used[: len(pids) + len(viewers)]
        wall = time.monotonic() - at
        rates = [(wakeups(p) - w) / wall for p, w in zip(pids[1:], woken, strict=True)]
        got = await self.crew.each("collect")
        self.windows.append({
            "used": used[: len(pids)], "viewer_cores": sum(used[len(pids) :]),
            "received": sum(g["received"] for g in got), "gaps": sum(g["gaps"] for g in got),
            "edge_wakeups": rates,
        })  # fmt: skip

    def total(self, viewers: int) -> dict[str, Any]:
        n = len(self.windows)
        used = [sum(w["used"][i] for w in self.windows) / n for i in range(len(self.pids))]
        received = sum(w["received"] for w in self.windows)
        gaps = sum(w["gaps"] for w in self.windows)
        rates = [sum(w["edge_wakeups"][i] for w in self.windows) / n for i in range(self.edges)]
        return {
            "viewers": viewers, "edges": self.edges, "windows": n,
            "cores": sum(used), "owner_cores": used[0], "edge_cores": used[1:],
            "per_viewer": sum(used) / viewers,
            "viewer_cores": sum(w["viewer_cores"] for w in self.windows) / n,
            "loss_pct": 100 * gaps / max(1, received + gaps), "edge_wakeups": rates,
            "held_cores": sum(self.held_cores) / max(1, len(self.held_cores)),
        }  # fmt: skip

    async def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        await self.crew.stop()
        await self.owner.call("stop")
        await self.process.wait()
        for child in self.children:
            if child.returncode is None:
                child.stdin.write(b"stop\n")  # type: ignore[union-attr]
                await child.wait()
        await self.publisher.close()


async def line(
    clip: Any, viewers: int, edges: int, seconds: float, workers: int, rounds: int
) -> tuple[dict, dict]:
    """The single room and the room on ``edges`` edges, both set up, then measured in turn
    (``rounds`` windows each), one room's publisher holding its frames while the other's
    is measured: both see the machine as it is in the same minute. The single room first
    measures its owner with the publisher alone, the spread room with one edge its edge
    with one viewer (``first``: what an edge costs whatever it serves). Then ``kill -9``
    of an edge of the spread room (``failover_s``)."""
    names = [f"viewer{i}" for i in range(viewers)]
    single, spread = Room(REDIS_URL, 0), Room(other_database(REDIS_URL), edges)
    rooms = (single, spread)
    try:
        await single.start(clip, workers)
        await asyncio.sleep(SETTLE)
        single_first = await usage(single.pids, seconds)
        await single.crew.add(names)
        single.publisher.hold()
        await spread.start(clip, workers)
        first = names[:1] if edges == 1 else []
        spread_first: list[float] = []
        if first:
            await spread.crew.add(first)
            await asyncio.sleep(3)
            spread_first = await usage(spread.pids, seconds)
        await spread.crew.add(names[len(first) :])
        for _ in range(rounds):
            for room, held in (rooms, rooms[::-1]):
                held.publisher.hold()
                room.publisher.go()
                await asyncio.sleep(SETTLE)
                await room.window(seconds, held)
        alone, spread_line = single.total(viewers), spread.total(viewers)
        alone["first"], spread_line["first"] = single_first, spread_first
        spread_line["placed"] = await spread.owner.call("placed")
        await single.stop()  # the failover with the spread room alone on the machine
        spread_line |= await failover(spread.owner, spread.crew, spread.children[0], "edge-0")
        return alone, spread_line
    finally:
        for room in rooms:
            if hasattr(room, "publisher"):
                await room.stop()


def other_database(url: str) -> str:
    """The same Redis, the next database (the single room's owner sees no edge)."""
    parts = urlsplit(url)
    if parts.scheme == "unix":  # unix:///path/redis.sock?db=N
        query = dict(parse_qsl(parts.query))
        query["db"] = str((int(query.get("db", 0)) + 1) % 16)
        return urlunsplit(parts._replace(query=urlencode(query)))
    db = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(db + 1) % 16}"))


async def failover(
    owner: Control, crew: Workers, edge: asyncio.subprocess.Process, name: str
) -> dict[str, Any]:
    """kill -9 of an edge: the seconds until each of its viewers receives video again
    (``failover_s``), how many there were (``moved``) and the seconds until the owner failed
    them (``told_s``)."""
    on_it = sorted(v for v, e in (await owner.call("placed")).items() if e == name)
    killed = time.monotonic()
    edge.kill()
    await edge.wait()
    back: set[str] = set()
    restarted: set[str] = set()
    told = float("nan")
    while len(back) < len(on_it) and time.monotonic() - killed < 60:
        failed = await owner.call("failed")
        if failed:
            if not restarted:
                told = time.monotonic() - killed
            await crew.add(failed)  # their clients start their media again
            restarted.update(failed)
        counts = await crew.video()
        back |= {v for v in restarted if counts.get(v, 0) >= 10}
        await asyncio.sleep(0.05)
    seconds = time.monotonic() - killed if len(back) == len(on_it) else float("nan")
    return {"failover_s": seconds, "moved": len(on_it), "told_s": told}


def report(single: dict, r: dict, seconds: float) -> None:
    where = sorted(set(r["placed"].values()))
    print(
        f"  edges={r['edges']}: {r['cores']:.3f} cores for {r['viewers']} viewers "
        f"({1000 * r['per_viewer']:.2f} millicores each, on {', '.join(where)}), "
        f"loss {r['loss_pct']:.3f} %; the owner {r['owner_cores']:.3f} cores, the edges "
        f"{', '.join(f'{c:.3f}' for c in r['edge_cores'])}; the viewers' own processes "
        f"{r['viewer_cores']:.3f}; the single room meanwhile {r['held_cores']:.3f} (held)\n"
        f"  edges=0 in turn with it: {single['cores']:.3f} cores "
        f"({1000 * single['per_viewer']:.2f} millicores each), loss {single['loss_pct']:.3f} %, "
        f"the owner with its publisher alone {1000 * single['first'][0]:.1f} millicores, the "
        f"spread room meanwhile {single['held_cores']:.3f} (held); "
        f"{r['windows']} windows of {seconds:.0f} s each; load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    print(
        f"cluster: viewers={r['viewers']} edges={r['edges']} loss_pct={r['loss_pct']:.2f} "
        f"cost_per_viewer_vs_single={r['per_viewer'] / single['per_viewer']:.2f} "
        f"failover_s={r['failover_s']:.2f}",
        flush=True,
    )
    print(f"  failover: the killed edge's {r['moved']} viewers failed after {r['told_s']:.2f} s")
    if r["first"] and r["viewers"] > 1:
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
        f"cluster bench: {args.viewers} viewers, {args.rounds} windows of {args.seconds} s "
        f"a room, load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    pairs = []
    for edges in args.edges:
        single, spread = await line(
            clip, args.viewers, edges, args.seconds, args.workers, args.rounds
        )
        report(single, spread, args.seconds)
        pairs.append((single, spread))
    await at_the_floor(pairs, args.seconds)


async def at_the_floor(pairs: list[tuple[dict, dict]], seconds: float) -> None:
    """Each line as it would be if every edge cost its viewers (as many as on the single
    process) and the wake-up floor (bench/wakeups.py) at the rate the edges were woken, and
    nothing more: the best an edge process of any make could do on this machine."""
    rates = [w for _, r in pairs for w in r["edge_wakeups"]]
    if not rates:
        return
    rate = sum(rates) / len(rates)
    for kind in KINDS:
        cores, woken = await floor(kind, rate, seconds)
        best = []
        for single, r in pairs:
            viewers = (single["cores"] - single["first"][0]) / single["viewers"]
            spent = r["owner_cores"] + viewers * r["viewers"] + r["edges"] * cores
            best.append(f"edges={r['edges']} {spent / single['cores']:.2f}x")
        print(
            f"  wake-up floor ({kind}): woken {woken:.0f}/s as the edges were ({rate:.0f}/s), "
            f"{1000 * cores:.1f} millicores; every edge at it, its viewers as on the single "
            f"process, the owner as measured: " + ", ".join(best),
            flush=True,
        )


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", type=int, default=400)
    parser.add_argument("--edges", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2, 4])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=4, help="worker processes a room")
    parser.add_argument("--rounds", type=int, default=3, help="windows a room, in turn")
    parser.add_argument("--serve", default=None, help=argparse.SUPPRESS)
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

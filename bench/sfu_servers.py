"""The media servers bench/sfu.py measures, each in a process of its own, driven by calls.

A server answers JSON lines on a loopback TCP socket (``op`` and its arguments; the port is
printed first): ``publish(sdp)``, ``subscribe(viewer)``, ``answer(viewer, sdp)`` and what the
bench counts, ``cpu_pid()`` (the process whose threads' CPU is the server's), ``forwarded()``
(packets its outlets sent), ``dropped()`` (times a viewer fell behind), ``in_sfu()`` (publisher
send -> written to the last viewer, since last asked), ``stop``.

- ``Forwarding`` (``--serve``): ours, a Router.
- ``Transcoding`` (``--serve-transcode``): aiortc's MediaRelay, decoding once and encoding per
  viewer.
- the edge line: the room's owner is bench/cluster.py's ``Owner`` (``--serve REDIS_URL``:
  every viewer placed on an edge), which takes the publisher and the viewers' calls; ONE
  edge process, ``EdgeForwarding`` (``--serve-edge NAME REDIS_URL``: ``EdgeService`` fed
  over a relay link from the owner), serves every viewer and answers what is counted. Both
  on a Redis of the bench's own (bench/chat_real.py's ``BenchRedis``).
- mediasoup (bench/mediasoup/driver.mjs on the worker ``make mediasoup`` built) answers the
  same calls.

``serving(kind)`` starts one of them and stops it afterwards.
"""

import argparse
import asyncio
import contextlib
import inspect
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.contrib.media import MediaRelay  # noqa: E402
from chat_real import BenchRedis  # noqa: E402

from server.edges import EdgeService  # noqa: E402
from server.media import CandidatePolicy, MediaConfig, Router  # noqa: E402
from server.media.outlet import Outlet  # noqa: E402
from server.media.packets import Packet  # noqa: E402
from server.media.source import Source  # noqa: E402
from server.store import Store, connect  # noqa: E402
from tests.server.media.synthetic import STAMP, set_local  # noqa: E402

CONFIG = MediaConfig(host_addresses=("127.0.0.1",), candidates=CandidatePolicy(allow_loopback=True))
EDGE = "bench-edge"


# --- what is counted -----------------------------------------------------------------------


class ForwardCounts:
    """What a forwarding server answers about its forwarding: its outlets' packets and
    fall-behinds, and how long a packet took from the publisher's send until it was written
    to the last viewer (each source's hand-over to its outlets is timed once it is seen)."""

    def __init__(self, sources: Callable[[], Iterable[Source]]) -> None:
        self.sources = sources  # the server's sources now
        self.spans: list[float] = []  # publisher send -> packet written to the last viewer
        self.seen: set[Outlet] = set()
        self.timed: set[int] = set()  # the sources timed, by id()

    def _watch(self) -> list[Source]:
        """The sources, each one's hand-over to its outlets (``Source._fan``, the owner's
        and an edge's copy alike) timed once it is seen."""
        sources = list(self.sources())
        for source in sources:
            if id(source) not in self.timed:
                self.timed.add(id(source))
                source._fan = self.timed_send(source._fan)  # type: ignore[method-assign]
        return sources

    def timed_send(self, send: Callable[[list[Packet], bytes, int], None]) -> Callable[..., None]:
        def timed(packets: list[Packet], ext: bytes, ntp: int) -> None:
            send(packets, ext, ntp)
            done = time.monotonic()
            for _seq, _ts, _marker, payload, _key, pad in packets:
                end = len(payload) - (payload[-1] if pad else 0)  # RTP padding at its end
                if end >= 8:
                    self.spans.append(done - STAMP.unpack_from(payload, end - 8)[0])

        return timed

    def cpu_pid(self) -> int:
        """The process whose threads' CPU is the media server's."""
        return os.getpid()

    def in_sfu(self) -> list[float]:
        self._watch()
        spans, self.spans = self.spans, []
        return spans

    def _outlets(self) -> set[Outlet]:
        """Every outlet seen so far (a failed viewer's is detached but still counts)."""
        self.seen.update(o for s in self._watch() for o in s.outlets)
        return self.seen

    def forwarded(self) -> int:
        return sum(o.packets for o in self._outlets())

    def dropped(self) -> int:
        """Times a viewer's socket was full and it fell back to waiting for a key frame."""
        return sum(o.drops for o in self._outlets())


# --- the servers (their own processes) -----------------------------------------------------


class Forwarding(ForwardCounts):
    """Ours: a Router."""

    def __init__(self) -> None:
        self.router = Router(room_id="bench", config=CONFIG)
        super().__init__(lambda: self.router.sources.values())

    async def publish(self, sdp: str) -> str:
        peer = self.router.open_peer("publisher", may_publish=lambda kind: True)
        answer = (await peer.publish(sdp)).sdp
        self._watch()
        return answer

    async def subscribe(self, viewer: str) -> str | None:
        return await self.router.open_peer(viewer, may_publish=lambda kind: False).subscribe()

    async def answer(self, viewer: str, sdp: str) -> None:
        await self.router.peers[viewer].subscribed(sdp)

    async def close(self) -> None:
        await self.router.close()


class EdgeForwarding(ForwardCounts):
    """An edge (``EdgeService``): the viewers the owner places here, fed by its relay link;
    counted and timed as ours is, over the relayed sources (whose ``forward`` hands a batch
    to their outlets through the same ``Source._fan``)."""

    def __init__(self, name: str, redis_url: str) -> None:
        self.store = Store(connect(redis_url))
        self.edge = EdgeService(self.store, name=name, config=CONFIG, relay_host="127.0.0.1")
        self.edge.start()
        super().__init__(
            lambda: [s for room in self.edge.rooms.values() for s in room.link.sources.values()]
        )

    async def close(self) -> None:
        await self.edge.stop()
        await self.store.close()


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

    def cpu_pid(self) -> int:
        return os.getpid()

    def forwarded(self) -> int:  # nothing is forwarded: everything is encoded again
        return 0

    dropped = forwarded
    in_sfu = list

    async def close(self) -> None:
        for pc in self.pcs.values():
            await pc.close()


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


# --- the driving side ------------------------------------------------------------------------


class Control:
    """JSON lines over a TCP connection (media server) or a child's stdin/stdout (workers)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> "Control":
        return cls(*await asyncio.open_connection("127.0.0.1", port, limit=1 << 28))

    async def call(self, op: str, **args: object) -> object:
        self.writer.write(json.dumps({"op": op, **args}).encode() + b"\n")
        await self.writer.drain()
        return json.loads(await self.reader.readline())["result"]


async def spawn_program(
    *command: str, env: dict[str, str] | None = None
) -> tuple[asyncio.subprocess.Process, str]:
    """A child whose first line of output is its port (or that it is ready)."""
    pipe = subprocess.PIPE
    child = await asyncio.create_subprocess_exec(
        *command, stdin=pipe, stdout=pipe, cwd=ROOT, limit=1 << 28, env=env
    )
    return child, (await child.stdout.readline()).decode().strip()  # type: ignore[union-attr]


@dataclass
class Served:
    """A media server being measured: ``port`` and ``calls`` take the publisher's and the
    viewers' calls; ``counts`` answers what is counted, of the process ``pid``."""

    port: int
    calls: Control
    counts: Control
    pid: int


@contextlib.asynccontextmanager
async def serving(kind: str) -> AsyncIterator[Served]:
    """The media server of ``kind``: ours ("sfu"), aiortc's MediaRelay ("transcode"), an
    owner and its edge ("edge"), or the peer SFU ("mediasoup"); stopped on leaving."""
    async with contextlib.AsyncExitStack() as stack:
        if kind == "edge":
            yield await _edge_line(stack)
            return
        if kind == "mediasoup":
            command = ["node", str(ROOT / "bench/mediasoup/driver.mjs")]
        else:
            command = [sys.executable, __file__, "--serve"]
            command += ["--transcode"] if kind == "transcode" else []
        calls = await _started(stack, command)
        yield Served(calls[1], calls[0], calls[0], int(await calls[0].call("cpu_pid")))  # type: ignore[call-overload]


async def _started(
    stack: contextlib.AsyncExitStack, command: list[str], env: dict[str, str] | None = None
) -> tuple[Control, int]:
    """A server process, stopped (``stop``) when ``stack`` closes; its calls and port."""
    return _stopped_with(stack, *await _start(command, env))


async def _start(
    command: list[str], env: dict[str, str] | None = None
) -> tuple[asyncio.subprocess.Process, Control, int]:
    child, port = await spawn_program(*command, env=env)
    return child, await Control.open(int(port)), int(port)


def _stopped_with(
    stack: contextlib.AsyncExitStack, child: asyncio.subprocess.Process, calls: Control, port: int
) -> tuple[Control, int]:
    async def stop() -> None:
        await calls.call("stop")
        await child.wait()

    stack.push_async_callback(stop)
    return calls, port


async def _edge_line(stack: contextlib.AsyncExitStack) -> Served:
    """The owner and its one edge (started together), on a Redis of their own; the owner
    stops first (it closes its relay link), then the edge."""
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="yunhui-bench-edge-")))
    redis = BenchRedis(folder)
    stack.callback(redis.stop)
    env = {**os.environ, "REDIS_URL": redis.url, "PYTHONPATH": str(ROOT)}
    edge, owner = await asyncio.gather(
        _start([sys.executable, __file__, "--serve-edge", EDGE, redis.url]),
        _start([sys.executable, str(ROOT / "bench/cluster.py"), "--serve", redis.url], env),
    )
    counts, _ = _stopped_with(stack, *edge)
    calls, port = _stopped_with(stack, *owner)
    for _ in range(100):  # until the owner has heard the edge's heartbeat
        if await calls.call("edges"):
            return Served(port, calls, counts, int(await counts.call("cpu_pid")))  # type: ignore[call-overload]
        await asyncio.sleep(0.1)
    raise RuntimeError("the owner did not see the edge within 10 s")


async def serve(args: argparse.Namespace) -> None:
    if args.serve_edge:
        await serve_calls(EdgeForwarding(*args.serve_edge))
    else:
        await serve_calls(Transcoding() if args.transcode else Forwarding())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="bench/sfu.py's media server (a process)")
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--transcode", action="store_true")
    parser.add_argument("--serve-edge", nargs=2, metavar=("NAME", "REDIS_URL"))
    asyncio.run(serve(parser.parse_args()))

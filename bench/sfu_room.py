"""bench/sfu.py's room line: the SFU inside Yunhui's own server process, with the room's
signalling and chat running in the same event loop as the media (the production shape).

`python -m server` (bench/chat_real.py: its Redis, an open room) holds the room. The real
server refuses loopback candidates, so its SFU offers host candidates on this machine's first
non-loopback IPv4 address (MEDIA_HOST_ADDRESSES) and the clients gather there too; the packets
still go through the kernel's loopback device. The publisher (the bench's own process) comes
in as an anonymous guest, turns its microphone and camera on, sends `media_start` and
publishes the clip with its send times stamped, as in the media-plane lines. N viewers in
worker processes (`python bench/sfu_room.py --work ...`, a python-socketio client each) come in
as guests, send `media_start` and answer the server's `subscribe_offer` with a counting
SyntheticViewer. For the measured seconds, ten viewers each send one chat message a second (the
default rate limit: 5 at once, then 1/s), which the server stores in its Redis stream and
delivers to everyone; active-speaker news, Engine.IO pings and RTCP go on as in production.

Measured: the server process's CPU (every thread, schedstat) per media packet that reached the
viewers' sockets (read, or dropped there by the kernel when a busy viewer process let its
receive buffer fill: /proc/net/udp; the server's own counters are out of reach), media latency
(publisher send -> the kernel's receive timestamp at the viewer's socket), and the chat's
delivered/expected and latency (send -> the viewer's handler).
"""

import argparse
import asyncio
import ipaddress
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import accumulate
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import socketio  # noqa: E402
from aioice.ice import get_host_addresses  # noqa: E402
from aiortc.exceptions import InvalidStateError  # noqa: E402
from chat_real import BenchRedis, RealServer, open_room  # noqa: E402

from tests.server.media.synthetic import Clip, SyntheticPublisher, SyntheticViewer  # noqa: E402

NAMESPACE = "/room"
SENDERS = 10  # viewers that chat, one message a second each
Cpu = Callable[[int], float]  # a process's CPU seconds, by its pid
STAMPED = re.compile(r"#(\d+) (\d+) ([0-9.]+)#")
TIMEOUT = 30.0


def host_address() -> str:
    """This machine's first IPv4 address that the real server accepts in a candidate."""
    for address in get_host_addresses(use_ipv4=True, use_ipv6=False):
        ip = ipaddress.ip_address(address)
        if not (ip.is_loopback or ip.is_link_local or ip.is_reserved):
            return address
    raise RuntimeError("the room line needs a non-loopback IPv4 address on this machine")


class Guest:
    """A room socket of an anonymous guest that records what the bench looks at."""

    def __init__(self, url: str, session_id: str, name: str, invite: str | None = None) -> None:
        self.url, self.auth = url, {"session_id": session_id, "name": name}
        if invite is not None:  # an invite token (the part of its link after /invite/)
            self.auth["invite"] = invite
        self.sio = socketio.AsyncClient(reconnection=False)
        self.got: dict[str, asyncio.Future[Any]] = {}
        self.errors: list[str] = []
        self.chat_latencies: list[float] = []
        for event in ("chat_history", "media_started", "publish_answer"):
            self.sio.on(event, self._first(event), namespace=NAMESPACE)
        self.sio.on("error", lambda e: self.errors.append(e["code"]), namespace=NAMESPACE)
        self.sio.on("chat", self._chat, namespace=NAMESPACE)

    def _first(self, event: str) -> Any:
        self.got[event] = asyncio.get_running_loop().create_future()

        def arrived(payload: Any) -> None:
            if not self.got[event].done():
                self.got[event].set_result(payload)

        return arrived

    def _chat(self, message: dict[str, Any]) -> None:
        stamp = STAMPED.search(message["text"])
        if stamp is not None:
            self.chat_latencies.append(time.time() - float(stamp[3]))

    async def emit(self, event: str, payload: dict[str, Any]) -> None:
        await self.sio.emit(event, payload, namespace=NAMESPACE)

    async def ask(self, event: str, payload: dict[str, Any], answer: str) -> Any:
        await self.emit(event, payload)
        return await asyncio.wait_for(self.got[answer], TIMEOUT)

    async def enter(self) -> None:
        await self.sio.connect(
            self.url, auth=self.auth, transports=["websocket"], namespaces=[NAMESPACE],
            wait_timeout=TIMEOUT,
        )  # fmt: skip
        await self.ask("join", {}, "chat_history")

    async def chat(self, sender: int, start: float, count: int) -> None:
        for seq in range(count):
            await asyncio.sleep(max(0.0, start + seq - time.time()))
            text = f"Slides are up; questions at the end. #{sender} {seq} {time.time():.6f}#"
            await self.emit("chat", {"text": text, "client_id": f"room-{sender}-{seq}"})

    async def close(self) -> None:
        await self.sio.disconnect()


class RoomViewer(Guest):
    def __init__(self, url: str, session_id: str, index: int, address: str) -> None:
        super().__init__(url, session_id, f"viewer {index}")
        self.index = index
        self.viewer = SyntheticViewer(keep=False, stamp=True, addresses=(address,))
        self.offers = 0
        self.failed = ""  # why this viewer gets no media (it is not retried)
        self.sio.on("subscribe_offer", self._offered, namespace=NAMESPACE)
        self.sio.on("media_closed", self._closed, namespace=NAMESPACE)

    async def _offered(self, offer: dict[str, Any]) -> None:
        self.offers += 1
        try:
            sdp = await self.viewer.answer(offer["sdp"])
        except InvalidStateError:
            return  # closed meanwhile
        await self.emit("subscribe_answer", {"sdp": sdp, "revision": offer["revision"]})

    def _closed(self, payload: dict[str, Any]) -> None:
        self.failed = f"media_closed {payload['reason']}"

    async def start(self) -> None:
        """Enter, start media and wait for video; a failure is noted in `failed`."""
        try:
            await self.enter()
            await self.ask("media_start", {}, "media_started")
            async with asyncio.timeout(TIMEOUT):
                while not self.viewer.received["video"].seqs and not self.failed:
                    await asyncio.sleep(0.05)
        except (TimeoutError, socketio.exceptions.SocketIOError) as exc:
            self.failed = self.failed or f"{type(exc).__name__} {exc}".strip()

    async def close(self) -> None:
        await super().close()
        await self.viewer.close()


# --- viewer workers (their own processes) -----------------------------------------------


def udp_drops(pid: int | str = "self") -> int:
    """Datagrams the kernel dropped at a process's UDP sockets (this one's by default), their
    receive buffers full (the last column of /proc/net/udp): at a viewer, sent by the SFU and
    never read by a busy viewer process; at the server, sent to it and never read."""
    return sum(udp_socket_drops(pid).values())


def udp_socket_drops(pid: int | str = "self") -> dict[str, int]:
    """The same, per UDP socket of the process (by inode)."""
    mine = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            mine.add(target[8:-1])
    rows = [line.split() for line in Path(f"/proc/{pid}/net/udp").read_text().splitlines()[1:]]
    return {row[9]: int(row[-1]) for row in rows if row[9] in mine}


async def work(args: argparse.Namespace) -> None:
    viewers = [
        RoomViewer(args.url, args.session, i, args.address)
        for i in range(args.first, args.first + args.count)
    ]
    gate = asyncio.Semaphore(5)

    async def start(viewer: RoomViewer) -> None:
        async with gate:
            await viewer.start()

    await asyncio.gather(*(start(v) for v in viewers))
    failed = [v.failed for v in viewers if v.failed]
    print(json.dumps({"result": {"failed": failed}}), flush=True)
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    chatting: list[asyncio.Task[None]] = []
    dropped = 0
    while line := await stdin.readline():
        call = json.loads(line)
        result: object = None
        if call["op"] == "reset":
            dropped = udp_drops()
            for viewer in viewers:
                viewer.chat_latencies.clear()
                for got in viewer.viewer.received.values():
                    got.latencies.clear()
                    got.seqs.clear()
        elif call["op"] == "chat":
            stride, start = call["stride"], call["start"]
            chatting = [
                asyncio.create_task(v.chat(v.index // stride, start + v.index // stride * 0.05,
                                           call["count"]))
                for v in viewers
                if v.index % stride == 0 and v.index // stride < SENDERS
            ]  # fmt: skip
        elif call["op"] == "media":
            got = [g for v in viewers for g in v.viewer.received.values()]
            result = {
                "packets": sum(len(g.seqs) for g in got),
                "dropped": udp_drops() - dropped,
                "latencies": [x for g in got for x in g.latencies],
                "gaps": sum(g.gaps for g in got),
                "offers": sum(v.offers for v in viewers),
            }
        elif call["op"] == "chat_stats":
            await asyncio.gather(*chatting)
            result = {
                "latencies": [x for v in viewers for x in v.chat_latencies],
                "errors": [e for v in viewers for e in v.errors],
            }
        elif call["op"] == "stop":
            for viewer in viewers:
                await viewer.close()
        print(json.dumps({"result": result}), flush=True)
        if call["op"] == "stop":
            return


# --- the line (the bench's process: the publisher) --------------------------------------


class Worker:
    """A viewer worker, spoken to in JSON lines over its stdin and stdout."""

    def __init__(self, child: asyncio.subprocess.Process) -> None:
        self.child = child

    @classmethod
    async def spawn(
        cls, url: str, session_id: str, address: str, first: int, count: int
    ) -> "Worker":
        child = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--work", "--url", url, "--session", session_id,
            "--address", address, "--first", str(first), "--count", str(count),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 28,
        )  # fmt: skip
        return cls(child)

    async def ready(self) -> list[str]:
        """Wait until its viewers are in; why those without media have none."""
        assert self.child.stdout is not None
        line = await self.child.stdout.readline()
        if not line:
            raise RuntimeError("a room viewer worker ended early")
        return list(json.loads(line)["result"]["failed"])

    async def call(self, op: str, **args: object) -> Any:
        assert self.child.stdin is not None and self.child.stdout is not None
        self.child.stdin.write(json.dumps({"op": op, **args}).encode() + b"\n")
        await self.child.stdin.drain()
        return json.loads(await self.child.stdout.readline())["result"]

    async def stop(self) -> None:
        if self.child.returncode is None:
            try:
                await asyncio.wait_for(self.call("stop"), 30)
            except (TimeoutError, json.JSONDecodeError, ConnectionError):
                self.child.kill()
        await self.child.wait()


async def publish(
    url: str, session_id: str, clip: Clip, address: str, invite: str | None = None
) -> tuple[Guest, Any]:
    """A publisher in the room (a guest, or whoever the invite token admits) sending the clip."""
    guest = Guest(url, session_id, "publisher", invite)
    await guest.enter()
    await guest.emit("set_mic", {"on": True})
    await guest.emit("set_camera", {"on": True})
    await guest.ask("media_start", {}, "media_started")
    publisher = SyntheticPublisher(clip, stamp=True, addresses=(address,))
    offer = {"sdp": await publisher.offer(), "screen_mids": []}
    await publisher.accept((await guest.ask("publish_offer", offer, "publish_answer"))["sdp"])
    return guest, publisher


async def room_line(clip: Clip, viewers: int, seconds: float, workers: int, cpu: Cpu) -> dict:
    """Run the room line; `cpu(pid)` reads a process's CPU seconds."""
    address = host_address()
    with tempfile.TemporaryDirectory(prefix="yunhui-bench-sfu-") as tmp:
        redis = BenchRedis(Path(tmp))
        try:
            session_id = await open_room(redis.url)
            env = {"MEDIA_HOST_ADDRESSES": address}
            server = await asyncio.to_thread(RealServer, redis, Path(tmp), env, session_id)
            try:
                result = await in_room(server, clip, viewers, seconds, workers, cpu, address)
            finally:
                server.stop()
        finally:
            redis.stop()
    return result | {"address": address, "senders": min(SENDERS, viewers)}


async def in_room(
    server: RealServer,
    clip: Clip,
    viewers: int,
    seconds: float,
    workers: int,
    cpu: Cpu,
    address: str,
) -> dict:
    """The publisher and the viewer workers in the server's room, measured, then gone."""
    started: list[Worker] = []
    guest, publisher = None, None
    try:
        url, session_id = server.url, server.session_id
        guest, publisher = await publish(url, session_id, clip, address)
        shares = [viewers // workers + (i < viewers % workers) for i in range(workers)]
        for first, share in zip(accumulate([0, *shares]), shares, strict=False):
            started.append(await Worker.spawn(url, session_id, address, first, share))
        ready = await asyncio.gather(*(w.ready() for w in started), return_exceptions=True)
        for outcome in ready:
            if isinstance(outcome, BaseException):
                raise outcome
        result = await measure(server.pid, started, viewers, seconds, cpu)
        return result | {"failed": [reason for outcome in ready for reason in outcome]}
    finally:
        await asyncio.gather(*(w.stop() for w in started), return_exceptions=True)
        if publisher is not None:
            await publisher.close()
        if guest is not None:
            await guest.close()


async def measure(pid: int, workers: list[Worker], viewers: int, seconds: float, cpu: Cpu) -> dict:
    await asyncio.sleep(3)  # connections up, first key frame through
    await asyncio.gather(*(w.call("reset") for w in workers))
    count, stride = int(seconds), max(1, viewers // SENDERS)
    before, began = cpu(pid), time.monotonic()
    start = time.time() + 0.05
    await asyncio.gather(
        *(w.call("chat", start=start, count=count, stride=stride) for w in workers)
    )
    await asyncio.sleep(seconds)
    used, wall = cpu(pid) - before, time.monotonic() - began
    media = await asyncio.gather(*(w.call("media") for w in workers))
    stats = await asyncio.gather(*(w.call("chat_stats") for w in workers))
    return {
        "viewers": viewers,
        "wall": wall,
        "cpu": used,
        "sent": sum(m["packets"] + m["dropped"] for m in media),  # reached the viewers' sockets
        "packets": sum(m["packets"] for m in media),
        "dropped": sum(m["dropped"] for m in media),
        "latencies": [x * 1000 for m in media for x in m["latencies"]],
        "gaps": sum(m["gaps"] for m in media),
        "offers": sum(m["offers"] for m in media),
        "chat_expected": min(SENDERS, viewers) * count * viewers,
        "chat_latencies": [x * 1000 for c in stats for x in c["latencies"]],
        "errors": [e for c in stats for e in c["errors"]],
    }


def report_room(r: dict, alone: float | None, ms: Callable[[list[float]], str]) -> None:
    """Print the room line; `alone`: the media plane's CPU per packet at the same N."""
    sent = r["sent"]
    rate, per_packet = r["cpu"] / r["wall"], r["cpu"] / sent
    beside = f" (media plane alone: {alone * 1e6:.1f})" if alone else ""
    print(f"room N={r['viewers']}, python -m server, SFU on {r['address']}: "
          f"{sent / r['wall']:.0f} pkt/s to the viewers, server {rate:.3f} core: "
          f"{per_packet * 1e6:.1f} µs/pkt{beside}, {1 / per_packet:.0f} pkt/core-s")  # fmt: skip
    print(f"    latency, publisher send -> arrival at the viewer: {ms(r['latencies'])}")
    chat, errors = r["chat_latencies"], ", ".join(sorted(set(r["errors"]))) or "none"
    print(f"    chat, {r['senders']} messages/s to everyone: {len(chat)}/{r['chat_expected']} "
          f"delivered, {ms(chat)}; errors: {errors}")  # fmt: skip
    print(f"    load average {os.getloadavg()[0]:.2f}; {r['gaps']} packets missing at viewers; "
          f"the kernel dropped {r['dropped']} datagrams at their full sockets (busy viewer "
          f"processes); {r['offers']} subscribe offers to {r['viewers']} viewers",
          flush=True)  # fmt: skip
    failed = r["failed"]
    if failed:
        reasons = ", ".join(sorted(set(failed)))
        print(f"    {len(failed)} of {r['viewers']} viewers got no media: {reasons}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="bench/sfu.py's room viewers (a worker)")
    parser.add_argument("--work", action="store_true", required=True)
    for option in ("--url", "--session", "--address"):
        parser.add_argument(option, required=True)
    parser.add_argument("--first", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    asyncio.run(work(parser.parse_args()))

"""Fanout against a real python-socketio server and real clients on 127.0.0.1.

The server is configured as Yunhui's realtime server (server/realtime) and carries a small
namespace whose events make Fanout broadcast; clients are socketio.AsyncClient (websocket, or
long-polling), plus a bare-socket client that can stop reading.
"""

import asyncio
import base64
import json
import os
import socket
import struct
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
import socketio
from aiohttp import web

from server.realtime.fanout import Fanout
from server.realtime.transport import WebSocketTransport, ws_frame

NAMESPACE = "/room"
ROOM = "room:s1"
ORIGIN = "http://127.0.0.1:8080"
CAP = 256 * 1024


class Loudspeaker(socketio.AsyncNamespace):
    """Everyone joins ROOM; each event makes the server send through Fanout."""

    def __init__(self, fanout: Fanout) -> None:
        super().__init__(NAMESPACE)
        self.fanout = fanout
        self.gone: dict[str, str] = {}

    async def on_connect(self, sid: str, environ: dict, auth: Any) -> None:
        await self.enter_room(sid, ROOM)

    async def on_disconnect(self, sid: str, reason: str) -> None:
        self.gone[sid] = reason

    async def on_count(self, sid: str, n: int) -> None:
        for i in range(n):
            await self.fanout.to_room(ROOM, "n", i)

    async def on_count_together(self, sid: str, n: int) -> None:
        """``n`` numbers to the room in one go, after one to the asker alone."""
        await self.emit("n", -1, to=sid)
        await self.fanout.to_room_all(ROOM, [("n", i) for i in range(n)])

    async def on_count_to_others(self, sid: str, n: int) -> None:
        for i in range(n):
            await self.fanout.to_room(ROOM, "n", i, skip_sid=sid)

    async def on_mixed(self, sid: str, n: int) -> None:
        """Every third number only to the asker through python-socketio's own emit (the
        Engine.IO queue), the others to the room through Fanout, with yields in between."""
        for i in range(n):
            if i % 3 == 0:
                await self.emit("n", i, to=sid)
            else:
                await self.fanout.to_room(ROOM, "n", i)
            if i % 7 == 0:
                await asyncio.sleep(0)

    async def on_drip(self, sid: str, n: int) -> None:
        """Like `on_mixed`, a few milliseconds apart (a polling client takes 16 per poll)."""
        for i in range(n):
            if i % 3 == 0:
                await self.emit("n", i, to=sid)
            else:
                await self.fanout.to_room(ROOM, "n", i)
            await asyncio.sleep(0.002)

    async def on_to_sids(self, sid: str, sids: list[str]) -> None:
        await self.fanout.to_sids(sids, "n", "picked")
        await self.fanout.to_sid(sid, "n", "you")

    async def on_binary(self, sid: str) -> None:
        await self.fanout.to_room(ROOM, "blob", {"raw": b"\x00\x01\xfe\xff", "n": 1})

    async def on_flood(self, sid: str, spec: dict) -> None:
        for i in range(spec["count"]):
            await self.fanout.to_room(ROOM, "blob", {"i": i, "pad": "x" * spec["size"]})
            await asyncio.sleep(0.002)


@dataclass
class World:
    url: str
    port: int
    sio: socketio.AsyncServer
    room: Loudspeaker
    transport: WebSocketTransport
    clients: list[socketio.AsyncClient] = field(default_factory=list)

    async def join(self, transport: str = "websocket") -> tuple[socketio.AsyncClient, list]:
        client = socketio.AsyncClient()
        received: list = []
        client.on("n", received.append, namespace=NAMESPACE)
        client.on("blob", received.append, namespace=NAMESPACE)
        await client.connect(
            self.url, namespaces=[NAMESPACE], transports=[transport], headers={"Origin": ORIGIN}
        )
        self.clients.append(client)
        return client, received


@asynccontextmanager
async def running(aiohttp_server, **options: Any) -> AsyncIterator[World]:  # type: ignore[no-untyped-def]
    """A server configured as Yunhui's, with Loudspeaker at /room; stopped on the way out."""
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        cors_allowed_origins=[ORIGIN],
        async_handlers=False,
        max_http_buffer_size=1 << 20,
        **options,
    )
    fanout = Fanout(sio, NAMESPACE, max_buffered=CAP)
    room = Loudspeaker(fanout)
    sio.register_namespace(room)
    app = web.Application()
    sio.attach(app)
    server = await aiohttp_server(app)
    world = World(f"http://127.0.0.1:{server.port}", server.port, sio, room, fanout.transport)
    try:
        yield world
    finally:
        # server side first, so that a polling client's pending GET returns (bounded: engineio
        # waits for each socket's queue to drain, which a failed test may leave mid-upgrade)
        async with asyncio.timeout(5):
            await sio.eio.disconnect()
        for client in world.clients:
            await client.disconnect()
        await sio.shutdown()


@pytest.fixture
async def world(aiohttp_server) -> AsyncIterator[World]:  # type: ignore[no-untyped-def]
    async with running(aiohttp_server) as world:
        yield world


async def until(check: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached in time")


class RawClient:
    """A Socket.IO client on a bare TCP socket: handshake by hand; reads only when asked."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.headers: dict[str, str] = {}
        self.sid = ""

    @classmethod
    async def open(cls, port: int, *, rcvbuf: int | None = None, query: str = "") -> "RawClient":
        sock = socket.socket()
        if rcvbuf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        client = cls(*await asyncio.open_connection(sock=sock))
        await client.handshake(port, query)
        return client

    @classmethod
    async def join(cls, port: int, *, rcvbuf: int | None = None) -> "RawClient":
        client = await cls.open(port, rcvbuf=rcvbuf)
        assert (await client.read_text()).startswith("0{")  # Engine.IO open
        client.send_text(f"40{NAMESPACE},{{}}")
        ack = await client.read_text()
        client.sid = json.loads(ack.removeprefix(f"40{NAMESPACE},"))["sid"]
        return client

    async def handshake(self, port: int, query: str) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        self.writer.write(
            f"GET /socket.io/?EIO=4&transport=websocket{query} HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {ORIGIN}\r\n"
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n".encode()
        )
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode()
        status, *lines = head.strip().split("\r\n")
        assert status.startswith("HTTP/1.1 101"), status
        self.headers = {k.lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines)}

    async def read_text(self) -> str:
        first, second = await self.reader.readexactly(2)
        assert first == 0x81, hex(first)  # final text frame, no RSV1 (not compressed)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return (await self.reader.readexactly(size)).decode()

    def send_text(self, text: str) -> None:
        frame = bytearray(ws_frame(text.encode()))
        frame[1] |= 0x80  # clients mask their frames
        mask = os.urandom(4)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(frame[2:]))
        self.writer.write(bytes(frame[:2]) + mask + body)

    def close(self) -> None:
        self.writer.close()


async def test_to_room_reaches_every_member_once_in_order(world: World) -> None:
    (asker, heard_a), (_, heard_b), (_, heard_c) = [await world.join() for _ in range(3)]

    await asker.emit("count", 200, namespace=NAMESPACE)
    await until(lambda: len(heard_a) + len(heard_b) + len(heard_c) >= 600)
    await asyncio.sleep(0.05)  # room for a duplicate to show up

    assert heard_a == list(range(200))
    assert heard_b == list(range(200))
    assert heard_c == list(range(200))
    assert world.transport.direct_deliveries >= 300


async def test_to_room_all_delivers_a_burst_in_order_once_per_socket_visit(world: World) -> None:
    (asker, heard_a), (_, heard_b) = [await world.join() for _ in range(2)]
    before = world.transport.direct_deliveries

    await asker.emit("count_together", 50, namespace=NAMESPACE)
    await until(lambda: len(heard_a) == 51 and len(heard_b) == 50)

    assert heard_a == [-1, *range(50)]  # the asker's own message, queued, still comes first
    assert heard_b == list(range(50))
    assert world.transport.direct_deliveries - before <= 2  # one visit per socket, not 50


async def test_to_room_skip_sid_leaves_out_the_sender(world: World) -> None:
    (asker, heard_a), (_, heard_b) = [await world.join() for _ in range(2)]

    await asker.emit("count_to_others", 5, namespace=NAMESPACE)
    await asker.emit("count", 1, namespace=NAMESPACE)
    await until(lambda: len(heard_b) == 6)

    assert heard_a == [0]
    assert heard_b == [0, 1, 2, 3, 4, 0]


async def test_to_sids_and_to_sid_reach_only_those_named(world: World) -> None:
    (asker, heard_a), (picked, heard_b), (_, heard_c) = [await world.join() for _ in range(3)]

    await asker.emit("to_sids", [picked.get_sid(NAMESPACE)], namespace=NAMESPACE)
    await asker.emit("count", 1, namespace=NAMESPACE)
    await until(lambda: len(heard_c) == 1 and len(heard_a) == 2)

    assert heard_a == ["you", 0]
    assert heard_b == ["picked", 0]
    assert heard_c == [0]


async def test_per_socket_emits_interleaved_with_broadcasts_keep_order(world: World) -> None:
    (asker, heard_a), (_, heard_b) = [await world.join() for _ in range(2)]

    await asker.emit("mixed", 600, namespace=NAMESPACE)
    await until(lambda: len(heard_a) == 600 and len(heard_b) == 400)

    assert heard_a == list(range(600))
    assert heard_b == [i for i in range(600) if i % 3]
    assert world.transport.direct_deliveries > 0
    assert world.transport.other_deliveries > 0  # both paths were taken for the asker


async def test_polling_client_receives_broadcasts(world: World) -> None:
    (asker, heard_ws), (_, heard_polling) = await world.join(), await world.join("polling")

    for rounds in (1, 2, 3):  # python's polling client takes at most 16 packets per poll
        await asker.emit("count", 10, namespace=NAMESPACE)
        await until(lambda: len(heard_polling) == 10 * rounds)  # noqa: B023

    assert heard_polling == list(range(10)) * 3
    assert heard_ws == list(range(10)) * 3


async def test_client_upgrading_from_polling_keeps_order(world: World) -> None:
    client = socketio.AsyncClient()
    heard: list = []
    client.on("n", heard.append, namespace=NAMESPACE)
    world.clients.append(client)
    await client.connect(world.url, namespaces=[NAMESPACE], headers={"Origin": ORIGIN})

    await client.emit("drip", 300, namespace=NAMESPACE)
    await until(lambda: len(heard) == 300)

    assert heard == list(range(300))
    assert client.transport() == "websocket"


async def test_upgrade_in_progress_gets_broadcasts_through_polling(world: World) -> None:
    asker, _ = await world.join()
    async with aiohttp.ClientSession() as http:
        polling = f"{world.url}/socket.io/?EIO=4&transport=polling"
        opened = await (await http.get(polling)).text()
        eio_sid = json.loads(opened[1:])["sid"]
        polling += f"&sid={eio_sid}"
        await http.post(polling, data=f"40{NAMESPACE},{{}}")
        assert (await (await http.get(polling)).text()).startswith(f"40{NAMESPACE},")
        long_poll = asyncio.create_task(http.get(polling))
        await until(lambda: world.sio.eio.sockets[eio_sid].queue.parked)
        ws = await RawClient.open(world.port, query=f"&sid={eio_sid}")
        await until(lambda: world.sio.eio.sockets[eio_sid].upgrading)

        await asker.emit("count", 1, namespace=NAMESPACE)  # mid-upgrade, GET parked
        via_polling = await (await long_poll).text()
        ws.send_text("2probe")
        probe_answer = await ws.read_text()
        ws.send_text("5")
        await asker.emit("count", 1, namespace=NAMESPACE)  # upgraded
        via_websocket = [await ws.read_text(), await ws.read_text()]

    ws.close()
    assert via_polling == f'42{NAMESPACE},["n",0]'
    assert probe_answer == "3probe"
    assert via_websocket == ["6", f'42{NAMESPACE},["n",0]']  # Engine.IO's noop, then ours


async def test_binary_payload_reaches_the_room(world: World) -> None:
    (asker, heard_a), (_, heard_b) = [await world.join() for _ in range(2)]

    await asker.emit("binary", namespace=NAMESPACE)
    await until(lambda: len(heard_a) == 1 and len(heard_b) == 1)

    assert heard_a == [{"raw": b"\x00\x01\xfe\xff", "n": 1}]
    assert heard_b == [{"raw": b"\x00\x01\xfe\xff", "n": 1}]


async def test_websocket_handshake_refuses_compression(world: World) -> None:
    raw = await RawClient.join(world.port)  # offers permessage-deflate, as browsers do

    raw.close()
    assert raw.headers["upgrade"] == "websocket"
    assert "sec-websocket-extensions" not in raw.headers


async def test_client_that_stops_reading_is_cut_off_at_the_cap(world: World) -> None:
    stuck = await RawClient.join(world.port, rcvbuf=4096)
    asker, heard = await world.join()

    await asker.emit("flood", {"count": 250, "size": 32 * 1024}, namespace=NAMESPACE)
    await until(lambda: len(heard) == 250)
    await until(lambda: stuck.sid in world.room.gone)

    stuck.close()
    assert [blob["i"] for blob in heard] == list(range(250))
    assert world.room.gone == {stuck.sid: "transport close"}
    asker_eio_sid = world.sio.manager.eio_sid_from_sid(asker.get_sid(NAMESPACE), NAMESPACE)
    assert list(world.transport.connections) == [asker_eio_sid]


async def test_with_a_pubsub_manager_broadcasts_go_through_the_manager(
    aiohttp_server,  # type: ignore[no-untyped-def]
    redis_url: str,
) -> None:
    manager = socketio.AsyncRedisManager(redis_url, channel="test-fanout")
    try:
        async with running(aiohttp_server, client_manager=manager) as world:
            (asker, heard_a), (_, heard_b) = [await world.join() for _ in range(2)]

            await asker.emit("count", 20, namespace=NAMESPACE)
            await until(lambda: len(heard_a) == 20 and len(heard_b) == 20)

            assert heard_a == list(range(20))
            assert heard_b == list(range(20))
            assert world.transport.direct_deliveries == 0  # other nodes' sockets are not ours
    finally:  # python-socketio leaves its listener and its connections open
        manager.thread.cancel()
        await asyncio.gather(manager.thread, return_exceptions=True)
        await manager.pubsub.aclose()
        await manager.redis.aclose()

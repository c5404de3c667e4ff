"""The two comparison servers of bench/chat.py; each runs as a process of its own.

    python bench/chat_servers.py stripped|socketio     # started by bench/chat.py

Both are a bare aiohttp app with python-socketio's AsyncServer configured as Yunhui's
(server/realtime/__init__.py, make_server) and one namespace, `/room`: `join` puts the socket
in the room and answers an empty `chat_history`; `chat` is broadcast to the room, senders
included, and acknowledged. No identity, payload check, rate limit, Redis or room lock.

- `stripped`: the broadcast goes through server.realtime.fanout.Fanout, Yunhui's send path
  alone (it refuses permessage-deflate at the handshake);
- `socketio`: plain python-socketio `emit(to=room)` through the library's own websocket driver
  and per-socket queues (the baseline), with permessage-deflate refused too, so that the two
  compare send paths and not compression. python-engineio 4.15 has no setting for that (its
  `http_compression` covers long-polling only, and its aiohttp driver builds
  `WebSocketResponse` with aiohttp's default `compress=True`), so this process gives the
  driver a `WebSocketResponse` with `compress=False`. bench/chat.py checks every handshake.

Prints `ready <port>` once listening; stops when its stdin closes.
"""

import asyncio
import functools
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import socketio  # noqa: E402
from aiohttp import web  # noqa: E402
from engineio.async_drivers import aiohttp as engineio_aiohttp  # noqa: E402

from server.realtime.fanout import Fanout  # noqa: E402

NAMESPACE = "/room"
ROOM = "room:bench"
ORIGIN = "http://127.0.0.1:8080"
MODES = ("stripped", "socketio")


class BenchRoom(socketio.AsyncNamespace):
    """Everyone who joins is in the one room; each `chat` event goes to all of it."""

    def __init__(self, sio: socketio.AsyncServer, mode: str) -> None:
        super().__init__(NAMESPACE)
        self.fanout = Fanout(sio, NAMESPACE) if mode == "stripped" else None

    async def on_join(self, sid: str, data: Any) -> None:
        await self.enter_room(sid, ROOM)
        await self.emit("chat_history", {"messages": [], "deleted": []}, to=sid)

    async def on_chat(self, sid: str, data: dict) -> dict:
        message = {"from": sid, **data}
        if self.fanout is not None:
            await self.fanout.to_room(ROOM, "chat", message)
        else:
            await self.emit("chat", message, room=ROOM)
        return {"duplicate": False}


def refuse_deflate() -> None:
    """Make engineio's own aiohttp websocket driver (`WebSocket.__call__`, which looks the
    name up in its module) answer handshakes without compression. This process only."""
    assert engineio_aiohttp.WebSocketResponse is web.WebSocketResponse
    engineio_aiohttp.WebSocketResponse = functools.partial(  # type: ignore[misc]
        web.WebSocketResponse, compress=False
    )


def build_server(mode: str) -> web.Application:
    sio = socketio.AsyncServer(
        async_mode="aiohttp",
        cors_allowed_origins=[ORIGIN],
        async_handlers=False,
        max_http_buffer_size=1 << 20,
        transports=["websocket", "polling"],
        logger=False,
        engineio_logger=False,
    )
    if mode == "socketio":
        refuse_deflate()
    sio.register_namespace(BenchRoom(sio, mode))
    app = web.Application()
    sio.attach(app)
    return app


async def serve(mode: str) -> None:
    runner = web.AppRunner(build_server(mode), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=2048)
    await site.start()
    port = runner.addresses[0][1]
    print(f"ready {port}", flush=True)
    await asyncio.to_thread(sys.stdin.readline)  # the parent closes stdin to stop us
    await runner.cleanup()


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in MODES:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(MODES)}")
    asyncio.run(serve(sys.argv[1]))

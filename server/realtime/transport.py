"""Engine.IO's websocket transport, rebuilt for broadcasts: frames built once, written in batches.

python-engineio's aiohttp driver hands every packet to a per-socket queue and writer task, and
lets aiohttp accept permessage-deflate, so every frame is compressed again for each recipient.
`WebSocketTransport.install(sio)` replaces that driver on one server:

- **Compression is refused.** The handshake answers without `permessage-deflate` (as the
  Node.js Socket.IO server does by default): chat frames are small, and compressing each one per
  recipient cost +9% CPU and +139 MB at 1000 clients.
- **One write per socket per loop turn.** Every frame for a socket, Engine.IO's own (open, ping,
  Socket.IO acks) and Fanout's alike, is appended to the socket's pending list; one callback per
  event-loop turn writes each list with one `transport.write`.
- **Direct delivery when it keeps order.** `deliver` pushes an already-framed message to many
  sockets without the Engine.IO queue, but only to a socket on websocket whose queue is empty
  while its writer task is parked on it (`SendQueue.parked`): then nothing Engine.IO took from
  the queue is still unwritten, so the frame cannot overtake an earlier packet. Every other
  socket (polling, mid-upgrade, queue not drained yet) is returned to the caller, which sends
  through Engine.IO as usual; once queued, a socket keeps using the queue until it drains.
- **Slow consumers are bounded.** A socket whose unsent bytes (what the kernel did not take)
  exceed `max_buffered` (4 MiB by default) after a write is aborted; Engine.IO then runs its
  normal disconnect (the client reconnects and catches up from the chat stream). Nothing waits
  on a slow socket, and memory stays bounded. A single message larger than the cap would cut
  off its recipient: keep bulk sends (history) well under it.

The engineio internals this relies on are listed in server/realtime/engineio_hooks.py, which
checks them at start-up; tests/server/realtime/test_fanout.py runs the transport against the
real library.
"""

import asyncio
import logging
import struct
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import socketio
from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

# Bytes a socket may have unsent (beyond the kernel's buffer) before it is cut off: room for a
# chat history sent at join (~200 messages) on a slow link, yet a bound per socket.
DEFAULT_MAX_BUFFERED = 4 << 20
_TEXT = 0x81  # FIN + text opcode
_BINARY = 0x82  # FIN + binary opcode
_DATA = (WSMsgType.TEXT, WSMsgType.BINARY)

Handler = Callable[["WebSocketConnection"], Awaitable[None]]


def ws_frame(payload: bytes, *, binary: bool = False) -> bytes:
    """One unmasked, uncompressed, final websocket frame (RFC 6455 §5.2) around `payload`."""
    first = _BINARY if binary else _TEXT
    size = len(payload)
    if size < 126:
        return bytes((first, size)) + payload
    if size < 65536:
        return struct.pack("!BBH", first, 126, size) + payload
    return struct.pack("!BBQ", first, 127, size) + payload


def frame_packet(encoded: str | bytes) -> bytes:
    """An encoded Engine.IO packet (text, or a raw binary message) as one frame."""
    if isinstance(encoded, str):
        return ws_frame(encoded.encode())
    return ws_frame(encoded, binary=True)


class SendQueue(asyncio.Queue[Any]):
    """An Engine.IO socket queue that says when its consumer is parked on it, empty-handed."""

    parked = False

    async def get(self) -> Any:
        self.parked = True
        try:
            return await super().get()
        finally:
            self.parked = False


class WebSocketConnection:
    """One Engine.IO websocket: the driver engineio calls (wait, send, close), plus `push`."""

    def __init__(self, owner: "WebSocketTransport", handler: Handler, server: Any) -> None:
        self.owner = owner
        self.handler = handler
        self.server = server
        self.eio_socket: Any = getattr(handler, "__self__", None)
        self.pending: list[bytes] = []
        self.open = False
        self.response: web.WebSocketResponse | None = None
        self.stream: asyncio.Transport | None = None

    async def __call__(self, environ: dict[str, Any]) -> web.WebSocketResponse:
        request: web.Request = environ["aiohttp.request"]
        response = web.WebSocketResponse(
            max_msg_size=self.server.max_http_buffer_size, compress=False
        )
        await response.prepare(request)
        self.response, self.stream = response, request.transport
        self.open = self.stream is not None
        self.owner.register(self)
        try:
            await self.handler(self)
        finally:
            self.owner.unregister(self)
            self.open = False
        return response

    def takes_direct(self) -> bool:
        """True when a frame pushed now lands after everything Engine.IO sent this socket."""
        sock = self.eio_socket
        queue = sock.queue
        return (
            self.open
            and queue.parked
            and queue.empty()
            and sock.upgraded
            and not sock.upgrading
            and not sock.closing
        )

    def push(self, frame: bytes) -> None:
        if not self.open:
            return
        if not self.pending:
            self.owner.mark_dirty(self)
        self.pending.append(frame)

    def flush(self) -> None:
        frames, self.pending = self.pending, []
        stream = self.stream
        if not frames or not self.open or stream is None:
            return
        if stream.is_closing():
            self.open = False
            return
        stream.write(frames[0] if len(frames) == 1 else b"".join(frames))
        if stream.get_write_buffer_size() > self.owner.max_buffered:
            self.cut_off(stream)

    def cut_off(self, stream: asyncio.Transport) -> None:
        log.warning(
            "websocket %s: %d bytes unsent (cap %d), disconnecting",
            getattr(self.eio_socket, "sid", "?"),
            stream.get_write_buffer_size(),
            self.owner.max_buffered,
        )
        self.open = False
        stream.abort()

    # The three methods engineio's socket calls on its websocket driver.

    async def send(self, encoded: str | bytes) -> None:
        self.push(frame_packet(encoded))

    async def wait(self) -> str | bytes:
        assert self.response is not None
        msg = await self.response.receive()
        if msg.type not in _DATA:
            raise OSError(f"websocket closed ({msg.type.name})")
        data: str | bytes = msg.data
        return data

    async def close(self) -> None:
        self.flush()  # what engineio sent before closing goes out before the close frame
        self.open = False
        response, stream = self.response, self.stream
        if response is None or stream is None or stream.is_closing():
            return
        if stream.get_write_buffer_size() > self.owner.max_buffered:
            stream.abort()  # a closing handshake would wait on a peer that does not read
            return
        await response.close()


class WebSocketTransport:
    """The websocket driver factory of one Engine.IO server, and the registry of its sockets."""

    def __init__(self, *, max_buffered: int = DEFAULT_MAX_BUFFERED) -> None:
        self.max_buffered = max_buffered
        self.connections: dict[str, WebSocketConnection] = {}
        self._dirty: list[WebSocketConnection] = []
        self._flush_handle: asyncio.Handle | None = None
        self.direct_deliveries = 0  # messages handed to sockets by `deliver` itself
        self.other_deliveries = 0  # messages `deliver` left to Engine.IO's normal send

    @classmethod
    def install(
        cls, sio: socketio.AsyncServer, *, max_buffered: int = DEFAULT_MAX_BUFFERED
    ) -> "WebSocketTransport":
        """Put the transport under `sio` (idempotent: a second call returns the first one).

        Install before the server accepts connections: sockets opened earlier keep engineio's
        own driver and always take the normal path."""
        eio = sio.eio
        current = eio._async.get("websocket")
        if isinstance(current, cls):
            return current
        transport = cls(max_buffered=max_buffered)
        eio._async = {**eio._async, "websocket": transport}  # a copy: the module's dict is shared
        eio.create_queue = SendQueue
        return transport

    @classmethod
    def of(cls, sio: socketio.AsyncServer) -> "WebSocketTransport | None":
        current = sio.eio._async.get("websocket")
        return current if isinstance(current, cls) else None

    def __call__(self, handler: Handler, server: Any) -> WebSocketConnection:
        return WebSocketConnection(self, handler, server)

    def register(self, conn: WebSocketConnection) -> None:
        sock = conn.eio_socket
        if sock is not None and isinstance(sock.queue, SendQueue):
            self.connections[sock.sid] = conn

    def unregister(self, conn: WebSocketConnection) -> None:
        sid = getattr(conn.eio_socket, "sid", None)
        if self.connections.get(sid) is conn:
            del self.connections[sid]

    def abort(self, eio_sid: str) -> bool:
        """Close a socket's connection under it, as if this process had died: the client sees
        its transport close and connects again by itself. Engine.IO's own disconnect is not
        enough for that: the CLOSE packet it sends is ignored by socket.io-client on a
        websocket, and the websocket stays open until the client next sends something (a page
        left alone: its ping timeout, 45 s). False when the socket is not a websocket here."""
        conn = self.connections.get(eio_sid)
        if conn is None or conn.stream is None:
            return False
        conn.open = False
        conn.stream.abort()
        return True

    def deliver(self, eio_sids: Sequence[str], frame: bytes) -> list[str]:
        """Push `frame` to every socket that takes it directly; return the other sockets."""
        connections = self.connections
        dirty = self._dirty
        others = []
        for eio_sid in eio_sids:
            conn = connections.get(eio_sid)
            if conn is None or not conn.takes_direct():
                others.append(eio_sid)
                continue
            if not conn.pending:
                dirty.append(conn)
            conn.pending.append(frame)
        self._schedule_flush()
        self.other_deliveries += len(others)
        self.direct_deliveries += len(eio_sids) - len(others)
        return others

    def mark_dirty(self, conn: WebSocketConnection) -> None:
        self._dirty.append(conn)
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._dirty and self._flush_handle is None:
            self._flush_handle = asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Write every socket's pending frames (runs once per loop turn that pushed any)."""
        self._flush_handle = None
        dirty, self._dirty = self._dirty, []
        for conn in dirty:
            conn.flush()

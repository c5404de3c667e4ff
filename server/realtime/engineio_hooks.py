"""What the realtime send path relies on inside python-engineio and python-socketio, checked.

Neither library has an API for sending one framed message to many sockets, so
``server/realtime/transport.py`` and ``fanout.py`` lean on these internals, written against
python-engineio 4.15.1 and python-socketio 5.18.1 (both pinned exactly in pyproject.toml):

- **The websocket driver.** The Engine.IO server's ``_async`` dict holds the websocket driver
  factory under ``"websocket"``; a socket's ``_upgrade_websocket(environ)`` calls it as
  ``factory(socket._websocket_handler, server)`` and awaits the result with the environ. The
  handler is a bound method (its ``__self__`` is the socket) and calls the driver's
  ``wait()``, ``send(encoded)`` and ``close()``. ``WebSocketTransport.install`` puts its own
  factory in a copy of that dict.
- **The socket queue.** Every socket takes its ``queue`` from the server's
  ``create_queue()``, which ``install`` replaces on the instance; the socket's websocket
  writer takes packets from it with ``queue.get()`` (so ``SendQueue`` knows when the writer
  is parked).
- **Socket state:** ``sid``, ``queue``, ``upgraded``, ``upgrading``, ``closing``; the
  server's ``max_http_buffer_size``.
- **Fan-out:** Engine.IO's ``send_packet(sid, pkt)``; Socket.IO's ``packet_class`` (an event
  encodes to its wire text), and its manager's ``get_participants(namespace, room)``, which
  yields ``(sid, eio_sid)`` pairs, and ``eio_sid_from_sid(sid, namespace)``.
- **Reserved names:** Socket.IO's ``AsyncServer._handle_event(eio_sid, namespace, id, data)``
  dispatches every event a client sends; ``server/realtime/reserved.py`` overrides it to mark
  reserved names before dispatch.

``check_engineio_hooks()`` tries each of these on a probe server and socket, nothing
connected, and raises ``EngineIOHookError`` naming whatever no longer fits; it runs at start-up
(``server/app.py``) and in ``tests/server/realtime/test_engineio_hooks.py``.
"""

import asyncio
import inspect
from importlib.metadata import version
from typing import Any

import engineio
import socketio
from engineio import packet as eio_packet
from engineio.async_socket import AsyncSocket
from socketio import packet as sio_packet

WRITTEN_FOR = {"python-engineio": "4.15.1", "python-socketio": "5.18.1"}
_SOCKET_ATTRS = ("sid", "queue", "upgraded", "upgrading", "closing")
_SIGNATURES: tuple[tuple[type, str, tuple[str, ...]], ...] = (
    (engineio.AsyncServer, "create_queue", ("self",)),
    (engineio.AsyncServer, "send_packet", ("self", "sid", "pkt")),
    (AsyncSocket, "_upgrade_websocket", ("self", "environ")),
    (AsyncSocket, "_websocket_handler", ("self", "ws")),
    (socketio.AsyncServer, "_handle_event", ("self", "eio_sid", "namespace", "id", "data")),
)
_NAMESPACE, _ROOM = "/probe", "probe-room"


class EngineIOHookError(RuntimeError):
    """python-engineio or python-socketio no longer has what the realtime send path uses."""


class _ProbeQueue(asyncio.Queue[Any]):
    taken = 0

    async def get(self) -> Any:
        self.taken += 1
        return await super().get()


class _ProbeDriver:
    """Stands in for a websocket: records what the socket's handler does with it."""

    def __init__(self, args: tuple[Any, ...]) -> None:
        self.args = args  # what the factory was called with: (handler, server) expected
        self.environ: object = None
        self.sent: list[object] = []
        self.closed = asyncio.Event()

    async def __call__(self, environ: object) -> str:
        self.environ = environ
        return "response"

    async def wait(self) -> None:
        return None  # the client went away at once

    async def send(self, encoded: object) -> None:
        self.sent.append(encoded)

    async def close(self) -> None:
        self.closed.set()


class _ProbeFactory:
    def __init__(self) -> None:
        self.drivers: list[_ProbeDriver] = []

    def __call__(self, *args: Any) -> _ProbeDriver:
        self.drivers.append(_ProbeDriver(args))
        return self.drivers[-1]


def _missing_signatures() -> list[str]:
    missing = []
    for cls, name, params in _SIGNATURES:
        member = getattr(cls, name, None)
        if member is None:
            missing.append(f"{cls.__name__}.{name}")
        elif tuple(inspect.signature(member).parameters)[: len(params)] != params:
            missing.append(f"{cls.__name__}.{name}{params} (signature changed)")
    return missing


async def _missing_in_driver(eio: Any) -> list[str]:
    """Take a probe socket through the websocket upgrade and its writer, on a probe driver."""
    drivers = getattr(eio, "_async", None)
    if not isinstance(drivers, dict) or "websocket" not in drivers:
        return ["AsyncServer._async['websocket']"]
    factory = _ProbeFactory()
    eio._async = {**drivers, "websocket": factory}
    eio.create_queue = _ProbeQueue
    sock = AsyncSocket(eio, "probe")
    missing = [f"AsyncSocket.{name}" for name in _SOCKET_ATTRS if not hasattr(sock, name)]
    if not isinstance(getattr(sock, "queue", None), _ProbeQueue):
        missing.append("AsyncSocket.queue from AsyncServer.create_queue()")
    if missing:
        return missing
    answer = await sock._upgrade_websocket({"probe": True})
    driver = factory.drivers[0] if len(factory.drivers) == 1 else None
    if driver is None or (answer, driver.environ) != ("response", {"probe": True}):
        return ["AsyncSocket._upgrade_websocket: factory(handler, server)(environ)"]
    handler, server = driver.args if len(driver.args) == 2 else (None, None)
    if getattr(handler, "__self__", None) is not sock or server is not eio:
        return ["AsyncSocket._upgrade_websocket: factory(socket._websocket_handler, server)"]
    return await _missing_in_writer(sock, handler, driver)


async def _missing_in_writer(sock: AsyncSocket, handler: Any, driver: _ProbeDriver) -> list[str]:
    """The handler's writer sends what is queued through the driver, then closes it."""
    noop = eio_packet.Packet(eio_packet.NOOP)
    sock.queue.put_nowait(noop)
    await handler(driver)
    try:
        async with asyncio.timeout(1):
            await driver.closed.wait()
    except TimeoutError:
        return ["the websocket writer: driver.close() when the socket ends"]
    if driver.sent != [noop.encode()] or not sock.queue.taken:
        return ["the websocket writer: queue.get(), then driver.send(encoded)"]
    return []


async def _missing_in_manager(sio: socketio.AsyncServer) -> list[str]:
    event = sio.packet_class(sio_packet.EVENT, namespace=_NAMESPACE, data=["probe", 1])
    missing = [] if event.encode() == '2/probe,["probe",1]' else ["packet_class(...).encode()"]
    manager = sio.manager
    sid = await manager.connect("eio-probe", _NAMESPACE)
    await manager.enter_room(sid, _NAMESPACE, _ROOM)
    if list(manager.get_participants(_NAMESPACE, _ROOM)) != [(sid, "eio-probe")]:
        missing.append("manager.get_participants(namespace, room): (sid, eio_sid) pairs")
    if manager.eio_sid_from_sid(sid, _NAMESPACE) != "eio-probe":
        missing.append("manager.eio_sid_from_sid(sid, namespace)")
    return missing


async def check_engineio_hooks() -> None:
    """Fail loudly (EngineIOHookError) if anything the send path relies on has moved."""
    missing = _missing_signatures()
    sio = socketio.AsyncServer(async_mode="aiohttp")
    if not hasattr(sio.eio, "max_http_buffer_size"):
        missing.append("AsyncServer.max_http_buffer_size")
    if not missing:
        missing += await _missing_in_driver(sio.eio)
        missing += await _missing_in_manager(sio)
    if missing:
        found = {name: version(name) for name in WRITTEN_FOR}
        raise EngineIOHookError(
            f"The realtime send path's engineio hooks no longer fit (written for "
            f"{WRITTEN_FOR}, found {found}); missing: {', '.join(missing)}"
        )

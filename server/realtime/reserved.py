"""Event names the libraries reserve never come from the wire.

python-socketio hands a client's event named ``connect`` or ``disconnect`` to the same
handlers as the real connection and disconnection (FIELD-NOTES: the JS client refuses to
send them, the Python client does not), so a client could run the server's disconnect
handler and stay connected. ``RoomServer`` renames every reserved name a client sends into
a ``WireReserved`` string before dispatch; the namespace refuses it like an unknown event,
and the real lifecycle events (plain strings) are the only ones that reach its handlers.

This overrides ``AsyncServer._handle_event`` of the pinned python-socketio 5.18.1, which
``server/realtime/engineio_hooks.py`` checks at start-up.
"""

from typing import Any

import socketio
from socketio.base_client import BaseClient
from socketio.base_server import BaseServer

# the Socket.IO protocol's reserved names (the JS client's list) and python-socketio's own
RESERVED_EVENTS = frozenset(
    {"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}
    | set(BaseServer.reserved_events)
    | set(BaseClient.reserved_events)
)


class WireReserved(str):
    """A reserved event name as a client sent it: never a lifecycle event."""

    __slots__ = ()


class RoomServer(socketio.AsyncServer):
    async def _handle_event(self, eio_sid: str, namespace: str, id: Any, data: Any) -> None:
        if data and isinstance(data[0], str) and data[0] in RESERVED_EVENTS:
            data = [WireReserved(data[0]), *data[1:]]
        await super()._handle_event(eio_sid, namespace, id, data)

"""Fan-out: every message the realtime server sends goes through a Fanout.

The seam between the room handlers (what to tell whom) and the transport (how bytes reach
sockets). A message is encoded and framed once, whatever the number of recipients; sockets on
websocket get the frame appended to their pending writes directly (server/realtime/transport.py),
with no task or coroutine per recipient; the rest (long-polling clients, sockets mid-upgrade or
with Engine.IO packets still queued) go through Engine.IO's normal send, in order.

Constructing a Fanout installs the websocket transport on the server (idempotent; it also
refuses permessage-deflate). Do it when the AsyncServer is built, before it accepts
connections. With a pub/sub client manager (several server processes) the direct path cannot
see other nodes' sockets, so Fanout delegates to `sio.emit` (frames still batched, uncompressed).

`payload` is what python-socketio's emit takes as `data`: a tuple is spread into several event
arguments, None sends none, anything else is the one argument.
"""

from typing import Any

import socketio
from engineio import packet as eio_packet
from engineio.exceptions import SocketIsClosedError
from socketio import packet as sio_packet
from socketio.async_pubsub_manager import AsyncPubSubManager

from server.realtime.transport import DEFAULT_MAX_BUFFERED, WebSocketTransport, frame_packet

NAMESPACE = "/room"


class Fanout:
    def __init__(
        self,
        sio: socketio.AsyncServer,
        namespace: str = NAMESPACE,
        *,
        max_buffered: int = DEFAULT_MAX_BUFFERED,
    ) -> None:
        self.sio = sio
        self.namespace = namespace
        self.transport = WebSocketTransport.install(sio, max_buffered=max_buffered)
        self.direct = not isinstance(sio.manager, AsyncPubSubManager)

    async def to_room(
        self, room: str, event: str, payload: Any, *, skip_sid: str | None = None
    ) -> None:
        """Send to every socket in a Socket.IO room (optionally all but one)."""
        if not self.direct:
            await self.sio.emit(
                event, payload, to=room, skip_sid=skip_sid, namespace=self.namespace
            )
            return
        participants = self.sio.manager.get_participants(self.namespace, room)
        eio_sids = [eio_sid for sid, eio_sid in participants if sid != skip_sid]
        await self._send(eio_sids, event, payload)

    async def to_room_all(self, room: str, messages: list[tuple[str, Any]]) -> None:
        """Send several messages, in order, to every socket in a room: each socket's loop
        runs once for all of them (one write of their frames together)."""
        if not self.direct or len(messages) == 1:
            for event, payload in messages:
                await self.to_room(room, event, payload)
            return
        participants = self.sio.manager.get_participants(self.namespace, room)
        eio_sids = [eio_sid for _sid, eio_sid in participants]
        parts = [part for event, payload in messages for part in self._encode(event, payload)]
        others = self.transport.deliver(eio_sids, b"".join(frame_message(p) for p in parts))
        if others:
            packets = [eio_packet.Packet(eio_packet.MESSAGE, part) for part in parts]
            for eio_sid in others:
                await self._send_queued(eio_sid, packets)

    async def to_sid(self, sid: str, event: str, payload: Any) -> None:
        """Send to one socket."""
        await self.to_sids([sid], event, payload)

    async def to_sids(self, sids: list[str], event: str, payload: Any) -> None:
        """Send the same message to several sockets."""
        if not self.direct:
            for sid in sids:
                await self.sio.emit(event, payload, to=sid, namespace=self.namespace)
            return
        manager = self.sio.manager
        eio_sids = [manager.eio_sid_from_sid(sid, self.namespace) for sid in sids]
        await self._send([e for e in eio_sids if e is not None], event, payload)

    async def _send(self, eio_sids: list[str], event: str, payload: Any) -> None:
        parts = self._encode(event, payload)
        if len(parts) == 1:
            others = self.transport.deliver(eio_sids, frame_message(parts[0]))
        else:  # binary attachments: frames in a row, one write, nothing between them
            frames = b"".join(frame_message(part) for part in parts)
            others = self.transport.deliver(eio_sids, frames)
        if others:
            packets = [eio_packet.Packet(eio_packet.MESSAGE, part) for part in parts]
            for eio_sid in others:
                await self._send_queued(eio_sid, packets)

    async def _send_queued(self, eio_sid: str, packets: list[eio_packet.Packet]) -> None:
        """Engine.IO's own send (queue + writer): polling, upgrading or busy sockets."""
        try:
            for pkt in packets:
                await self.sio.eio.send_packet(eio_sid, pkt)
        except SocketIsClosedError:
            return  # it closed after the room was read; the others still get the message

    def _encode(self, event: str, payload: Any) -> list[str | bytes]:
        """The Socket.IO packet of one event (+ binary attachments), as python-socketio's emit
        makes it; each part travels as one Engine.IO message."""
        if isinstance(payload, tuple):
            args = list(payload)
        else:
            args = [] if payload is None else [payload]
        pkt = self.sio.packet_class(sio_packet.EVENT, namespace=self.namespace, data=[event, *args])
        encoded = pkt.encode()
        return encoded if isinstance(encoded, list) else [encoded]


def frame_message(part: str | bytes) -> bytes:
    """One Engine.IO MESSAGE packet carrying `part`, as a websocket frame."""
    return frame_packet("4" + part if isinstance(part, str) else part)

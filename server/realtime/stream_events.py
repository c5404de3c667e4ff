"""A room's live stream events (PROTOCOL.md, "Live stream out"): a host streams the composed
room to an RTMP(S) ingest where the session allows recording. The capability is checked per
event (``moderate``), then the session's policy and the target (``recordings.streaming``):
its URL and key, and the addresses its host resolves to (production refuses private ones,
``MEDIA_REFUSE_PRIVATE``; loopback only outside production). The key goes to the streamer
and nowhere else: not logged, not stored, not sent back. The room hears ``streaming``
(connecting, live since, reconnecting, stopped) and its snapshot carries the last of it.
The stream stops with the room, and when the staff no longer allow recording."""

import asyncio
import logging
import socket
from datetime import datetime
from functools import partial
from typing import Any

from recordings.streaming import (
    CONNECTING,
    STOPPED,
    StreamTarget,
    check_ingest_addresses,
    check_may_stop_stream,
    check_may_stream,
    check_stream_pace,
    check_stream_target,
    streaming_news,
)
from rooms.errors import DomainError
from rooms.protocol import EVENTS
from server.media.config import PRIVATE_NETWORKS
from server.realtime.live import LiveRoom, LiveRooms
from server.streamer import Streamer, StreamShape

log = logging.getLogger(__name__)

RESOLVE_SECONDS = 5.0
RTMP_PORT = 1935


class StreamEvents:
    """Mixed into the room namespace: one handler per live stream event."""

    live: LiveRooms
    stream_shape = StreamShape()

    async def on_start_stream(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        live.room.require(sid, EVENTS["start_stream"])
        check_may_stream(live.room.session, streaming=live.media.streamer is not None)
        check_stream_pace(live.media.stream_started, now=self.live.clock())
        target = check_stream_target(data["url"], data["key"])
        await self._check_host(target)
        check_may_stream(live.room.session, streaming=live.media.streamer is not None)
        live.media.stream_started = self.live.clock()
        streamer = Streamer(
            router=live.media.router,
            target=target,
            on_state=lambda state, since: None,
            clock=self.live.clock,
            shape=self.stream_shape,
        )
        streamer.on_state = partial(self._stream_state, live, streamer)
        live.media.streamer = streamer
        self._stream_state(live, streamer, CONNECTING, None)
        streamer.start()
        return {"state": CONNECTING}

    async def on_stop_stream(self, sid: str, data: dict[str, Any]) -> dict[str, object]:
        live = self.live.room_of(sid)
        live.room.require(sid, EVENTS["stop_stream"])
        check_may_stop_stream(streaming=live.media.streamer is not None)
        await live.media.stop_stream()
        return {"state": STOPPED}

    async def _check_host(self, target: StreamTarget) -> None:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(RESOLVE_SECONDS):
                found = await loop.getaddrinfo(target.host, RTMP_PORT, type=socket.SOCK_STREAM)
        except (OSError, TimeoutError):
            found = []
        refuse_private = self.live.settings.media_refuse_private
        check_ingest_addresses(
            [str(info[4][0]) for info in found],
            refused=PRIVATE_NETWORKS if refuse_private else (),
            local=not refuse_private,
        )

    def _stream_state(
        self, live: LiveRoom, streamer: Streamer, state: str, since: datetime | None
    ) -> None:
        """The stream's state, told to the room (a stopped stream's, unless another began)."""
        current = live.media.streamer
        if current is not streamer and not (state == STOPPED and current is None):
            return
        news = streaming_news(state, since.isoformat() if since else None)
        live.room.streaming = None if state == STOPPED else dict(news[0].payload)
        told = live.line.submit(list(news), flags=None, at=self.live.clock())
        told.add_done_callback(_logged)


def _logged(told: "asyncio.Future[object]") -> None:
    if not told.cancelled() and (error := told.exception()) is not None:
        if not isinstance(error, DomainError):
            log.error("the room was not told of its stream", exc_info=error)

"""This process as an **edge**: it serves the viewers other processes' rooms place on it.

An edge announces itself in Redis every ``BEAT_EVERY`` (its heartbeat: the host its relay
links bind on, and how many viewers it serves) and answers the calls owners publish on its
channel (``server.store.edges``), one task per call; an owner waits for each reply before
its next call about the same viewer, so a viewer's steps arrive in order. An edge executes,
it never decides: which sources a viewer gets is in every ``subscribe`` call, as the owner's
rules computed it (ARCHITECTURE.md, "Audiences beyond one process").

Calls (``op``), each naming the ``room``:

- ``open_link``: the owner's link socket ``address`` and the ``link`` id whose keys it put in
  Redis; the edge takes the keys (once), binds its end, connects it, replies its ``address``.
  A room's new link replaces the old one (a new owner after a failover) with its viewers.
- ``subscribe``: the sources relayed now (``relayed``) and those the ``participant`` is to
  receive (``wanted``); replies the new subscribe offer (``sdp``, None when nothing changed)
  and the viewer's ``subscriptions`` (mid, source id).
- ``subscribed`` (the viewer's answer ``sdp``), ``candidate`` (a trickled ``candidate`` of
  the viewer's subscribe connection), ``close_viewer``, ``close_room``.

A viewer whose connection fails here is news for the owner (``peer_failed``), which closes
the viewer's media as it would its own: the viewer's client starts again.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from server.media import MediaConfig, MediaError
from server.media.edge_room import EdgeRoom
from server.media.peer import NEGOTIATION_ERRORS, MediaPeer
from server.media.relay import LinkKeys
from server.process import stop_tasks
from server.store import Store
from server.store.connection import StoreError

log = logging.getLogger(__name__)

BEAT_EVERY = 0.5  # seconds between an edge's heartbeats
BEAT_TTL = 2.0  # seconds a heartbeat lasts: an edge silent that long is gone
Reply = dict[str, Any]
OFFER_WITHIN = 4.0  # seconds a subscribe offer may take here (the owner waits CALL_WITHIN)
FAILED = "The media connection failed; starting it again may help."


class EdgeService:
    def __init__(
        self,
        store: Store,
        *,
        name: str,
        config: MediaConfig,
        relay_host: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.name = name
        self.config = config
        self.relay_host = relay_host
        self.rooms: dict[str, EdgeRoom] = {}
        self._owners: dict[str, str] = {}  # room -> the owner process that opened its link
        self._failed: dict[str, set[str]] = {}  # room -> viewers whose connection failed here
        self._clock = clock
        self._tasks: list[asyncio.Task[None]] = []  # the heartbeat's and the calls'
        self._heard = asyncio.Event()  # the calls' channel is subscribed to
        self._calls: set[asyncio.Task[None]] = set()
        self._ops: dict[str, Callable[[dict[str, Any]], Awaitable[Reply]]] = {
            "open_link": self._open_link,
            "subscribe": self._subscribe,
            "subscribed": self._subscribed,
            "candidate": self._candidate,
            "close_viewer": self._close_viewer,
            "close_room": self._close_room,
        }

    @property
    def load(self) -> int:
        return sum(len(room.peers) for room in self.rooms.values())

    # --- life ------------------------------------------------------------------------------

    def start(self) -> None:
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._beating(), name=f"edge:{self.name}:beat"),
                asyncio.create_task(self._listening(), name=f"edge:{self.name}:calls"),
            ]

    async def stop(self) -> None:
        await stop_tasks([*self._tasks, *self._calls])
        self._tasks = []
        self._heard.clear()
        for room_id in list(self.rooms):
            await self._drop(room_id)
        with contextlib.suppress(StoreError, OSError):
            await self.store.edges.leave(self.name)

    async def _beating(self) -> None:
        """A heartbeat every ``BEAT_EVERY`` once calls are heard (an owner calls an edge as
        soon as it sees its heartbeat); the process sleeps in between."""
        await self._heard.wait()
        while True:
            await self._beat()
            await asyncio.sleep(BEAT_EVERY)

    async def _listening(self) -> None:
        """Calls as they come (the task waits on the channel: no polling)."""
        inbox = self.store.edges.calls(self.name)
        await inbox.open()
        self._heard.set()
        try:
            while True:
                call = await inbox.next()
                if call is not None:
                    task = asyncio.create_task(self._answer(call))
                    self._calls.add(task)
                    task.add_done_callback(self._calls.discard)
        finally:
            await inbox.close()

    async def _beat(self) -> None:
        try:
            await self.store.edges.announce(
                self.name, relay_host=self.relay_host, load=self.load, ttl=BEAT_TTL
            )
        except (StoreError, OSError):
            log.warning("edge %s: heartbeat not written", self.name)

    async def _answer(self, call: dict[str, Any]) -> None:
        op = self._ops.get(str(call.get("op")))
        try:
            if op is None:
                raise MediaError("An edge has no such call.", code="bad_call")
            reply = await op(call)
        except MediaError as error:
            reply = {"error": {"code": error.code, "template": error.template,
                               "params": {k: str(v) for k, v in error.params.items()}}}  # fmt: skip
        except Exception:
            log.exception("edge %s: call %s failed", self.name, call.get("op"))
            reply = {"error": {"code": "internal", "template": "internal error", "params": {}}}
        reply_to = call.get("reply_to")
        if isinstance(reply_to, str):
            with contextlib.suppress(StoreError, OSError):
                await self.store.edges.reply(reply_to, reply)

    # --- calls -----------------------------------------------------------------------------

    async def _open_link(self, call: dict[str, Any]) -> Reply:
        room_id, owner = str(call["room"]), str(call["owner"])
        text = await self.store.edges.take_keys(str(call["link"]))
        if text is None:
            raise MediaError("The relay link's keys are gone.", code="bad_link")
        await self._drop(room_id)
        room = EdgeRoom(
            room_id=room_id,
            config=self.config,
            keys=LinkKeys.from_text(text),
            relay_host=self.relay_host,
            on_peer_failed=lambda pid: self._peer_failed(room_id, pid),
            clock=self._clock,
        )
        host, port = call["address"]
        room.link.connect((str(host), int(port)))
        self.rooms[room_id], self._owners[room_id] = room, owner
        return {"address": list(room.link.address)}

    async def _subscribe(self, call: dict[str, Any]) -> Reply:
        room, participant_id = self._room(call), str(call["participant"])
        if participant_id in self._failed.get(room.room_id, ()):
            raise MediaError(FAILED, code="negotiation_failed")  # the owner is being told
        peer = room.tell(participant_id, call["relayed"], call["wanted"])
        try:
            async with asyncio.timeout(OFFER_WITHIN):
                sdp = await peer.subscribe()
        except (TimeoutError, *NEGOTIATION_ERRORS) as exc:  # e.g. its connection just failed
            await room.close_peer(participant_id)
            raise MediaError(FAILED, code="negotiation_failed") from exc
        return {"sdp": sdp, "subscriptions": peer.subscriptions()}

    async def _subscribed(self, call: dict[str, Any]) -> Reply:
        await self._peer(call).subscribed(call["sdp"])
        return {}

    async def _candidate(self, call: dict[str, Any]) -> Reply:
        added = await self._peer(call).add_candidate("subscribe", call["candidate"])
        return {"added": added}

    async def _close_viewer(self, call: dict[str, Any]) -> Reply:
        room_id, participant_id = str(call["room"]), str(call["participant"])
        self._failed.get(room_id, set()).discard(participant_id)
        room = self.rooms.get(room_id)
        if room is not None:
            await room.close_peer(participant_id)
        return {}

    async def _close_room(self, call: dict[str, Any]) -> Reply:
        await self._drop(str(call["room"]))
        return {}

    # --- helpers ---------------------------------------------------------------------------

    def _room(self, call: dict[str, Any]) -> EdgeRoom:
        room = self.rooms.get(str(call["room"]))
        if room is None:
            raise MediaError("This edge has no link for the room.", code="no_link")
        return room

    def _peer(self, call: dict[str, Any]) -> MediaPeer:
        peer = self._room(call).peers.get(str(call["participant"]))
        if peer is None:
            raise MediaError("There is no media connection for this viewer.", code="bad_state")
        return peer

    async def _drop(self, room_id: str) -> None:
        room = self.rooms.pop(room_id, None)
        self._owners.pop(room_id, None)
        self._failed.pop(room_id, None)
        if room is not None:
            await room.close()

    def _peer_failed(self, room_id: str, participant_id: str) -> None:
        """A viewer's connection failed here: it is closed, and refused further offers
        until the owner, told, closes the viewer's media (its client starts again)."""
        owner = self._owners.get(room_id)
        if owner is None:
            return
        self._failed.setdefault(room_id, set()).add(participant_id)
        task = asyncio.create_task(self._fail(owner, room_id, participant_id))
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)

    async def _fail(self, owner: str, room_id: str, participant_id: str) -> None:
        room = self.rooms.get(room_id)
        if room is not None:
            await room.close_peer(participant_id)
        news = {"op": "peer_failed", "room": room_id, "participant": participant_id}
        with contextlib.suppress(StoreError, OSError):
            await self.store.edges.tell(owner, news)

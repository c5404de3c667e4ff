"""A room's audience beyond its owner process: viewers' media placed on edges (the owner's
side; ARCHITECTURE.md, "Audiences beyond one process").

Every connection of a room stays with its owner, so every rule is decided there, once. What
moves is a viewer's **subscribe connection**: once the owner serves ``place_after`` media
seats of a room itself, each further seat's subscribe connection is opened on the live edge
serving the fewest viewers (``EdgePeer``), while its publish connection (a student given the
floor) stays on the owner. The owner relays the sources such viewers receive over one relay
link per edge and room (``server.media.relay``), computes each viewer's sources with the
room's own rules (``Router.sources_for``) and hands them to the edge with every offer.

``Audiences`` (one per process, its tasks started and stopped with the live rooms) keeps the
live edges from their heartbeats, fails the viewers of an edge that stopped beating (their
clients start their media again and are placed anew) and acts on news from edges (a
viewer's connection failed there). A relay link **refused** (the edge's end is closed, most
often because its process died: ``server.media.relay.LinkEnd``) fails that room's viewers
on the edge at once, without waiting for the heartbeat to run out, and no new viewer is
placed on the edge until its heartbeat has had the time to run out (``SUSPECT_FOR``): a
living edge is then chosen again, a dead one is no longer listed.
"""

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Collection
from typing import Any

from server.edges import BEAT_TTL
from server.media import MediaError, MediaPeer, PublishAnswer, Router
from server.media.relay import LinkKeys
from server.media.relay_owner import RelayOut
from server.process import stop_tasks
from server.store import Store
from server.store.connection import StoreError
from server.store.edges import EdgeBeat, EdgeUnreachable

log = logging.getLogger(__name__)

WATCH_EVERY = 0.5  # seconds between two looks at the edges' heartbeats
CALL_WITHIN = 5.0  # seconds an edge has to answer a call
SUSPECT_FOR = BEAT_TTL + WATCH_EVERY  # seconds an edge whose link was refused is not chosen
FAILED = "The media connection failed; starting it again may help."


class Audiences:
    """This process's rooms' audiences: the live edges, and news from them."""

    def __init__(
        self,
        store: Store,
        *,
        process: str,
        relay_host: str,
        place_after: int,
    ) -> None:
        self.store = store
        self.process = process
        self.relay_host = relay_host
        self.place_after = place_after  # seats a room keeps on its owner; < 0: never place
        self.edges: dict[str, EdgeBeat] = {}  # alive, by name (this process left out)
        self.rooms: dict[str, RoomAudience] = {}
        self._suspects: dict[str, float] = {}  # edge -> until when it is not chosen
        self._tasks: list[asyncio.Task[None]] = []  # the heartbeats' watcher, the news'

    def for_room(self, router: Router) -> "RoomAudience":
        audience = self.rooms[router.room_id] = RoomAudience(self, router)
        return audience

    def forget(self, room_id: str) -> None:
        self.rooms.pop(room_id, None)

    def choose(self, audience: "RoomAudience") -> str | None:
        """The live edge with the fewest viewers (counting those just placed there), of
        those not suspected."""
        now = time.monotonic()
        edges = [e for e in self.edges if self._suspects.get(e, now) <= now]
        if not edges:
            return None
        placed: dict[str, int] = {}
        for room in self.rooms.values():
            for peer in room.peers.values():
                placed[peer.edge] = placed.get(peer.edge, 0) + 1
        return min(edges, key=lambda e: (max(self.edges[e].load, placed.get(e, 0)), e))

    def suspect(self, edge: str) -> None:
        """A relay link to ``edge`` was refused: choose it for no viewer until its heartbeat
        has had the time to run out."""
        self._suspects[edge] = time.monotonic() + SUSPECT_FOR

    # --- life ------------------------------------------------------------------------------

    def start(self) -> None:
        if self.place_after >= 0 and not self._tasks:
            self._tasks = [
                asyncio.create_task(self._watching(), name="audiences:edges"),
                asyncio.create_task(self._listening(), name="audiences:news"),
            ]

    async def stop(self) -> None:
        await stop_tasks(self._tasks)
        self._tasks = []

    async def _watching(self) -> None:
        """A look at the edges' heartbeats every ``WATCH_EVERY``; asleep in between."""
        while True:
            await self._watch()
            await asyncio.sleep(WATCH_EVERY)

    async def _listening(self) -> None:
        """News from edges as it comes (the task waits on the channel: no polling); Redis
        down or hung ends a subscription, not the task: it subscribes again a moment later."""
        while True:
            try:
                await self._listen()
            except (StoreError, OSError) as error:
                log.warning("news from edges: Redis did not answer (%r); listening again", error)
                await asyncio.sleep(WATCH_EVERY)

    async def _listen(self) -> None:
        inbox = self.store.edges.news(self.process)
        try:
            await inbox.open()
            while True:
                news = await inbox.next()
                if news is not None and news.get("op") == "peer_failed":
                    room = self.rooms.get(str(news.get("room")))
                    if room is not None:
                        room.peer_failed(str(news.get("participant")))
        finally:
            with contextlib.suppress(StoreError, OSError):
                await inbox.close()

    async def _watch(self) -> None:
        try:
            live = await self.store.edges.live()
        except (StoreError, OSError):
            log.warning("audiences: the edges' heartbeats could not be read")
            return
        live.pop(self.process, None)
        self.edges = live
        now = time.monotonic()
        self._suspects = {e: t for e, t in self._suspects.items() if t > now}
        for room in list(self.rooms.values()):
            room.edges_alive(set(live))


class RoomAudience:
    """One room's viewers on edges, and its relay links (one per edge)."""

    def __init__(self, audiences: Audiences, router: Router) -> None:
        self.audiences = audiences
        self.router = router
        self.room_id = router.room_id
        self.links: dict[str, RelayOut] = {}
        self.peers: dict[str, EdgePeer] = {}  # participant -> its peer on an edge
        self._linking = asyncio.Lock()

    def place(self, peer: MediaPeer, *, seats: int) -> "MediaPeer | EdgePeer":
        """Where a new seat's subscribe connection goes: on the owner (``peer`` as it is)
        while the owner serves fewer than ``place_after`` seats, else on an edge."""
        after = self.audiences.place_after
        if after < 0 or seats - len(self.peers) <= after:
            return peer
        edge = self.audiences.choose(self)
        if edge is None:
            return peer
        placed = self.peers[peer.participant_id] = EdgePeer(audience=self, edge=edge, local=peer)
        return placed

    async def call(self, edge: str, op: str, **args: Any) -> dict[str, Any]:
        message = {"op": op, "room": self.room_id, **args}
        try:
            reply = await self.audiences.store.edges.call(edge, message, within=CALL_WITHIN)
        except (EdgeUnreachable, StoreError, OSError) as gone:
            log.info("room %s: edge %s did not answer %s", self.room_id, edge, op)
            raise MediaError(FAILED, code="negotiation_failed") from gone
        error = reply.get("error")
        if error is not None:
            raise MediaError(str(error["template"]), code=str(error["code"]), **error["params"])
        return reply

    async def link(self, edge: str) -> RelayOut:
        """The relay link to ``edge`` (opened on first use)."""
        async with self._linking:
            link = self.links.get(edge)
            if link is not None and not link.closed:
                return link
            keys, link_id = LinkKeys.new(), uuid.uuid4().hex
            await self.audiences.store.edges.put_keys(link_id, keys.text())
            link = RelayOut(keys=keys, host=self.audiences.relay_host)
            link.on_refused = lambda: self.link_refused(edge, link)
            try:
                reply = await self.call(
                    edge, "open_link", link=link_id, owner=self.audiences.process,
                    address=list(link.address),
                )  # fmt: skip
            except MediaError:
                link.close()
                raise
            host, port = reply["address"]
            link.connect((str(host), int(port)))
            self.links[edge] = link
            return link

    def relay(self, edge: str) -> None:
        """Relay to ``edge`` what its viewers of the room receive, and nothing else."""
        link = self.links.get(edge)
        if link is None:
            return
        wanted = {s for p in self.peers.values() if p.edge == edge for s in p.wanted}
        sources = self.router.sources
        link.relay(sources[s] for s in wanted if s in sources)

    async def release(self, participant_id: str) -> None:
        """The viewer's media closed: close its connection on the edge."""
        peer = self.peers.pop(participant_id, None)
        if peer is None:
            return
        self.relay(peer.edge)
        if not peer.failed:
            with contextlib.suppress(MediaError):
                await self.call(peer.edge, "close_viewer", participant=participant_id)

    def forget_link(self, edge: str) -> None:
        link = self.links.pop(edge, None)
        if link is not None:
            link.close()

    def edges_alive(self, alive: Collection[str]) -> None:
        """Viewers on an edge that stopped beating: their media failed (they start again)."""
        for edge in {p.edge for p in self.peers.values()} | set(self.links):
            if edge not in alive:
                self.edge_lost(edge)

    def link_refused(self, edge: str, link: RelayOut) -> None:
        """The edge's end of the room's link is closed (its process died, most often): the
        room's viewers there receive nothing more, so their media fails now."""
        if self.links.get(edge) is not link:
            return
        log.info("room %s: the relay link to edge %s was refused", self.room_id, edge)
        self.audiences.suspect(edge)
        self.edge_lost(edge)

    def edge_lost(self, edge: str) -> None:
        self.forget_link(edge)
        for peer in self.peers.values():
            if peer.edge == edge and not peer.failed:
                peer.failed = True
                self.router.peer_failed(peer.participant_id)

    def peer_failed(self, participant_id: str) -> None:
        if participant_id in self.peers:
            self.router.peer_failed(participant_id)

    async def close(self) -> None:
        for participant_id in list(self.peers):
            await self.release(participant_id)
        for edge, link in list(self.links.items()):
            link.close()
            with contextlib.suppress(MediaError):
                await self.call(edge, "close_room")
        self.links.clear()
        self.audiences.forget(self.room_id)


class EdgePeer:
    """A seat's media with its subscribe connection on an edge: the same calls as a
    ``MediaPeer`` (the room's signalling does not tell them apart); publishing stays on the
    owner's own peer (``local``)."""

    def __init__(self, *, audience: RoomAudience, edge: str, local: MediaPeer) -> None:
        self.participant_id = local.participant_id
        self.edge = edge
        self.wanted: tuple[str, ...] = ()  # source ids the owner's rules give this viewer
        self.failed = False
        self._audience = audience
        self._local = local
        self._subscriptions: list[tuple[str, str]] = []
        self._lock = asyncio.Lock()  # one call to the edge at a time: they arrive in order

    @property
    def closed(self) -> bool:
        return self._local.closed

    async def publish(
        self, offer_sdp: object, *, screen_mids: Collection[str] = ()
    ) -> PublishAnswer:
        return await self._local.publish(offer_sdp, screen_mids=screen_mids)

    async def subscribe(self) -> str | None:
        async with self._lock:
            if self.closed:
                raise MediaError("This media connection is closed.", code="closed")
            audience = self._audience
            sources = audience.router.sources_for(self.participant_id)
            self.wanted = tuple(s.source_id for s in sources)
            try:
                reply = await self._offer_retried()
            except MediaError:
                # the seat's media failed: the room's signalling closes it, the client
                # starts again and is placed anew
                if not self.failed:
                    self.failed = True
                    audience.router.peer_failed(self.participant_id)
                raise
            self._subscriptions = [(str(m), str(s)) for m, s in reply["subscriptions"]]
            sdp = reply["sdp"]
            return None if sdp is None else str(sdp)

    async def _offer_retried(self) -> dict[str, Any]:
        try:
            return await self._offer()
        except MediaError as error:
            if error.code != "no_link":
                raise
            self._audience.forget_link(self.edge)  # the edge started again meanwhile
            return await self._offer()

    async def _offer(self) -> dict[str, Any]:
        audience = self._audience
        link = await audience.link(self.edge)
        audience.relay(self.edge)
        return await audience.call(
            self.edge, "subscribe", participant=self.participant_id,
            relayed=link.describe(), wanted=list(self.wanted),
        )  # fmt: skip

    async def subscribed(self, answer_sdp: object) -> None:
        async with self._lock:
            # a failure closes the seat's media (the room's signalling does it, as for its own)
            await self._audience.call(
                self.edge, "subscribed", participant=self.participant_id, sdp=answer_sdp
            )

    async def add_candidate(
        self, connection: str, candidate: object, *, sdp_mid: str | None = None
    ) -> bool:
        if connection != "subscribe":
            return await self._local.add_candidate(connection, candidate, sdp_mid=sdp_mid)  # type: ignore[arg-type]
        async with self._lock:
            reply = await self._audience.call(
                self.edge, "candidate", participant=self.participant_id, candidate=candidate
            )
            return bool(reply.get("added"))

    def subscriptions(self) -> list[tuple[str, str]]:
        return list(self._subscriptions)

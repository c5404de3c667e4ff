"""A live room's media: the room protocol's media events on the SFU of ``server/media``.

One ``RoomMedia`` per live room (made with the room, closed with it) owns the room's
``Router`` and one **seat** per participant with media: the tab (socket) holding it, the
participant's ``MediaPeer`` (a publish and a subscribe connection) and the state of the
subscribe negotiation. Each participant's media lives in one tab at a time: ``media_start``
from another tab takes it over.

Negotiation (PROTOCOL.md, Media):

- publish: the client offers, the handler answers on the spot. Each track needs its
  capability (``rooms.protocol.PUBLISH_NEEDS``) for the participant's role *now*; the
  router's peer asks ``may_publish(kind)`` while it negotiates.
- subscribe: the server offers. When the room's sources change, every seat is marked stale
  and one task per room (started with the first media, stopped with the room) sends each
  stale seat a new offer, but only once the previous one is answered: at most one offer
  waits per seat, so an answer always meets the offer it answers, and the client's
  candidates (sent after its answer) never meet a description they do not belong to. The
  same task announces the active speaker (on change, at most every ``SPEAKER_EVERY``) and
  closes the media of participants whose connection failed or who left an offer unanswered
  for ``ANSWER_WITHIN`` (their client starts again).

What the room decides is enforced here, where it costs nothing: a participant's audio is
forwarded only while their roster ``mic`` is on, their camera only while ``camera`` is on,
their screen unless a host stopped it (``Router.set_muted``).
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rooms.errors import DomainError, Forbidden
from rooms.outbox import Group, Send, Text
from rooms.presence import Participant
from rooms.protocol import PUBLISH_NEEDS
from rooms.roles import Capability
from rooms.room import Room
from server.audiences import Audiences, EdgePeer
from server.media import (
    PRIVATE_NETWORKS,
    CandidatePolicy,
    MediaConfig,
    MediaError,
    MediaPeer,
    Router,
    stun_servers,
)
from server.media.peer import NEGOTIATION_ERRORS
from server.process import stop_tasks
from server.recorder import Recorder
from server.settings import Settings
from server.streamer import Streamer

log = logging.getLogger(__name__)

C = Capability
SPEAKER_EVERY = 0.3  # seconds between two active-speaker announcements at most
# seconds a client has to answer a subscribe offer; then its media is closed as failed and
# the client starts it again (else it would get no further offers: one waits at a time)
ANSWER_WITHIN = 20.0
Deliver = Callable[[Send], Awaitable[None]]

# why the server closed someone's media (``media_closed``)
CLOSED_MESSAGES = {
    "moved": "Your media moved to another window of yours.",
    "failed": "The media connection failed; starting it again may help.",
    "role": "Your new role cannot send what you were sending; start your media again.",
    "lobby": "Your media stopped: a host moved you back to the lobby.",
    "held": "Your media stopped: you are out of the room for now.",
    "stage": "You no longer have the floor: your media starts again, for listening.",
}
# a publish offer with tracks the role may not send
REFUSED_MESSAGES = {
    "audio": "Your role cannot send audio here.",
    "video": "Your role cannot send video here.",
    "screen": "Your role cannot share a screen here.",
    "several": "Your role cannot send some of these tracks here.",
}


def media_config(settings: Settings) -> MediaConfig:
    """The SFU's settings: STUN servers from ``ice_servers`` (an explicit list, empty by
    default: aiortc must never fall back to a public server), the host addresses it offers
    (``MEDIA_HOST_ADDRESSES``; default: every interface but loopback), and private address
    ranges refused in clients' candidates when ``MEDIA_REFUSE_PRIVATE`` (default: on in
    production)."""
    refused = PRIVATE_NETWORKS if settings.media_refuse_private else ()
    return MediaConfig(
        ice_servers=stun_servers(settings.ice_servers),
        host_addresses=settings.media_host_addresses,
        candidates=CandidatePolicy(refused=refused),
    )


@dataclass(slots=True)
class Seat:
    """One participant's media: the tab holding it, its peer, the subscribe negotiation."""

    participant_id: str
    sid: str
    peer: MediaPeer | EdgePeer  # an EdgePeer: its subscribe connection is on an edge
    revision: int = 0  # of the latest subscribe offer
    awaiting: int | None = None  # the revision waiting for the client's answer
    offered_at: float = 0.0  # when that offer went out (the room media's clock)
    stale: bool = True  # the room's sources changed since the latest offer
    ready: bool = False  # media_started went out: offers may follow


class RoomMedia:
    def __init__(
        self,
        *,
        room: Room,
        config: MediaConfig,
        ice_servers: Collection[Mapping[str, object]],
        deliver: Deliver,
        clock: Callable[[], float] = time.monotonic,
        audiences: Audiences | None = None,
    ) -> None:
        self.room = room
        self.ice_servers = [dict(server) for server in ice_servers]
        self.router = Router(
            room_id=room.session.session_id,
            config=config,
            on_active_speaker=self._speaker_changed,
            on_sources_changed=self._sources_changed,
            on_peer_failed=self._peer_failed,
            may_hear=room.may_hear,
            clock=clock,
        )
        self.seats: dict[str, Seat] = {}  # participant_id -> seat
        # viewers placed on edges once the room is big (server/audiences.py)
        self.audience = audiences.for_room(self.router) if audiences is not None else None
        self._deliver = deliver
        self._clock = clock
        self._screens_stopped: set[str] = set()
        self._failed: set[str] = set()
        self._speaker: str | None = None
        self._announced: str | None = None
        self._announced_at = float("-inf")
        self._wake = asyncio.Event()
        self._starting = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self.recorder: Recorder | None = None  # the room's recording going on, if any
        self.streamer: Streamer | None = None  # the room's live stream out, if any
        self.stream_started: datetime | None = None  # when a host last started one

    # --- seats -----------------------------------------------------------------------------

    async def start(self, sid: str) -> None:
        """This tab's media, from scratch: any earlier media of the person is closed."""
        p = self.room.require(sid, C.JOIN)
        pid = p.participant_id
        async with self._starting:  # two tabs starting at once: one after the other
            old = self.seats.get(pid)
            await self.close_participant(pid, reason="moved" if old and old.sid != sid else None)
            seat = self._open_seat(sid, p)
            if self.audience is not None:
                seat.peer = self.audience.place(seat.peer, seats=len(self.seats))  # type: ignore[arg-type]
        speaker = self._announced
        present = speaker is not None and self.room.people.of_participant(speaker) is not None
        started = {"ice_servers": self.ice_servers, "active_speaker": speaker if present else None}
        await self._tell(sid, "media_started", started)
        seat.ready = True
        self._wake.set()

    def _open_seat(self, sid: str, p: Participant) -> Seat:
        pid = p.participant_id
        self._run_task()
        peer = self.router.open_peer(pid, may_publish=self._rights(pid))
        seat = self.seats[pid] = Seat(participant_id=pid, sid=sid, peer=peer)
        self._follow_one(p)
        return seat

    def _seat(self, sid: str) -> Seat:
        p = self.room.require(sid, C.JOIN)
        seat = self.seats.get(p.participant_id)
        if seat is None or seat.sid != sid:
            raise DomainError("Start your media first.", code="media_not_started")
        return seat

    def _rights(self, participant_id: str) -> Callable[[str], bool]:
        def may_publish(kind: str) -> bool:
            p = self.room.people.of_participant(participant_id)
            return p is not None and p.admitted and PUBLISH_NEEDS[kind] in self.room.caps(p)

        return may_publish

    async def close_participant(self, participant_id: str, *, reason: str | None = None) -> None:
        """Close a participant's media (both connections, every task); tell their media tab
        why when it stays connected (``reason``)."""
        seat = self.seats.pop(participant_id, None)
        self._failed.discard(participant_id)
        await self.router.close_peer(participant_id)
        if self.audience is not None:
            await self.audience.release(participant_id)
        if seat is not None and reason is not None:
            message = Text(CLOSED_MESSAGES[reason])
            await self._tell(seat.sid, "media_closed", {"reason": reason, "message": message})

    async def socket_gone(self, sid: str) -> None:
        """A socket disconnected: the media it held goes with it."""
        for seat in [s for s in self.seats.values() if s.sid == sid]:
            await self.close_participant(seat.participant_id)

    async def stop(self, sid: str) -> None:
        await self.close_participant(self._seat(sid).participant_id)

    # --- negotiation -----------------------------------------------------------------------

    async def publish(self, sid: str, sdp: str, *, screen_mids: Collection[str]) -> None:
        """Answer a publish offer; refuse (after answering) the tracks the role may not send."""
        p = self.room.require(sid, C.JOIN)
        if not any(need in self.room.caps(p) for need in PUBLISH_NEEDS.values()):
            raise Forbidden("Your role cannot publish here.")
        seat = self._seat(sid)
        if screen_mids:  # sharing (again) lifts a host's stop
            self._screens_stopped.discard(seat.participant_id)
        self.follow(seat.participant_id)
        answer = await self._negotiating(seat, seat.peer.publish(sdp, screen_mids=screen_mids))
        await self._tell(
            sid, "publish_answer", {"sdp": answer.sdp, "refused": list(answer.refused)}
        )
        if answer.refused:
            key = answer.refused[0] if len(answer.refused) == 1 else "several"
            raise Forbidden(REFUSED_MESSAGES[key], code="publish_refused")

    async def answer(self, sid: str, sdp: str, *, revision: int) -> None:
        """The client's answer to the subscribe offer of ``revision``."""
        seat = self._seat(sid)
        if seat.awaiting != revision:
            raise MediaError("No media offer is waiting for an answer.", code="bad_state")
        await self._negotiating(seat, seat.peer.subscribed(sdp))
        if self.seats.get(seat.participant_id) is not seat:
            return  # closed meanwhile (say, unanswered for too long)
        seat.awaiting = None
        if seat.stale:
            self._wake.set()

    async def candidate(self, sid: str, connection: str, candidate: str) -> None:
        seat = self._seat(sid)
        await seat.peer.add_candidate(connection, candidate)  # type: ignore[arg-type]

    async def _negotiating(self, seat: Seat, step: Awaitable[Any]) -> Any:
        """Run a negotiation step; when aiortc could not apply it, the participant's media
        is closed (the client starts again)."""
        try:
            return await step
        except MediaError as error:
            if error.code == "negotiation_failed":
                await self.close_participant(seat.participant_id, reason="failed")
            raise

    # --- what the room decides -------------------------------------------------------------

    def follow(self, participant_id: str | None = None) -> None:
        """Forward a participant's (None: everyone's) audio only while their mic is on, their
        camera only while it is on, their screen unless a host stopped it."""
        people = self.room.people
        if participant_id is None:
            targets = people.admitted()
        else:
            found = people.of_participant(participant_id)
            targets = [found] if found is not None else []
        for p in targets:
            self._follow_one(p)

    def _follow_one(self, p: Participant) -> None:
        pid = p.participant_id
        self.router.set_muted(pid, "audio", not p.mic)
        self.router.set_muted(pid, "video", not p.camera)
        self.router.set_muted(pid, "screen", pid in self._screens_stopped)

    def stop_screen(self, participant_id: str) -> None:
        self._screens_stopped.add(participant_id)
        self.router.set_muted(participant_id, "screen", True)

    async def regroup(self, *, reason: str = "role") -> None:
        """Who is in the room changed (a workflow moved people out or back, or into breakout
        groups): the media of those out of it closes, so does that of anyone sending what
        they may no longer send (a workflow's grant ended), and everyone's subscriptions
        follow ``Room.may_hear``."""
        for pid in list(self.seats):
            p = self.room.people.of_participant(pid)
            if p is None or not p.admitted:
                await self.close_participant(pid, reason="held")
            else:
                await self.rights_changed(pid, reason=reason)
        self.router.hearing_changed()

    async def rights_changed(self, participant_id: str, *, reason: str) -> None:
        """What the participant may send changed (a new role, a stage grant that ended):
        when they send something they may no longer send, their media closes (every source
        of theirs stops at once) and their tab is told why (``reason``)."""
        p = self.room.people.of_participant(participant_id)
        kinds = {s.kind for s in self.router.sources.values() if s.participant_id == participant_id}
        if p is None or any(PUBLISH_NEEDS[kind] not in self.room.caps(p) for kind in kinds):
            await self.close_participant(participant_id, reason=reason)

    # --- the router's news, and the task that acts on it ----------------------------------

    def _sources_changed(self) -> None:
        if self.recorder is not None:
            self.recorder.follow()
        if self.streamer is not None:
            self.streamer.follow()
        for seat in self.seats.values():
            seat.stale = True
        self._wake.set()

    def _speaker_changed(self, participant_id: str) -> None:
        self._speaker = participant_id
        self._wake.set()

    def _peer_failed(self, participant_id: str) -> None:
        self._failed.add(participant_id)
        self._wake.set()

    def _run_task(self) -> None:
        if self._task is None:
            name = f"room-media:{self.room.session.session_id}"
            self._task = asyncio.create_task(self._run(), name=name)

    async def _run(self) -> None:
        while True:
            await self._woken(within=self._next_due())
            try:
                await self._close_unanswered()
                await self._close_failed()
                await self._offer_updates()
                await self._announce_speaker()
            except Exception:
                log.exception("media of room %s: a step failed", self.room.session.session_id)

    async def _woken(self, *, within: float | None) -> None:
        try:
            async with asyncio.timeout(within):
                await self._wake.wait()
        except TimeoutError:
            pass  # time to announce a speaker held back by the throttle
        self._wake.clear()

    def _next_due(self) -> float | None:
        """Seconds until the task has something to do unasked: a speaker to announce, an
        offer to give up on; None if nothing."""
        now = self._clock()
        seats = self.seats.values()
        due = [s.offered_at + ANSWER_WITHIN - now for s in seats if s.awaiting is not None]
        if (speaker := self._speaker_due()) is not None:
            due.append(speaker)
        return max(0.0, min(due)) if due else None

    async def _close_unanswered(self) -> None:
        now = self._clock()
        for seat in list(self.seats.values()):
            if seat.awaiting is not None and now - seat.offered_at >= ANSWER_WITHIN:
                log.info("subscribe offer to %s not answered in time", seat.participant_id)
                await self.close_participant(seat.participant_id, reason="failed")

    async def _close_failed(self) -> None:
        while self._failed:
            await self.close_participant(self._failed.pop(), reason="failed")

    async def _offer_updates(self) -> None:
        """A new offer to every stale seat not waiting for an answer, all at once (a slow
        ICE gathering for one does not hold the others up)."""
        due = [s for s in self.seats.values() if s.ready and s.stale and s.awaiting is None]
        results = await asyncio.gather(*map(self._offer, due), return_exceptions=True)
        for seat, result in zip(due, results, strict=True):
            if isinstance(result, Exception):
                log.error("subscribe offer to %s failed", seat.participant_id, exc_info=result)

    async def _offer(self, seat: Seat) -> None:
        seat.stale = False
        try:
            sdp = await seat.peer.subscribe()
        except MediaError:
            return  # closed meanwhile
        except NEGOTIATION_ERRORS:  # e.g. aiortc closed the connection when it failed
            log.warning("subscribe offer to %s failed", seat.participant_id, exc_info=True)
            self._peer_failed(seat.participant_id)
            return
        if sdp is None or self.seats.get(seat.participant_id) is not seat:
            return
        tracks = self._tracks(seat)
        seat.revision += 1
        seat.awaiting = seat.revision
        seat.offered_at = self._clock()
        offer = {"sdp": sdp, "revision": seat.revision, "tracks": tracks}
        await self._tell(seat.sid, "subscribe_offer", offer)

    def _tracks(self, seat: Seat) -> list[dict[str, str]]:
        """What each mid of the seat's subscribe connection forwards."""
        sources = self.router.sources
        return [
            {"mid": mid, "kind": source.kind, "participant_id": source.participant_id,
             "source_id": source_id}
            for mid, source_id in seat.peer.subscriptions()
            if (source := sources.get(source_id)) is not None
        ]  # fmt: skip

    def _speaker_due(self) -> float | None:
        """Seconds until a pending speaker may be announced; None if none is pending."""
        if self._speaker is None or self._speaker == self._announced:
            return None
        return max(0.0, self._announced_at + SPEAKER_EVERY - self._clock())

    async def _announce_speaker(self) -> None:
        if self._speaker_due() != 0.0:
            return
        self._announced, self._announced_at = self._speaker, self._clock()
        news = Send("active_speaker", {"participant_id": self._speaker}, group=Group.ROOM)
        await self._deliver(news)

    async def _tell(self, sid: str, event: str, payload: Mapping[str, object]) -> None:
        await self._deliver(Send(event, payload, sids=(sid,)))

    # --- the end ---------------------------------------------------------------------------

    async def close(self) -> None:
        """The room ends: stop the task, close every participant's media."""
        if self._task is not None:
            await stop_tasks([self._task])
            self._task = None
        await self.stop_stream()
        self.seats.clear()
        await self.router.close()
        if self.audience is not None:
            await self.audience.close()

    async def stop_stream(self) -> bool:
        """End the room's live stream, if one goes on; whether one did."""
        streamer, self.streamer = self.streamer, None
        if streamer is not None:
            await streamer.stop()
        return streamer is not None

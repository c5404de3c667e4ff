"""This process's rooms across processes: their leases, and taking a room over from a dead
owner (ARCHITECTURE.md glossary: owner, lease, fencing token).

``Ownership`` claims a room's lease before the live rooms make the room (``wrong_owner``
when another live process holds it: the client connects again, and gets the room once that
owner's lease has run out), keeps one ``rooms.lease.RoomLease`` per room held, renews them
(its task, every sixth of the TTL; a lease it could not renew is lost and its room is
dropped) and gives them up when a room closes or is forgotten.

A room taken from another process (a crash, ``kill -9``) is rebuilt from Redis the way a
restarted process rebuilds its own (``LiveRooms.room_for``); ``recover_room`` closes the
stays the dead owner left open, at its last heartbeat (those people come back straight in,
even into a locked room), and takes the room off that process's heartbeat so that its own
restart does not close them twice.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from rooms.errors import DomainError
from rooms.lease import RENEWALS_PER_TTL, RoomLease
from server.logs import retrying
from server.recorder import RecordingService
from server.store import Store
from server.store.connection import StoreError
from server.store.owners import Claim, Fence

log = logging.getLogger(__name__)

_STEADY_ZERO = datetime(2000, 1, 1, tzinfo=UTC)
REFUSED = "room %s: Redis refused its lease's renewal: another process claimed the room"
WRONG_OWNER = "This room is served by another server right now; connecting again…"


def steady() -> datetime:
    """Now on a clock that never steps (``time.monotonic``), for a lease's arithmetic: a
    wall clock set forward would lose every lease at once, one set back would trust them
    too long."""
    return _STEADY_ZERO + timedelta(seconds=time.monotonic())


class Ownership:
    def __init__(
        self,
        store: Store,
        *,
        process: str,
        ttl: timedelta,
        clock: Callable[[], datetime] = steady,
    ) -> None:
        self.store = store
        self.process = process
        self.ttl = ttl
        self.clock = clock
        self.leases: dict[str, RoomLease] = {}
        self._claiming = asyncio.Lock()  # two first connections to a room claim it once

    async def claim(self, session_id: str) -> Claim:
        """Take the room's lease (DomainError ``wrong_owner`` if another process holds it);
        a lease this process holds already is kept as it is."""
        async with self._claiming:
            held = self.leases.get(session_id)
            if held is not None and held.held(now=self.clock()):
                return Claim(taken=True, owner="", token=held.token)
            return await self._claim(session_id)

    async def _claim(self, session_id: str) -> Claim:
        claim = await self.store.owners.claim(session_id, self.process, ttl=self.ttl)
        if not claim.taken:
            raise DomainError(WRONG_OWNER, code="wrong_owner", owner=claim.owner)
        self.leases[session_id] = RoomLease(session_id, claim.token, self.ttl, self.clock())
        return claim

    def forget(self, session_id: str) -> None:
        """The room was dropped: its lease is not ours any more."""
        if (lease := self.leases.pop(session_id, None)) is not None:
            lease.lose()

    async def release(self, session_id: str) -> None:
        """The room closed or was forgotten: any process may take it at once."""
        lease = self.leases.pop(session_id, None)
        if lease is None:
            return
        try:
            await self.store.owners.release(session_id, self.process, lease.token)
        except StoreError:
            log.warning("room %s: its lease was not given up (it runs out)", session_id)

    async def renew(self) -> list[str]:
        """Renew the leases due; the rooms whose lease is lost. A renewal Redis does not
        answer (down, or hung: waited for only while the lease is trusted) leaves the lease
        as it was, trusted until its time runs out (``RoomLease.held``), then lost. A lease
        whose time ran out while this process did not run is renewed, not given up: Redis
        keeps it only if no other process claimed the room meanwhile (rooms/lease.py)."""
        now = self.clock()
        due = [lease for lease in self.leases.values() if lease.held(now=now)]
        due = [lease for lease in due if lease.due(now=now)]
        if late := [now - lease.renewed_at for lease in due if now > lease.trusted_until()]:
            log.warning(
                "%d leases not renewed for %.1f s: this process did not run (its event loop "
                "was blocked); Redis decides whether they are still ours",
                len(late), max(late).total_seconds(),
            )  # fmt: skip
        kept = await self._renewals(due, now=now)
        for lease, ok in zip(due, kept, strict=True):
            if ok is False:
                log.warning(REFUSED, lease.session_id)
            lease.renewed(ok=ok, now=now)
        now = self.clock()
        return [sid for sid, lease in self.leases.items() if not lease.held(now=now)]

    async def _renewals(self, due: list[RoomLease], *, now: datetime) -> list[bool | None]:
        """Redis's answer for each lease due: kept, lost, or None (no answer in time)."""
        if not due:
            return []
        within = min(lease.asked_within(now=now) for lease in due)
        pairs = [(lease.session_id, lease.token) for lease in due]
        try:
            async with asyncio.timeout(within.total_seconds()):
                return await self.store.owners.renew(self.process, pairs, ttl=self.ttl)
        except (StoreError, OSError, TimeoutError) as error:
            log.warning("renewing %d leases: no answer from Redis (%r)", len(due), error)
            return [None] * len(due)

    async def keep(self, stop: asyncio.Event, lost: Callable[[str], Awaitable[None]]) -> None:
        """Renew the leases until ``stop``; drop (``lost``) each room whose lease is lost,
        all at once: a room must not act as its owner's a moment longer than trusted."""
        pause = self.ttl.total_seconds() / RENEWALS_PER_TTL / 2
        while not stop.is_set():
            try:
                gone = await self.renew()
                for session_id in gone:
                    self.forget(session_id)
                await asyncio.gather(*(lost(session_id) for session_id in gone))
            except Exception as error:
                retrying(log, "renewing the rooms' leases failed", error)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._asleep(pause)):  # no task, unlike wait_for
                    await stop.wait()

    def _asleep(self, pause: float) -> float:
        """How long to wait before the next round: ``pause``, or less when a lease that was
        not renewed (Redis did not answer) stops being trusted sooner."""
        now = self.clock()
        ends = [(lease.trusted_until() - now).total_seconds() for lease in self.leases.values()]
        return max(min([pause, *ends]), 0.0) + 0.01


async def recover_room(
    store: Store,
    recordings: RecordingService,
    session_id: str,
    *,
    beat: datetime,
    fence: Fence | None = None,
) -> list[str]:
    """A room whose owner died at ``beat`` (its last heartbeat): the people it never saw
    leave are recorded as lost then, and a recording it left on is over. Their person keys
    (they may come back into the room straight, locked or not)."""
    lost = await store.attendance.close_open_stays(session_id, at=beat, fence=fence)
    if (on := await store.recordings.going_on(session_id)) is not None:
        # its files hold what was written up to the crash; the recording is over
        await recordings.recover(on, at=beat, fence=fence)
    log.info("room %s: %d stays closed at the last heartbeat", session_id, len(lost))
    return [p.person_key for p in lost]


async def take_over(
    store: Store, recordings: RecordingService, claim: Claim, session_id: str, *, now: datetime
) -> list[str]:
    """This process took the room (``claim``) from its previous owner, which died holding
    it: the person keys of the people who were in it."""
    previous, fence = claim.owner, Fence(session_id, claim.token)
    beat = (await store.rooms.held(previous)).get(session_id, now)
    present = await recover_room(store, recordings, session_id, beat=beat, fence=fence)
    await store.rooms.let_go(previous, session_id)
    return present

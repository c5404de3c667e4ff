"""One ordered path for every change of a live room: the room's line.

A handler runs the Room's pure change at once — nothing is awaited between looking the room
up and changing it, so changes happen in the order they arrive — and hands the change's
effects to the room's line. The line's one task takes every turn waiting, keeps what they
say must be kept in one Redis round trip (a MULTI: attendance, chat posts, deletions,
marks, the room's flags when a change touched them), then delivers each turn in order
(sends, group moves, history) and answers it (the chat ids stored, the sockets to drop).
Changes made while one batch is being written share the next round trip, so a room never
waits for one Redis call per change, and what people receive is always in the order the
room changed.

Chat history is read on the line too, up to the last chat entry the line has delivered:
a socket entering the room reads the messages before that point and gets the later ones
live, none missed and none twice.

If Redis fails, a batch is retried for ``RETRY_SECONDS``; then chat posts and deletions of
that batch are answered as not stored (the sender's client sends again with the same
client id) and the rest is delivered, logged as not persisted. A hung Redis fails each try
after the client's reply timeout (server/store/connection.py), so the answer comes within
``RETRY_SECONDS`` and one such timeout.

On a Redis Cluster whose slot of the room has a replica, a batch is answered only once the
replica has it too (``Durable.replicate``), so that a failover keeps every chat post and
record acknowledged. If the replica does not confirm in time, the batch is delivered (it is
written) but its chat posts are answered as not stored and its records as not kept: the
sender sends again (same client id), and that answer waits for the replica in turn.

A line made with the room's fencing token (``token``) writes each batch in a fenced
transaction (``server.store.owners``): if another process has taken the room since, the
batch is refused whole, nothing of it is delivered, every turn waiting is answered
``fenced`` (chat posts as not stored), and the line ends: the live rooms drop the room.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from rooms.agenda import Session
from rooms.attendance import Passage
from rooms.outbox import (
    Attend,
    Drop,
    Effect,
    Erase,
    History,
    Keep,
    Mark,
    Move,
    Post,
    RoomFlags,
    Send,
    Text,
)
from server.store import Store
from server.store.connection import Pipeline, StoreError
from server.store.owners import Fenced

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
Kept = tuple[str, bool] | str | None  # what Redis answered for a Post, an Erase or a Mark


class Delivery(Protocol):
    """How a turn's effects reach people (``LiveRooms``)."""

    async def send(self, session_id: str, send: Send) -> None: ...

    async def send_all(self, session_id: str, sends: list[Send]) -> None:
        """Several sends to one group, in order, delivered together."""

    async def move(self, session_id: str, move: Move) -> None: ...

    async def history(self, session_id: str, sids: tuple[str, ...], *, until: str) -> None: ...


@dataclass(slots=True)
class Outcome:
    """What a turn came to: per chat post, (message id, new?) or None if it was not
    stored; the sockets to disconnect now."""

    stored: list[tuple[str, bool] | None] = field(default_factory=list)
    drops: list[str] = field(default_factory=list)
    kept: bool = True  # False: its workflow records (``Keep``) were not persisted
    fenced: bool = False  # another process owns the room now: this one must drop it


@dataclass(slots=True)
class Turn:
    effects: list[Effect]
    flags: RoomFlags | None  # the room's flags, when this change touched them
    at: datetime
    done: asyncio.Future[Outcome]


def _kept(effect: Effect) -> bool:
    return isinstance(effect, Post | Erase | Mark)


def _with_id(send: Send, message_id: str) -> Send:
    return Send(send.event, {**send.payload, "message_id": message_id}, send.group, send.sids)


class RoomLine:
    def __init__(
        self,
        *,
        session: Session,
        store: Store,
        delivery: Delivery,
        tail: str,
        passage: Callable[[Attend, datetime], Passage],
        token: int | None = None,
    ) -> None:
        self.session = session  # kept up to date by the live rooms' watcher
        self.tail = tail  # the last chat entry delivered: history is read up to it
        self._store = store
        self._delivery = delivery
        self._passage = passage
        self._turns: list[Turn] = []
        self._grouped: list[Send] = []  # group sends waiting to go out together
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._token = token  # the room's fencing token; None: writes unfenced
        self.fenced = False  # a batch was refused: another process owns the room

    # owning the task

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"room-line {self.session_id}")

    async def stop(self) -> None:
        """Finish the turns already handed in, then end."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    @property
    def session_id(self) -> str:
        return self.session.session_id

    # handing in

    def submit(
        self, effects: list[Effect], *, flags: RoomFlags | None, at: datetime
    ) -> Awaitable[Outcome]:
        done: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        if self._stopping:
            done.set_result(Outcome(fenced=self.fenced))  # closing: nobody is left to tell
            return done
        self._turns.append(Turn(effects, flags, at, done))
        self._wake.set()
        return done

    # the task

    async def _run(self) -> None:
        while self._turns or not self._stopping:
            if not self._turns:
                self._wake.clear()
                await self._wake.wait()
                continue
            turns, self._turns = self._turns, []
            try:
                await self._take(turns)
            except asyncio.CancelledError:
                for turn in turns + self._turns:
                    turn.done.cancel()
                raise
            except Exception as error:
                log.exception("room %s: a batch of changes failed", self.session_id)
                for turn in turns:
                    if not turn.done.done():
                        turn.done.set_exception(error)

    async def _take(self, turns: list[Turn]) -> None:
        try:
            written = await self._keep(turns)
        except Fenced:
            self._refuse(turns)
            return
        lost = written is None
        kept, confirmed = written or (
            [None] * sum(_kept(e) for t in turns for e in t.effects),
            True,
        )
        outcomes = [await self._deliver(turn, kept, lost=lost) for turn in turns]
        await self._flush_grouped()
        for turn, outcome in zip(turns, outcomes, strict=True):
            if not confirmed:
                _unconfirmed(turn, outcome)
            if not turn.done.done():
                turn.done.set_result(outcome)

    def _refuse(self, turns: list[Turn]) -> None:
        """A stale owner's batch: nothing kept, nothing delivered; the line ends."""
        log.warning("room %s: another process owns the room now; dropping it", self.session_id)
        self.fenced = self._stopping = True
        for turn in turns:
            posts = sum(isinstance(e, Post) for e in turn.effects)
            if not turn.done.done():
                turn.done.set_result(Outcome(stored=[None] * posts, kept=False, fenced=True))

    # a run of sends to one group (a burst of chat): delivered together, in order

    async def _send(self, send: Send) -> None:
        if (
            send.group is None
            or send.sids
            or any(isinstance(v, Text) for v in send.payload.values())
        ):
            await self._flush_grouped()
            await self._delivery.send(self.session_id, send)
            return
        if self._grouped and self._grouped[0].group is not send.group:
            await self._flush_grouped()
        self._grouped.append(send)

    async def _flush_grouped(self) -> None:
        run, self._grouped = self._grouped, []
        if run:
            await self._delivery.send_all(self.session_id, run)

    # keeping: one MULTI for the whole batch

    async def _keep(self, turns: list[Turn]) -> tuple[list[Kept], bool] | None:
        """Redis's answers for every Post, Erase and Mark of the batch, in order, and whether
        the slot's replica (if any) confirmed them; None when nothing could be persisted."""
        deadline = asyncio.get_running_loop().time() + RETRY_SECONDS
        pause = 0.05
        while True:
            try:
                return await self._write(turns)
            except (StoreError, OSError) as error:  # an outage, not a bug: one line
                if asyncio.get_running_loop().time() + pause > deadline:
                    log.warning("room %s: changes not persisted: %r", self.session_id, error)
                    return None
                await asyncio.sleep(pause)
                pause = min(pause * 2, 1.0)

    async def _write(self, turns: list[Turn]) -> tuple[list[Kept], bool]:
        durable = any(isinstance(e, Keep) and e.durable for t in turns for e in t.effects)
        store = self._store
        async with store.durable.pipeline() as pipe:
            if self._token is not None:
                await store.owners.fence(pipe, self.session_id, self._token)
            wanted: list[bool] = []  # per queued command: is it a Post's, Erase's or Mark's?
            for turn in turns:
                wanted += await self._queue(pipe, turn)
            if not wanted:
                return [], True
            if durable:  # the replica (if any) confirms, or NotDurable
                replies, confirmed = await store.durable.commit(pipe), True
            else:
                replies, confirmed = await store.durable.replicate(pipe)
        return [_reply(r) for r, keep in zip(replies, wanted, strict=True) if keep], confirmed

    async def _queue(self, pipe: Pipeline, turn: Turn) -> list[bool]:
        store, session_id = self._store, self.session_id
        passages = [self._passage(e, turn.at) for e in turn.effects if isinstance(e, Attend)]
        store.attendance.queue_record(pipe, session_id, passages)
        wanted = [False] * len(passages)
        for effect in turn.effects:
            if isinstance(effect, Post):
                await store.chat.queue_post(pipe, session_id, effect.message)
            elif isinstance(effect, Erase):
                by, at = effect.by, turn.at
                await store.chat.queue_delete(pipe, session_id, effect.message_id, by=by, at=at)
            elif isinstance(effect, Mark):
                store.chat.queue_mark(pipe, session_id, effect.participant_id, out=effect.out)
            elif isinstance(effect, Keep):
                before = len(pipe)
                store.queue_kept(pipe, session_id, effect.record)
                wanted += [False] * (len(pipe) - before)
                continue
            else:
                continue
            wanted.append(True)
        if turn.flags is not None:
            store.rooms.queue_flags(pipe, self.session, turn.flags)
            wanted.append(False)
        return wanted

    # delivering, in order

    async def _deliver(self, turn: Turn, kept: list[Kept], *, lost: bool) -> Outcome:
        outcome = Outcome(kept=not (lost and any(isinstance(e, Keep) for e in turn.effects)))
        delivery, session_id = self._delivery, self.session_id
        for effect in turn.effects:
            if isinstance(effect, Send):
                await self._send(effect)
            elif isinstance(effect, Move):
                await self._flush_grouped()
                await delivery.move(session_id, effect)
            elif isinstance(effect, History):
                await self._flush_grouped()
                await delivery.history(session_id, effect.sids, until=self.tail)
            elif isinstance(effect, Drop):
                outcome.drops += effect.sids
            elif _kept(effect):
                await self._delivered(effect, kept.pop(0), outcome)
        return outcome

    async def _delivered(self, effect: Effect, answer: Kept, outcome: Outcome) -> None:
        if isinstance(effect, Post):
            stored = answer if isinstance(answer, tuple) else None
            outcome.stored.append(stored)
            if stored is None or not stored[1]:
                return
            self.tail = stored[0]
            for send in effect.sends:
                await self._send(_with_id(send, stored[0]))
        elif isinstance(answer, str):
            self.tail = answer
            for send in effect.sends if isinstance(effect, Erase) else ():
                await self._send(send)


def _unconfirmed(turn: Turn, outcome: Outcome) -> None:
    """A turn written and delivered, but not confirmed by the replica: answered as if not
    kept, so that it is sent again rather than acknowledged."""
    outcome.stored = [None] * len(outcome.stored)
    outcome.kept = not any(isinstance(e, Keep) for e in turn.effects)


def _reply(reply: object) -> Kept:
    """A Post's [new, id], an Erase's entry id (None: the message was gone), a Mark's id."""
    if isinstance(reply, list):
        return str(reply[1]), bool(int(reply[0]))
    return None if reply is None else str(reply)

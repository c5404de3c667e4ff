"""A roadshow's run of show in Redis (``rooms.run_of_show``): its log, when it next changes,
and the news that it changed.

The plan is read from the session's items (``server/store/review.py``: a roadshow's items are
its pitch slots; their founders' names from the roster) and the session's start. Every write —
a scheduler's hand-over, the chair's start, extension or cut — is one transaction under
``WATCH`` of the log and of the items' order: it reads the show, asks the pure rules what to
append (the chair's entry, then every hand-over due by now), appends, and sets when the show
next changes in ``shows:due`` (right after, as ``shows:due`` is not in the session's slot:
``Shows._next_change``). Two schedulers seeing the same hand-over due both try; one
transaction wins, the other reads the log again and finds nothing left to write: each hand-over
is written once. After each write the session id is published on ``shows:changed``, so the
process that runs the room (which may not be the writer's) reloads the show.
"""

from datetime import datetime, timedelta

from redis.asyncio.client import Pipeline

from rooms.agenda import RosterEntry, Session
from rooms.errors import Conflict
from rooms.run_of_show import (
    Change,
    EntryKind,
    Show,
    ShowEntry,
    ShowPlan,
    due_handovers,
    next_change,
    slots_of,
)
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Redis
from server.store.owners import Fence
from server.store.review import Reviews
from server.store.transactions import ATTEMPTS, watched

SCHEDULER = "scheduler"


def _nothing(show: Show, now: datetime) -> list[ShowEntry]:
    return []


class Shows:
    def __init__(self, redis: Redis, review: Reviews) -> None:
        self.redis = redis
        self.review = review

    async def show(self, session: Session) -> Show:
        return await self._read(self.redis, session, await self._names(session))

    async def _names(self, session: Session) -> dict[str, str]:
        """The founders' names as the roster has them (the roster is the agenda's, in
        another slot than the show's: read apart from the show's transaction)."""
        rows = await self.redis.hvals(keys.roster(session.session_id))
        return {e.person_key: e.name for e in (load(RosterEntry, t) for t in rows)}

    async def _read(self, redis: Redis | Pipeline, session: Session, names: dict[str, str]) -> Show:
        sid = session.session_id
        items = await self.review._items(redis, sid)
        buffer = await redis.get(keys.show_buffer(sid))
        plan = ShowPlan(
            slots=slots_of(items, names),
            planned_start=session.start,
            buffer_seconds=int(buffer or 0),
        )
        texts = await redis.lrange(keys.show_log(sid), 0, -1)
        return Show(plan=plan, log=tuple(load(ShowEntry, t) for t in texts))

    async def act(
        self, session: Session, change: Change, *, now: datetime, fence: Fence | None = None
    ) -> list[ShowEntry]:
        """Append what ``change`` says (it may refuse: nothing is written), then every
        hand-over due by now; set when the show next changes; publish that it changed.
        ``fence``: the room's owner writes it (``Fenced`` once another process owns the
        room); a scheduler's hand-over has none."""
        sid = session.session_id
        log_key = keys.show_log(sid)
        names = await self._names(session)

        async def body(pipe: Pipeline) -> tuple[list[ShowEntry], Show]:
            show = await self._read(pipe, session, names)
            entries = change(show, now)
            show = Show(plan=show.plan, log=show.log + tuple(entries))
            handovers = [
                ShowEntry(
                    kind=EntryKind.HANDOVER,
                    at=now,
                    stage=key,
                    seconds=max(0, round((now - due).total_seconds())),
                    actor=SCHEDULER,
                    due=due,
                )
                for key, due in due_handovers(show, now)
            ]
            show = Show(plan=show.plan, log=show.log + tuple(handovers))
            pipe.multi()
            if entries or handovers:
                pipe.rpush(log_key, *[dump(e) for e in [*entries, *handovers]])
            return [*entries, *handovers], show

        watch = [log_key, keys.review_order(sid), keys.review_items(sid)]
        busy = Conflict("The show is busy; try again.", code="busy")
        entries, show = await watched(self.redis, watch, body, busy=busy, fence=fence)
        await self._next_change(session, show, now)
        if entries:
            await self.redis.publish(keys.SHOWS_CHANNEL, sid)
        return entries

    async def _next_change(self, session: Session, show: Show, now: datetime) -> None:
        """Set when the show next changes in ``shows:due``: after the transaction, since the
        index is in another slot than the show. An act committed in between may have set
        its older answer after ours: then the log has grown, so look again."""
        sid = session.session_id
        for _ in range(ATTEMPTS):  # each turn, another act committed: it writes its own too
            when = next_change(show, now)
            if when is None:
                await self.redis.zrem(keys.SHOWS_DUE, sid)
            else:
                await self.redis.zadd(keys.SHOWS_DUE, {sid: when.timestamp()})
            if await self.redis.llen(keys.show_log(sid)) == len(show.log):
                return
            show = await self.show(session)

    async def due(self, now: datetime, *, limit: int = 500) -> list[str]:
        """The roadshows whose run of show has a change due by now."""
        return list(
            await self.redis.zrangebyscore(keys.SHOWS_DUE, "-inf", now.timestamp(), 0, limit)
        )

    async def track(self, session: Session, *, now: datetime) -> None:
        """Keep an eye on this roadshow: its next change (or now) goes in ``shows:due``.
        Called when the plan may have changed (items, times) and when the session opens."""
        show = await self.show(session)
        when = next_change(show, now)
        if when is None and not show.log:
            when = session.start  # not started: look at it at its start
        if when is not None:
            await self.redis.zadd(keys.SHOWS_DUE, {session.session_id: when.timestamp()})
        await self.redis.publish(keys.SHOWS_CHANNEL, session.session_id)

    async def set_buffer(self, session: Session, minutes: int, *, now: datetime) -> None:
        await self.redis.set(keys.show_buffer(session.session_id), minutes * 60)
        await self.track(session, now=now)

    async def forget(self, session_id: str) -> None:
        await self.redis.zrem(keys.SHOWS_DUE, session_id)

    async def later(self, session_id: str, delay: timedelta, *, now: datetime) -> None:
        """Look again after a failed attempt, not in a tight loop."""
        await self.redis.zadd(keys.SHOWS_DUE, {session_id: (now + delay).timestamp()})

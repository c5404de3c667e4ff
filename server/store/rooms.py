"""What a live room keeps in Redis beyond its chat and attendance: its flags (locked, chat
on or off, bans, people sent out, roles given in the room), ending its session early, and
which rooms a web process holds (its heartbeat, ``keys.rooms_held``), so a process that
starts again after a crash can close the stays its rooms left open.

Flags are one JSON string (``keys.room_flags``) kept until 30 days after the session's end.
Ending a session is a compare-and-set on the session's JSON (WATCH/MULTI, as the
scheduler's transitions): the state walks ``rooms.lifecycle.steps_to_end``, each step is
logged in the transition stream and the scheduler's due entry is removed, in one MULTI.
"""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from rooms.agenda import Session
from rooms.errors import NotFound
from rooms.lifecycle import scheduled_state, steps_to_end
from rooms.outbox import RoomFlags
from rooms.roles import Role
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Redis
from server.store.owners import Fence

KEEP_AFTER_END = timedelta(days=30)


def _flags_json(flags: RoomFlags) -> str:
    return json.dumps(
        {
            "locked": flags.locked,
            "chat_enabled": flags.chat_enabled,
            "bans": sorted(flags.bans),
            "sent_out": sorted(flags.sent_out),
            "roles": {key: str(role) for key, role in flags.roles.items()},
        },
        ensure_ascii=False,
    )


def _flags(text: str) -> RoomFlags:
    data = json.loads(text)
    return RoomFlags(
        locked=bool(data["locked"]),
        chat_enabled=bool(data["chat_enabled"]),
        bans=frozenset(data["bans"]),
        sent_out=frozenset(data.get("sent_out", ())),
        roles={key: Role(role) for key, role in data["roles"].items()},
    )


class Rooms:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def flags(self, session_id: str) -> RoomFlags:
        text = await self.redis.get(keys.room_flags(session_id))
        return RoomFlags() if text is None else _flags(text)

    async def save_flags(self, session: Session, flags: RoomFlags) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            self.queue_flags(pipe, session, flags)
            await pipe.execute()

    def queue_flags(self, pipe: Pipeline, session: Session, flags: RoomFlags) -> None:
        """Save the flags on a pipeline (the live room's batched writes)."""
        key = keys.room_flags(session.session_id)
        pipe.set(key, _flags_json(flags), exat=session.end + KEEP_AFTER_END)

    async def heartbeat(self, process: str, session_ids: list[str], *, now: datetime) -> None:
        """Note the rooms this process holds, as of now (and only those)."""
        key = keys.rooms_held(process)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            if session_ids:
                pipe.hset(key, mapping={sid: now.timestamp() for sid in session_ids})
            await pipe.execute()

    async def hold(self, process: str, session_id: str, *, now: datetime) -> None:
        """Note one more room this process holds (its first heartbeat)."""
        await self.redis.hset(keys.rooms_held(process), session_id, str(now.timestamp()))

    async def let_go(self, process: str, session_id: str) -> None:
        """Take a room off a dead process's heartbeat (another process took it over)."""
        await self.redis.hdel(keys.rooms_held(process), session_id)

    async def held(self, process: str) -> dict[str, datetime]:
        """The rooms this process held at its last heartbeat, with that moment."""
        found = await self.redis.hgetall(keys.rooms_held(process))
        return {sid: datetime.fromtimestamp(float(ts), UTC) for sid, ts in found.items()}

    async def end_session(
        self, session_id: str, *, now: datetime, fence: Fence | None = None
    ) -> Session:
        """End the session now for all (Conflict if it is over already); ``fence``: its
        room's owner ends it (``Fenced`` once another process owns the room)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    return await self._end_once(pipe, session_id, now, fence)
                except WatchError:
                    continue

    async def _end_once(
        self, pipe: Pipeline, session_id: str, now: datetime, fence: Fence | None
    ) -> Session:
        key = keys.session(session_id)
        fence = None if fence is None else fence.into("agenda")  # the session is the agenda's
        await pipe.watch(key, *([fence.key] if fence else []))
        if fence is not None:
            await fence.check(pipe)
        raw = await pipe.get(key)
        if raw is None:
            await pipe.unwatch()
            raise NotFound("No session {session_id}.", session_id=session_id[:40])
        session = load(Session, raw)
        clock = scheduled_state(
            start=session.start, end=session.end, lobby_minutes=session.lobby_minutes, now=now
        )
        steps = steps_to_end(session.state, clock=clock)
        ended = replace(session, state=steps[-1], updated_at=now)
        pipe.multi()
        pipe.set(key, dump(ended))
        for step in steps:
            pipe.xadd(keys.transition_log(session_id), {"state": step, "at": now.isoformat()})
        pipe.zrem(keys.SCHEDULE, session_id)
        if fence is not None:
            fence.mark(pipe)
        await pipe.execute()
        return ended

"""Attendance in Redis: one stream per session (``keys.attendance``) of joins and leaves,
each with the person, their name and role then, and the time. Totals are computed from it
by ``rooms.attendance.totals``."""

from dataclasses import replace
from datetime import datetime

from redis.asyncio.client import Pipeline

from rooms.attendance import Movement, Passage, open_stays
from rooms.errors import Conflict
from server.store import keys
from server.store.connection import Redis
from server.store.owners import Fence
from server.store.transactions import watched

PAGE = 1000


def _fields(passage: Passage) -> dict[str, str]:
    return {
        "movement": str(passage.movement),
        "person_key": passage.person_key,
        "participant_id": passage.participant_id,
        "name": passage.name,
        "role": passage.role,
        "at": passage.at.isoformat(),
    }


def _passage(fields: dict[str, str]) -> Passage:
    return Passage(
        movement=Movement(fields["movement"]),
        person_key=fields["person_key"],
        participant_id=fields["participant_id"],
        name=fields["name"],
        role=fields["role"],
        at=datetime.fromisoformat(fields["at"]),
    )


class Attendance:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def record(self, session_id: str, passages: list[Passage]) -> None:
        """Append joins and leaves, all in one transaction."""
        if not passages:
            return
        async with self.redis.pipeline(transaction=True) as pipe:
            self.queue_record(pipe, session_id, passages)
            await pipe.execute()

    async def close_open_stays(
        self, session_id: str, *, at: datetime, fence: Fence | None = None
    ) -> list[Passage]:
        """Record every stay still open as lost at ``at`` (or when it began, if later): what
        a room's owner that died without a word never recorded. The read and the write are
        one transaction: a join recorded meanwhile makes it read again, and ``fence`` (the
        recovering process's hold on the room) refuses it (``Fenced``) once another process
        took the room, whose people are present, not lost. The passages it recorded."""

        async def lose(pipe: Pipeline) -> list[Passage]:
            stays = open_stays(await self._passages(pipe, session_id))
            lost = [replace(p, movement=Movement.LOST, at=max(at, p.at)) for p in stays]
            pipe.multi()
            self.queue_record(pipe, session_id, lost)
            return lost

        busy = Conflict("The session's attendance is busy; please try again.", code="busy")
        return await watched(
            self.redis, [keys.attendance(session_id)], lose, busy=busy, fence=fence
        )

    def queue_record(self, pipe: Pipeline, session_id: str, passages: list[Passage]) -> None:
        """Append joins and leaves on a pipeline (the live room's batched writes)."""
        for passage in passages:
            pipe.xadd(keys.attendance(session_id), _fields(passage))  # type: ignore[arg-type]

    async def passages(self, session_id: str) -> list[Passage]:
        """Every join and leave of the session, in order."""
        return await self._passages(self.redis, session_id)

    async def _passages(self, redis: Redis | Pipeline, session_id: str) -> list[Passage]:
        key, cursor, found = keys.attendance(session_id), "-", []
        while True:
            rows = await redis.xrange(key, cursor, "+", count=PAGE)
            found += [_passage(fields) for _, fields in rows]
            if len(rows) < PAGE:
                return found
            cursor = f"({rows[-1][0]}"

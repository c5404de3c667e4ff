"""What a live room keeps of its people beyond its flags, so that a room made again from
Redis (a restart, or a new owner after its owner died) has them as they were: the hand queue
(``rooms.hands.HandMark``), who was admitted before and the lobby's places
(``rooms.lobby.Admission``, ``rooms.lobby.LobbyPlace``).

Each record is queued on the room's line with the change that made it (``queue``, in the
line's fenced MULTI): a hash field set or deleted, a set member added or removed. The keys
live ``KEEP`` after their last change.
"""

from datetime import datetime, timedelta

from rooms.hands import HandMark
from rooms.lobby import Admission, LobbyPlace
from server.store import keys
from server.store.connection import Pipeline, Redis

KEEP = timedelta(days=30)


class RoomPeople:
    records: tuple[type, ...] = (HandMark, Admission, LobbyPlace)  # what ``queue`` keeps

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def queue(self, pipe: Pipeline, session_id: str, record: object) -> None:
        if isinstance(record, HandMark):
            key = keys.room_hands(session_id)
            _put(pipe, key, record.participant_id, record.raised_at)
        elif isinstance(record, LobbyPlace):
            key = keys.room_lobby(session_id)
            _put(pipe, key, record.person_key, record.since)
        elif isinstance(record, Admission):
            key = keys.room_admitted(session_id)
            if record.admitted:
                pipe.sadd(key, record.person_key)
            else:
                pipe.srem(key, record.person_key)
        else:
            raise TypeError(f"not a record of a room's people: {record!r}")
        pipe.expire(key, KEEP)

    async def hands(self, session_id: str) -> dict[str, datetime]:
        """The raised hands: participant id -> when it went up."""
        return _times(await self.redis.hgetall(keys.room_hands(session_id)))

    async def admitted(self, session_id: str) -> set[str]:
        """The person keys admitted before (they come back straight in)."""
        return {str(key) for key in await self.redis.smembers(keys.room_admitted(session_id))}

    async def places(self, session_id: str) -> dict[str, datetime]:
        """The lobby's places: person key -> when they came to wait."""
        return _times(await self.redis.hgetall(keys.room_lobby(session_id)))


def _put(pipe: Pipeline, key: str, field: str, at: datetime | None) -> None:
    if at is None:
        pipe.hdel(key, field)
    else:
        pipe.hset(key, field, at.isoformat())


def _times(found: dict[str, str]) -> dict[str, datetime]:
    return {str(k): datetime.fromisoformat(str(v)) for k, v in found.items()}

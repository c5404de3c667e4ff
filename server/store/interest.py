"""Interest in a roadshow's pitches (``rooms.interest``): one hash per session,
"<person_key>|<item_id>" -> that person's interest in that pitch as last changed.

The room's line (server/realtime/line.py) queues them in its MULTI (``queue``); a room
opening reads them back (``load``).
"""

from rooms.interest import Interest
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Pipeline, Redis


class InterestRecords:
    records: tuple[type, ...] = (Interest,)  # what ``queue`` keeps

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def queue(self, pipe: Pipeline, session_id: str, record: object) -> None:
        """Queue one person's interest in one pitch (the line's MULTI)."""
        if not isinstance(record, Interest):
            raise TypeError(f"no record of interest is a {type(record).__name__}")
        field = f"{record.person_key}|{record.item_id}"
        pipe.hset(keys.interest(session_id), field, dump(record))

    async def interests(self, session_id: str) -> list[Interest]:
        found = await self.redis.hgetall(keys.interest(session_id))
        return [load(Interest, v) for _, v in sorted(found.items())]

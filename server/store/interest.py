"""Interest in a roadshow's pitches (``rooms.interest``): one hash per session,
"<person_key>|<item_id>" -> that person's interest in that pitch as last changed.

The room's line (server/realtime/line.py) queues them in its MULTI (``queue``); a room
opening reads them back (``load``). A mark made through the REST API (``mark``) is written
at once and its session's watchers hear of it (the live rooms of this process: the room
shows it at once; a room elsewhere loads it when it next opens).
"""

from rooms.interest import Interest
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Pipeline, Redis
from server.store.watched import Watched


class InterestRecords(Watched):
    records: tuple[type, ...] = (Interest,)  # what ``queue`` keeps

    def __init__(self, redis: Redis) -> None:
        super().__init__()
        self.redis = redis

    async def mark(self, session_id: str, interest: Interest) -> None:
        """One person's interest in one pitch, written outside the room (the REST API)."""
        field = f"{interest.person_key}|{interest.item_id}"
        await self.redis.hset(keys.interest(session_id), field, dump(interest))
        await self.changed(session_id)

    async def take(self, person_key: str, *, per_minute: int) -> bool:
        """Whether this person may mark once more through the API this minute."""
        key = keys.interest_rate(person_key)
        count = int(await self.redis.incr(key))
        if count == 1:
            await self.redis.expire(key, 60)
        return count <= per_minute

    async def interest_of(self, session_id: str, person_key: str) -> list[Interest]:
        """This person's own marks in the session."""
        return [i for i in await self.interests(session_id) if i.person_key == person_key]

    def queue(self, pipe: Pipeline, session_id: str, record: object) -> None:
        """Queue one person's interest in one pitch (the line's MULTI)."""
        if not isinstance(record, Interest):
            raise TypeError(f"no record of interest is a {type(record).__name__}")
        field = f"{record.person_key}|{record.item_id}"
        pipe.hset(keys.interest(session_id), field, dump(record))

    async def interests(self, session_id: str) -> list[Interest]:
        found = await self.redis.hgetall(keys.interest(session_id))
        return [load(Interest, v) for _, v in sorted(found.items())]

"""Notifications in Redis: a capped list per person, newest first."""

from rooms.notifications import Notification
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Redis

KEEP = 200


class Notifications:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def of_person(self, person_key: str, *, limit: int = 50) -> list[Notification]:
        rows = await self.redis.lrange(keys.notifications(person_key), 0, limit - 1)
        return [load(Notification, row) for row in rows]

    async def count(self, person_key: str) -> int:
        return int(await self.redis.llen(keys.notifications(person_key)))

    async def push(self, notification: Notification) -> None:
        """Add one notification to its person's list (the newest KEEP are kept)."""
        key = keys.notifications(notification.person_key)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(key, dump(notification))
            pipe.ltrim(key, 0, KEEP - 1)
            await pipe.execute()

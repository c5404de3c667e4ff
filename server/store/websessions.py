"""Browser login sessions (aiohttp-session data) in Redis, each with a TTL.

The cookie carries a random session key; Redis holds the session's JSON under
``keys.web_session(sha256(session key))``, so a copy of the database does not hand out
live cookies.
"""

import hashlib

from server.store import keys
from server.store.connection import Redis


def _key(session_key: str) -> str:
    return keys.web_session(hashlib.sha256(session_key.encode()).hexdigest())


class WebSessions:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def load(self, session_key: str) -> str | None:
        """The session's JSON, or None if it expired, was deleted or never existed."""
        return await self.redis.get(_key(session_key))

    async def save(self, session_key: str, data: str, *, ttl_seconds: int) -> None:
        await self.redis.set(_key(session_key), data, ex=ttl_seconds)

    async def delete(self, session_key: str) -> None:
        await self.redis.delete(_key(session_key))

    async def ttl(self, session_key: str) -> int:
        """Seconds the session has left; negative if it has none."""
        return int(await self.redis.ttl(_key(session_key)))

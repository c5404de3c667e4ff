"""Optimistic transactions: read under ``WATCH``, then ``MULTI`` and the queued writes, again
from the start whenever a watched key changed meanwhile — a few times, then "busy"."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from rooms.errors import Conflict
from server.store.connection import Redis

T = TypeVar("T")
ATTEMPTS = 20  # tries before the caller is told to try again


async def watched(
    redis: Redis, watch: list[str], body: Callable[[Pipeline], Awaitable[T]], *, busy: Conflict
) -> T:
    """Run body (reads, then ``pipe.multi()`` and queued writes) until no watched key changed;
    ``busy`` is raised when it kept changing."""
    async with redis.pipeline(transaction=True) as pipe:
        for _ in range(ATTEMPTS):
            try:
                await pipe.watch(*watch)
                result = await body(pipe)
                await pipe.execute()
                return result
            except WatchError:
                continue
    raise busy

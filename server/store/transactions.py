"""Optimistic transactions: read under ``WATCH``, then ``MULTI`` and the queued writes, again
from the start whenever a watched key changed meanwhile — a few times, then "busy". Given a
``Durable``, the EXEC is answered only once Redis has the writes on disk
(server/store/durable.py). Given a ``Fence`` (a live room's owner writing on its behalf), the
room's owner hash (or, for a write into a directory, the directory's copy of the room's
token) is watched too and its token checked first: ``Fenced`` once another process has taken
the room (server/store/owners.py)."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from rooms.errors import Conflict
from server.store.connection import Redis
from server.store.durable import Durable
from server.store.owners import Fence

T = TypeVar("T")
ATTEMPTS = 20  # tries before the caller is told to try again


async def watched(
    redis: Redis,
    watch: list[str],
    body: Callable[[Pipeline], Awaitable[T]],
    *,
    busy: Conflict,
    durable: Durable | None = None,
    fence: Fence | None = None,
) -> T:
    """Run body (reads, then ``pipe.multi()`` and queued writes) until no watched key changed;
    ``busy`` is raised when it kept changing; ``Fenced`` when ``fence`` is stale."""
    pipeline = durable.pipeline() if durable else redis.pipeline(transaction=True)
    keys = [*watch, fence.key] if fence is not None else watch
    async with pipeline as pipe:
        for _ in range(ATTEMPTS):
            try:
                if keys:
                    await pipe.watch(*keys)
                if fence is not None:
                    await fence.check(pipe)
                result = await body(pipe)
                if fence is not None:
                    fence.mark(pipe)
                await (durable.commit(pipe) if durable else pipe.execute())  # type: ignore[arg-type]
                return result
            except WatchError:
                continue
    raise busy

"""The investor directory in Redis: an investor's JSON under ``keys.investor``, the
organization's set of them, and ``keys.investor_email`` claiming an e-mail within the
organization. Every write runs under ``WATCH`` of the keys it depends on, in one ``MULTI``.
The directory is small (hundreds): lists and filters load it whole.
"""

import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import TypeVar

from redis.asyncio.client import Pipeline

from rooms.accounts import of_org
from rooms.errors import Conflict, NotFound
from rooms.investors import (
    Investor,
    InvestorFilters,
    build_investor,
    edit_investor,
    passes,
    sort_key,
)
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Redis
from server.store.transactions import watched

T = TypeVar("T")
EVERYONE = InvestorFilters()


def _missing(investor_id: str) -> NotFound:
    return NotFound("No investor {investor_id}.", investor_id=investor_id[:40])


def _taken(email: str) -> Conflict:
    return Conflict(
        "An investor with the email {email} is already in the directory.",
        code="email_taken",
        email=email,
    )


class Investors:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def _transact(self, watch: list[str], body: Callable[[Pipeline], Awaitable[T]]) -> T:
        """Run body (reads, then MULTI and queued writes) until no watched key changed."""
        return await watched(
            self.redis,
            watch,
            body,
            busy=Conflict("The directory is busy; please try again.", code="busy"),
        )

    async def get(self, investor_id: str) -> Investor | None:
        text = await self.redis.get(keys.investor(investor_id))
        return None if text is None else load(Investor, text)

    async def of_org(self, org_id: str, investor_id: str) -> Investor:
        return of_org(await self.get(investor_id), org_id, _missing(investor_id))

    async def search(self, org_id: str, filters: InvestorFilters = EVERYONE) -> list[Investor]:
        """The organization's investors that pass the filters, by name."""
        ids = sorted(await self.redis.smembers(keys.org_investors(org_id)))
        texts = await self.redis.mget([keys.investor(i) for i in ids]) if ids else []
        found = [load(Investor, text) for text in texts if text is not None]
        return sorted((i for i in found if passes(i, filters)), key=sort_key)

    def _queue(self, pipe: Pipeline, old: Investor | None, new: Investor | None) -> None:
        if old is not None:
            pipe.delete(keys.investor_email(old.org_id, old.email))
            if new is None:
                pipe.delete(keys.investor(old.investor_id))
                pipe.srem(keys.org_investors(old.org_id), old.investor_id)
        if new is not None:
            pipe.set(keys.investor(new.investor_id), dump(new))
            pipe.set(keys.investor_email(new.org_id, new.email), new.investor_id)
            pipe.sadd(keys.org_investors(new.org_id), new.investor_id)

    async def create(self, *, org_id: str, fields: Mapping[str, object], now: datetime) -> Investor:
        """A new investor; DomainError if invalid, Conflict if the e-mail is taken."""
        new = build_investor(
            fields, investor_id=secrets.token_hex(8), org_id=org_id, created=now, now=now
        )
        email_key = keys.investor_email(org_id, new.email)

        async def body(pipe: Pipeline) -> Investor:
            if await pipe.exists(email_key):
                raise _taken(new.email)
            pipe.multi()
            self._queue(pipe, None, new)
            return new

        return await self._transact([email_key], body)

    async def _watched(self, pipe: Pipeline, org_id: str, investor_id: str) -> Investor:
        text = await pipe.get(keys.investor(investor_id))
        return of_org(None if text is None else load(Investor, text), org_id, _missing(investor_id))

    async def update(
        self, org_id: str, investor_id: str, *, fields: Mapping[str, object], now: datetime
    ) -> Investor:
        async def body(pipe: Pipeline) -> Investor:
            old = await self._watched(pipe, org_id, investor_id)
            new = edit_investor(old, fields=fields, now=now)
            email_key = keys.investor_email(org_id, new.email)
            await pipe.watch(email_key)
            if (await pipe.get(email_key)) not in (None, investor_id):
                raise _taken(new.email)
            pipe.multi()
            self._queue(pipe, old, new)
            return new

        return await self._transact([keys.investor(investor_id)], body)

    async def delete(self, org_id: str, investor_id: str) -> None:
        async def body(pipe: Pipeline) -> None:
            old = await self._watched(pipe, org_id, investor_id)
            pipe.multi()
            self._queue(pipe, old, None)

        await self._transact([keys.investor(investor_id)], body)

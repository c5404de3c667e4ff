"""The demand and achievement libraries in Redis: entries, their search terms, the indexes.

An entry is a JSON string under ``keys.listing(kind, id)``, its search terms (JSON
``[title terms, body terms]``, made by the caller's ``terms_of``) under
``keys.listing_terms``; per organization a set of its entries, and one set per kind of the
entries listed publicly. Every write runs under ``WATCH`` of the entries it changes and
lands in one ``MULTI``, terms and indexes included; an import of a whole file is one such
transaction, so it lands completely or not at all.

Search and matching read every entry of a library and its terms (``MGET`` in chunks) and
rank in the process: the libraries hold hundreds to a few thousand entries.
"""

import json
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from redis.asyncio.client import Pipeline

from rooms.accounts import of_org
from rooms.errors import Conflict, DomainError, NotFound
from rooms.expert_csv import CsvError, RowError
from rooms.listing_csv import ListingRow
from rooms.listings import (
    Achievement,
    Demand,
    Listing,
    build_achievement,
    build_demand,
    change_status,
    edit_listing,
    listing_id,
    with_status,
)
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Redis
from server.store.transactions import watched

T = TypeVar("T")
CHUNK = 1000
Terms = tuple[list[str], list[str]]  # a listing's title terms and body terms
TermsOf = Callable[[Listing], Terms]


@dataclass(frozen=True, slots=True)
class ImportSummary:
    created: int
    updated: int


def new_listing_id() -> str:
    return secrets.token_hex(8)


class Listings:
    """One library: ``kind`` is "demand" or "achievement"."""

    def __init__(self, redis: Redis, kind: str) -> None:
        assert kind in ("demand", "achievement")
        self.redis, self.kind = redis, kind
        self.cls: type[Demand] | type[Achievement] = Demand if kind == "demand" else Achievement

    def _missing(self, wanted: str) -> NotFound:
        if self.kind == "demand":
            return NotFound("No demand {listing_id}.", listing_id=wanted[:40])
        return NotFound("No achievement {listing_id}.", listing_id=wanted[:40])

    async def _transact(self, watch: list[str], body: Callable[[Pipeline], Awaitable[T]]) -> T:
        """Run body (reads, then MULTI and queued writes) until no watched key changed."""
        return await watched(
            self.redis,
            watch,
            body,
            busy=Conflict("The library is busy; please try again.", code="busy"),
        )

    # reading

    async def get(self, wanted: str) -> Listing | None:
        text = await self.redis.get(keys.listing(self.kind, wanted))
        return None if text is None else load(self.cls, text)

    async def of_org(self, org_id: str, wanted: str) -> Listing:
        """The organization's entry; NotFound for another organization's entries too."""
        return of_org(await self.get(wanted), org_id, self._missing(wanted))

    async def public(self, wanted: str) -> Listing:
        """An entry listed publicly; NotFound otherwise."""
        found = await self.get(wanted)
        if found is None or not found.public:
            raise self._missing(wanted)
        return found

    async def many(self, ids: Iterable[str], *, redis: Any = None) -> list[Listing]:
        """The entries that exist among ids, in that order."""
        redis, ids = redis or self.redis, list(ids)
        texts: list[str | None] = []
        for start in range(0, len(ids), CHUNK):
            texts += await redis.mget(
                [keys.listing(self.kind, i) for i in ids[start : start + CHUNK]]
            )
        return [load(self.cls, text) for text in texts if text is not None]

    async def terms(self, ids: Iterable[str]) -> dict[str, Terms]:
        ids = list(ids)
        found: dict[str, Terms] = {}
        for start in range(0, len(ids), CHUNK):
            part = ids[start : start + CHUNK]
            texts = await self.redis.mget([keys.listing_terms(self.kind, i) for i in part])
            for wanted, text in zip(part, texts, strict=True):
                if text is not None:
                    title, body = json.loads(text)
                    found[wanted] = (title, body)
        return found

    async def ids_of(self, org_id: str | None) -> list[str]:
        """The organization's entries, or (None) every publicly listed one."""
        key = (
            keys.public_listings(self.kind)
            if org_id is None
            else keys.org_listings(org_id, self.kind)
        )
        return sorted(await self.redis.smembers(key))

    async def count(self, org_id: str) -> int:
        return int(await self.redis.scard(keys.org_listings(org_id, self.kind)))

    # writing

    def _queue(
        self, pipe: Pipeline, old: Listing | None, new: Listing | None, terms_of: TermsOf
    ) -> None:
        either = new or old
        assert either is not None
        key_id = listing_id(either)
        entry, terms = keys.listing(self.kind, key_id), keys.listing_terms(self.kind, key_id)
        public = keys.public_listings(self.kind)
        if new is None:
            pipe.delete(entry, terms)
            pipe.srem(keys.org_listings(either.org_id, self.kind), key_id)
            pipe.srem(public, key_id)
            return
        pipe.set(entry, dump(new))
        pipe.set(terms, json.dumps(terms_of(new), ensure_ascii=False))
        pipe.sadd(keys.org_listings(new.org_id, self.kind), key_id)
        (pipe.sadd if new.public else pipe.srem)(public, key_id)

    def _built(self, org_id: str, fields: Mapping[str, object], now: datetime) -> Listing:
        if self.kind == "demand":
            return build_demand(
                fields, demand_id=new_listing_id(), org_id=org_id, created=now, now=now
            )
        return build_achievement(
            fields, achievement_id=new_listing_id(), org_id=org_id, created=now, now=now
        )

    async def create(
        self, *, org_id: str, fields: Mapping[str, object], now: datetime, terms_of: TermsOf
    ) -> Listing:
        """A new entry from raw fields; DomainError if invalid."""
        new = self._built(org_id, fields, now)
        async with self.redis.pipeline(transaction=True) as pipe:
            self._queue(pipe, None, new, terms_of)
            await pipe.execute()
        return new

    async def _watched(self, pipe: Pipeline, org_id: str, wanted: str) -> Listing:
        text = await pipe.get(keys.listing(self.kind, wanted))
        return of_org(None if text is None else load(self.cls, text), org_id, self._missing(wanted))

    async def _change(
        self,
        org_id: str,
        wanted: str,
        change: Callable[[Listing], Listing | None],
        terms_of: TermsOf,
    ) -> Listing | None:
        async def body(pipe: Pipeline) -> Listing | None:
            old = await self._watched(pipe, org_id, wanted)
            new = change(old)
            pipe.multi()
            self._queue(pipe, old, new, terms_of)
            return new

        return await self._transact([keys.listing(self.kind, wanted)], body)

    async def update(
        self,
        org_id: str,
        wanted: str,
        *,
        fields: Mapping[str, object],
        now: datetime,
        terms_of: TermsOf,
    ) -> Listing:
        """The entry with these fields replaced (the others as stored at that moment)."""
        new = await self._change(
            org_id, wanted, lambda old: edit_listing(old, fields=fields, now=now), terms_of
        )
        assert new is not None
        return new

    async def set_status(
        self, org_id: str, wanted: str, status: object, *, now: datetime, terms_of: TermsOf
    ) -> Demand:
        """A demand moved to its next status (open → matched → closed)."""

        def moved(old: Listing) -> Listing:
            assert isinstance(old, Demand)
            return change_status(old, status, now=now)

        new = await self._change(org_id, wanted, moved, terms_of)
        assert isinstance(new, Demand)
        return new

    async def delete(self, org_id: str, wanted: str) -> None:
        await self._change(org_id, wanted, lambda old: None, lambda listing: ([], []))

    # CSV

    async def import_rows(
        self, org_id: str, rows: list[ListingRow], *, now: datetime, terms_of: TermsOf
    ) -> ImportSummary:
        """Rows with an id of the organization's entries update them (columns missing from
        the file kept), rows without one add entries. All rows or none (CsvError)."""
        if not rows:
            return ImportSummary(created=0, updated=0)
        watched = [keys.listing(self.kind, row.listing_id) for row in rows if row.listing_id]

        async def body(pipe: Pipeline) -> ImportSummary:
            olds = {
                listing_id(o): o
                for o in await self.many([r.listing_id for r in rows if r.listing_id], redis=pipe)
            }
            changes, errors = [], []
            for row in rows:
                try:
                    changes.append(self._imported(org_id, row, olds, now))
                except DomainError as error:
                    errors.append(RowError(row.line, error))
            if errors:
                raise CsvError(errors)
            pipe.multi()
            for old, new in changes:
                self._queue(pipe, old, new, terms_of)
            created = sum(old is None for old, _ in changes)
            return ImportSummary(created=created, updated=len(changes) - created)

        return await self._transact(watched or [keys.org_listings(org_id, self.kind)], body)

    def _imported(
        self, org_id: str, row: ListingRow, olds: dict[str, Listing], now: datetime
    ) -> tuple[Listing | None, Listing]:
        old = olds.get(row.listing_id) if row.listing_id else None
        if row.listing_id and (old is None or old.org_id != org_id):
            raise DomainError(
                "Id {id} is no entry of this organization; leave it empty to add one.",
                code="unknown_id",
                id=row.listing_id[:40],
            )
        new = (
            self._built(org_id, row.fields, now)
            if old is None
            else edit_listing(old, fields=row.fields, now=now)
        )
        if isinstance(new, Demand) and row.status is not None:
            new = with_status(new, row.status, now=now)
        return old, new

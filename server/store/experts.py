"""The expert pool in Redis: profiles, their indexes, one email per organization, imports.

An expert is a JSON string under ``keys.expert(expert_id)``. Per organization: a set of all
its experts, one set per discipline and per affiliation (filters are ``SINTER``s of these),
counted sorted sets of the disciplines and affiliations in use, and ``keys.expert_email``
mapping an email to its expert. Every write runs under ``WATCH`` of the expert and email
keys it depends on and lands in one ``MULTI``, indexes included; an import of a whole file
is one such transaction, so it lands completely or not at all.
"""

import secrets
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from redis.asyncio.client import Pipeline

from rooms.accounts import of_org
from rooms.errors import Conflict, DomainError, NotFound
from rooms.expert_csv import CsvError, CsvRow, RowError, format_csv, parse_csv
from rooms.experts import (
    Expert,
    affiliation_key,
    edit_expert,
    matches_text,
    new_expert,
    sort_key,
)
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Redis
from server.store.transactions import watched

T = TypeVar("T")
CHUNK = 1000  # ids per MGET


@dataclass(frozen=True, slots=True)
class ImportSummary:
    created: int
    updated: int


def new_expert_id() -> str:
    return secrets.token_hex(8)


def _no_expert(expert_id: str) -> NotFound:
    return NotFound("No expert {expert_id}.", expert_id=expert_id[:40])


def _index_keys(expert: Expert | None) -> set[str]:
    if expert is None:
        return set()
    org = expert.org_id
    sets = {keys.org_experts(org)}
    sets |= {keys.experts_by_discipline(org, code) for code in expert.disciplines}
    if expert.affiliation:
        sets.add(keys.experts_by_affiliation(org, affiliation_key(expert.affiliation)))
    return sets


def _counted(expert: Expert | None) -> list[tuple[str, str]]:
    """(zset key, member) pairs that count this expert: its disciplines and affiliation."""
    if expert is None:
        return []
    org = expert.org_id
    pairs = [(keys.org_disciplines(org), code) for code in expert.disciplines]
    if expert.affiliation:
        pairs.append((keys.org_affiliations(org), expert.affiliation))
    return pairs


@dataclass
class _Writes:
    """The writes that turn stored experts into their new versions, merged into few
    commands (one SADD per index set, one MSET...), queued after MULTI by ``queue``."""

    added: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    removed: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    counts: dict[tuple[str, str], int] = field(default_factory=Counter)
    values: dict[str, str] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)

    def change(self, old: Expert | None, new: Expert | None) -> None:
        either = new or old
        assert either is not None
        before, after = _index_keys(old), _index_keys(new)
        for key in before - after:
            self.removed[key].add(either.expert_id)
        for key in after - before:
            self.added[key].add(either.expert_id)
        for pair in _counted(old):
            self.counts[pair] -= 1
        for pair in _counted(new):
            self.counts[pair] += 1
        if old is not None:
            self.deleted |= {keys.expert(old.expert_id), keys.expert_email(old.org_id, old.email)}
        if new is not None:
            self.values[keys.expert_email(new.org_id, new.email)] = new.expert_id
            self.values[keys.expert(new.expert_id)] = dump(new)

    def queue(self, pipe: Pipeline) -> None:
        for key, members in self.removed.items():
            pipe.srem(key, *members)
        for key, members in self.added.items():
            pipe.sadd(key, *members)
        for (key, member), delta in self.counts.items():
            if delta:
                pipe.zincrby(key, delta, member)
        for key in {key for (key, _), delta in self.counts.items() if delta < 0}:
            pipe.zremrangebyscore(key, "-inf", 0)
        if self.deleted - set(self.values):
            pipe.delete(*(self.deleted - set(self.values)))
        if self.values:
            pipe.mset(self.values)


def _queue_change(pipe: Pipeline, old: Expert | None, new: Expert | None) -> None:
    writes = _Writes()
    writes.change(old, new)
    writes.queue(pipe)


def _email_taken(email: str) -> Conflict:
    return Conflict(
        "An expert with the email {email} is already in the pool.", code="email_taken", email=email
    )


def _referenced(expert: Expert) -> list[str]:
    return [c.partition(":")[2] for c in expert.conflicts if c.startswith("expert:")]


class Experts:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def _transact(self, watch: list[str], body: Callable[[Pipeline], Awaitable[T]]) -> T:
        """Run body (reads, then MULTI and queued writes) until no watched key changed."""
        return await watched(
            self.redis,
            watch,
            body,
            busy=Conflict("The expert pool is busy; please try again.", code="busy"),
        )

    # reading

    async def get(self, expert_id: str) -> Expert | None:
        text = await self.redis.get(keys.expert(expert_id))
        return None if text is None else load(Expert, text)

    async def of_org(self, org_id: str, expert_id: str) -> Expert:
        """The organization's expert; NotFound for another organization's experts too."""
        return of_org(await self.get(expert_id), org_id, _no_expert(expert_id))

    async def by_email(self, org_id: str, email: str) -> Expert | None:
        expert_id = await self.redis.get(keys.expert_email(org_id, email.strip()))
        return None if expert_id is None else await self.get(expert_id)

    async def many(self, expert_ids: Iterable[str], *, redis: Any = None) -> list[Expert]:
        """The experts that exist among expert_ids, in that order."""
        redis, ids = redis or self.redis, list(expert_ids)
        texts: list[str | None] = []
        for start in range(0, len(ids), CHUNK):
            texts += await redis.mget([keys.expert(i) for i in ids[start : start + CHUNK]])
        return [load(Expert, text) for text in texts if text is not None]

    async def search(
        self, org_id: str, *, text: str = "", discipline: str = "", affiliation: str = ""
    ) -> list[Expert]:
        """The organization's experts in a discipline and at an affiliation (each optional)
        whose name, title, affiliation, tags or email hold every word of text; by name."""
        sets = [keys.org_experts(org_id)]
        if discipline:
            sets.append(keys.experts_by_discipline(org_id, discipline))
        if affiliation_key(affiliation):
            sets.append(keys.experts_by_affiliation(org_id, affiliation_key(affiliation)))
        experts = await self.many(sorted(await self.redis.sinter(sets)))
        return sorted((e for e in experts if matches_text(e, text)), key=sort_key)

    async def count(self, org_id: str) -> int:
        return int(await self.redis.scard(keys.org_experts(org_id)))

    async def disciplines_in_use(self, org_id: str) -> dict[str, int]:
        pairs = await self.redis.zrange(keys.org_disciplines(org_id), 0, -1, withscores=True)
        return {code: int(n) for code, n in pairs}

    async def affiliations(self, org_id: str) -> list[str]:
        """Every affiliation of the organization's experts, as written, sorted."""
        return sorted(await self.redis.zrange(keys.org_affiliations(org_id), 0, -1))

    # writing

    async def _unknown_references(
        self, pipe: Pipeline, org_id: str, experts: list[Expert]
    ) -> dict[str, str]:
        """expert_id -> the first id it names in a conflict that is no expert of the org."""
        refs = sorted({ref for expert in experts for ref in _referenced(expert)})
        if not refs:
            return {}
        found = await pipe.smismember(keys.org_experts(org_id), refs)
        missing = {ref for ref, ok in zip(refs, found, strict=True) if not ok}
        unknown: dict[str, str] = {}
        for expert in experts:
            for ref in _referenced(expert):
                if ref in missing:
                    unknown.setdefault(expert.expert_id, ref)
        return unknown

    async def _check_references(self, pipe: Pipeline, expert: Expert) -> None:
        unknown = await self._unknown_references(pipe, expert.org_id, [expert])
        if unknown:
            raise _unknown_expert(unknown[expert.expert_id])

    async def create(self, *, org_id: str, fields: Mapping[str, object], now: datetime) -> Expert:
        """A new expert from raw fields; DomainError if invalid, Conflict if the email is
        taken in the organization."""
        expert = new_expert(expert_id=new_expert_id(), org_id=org_id, fields=fields, now=now)
        email_key = keys.expert_email(org_id, expert.email)

        async def body(pipe: Pipeline) -> Expert:
            if await pipe.exists(email_key):
                raise _email_taken(expert.email)
            await self._check_references(pipe, expert)
            pipe.multi()
            _queue_change(pipe, None, expert)
            return expert

        return await self._transact([email_key], body)

    async def update(
        self, org_id: str, expert_id: str, *, fields: Mapping[str, object], now: datetime
    ) -> Expert:
        """The expert with these fields replaced (the others as stored at that moment)."""
        key = keys.expert(expert_id)

        async def body(pipe: Pipeline) -> Expert:
            old = await self._watched(pipe, org_id, expert_id)
            expert = edit_expert(old, fields=fields, now=now)
            email_key = keys.expert_email(org_id, expert.email)
            await pipe.watch(email_key)
            if (await pipe.get(email_key)) not in (None, expert_id):
                raise _email_taken(expert.email)
            await self._check_references(pipe, expert)
            pipe.multi()
            _queue_change(pipe, old, expert)
            return expert

        return await self._transact([key], body)

    async def delete(self, org_id: str, expert_id: str) -> None:
        async def body(pipe: Pipeline) -> None:
            old = await self._watched(pipe, org_id, expert_id)
            pipe.multi()
            _queue_change(pipe, old, None)

        await self._transact([keys.expert(expert_id)], body)

    async def _watched(self, pipe: Pipeline, org_id: str, expert_id: str) -> Expert:
        text = await pipe.get(keys.expert(expert_id))
        expert = None if text is None else load(Expert, text)
        return of_org(expert, org_id, _no_expert(expert_id))

    # CSV

    async def export_csv(self, org_id: str) -> str:
        return format_csv(await self.search(org_id))

    async def import_csv(self, org_id: str, data: bytes, *, now: datetime) -> ImportSummary:
        """Import a CSV file: a row whose email is in the pool updates that expert (columns
        missing from the file are kept), others are added. All rows or none (CsvError)."""
        return await self.import_rows(org_id, parse_csv(data), now=now)

    async def import_rows(self, org_id: str, rows: list[CsvRow], *, now: datetime) -> ImportSummary:
        if not rows:
            return ImportSummary(created=0, updated=0)
        email_keys = [keys.expert_email(org_id, str(row.fields["email"])) for row in rows]

        async def body(pipe: Pipeline) -> ImportSummary:
            owners = await pipe.mget(email_keys)
            await pipe.watch(*[keys.expert(o) for o in owners if o] or email_keys[:1])
            found = {e.expert_id: e for e in await self.many(filter(None, owners), redis=pipe)}
            olds = [found.get(owner or "") for owner in owners]
            changes = await self._planned(pipe, org_id, rows, olds, now)
            writes = _Writes()
            for change in changes:
                writes.change(change.old, change.new)
            pipe.multi()
            writes.queue(pipe)
            created = sum(change.old is None for change in changes)
            return ImportSummary(created=created, updated=len(changes) - created)

        return await self._transact(email_keys, body)

    async def _planned(
        self,
        pipe: Pipeline,
        org_id: str,
        rows: list[CsvRow],
        olds: list[Expert | None],
        now: datetime,
    ) -> list["_Change"]:
        """The change of every row, or CsvError listing every row that cannot be written."""
        changes: list[_Change] = []
        errors: list[RowError] = []
        for row, old in zip(rows, olds, strict=True):
            try:
                changes.append(_Change(row.line, old, _imported(org_id, row, old, now)))
            except DomainError as error:
                errors.append(RowError(row.line, error))
        unknown = await self._unknown_references(pipe, org_id, [c.new for c in changes])
        errors += [
            RowError(change.line, _unknown_expert(unknown[change.new.expert_id]))
            for change in changes
            if change.new.expert_id in unknown
        ]
        if errors:
            raise CsvError(errors)
        return changes


@dataclass(frozen=True, slots=True)
class _Change:
    line: int
    old: Expert | None
    new: Expert


def _imported(org_id: str, row: CsvRow, old: Expert | None, now: datetime) -> Expert:
    if old is None:
        return new_expert(expert_id=new_expert_id(), org_id=org_id, fields=row.fields, now=now)
    return edit_expert(old, fields=row.fields, now=now)


def _unknown_expert(ref: str) -> DomainError:
    return DomainError(
        "Conflict expert:{ref} names no expert of this organization.",
        code="unknown_expert",
        ref=ref,
    )

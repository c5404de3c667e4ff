"""The recordings library's records (a record's changes by staff, its title and
publication, go through ``Recordings.change``, under WATCH as the composer's do): a
recording's removal with its line in the organization's log of deletions,
each organization's retention policy, and the recordings its sessions started before a time.

A recording's record and indexes are those of ``server/store/recordings.py``
(``recording:<id>``, ``session:<id>:recordings``); this module adds
``org:<id>:recording-retention`` (days), ``recording-retention:orgs`` (the organizations
that have a policy), ``org:<id>:recording-deletions`` (the log, newest first, the last
``DELETIONS_KEPT`` lines), ``recording-retention:swept`` (the scheduler's claim) and
``recording-urls:<address>`` (fresh player URLs asked for, per minute).
"""

from datetime import datetime

from redis.asyncio.client import Pipeline

from recordings.library import Deletion
from recordings.timeline import Recording
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Redis
from server.store.recordings import BUSY
from server.store.transactions import watched

DELETIONS_KEPT = 500


class RecordingLibrary:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def of_sessions(self, session_ids: list[str]) -> list[Recording]:
        """The recordings of these sessions (by session, each's by start), in two round
        trips whatever their number."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for session_id in session_ids:
                pipe.zrange(keys.session_recordings(session_id), 0, -1)
            found = await pipe.execute()
        ids = [recording_id for listed in found for recording_id in listed]
        rows = await self.redis.mget([keys.recording(i) for i in ids]) if ids else []
        return [load(Recording, row) for row in rows if row]

    async def remove(self, record: Recording, *, org_id: str, deletion: Deletion) -> bool:
        """Forget the recording and log its deletion, in one step; False if it was gone."""
        key = keys.recording(record.recording_id)

        async def body(pipe: Pipeline) -> bool:
            there = await pipe.exists(key)
            pipe.multi()
            if not there:
                return False
            pipe.delete(key)
            pipe.zrem(keys.session_recordings(record.session_id), record.recording_id)
            log = keys.org_recording_deletions(org_id)
            pipe.lpush(log, dump(deletion))
            pipe.ltrim(log, 0, DELETIONS_KEPT - 1)
            return True

        return await watched(self.redis, [key], body, busy=BUSY)

    async def deletions(self, org_id: str, *, limit: int = 50) -> list[Deletion]:
        rows = await self.redis.lrange(keys.org_recording_deletions(org_id), 0, limit - 1)
        return [load(Deletion, row) for row in rows]

    # retention

    async def retention(self, org_id: str) -> int | None:
        days = await self.redis.get(keys.org_recording_retention(org_id))
        return int(days) if days else None

    async def set_retention(self, org_id: str, days: int | None) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            if days is None:
                pipe.delete(keys.org_recording_retention(org_id))
                pipe.srem(keys.RECORDING_RETENTION_ORGS, org_id)
            else:
                pipe.set(keys.org_recording_retention(org_id), days)
                pipe.sadd(keys.RECORDING_RETENTION_ORGS, org_id)
            await pipe.execute()

    async def retentions(self) -> dict[str, int]:
        """Every organization with a retention policy, with its days."""
        orgs = sorted(await self.redis.smembers(keys.RECORDING_RETENTION_ORGS))
        async with self.redis.pipeline(transaction=False) as pipe:
            for org_id in orgs:
                pipe.get(keys.org_recording_retention(org_id))
            days = await pipe.execute()
        return {org: int(d) for org, d in zip(orgs, days, strict=True) if d}

    async def count_urls(self, address: str, *, window_seconds: int = 60) -> int:
        """Count a request for fresh player URLs from this address: how many it made in the
        window begun by its first."""
        key = keys.recording_urls(address)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=window_seconds, nx=True)
            pipe.incr(key)
            _, count = await pipe.execute()
        return int(count)

    async def claim_sweep(self, seconds: int) -> bool:
        """Whether this caller sweeps now: one scheduler per ``seconds``."""
        return bool(await self.redis.set(keys.RECORDING_SWEEP, "1", nx=True, ex=seconds))

    async def org_session_ids(self, org_id: str) -> list[str]:
        """Every session id of the organization's events (cancelled ones too)."""
        events = await self.redis.zrange(keys.org_events(org_id), 0, -1)
        async with self.redis.pipeline(transaction=False) as pipe:
            for event_id in events:
                pipe.zrange(keys.agenda(event_id), 0, -1)
            agendas = await pipe.execute()
        return [session_id for agenda in agendas for session_id in agenda]

    async def started_before(self, session_ids: list[str], before: datetime) -> list[str]:
        """The ids of these sessions' recordings started before ``before``."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for session_id in session_ids:
                pipe.zrangebyscore(keys.session_recordings(session_id), "-inf", before.timestamp())
            found = await pipe.execute()
        return [recording_id for ids in found for recording_id in ids]

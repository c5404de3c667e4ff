"""Jobs in Redis: each job's record and progress (a hash, ``keys.job``), the jobs of each
owner (``keys.jobs_of``), and the queue, a stream of job ids read by the workers as one
consumer group (``keys.JOBS``, ``keys.JOBS_GROUP``).

A worker reads a new entry (``XREADGROUP``), keeps it pending while it works, touching it
now and then (``XCLAIM`` to itself, which resets its idle time), and acknowledges it with the
job's end. An entry left pending longer than a worker could go without touching it belongs
to a worker that died: another takes it over (``XAUTOCLAIM``) and does the job again.
"""

from dataclasses import replace

from redis.exceptions import ResponseError

from rooms.jobs import Job, JobState, Progress
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import BLOCK_SECONDS, Redis

OWNER_JOBS_KEPT = 20  # the newest jobs listed per owner


def _progress(fields: dict[str, str]) -> Progress:
    return Progress(
        state=JobState(fields.get("state", JobState.QUEUED)),
        done=int(fields.get("done", 0)),
        total=int(fields.get("total", 0)),
        error=fields.get("error", ""),
        attempts=int(fields.get("attempts", 0)),
    )


class Jobs:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def ensure_group(self) -> None:
        """The workers' consumer group, reading the stream from its start."""
        try:
            await self.redis.xgroup_create(keys.JOBS, keys.JOBS_GROUP, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    # the web process

    async def enqueue(self, job: Job) -> None:
        score = job.created_at.timestamp()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.job(job.job_id), mapping={"job": dump(job), "state": JobState.QUEUED})
            pipe.zadd(keys.jobs_of(job.owner_id), {job.job_id: score})
            pipe.zremrangebyrank(keys.jobs_of(job.owner_id), 0, -OWNER_JOBS_KEPT - 1)
            pipe.xadd(keys.JOBS, {"job_id": job.job_id})
            await pipe.execute()

    async def get(self, job_id: str) -> tuple[Job, Progress] | None:
        fields = await self.redis.hgetall(keys.job(job_id))
        if not fields:
            return None
        return load(Job, fields["job"]), _progress(fields)

    async def of_owner(self, owner_id: str) -> list[tuple[Job, Progress]]:
        """The owner's newest jobs, newest first."""
        found = []
        for job_id in await self.redis.zrevrange(keys.jobs_of(owner_id), 0, -1):
            job = await self.get(job_id)
            if job is not None:
                found.append(job)
        return found

    # the workers

    async def take(self, consumer: str, *, block_ms: int) -> tuple[str, str] | None:
        """A new entry for this consumer: (entry id, job id), or None after ``block_ms`` (at
        most ``BLOCK_SECONDS``: longer, the client's timeout would take it for a hung node)."""
        most = int(BLOCK_SECONDS * 1000)
        block_ms = min(block_ms or most, most)  # BLOCK 0 is for ever
        answer = await self.redis.xreadgroup(
            keys.JOBS_GROUP, consumer, {keys.JOBS: ">"}, count=1, block=block_ms
        )
        for _stream, entries in answer or []:
            for entry_id, fields in entries:
                return entry_id, fields["job_id"]
        return None

    async def reclaim(self, consumer: str, *, idle_ms: int) -> tuple[str, str] | None:
        """An entry a dead worker left pending longer than ``idle_ms``, now this consumer's."""
        _cursor, claimed, *_deleted = await self.redis.xautoclaim(
            keys.JOBS, keys.JOBS_GROUP, consumer, idle_ms, start_id="0-0", count=1
        )
        for entry_id, fields in claimed:
            if fields:  # an entry deleted meanwhile comes back without fields
                return entry_id, fields["job_id"]
        return None

    async def touch(self, consumer: str, entry_id: str) -> None:
        """Still working on it: reset the entry's idle time so nobody takes it over."""
        await self.redis.xclaim(keys.JOBS, keys.JOBS_GROUP, consumer, 0, [entry_id], justid=True)

    async def started(self, job_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.job(job_id), mapping={"state": JobState.RUNNING, "done": 0})
            pipe.hincrby(keys.job(job_id), "attempts", 1)
            await pipe.execute()

    async def advance(self, job_id: str, *, done: int, total: int) -> None:
        await self.redis.hset(keys.job(job_id), mapping={"done": done, "total": total})

    async def finish(self, entry_id: str, job_id: str, progress: Progress) -> None:
        """The job's end and the entry's acknowledgement, together."""
        fields = {"state": progress.state, "done": progress.done, "total": progress.total,
                  "error": progress.error}  # fmt: skip
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(keys.job(job_id), mapping=fields)
            pipe.xack(keys.JOBS, keys.JOBS_GROUP, entry_id)
            pipe.xdel(keys.JOBS, entry_id)
            await pipe.execute()

    async def drop(self, entry_id: str) -> None:
        """An entry whose job is gone: acknowledged and removed."""
        await self.redis.xack(keys.JOBS, keys.JOBS_GROUP, entry_id)
        await self.redis.xdel(keys.JOBS, entry_id)


def failed(progress: Progress, error: str) -> Progress:
    return replace(progress, state=JobState.FAILED, error=error)

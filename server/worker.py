"""The worker: does the long jobs (``rooms.jobs``) queued in Redis: the zips of
certificates in bulk, and the videos of recordings (``server/compositions.py``).

Runs inside the web process (``python -m server``, unless ``RUN_WORKER=no``) or alone
(``python -m server.worker``, the Procfile's ``worker``). Any number may run: they read the
queue as one consumer group (``server/store/jobs.py``), so each job goes to one of them.
A worker first takes over any job a dead worker left (pending and untouched for
``reclaim_seconds``), then waits for new ones. While it works it reports progress and
touches the job, so nobody takes it over; a job taken over ``MAX_ATTEMPTS`` times is given
up as failed (it may be what kills workers).
"""

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
import sys
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from gettext import NullTranslations
from pathlib import Path

from rooms.errors import DomainError
from rooms.jobs import Job, JobState, Progress
from server import certificate_files, compositions, i18n, process
from server.logs import retrying
from server.reports import find_font
from server.settings import Settings
from server.store import Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
STOP_WAIT = 30.0  # seconds a job may take to finish at shutdown
FAILED = "The job failed; the details are in the worker's log."
GAVE_UP = "The job was given up: it stopped its workers {attempts} times."

Advance = Callable[[int, int], Awaitable[None]]


def utcnow() -> datetime:
    return datetime.now(UTC)


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


class Worker:
    """Owns one loop task: start() creates it, stop() lets the current job finish."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        consumer: str | None = None,
        reclaim_seconds: float = 60.0,
        block_seconds: float = 1.0,
        catalogs: Mapping[str, NullTranslations] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.consumer = consumer or consumer_name()
        self.reclaim_ms = int(reclaim_seconds * 1000)
        self.block_ms = int(block_seconds * 1000)
        self.catalogs = catalogs if catalogs is not None else i18n.load_catalogs()
        self.font = find_font(settings.report_font)
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._grouped = False  # the consumer group is known to exist

    def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name=f"worker {self.consumer}")

    async def stop(self) -> None:
        """Finish the job at hand, then end (not cancelled inside a Redis call)."""
        if self._task is None:
            return
        self._stop.set()
        try:
            await asyncio.wait_for(self._task, STOP_WAIT)
        except TimeoutError:
            log.warning("the worker did not stop in time; its job will be taken over")
        self._task = None

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                await self.run_once()
            except Exception as error:
                retrying(log, "worker round failed", error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 1.0)

    async def run_once(self) -> bool:
        """Do one job: one a dead worker left, else a new one (waiting up to a block).
        False when there was none."""
        jobs = self.store.jobs
        if not self._grouped:
            await jobs.ensure_group()
            self._grouped = True
        entry = await jobs.reclaim(self.consumer, idle_ms=self.reclaim_ms)
        if entry is None:
            entry = await jobs.take(self.consumer, block_ms=self.block_ms)
        if entry is None:
            return False
        await self._do(*entry)
        return True

    async def _do(self, entry_id: str, job_id: str) -> None:
        found = await self.store.jobs.get(job_id)
        if found is None:
            await self.store.jobs.drop(entry_id)
            return
        job, progress = found
        if progress.attempts >= MAX_ATTEMPTS:
            log.error("job %s given up after %d attempts", job_id, progress.attempts)
            await self._end(entry_id, job_id, progress, GAVE_UP, attempts=progress.attempts)
            return
        await self._work(entry_id, job, progress)

    async def _work(self, entry_id: str, job: Job, progress: Progress) -> None:
        job_id = job.job_id
        await self.store.jobs.started(job_id)
        log.info("job %s (%s) started by %s", job_id, job.kind, self.consumer)

        async def advance(done: int, total: int) -> None:
            await self.store.jobs.advance(job_id, done=done, total=total)
            await self.store.jobs.touch(self.consumer, entry_id)

        try:
            await self.handle(job, advance)
        except DomainError as error:
            await self._end(entry_id, job_id, progress, error.template, **error.params)
            return
        except Exception:
            log.exception("job %s failed", job_id)
            await self._end(entry_id, job_id, progress, FAILED)
            return
        final = await self.store.jobs.get(job_id)
        reached = final[1] if final else progress
        done = Progress(JobState.DONE, reached.done, reached.total)
        await self.store.jobs.finish(entry_id, job_id, done)
        log.info("job %s done", job_id)

    async def _end(
        self, entry_id: str, job_id: str, progress: Progress, template: str, **params: object
    ) -> None:
        error = json.dumps({"template": template, "params": {k: str(v) for k, v in params.items()}})
        failed = Progress(JobState.FAILED, progress.done, progress.total, error)
        await self.store.jobs.finish(entry_id, job_id, failed)

    async def handle(self, job: Job, advance: Advance) -> Path:
        """The work of one job, by its kind."""
        lang = job.params.get("lang", "en")
        t = self.catalogs.get(lang, NullTranslations()).gettext
        if job.kind == compositions.COMPOSE_KIND:
            return await compositions.compose(
                self.store, self.settings, job, t=t, advance=advance, now=utcnow()
            )
        if job.kind != certificate_files.BULK_KIND:
            raise DomainError("Unknown kind of job.", code="unknown_job")
        return await certificate_files.bulk_zip(
            self.store, self.settings, job, t=t, font=self.font, advance=advance, now=utcnow()
        )


def main() -> int:
    """The Procfile's worker process: until SIGTERM or SIGINT."""
    return process.main("worker", Worker, lambda made: f"worker {made.consumer} running")


if __name__ == "__main__":
    sys.exit(main())

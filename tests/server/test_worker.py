"""The worker (server/worker.py) on a real Redis: a queued zip of certificates is made with
its progress reported; a job whose worker died is taken over by another (in this process,
and a real ``python -m server.worker`` killed with SIGKILL mid-job); a job that keeps
killing its workers is given up."""

import asyncio
import os
import signal
import subprocess
import sys
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rooms.attendance import Movement, Passage
from rooms.certificates import Scope
from rooms.jobs import Job, JobState
from server import certificates
from server.certificate_files import bulk_job, zip_path
from server.settings import Settings
from server.store import Store, keys
from server.worker import GAVE_UP, MAX_ATTEMPTS, Worker
from tests.server.pages_world import make_event, make_session, staff_of_new_org

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)


def stay(key: str, name: str) -> list[Passage]:
    """Ten minutes in the room, its page seen all along."""
    beats = [Passage(Movement.ACTIVE, key, key, name, "attendee", T0 + timedelta(seconds=s))
             for s in range(0, 601, 30)]  # fmt: skip
    join = Passage(Movement.JOIN, key, key, name, "attendee", T0)
    return [join, *beats, Passage(Movement.LEAVE, key, key, name, "attendee", beats[-1].at)]


async def queued_job(store: Store, *, people: int) -> Job:
    """An event whose class ``people`` attended long enough for a certificate, and the job
    making the zip of them all, queued."""
    host = await staff_of_new_org(store, email="host@example.org")
    event = await make_event(store, host)
    lesson = await make_session(
        store, event, title="课程 Lesson", start="2030-05-01T09:00", end="2030-05-01T10:00"
    )
    passages = [p for n in range(people) for p in stay(f"guest:p{n}@example.org", f"学员{n}")]
    await store.attendance.record(lesson.session_id, passages)
    await store.certificates.set_threshold(Scope.SESSION, lesson.session_id, 5)
    attendance = await certificates.event_attendance(store, event, now=datetime.now(UTC))
    job = bulk_job(
        attendance, scope="session", scope_id=lesson.session_id, lang="zh_CN",
        by=host.account_id, now=datetime.now(UTC),
    )  # fmt: skip
    await store.jobs.enqueue(job)
    return job


async def test_a_queued_job_is_done_with_its_progress(store: Store, settings: Settings) -> None:
    job = await queued_job(store, people=3)
    worker = Worker(store, settings)

    did = await worker.run_once()

    [(_job, progress)] = await store.jobs.of_owner(job.owner_id)
    assert did is True
    assert (progress.state, progress.done, progress.total, progress.attempts) == (
        JobState.DONE, 3, 3, 1,
    )  # fmt: skip
    with zipfile.ZipFile(zip_path(settings, job.job_id)) as archive:
        assert len(archive.namelist()) == 3
    assert await worker.run_once() is False  # nothing left, nothing pending


class Stalled(Worker):
    """A worker that dies in its job after the first certificate (it never acknowledges)."""

    async def handle(self, job, advance):  # type: ignore[no-untyped-def]
        await advance(1, 2)
        raise asyncio.CancelledError  # as good as killed: no acknowledgement, no end


async def test_a_dead_workers_job_is_taken_over(store: Store, settings: Settings) -> None:
    job = await queued_job(store, people=2)
    with pytest.raises(asyncio.CancelledError):
        await Stalled(store, settings, consumer="dead").run_once()
    survivor = Worker(store, settings, consumer="alive", reclaim_seconds=0.2)

    early = await survivor.run_once()  # untouched for less than 0.2 s: still the dead one's
    await asyncio.sleep(0.3)
    taken = await survivor.run_once()

    found = await store.jobs.get(job.job_id)
    assert found is not None
    assert (early, taken, found[1].state, found[1].attempts) == (False, True, JobState.DONE, 2)


async def test_a_job_that_keeps_killing_workers_is_given_up(
    store: Store, settings: Settings
) -> None:
    job = await queued_job(store, people=1)
    await store.jobs.ensure_group()
    await store.jobs.take("dead", block_ms=10)
    await store.redis.hset(keys.job(job.job_id), "attempts", MAX_ATTEMPTS)

    await Worker(store, settings, reclaim_seconds=0).run_once()

    found = await store.jobs.get(job.job_id)
    assert found is not None
    assert found[1].state is JobState.FAILED
    assert GAVE_UP in found[1].error


async def test_a_killed_worker_process_leaves_its_job_to_another(
    store: Store, settings: Settings, redis_url: str, tmp_path: Path
) -> None:
    job = await queued_job(store, people=6)
    env = {**os.environ, "REDIS_URL": redis_url, "DATA_DIR": str(tmp_path / "killed"),
           "SEED_DEMO": "no", "RUN_SCHEDULER": "no"}  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.worker", cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            found = await store.jobs.get(job.job_id)
            assert found is not None and time.monotonic() < deadline, "the worker never started"
            if found[1].done >= 1:
                break
            await asyncio.sleep(0.05)
        process.send_signal(signal.SIGKILL)  # mid-job: no acknowledgement, no end
        await asyncio.wait_for(process.wait(), 10)
    finally:
        if process.returncode is None:
            process.kill()
            await asyncio.wait_for(process.wait(), 10)
    killed = await store.jobs.get(job.job_id)
    assert killed is not None and killed[1].state is JobState.RUNNING

    await asyncio.sleep(0.3)
    await Worker(store, settings, reclaim_seconds=0.2).run_once()

    found = await store.jobs.get(job.job_id)
    assert found is not None
    assert (found[1].state, found[1].done, found[1].total, found[1].attempts) == (
        JobState.DONE, 6, 6, 2,
    )  # fmt: skip
    with zipfile.ZipFile(zip_path(settings, job.job_id)) as archive:
        assert len(archive.namelist()) == 6

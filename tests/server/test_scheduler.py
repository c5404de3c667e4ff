"""The scheduler against a real Redis: on time, catching up, exactly once with two of them."""

import asyncio
import os
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from rooms.agenda import RosterEntry, Session
from rooms.lifecycle import State
from rooms.roles import Kind, Role
from server.scheduler import Scheduler
from server.settings import ROOT, Settings
from server.store import keys
from server.store.codec import dump

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


def a_session(session_id: str, *, start: datetime, minutes: int = 60, lobby: int = 15) -> Session:
    return Session(
        session_id=session_id,
        event_id="ev1",
        org_id="org1",
        kind=Kind.MEETING,
        title=f"Session {session_id}",
        description="",
        start=start,
        end=start + timedelta(minutes=minutes),
        zone="Asia/Shanghai",
        capacity=100,
        lobby=True,
        lobby_minutes=lobby,
        recording_allowed=False,
        state=State.SCHEDULED,
        created_at=T0,
        updated_at=T0,
    )


async def put_session(store, session: Session, people: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    """Write a session as the agenda store does: JSON, roster, schedule and reminder entries."""
    due = session.start - timedelta(minutes=session.lobby_minutes)
    pipe = store.redis.pipeline(transaction=True)
    pipe.set(keys.session(session.session_id), dump(session))
    pipe.zadd(keys.SCHEDULE, {session.session_id: due.timestamp()})
    pipe.zadd(keys.REMINDERS, {session.session_id: session.start.timestamp()})
    for person in people:
        entry = RosterEntry(person_key=person, role=Role.ATTENDEE, name=person)
        pipe.hset(keys.roster(session.session_id), person, dump(entry))
    await pipe.execute()


def states(log: list[tuple[State, datetime]]) -> list[State]:
    return [state for state, _ in log]


@pytest.fixture
def scheduler(store, settings) -> Scheduler:  # type: ignore[no-untyped-def]
    return Scheduler(store, settings)


async def test_scheduler_moves_a_session_through_its_states_on_time(store, scheduler) -> None:
    await put_session(store, a_session("s1", start=T0 + timedelta(minutes=30)))

    moved = [
        (await scheduler.tick(T0 + timedelta(minutes=m))).transitions for m in (0, 15, 30, 89, 90)
    ]

    assert moved == [0, 1, 1, 0, 1]
    log = await store.schedule.transitions("s1")
    assert log == [
        (State.OPEN, T0 + timedelta(minutes=15)),
        (State.LIVE, T0 + timedelta(minutes=30)),
        (State.ENDED, T0 + timedelta(minutes=90)),
    ]
    assert await store.redis.zscore(keys.SCHEDULE, "s1") is None


async def test_scheduler_catches_up_through_every_missed_state(store, scheduler) -> None:
    await put_session(store, a_session("s1", start=T0 + timedelta(minutes=30)))

    report = await scheduler.tick(T0 + timedelta(hours=5))

    assert report.transitions == 3
    assert states(await store.schedule.transitions("s1")) == [State.OPEN, State.LIVE, State.ENDED]
    assert (await store.agenda.get_session("s1")).state == State.ENDED


async def test_scheduler_leaves_a_cancelled_session_alone(store, scheduler) -> None:
    cancelled = replace(a_session("s1", start=T0), state=State.CANCELLED)
    await put_session(store, cancelled, ("account:a",))

    report = await scheduler.tick(T0 + timedelta(minutes=10))

    assert report == type(report)(transitions=0, reminders=0)
    assert await store.schedule.transitions("s1") == []
    assert await store.redis.zcard(keys.SCHEDULE) == 0
    assert await store.redis.zcard(keys.REMINDERS) == 0


async def test_scheduler_reminds_everyone_on_the_roster_once(store, scheduler) -> None:
    people = ("account:a", "expert:b", "guest:c@example.org")
    await put_session(store, a_session("s1", start=T0 + timedelta(minutes=30)), people)

    early = await scheduler.tick(T0)
    due = await scheduler.tick(T0 + timedelta(minutes=20))
    again = await scheduler.tick(T0 + timedelta(minutes=21))

    assert (early.reminders, due.reminders, again.reminders) == (0, 3, 0)
    for person in people:
        [note] = await store.notifications.of_person(person)
        assert (note.session_id, note.title, note.start) == (
            "s1",
            "Session s1",
            T0 + timedelta(minutes=30),
        )


async def test_scheduler_drops_a_reminder_it_is_too_late_for(store, scheduler) -> None:
    await put_session(store, a_session("s1", start=T0), ("account:a",))

    report = await scheduler.tick(T0 + timedelta(minutes=1))

    assert report.reminders == 0
    assert await store.notifications.of_person("account:a") == []
    assert await store.redis.zcard(keys.REMINDERS) == 0


async def test_scheduler_reminds_again_when_a_session_moves(store, scheduler) -> None:
    first = a_session("s1", start=T0 + timedelta(minutes=10))
    await put_session(store, first, ("account:a",))
    await scheduler.tick(T0)
    moved = replace(first, start=T0 + timedelta(hours=2), end=T0 + timedelta(hours=3))
    await put_session(store, moved, ("account:a",))

    report = await scheduler.tick(T0 + timedelta(hours=1, minutes=50))

    assert report.reminders == 1
    assert len(await store.notifications.of_person("account:a")) == 2


async def test_two_concurrent_ticks_transition_and_remind_exactly_once(store, settings) -> None:
    people = ("account:a", "account:b")
    for n in range(30):
        await put_session(store, a_session(f"s{n}", start=T0 + timedelta(minutes=10)), people)
    one, two = Scheduler(store, settings), Scheduler(store, settings)

    reports = await asyncio.gather(
        one.tick(T0 + timedelta(minutes=5)), two.tick(T0 + timedelta(minutes=5))
    )

    assert sum(r.transitions for r in reports) == 30
    assert sum(r.reminders for r in reports) == 60
    for n in range(30):
        assert states(await store.schedule.transitions(f"s{n}")) == [State.OPEN]
    assert [await store.notifications.count(p) for p in people] == [30, 30]


def _scheduler_process(redis_url: str, data_dir: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "DATA_DIR": data_dir,
        "SCHEDULER_INTERVAL": "0.05",
        "REMINDER_MINUTES": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "server.scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


async def test_two_scheduler_processes_do_each_piece_of_work_once(
    store, redis_url, tmp_path
) -> None:
    now = datetime.now(UTC)
    people = ("account:a", "expert:b", "guest:c@example.org")
    for n in range(40):
        # far enough ahead that two processes starting on a busy machine still remind first
        start = now + timedelta(seconds=5 + n % 3)
        session = replace(
            a_session(f"p{n}", start=start, lobby=0), end=start + timedelta(seconds=2)
        )
        await put_session(store, session, people)
    processes = [_scheduler_process(redis_url, str(tmp_path)) for _ in range(2)]
    try:
        deadline = time.monotonic() + 20
        while await store.redis.zcard(keys.SCHEDULE) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
    finally:
        for process in processes:
            process.terminate()
        errors = [process.communicate(timeout=10)[1].decode() for process in processes]

    assert [p.returncode for p in processes] == [0, 0], errors
    for n in range(40):
        log = states(await store.schedule.transitions(f"p{n}"))
        assert log == [State.OPEN, State.LIVE, State.ENDED], (n, log)
    assert [await store.notifications.count(p) for p in people] == [40, 40, 40]


class _CancelTurnedIntoAnError:
    """A schedule store whose call turns a cancellation into an error, as redis-py may."""

    async def due_sessions(self, now: datetime) -> list[str]:
        try:
            await asyncio.sleep(0.2)
        except asyncio.CancelledError:
            raise ConnectionError("connection lost while cancelled") from None
        return []

    async def due_reminders(self, until: datetime) -> list[tuple[str, float]]:
        return []


async def test_stopping_ends_the_loop_even_when_a_call_swallows_the_cancellation(
    settings: Settings,
) -> None:
    store = type("FakeStore", (), {"schedule": _CancelTurnedIntoAnError()})()
    scheduler = Scheduler(store, replace(settings, scheduler_interval=0.01))  # type: ignore[arg-type]
    scheduler.start()
    await asyncio.sleep(0.05)  # inside a call

    await asyncio.wait_for(scheduler.stop(), 5)

    assert scheduler._task is None

"""Agenda benchmark: 100k sessions in a fresh Redis, then the reads pages make and a booking.

    python bench/agenda.py            # an embedded redis-server in a temporary folder
    REDIS_URL=redis://host:6379 python bench/agenda.py   # database 15 unless the URL names one

The database used is FLUSHED first. Loading writes through the store's own lower level
(server.store.agenda.queue_new_session, pipelined); every session is built by the same
domain function the service uses, so what is queried is real data. Ends with one line:
``agenda: sessions=100000 agenda_p95_ms=<x> upcoming_p95_ms=<y> booking_p95_ms=<z>``.
"""

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rooms.agenda import Event, RosterEntry, Session, new_event, new_session  # noqa: E402
from rooms.errors import Conflict  # noqa: E402
from rooms.roles import Role  # noqa: E402
from server import agenda  # noqa: E402
from server.store import EmbeddedRedis, Store, connect, keys  # noqa: E402
from server.store.agenda import member, queue_new_session, ts  # noqa: E402
from server.store.codec import dump  # noqa: E402

SESSIONS = 100_000
PER_EVENT = 200
RUNS = 300
BUSY = "expert:busy"
FIRST_DAY = date(2026, 1, 1)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
rng = random.Random(20260501)


def with_db_15(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme in {"redis", "rediss"} and parts.path in {"", "/"}:
        return url.rstrip("/") + "/15"
    return url


def an_event(n: int) -> Event:
    first = FIRST_DAY + timedelta(days=n)
    fields = {
        "title_en": f"Forum {n}",
        "zone": "Asia/Shanghai",
        "start_date": first.isoformat(),
        "end_date": (first + timedelta(days=2)).isoformat(),
        "visibility": "public" if n % 5 else "unlisted",
    }
    return new_event(
        event_id=f"ev{n:05}", org_id=f"org{n % 20}", organizer="a", fields=fields, now=NOW
    )


def a_session(event: Event, n: int) -> Session:
    day = event.start_date + timedelta(days=rng.randrange(3))
    start = datetime(
        day.year, day.month, day.day, rng.randrange(8, 20), rng.choice((0, 15, 30, 45))
    )
    end = start + timedelta(minutes=rng.choice((30, 45, 60, 90, 120, 180)))
    fields = {
        "kind": rng.choice(("meeting", "class", "review", "roadshow", "signing")),
        "title": f"Session {n}",
        "start": f"{start:%Y-%m-%dT%H:%M}",
        "end": f"{end:%Y-%m-%dT%H:%M}",
    }
    return new_session(session_id=f"s{n:06}", event=event, fields=fields, now=NOW)


async def load(store: Store) -> tuple[list[Event], list[Session]]:
    """100k sessions over SESSIONS / PER_EVENT events, pipelined in batches."""
    events = [an_event(n) for n in range(SESSIONS // PER_EVENT)]
    for event in events:
        await store.agenda.create_event(event)
    sessions: list[Session] = []
    for event in events:
        batch = [a_session(event, len(sessions) + i) for i in range(PER_EVENT)]
        async with store.redis.pipeline(transaction=False) as pipe:
            for session in batch:
                queue_new_session(pipe, session, event)
            await pipe.execute()
        sessions += batch
    return events, sessions


async def make_busy(store: Store, sessions: list[Session]) -> None:
    """The busy person: booked as reviewer on every session that does not overlap the
    previous one they hold (about 1000), and an attendee of 1000 more."""
    chosen, free_from = [], datetime.min.replace(tzinfo=UTC)
    for session in sorted(sessions, key=lambda s: s.start):
        if session.start >= free_from and session.kind.value in {"review", "roadshow"}:
            chosen.append(session)
            free_from = session.end
    held = chosen[:: max(1, len(chosen) // 1000)]
    attending = rng.sample(sessions, 1000)
    async with store.redis.pipeline(transaction=False) as pipe:
        for session, role in [(s, Role.REVIEWER) for s in held] + [
            (s, Role.OBSERVER) for s in attending if s not in held
        ]:
            entry = RosterEntry(person_key=BUSY, role=role, name="Busy Expert")
            pipe.hset(keys.roster(session.session_id), BUSY, dump(entry))
            pipe.zadd(keys.person_sessions(BUSY), {session.session_id: ts(session.start)})
            if role is Role.REVIEWER:
                pipe.zadd(keys.person_bookings(BUSY), {member(session): ts(session.start)})
        await pipe.execute()


async def measure(name: str, call: Callable[[], Awaitable[object]]) -> float:
    """Run call RUNS times; print p50/p95 in ms; return p95."""
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        await call()
        times.append((time.perf_counter() - began) * 1000)
    cuts = statistics.quantiles(times, n=100)
    print(f"{name:<34} p50={cuts[49]:7.3f} ms  p95={cuts[94]:7.3f} ms")
    return cuts[94]


async def book_once(store: Store, sessions: list[Session]) -> None:
    """One booking attempt of the busy person as reviewer on a random review or roadshow
    session: the script searches their ~1000 bookings; most attempts overlap one."""
    session = rng.choice(sessions)
    entry = RosterEntry(person_key=BUSY, role=Role.REVIEWER, name="Busy Expert")
    try:
        await agenda.add_to_roster(store, session=session, entry=entry, now=NOW)
    except Conflict as refused:
        assert refused.code == "double_booked", refused.code


async def bench(store: Store) -> None:
    await store.redis.flushdb()
    began = time.perf_counter()
    events, sessions = await load(store)
    await make_busy(store, sessions)
    took = time.perf_counter() - began
    print(f"loaded {len(sessions)} sessions in {len(events)} events: {took:.1f} s")
    event = events[len(events) // 2]
    middle = sorted(s.start for s in sessions)[len(sessions) // 2]
    assert len(await store.agenda.agenda_of(event.event_id)) == PER_EVENT
    assert len(await store.agenda.upcoming_public(middle, 50)) == 50
    person = len(await store.agenda.sessions_of_person(BUSY))
    agenda_p95 = await measure(
        f"agenda_of ({PER_EVENT} sessions)", lambda: store.agenda.agenda_of(event.event_id)
    )
    upcoming_p95 = await measure(
        "upcoming_public(now, 50)", lambda: store.agenda.upcoming_public(middle, 50)
    )
    await measure(
        f"sessions_of_person ({person} sessions)", lambda: store.agenda.sessions_of_person(BUSY)
    )
    panels = [s for s in sessions if s.kind.value in {"review", "roadshow"}]
    booking_p95 = await measure("booking attempt (busy person)", lambda: book_once(store, panels))
    print(
        f"agenda: sessions={len(sessions)} agenda_p95_ms={agenda_p95:.3f} "
        f"upcoming_p95_ms={upcoming_p95:.3f} booking_p95_ms={booking_p95:.3f}"
    )


async def main() -> None:
    url = os.environ.get("REDIS_URL")
    with tempfile.TemporaryDirectory(prefix="yunhui-bench-") as folder:
        embedded = None if url else EmbeddedRedis(Path(folder) / "redis")
        if embedded is not None:
            await embedded.start()
        store = Store(connect(with_db_15(url) if url else embedded.url))  # type: ignore[union-attr]
        try:
            await bench(store)
        finally:
            await store.close()
            if embedded is not None:
                await embedded.stop()


if __name__ == "__main__":
    asyncio.run(main())

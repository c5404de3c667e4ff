"""Bookings under concurrency, all on a real Redis: the booking script decides, not Python."""

import asyncio
from datetime import UTC, datetime, timedelta

from rooms.agenda import Event, PersonType, RosterEntry, Session, person_key
from rooms.errors import Conflict
from rooms.roles import Role
from server import agenda
from server.store import Store, connect, keys

NOW = datetime(2026, 4, 1, tzinfo=UTC)
REVIEWER = RosterEntry(person_key="expert:e1", role=Role.REVIEWER, name="Wang Fang")
ATTEMPTS = 100


async def an_event(store: Store) -> Event:
    fields = {
        "title_en": "Review week",
        "zone": "Asia/Shanghai",
        "start_date": "2026-05-01",
        "end_date": "2026-05-07",
        "visibility": "public",
    }
    return await agenda.create_event(store, org_id="org1", organizer="a1", fields=fields, now=NOW)


async def sessions_at(
    store: Store, event: Event, starts: list[datetime], minutes: int
) -> list[Session]:
    made = []
    for n, start in enumerate(starts):
        end = start + timedelta(minutes=minutes)
        fields = {
            "kind": "review",
            "title": f"Panel {n}",
            "start": f"{start:%Y-%m-%dT%H:%M}",
            "end": f"{end:%Y-%m-%dT%H:%M}",
        }
        made.append(await agenda.create_session(store, event=event, fields=fields, now=NOW))
    return made


async def book_everywhere(redis_url: str, sessions: list[Session]) -> list[BaseException | None]:
    """One attempt per session, all at once, each on its own connection."""
    stores = [Store(connect(redis_url)) for _ in sessions]

    async def attempt(store: Store, session: Session) -> None:
        await agenda.add_to_roster(store, session=session, entry=REVIEWER, now=NOW)

    try:
        outcomes = await asyncio.gather(
            *(attempt(s, session) for s, session in zip(stores, sessions, strict=True)),
            return_exceptions=True,
        )
    finally:
        await asyncio.gather(*(s.close() for s in stores))
    return list(outcomes)


async def test_concurrent_overlapping_bookings_let_exactly_one_through(
    store: Store, redis_url: str
) -> None:
    event = await an_event(store)
    base = datetime(2026, 5, 1, 9, 0)
    starts = [base + timedelta(minutes=n) for n in range(ATTEMPTS)]  # all overlap 10:39-11:00
    sessions = await sessions_at(store, event, starts, minutes=120)

    outcomes = await book_everywhere(redis_url, sessions)

    winners = [s for s, o in zip(sessions, outcomes, strict=True) if o is None]
    refusals = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(winners), len(refusals)) == (1, ATTEMPTS - 1)
    assert {o.code for o in refusals} == {"double_booked"}
    assert {o.params["other"] for o in refusals} == {winners[0].title}
    [winner] = winners
    assert await store.agenda.bookings_of(REVIEWER.person_key) == [
        (winner.session_id, winner.start, winner.end)
    ]
    assert await store.redis.zcard(keys.person_bookings(REVIEWER.person_key)) == 1
    assert await store.agenda.sessions_of_person(REVIEWER.person_key) == [winner]
    rosters = [await store.agenda.roster_of(s.session_id) for s in sessions]
    assert sum(len(r) for r in rosters) == 1


async def test_concurrent_back_to_back_bookings_all_succeed(store: Store, redis_url: str) -> None:
    event = await an_event(store)
    base = datetime(2026, 5, 1, 8, 0)
    starts = [base + timedelta(minutes=30 * n) for n in range(ATTEMPTS)]
    sessions = await sessions_at(store, event, starts, minutes=30)

    outcomes = await book_everywhere(redis_url, sessions)

    assert outcomes == [None] * ATTEMPTS
    bookings = await store.agenda.bookings_of(REVIEWER.person_key)
    assert bookings == [(s.session_id, s.start, s.end) for s in sessions]
    assert await store.agenda.sessions_of_person(REVIEWER.person_key) == sessions


async def test_concurrent_moves_that_would_collide_let_only_one_through(
    store: Store, redis_url: str
) -> None:
    """Each move alone is fine; both together would double-book the reviewer."""
    event = await an_event(store)
    first, second = await sessions_at(
        store, event, [datetime(2026, 5, 1, 9, 0), datetime(2026, 5, 1, 11, 0)], minutes=60
    )
    for session in (first, second):
        await agenda.add_to_roster(store, session=session, entry=REVIEWER, now=NOW)
    moves = [
        (first, "2026-05-01T10:00", "2026-05-01T11:00"),
        (second, "2026-05-01T10:30", "2026-05-01T11:30"),
    ]
    stores = [Store(connect(redis_url)) for _ in moves]

    async def move(s: Store, session: Session, start: str, end: str) -> Session:
        fields = {"start": start, "end": end}
        return await agenda.update_session(s, session=session, fields=fields, now=NOW)

    try:
        outcomes = await asyncio.gather(
            *(move(s, *m) for s, m in zip(stores, moves, strict=True)), return_exceptions=True
        )
    finally:
        await asyncio.gather(*(s.close() for s in stores))

    moved = [o for o in outcomes if isinstance(o, Session)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(moved), [r.code for r in refused]) == (1, ["double_booked"])
    stored = await store.agenda.sessions_of_person(REVIEWER.person_key)
    bookings = await store.agenda.bookings_of(REVIEWER.person_key)
    assert bookings == [(s.session_id, s.start, s.end) for s in stored]
    spans = sorted((s.start, s.end) for s in stored)
    assert spans[0][1] <= spans[1][0]


async def test_concurrent_adds_and_removes_keep_roster_and_bookings_in_step(
    store: Store, redis_url: str
) -> None:
    event = await an_event(store)
    [session] = await sessions_at(store, event, [datetime(2026, 5, 1, 9, 0)], minutes=60)
    people = [
        RosterEntry(
            person_key=person_key(PersonType.EXPERT, str(n)), role=Role.REVIEWER, name=f"E{n}"
        )
        for n in range(20)
    ]
    kept = {p.person_key for p in people[1::2]}
    other = Store(connect(redis_url))
    try:
        for _ in range(3):
            await asyncio.gather(
                *(agenda.add_to_roster(store, session=session, entry=p, now=NOW) for p in people),
                *(
                    agenda.remove_from_roster(
                        other, session=session, person_key=p.person_key, now=NOW
                    )
                    for p in people[::2]
                ),
                return_exceptions=True,
            )
    finally:
        await other.close()

    on_roster = {e.person_key for e in await store.agenda.roster_of(session.session_id)}
    booked = {p.person_key for p in people if await store.agenda.bookings_of(p.person_key)}
    listed = {p.person_key for p in people if await store.agenda.sessions_of_person(p.person_key)}
    assert booked == listed == on_roster
    assert on_roster & kept == kept

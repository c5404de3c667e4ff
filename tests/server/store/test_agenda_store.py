"""server.store.agenda against a real Redis: indexes, reads in one round trip, and writes
that stay atomic when someone else (the scheduler, another editor) writes in between."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from rooms.agenda import Event, RosterEntry, Session, Visibility, cancel
from rooms.errors import Conflict, NotFound
from rooms.lifecycle import State
from rooms.roles import Kind, Role
from server.store import Store, keys
from server.store.codec import dump

T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
NOW = datetime(2026, 4, 1, tzinfo=UTC)


def an_event(event_id: str = "ev1", **changes: object) -> Event:
    event = Event(
        event_id=event_id,
        org_id="org1",
        title_zh="论坛",
        title_en="Forum",
        description="",
        zone="Asia/Shanghai",
        start_date=date(2026, 5, 1),
        end_date=date(2026, 5, 3),
        visibility=Visibility.PUBLIC,
        organizer="account:a1",
        created_at=NOW,
        updated_at=NOW,
    )
    return replace(event, **changes)  # type: ignore[arg-type]


def a_session(session_id: str, start: datetime, minutes: int = 60, **changes: object) -> Session:
    session = Session(
        session_id=session_id,
        event_id="ev1",
        org_id="org1",
        kind=Kind.REVIEW,
        title=f"Session {session_id}",
        description="",
        start=start,
        end=start + timedelta(minutes=minutes),
        zone="Asia/Shanghai",
        capacity=50,
        lobby=True,
        lobby_minutes=15,
        recording_allowed=False,
        state=State.SCHEDULED,
        created_at=NOW,
        updated_at=NOW,
    )
    return replace(session, **changes)  # type: ignore[arg-type]


async def put(store: Store, event: Event, *sessions: Session) -> None:
    if await store.agenda.get_event(event.event_id) is None:
        await store.agenda.create_event(event)
    for session in sessions:
        await store.agenda.create_session(event.event_id, lambda _event, s=session: s)


def ids(sessions: list[Session]) -> list[str]:
    return [s.session_id for s in sessions]


async def test_agenda_of_lists_the_sessions_by_start(store: Store) -> None:
    later, early, middle = (
        a_session("c", T0 + timedelta(hours=5)),
        a_session("a", T0),
        a_session("b", T0 + timedelta(hours=2)),
    )
    await put(store, an_event(), later, early, middle)

    assert await store.agenda.agenda_of("ev1") == [early, middle, later]


async def test_agenda_of_an_event_without_sessions_is_empty(store: Store) -> None:
    await put(store, an_event())

    assert await store.agenda.agenda_of("ev1") == []
    assert await store.agenda.agenda_of("no-such-event") == []


async def test_agenda_of_skips_an_id_whose_record_is_gone(store: Store) -> None:
    await put(store, an_event(), a_session("a", T0), a_session("b", T0 + timedelta(hours=1)))
    await store.redis.delete(keys.session("a"))

    assert ids(await store.agenda.agenda_of("ev1")) == ["b"]


async def test_sessions_reads_the_named_sessions_that_still_exist(store: Store) -> None:
    first, second = a_session("a", T0), a_session("b", T0 + timedelta(hours=1))
    await put(store, an_event(), first, second)

    assert await store.agenda.sessions(["b", "gone", "a"]) == [second, first]
    assert await store.agenda.sessions([]) == []


async def test_agenda_of_reads_more_sessions_than_one_mget_batch(store: Store) -> None:
    sessions = [a_session(f"s{n:04}", T0 + timedelta(minutes=n), 1) for n in range(1203)]
    await put(store, an_event(), *sessions)

    assert await store.agenda.agenda_of("ev1") == sessions


async def test_events_are_listed_by_first_day_and_public_ones_apart(store: Store) -> None:
    late = an_event("late", start_date=date(2026, 6, 1), end_date=date(2026, 6, 2))
    hidden = an_event("hidden", visibility=Visibility.UNLISTED)
    early = an_event("early", start_date=date(2026, 4, 1), end_date=date(2026, 4, 2))
    for event in (late, hidden, early):
        await store.agenda.create_event(event)

    assert [e.event_id for e in await store.agenda.events_of_org("org1")] == [
        "early",
        "hidden",
        "late",
    ]
    assert [e.event_id for e in await store.agenda.public_events()] == ["early", "late"]
    assert await store.agenda.events_of_org("org2") == []


async def test_upcoming_public_has_live_and_later_sessions_by_start(store: Store) -> None:
    over = a_session("over", T0 - timedelta(hours=3))
    live = a_session("live", T0 - timedelta(minutes=30))
    cancelled = cancel(a_session("cancelled", T0 + timedelta(hours=1)), now=NOW)
    soon = a_session("soon", T0 + timedelta(hours=2))
    later = a_session("later", T0 + timedelta(hours=9))
    await put(store, an_event(), later, over, soon, cancelled, live)
    unlisted = an_event("unlisted", visibility=Visibility.UNLISTED)
    await put(store, unlisted, replace(soon, session_id="hidden", event_id="unlisted"))

    assert ids(await store.agenda.upcoming_public(T0, 10)) == ["live", "soon", "later"]
    assert ids(await store.agenda.upcoming_public(T0, 2)) == ["live", "soon"]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (T0 + timedelta(minutes=59, seconds=59, microseconds=999_999), ["s"]),
        (T0 + timedelta(minutes=60), []),
        (T0 + timedelta(minutes=60, microseconds=1), []),
    ],
)
async def test_upcoming_public_drops_a_session_the_moment_it_ends(
    store: Store, now: datetime, expected: list[str]
) -> None:
    await put(store, an_event(), a_session("s", T0, 60))

    assert ids(await store.agenda.upcoming_public(now, 10)) == expected


async def test_upcoming_public_pages_past_many_ended_sessions(store: Store) -> None:
    ended = [
        a_session(f"e{n:03}", T0 - timedelta(hours=20) + timedelta(minutes=n), 1)
        for n in range(300)
    ]
    await put(store, an_event(), *ended, a_session("next", T0 + timedelta(hours=1)))

    assert ids(await store.agenda.upcoming_public(T0, 5)) == ["next"]


async def test_roster_of_orders_by_role_then_name(store: Store) -> None:
    await put(store, an_event(), a_session("s", T0))
    entries = [
        RosterEntry(person_key="guest:z@x.org", role=Role.OBSERVER, name="Zed"),
        RosterEntry(person_key="expert:2", role=Role.REVIEWER, name="Bo"),
        RosterEntry(person_key="account:1", role=Role.HOST, name="Yan"),
        RosterEntry(person_key="expert:1", role=Role.REVIEWER, name="Ai", extra={"seat": "3"}),
    ]
    for entry in entries:
        await store.agenda.book("s", entry, lambda _s: None)

    roster = await store.agenda.roster_of("s")

    assert [e.name for e in roster] == ["Yan", "Ai", "Bo", "Zed"]
    assert roster[1] == entries[3]
    assert await store.agenda.roster_entry("s", "expert:2") == entries[1]
    assert await store.agenda.roster_entry("s", "expert:9") is None


async def test_sessions_of_person_lists_their_sessions_by_start(store: Store) -> None:
    first, second = a_session("a", T0), a_session("b", T0 + timedelta(hours=3))
    await put(store, an_event(), second, first)
    entry = RosterEntry(person_key="expert:1", role=Role.OBSERVER, name="Ai")
    for session_id in ("b", "a"):
        await store.agenda.book(session_id, entry, lambda _s: None)

    assert await store.agenda.sessions_of_person("expert:1") == [first, second]
    assert await store.agenda.sessions_of_person("expert:2") == []


async def test_create_session_writes_the_schedulers_entries(store: Store) -> None:
    await put(store, an_event(), a_session("s", T0, lobby_minutes=10))

    assert await store.redis.zscore(keys.SCHEDULE, "s") == (T0 - timedelta(minutes=10)).timestamp()
    assert await store.redis.zscore(keys.REMINDERS, "s") == T0.timestamp()


async def test_create_session_of_a_missing_event_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.agenda.create_session("nope", lambda _event: a_session("s", T0))

    assert await store.redis.keys("*") == []


async def test_change_session_retries_after_a_concurrent_scheduler_write(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    await put(store, an_event(), a_session("s", T0))
    seen: list[State] = []

    def rename(current: Session, _event: Event, _roster: list[RosterEntry]) -> Session:
        seen.append(current.state)
        return replace(current, title="Renamed", sequence=current.sequence + 1)

    original = store.agenda._rewrite

    async def scheduler_opens_the_lobby_first(**kwargs: object):  # type: ignore[no-untyped-def]
        if len(seen) == 1:  # between our read and our write
            opened = replace(a_session("s", T0), state=State.OPEN)
            await store.redis.set(keys.session("s"), dump(opened))
        return await original(**kwargs)

    monkeypatch.setattr(store.agenda, "_rewrite", scheduler_opens_the_lobby_first)

    result = await store.agenda.change_session("s", rename)

    assert seen == [State.SCHEDULED, State.OPEN]
    assert (result.state, result.title, result.sequence) == (State.OPEN, "Renamed", 1)
    assert await store.agenda.get_session("s") == result


async def test_cancel_loses_to_a_scheduler_that_went_live_first(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    await put(store, an_event(), a_session("s", T0))
    live = replace(a_session("s", T0), state=State.LIVE)
    calls = 0

    def cancel_after_scheduler(current: Session, _e: Event, _r: list[RosterEntry]) -> Session:
        nonlocal calls
        calls += 1
        return cancel(current, now=NOW)

    original = store.agenda._rewrite

    async def scheduler_first(**kwargs: object):  # type: ignore[no-untyped-def]
        await store.redis.set(keys.session("s"), dump(live))
        return await original(**kwargs)

    monkeypatch.setattr(store.agenda, "_rewrite", scheduler_first)

    with pytest.raises(Conflict) as caught:
        await store.agenda.change_session("s", cancel_after_scheduler)

    assert (caught.value.code, calls) == ("illegal_transition", 2)
    assert await store.agenda.get_session("s") == live
    assert await store.redis.zscore(keys.SCHEDULE, "s") is not None


async def test_book_retries_when_the_session_moved_meanwhile(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    await put(store, an_event(), a_session("s", T0))
    moved = a_session("s", T0 + timedelta(hours=2), sequence=1)
    entry = RosterEntry(person_key="expert:1", role=Role.REVIEWER, name="Ai")
    checks: list[datetime] = []

    def check(session: Session) -> None:
        checks.append(session.start)

    original = store.agenda._book

    async def moved_first(**kwargs: object):  # type: ignore[no-untyped-def]
        if len(checks) == 1:
            await store.redis.set(keys.session("s"), dump(moved))
        return await original(**kwargs)

    monkeypatch.setattr(store.agenda, "_book", moved_first)

    await store.agenda.book("s", entry, check)

    assert checks == [T0, moved.start]
    assert await store.agenda.bookings_of("expert:1") == [("s", moved.start, moved.end)]


async def test_change_event_to_unlisted_leaves_cancelled_sessions_out(store: Store) -> None:
    cancelled = cancel(a_session("c", T0), now=NOW)
    await put(store, an_event(), a_session("s", T0), cancelled)
    unlisted = lambda event, _sessions: replace(event, visibility=Visibility.UNLISTED)  # noqa: E731
    public = lambda event, _sessions: replace(event, visibility=Visibility.PUBLIC)  # noqa: E731

    await store.agenda.change_event("ev1", unlisted)
    hidden = await store.redis.zrange(keys.UPCOMING_PUBLIC, 0, -1)
    await store.agenda.change_event("ev1", public)

    assert hidden == []
    assert await store.redis.zrange(keys.UPCOMING_PUBLIC, 0, -1) == ["s"]
    assert await store.redis.zrange(keys.PUBLIC_EVENTS, 0, -1) == ["ev1"]


async def test_change_event_of_a_missing_event_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.agenda.change_event("nope", lambda event, _sessions: event)


async def test_unbook_of_a_missing_session_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.agenda.unbook("nope", "expert:1")

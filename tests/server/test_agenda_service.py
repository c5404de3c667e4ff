"""server.agenda through the real store: what each call writes to Redis, and what it refuses."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from rooms.agenda import Event, RosterEntry, Session
from rooms.errors import Conflict, DomainError, NotFound
from rooms.lifecycle import State
from rooms.roles import Role
from server import agenda
from server.store import Store, keys
from server.store.codec import dump

NOW = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
EVENT_FIELDS: dict[str, object] = {
    "title_zh": "青年科学家论坛",
    "title_en": "Young Scientists Forum",
    "description": "",
    "zone": "Asia/Shanghai",
    "start_date": "2026-05-01",
    "end_date": "2026-05-03",
    "visibility": "public",
}
WANG = RosterEntry(person_key="expert:e1", role=Role.REVIEWER, name="Wang Fang")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def an_event(store: Store, **changes: object) -> Event:
    fields = {**EVENT_FIELDS, **changes}
    return await agenda.create_event(
        store, org_id="org1", organizer="account:a1", fields=fields, now=NOW
    )


async def a_session(
    store: Store, event: Event, start: str = "09:00", end: str = "10:00", **changes: object
) -> Session:
    fields: dict[str, object] = {
        "kind": "review",
        "title": f"Review {start}",
        "start": f"2026-05-01T{start}",
        "end": f"2026-05-01T{end}",
        **changes,
    }
    return await agenda.create_session(store, event=event, fields=fields, now=NOW)


async def snapshot(store: Store) -> dict[str, object]:
    """Everything in the database, by key."""
    redis, found = store.redis, {}
    for key in sorted(await redis.keys("*")):
        kind = await redis.type(key)
        if kind == "string":
            found[key] = await redis.get(key)
        elif kind == "hash":
            found[key] = await redis.hgetall(key)
        elif kind == "zset":
            found[key] = await redis.zrange(key, 0, -1, withscores=True)
        else:
            found[key] = kind
    return found


async def score(store: Store, key: str, member: str) -> datetime | None:
    value = await store.redis.zscore(key, member)
    return None if value is None else datetime.fromtimestamp(value, UTC)


# events -------------------------------------------------------------------------------


async def test_create_event_stores_and_indexes_it(store: Store) -> None:
    event = await an_event(store)

    assert await agenda.load_event(store, event.event_id) == event
    assert await store.agenda.events_of_org("org1") == [event]
    assert await store.agenda.public_events() == [event]
    assert await score(store, keys.org_events("org1"), event.event_id) == utc("2026-04-30T16:00")


async def test_create_event_keeps_an_unlisted_event_off_the_public_list(store: Store) -> None:
    event = await an_event(store, visibility="unlisted")

    assert await store.agenda.events_of_org("org1") == [event]
    assert await store.agenda.public_events() == []


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"zone": "../x"}, "invalid_zone"),
        ({"zone": "localtime"}, "invalid_zone"),
        ({"title_zh": "", "title_en": ""}, "missing_title"),
        ({"end_date": "2026-04-01"}, "invalid_time"),
        ({"visibility": "hidden"}, "invalid_visibility"),
    ],
)
async def test_create_event_refuses_bad_fields_and_writes_nothing(
    store: Store, changes: dict[str, object], code: str
) -> None:
    with pytest.raises(DomainError) as caught:
        await an_event(store, **changes)

    assert caught.value.code == code
    assert await snapshot(store) == {}


async def test_update_event_bumps_the_sequence_and_saves(store: Store) -> None:
    event = await an_event(store)

    updated = await agenda.update_event(
        store, event=event, fields={"title_en": "YSF 2026"}, now=LATER
    )

    assert (updated.title_en, updated.sequence, updated.updated_at) == ("YSF 2026", 1, LATER)
    assert await agenda.load_event(store, event.event_id) == updated


async def test_update_event_that_changes_nothing_keeps_the_sequence(store: Store) -> None:
    event = await an_event(store)

    same = await agenda.update_event(
        store, event=event, fields={"zone": "Asia/Shanghai"}, now=LATER
    )

    assert same == event


async def test_update_event_to_unlisted_hides_it_and_its_sessions(store: Store) -> None:
    event = await an_event(store)
    session = await a_session(store, event)

    await agenda.update_event(store, event=event, fields={"visibility": "unlisted"}, now=LATER)

    assert await store.agenda.public_events() == []
    assert await store.agenda.upcoming_public(NOW, 10) == []
    await agenda.update_event(store, event=event, fields={"visibility": "public"}, now=LATER)
    assert [s.session_id for s in await store.agenda.upcoming_public(NOW, 10)] == [
        session.session_id
    ]


async def test_update_event_refuses_dates_that_leave_out_a_session(store: Store) -> None:
    event = await an_event(store)
    await a_session(store, event)

    with pytest.raises(DomainError) as caught:
        await agenda.update_event(
            store, event=event, fields={"start_date": "2026-05-02"}, now=LATER
        )

    assert caught.value.code == "outside_event_dates"
    assert await agenda.load_event(store, event.event_id) == event


async def test_load_event_and_load_session_raise_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        await agenda.load_event(store, "nope")
    with pytest.raises(NotFound):
        await agenda.load_session(store, "nope")


async def test_own_event_and_session_are_the_organizations_only(store: Store) -> None:
    event = await an_event(store)
    session = await a_session(store, event)
    refused = [
        (agenda.own_event, event.event_id, "org2"),
        (agenda.own_session, session.session_id, "org2"),
        (agenda.own_event, "nope", "org1"),
        (agenda.own_session, "nope", "org1"),
    ]

    messages = []
    for own, record_id, org_id in refused:
        with pytest.raises(NotFound) as caught:
            await own(store, record_id, org_id=org_id)
        messages.append(caught.value.message)

    assert await agenda.own_event(store, event.event_id, org_id="org1") == event
    assert await agenda.own_session(store, session.session_id, org_id="org1") == session
    assert messages == [
        f"No event {event.event_id}.",
        f"No session {session.session_id}.",
        "No event nope.",
        "No session nope.",
    ]


# sessions -----------------------------------------------------------------------------


async def test_create_session_writes_it_with_every_index(store: Store) -> None:
    event = await an_event(store)

    session = await a_session(store, event, "09:00", "10:00")

    sid = session.session_id
    assert await agenda.load_session(store, sid) == session
    assert (session.start, session.end, session.state) == (
        utc("2026-05-01T01:00"),
        utc("2026-05-01T02:00"),
        State.SCHEDULED,
    )
    assert await score(store, keys.agenda(event.event_id), sid) == session.start
    assert await score(store, keys.UPCOMING_PUBLIC, sid) == session.start
    assert await score(store, keys.SCHEDULE, sid) == session.start - timedelta(minutes=15)
    assert await score(store, keys.REMINDERS, sid) == session.start


async def test_create_session_uses_the_lobby_minutes_given(store: Store) -> None:
    event = await an_event(store)

    session = await agenda.create_session(
        store,
        event=event,
        fields={
            "kind": "meeting",
            "title": "M",
            "start": "2026-05-01T09:00",
            "end": "2026-05-01T10:00",
        },
        now=NOW,
        lobby_minutes=5,
    )

    assert session.lobby_minutes == 5
    assert await score(store, keys.SCHEDULE, session.session_id) == utc("2026-05-01T00:55")


async def test_create_session_of_an_unlisted_event_is_not_public(store: Store) -> None:
    event = await an_event(store, visibility="unlisted")

    session = await a_session(store, event)

    assert await store.agenda.agenda_of(event.event_id) == [session]
    assert await store.redis.zcard(keys.UPCOMING_PUBLIC) == 0


@pytest.mark.parametrize(
    ("event_changes", "fields", "code"),
    [
        ({}, {"start": "2026-05-01T09:00", "end": "2026-05-01T09:00"}, "invalid_span"),
        ({}, {"start": "2026-05-01T09:00", "end": "2026-05-02T09:01"}, "invalid_span"),
        ({}, {"start": "2026-05-04T09:00", "end": "2026-05-04T10:00"}, "outside_event_dates"),
        ({}, {"kind": "party"}, "invalid_kind"),
        ({}, {"capacity": 0}, "invalid_capacity"),
        (
            {"zone": "America/New_York", "start_date": "2026-03-08", "end_date": "2026-03-08"},
            {"start": "2026-03-08T02:30", "end": "2026-03-08T03:30"},
            "nonexistent_local_time",
        ),
    ],
)
async def test_create_session_refuses_bad_fields_and_writes_nothing(
    store: Store, event_changes: dict[str, object], fields: dict[str, object], code: str
) -> None:
    event = await an_event(store, **event_changes)
    before = await snapshot(store)
    base = {"kind": "meeting", "title": "M", "start": "2026-05-01T09:00", "end": "2026-05-01T10:00"}

    with pytest.raises(DomainError) as caught:
        await agenda.create_session(store, event=event, fields={**base, **fields}, now=NOW)

    assert caught.value.code == code
    assert await snapshot(store) == before


async def test_create_session_in_a_fold_takes_the_first_occurrence(store: Store) -> None:
    event = await an_event(
        store, zone="America/New_York", start_date="2026-11-01", end_date="2026-11-01"
    )
    fields = {
        "kind": "meeting",
        "title": "M",
        "start": "2026-11-01T01:30",
        "end": "2026-11-01T02:30",
    }

    session = await agenda.create_session(store, event=event, fields=fields, now=NOW)

    assert session.start == utc("2026-11-01T05:30")
    assert [t.isoformat() for t in agenda.local_times(session)] == [
        "2026-11-01T01:30:00-04:00",
        "2026-11-01T02:30:00-05:00",
    ]


async def test_update_session_bumps_the_sequence_and_moves_every_index(store: Store) -> None:
    event = await an_event(store)
    session = await a_session(store, event)
    await agenda.add_to_roster(store, session=session, entry=WANG, now=NOW)

    moved = await agenda.update_session(
        store,
        session=session,
        fields={"start": "2026-05-02T14:00", "end": "2026-05-02T15:30"},
        now=LATER,
    )

    sid, start = session.session_id, utc("2026-05-02T06:00")
    assert (moved.start, moved.end, moved.sequence, moved.updated_at) == (
        start,
        utc("2026-05-02T07:30"),
        1,
        LATER,
    )
    assert await agenda.load_session(store, sid) == moved
    for key in (keys.agenda(event.event_id), keys.UPCOMING_PUBLIC, keys.REMINDERS):
        assert await score(store, key, sid) == start
    assert await score(store, keys.person_sessions(WANG.person_key), sid) == start
    assert await score(store, keys.SCHEDULE, sid) == start - timedelta(minutes=15)
    assert await store.agenda.bookings_of(WANG.person_key) == [(sid, start, moved.end)]


async def test_update_session_that_changes_nothing_writes_nothing(store: Store) -> None:
    event = await an_event(store)
    session = await a_session(store, event)
    before = await snapshot(store)

    same = await agenda.update_session(store, session=session, fields={"capacity": 100}, now=LATER)

    assert same == session
    assert await snapshot(store) == before


async def test_cancel_session_cancels_it_and_releases_everything(store: Store) -> None:
    event = await an_event(store)
    session = await a_session(store, event)
    await agenda.add_to_roster(store, session=session, entry=WANG, now=NOW)

    cancelled = await agenda.cancel_session(store, session=session, now=LATER)

    sid = session.session_id
    assert (cancelled.state, cancelled.sequence) == (State.CANCELLED, 1)
    assert await agenda.load_session(store, sid) == cancelled
    for key in (keys.SCHEDULE, keys.REMINDERS, keys.UPCOMING_PUBLIC):
        assert await score(store, key, sid) is None
    assert await store.agenda.bookings_of(WANG.person_key) == []
    assert await store.agenda.agenda_of(event.event_id) == [cancelled]
    assert await store.agenda.sessions_of_person(WANG.person_key) == [cancelled]


@pytest.mark.parametrize("state", [State.LIVE, State.ENDED])
async def test_cancel_session_refuses_a_session_past_its_start(store: Store, state: State) -> None:
    event = await an_event(store)
    session = await a_session(store, event)
    await store.redis.set(keys.session(session.session_id), dump(replace(session, state=state)))

    with pytest.raises(Conflict) as caught:
        await agenda.cancel_session(store, session=session, now=LATER)

    assert caught.value.code == "illegal_transition"
    assert (await agenda.load_session(store, session.session_id)).state is state


async def test_cancel_session_refuses_to_cancel_twice(store: Store) -> None:
    event = await an_event(store)
    session = await a_session(store, event)
    cancelled = await agenda.cancel_session(store, session=session, now=NOW)

    with pytest.raises(Conflict) as caught:
        await agenda.cancel_session(store, session=session, now=LATER)

    assert caught.value.code == "illegal_transition"
    assert await agenda.load_session(store, session.session_id) == cancelled


async def test_update_session_refuses_a_cancelled_session(store: Store) -> None:
    event = await an_event(store)
    session = await a_session(store, event)
    await agenda.cancel_session(store, session=session, now=NOW)

    with pytest.raises(Conflict) as caught:
        await agenda.update_session(store, session=session, fields={"title": "x"}, now=LATER)

    assert caught.value.code == "session_closed"


# rosters and bookings -----------------------------------------------------------------


async def test_add_to_roster_puts_the_person_on_it_and_books_them(store: Store) -> None:
    event = await an_event(store)
    session = await a_session(store, event)

    added = await agenda.add_to_roster(store, session=session, entry=WANG, now=NOW)

    assert added == WANG
    assert await store.agenda.roster_of(session.session_id) == [WANG]
    assert await store.agenda.sessions_of_person(WANG.person_key) == [session]
    assert await store.agenda.bookings_of(WANG.person_key) == [
        (session.session_id, session.start, session.end)
    ]


async def test_add_to_roster_refuses_an_overlapping_booked_role(store: Store) -> None:
    event = await an_event(store)
    first = await a_session(store, event, "09:00", "10:00", title="Materials panel")
    second = await a_session(store, event, "09:59", "11:00")
    await agenda.add_to_roster(store, session=first, entry=WANG, now=NOW)
    before = await snapshot(store)

    with pytest.raises(Conflict) as caught:
        await agenda.add_to_roster(store, session=second, entry=WANG, now=NOW)

    assert caught.value.code == "double_booked"
    assert (
        caught.value.message == "Wang Fang is already booked at that time, for “Materials panel”."
    )
    assert await snapshot(store) == before


async def test_add_to_roster_allows_back_to_back_sessions(store: Store) -> None:
    event = await an_event(store)
    first = await a_session(store, event, "09:00", "10:00")
    second = await a_session(store, event, "10:00", "11:00")

    await agenda.add_to_roster(store, session=first, entry=WANG, now=NOW)
    await agenda.add_to_roster(store, session=second, entry=WANG, now=NOW)

    assert await store.agenda.sessions_of_person(WANG.person_key) == [first, second]
    assert len(await store.agenda.bookings_of(WANG.person_key)) == 2


async def test_add_to_roster_does_not_book_an_observer(store: Store) -> None:
    event = await an_event(store)
    first = await a_session(store, event, "09:00", "10:00")
    second = await a_session(store, event, "09:30", "10:30")
    observer = RosterEntry(person_key=WANG.person_key, role=Role.OBSERVER, name="Wang Fang")

    await agenda.add_to_roster(store, session=first, entry=WANG, now=NOW)
    await agenda.add_to_roster(store, session=second, entry=observer, now=NOW)

    assert await store.agenda.sessions_of_person(WANG.person_key) == [first, second]
    assert [b[0] for b in await store.agenda.bookings_of(WANG.person_key)] == [first.session_id]


async def test_add_to_roster_with_an_unbooked_role_releases_the_booking(store: Store) -> None:
    event = await an_event(store)
    session = await a_session(store, event)
    observer = RosterEntry(person_key=WANG.person_key, role=Role.OBSERVER, name="Wang Fang")
    await agenda.add_to_roster(store, session=session, entry=WANG, now=NOW)

    await agenda.add_to_roster(store, session=session, entry=observer, now=NOW)

    assert await store.agenda.roster_of(session.session_id) == [observer]
    assert await store.agenda.bookings_of(WANG.person_key) == []


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        (RosterEntry(person_key="expert:e1", role=Role.SIGNER, name="W"), "invalid_role"),
        (RosterEntry(person_key="expert:e1", role=Role.REVIEWER, name=""), "missing_name"),
    ],
)
async def test_add_to_roster_refuses_a_bad_entry(
    store: Store, entry: RosterEntry, code: str
) -> None:
    event = await an_event(store)
    session = await a_session(store, event)

    with pytest.raises(DomainError) as caught:
        await agenda.add_to_roster(store, session=session, entry=entry, now=NOW)

    assert caught.value.code == code
    assert await store.agenda.roster_of(session.session_id) == []


async def test_remove_from_roster_releases_the_booking(store: Store) -> None:
    event = await an_event(store)
    session = await a_session(store, event)
    other = await a_session(store, event, "09:30", "10:30")
    await agenda.add_to_roster(store, session=session, entry=WANG, now=NOW)

    await agenda.remove_from_roster(store, session=session, person_key=WANG.person_key, now=NOW)

    assert await store.agenda.roster_of(session.session_id) == []
    assert await store.agenda.sessions_of_person(WANG.person_key) == []
    assert await store.agenda.bookings_of(WANG.person_key) == []
    assert await agenda.add_to_roster(store, session=other, entry=WANG, now=NOW) == WANG


async def test_remove_from_roster_of_someone_absent_is_not_found(store: Store) -> None:
    event = await an_event(store)
    session = await a_session(store, event)

    with pytest.raises(NotFound):
        await agenda.remove_from_roster(store, session=session, person_key="guest:x@y.z", now=NOW)


async def test_update_session_refuses_a_move_that_would_double_book(store: Store) -> None:
    event = await an_event(store)
    first = await a_session(store, event, "09:00", "10:00", title="Morning panel")
    second = await a_session(store, event, "11:00", "12:00")
    zhao = RosterEntry(person_key="account:a9", role=Role.HOST, name="Zhao Lei")
    await agenda.add_to_roster(store, session=first, entry=WANG, now=NOW)
    await agenda.add_to_roster(store, session=second, entry=zhao, now=NOW)
    await agenda.add_to_roster(store, session=second, entry=WANG, now=NOW)
    before = await snapshot(store)

    with pytest.raises(Conflict) as caught:
        await agenda.update_session(
            store, session=second, fields={"start": "2026-05-01T09:30"}, now=LATER
        )

    assert caught.value.code == "double_booked"
    assert caught.value.message == "Wang Fang is already booked at that time, for “Morning panel”."
    assert await snapshot(store) == before


async def test_update_session_may_move_onto_a_time_only_attendees_share(store: Store) -> None:
    event = await an_event(store)
    first = await a_session(store, event, "09:00", "10:00", kind="meeting")
    second = await a_session(store, event, "11:00", "12:00", kind="meeting")
    li = RosterEntry(person_key="guest:li@example.org", role=Role.ATTENDEE, name="Li")
    await agenda.add_to_roster(store, session=first, entry=li, now=NOW)
    await agenda.add_to_roster(store, session=second, entry=li, now=NOW)

    moved = await agenda.update_session(
        store, session=second, fields={"start": "2026-05-01T09:30"}, now=LATER
    )

    assert moved.start == utc("2026-05-01T01:30")

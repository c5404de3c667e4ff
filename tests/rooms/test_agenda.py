"""rooms.agenda: events, sessions and roster entries from plain field values."""

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from rooms.agenda import (
    Event,
    PersonType,
    RosterEntry,
    Session,
    Visibility,
    cancel,
    check_capacity,
    check_entry,
    check_role,
    local_span,
    new_event,
    new_session,
    person_key,
    revise_event,
    revise_session,
    split_person_key,
)
from rooms.errors import Conflict, DomainError
from rooms.lifecycle import State
from rooms.roles import Kind, Role

NOW = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)
EVENT_FIELDS: dict[str, object] = {
    "title_zh": "数字经济论坛",
    "title_en": "Digital Economy Forum",
    "description": "Two days of talks.",
    "zone": "Asia/Shanghai",
    "start_date": "2026-05-01",
    "end_date": "2026-05-02",
    "visibility": "public",
}
SESSION_FIELDS: dict[str, object] = {
    "kind": "review",
    "title": "Project review",
    "start": "2026-05-01T09:00",
    "end": "2026-05-01T10:30",
    "capacity": 30,
}


def an_event(**changes: object) -> Event:
    fields = {**EVENT_FIELDS, **changes}
    return new_event(event_id="ev1", org_id="org1", organizer="account:a1", fields=fields, now=NOW)


def a_session(event: Event | None = None, **changes: object) -> Session:
    fields = {**SESSION_FIELDS, **changes}
    return new_session(session_id="s1", event=event or an_event(), fields=fields, now=NOW)


def code_of(call: Callable[[], object]) -> str:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


# people -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person_type", "ident", "expected"),
    [
        (PersonType.ACCOUNT, "a1", "account:a1"),
        (PersonType.EXPERT, " e7 ", "expert:e7"),
        (PersonType.GUEST, "Li.Wei@Example.ORG", "guest:li.wei@example.org"),
    ],
)
def test_person_key_names_a_person(person_type: PersonType, ident: str, expected: str) -> None:
    assert person_key(person_type, ident) == expected
    assert split_person_key(expected) == (person_type, expected.partition(":")[2])


@pytest.mark.parametrize("key", ["robot:1", "a1", ""])
def test_split_person_key_refuses_an_unknown_kind_of_person(key: str) -> None:
    with pytest.raises(DomainError):
        split_person_key(key)


def test_person_key_refuses_an_empty_ident() -> None:
    with pytest.raises(DomainError):
        person_key(PersonType.GUEST, "  ")


def test_check_role_refuses_a_role_the_kind_lacks() -> None:
    with pytest.raises(DomainError) as caught:
        check_role(Kind.CLASS, Role.REVIEWER)

    assert caught.value.code == "invalid_role"
    assert caught.value.message == (
        "A class session has no reviewer role; "
        "choose one of: host, cohost, presenter, attendee, observer."
    )


@pytest.mark.parametrize("capacity", [1, 10_000])
def test_check_capacity_accepts_1_to_10000(capacity: int) -> None:
    assert check_capacity(capacity) is None


@pytest.mark.parametrize("capacity", [-1, 0, 10_001])
def test_check_capacity_refuses_anything_else(capacity: int) -> None:
    assert code_of(lambda: check_capacity(capacity)) == "invalid_capacity"


# events -------------------------------------------------------------------------------


def test_new_event_takes_its_fields() -> None:
    event = an_event()

    assert event == Event(
        event_id="ev1",
        org_id="org1",
        title_zh="数字经济论坛",
        title_en="Digital Economy Forum",
        description="Two days of talks.",
        zone="Asia/Shanghai",
        start_date=date(2026, 5, 1),
        end_date=date(2026, 5, 2),
        visibility=Visibility.PUBLIC,
        organizer="account:a1",
        created_at=NOW,
        updated_at=NOW,
        sequence=0,
    )


def test_new_event_is_unlisted_unless_told_otherwise() -> None:
    fields = {k: v for k, v in EVENT_FIELDS.items() if k != "visibility"}

    event = new_event(event_id="ev1", org_id="o", organizer="a", fields=fields, now=NOW)

    assert event.visibility is Visibility.UNLISTED


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"zone": "Mars/Base"}, "invalid_zone"),
        ({"zone": "/etc/localtime"}, "invalid_zone"),
        ({"zone": None}, "invalid_zone"),
        ({"start_date": "2026-05-03"}, "invalid_time"),
        ({"end_date": "2026-02-30"}, "invalid_time"),
        ({"title_zh": "", "title_en": " "}, "missing_title"),
        ({"title_en": "x" * 201}, "invalid_length"),
        ({"title_en": 5}, "invalid_field"),
        ({"visibility": "secret"}, "invalid_visibility"),
    ],
)
def test_new_event_refuses_bad_fields(changes: dict[str, object], code: str) -> None:
    assert code_of(lambda: an_event(**changes)) == code


def test_revise_event_bumps_the_sequence_when_something_changes() -> None:
    event = an_event()

    revised = revise_event(event, fields={"title_en": "Forum"}, sessions=[], now=LATER)

    assert revised == replace(event, title_en="Forum", sequence=1, updated_at=LATER)


def test_revise_event_returns_the_same_event_when_nothing_changes() -> None:
    event = an_event()

    assert (
        revise_event(event, fields={"title_en": " Digital Economy Forum "}, sessions=[], now=LATER)
        is event
    )


def test_revise_event_refuses_a_new_zone_once_it_has_sessions() -> None:
    event = an_event()

    with pytest.raises(Conflict) as caught:
        revise_event(
            event, fields={"zone": "Europe/Berlin"}, sessions=[a_session(event)], now=LATER
        )

    assert caught.value.code == "zone_locked"


def test_revise_event_refuses_dates_that_leave_a_session_outside() -> None:
    event = an_event()
    session = a_session(event)

    with pytest.raises(DomainError) as caught:
        revise_event(event, fields={"start_date": "2026-05-02"}, sessions=[session], now=LATER)

    assert caught.value.code == "outside_event_dates"


def test_revise_event_ignores_cancelled_sessions_outside_new_dates() -> None:
    event = an_event()
    cancelled = cancel(a_session(event), now=NOW)

    revised = revise_event(
        event, fields={"start_date": "2026-05-02"}, sessions=[cancelled], now=LATER
    )

    assert revised.start_date == date(2026, 5, 2)


# sessions -----------------------------------------------------------------------------


def test_new_session_stores_utc_and_the_events_zone() -> None:
    session = a_session()

    assert session == Session(
        session_id="s1",
        event_id="ev1",
        org_id="org1",
        kind=Kind.REVIEW,
        title="Project review",
        description="",
        start=datetime(2026, 5, 1, 1, 0, tzinfo=UTC),
        end=datetime(2026, 5, 1, 2, 30, tzinfo=UTC),
        zone="Asia/Shanghai",
        capacity=30,
        lobby=True,
        lobby_minutes=15,
        recording_allowed=False,
        state=State.SCHEDULED,
        created_at=NOW,
        updated_at=NOW,
        sequence=0,
    )


def test_new_session_takes_form_values_as_text() -> None:
    session = a_session(capacity="12", lobby="off", lobby_minutes="5", recording_allowed="on")

    assert (session.capacity, session.lobby, session.lobby_minutes, session.recording_allowed) == (
        12,
        False,
        5,
        True,
    )


def test_new_session_keeps_the_first_occurrence_of_a_folded_time() -> None:
    event = an_event(zone="America/New_York", start_date="2026-11-01", end_date="2026-11-01")

    session = a_session(event, start="2026-11-01T01:30", end="2026-11-01T03:00")

    assert (session.start, session.end) == (
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 1, 8, 0, tzinfo=UTC),
    )


NEW_YORK = {"zone": "America/New_York", "start_date": "2026-03-08", "end_date": "2026-03-08"}


@pytest.mark.parametrize(
    ("event_changes", "changes", "code"),
    [
        ({}, {"kind": "party"}, "invalid_kind"),
        ({}, {"kind": None}, "invalid_kind"),
        ({}, {"title": "  "}, "missing_field"),
        ({}, {"start": "soon"}, "invalid_time"),
        ({}, {"start": "2026-05-01T09:00+08:00"}, "invalid_time"),
        ({}, {"end": "2026-05-01T09:00"}, "invalid_span"),
        ({}, {"end": "2026-05-01T08:00"}, "invalid_span"),
        ({}, {"end": "2026-05-02T09:01"}, "invalid_span"),
        ({}, {"start": "2026-04-30T09:00", "end": "2026-04-30T10:00"}, "outside_event_dates"),
        ({}, {"start": "2026-05-03T09:00", "end": "2026-05-03T10:00"}, "outside_event_dates"),
        ({}, {"capacity": 0}, "invalid_capacity"),
        ({}, {"capacity": "many"}, "invalid_field"),
        ({}, {"capacity": True}, "invalid_field"),
        ({}, {"lobby": "maybe"}, "invalid_field"),
        ({}, {"lobby_minutes": 121}, "invalid_lobby_minutes"),
        ({}, {"lobby_minutes": -1}, "invalid_lobby_minutes"),
        (
            NEW_YORK,
            {"start": "2026-03-08T02:30", "end": "2026-03-08T04:00"},
            "nonexistent_local_time",
        ),
    ],
)
def test_new_session_refuses_bad_fields(
    event_changes: dict[str, object], changes: dict[str, object], code: str
) -> None:
    event = an_event(**event_changes)

    assert code_of(lambda: a_session(event, **changes)) == code


def test_new_session_needs_a_start_and_an_end() -> None:
    fields = {k: v for k, v in SESSION_FIELDS.items() if k != "end"}

    assert code_of(
        lambda: new_session(session_id="s", event=an_event(), fields=fields, now=NOW)
    ) == ("missing_field")


def test_new_session_accepts_a_session_of_exactly_24_hours() -> None:
    session = a_session(end="2026-05-02T09:00")

    assert session.end - session.start == timedelta(hours=24)


def test_revise_session_moves_it_and_bumps_the_sequence() -> None:
    event, session = an_event(), a_session()

    revised = revise_session(
        session, event=event, fields={"start": "2026-05-01T10:00"}, roster=[], now=LATER
    )

    assert revised == replace(
        session, start=datetime(2026, 5, 1, 2, 0, tzinfo=UTC), sequence=1, updated_at=LATER
    )


def test_revise_session_returns_the_same_session_when_nothing_changes() -> None:
    event, session = an_event(), a_session()
    fields = {"title": "Project review", "start": "2026-05-01T09:00", "capacity": "30"}

    assert revise_session(session, event=event, fields=fields, roster=[], now=LATER) is session


def test_revise_session_refuses_a_kind_without_a_role_on_the_roster() -> None:
    event, session = an_event(), a_session()
    roster = [RosterEntry(person_key="expert:e1", role=Role.REVIEWER, name="E")]

    with pytest.raises(DomainError) as caught:
        revise_session(session, event=event, fields={"kind": "class"}, roster=roster, now=LATER)

    assert caught.value.code == "invalid_role"


@pytest.mark.parametrize("state", [State.ENDED, State.CANCELLED])
def test_revise_session_refuses_a_session_that_is_over(state: State) -> None:
    event, session = an_event(), replace(a_session(), state=state)

    with pytest.raises(Conflict) as caught:
        revise_session(session, event=event, fields={"title": "New"}, roster=[], now=LATER)

    assert caught.value.code == "session_closed"


def test_revise_session_of_a_live_session_may_move_only_its_end() -> None:
    event, session = an_event(), replace(a_session(), state=State.LIVE)

    longer = revise_session(
        session, event=event, fields={"end": "2026-05-01T11:00"}, roster=[], now=LATER
    )

    assert longer.end == datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
    with pytest.raises(Conflict) as caught:
        revise_session(
            session, event=event, fields={"start": "2026-05-01T08:00"}, roster=[], now=LATER
        )
    assert caught.value.code == "session_live"


def test_revise_session_closes_the_lobby_again_when_the_start_moves_away() -> None:
    event, session = an_event(), replace(a_session(), state=State.OPEN)
    lobby_open = datetime(2026, 5, 1, 0, 50, tzinfo=UTC)

    moved = revise_session(
        session,
        event=event,
        fields={"start": "2026-05-01T14:00", "end": "2026-05-01T15:00"},
        roster=[],
        now=lobby_open,
    )

    assert moved.state is State.SCHEDULED


@pytest.mark.parametrize("state", [State.SCHEDULED, State.OPEN])
def test_cancel_cancels_and_bumps_the_sequence(state: State) -> None:
    session = replace(a_session(), state=state)

    assert cancel(session, now=LATER) == replace(
        session, state=State.CANCELLED, sequence=1, updated_at=LATER
    )


@pytest.mark.parametrize("state", [State.LIVE, State.ENDED, State.CANCELLED])
def test_cancel_refuses_a_session_past_its_start(state: State) -> None:
    with pytest.raises(Conflict) as caught:
        cancel(replace(a_session(), state=state), now=LATER)

    assert caught.value.code == "illegal_transition"


def test_local_span_is_on_the_wall_clock_of_the_zone() -> None:
    start, end = local_span(a_session())

    assert (start.isoformat(), end.isoformat()) == (
        "2026-05-01T09:00:00+08:00",
        "2026-05-01T10:30:00+08:00",
    )


# roster entries -----------------------------------------------------------------------

REVIEWER = RosterEntry(person_key="expert:e1", role=Role.REVIEWER, name="Wang Fang")


def test_check_entry_accepts_a_role_of_the_kind() -> None:
    assert check_entry(a_session(), REVIEWER, now=NOW) is None


@pytest.mark.parametrize(
    ("entry", "session_changes", "code"),
    [
        (replace(REVIEWER, role=Role.SIGNER), {}, "invalid_role"),
        (replace(REVIEWER, person_key="robot:1"), {}, "invalid"),
        (replace(REVIEWER, name=" "), {}, "missing_name"),
        (REVIEWER, {"state": State.CANCELLED}, "session_closed"),
        (REVIEWER, {"state": State.ENDED}, "session_closed"),
    ],
)
def test_check_entry_refuses(
    entry: RosterEntry, session_changes: dict[str, object], code: str
) -> None:
    session = replace(a_session(), **session_changes)  # type: ignore[arg-type]

    assert code_of(lambda: check_entry(session, entry, now=NOW)) == code


def test_check_entry_refuses_a_session_whose_end_has_passed() -> None:
    session = a_session()

    assert code_of(lambda: check_entry(session, REVIEWER, now=session.end)) == "session_closed"

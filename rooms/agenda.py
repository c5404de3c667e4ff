"""Events, their sessions and the people on a session's roster.

Pure rules over plain field values (JSON or a form): ``new_event``, ``revise_event``,
``new_session``, ``revise_session``, ``cancel``, ``check_entry``. Every change a calendar
shows bumps ``sequence`` (iCalendar SEQUENCE); a change that changes nothing returns the
same object, so the caller can skip the write.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from rooms.errors import Conflict, DomainError
from rooms.fields import choice_field, flag_field, text_field, whole_field
from rooms.lifecycle import TERMINAL, State, check_transition, scheduled_state
from rooms.limits import DESCRIPTION_MAX, TITLE_MAX
from rooms.roles import Kind, Role, roles_for
from rooms.timing import (
    check_dates,
    check_span,
    local_to_utc,
    parse_date,
    parse_local,
    parse_zone,
    utc_to_local,
)


class Visibility(StrEnum):
    PUBLIC = "public"
    UNLISTED = "unlisted"


class PersonType(StrEnum):
    ACCOUNT = "account"
    EXPERT = "expert"
    GUEST = "guest"


@dataclass(frozen=True, slots=True)
class Event:
    event_id: str
    org_id: str
    title_zh: str
    title_en: str
    description: str
    zone: str  # IANA name
    start_date: date
    end_date: date
    visibility: Visibility
    organizer: str
    created_at: datetime
    updated_at: datetime
    sequence: int = 0  # bumped on every change that a calendar shows


@dataclass(frozen=True, slots=True)
class Session:
    session_id: str
    event_id: str
    org_id: str
    kind: Kind
    title: str
    description: str
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC
    zone: str  # the event's zone when the session was entered
    capacity: int
    lobby: bool
    lobby_minutes: int
    recording_allowed: bool
    state: State
    created_at: datetime
    updated_at: datetime
    sequence: int = 0


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One person on a session's roster: an account, an expert, or a guest by email."""

    person_key: str  # "account:<id>", "expert:<id>" or "guest:<email>"
    role: Role
    name: str
    email: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def person_key(person_type: PersonType, ident: str) -> str:
    """The one key naming a person across rosters, bookings and calendars."""
    ident = ident.strip()
    if not ident:
        raise DomainError("A person needs an id or an email.")
    if person_type is PersonType.GUEST:
        ident = ident.lower()
    return f"{person_type}:{ident}"


def split_person_key(key: str) -> tuple[PersonType, str]:
    kind, _, ident = key.partition(":")
    try:
        return PersonType(kind), ident
    except ValueError:
        raise DomainError("{key!r} does not name a person.", key=key[:60]) from None


def check_role(kind: Kind, role: Role) -> None:
    if role not in roles_for(kind):
        allowed = ", ".join(roles_for(kind))
        raise DomainError(
            "A {kind} session has no {role} role; choose one of: {allowed}.",
            code="invalid_role",
            kind=str(kind),
            role=str(role),
            allowed=allowed,
        )


def check_capacity(capacity: int) -> None:
    if not 1 <= capacity <= 10_000:
        raise DomainError("Capacity must be between 1 and 10000.", code="invalid_capacity")


def check_entry(session: Session, entry: RosterEntry, *, now: datetime) -> None:
    """May this person join this session's roster in this role?"""
    split_person_key(entry.person_key)
    if not entry.name.strip():
        raise DomainError("A person on a roster needs a name.", code="missing_name")
    check_role(session.kind, entry.role)
    if session.state in TERMINAL or session.end <= now:
        raise Conflict(
            "People cannot join a session that is over or cancelled.", code="session_closed"
        )


# Events -------------------------------------------------------------------------------


def new_event(
    *, event_id: str, org_id: str, organizer: str, fields: Mapping[str, object], now: datetime
) -> Event:
    """An event from the organizer's fields (see _event_values); sequence 0."""
    return Event(
        event_id=event_id,
        org_id=org_id,
        organizer=organizer,
        created_at=now,
        updated_at=now,
        **_event_values(fields),
    )


def revise_event(
    event: Event, *, fields: Mapping[str, object], sessions: Sequence[Session], now: datetime
) -> Event:
    """The event with some fields changed; the same event if nothing changed."""
    values = _event_values({**_event_fields(event), **fields})
    if values["zone"] != event.zone and sessions:
        raise Conflict(
            "This event already has sessions, so its time zone can no longer change.",
            code="zone_locked",
        )
    revised = replace(event, **values)
    if revised == event:
        return event
    for session in sessions:
        if session.state is not State.CANCELLED:
            _check_within(revised, local_span(session)[0])
    return replace(revised, sequence=event.sequence + 1, updated_at=now)


def _event_values(fields: Mapping[str, object]) -> dict[str, Any]:
    start, end = parse_date(fields.get("start_date")), parse_date(fields.get("end_date"))
    check_dates(start, end)
    title_zh = text_field(fields, "title_zh", max_length=TITLE_MAX)
    title_en = text_field(fields, "title_en", max_length=TITLE_MAX)
    if not title_zh and not title_en:
        raise DomainError("An event needs a title, in Chinese or English.", code="missing_title")
    return {
        "title_zh": title_zh,
        "title_en": title_en,
        "description": text_field(fields, "description", max_length=DESCRIPTION_MAX),
        "zone": parse_zone(fields.get("zone")).key,
        "start_date": start,
        "end_date": end,
        "visibility": choice_field(Visibility, fields.get("visibility", "unlisted"), "visibility"),
    }


def _event_fields(event: Event) -> dict[str, object]:
    return {
        "title_zh": event.title_zh,
        "title_en": event.title_en,
        "description": event.description,
        "zone": event.zone,
        "start_date": event.start_date.isoformat(),
        "end_date": event.end_date.isoformat(),
        "visibility": str(event.visibility),
    }


# Sessions -----------------------------------------------------------------------------

MAX_LOBBY_MINUTES = 120


def new_session(
    *,
    session_id: str,
    event: Event,
    fields: Mapping[str, object],
    now: datetime,
    lobby_minutes: int = 15,
) -> Session:
    """A scheduled session of the event; times are wall-clock times in the event's zone."""
    if "start" not in fields or "end" not in fields:
        raise DomainError("A session needs a start and an end.", code="missing_field")
    defaults = {"capacity": 100, "lobby": True, "recording_allowed": False}
    fields = {**defaults, "lobby_minutes": lobby_minutes, **fields}
    values = _session_values(fields, event=event, start=None, end=None)
    return Session(
        session_id=session_id,
        event_id=event.event_id,
        org_id=event.org_id,
        zone=event.zone,
        state=State.SCHEDULED,
        created_at=now,
        updated_at=now,
        **values,
    )


def revise_session(
    session: Session,
    *,
    event: Event,
    fields: Mapping[str, object],
    roster: Sequence[RosterEntry],
    now: datetime,
) -> Session:
    """The session with some fields changed (bumping its sequence); itself if none changed."""
    if session.state in TERMINAL:
        raise Conflict(
            "A session that is {state} can no longer change.",
            code="session_closed",
            state=str(session.state),
        )
    current = {**_session_fields(session), **fields}
    values = _session_values(current, event=event, start=session.start, end=session.end)
    for entry in roster:
        check_role(values["kind"], entry.role)
    if session.state is State.LIVE and values["start"] != session.start:
        raise Conflict("A live session's start cannot change, only its end.", code="session_live")
    revised = replace(session, **values)
    if revised == session:
        return session
    revised = replace(revised, state=_state_after_move(revised, now=now))
    return replace(revised, sequence=session.sequence + 1, updated_at=now)


def cancel(session: Session, *, now: datetime) -> Session:
    """The cancelled session (a change every calendar must show)."""
    check_transition(session.state, State.CANCELLED)
    return replace(session, state=State.CANCELLED, sequence=session.sequence + 1, updated_at=now)


def local_span(session: Session) -> tuple[datetime, datetime]:
    """The session's start and end on the wall clock of its zone."""
    zone = parse_zone(session.zone)
    return utc_to_local(session.start, zone), utc_to_local(session.end, zone)


def _state_after_move(session: Session, *, now: datetime) -> State:
    """A session whose lobby opened goes back to scheduled when it moves further away."""
    clock = scheduled_state(
        start=session.start, end=session.end, lobby_minutes=session.lobby_minutes, now=now
    )
    if session.state is State.OPEN and clock is State.SCHEDULED:
        check_transition(session.state, clock)
        return clock
    return session.state


def _session_values(
    fields: Mapping[str, object], *, event: Event, start: datetime | None, end: datetime | None
) -> dict[str, Any]:
    zone = parse_zone(event.zone)
    start = _instant(fields["start"], zone) if "start" in fields else start
    end = _instant(fields["end"], zone) if "end" in fields else end
    assert start is not None and end is not None  # the callers see to it
    check_span(start, end)
    _check_within(event, utc_to_local(start, zone))
    capacity = whole_field(fields, "capacity")
    check_capacity(capacity)
    return {
        "kind": choice_field(Kind, fields.get("kind"), "kind"),
        "title": text_field(fields, "title", max_length=TITLE_MAX, required=True),
        "description": text_field(fields, "description", max_length=DESCRIPTION_MAX),
        "start": start,
        "end": end,
        "capacity": capacity,
        "lobby": flag_field(fields, "lobby"),
        "lobby_minutes": _lobby_minutes(fields),
        "recording_allowed": flag_field(fields, "recording_allowed"),
    }


def _session_fields(session: Session) -> dict[str, object]:
    """The session's editable fields, apart from its times (kept as UTC instants)."""
    names = ("kind", "title", "description", "capacity", "lobby", "lobby_minutes")
    return {name: getattr(session, name) for name in (*names, "recording_allowed")}


def _instant(text: object, zone: ZoneInfo) -> datetime:
    """A wall-clock time in zone as a UTC instant, to the whole second."""
    return local_to_utc(parse_local(text).replace(microsecond=0), zone)


def _check_within(event: Event, local_start: datetime) -> None:
    day = local_start.date()
    if not event.start_date <= day <= event.end_date:
        raise DomainError(
            "The session starts on {day}, outside the event's dates ({first} to {last}).",
            code="outside_event_dates",
            day=day.isoformat(),
            first=event.start_date.isoformat(),
            last=event.end_date.isoformat(),
        )


def _lobby_minutes(fields: Mapping[str, object]) -> int:
    minutes = whole_field(fields, "lobby_minutes")
    if not 0 <= minutes <= MAX_LOBBY_MINUTES:
        raise DomainError(
            "The lobby opens between 0 and {most} minutes before the start.",
            code="invalid_lobby_minutes",
            most=MAX_LOBBY_MINUTES,
        )
    return minutes

"""Events, their sessions and the people on a session's roster."""

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from rooms.errors import DomainError
from rooms.lifecycle import State
from rooms.roles import Kind, Role, roles_for


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

"""The agenda service: events, sessions and rosters, checked by rooms.agenda and written
atomically by the store (server/store/agenda.py; rosters: server/store/bookings.py).

Every function is async and keyword-only after the store, and raises DomainError
subclasses a user may see. A change is computed from what Redis holds at the moment of
writing (the store retries when someone else wrote first), so the ``event``/``session``
passed in only names what to change.
"""

import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from rooms import agenda as rules
from rooms import roster
from rooms.accounts import of_org
from rooms.agenda import Event, PersonType, RosterEntry, Session
from rooms.errors import Conflict, NotFound
from rooms.roles import Kind, Role
from rooms.timing import TimeError
from server.store import Store
from server.store.bookings import Overlap


def new_id() -> str:
    """A fresh event or session id: 16 hex digits, safe in URLs and keys."""
    return secrets.token_hex(8)


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise TimeError("Expected an aware datetime.")
    return now.astimezone(UTC)


def _no_event(event_id: str) -> NotFound:
    return NotFound("No event {event_id}.", event_id=event_id[:40])


def _no_session(session_id: str) -> NotFound:
    return NotFound("No session {session_id}.", session_id=session_id[:40])


async def load_event(store: Store, event_id: str) -> Event:
    event = await store.agenda.get_event(event_id)
    if event is None:
        raise _no_event(event_id)
    return event


async def load_session(store: Store, session_id: str) -> Session:
    session = await store.agenda.get_session(session_id)
    if session is None:
        raise _no_session(session_id)
    return session


async def own_event(store: Store, event_id: str, *, org_id: str) -> Event:
    """The organization's event; another organization's is not found, as none would be."""
    return of_org(await store.agenda.get_event(event_id), org_id, _no_event(event_id))


async def own_session(store: Store, session_id: str, *, org_id: str) -> Session:
    """The organization's session; another organization's is not found, as none would be."""
    return of_org(await store.agenda.get_session(session_id), org_id, _no_session(session_id))


async def zones_of(store: Store, session_ids: Iterable[str]) -> dict[str, str]:
    """The event zone of each session, by session_id; a session that is gone has none."""
    sessions = await store.agenda.sessions(sorted(set(session_ids)))
    return {session.session_id: session.zone for session in sessions}


def local_times(session: Session) -> tuple[datetime, datetime]:
    """The session's start and end on the wall clock of its event's zone."""
    return rules.local_span(session)


async def create_event(
    store: Store, *, org_id: str, organizer: str, fields: Mapping[str, object], now: datetime
) -> Event:
    event = rules.new_event(
        event_id=new_id(), org_id=org_id, organizer=organizer, fields=fields, now=_utc(now)
    )
    await store.agenda.create_event(event)
    return event


async def update_event(
    store: Store, *, event: Event, fields: Mapping[str, object], now: datetime
) -> Event:
    """Change some of the event's fields (bumping its sequence if anything changed)."""
    at = _utc(now)
    return await store.agenda.change_event(
        event.event_id,
        lambda current, sessions: rules.revise_event(
            current, fields=fields, sessions=sessions, now=at
        ),
    )


async def create_session(
    store: Store,
    *,
    event: Event,
    fields: Mapping[str, object],
    now: datetime,
    lobby_minutes: int = 15,
) -> Session:
    session_id, at = new_id(), _utc(now)
    return await store.agenda.create_session(
        event.event_id,
        lambda current: rules.new_session(
            session_id=session_id, event=current, fields=fields, now=at, lobby_minutes=lobby_minutes
        ),
    )


async def update_session(
    store: Store, *, session: Session, fields: Mapping[str, object], now: datetime
) -> Session:
    """Change some of the session's fields; a change of times re-checks every booked
    person's other sessions and is refused whole (Conflict double_booked) on an overlap."""
    at = _utc(now)
    try:
        return await store.agenda.change_session(
            session.session_id,
            lambda current, event, roster: rules.revise_session(
                current, event=event, fields=fields, roster=roster, now=at
            ),
        )
    except Overlap as overlap:
        raise await _double_booked(store, overlap, session.session_id) from None


async def cancel_session(store: Store, *, session: Session, now: datetime) -> Session:
    """Cancel the session: its bookings are released, the scheduler forgets it."""
    at = _utc(now)
    return await store.agenda.change_session(
        session.session_id, lambda current, _event, _roster: rules.cancel(current, now=at)
    )


async def roster_entry(
    store: Store,
    *,
    org_id: str,
    person_type: PersonType,
    member_id: str = "",
    email: str = "",
    role: Role,
    name: str = "",
) -> RosterEntry:
    """Who would be put on a roster of the organization's, as ``rooms.roster`` decides: a
    guest by ``email``, or an account (by ``member_id``, else by ``email``) or an expert (by
    ``member_id``) of the organization."""
    if person_type is PersonType.GUEST:
        return roster.guest_entry(email=email, role=role, name=name)
    member_id, member = await _member(store, person_type, member_id, email)
    return roster.member_entry(person_type, member_id, member, org_id=org_id, role=role, name=name)


async def _member(
    store: Store, person_type: PersonType, member_id: str, email: str
) -> tuple[str, roster.Member | None]:
    """The id and record of the expert or account named by id, or of an account by e-mail."""
    if person_type is PersonType.EXPERT:
        return member_id, await store.experts.get(member_id) if member_id else None
    if member_id:
        return member_id, await store.accounts.get(member_id)
    account = await store.accounts.by_email(email) if email else None
    return (account.account_id if account else ""), account


async def add_to_roster(
    store: Store, *, session: Session, entry: RosterEntry, now: datetime
) -> RosterEntry:
    """Put a person on the roster (or change their role); Conflict double_booked when a
    booked role would overlap another session of theirs."""
    at = _utc(now)
    try:
        await store.agenda.book(
            session.session_id, entry, lambda current: rules.check_entry(current, entry, now=at)
        )
    except Overlap as overlap:
        raise await _double_booked(store, overlap, session.session_id, entry.name) from None
    if session.kind is Kind.REVIEW:  # a live review's panel follows its roster
        await store.review.changed(session.session_id)
    return entry


async def remove_from_roster(
    store: Store, *, session: Session, person_key: str, now: datetime
) -> None:
    """Take a person off the roster, releasing their booking."""
    if not await store.agenda.unbook(session.session_id, person_key):
        raise NotFound("{person} is not on the roster of this session.", person=person_key[:80])
    if session.kind is Kind.REVIEW:
        await store.review.changed(session.session_id)


async def _double_booked(
    store: Store, overlap: Overlap, session_id: str, name: str = ""
) -> Conflict:
    if not name:
        entry = await store.agenda.roster_entry(session_id, overlap.person_key)
        name = entry.name if entry else overlap.person_key
    other = await store.agenda.get_session(overlap.other_session_id)
    return Conflict(
        "{person} is already booked at that time, for “{other}”.",
        code="double_booked",
        person=name,
        other=other.title if other else overlap.other_session_id,
    )

"""Inviting someone from the investor directory to a session, as an expert is invited: put
on the session's roster (a guest by their e-mail, under their name, with the role chosen),
then given a personal invite, e-mailed when e-mail is on."""

from dataclasses import dataclass
from datetime import datetime

from rooms.agenda import PersonType, Session
from rooms.invites import Invite
from rooms.roles import Role
from server import agenda, invitations
from server.settings import Settings
from server.store import Store


@dataclass(frozen=True, slots=True)
class Invited:
    session: Session
    invite: Invite
    mailed: str  # "sent", "failed", or "" (e-mail off)


async def invite_investor(
    store: Store,
    settings: Settings,
    *,
    org_id: str,
    investor_id: str,
    session_id: str,
    role: Role,
    by: str,
    now: datetime,
) -> Invited:
    """The investor on the session's roster and their personal invite; NotFound for
    another organization's investor or session, Conflict when double-booked."""
    investor = await store.investors.of_org(org_id, investor_id)
    session = await agenda.own_session(store, session_id, org_id=org_id)
    entry = await agenda.roster_entry(
        store,
        org_id=org_id,
        person_type=PersonType.GUEST,
        email=investor.email,
        role=role,
        name=investor.name,
    )
    await agenda.add_to_roster(store, session=session, entry=entry, now=now)
    invite = await invitations.issue_personal_invite(
        store, session=session, person_key=entry.person_key, created_by=by, now=now
    )
    return Invited(session, invite, await invitations.mail_invite(settings, session, invite))


async def upcoming_sessions(store: Store, org_id: str, *, now: datetime) -> list[Session]:
    """The organization's sessions not yet ended nor cancelled, by start."""
    sessions = [
        session
        for event in await store.agenda.events_of_org(org_id)
        for session in await store.agenda.agenda_of(event.event_id)
        if session.end > now and session.state.value not in ("ended", "cancelled")
    ]
    return sorted(sessions, key=lambda s: (s.start, s.session_id))

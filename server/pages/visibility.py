"""What a viewer may see of a session: its roster, and whether its room can be joined.

Staff of the organization that owns a session see the whole roster. Everyone else sees
the people who appear on stage by name (hosts, presenters, signers, witnesses); reviewers
are never shown to them (a review panel is confidential), nor are attendees and observers.
"""

from datetime import datetime
from enum import StrEnum

from rooms.accounts import Account
from rooms.agenda import RosterEntry, Session
from rooms.lifecycle import State
from rooms.roles import Role, roles_for

PUBLIC_ROLES = frozenset({Role.HOST, Role.COHOST, Role.PRESENTER, Role.SIGNER, Role.WITNESS})


class Door(StrEnum):
    """The state of a session page's Join button."""

    OPEN = "open"  # the room is open (lobby) or live: join
    NOT_YET = "not_yet"  # opens at start - lobby minutes
    ENDED = "ended"
    CANCELLED = "cancelled"


def is_staff_of(account: Account | None, org_id: str) -> bool:
    return account is not None and account.org_id == org_id


def visible_roster(
    roster: list[RosterEntry], *, session: Session, staff: bool
) -> list[RosterEntry]:
    """The roster entries this viewer may see, by role (table order) then name."""
    order = {role: rank for rank, role in enumerate(roles_for(session.kind))}
    shown = roster if staff else [entry for entry in roster if entry.role in PUBLIC_ROLES]
    return sorted(shown, key=lambda e: (order.get(e.role, len(order)), e.name.casefold()))


def door_of(session: Session) -> Door:
    if session.state in (State.OPEN, State.LIVE):
        return Door.OPEN
    if session.state is State.CANCELLED:
        return Door.CANCELLED
    if session.state is State.ENDED:
        return Door.ENDED
    return Door.NOT_YET


def is_upcoming(session: Session, now: datetime) -> bool:
    return session.end > now and session.state is not State.CANCELLED

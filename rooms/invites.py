"""Invites: a signed, expiring link admitting one person to one session with one role.

The token in the link names the invite; the invite itself (who, which role, until when,
single-use or not, revoked or not) is a record. This module holds the record and the rules
that admit or refuse it; signing and storage happen at the edge.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from rooms.accounts import check_name, normalize_email
from rooms.agenda import PersonType, Session, check_role, person_key
from rooms.errors import DomainError
from rooms.lifecycle import State
from rooms.roles import Kind, Role

MIN_DAYS = 1
MAX_DAYS = 365


class Refusal(StrEnum):
    """Why an invite does not admit its bearer, one page each."""

    INVALID = "invalid"  # tampered with, or not an invite link at all
    EXPIRED = "expired"
    WRONG_SESSION = "wrong_session"
    REVOKED = "revoked"
    USED = "used"  # a single-use invite already spent
    CANCELLED = "cancelled"  # the session was cancelled
    ENDED = "ended"  # the session is over


class InviteStatus(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"
    USED = "used"


_MESSAGES = {
    Refusal.INVALID: "This invite link is not valid. Check that it was copied completely.",
    Refusal.EXPIRED: "This invite has expired. Ask the organizer for a new one.",
    Refusal.WRONG_SESSION: "This invite is for another session.",
    Refusal.REVOKED: "This invite was withdrawn by the organizer.",
    Refusal.USED: "This invite could be used once, and it has been used already.",
    Refusal.CANCELLED: "The session of this invite was cancelled.",
    Refusal.ENDED: "The session of this invite has ended.",
}


class InviteRefused(DomainError):
    """An invite that does not admit its bearer; ``reason`` says why."""

    def __init__(self, reason: Refusal, *, kind: Kind | None = None) -> None:
        super().__init__(_MESSAGES[reason], code=f"invite_{reason}")
        self.reason = reason
        self.kind = kind  # the kind of the invite's session, when it is known


@dataclass(frozen=True, slots=True)
class Invite:
    invite_id: str
    session_id: str
    role: Role
    name: str
    email: str
    single_use: bool
    created_by: str  # account_id of the staff member who issued it
    created_at: datetime
    expires_at: datetime
    revoked: bool = False
    holder: str = ""  # the rostered person it is for (``expert:<id>``), if any

    @property
    def person_key(self) -> str:
        """The rostered person it was made for; else the guest's key by email if known, else
        a key of its own for this invite."""
        if self.holder:
            return self.holder
        if self.email:
            return person_key(PersonType.GUEST, self.email)
        return f"invite:{self.invite_id}"


def new_invite(
    *,
    invite_id: str,
    session: Session,
    role: Role,
    name: str,
    email: str,
    single_use: bool,
    days: int,
    created_by: str,
    now: datetime,
    holder: str = "",
) -> Invite:
    """A fresh invite to a session that can still be joined, for a role the session has; the
    name and the address (optional) by the site's rules (``check_name``, ``normalize_email``)."""
    check_role(session.kind, role)
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise DomainError(
            "An invite lasts between {low} and {high} days.",
            code="invalid_expiry",
            low=MIN_DAYS,
            high=MAX_DAYS,
        )
    if not name.strip():
        raise DomainError("An invite needs the invited person's name.", code="invalid_name")
    name = check_name(name)
    if session.state in (State.CANCELLED, State.ENDED) or now >= session.end:
        raise DomainError(
            "Invites can only be issued for sessions that have not ended or been cancelled.",
            code="session_over",
        )
    return Invite(
        invite_id=invite_id,
        session_id=session.session_id,
        role=role,
        name=name,
        email=normalize_email(email) if email.strip() else "",
        single_use=single_use,
        created_by=created_by,
        created_at=now,
        expires_at=now + timedelta(days=days),
        holder=holder,
    )


def refusal(
    invite: Invite, *, session: Session, named_session_id: str | None, spent: bool, now: datetime
) -> Refusal | None:
    """Why this invite does not admit its bearer now, or None when it does.

    ``named_session_id`` is the session the request names (URL or join request), if any;
    ``spent`` says whether a single-use invite has been used already.
    """
    if named_session_id is not None and named_session_id != invite.session_id:
        return Refusal.WRONG_SESSION
    if invite.revoked:
        return Refusal.REVOKED
    if now >= invite.expires_at:
        return Refusal.EXPIRED
    if session.state is State.CANCELLED:
        return Refusal.CANCELLED
    if session.state is State.ENDED or now >= session.end:
        return Refusal.ENDED
    if invite.single_use and spent:
        return Refusal.USED
    return None


def check_admission(
    invite: Invite, *, session: Session, named_session_id: str | None, spent: bool, now: datetime
) -> None:
    """Raise InviteRefused unless the invite admits its bearer now."""
    reason = refusal(
        invite, session=session, named_session_id=named_session_id, spent=spent, now=now
    )
    if reason is not None:
        raise InviteRefused(reason, kind=session.kind)


def status_of(invite: Invite, *, spent: bool, now: datetime) -> InviteStatus:
    """What the organizer sees in the list of a session's invites."""
    if invite.revoked:
        return InviteStatus.REVOKED
    if invite.single_use and spent:
        return InviteStatus.USED
    if now >= invite.expires_at:
        return InviteStatus.EXPIRED
    return InviteStatus.ACTIVE

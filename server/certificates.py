"""Attendance rolled up per event and person, certificate thresholds, and issuing
certificates of attendance (``rooms.certificates``).

An event's attendance is read from each session's attendance stream and summed by
``rooms.attendance.totals`` (until ``now`` for those still present), then rolled up per
person. A certificate is issued only to a person whose record reaches the scope's threshold,
once per person and scope (``server.store.certificates``); it keeps what it certifies as of
then. Its verification page is public, at an unguessable id.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from rooms.agenda import Event, Session
from rooms.attendance import totals
from rooms.certificates import (
    AttendanceRecord,
    Certificate,
    Scope,
    covered,
    earned,
    roll_up,
    threshold_minutes,
)
from rooms.errors import DomainError, Forbidden, NotFound
from rooms.invites import Invite, InviteRefused, Refusal
from rooms.lifecycle import State
from server.invitations import read_token
from server.settings import Settings
from server.store import Store

BULK_MAX = 2000  # certificates in one zip (a worker's job)


@dataclass(frozen=True, slots=True)
class EventAttendance:
    """An event's sessions (not cancelled), thresholds and everyone's record."""

    event: Event
    sessions: list[Session]
    records: list[AttendanceRecord]
    event_minutes: int | None
    session_minutes: dict[str, int | None]

    def minutes(self, scope: Scope, scope_id: str) -> int | None:
        return self.event_minutes if scope == Scope.EVENT else self.session_minutes.get(scope_id)

    def earns(self, record: AttendanceRecord, scope: Scope, scope_id: str) -> bool:
        minutes = self.minutes(scope, scope_id)
        return earned(record, scope=scope, scope_id=scope_id, minutes=minutes)

    def awards(self, record: AttendanceRecord) -> list[tuple[Scope, str]]:
        """The certificates the record earns: the event's, then each session's."""
        scopes = [(Scope.EVENT, self.event.event_id)]
        scopes += [(Scope.SESSION, s.session_id) for s in self.sessions]
        return [
            (scope, scope_id) for scope, scope_id in scopes if self.earns(record, scope, scope_id)
        ]

    def record_of(self, person_key: str) -> AttendanceRecord | None:
        return next((r for r in self.records if r.person_key == person_key), None)

    def earners(self, scope: Scope, scope_id: str) -> list[AttendanceRecord]:
        return [r for r in self.records if self.earns(r, scope, scope_id)]


async def event_attendance(store: Store, event: Event, *, now: datetime) -> EventAttendance:
    sessions = [
        s for s in await store.agenda.agenda_of(event.event_id) if s.state != State.CANCELLED
    ]
    per_session = []
    for session in sessions:
        passages = await store.attendance.passages(session.session_id)
        per_session.append((session.session_id, session.title, totals(passages, until=now)))
    thresholds = await store.certificates.thresholds(
        Scope.SESSION, [s.session_id for s in sessions]
    )
    return EventAttendance(
        event=event,
        sessions=sessions,
        records=roll_up(per_session),
        event_minutes=await store.certificates.threshold(Scope.EVENT, event.event_id),
        session_minutes=thresholds,
    )


def scope_of(attendance: EventAttendance, scope: str, scope_id: str) -> Scope:
    """A scope named in a URL, if it is this event or one of its sessions; else NotFound."""
    if scope == Scope.EVENT and scope_id == attendance.event.event_id:
        return Scope.EVENT
    if scope == Scope.SESSION and any(s.session_id == scope_id for s in attendance.sessions):
        return Scope.SESSION
    raise NotFound("There is no such session or event.")


async def set_threshold(store: Store, *, scope: Scope, scope_id: str, text: str) -> int | None:
    """Set (or, empty, clear) the active minutes a certificate of that scope needs."""
    minutes = threshold_minutes(text)
    await store.certificates.set_threshold(scope, scope_id, minutes)
    return minutes


async def issue(
    store: Store,
    attendance: EventAttendance,
    *,
    scope: Scope,
    scope_id: str,
    person_key: str,
    now: datetime,
) -> Certificate:
    """The person's certificate of that scope: issued now if they earned it and have none;
    Forbidden if they did not earn it."""
    record = attendance.record_of(person_key)
    if record is None or not attendance.earns(record, scope, scope_id):
        raise Forbidden(
            "No certificate: the attendance does not reach the threshold.", code="not_earned"
        )
    event = attendance.event
    org = await store.accounts.get_org(event.org_id)
    sittings = covered(record, scope=scope, scope_id=scope_id)
    certificate = Certificate(
        certificate_id=secrets.token_urlsafe(18),
        number="",
        scope=scope,
        scope_id=scope_id,
        person_key=record.person_key,
        name=record.name,
        org_name_zh=org.name_zh if org else "",
        org_name_en=org.name_en if org else "",
        event_title_zh=event.title_zh,
        event_title_en=event.title_en,
        sessions=tuple(s.title for s in sittings),
        active_seconds=sum(s.active_seconds for s in sittings),
        issued_at=now,
        zone=event.zone,
    )
    return await store.certificates.issue(certificate)


async def issue_all(
    store: Store, attendance: EventAttendance, *, scope: Scope, scope_id: str, now: datetime
) -> list[Certificate]:
    """Every certificate of that scope, issuing those not yet issued; refused beyond
    BULK_MAX."""
    earners = attendance.earners(scope, scope_id)
    if len(earners) > BULK_MAX:
        raise DomainError(
            "Too many certificates for one download (at most {most}).",
            code="too_many",
            most=BULK_MAX,
        )
    return [
        await issue(
            store, attendance, scope=scope, scope_id=scope_id, person_key=r.person_key, now=now
        )
        for r in earners
    ]


def verification_url(settings: Settings, certificate: Certificate) -> str:
    return f"{settings.base_url}/certificates/{certificate.certificate_id}"


async def verified(store: Store, certificate_id: str) -> Certificate:
    """The certificate of a verification link; NotFound for an unknown id."""
    certificate = None
    if 0 < len(certificate_id) <= 64:
        certificate = await store.certificates.get(certificate_id)
    if certificate is None:
        raise NotFound("There is no certificate with that number.")
    return certificate


async def invite_holder(store: Store, settings: Settings, *, token: str, now: datetime) -> Invite:
    """The invite of a genuine, unrevoked link, after its session too (an attendee reads
    their record and fetches their certificate once it is over); InviteRefused otherwise."""
    claim = read_token(settings, token, now=now)
    invite = await store.invites.get(claim.invite_id)
    if invite is None or (invite.session_id, str(invite.role)) != (claim.session_id, claim.role):
        raise InviteRefused(Refusal.INVALID)
    if invite.revoked:
        raise InviteRefused(Refusal.REVOKED)
    return invite

"""Issuing and admitting invites: signed tokens, the rules of rooms.invites, the store.

A token is an itsdangerous URL-safe timed signature (salt "invite", key from the settings)
over ``{"i": invite_id, "s": session_id, "r": role}``, stamped with the invite's creation
time. It cannot be forged or altered, and no token is honoured past ``MAX_DAYS`` whatever
Redis says; the invite's own expiry, revocation and single use live in Redis.
Signing uses the invite's creation time, so an invite's token can be shown again later.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from aiohttp_session import get_session
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from rooms.agenda import Session
from rooms.errors import NotFound
from rooms.invites import (
    MAX_DAYS,
    MIN_DAYS,
    Invite,
    InviteRefused,
    InviteStatus,
    Refusal,
    check_admission,
    new_invite,
    status_of,
)
from rooms.roles import Role
from server.agenda import load_session
from server.mailer import Mailer
from server.settings import Settings
from server.store import Store
from server.store.invites import new_invite_id

SALT = "invite"
WEB_SESSION_KEY = "invites"  # the web session's list of accepted invites
MAX_REMEMBERED = 20  # a web session keeps this many, the latest
CLOCK_SKEW = timedelta(minutes=5)  # how far ahead of the reader's clock a token may be stamped


class _ClockedSigner(TimestampSigner):
    """A TimestampSigner that reads the given time instead of the system clock."""

    def __init__(self, *args: Any, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.now = now

    def get_timestamp(self) -> int:
        return int(self.now.timestamp())


def _serializer(settings: Settings, now: datetime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        settings.secret_key, salt=SALT, signer=_ClockedSigner, signer_kwargs={"now": now}
    )


@dataclass(frozen=True, slots=True)
class Claim:
    """What a token that passed its signature check says."""

    invite_id: str
    session_id: str
    role: str


def sign_invite(settings: Settings, invite: Invite) -> str:
    payload = {"i": invite.invite_id, "s": invite.session_id, "r": str(invite.role)}
    return _serializer(settings, invite.created_at).dumps(payload)


def read_token(settings: Settings, token: str, *, now: datetime) -> Claim:
    """The token's claim; InviteRefused INVALID if tampered with, EXPIRED if too old. A
    token stamped up to ``CLOCK_SKEW`` ahead of ``now`` is read as fresh: a process whose
    clock is ahead of this one's issued it (itsdangerous calls any age below zero expired);
    ``MAX_DAYS`` holds to the second all the same."""
    skew = int(CLOCK_SKEW.total_seconds())
    try:
        data = _serializer(settings, now + CLOCK_SKEW).loads(token, max_age=MAX_DAYS * 86400 + skew)
    except SignatureExpired:
        raise InviteRefused(Refusal.EXPIRED) from None
    except BadSignature:
        raise InviteRefused(Refusal.INVALID) from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in "isr"):
        raise InviteRefused(Refusal.INVALID)
    return Claim(invite_id=data["i"], session_id=data["s"], role=data["r"])


def invite_url(settings: Settings, token: str) -> str:
    return f"{settings.base_url}/invite/{token}"


async def issue_invite(
    store: Store,
    *,
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
    """A new invite; ``holder``: the rostered person it is for (an expert's key), who then
    enters as themselves, not as a guest by e-mail."""
    invite = new_invite(
        invite_id=new_invite_id(),
        session=session,
        role=role,
        name=name,
        email=email,
        single_use=single_use,
        days=days,
        created_by=created_by,
        now=now,
        holder=holder,
    )
    await store.invites.create(invite)
    return invite


def personal_days(session: Session, *, now: datetime) -> int:
    """How long a personal invite lasts: until a day after the session ends."""
    days = (session.end - now).days + 2
    return max(MIN_DAYS, min(MAX_DAYS, days))


async def issue_personal_invite(
    store: Store, *, session: Session, person_key: str, created_by: str, now: datetime
) -> Invite:
    """The invite of someone on the roster, made from their entry (role, name, e-mail) with
    no typing: reusable, lasting until after the session, admitting them as themselves
    (``Invite.holder``: an expert is ``expert:<id>`` in the room as on the roster)."""
    entry = await store.agenda.roster_entry(session.session_id, person_key)
    if entry is None:
        raise NotFound("{person} is not on the roster of this session.", person=person_key[:80])
    return await issue_invite(
        store,
        session=session,
        role=entry.role,
        name=entry.name,
        email=entry.email,
        single_use=False,
        days=personal_days(session, now=now),
        created_by=created_by,
        now=now,
        holder=entry.person_key,
    )


async def open_invite(
    store: Store,
    settings: Settings,
    *,
    token: str,
    now: datetime,
    session_id: str | None = None,
) -> tuple[Invite, Session]:
    """The invite and its session if the token admits its bearer now (nothing is spent).

    ``session_id`` is the session the request names, if it names one.
    """
    claim = read_token(settings, token, now=now)
    invite = await store.invites.get(claim.invite_id)
    if invite is None or (invite.session_id, str(invite.role)) != (claim.session_id, claim.role):
        raise InviteRefused(Refusal.INVALID)
    try:
        session = await load_session(store, invite.session_id)
    except NotFound:
        raise InviteRefused(Refusal.CANCELLED) from None
    spent = bool(await store.invites.spent([invite.invite_id]))
    check_admission(invite, session=session, named_session_id=session_id, spent=spent, now=now)
    return invite, session


async def accept_invite(
    store: Store,
    settings: Settings,
    *,
    token: str,
    now: datetime,
    session_id: str | None = None,
) -> tuple[Invite, Session]:
    """Admit the bearer: as open_invite, and a single-use invite is spent here, atomically."""
    invite, session = await open_invite(
        store, settings, token=token, now=now, session_id=session_id
    )
    if invite.single_use and not await store.invites.spend(invite, now=now):
        raise InviteRefused(Refusal.USED)
    return invite, session


async def mail_invite(settings: Settings, session: Session, invite: Invite) -> str:
    """E-mail an invite's link to its address when e-mail is on: "sent", "failed", or ""
    when there is nothing to do."""
    if not settings.email_enabled or not invite.email:
        return ""
    link = invite_url(settings, sign_invite(settings, invite))
    sent = await Mailer(settings).send_invite(session, to=invite.email, name=invite.name, link=link)
    return "sent" if sent else "failed"


@dataclass(frozen=True, slots=True)
class Listed:
    """An invite as its organizer sees it in a list."""

    invite: Invite
    status: InviteStatus


async def invites_of(store: Store, *, session: Session, now: datetime) -> list[Listed]:
    """The session's invites with their status, oldest first."""
    invites = await store.invites.of_session(session.session_id)
    spent = await store.invites.spent([i.invite_id for i in invites])
    return [Listed(i, status_of(i, spent=i.invite_id in spent, now=now)) for i in invites]


async def revoke_invite(store: Store, *, session: Session, invite_id: str) -> Invite:
    """Revoke one of the session's invites; NotFound if it is not the session's."""
    invite = await store.invites.get(invite_id)
    if invite is None or invite.session_id != session.session_id:
        raise NotFound("No invite {invite_id} in this session.", invite_id=invite_id[:40])
    await store.invites.revoke(invite_id)
    return replace(invite, revoked=True)


async def remember(request: web.Request, invite: Invite) -> None:
    """Note in the bearer's web session that this invite admitted them (one per session)."""
    web_session = await get_session(request)
    accepted = [
        a for a in web_session.get(WEB_SESSION_KEY, []) if a["session_id"] != invite.session_id
    ]
    accepted.append(
        {
            "invite_id": invite.invite_id,
            "session_id": invite.session_id,
            "role": str(invite.role),
            "name": invite.name,
            "person_key": invite.person_key,
        }
    )
    web_session[WEB_SESSION_KEY] = accepted[-MAX_REMEMBERED:]


async def accepted_invites(request: web.Request) -> list[dict[str, str]]:
    """The invites this browser accepted: invite_id, session_id, role, name, person_key."""
    web_session = await get_session(request)
    return list(web_session.get(WEB_SESSION_KEY, []))

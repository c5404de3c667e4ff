"""Who is connecting to a room: decided by the server alone, at ``connect``.

The Socket.IO ``auth`` object only names the session, an invite token, a guest's display
name and a language. Everything else comes from the HTTP request of the connection (the
login cookie's web session). The order:

1. the roster entry of the signed-in account (its role; a host by account is the owner);
2. staff of the session's organization: host, owner;
3. an invite this browser accepted (web session), or the ``invite`` token: its role;
4. an anonymous guest if the event is public and the kind takes walk-in guests
   (``rooms.kinds.guest_role``: as attendees; never in a review):
   the person key kept in the browser's web session (the room page sets it), else the one a
   ``rejoin`` token names (the server hands it out in ``joined``; a client without cookies
   sends it back in ``auth.rejoin`` so its reconnects are one person), else a new one;
5. refused.

A participant_id is an HMAC of the session and the person key under the site's secret: the
same person gets the same id in a session, and it reveals nothing about them.
"""

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from aiohttp import web
from aiohttp_session import get_session
from itsdangerous import BadSignature, URLSafeTimedSerializer

from rooms.agenda import PersonType, Session, Visibility, person_key
from rooms.errors import Conflict, DomainError, Forbidden
from rooms.invites import Invite, refusal
from rooms.kinds import guest_role
from rooms.lifecycle import State
from rooms.limits import NAME_MAX
from rooms.outbox import Person
from rooms.roles import Role
from rooms.timing import parse_zone, utc_to_local
from server import i18n
from server.agenda import load_session
from server.appkeys import SETTINGS, STORE
from server.auth import client_address, current_account
from server.guests import GUEST_KEY, is_guest_key, new_guest_key
from server.invitations import accept_invite, accepted_invites
from server.realtime.payloads import invalid

AUTH_TEXT_MAX = 2000
USER_AGENT_MAX = 512  # characters of a User-Agent kept
REJOIN_SECONDS = 2 * 24 * 3600  # a rejoin token outlives any session (24 h at most)


@dataclass(frozen=True, slots=True)
class Arrival:
    person: Person
    session: Session


def participant_id(secret_key: str, session_id: str, person_key: str) -> str:
    message = f"{session_id}\n{person_key}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:16]


def auth_text(auth: object, name: str) -> str | None:
    """One text field of the ``auth`` object, or None when absent."""
    value = auth.get(name) if isinstance(auth, dict) else None
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > AUTH_TEXT_MAX:
        raise invalid("{field} must be text.", field=name)
    return value


def client_of(request: web.Request) -> dict[str, str]:
    """Where a connection comes from, as a signing log records it: its address (a trusted
    proxy's X-Forwarded-For believed) and its browser's User-Agent."""
    return {
        "ip": client_address(request) or "",
        "user_agent": request.headers.get("User-Agent", "")[:USER_AGENT_MAX],
    }


def language_of(request: web.Request, auth: object) -> str:
    """auth.lang, else the lang cookie, else Accept-Language, else English."""
    wanted = auth.get("lang") if isinstance(auth, dict) else None
    lang = i18n.normalize(wanted) if isinstance(wanted, str) else None
    return lang or i18n.language(request)


def check_door(session: Session, *, now: datetime) -> None:
    """Refuse a room whose session is not open now, saying when it opens."""
    if session.state is State.CANCELLED:
        raise Conflict("This session was cancelled.", code="session_cancelled")
    if session.state is State.ENDED or now >= session.end:
        raise Conflict("This session has ended.", code="session_ended")
    opens = session.start - timedelta(minutes=session.lobby_minutes)
    if now < opens:
        local = utc_to_local(opens, parse_zone(session.zone))
        raise Conflict(
            "This room opens at {opens} ({zone}).",
            code="session_not_open",
            opens=f"{local:%Y-%m-%d %H:%M}",
            zone=session.zone,
        )


def _rejoin_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="room-rejoin")


def rejoin_token(secret_key: str, session_id: str, person_key: str) -> str:
    """What lets a cookie-less guest come back as the same person to this session."""
    return _rejoin_serializer(secret_key).dumps([session_id, person_key])


def _rejoining(secret_key: str, session_id: str, token: str | None) -> str | None:
    """The guest's person key a rejoin token names, if it is genuine and for this session."""
    if not token:
        return None
    try:
        named = _rejoin_serializer(secret_key).loads(token, max_age=REJOIN_SECONDS)
    except BadSignature:
        return None
    if not (isinstance(named, list) and len(named) == 2 and named[0] == session_id):
        return None
    key = named[1]
    return key if is_guest_key(key) else None


async def _guest_key(request: web.Request, session_id: str, rejoin: str | None) -> str:
    key = (await get_session(request)).get(GUEST_KEY)
    if is_guest_key(key):
        return str(key)
    secret = request.app[SETTINGS].secret_key
    return _rejoining(secret, session_id, rejoin) or new_guest_key()


def _guest_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_MAX:
        raise DomainError(
            "Enter your name (at most {most} characters) to join.",
            code="name_required",
            most=NAME_MAX,
        )
    return name


async def _accepted(request: web.Request, session: Session, now: datetime) -> Invite | None:
    """The invite to this session this browser accepted, if it still admits."""
    store = request.app[STORE]
    for noted in await accepted_invites(request):
        if noted.get("session_id") != session.session_id:
            continue
        invite = await store.invites.get(str(noted.get("invite_id", "")))
        if invite is not None and invite.session_id == session.session_id:
            reason = refusal(invite, session=session, named_session_id=None, spent=False, now=now)
            return invite if reason is None else None
    return None


async def _invited(
    request: web.Request, session: Session, token: str | None, now: datetime
) -> Invite | None:
    invite = await _accepted(request, session, now)
    if invite is not None or token is None:
        return invite
    app = request.app
    invite, _ = await accept_invite(
        app[STORE], app[SETTINGS], token=token, now=now, session_id=session.session_id
    )
    return invite


async def resolve(
    request: web.Request,
    session: Session,
    *,
    token: str | None,
    name: str | None,
    now: datetime,
    rejoin: str | None = None,
) -> Person:
    """Who the request's browser is in this session (Forbidden ``not_allowed`` if nobody)."""
    store, secret = request.app[STORE], request.app[SETTINGS].secret_key

    def person(key: str, name: str, role: Role, owner: bool = False) -> Person:
        pid = participant_id(secret, session.session_id, key)
        return Person(person_key=key, participant_id=pid, name=name, role=role, owner=owner)

    account = await current_account(request)
    if account is not None:
        key = person_key(PersonType.ACCOUNT, account.account_id)
        entry = await store.agenda.roster_entry(session.session_id, key)
        if entry is not None:
            return person(key, entry.name, entry.role, owner=entry.role is Role.HOST)
        if account.org_id == session.org_id:
            return person(key, account.name, Role.HOST, owner=True)
    invite = await _invited(request, session, token, now)
    if invite is not None:
        return person(invite.person_key, invite.name, invite.role)
    event = await store.agenda.get_event(session.event_id)
    public = event is not None and event.visibility is Visibility.PUBLIC
    walk_in = guest_role(session.kind, public=public)
    if walk_in is not None:
        if account is not None:
            own = person_key(PersonType.ACCOUNT, account.account_id)
            return person(own, account.name, walk_in)
        key = await _guest_key(request, session.session_id, rejoin)
        guest = person(key, _guest_name(name), walk_in)
        return replace(guest, rejoin_token=rejoin_token(secret, session.session_id, key))
    raise Forbidden("This room is only for the people invited to it.", code="not_allowed")


async def arrive(request: web.Request, *, auth: object, now: datetime) -> Arrival:
    """The person connecting and the session they may enter now; DomainError otherwise."""
    session_id = auth_text(auth, "session_id")
    if not session_id:
        raise invalid("Name the session to join: auth.session_id.")
    session = await load_session(request.app[STORE], session_id[:64])
    i18n.about_kind(request, session.kind)  # a refusal from here on names the kind
    check_door(session, now=now)
    token, name, rejoin = (
        auth_text(auth, "invite"),
        auth_text(auth, "name"),
        auth_text(auth, "rejoin"),
    )
    person = await resolve(request, session, token=token, name=name, now=now, rejoin=rejoin)
    return Arrival(person=person, session=session)

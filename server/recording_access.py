"""Who may watch a recording, and the short-lived signed URLs its media is fetched by.

**The watcher** of a request is decided by the server alone, from the browser's own
credentials, in this order (as the room's door, ``server/realtime/identity.py``, decides
who enters; but a recording outlives its session, so an invite counts after it too):

1. a signed-in account of the session's organization: staff;
2. a signed-in account on the session's roster: the session's;
3. the invite link the page was reached by (``/invite/<token>/recordings``), or an invite
   to this session this browser accepted: genuine and not withdrawn (``invite_holder``),
   its expiry and the session's end notwithstanding: the session's;
4. anyone else: the public, who may watch a public replay only (``recordings.library``).

**A signed media URL** ``/recordings/<id>/media/<name>?token=...`` lets the browser's
``<video>`` (and its range requests) fetch one recording's video or chapters for
``MEDIA_SECONDS``: an itsdangerous signature (the settings' secret, salt
``recording-media``) over the recording, the watcher it was made for (an HMAC of their
person key, so the URL names nobody) and its expiry. A forged or altered token, or one of
another recording, is 403; one past its time is 410 Gone, and the page's player asks for a
fresh one. The token is a bearer capability for those minutes, as a cloud store's signed
URL is: whoever holds it may fetch that recording's video until it expires.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from itsdangerous import BadSignature, URLSafeSerializer

from recordings.library import CHAPTERS, MEDIA_SECONDS, Access, may_watch, media_names
from recordings.timeline import Recording
from rooms.agenda import PersonType, Session, person_key
from rooms.errors import Forbidden, NotFound
from rooms.invites import InviteRefused
from server.appkeys import SETTINGS, STORE
from server.auth import current_account
from server.certificates import invite_holder
from server.errors import ApiError
from server.invitations import accepted_invites
from server.recording_library import folder_of
from server.settings import Settings

SALT = "recording-media"
PUBLIC = "public"  # the watcher tag of the public


@dataclass(frozen=True, slots=True)
class Watcher:
    """Who is watching: why they may (None: the public), their person key and name."""

    access: Access | None
    person_key: str = ""
    name: str = ""


@dataclass(frozen=True, slots=True)
class Player:
    """What a page's player is given: signed URLs of one recording, valid until ``expires``."""

    video_url: str
    download_url: str
    chapters_url: str | None
    expires: datetime


NOBODY = Watcher(access=None)


async def _invited(request: web.Request, session: Session, token: str | None) -> Watcher | None:
    """The holder of the given invite link, or of an invite this browser accepted, to this
    session; None when there is neither."""
    store, settings, now = request.app[STORE], request.app[SETTINGS], datetime.now(UTC)
    if token is not None:
        try:
            invite = await invite_holder(store, settings, token=token, now=now)
        except InviteRefused:
            invite = None
        if invite is not None and invite.session_id == session.session_id:
            return Watcher(Access.SESSION, invite.person_key, invite.name)
    for noted in await accepted_invites(request):
        if noted.get("session_id") != session.session_id:
            continue
        invite = await store.invites.get(str(noted.get("invite_id", "")))
        if invite is not None and invite.session_id == session.session_id and not invite.revoked:
            return Watcher(Access.SESSION, invite.person_key, invite.name)
    return None


async def watcher_of(request: web.Request, session: Session, *, token: str | None) -> Watcher:
    """This request's watcher of the session's recordings (``NOBODY``: the public)."""
    account = await current_account(request)
    if account is not None:
        key = person_key(PersonType.ACCOUNT, account.account_id)
        if account.org_id == session.org_id:
            return Watcher(Access.STAFF, key, account.name)
        entry = await request.app[STORE].agenda.roster_entry(session.session_id, key)
        if entry is not None:
            return Watcher(Access.SESSION, key, entry.name)
    return await _invited(request, session, token) or NOBODY


def not_allowed() -> Forbidden:
    return Forbidden("This recording is only for the people of its session.", code="not_allowed")


def check_may_watch(watcher: Watcher, recording: Recording) -> None:
    if not may_watch(watcher.access, recording):
        raise not_allowed()


# signed media URLs


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=SALT)


def watcher_tag(settings: Settings, watcher: Watcher) -> str:
    if watcher.access is None:
        return PUBLIC
    message = f"recording-watcher\n{watcher.person_key}".encode()
    return hmac.new(settings.secret_key.encode(), message, hashlib.sha256).hexdigest()[:16]


def media_token(
    settings: Settings, recording_id: str, watcher: Watcher, *, now: datetime
) -> tuple[str, datetime]:
    """A token for this recording's media and this watcher, and when it expires."""
    expires = now + timedelta(seconds=MEDIA_SECONDS)
    tag = watcher_tag(settings, watcher)
    payload = {"r": recording_id, "w": tag, "e": int(expires.timestamp())}
    return str(_serializer(settings).dumps(payload)), expires


def check_media_token(settings: Settings, token: str, recording_id: str, *, now: datetime) -> str:
    """The watcher tag of a genuine, unexpired token of this recording (``PUBLIC``: made for
    the public): Forbidden (403) if forged, altered or another recording's, ApiError 410
    once it has expired."""
    forged = Forbidden("This link is not valid.", code="invalid_link")
    try:
        data = _serializer(settings).loads(token)
    except BadSignature:
        raise forged from None
    if not isinstance(data, dict) or data.get("r") != recording_id:
        raise forged
    expires, tag = data.get("e"), data.get("w")
    if not isinstance(expires, int) or not isinstance(tag, str):
        raise forged
    if now.timestamp() >= expires:
        raise ApiError(
            410, "link_expired", "This link has expired. Open the recording's page again."
        )
    return tag


def player_of(
    settings: Settings, recording: Recording, watcher: Watcher, *, now: datetime
) -> Player:
    """Signed URLs of the recording's video (to play, to download) and of its chapters, if
    it has them."""
    if recording.video is None:
        raise NotFound("This recording has no video yet.", code="not_ready")
    token, expires = media_token(settings, recording.recording_id, watcher, now=now)
    base = f"/recordings/{recording.recording_id}/media"
    video = f"{base}/{recording.video}?token={token}"
    has_chapters = (folder_of(settings.data_dir, recording) / CHAPTERS).is_file()
    chapters = f"{base}/{CHAPTERS}?token={token}" if has_chapters else None
    return Player(video, f"{video}&download=1", chapters, expires)


def media_path(data_dir: Path, recording: Recording, name: str) -> Path:
    """The file ``name`` of the recording that its media URLs serve; NotFound otherwise."""
    path = folder_of(data_dir, recording) / name
    if name not in media_names(recording) or "/" in name or not path.is_file():
        raise NotFound("There is no such file.", code="file_not_found")
    return path

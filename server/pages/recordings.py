"""The recordings as their watchers meet them: a session's recordings, the player page of
one, the signed media the player fetches, and the fresh signed URLs it asks for.

Two doors lead in, as to a person's attendance (``server/pages/certificates.py``): the
browser's own (``/sessions/{id}/recordings``, ``/recordings/{id}``: a signed-in account, or
an invite this browser accepted), and an invite link's (``/invite/{token}/recordings…``),
which opens after the session too. Who may watch is ``server.recording_access``: staff, the
session's people, and anyone for a public replay; everyone else gets 403. The player page
of a public replay is the replay's public page, linked from its event's page.

The media (``/recordings/{id}/media/{name}?token=…``) is served with range requests
(aiohttp's ``FileResponse``: 206 with ``Content-Range``, 416 for a range outside the file),
only on a genuine token (403) that has not expired (410); a token made for the public stops
working as soon as the replay is unpublished.
"""

from datetime import UTC, datetime

import aiohttp_jinja2
from aiohttp import web

from recordings.library import CHAPTERS, Access, Status, is_public
from rooms.agenda import Session
from rooms.invites import InviteRefused
from server import agenda, recording_library
from server.appkeys import SETTINGS, STORE
from server.auth import client_address
from server.certificates import invite_holder
from server.errors import ApiError
from server.files import content_disposition
from server.pages.invites import refused_page, unstored
from server.recording_access import (
    PUBLIC,
    Watcher,
    check_may_watch,
    check_media_token,
    media_path,
    not_allowed,
    player_of,
    watcher_of,
)
from server.recording_library import Listed, listed, load_recording

RECORDING_STATUS_LABELS = {
    Status.RECORDING: "Recording now",
    Status.COMPOSING: "Video being made",
    Status.READY: "Ready",
}
MEDIA_TYPES = {".mp4": "video/mp4", ".vtt": "text/vtt; charset=utf-8"}
CHUNK_BYTES = 256 * 1024
URLS_PER_MINUTE = 30  # fresh player URLs one client address may ask for (one per expiry)


def duration_label(seconds: int | None) -> str:
    """``1:02:03`` or ``2:03``; ``""`` when not known."""
    if seconds is None:
        return ""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def _token(request: web.Request) -> str | None:
    return request.match_info.get("token")


def _base(request: web.Request, session: Session) -> str:
    """Where this door's list of the session's recordings is."""
    token = _token(request)
    return f"/invite/{token}/recordings" if token else f"/sessions/{session.session_id}/recordings"


async def _session(request: web.Request) -> Session:
    """The session the URL names: by its invite link (InviteRefused if it is not genuine or
    was withdrawn), or by its id."""
    store, token = request.app[STORE], _token(request)
    if token is None:
        return await agenda.load_session(store, request.match_info["session_id"])
    now = datetime.now(UTC)
    invite = await invite_holder(store, request.app[SETTINGS], token=token, now=now)
    return await agenda.load_session(store, invite.session_id)


async def session_recordings(request: web.Request) -> web.StreamResponse:
    """GET /sessions/{session_id}/recordings, /invite/{token}/recordings: the session's
    recordings for this browser (a stranger sees its public replays; with none, a 403)."""
    store = request.app[STORE]
    try:
        session = await _session(request)
    except InviteRefused as refused:
        return refused_page(request, refused)
    watcher = await watcher_of(request, session, token=_token(request))
    items = await recording_library.of_sessions(store, [session])
    if watcher.access is None:
        items = [item for item in items if item.public]
        if not items:
            raise not_allowed()
    context = {
        "session": session,
        "event": await agenda.load_event(store, session.event_id),
        "items": items,
        "base": _base(request, session),
    }
    return unstored(aiohttp_jinja2.render_template("recordings/list.html", request, context))


async def _visible(request: web.Request) -> tuple[Listed, Watcher]:
    """The recording the URL names and this browser's watcher, if they may watch it."""
    store = request.app[STORE]
    recording = await load_recording(store, request.match_info["recording_id"])
    session = await agenda.load_session(store, recording.session_id)
    if _token(request) is not None and (await _session(request)).session_id != session.session_id:
        raise not_allowed()
    watcher = await watcher_of(request, session, token=_token(request))
    check_may_watch(watcher, recording)
    return listed(recording, session), watcher


async def player_page(request: web.Request) -> web.StreamResponse:
    """GET /recordings/{recording_id}, /invite/{token}/recordings/{recording_id}: the player
    (for a public replay, its public page)."""
    try:
        item, watcher = await _visible(request)
    except InviteRefused as refused:
        return refused_page(request, refused)
    settings, now = request.app[SETTINGS], datetime.now(UTC)
    ready = item.status is Status.READY
    player = player_of(settings, item.recording, watcher, now=now) if ready else None
    context = {
        "item": item,
        "event": await agenda.load_event(request.app[STORE], item.session.event_id),
        "player": player,
        "player_json": f"{request.path}/player.json",
        "back": _base(request, item.session) if watcher.access else None,
        "staff": watcher.access is Access.STAFF,
    }
    response = aiohttp_jinja2.render_template("recordings/watch.html", request, context)
    return response if item.public else unstored(response)


async def player_json(request: web.Request) -> web.Response:
    """GET …/{recording_id}/player.json: fresh signed URLs for the page's player (it asks
    when one it holds has expired)."""
    address = client_address(request) or "unknown"
    if await request.app[STORE].recording_library.count_urls(address) > URLS_PER_MINUTE:
        raise ApiError(429, "rate_limited", "You are sending too fast; wait a moment.")
    try:
        item, watcher = await _visible(request)
    except InviteRefused:
        raise not_allowed() from None
    player = player_of(request.app[SETTINGS], item.recording, watcher, now=datetime.now(UTC))
    body = {
        "video": player.video_url,
        "download": player.download_url,
        "chapters": player.chapters_url,
        "expires": player.expires.isoformat(),
    }
    return web.json_response(body, headers={"Cache-Control": "no-store"})


async def media(request: web.Request) -> web.StreamResponse:
    """GET /recordings/{recording_id}/media/{name}?token=…[&download=1]: the video or its
    chapters, with range requests."""
    settings, recording_id = request.app[SETTINGS], request.match_info["recording_id"]
    now = datetime.now(UTC)
    tag = check_media_token(settings, request.query.get("token", ""), recording_id, now=now)
    recording = await load_recording(request.app[STORE], recording_id)
    if tag == PUBLIC and not is_public(recording):
        raise not_allowed()
    name = request.match_info["name"]
    path = media_path(settings.data_dir, recording, name)
    download = request.query.get("download") == "1" and name != CHAPTERS
    shown = f"{recording.title}{path.suffix}" if recording.title else name
    headers = {
        "Content-Type": MEDIA_TYPES.get(path.suffix, "application/octet-stream"),
        "Content-Disposition": content_disposition(shown, attachment=download),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
        "X-Robots-Tag": "noindex",
    }
    return web.FileResponse(path, chunk_size=CHUNK_BYTES, headers=headers)


def setup_recording_pages(app: web.Application) -> None:
    aiohttp_jinja2.get_env(app).globals.update(
        recording_statuses=RECORDING_STATUS_LABELS, duration_label=duration_label
    )
    for base in ("/sessions/{session_id}/recordings", "/invite/{token}/recordings"):
        app.router.add_get(base, session_recordings)
    for one in ("/recordings/{recording_id}", "/invite/{token}/recordings/{recording_id}"):
        app.router.add_get(one, player_page)
        app.router.add_get(f"{one}/player.json", player_json)
    app.router.add_get("/recordings/{recording_id}/media/{name}", media)

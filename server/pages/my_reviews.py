"""A reviewer's own page, "my reviews", reached from their invite link: the upcoming review
panels they are on, the items they may see (without applicants in a blind review; an item
they are conflicted on only as "you have a conflict"), their calendar feed, and a form to
declare a conflict with an item before the session.

The page is the invite's person's (a personal invite names ``expert:<id>``): the token is
checked as the landing page checks it, and nothing is spent. Like every page behind a
secret link it is neither cached nor indexed.
"""

from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from rooms.errors import Conflict, DomainError, Forbidden
from rooms.files import StoredFile
from rooms.invites import Invite, InviteRefused
from rooms.items import ReviewSettings
from rooms.lifecycle import State
from server import i18n, materials, reviews
from server.agenda import load_session
from server.appkeys import SETTINGS, STORE
from server.calendar import feed_url_for
from server.errors import user_message
from server.files import checked_file_response, files_root, viewer_page
from server.invitations import open_invite
from server.pages import forms
from server.pages.invites import refused_page, unstored
from server.pages.public import events_of

TEMPLATE = "my_reviews.html"
REVIEW_MESSAGES = {"declared": "Your conflict was recorded; the chair sees it."}


def _page(token: str) -> str:
    return f"/invite/{token}/reviews"


async def _context(request: web.Request, invite: Invite, *, now: datetime) -> dict[str, Any]:
    store, person = request.app[STORE], invite.person_key
    panels = await reviews.panels_of(store, reviewer=person, now=now)
    sessions = [panel.session for panel in panels]
    files = {}
    for panel in panels:
        files |= await materials.panel_materials(
            store, session=panel.session, items=panel.items, blind=panel.settings.blind
        )
    return {
        "materials": files,
        "token": request.match_info["token"],
        "invite": invite,
        "panels": panels,
        "events_by_id": await events_of(store, sessions),
        "open_for_declaring": {
            s.session_id
            for s in sessions
            if s.state in (State.SCHEDULED, State.OPEN) and now < s.start
        },
        "feed_url": await feed_url_for(store, request.app[SETTINGS], person),
        "done_message": REVIEW_MESSAGES.get(request.query.get("done", ""), ""),
        "form": forms.Form(),
        "error": None,
        "lang_is_zh": i18n.language(request).startswith("zh"),
    }


async def _invite(request: web.Request, now: datetime) -> Invite:
    invite, _session = await open_invite(
        request.app[STORE], request.app[SETTINGS], token=request.match_info["token"], now=now
    )
    return invite


async def my_reviews(request: web.Request) -> web.Response:
    """GET /invite/{token}/reviews: the invite's person's review panels."""
    now = datetime.now(UTC)
    try:
        invite = await _invite(request, now)
    except InviteRefused as refused:
        return refused_page(request, refused)
    context = await _context(request, invite, now=now)
    return unstored(aiohttp_jinja2.render_template(TEMPLATE, request, context))


async def declare_conflict(request: web.Request) -> web.Response:
    """POST /invite/{token}/reviews/conflicts: declare a conflict with one item."""
    now, form = datetime.now(UTC), await forms.read_form(request)
    try:
        invite = await _invite(request, now)
    except InviteRefused as refused:
        return refused_page(request, refused)
    try:
        session = await load_session(request.app[STORE], form["session_id"][:64])
        await reviews.declare_conflict(
            request.app[STORE],
            session=session,
            item_id=form["item_id"],
            reviewer=invite.person_key,
            reason=form["reason"],
            now=now,
        )
    except DomainError as error:
        context = await _context(request, invite, now=now)
        context |= {"form": form, "error": user_message(request, error)}
        status = 409 if isinstance(error, Conflict) else 400
        return unstored(aiohttp_jinja2.render_template(TEMPLATE, request, context, status=status))
    raise web.HTTPSeeOther(
        f"{_page(request.match_info['token'])}?done=declared#session-{session.session_id}"
    )


async def _material(request: web.Request) -> tuple[StoredFile, ReviewSettings]:
    invite = await _invite(request, datetime.now(UTC))
    return await materials.reviewer_material(
        request.app[STORE], person_key=invite.person_key, file_id=request.match_info["file_id"]
    )


async def view_material(request: web.Request) -> web.Response:
    """GET /invite/{token}/reviews/materials/{file_id}: the material in the viewer."""
    try:
        stored, settings = await _material(request)
    except InviteRefused as refused:
        return refused_page(request, refused)
    base = f"{_page(request.match_info['token'])}/materials/{stored.file_id}"
    download = f"{base}/file?download=1" if settings.downloads_allowed else None
    back = f"{_page(request.match_info['token'])}#session-{stored.scope_id}"
    response = viewer_page(
        request,
        stored,
        file_url=f"{base}/file",
        download_url=download,
        back_url=back,
        downloadable=settings.downloads_allowed,
    )
    return unstored(response)


async def material_file(request: web.Request) -> web.StreamResponse:
    """GET …/materials/{file_id}/file: its bytes, with ranges; ``?download=1`` only where
    the chair allows downloads."""
    try:
        stored, settings = await _material(request)
    except InviteRefused:
        raise web.HTTPNotFound() from None
    attachment = request.query.get("download") == "1"
    if attachment and not settings.downloads_allowed:
        raise Forbidden(
            "The chair does not allow downloading this review's materials.", code="no_downloads"
        )
    return checked_file_response(files_root(request.app[SETTINGS]), stored, attachment=attachment)


def setup_my_reviews(app: web.Application) -> None:
    app.router.add_get("/invite/{token}/reviews", my_reviews, name="my_reviews")
    base = "/invite/{token}/reviews/materials/{file_id}"
    app.router.add_get(base, view_material, name="my_reviews_material")
    app.router.add_get(f"{base}/file", material_file, name="my_reviews_material_file")
    app.router.add_post("/invite/{token}/reviews/conflicts", declare_conflict)

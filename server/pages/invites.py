"""The invite pages: the landing page of an invite link, its Join button, its QR code.

GET never spends an invite (link previewers fetch GETs); the Join button's POST does. A
refused invite gets invite_refused.html saying why, with a 4xx status of its own.
"""

import io
from datetime import UTC, datetime

import aiohttp_jinja2
import segno
from aiohttp import web

from rooms.invites import InviteRefused, Refusal
from server import i18n
from server.agenda import load_event
from server.appkeys import SETTINGS, STORE
from server.flash import flash
from server.invitations import accept_invite, invite_url, open_invite, read_token, remember
from server.pages.labels import ROLES
from server.pages.timetable import day_label, span_of

REFUSAL_STATUS = {
    Refusal.INVALID: 404,
    Refusal.EXPIRED: 410,
    Refusal.WRONG_SESSION: 403,
    Refusal.REVOKED: 410,
    Refusal.USED: 409,
    Refusal.CANCELLED: 410,
    Refusal.ENDED: 410,
}

REFUSAL_TITLES = {
    Refusal.INVALID: "Invalid invite link",
    Refusal.EXPIRED: "Invite expired",
    Refusal.WRONG_SESSION: "Invite for another session",
    Refusal.REVOKED: "Invite withdrawn",
    Refusal.USED: "Invite already used",
    Refusal.CANCELLED: "Session cancelled",
    Refusal.ENDED: "Session ended",
}


def refused_page(request: web.Request, refused: InviteRefused) -> web.Response:
    if refused.kind is not None:
        i18n.about_kind(request, refused.kind)
    context = {
        "reason": str(refused.reason),
        "title": REFUSAL_TITLES[refused.reason],
        "message": i18n.gettext(request, refused.template),
        "token": request.match_info.get("token", ""),
    }
    status = REFUSAL_STATUS[refused.reason]
    response = aiohttp_jinja2.render_template(
        "invite_refused.html", request, context, status=status
    )
    return unstored(response)


def unstored(response: web.Response) -> web.Response:
    """A page behind a secret link: no cache keeps it, no search engine lists it."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


async def landing(request: web.Request) -> web.Response:
    """GET /invite/{token}[?session=<session_id>]: who is invited to what, and Join."""
    store, token = request.app[STORE], request.match_info["token"]
    try:
        invite, session = await open_invite(
            store,
            request.app[SETTINGS],
            token=token,
            now=datetime.now(UTC),
            session_id=request.query.get("session"),
        )
    except InviteRefused as refused:
        return refused_page(request, refused)
    i18n.about_kind(request, session.kind)
    span = span_of(session, session.zone, i18n.language(request))
    context = {
        "token": token,
        "invite": invite,
        "session": session,
        "event": await load_event(store, session.event_id),
        "role_label": ROLES[invite.role],
        "day": day_label(span.day, i18n.language(request)),
    }
    return unstored(aiohttp_jinja2.render_template("invite.html", request, context))


async def accept(request: web.Request) -> web.Response:
    """POST /invite/{token}/accept: admit the bearer (spends a single-use invite) and take
    them to the room's pre-join screen, which says the invite was accepted."""
    form = await request.post()
    named = form.get("session_id")
    try:
        invite, session = await accept_invite(
            request.app[STORE],
            request.app[SETTINGS],
            token=request.match_info["token"],
            now=datetime.now(UTC),
            session_id=named if isinstance(named, str) and named else None,
        )
    except InviteRefused as refused:
        return refused_page(request, refused)
    await remember(request, invite)
    await flash(request, "Your invite was accepted. Check your camera and microphone, then join.")
    raise web.HTTPSeeOther(f"/sessions/{session.session_id}/room")


async def qr_code(request: web.Request) -> web.Response:
    """GET /invite/{token}/qr.svg: the invite's URL as a QR code, for phones and print."""
    token = request.match_info["token"]
    try:
        read_token(request.app[SETTINGS], token, now=datetime.now(UTC))
    except InviteRefused:
        raise web.HTTPNotFound() from None
    buffer = io.BytesIO()
    qr = segno.make(invite_url(request.app[SETTINGS], token), error="m")
    qr.save(buffer, kind="svg", scale=6, border=2)
    return web.Response(
        body=buffer.getvalue(),
        content_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=3600"},
    )


def setup_invite_pages(app: web.Application) -> None:
    app.router.add_get("/invite/{token}", landing, name="invite")
    app.router.add_post("/invite/{token}/accept", accept, name="invite_accept")
    app.router.add_get("/invite/{token}/qr.svg", qr_code, name="invite_qr")

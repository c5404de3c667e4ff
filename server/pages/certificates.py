"""Certificates for everyone but staff: the public verification page of a certificate (what
its QR code opens), and an attendee's own attendance record, reached from their invite link,
with their certificates to download once earned.

The verification page shows exactly what the certificate says (its number, the person's
name, the association, the event, the sessions, the active time, the date issued) and nothing
more; an unknown id is a 404. The attendee's page is the invite's person's: a genuine,
unrevoked link opens it, after the session too.
"""

from datetime import UTC, datetime

import aiohttp_jinja2
from aiohttp import web

from rooms.invites import Invite, InviteRefused
from server import certificates
from server.agenda import load_session
from server.appkeys import SETTINGS, STORE
from server.certificate_files import active_time_text, names
from server.certificates import EventAttendance
from server.i18n import gettext, language
from server.pages.certificate_documents import certificate_pdf
from server.pages.invites import refused_page, unstored


async def verification_page(request: web.Request) -> web.Response:
    """GET /certificates/{certificate_id}: this certificate is genuine, and what it says."""
    certificate = await certificates.verified(
        request.app[STORE], request.match_info["certificate_id"]
    )
    org, event = names(certificate, language(request))
    duration = active_time_text(certificate, lambda message: gettext(request, message))
    context = {
        "certificate": certificate,
        "organization": org,
        "event_name": event,
        "active_time": duration,
    }
    response = aiohttp_jinja2.render_template("certificate.html", request, context)
    response.headers["X-Robots-Tag"] = "noindex"
    return response


async def _mine(request: web.Request) -> tuple[Invite, EventAttendance]:
    store, now = request.app[STORE], datetime.now(UTC)
    token = request.match_info["token"]
    invite = await certificates.invite_holder(store, request.app[SETTINGS], token=token, now=now)
    session = await load_session(store, invite.session_id)
    event = await store.agenda.get_event(session.event_id)
    assert event is not None  # a session's event is never deleted
    return invite, await certificates.event_attendance(store, event, now=now)


async def my_attendance(request: web.Request) -> web.Response:
    """GET /invite/{token}/attendance: the invite's person's record in the event."""
    try:
        invite, attendance = await _mine(request)
    except InviteRefused as refused:
        return refused_page(request, refused)
    record = attendance.record_of(invite.person_key)
    context = {
        "token": request.match_info["token"],
        "invite": invite,
        "attendance": attendance,
        "event": attendance.event,
        "record": record,
        "awards": attendance.awards(record) if record else [],
    }
    return unstored(aiohttp_jinja2.render_template("my_attendance.html", request, context))


async def my_certificate(request: web.Request) -> web.Response:
    """GET /invite/{token}/certificates/{scope}/{scope_id}.pdf: their certificate, issued on
    first download if earned."""
    try:
        invite, attendance = await _mine(request)
    except InviteRefused:
        raise web.HTTPNotFound() from None
    info = request.match_info
    scope = certificates.scope_of(attendance, info["scope"], info["scope_id"])
    certificate = await certificates.issue(
        request.app[STORE], attendance, scope=scope, scope_id=info["scope_id"],
        person_key=invite.person_key, now=datetime.now(UTC),
    )  # fmt: skip
    return unstored(await certificate_pdf(request, certificate))


def setup_certificate_pages(app: web.Application) -> None:
    app.router.add_get("/certificates/{certificate_id}", verification_page, name="certificate")
    app.router.add_get("/invite/{token}/attendance", my_attendance, name="my_attendance")
    mine = "/invite/{token}/certificates/{scope}/{scope_id}.pdf"
    app.router.add_get(mine, my_certificate, name="my_certificate")

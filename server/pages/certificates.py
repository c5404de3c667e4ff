"""Certificates for everyone but staff: the public verification page of a certificate (what
its QR code opens), and an attendee's own attendance record, reached from their invite link,
with their certificates to download once earned.

Those who came without an invite see theirs from the session's room page
(``/sessions/{session_id}/attendance/mine``): the browser's own person in the session, as
the room's door knows it — a signed-in account, an invite this browser accepted, or the
walk-in guest's key its web session holds — and nobody else's.

The verification page shows exactly what the certificate says (its number, the person's
name, the association, the event, the sessions, the active time, the date issued) and nothing
more; an unknown id is a 404. The attendee's page is the invite's person's: a genuine,
unrevoked link opens it, after the session too.
"""

from datetime import UTC, datetime

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session

from rooms.agenda import PersonType, Session, person_key
from rooms.certificates import AttendanceRecord
from rooms.errors import NotFound
from rooms.invites import Invite, InviteRefused
from server import certificates
from server.agenda import load_session
from server.appkeys import SETTINGS, STORE
from server.auth import current_account
from server.certificate_files import active_time_text, names
from server.certificates import EventAttendance
from server.guests import GUEST_KEY, is_guest_key
from server.i18n import gettext, language
from server.invitations import accepted_invites
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
    certificates_url = f"/invite/{request.match_info['token']}/certificates"
    return _record_page(request, attendance, record, invite.name, certificates_url)


def _record_page(
    request: web.Request,
    attendance: EventAttendance,
    record: AttendanceRecord | None,
    name: str,
    certificates_url: str,
) -> web.Response:
    context = {
        "name": name,
        "certificates_url": certificates_url,
        "attendance": attendance,
        "event": attendance.event,
        "record": record,
        "awards": attendance.awards(record) if record else [],
    }
    return unstored(aiohttp_jinja2.render_template("my_attendance.html", request, context))


async def _visitor(request: web.Request, session: Session) -> tuple[str, str] | None:
    """This browser's person in the session (their key, their name) as the room's door would
    know them, without asking for anything: a signed-in account, an invite to the session
    this browser accepted, or a walk-in guest's key from its web session; else None."""
    account = await current_account(request)
    if account is not None:
        return person_key(PersonType.ACCOUNT, account.account_id), account.name
    for accepted in await accepted_invites(request):
        if accepted.get("session_id") == session.session_id and accepted.get("person_key"):
            return str(accepted["person_key"]), str(accepted.get("name", ""))
    key = (await get_session(request)).get(GUEST_KEY)
    return (str(key), "") if is_guest_key(key) else None


async def _visiting(request: web.Request) -> tuple[EventAttendance, str | None, str]:
    store, now = request.app[STORE], datetime.now(UTC)
    session = await load_session(store, request.match_info["session_id"])
    event = await store.agenda.get_event(session.event_id)
    assert event is not None  # a session's event is never deleted
    visitor = await _visitor(request, session)
    key, name = visitor if visitor is not None else (None, "")
    return await certificates.event_attendance(store, event, now=now), key, name


async def session_attendance(request: web.Request) -> web.Response:
    """GET /sessions/{session_id}/attendance/mine: this browser's own record in the event."""
    attendance, key, name = await _visiting(request)
    record = attendance.record_of(key) if key else None
    url = f"/sessions/{request.match_info['session_id']}/attendance/mine/certificates"
    return _record_page(request, attendance, record, record.name if record else name, url)


async def session_certificate(request: web.Request) -> web.Response:
    """GET /sessions/{session_id}/attendance/mine/certificates/{scope}/{scope_id}.pdf: this
    browser's person's certificate, issued on first download if earned."""
    attendance, key, _name = await _visiting(request)
    if key is None:
        raise NotFound("There is no certificate with that number.")
    info = request.match_info
    scope = certificates.scope_of(attendance, info["scope"], info["scope_id"])
    certificate = await certificates.issue(
        request.app[STORE], attendance, scope=scope, scope_id=info["scope_id"],
        person_key=key, now=datetime.now(UTC),
    )  # fmt: skip
    return unstored(await certificate_pdf(request, certificate))


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
    own = "/sessions/{session_id}/attendance/mine"
    app.router.add_get(own, session_attendance, name="session_my_attendance")
    own_certificate = own + "/certificates/{scope}/{scope_id}.pdf"
    app.router.add_get(own_certificate, session_certificate, name="session_my_certificate")

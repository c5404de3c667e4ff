"""The console's attendance of an event: each person's time (present and active) in each
session and over the event, the certificate thresholds of the event and its sessions (one
form), who earned a certificate, each certificate's PDF, every certificate of a scope as a
zip, and the attendance as CSV. For the staff of the event's organization.
"""

from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from rooms.certificates import THRESHOLD_MINUTES_MAX, Scope, threshold_minutes
from rooms.errors import DomainError
from server import certificates
from server.appkeys import STORE
from server.auth import require_account
from server.certificates import EventAttendance
from server.downloads import csv_response
from server.pages import forms
from server.pages.certificate_documents import attendance_rows, certificate_pdf, certificates_zip
from server.pages.console import own_event, refused

TEMPLATE = "console/attendance.html"


def _page(event_id: str) -> str:
    return f"/console/events/{event_id}/attendance"


def threshold_form(attendance: EventAttendance) -> forms.Form:
    def text(minutes: int | None) -> str:
        return "" if minutes is None else str(minutes)

    form = forms.Form(event=text(attendance.event_minutes))
    for session in attendance.sessions:
        form[f"session_{session.session_id}"] = text(
            attendance.session_minutes.get(session.session_id)
        )
    return form


def _context(attendance: EventAttendance, form: forms.Form | None = None) -> dict[str, Any]:
    return {
        "event": attendance.event,
        "attendance": attendance,
        "form": form or threshold_form(attendance),
        "threshold_max": THRESHOLD_MINUTES_MAX,
        "error": None,
        "saved": False,
    }


async def _attendance(request: web.Request) -> EventAttendance:
    account = await require_account(request)
    event = await own_event(request, account)
    return await certificates.event_attendance(request.app[STORE], event, now=datetime.now(UTC))


async def attendance_page(request: web.Request) -> web.Response:
    """GET /console/events/{event_id}/attendance."""
    context = _context(await _attendance(request))
    context["saved"] = request.query.get("done") == "saved"
    return aiohttp_jinja2.render_template(TEMPLATE, request, context)


async def set_thresholds(request: web.Request) -> web.Response:
    """POST …/attendance: every threshold of the form, checked before any is kept."""
    attendance = await _attendance(request)
    form = await forms.read_form(request)
    scopes = [(Scope.EVENT, attendance.event.event_id, "event")]
    scopes += [
        (Scope.SESSION, s.session_id, f"session_{s.session_id}") for s in attendance.sessions
    ]
    try:
        chosen = [
            (scope, scope_id, threshold_minutes(form[name])) for scope, scope_id, name in scopes
        ]
    except DomainError as error:
        return refused(request, TEMPLATE, _context(attendance, form), error)
    for scope, scope_id, minutes in chosen:
        await request.app[STORE].certificates.set_threshold(scope, scope_id, minutes)
    raise web.HTTPSeeOther(f"{_page(attendance.event.event_id)}?done=saved")


async def attendance_csv(request: web.Request) -> web.Response:
    """GET …/attendance.csv: per person each session and the total."""
    attendance = await _attendance(request)
    rows = attendance_rows(request, attendance.records)
    return csv_response(rows, f"attendance-{attendance.event.event_id}.csv")


async def one_certificate(request: web.Request) -> web.Response:
    """GET …/certificates/{scope}/{scope_id}/{person_key}.pdf: issued on first download."""
    attendance = await _attendance(request)
    info = request.match_info
    scope = certificates.scope_of(attendance, info["scope"], info["scope_id"])
    certificate = await certificates.issue(
        request.app[STORE], attendance, scope=scope, scope_id=info["scope_id"],
        person_key=info["person_key"], now=datetime.now(UTC),
    )  # fmt: skip
    return await certificate_pdf(request, certificate)


async def all_certificates(request: web.Request) -> web.Response:
    """GET …/certificates/{scope}/{scope_id}.zip: every earned certificate of the scope."""
    attendance = await _attendance(request)
    info = request.match_info
    scope = certificates.scope_of(attendance, info["scope"], info["scope_id"])
    found = await certificates.issue_all(
        request.app[STORE],
        attendance,
        scope=scope,
        scope_id=info["scope_id"],
        now=datetime.now(UTC),
    )
    name = f"certificates-{scope}-{info['scope_id']}.zip"
    return await certificates_zip(request, found, filename=name)


def setup_console_attendance(app: web.Application) -> None:
    base = "/console/events/{event_id}"
    app.router.add_get(f"{base}/attendance", attendance_page, name="console_attendance")
    app.router.add_post(f"{base}/attendance", set_thresholds)
    app.router.add_get(f"{base}/attendance.csv", attendance_csv, name="console_attendance_csv")
    certs = f"{base}/certificates/{{scope}}/{{scope_id}}"
    app.router.add_get(f"{certs}.zip", all_certificates, name="console_certificates_zip")
    app.router.add_get(f"{certs}/{{person_key}}.pdf", one_certificate, name="console_certificate")

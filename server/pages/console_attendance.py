"""The console's attendance of an event: each person's time (present and active) in each
session and over the event, the certificate thresholds of the event and its sessions (one
form), who earned a certificate, each certificate's PDF, and the attendance as CSV. Every
certificate of a scope comes as a zip made by the worker: a form queues the job, the page
shows its progress (reloading itself while one runs) and, once done, its download. For the
staff of the event's organization.
"""

from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from rooms.certificates import THRESHOLD_MINUTES_MAX, Scope, threshold_minutes
from rooms.errors import DomainError
from rooms.jobs import Job, JobState, Progress
from server import certificates
from server.appkeys import SETTINGS, STORE
from server.auth import require_account
from server.certificate_files import bulk_job, job_error, zip_path
from server.certificates import EventAttendance
from server.downloads import csv_response
from server.i18n import language
from server.pages import forms
from server.pages.certificate_documents import attendance_rows, certificate_pdf
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


async def _context(
    request: web.Request, attendance: EventAttendance, form: forms.Form | None = None
) -> dict[str, Any]:
    jobs = await request.app[STORE].jobs.of_owner(attendance.event.event_id)
    return {
        "event": attendance.event,
        "attendance": attendance,
        "form": form or threshold_form(attendance),
        "threshold_max": THRESHOLD_MINUTES_MAX,
        "error": None,
        "bulk_error": None,
        "saved": False,
        "jobs": [(job, progress, job_error(request, progress)) for job, progress in jobs],
        "working": any(not progress.finished for _job, progress in jobs),
        "scope_titles": {s.session_id: s.title for s in attendance.sessions},
        "bulk_scopes": bulk_scopes(attendance),
    }


def bulk_scopes(attendance: EventAttendance) -> list[tuple[Scope, str, str, int | None, int]]:
    """(scope, its id, its title — "" for the event —, its threshold, how many earned)."""
    scopes = [(Scope.EVENT, attendance.event.event_id, "")]
    scopes += [(Scope.SESSION, s.session_id, s.title) for s in attendance.sessions]
    return [
        (scope, scope_id, title, attendance.minutes(scope, scope_id),
         len(attendance.earners(scope, scope_id)))
        for scope, scope_id, title in scopes
    ]  # fmt: skip


async def _attendance(request: web.Request) -> EventAttendance:
    account = await require_account(request)
    event = await own_event(request, account)
    return await certificates.event_attendance(request.app[STORE], event, now=datetime.now(UTC))


async def attendance_page(request: web.Request) -> web.Response:
    """GET /console/events/{event_id}/attendance."""
    context = await _context(request, await _attendance(request))
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
        return refused(request, TEMPLATE, await _context(request, attendance, form), error)
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


async def queue_certificates(request: web.Request) -> web.Response:
    """POST …/certificates/{scope}/{scope_id}/zip: queue the zip of the scope's certificates."""
    account = await require_account(request)
    attendance = await _attendance(request)
    info = request.match_info
    try:
        job = bulk_job(
            attendance, scope=info["scope"], scope_id=info["scope_id"],
            lang=language(request), by=account.account_id, now=datetime.now(UTC),
        )  # fmt: skip
    except DomainError as error:
        context = await _context(request, attendance)
        return refused(request, TEMPLATE, context, error, slot="bulk_error")
    await request.app[STORE].jobs.enqueue(job)
    raise web.HTTPSeeOther(f"{_page(attendance.event.event_id)}#bulk")


async def _finished_job(request: web.Request) -> Job:
    account = await require_account(request)
    event = await own_event(request, account)
    found = await request.app[STORE].jobs.get(request.match_info["job_id"][:64])
    if found is None or found[0].owner_id != event.event_id or not _ready(found[1]):
        raise web.HTTPNotFound()
    return found[0]


def _ready(progress: Progress) -> bool:
    return progress.state is JobState.DONE


async def job_zip(request: web.Request) -> web.StreamResponse:
    """GET …/jobs/{job_id}.zip: a finished job's zip of certificates."""
    job = await _finished_job(request)
    path = zip_path(request.app[SETTINGS], job.job_id)
    if not path.exists():
        raise web.HTTPNotFound()
    name = f"certificates-{job.params['scope']}-{job.params['scope_id']}.zip"
    return web.FileResponse(
        path,
        headers={
            "Content-Type": "application/zip",
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def setup_console_attendance(app: web.Application) -> None:
    base = "/console/events/{event_id}"
    app.router.add_get(f"{base}/attendance", attendance_page, name="console_attendance")
    app.router.add_post(f"{base}/attendance", set_thresholds)
    app.router.add_get(f"{base}/attendance.csv", attendance_csv, name="console_attendance_csv")
    certs = f"{base}/certificates/{{scope}}/{{scope_id}}"
    app.router.add_post(f"{certs}/zip", queue_certificates, name="console_certificates_zip")
    app.router.add_get(f"{base}/jobs/{{job_id}}.zip", job_zip, name="console_certificates_job")
    app.router.add_get(f"{certs}/{{person_key}}.pdf", one_certificate, name="console_certificate")

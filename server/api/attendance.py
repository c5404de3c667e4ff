"""/api/ attendance and certificates, for the staff of the event's organization: an event's
attendance rolled up per person (each session's time present and active, the total, the
certificates each has earned), one session's attendance, the certificate thresholds of an
event and of a session (``server.certificates``), and the zips of a scope's certificates,
queued for the worker, with their progress (``server.certificate_files``)."""

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from rooms.attendance import presence_payload, totals
from rooms.certificates import THRESHOLD_MINUTES_MAX, AttendanceRecord, Scope
from rooms.jobs import Job, JobState, Progress
from server import certificates
from server.api.events import own_event
from server.api.routes import ApiRoutes, json_response, read_body
from server.api.schema import Body, Int, Str, list_of, response_schema
from server.api.sessions import own_session
from server.appkeys import STORE
from server.auth import require_account
from server.certificate_files import bulk_job, job_error
from server.certificates import EventAttendance
from server.i18n import language

routes = ApiRoutes()
TAG = "attendance"

_INT = {"type": "integer"}
_TEXT = {"type": "string"}
_MINUTES = {"type": ["integer", "null"], "description": "active minutes; null: no certificate"}
SITTING = response_schema("Sitting", {"session_id": _TEXT, "seconds": _INT, "active_seconds": _INT})
AWARD = response_schema(
    "Award", {"scope": {"type": "string", "enum": list(Scope)}, "scope_id": _TEXT}
)
PERSON = response_schema(
    "AttendanceRecord",
    {
        "person_key": _TEXT,
        "name": _TEXT,
        "seconds": _INT,
        "active_seconds": _INT,
        "sessions": list_of(SITTING),
        "certificates": list_of(AWARD),
    },
)
EVENT_ATTENDANCE = response_schema(
    "EventAttendance",
    {
        "event_id": _TEXT,
        "threshold_minutes": _MINUTES,
        "sessions": list_of(
            response_schema(
                "SessionThreshold",
                {"session_id": _TEXT, "title": _TEXT, "threshold_minutes": _MINUTES},
            )
        ),
        "people": list_of(PERSON),
    },
)
SESSION_ROW = {
    "title": "AttendanceRow",
    "type": "object",
    "description": "as the room's `attendance` event (PROTOCOL.md)",
}
THRESHOLD = Body(
    {
        "minutes": Int(
            minimum=0,
            maximum=THRESHOLD_MINUTES_MAX,
            description="active minutes a certificate needs; 0 removes the threshold",
            example=45,
        )
    }
)
THRESHOLD_ANSWER = response_schema("Threshold", {"threshold_minutes": _MINUTES})


def _person(attendance: EventAttendance, record: AttendanceRecord) -> dict[str, Any]:
    return {
        "person_key": record.person_key,
        "name": record.name,
        "seconds": record.seconds,
        "active_seconds": record.active_seconds,
        "sessions": [
            {"session_id": s.session_id, "seconds": s.seconds, "active_seconds": s.active_seconds}
            for s in record.sittings
        ],
        "certificates": [
            {"scope": str(scope), "scope_id": scope_id}
            for scope, scope_id in attendance.awards(record)
        ],
    }


@routes.route(
    "GET",
    "/api/events/{event_id}/attendance",
    summary="An event's attendance per person: each session's time present and active, the "
    "totals, the certificates earned",
    tag=TAG,
    returns=EVENT_ATTENDANCE,
)
async def event_attendance(request: web.Request) -> web.Response:
    event = await own_event(request)
    found = await certificates.event_attendance(request.app[STORE], event, now=datetime.now(UTC))
    return json_response(
        {
            "event_id": event.event_id,
            "threshold_minutes": found.event_minutes,
            "sessions": [
                {
                    "session_id": s.session_id,
                    "title": s.title,
                    "threshold_minutes": found.session_minutes.get(s.session_id),
                }
                for s in found.sessions
            ],
            "people": [_person(found, record) for record in found.records],
        }
    )


@routes.route(
    "GET",
    "/api/sessions/{session_id}/attendance",
    summary="A session's attendance: each person's time present and active, visits",
    tag=TAG,
    returns=list_of(SESSION_ROW),
)
async def session_attendance(request: web.Request) -> web.Response:
    session = await own_session(request)
    passages = await request.app[STORE].attendance.passages(session.session_id)
    people = totals(passages, until=datetime.now(UTC))
    return json_response([presence_payload(p) for p in people])


async def _set(request: web.Request, scope: Scope, scope_id: str) -> web.Response:
    minutes: int = (await read_body(request, THRESHOLD))["minutes"]
    text = str(minutes) if minutes else ""
    kept = await certificates.set_threshold(
        request.app[STORE], scope=scope, scope_id=scope_id, text=text
    )
    return json_response({"threshold_minutes": kept})


@routes.route(
    "PUT",
    "/api/events/{event_id}/certificate-threshold",
    summary="Set the active minutes, over all its sessions, an event's certificate needs",
    tag=TAG,
    body=THRESHOLD,
    returns=THRESHOLD_ANSWER,
)
async def set_event_threshold(request: web.Request) -> web.Response:
    event = await own_event(request)
    return await _set(request, Scope.EVENT, event.event_id)


@routes.route(
    "PUT",
    "/api/sessions/{session_id}/certificate-threshold",
    summary="Set the active minutes a session's certificate needs",
    tag=TAG,
    body=THRESHOLD,
    returns=THRESHOLD_ANSWER,
)
async def set_session_threshold(request: web.Request) -> web.Response:
    session = await own_session(request)
    return await _set(request, Scope.SESSION, session.session_id)


ZIPS = "/api/events/{event_id}/certificate-zips"
ZIP_BODY = Body(
    {
        "scope": Str(choices=tuple(Scope), example="event"),
        "scope_id": Str(min_length=1, max_length=64, example="an event's or session's id"),
    }
)
ZIP_JOB = response_schema(
    "CertificateZip",
    {
        "job_id": _TEXT,
        "scope": {"type": "string", "enum": list(Scope)},
        "scope_id": _TEXT,
        "state": {"type": "string", "enum": list(JobState)},
        "done": _INT,
        "total": _INT,
        "error": _TEXT,
        "download": {"type": ["string", "null"], "description": "the zip, once done"},
    },
)


def _zip_json(request: web.Request, job: Job, progress: Progress) -> dict[str, Any]:
    done = progress.state is JobState.DONE
    download = f"/console/events/{job.owner_id}/jobs/{job.job_id}.zip" if done else None
    return {
        "job_id": job.job_id, "scope": job.params["scope"], "scope_id": job.params["scope_id"],
        "state": str(progress.state), "done": progress.done, "total": progress.total,
        "error": job_error(request, progress), "download": download,
    }  # fmt: skip


@routes.route(
    "POST",
    ZIPS,
    summary="Queue the zip of every certificate of the event or one of its sessions (made by "
    "the worker; the certificates are in the language of the request)",
    tag=TAG,
    body=ZIP_BODY,
    responses={"202": "Queued", "400": "Nobody earned one, or too many did"},
    returns=ZIP_JOB,
)
async def queue_zip(request: web.Request) -> web.Response:
    account = await require_account(request)
    event = await own_event(request)
    fields = await read_body(request, ZIP_BODY)
    found = await certificates.event_attendance(request.app[STORE], event, now=datetime.now(UTC))
    job = bulk_job(
        found, scope=fields["scope"], scope_id=fields["scope_id"], lang=language(request),
        by=account.account_id, now=datetime.now(UTC),
    )  # fmt: skip
    await request.app[STORE].jobs.enqueue(job)
    return json_response(_zip_json(request, job, Progress()), status=202)


@routes.route(
    "GET",
    ZIPS,
    summary="The event's zips of certificates, newest first, with their progress",
    tag=TAG,
    returns=list_of(ZIP_JOB),
)
async def list_zips(request: web.Request) -> web.Response:
    event = await own_event(request)
    jobs = await request.app[STORE].jobs.of_owner(event.event_id)
    return json_response([_zip_json(request, job, progress) for job, progress in jobs])

"""The console's page of a session's recordings: each one's times and its video, made by
the worker (``server/compositions.py``) when the recording stopped. The page shows each
video's job as it goes (reloading itself while one runs, as the certificates' zips do) and
a form to make a stopped recording's video again, in the layout (active speaker or grid)
and size (640×480 or 1280×720) chosen. For the staff of the session's
organization; the recordings library itself (playing, publishing) is elsewhere.
"""

from datetime import UTC, datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from recordings.compose import SIZES
from recordings.layout import GRID, SPEAKER
from recordings.timeline import Recording
from rooms.agenda import Event, Session
from rooms.errors import DomainError, NotFound
from rooms.jobs import Job, Progress
from server.appkeys import STORE
from server.auth import require_account
from server.certificate_files import job_error
from server.compositions import COMPOSE_KIND, SIZE, queue_composition
from server.flash import flash
from server.i18n import language
from server.pages.console import account_key, refused
from server.pages.console_sessions import own_session

TEMPLATE = "console/recordings.html"
LAYOUT_LABELS = {SPEAKER: "Speaker view", GRID: "Grid view"}  # the form's choices, in order


def _page(session_id: str) -> str:
    return f"/console/sessions/{session_id}/recordings"


async def _context(request: web.Request, session: Session, event: Event) -> dict[str, Any]:
    store = request.app[STORE]
    records = await store.recordings.of_session(session.session_id)
    latest: dict[str, tuple[Job, Progress]] = {}
    for job, progress in reversed(await store.jobs.of_owner(session.session_id)):
        if job.kind == COMPOSE_KIND:  # oldest first: the newest of each recording stays
            latest[job.params.get("recording_id", "")] = (job, progress)
    rows = [(r, *latest.get(r.recording_id, (None, None))) for r in reversed(records)]
    return {
        "session": session,
        "event": event,
        "recordings": [
            {
                "record": record,
                "job": job,
                "progress": progress,
                "started": datetime.fromisoformat(record.started_at),
                "stopped": datetime.fromisoformat(record.stopped_at) if record.stopped_at else None,
                "error": job_error(request, progress) if progress else "",
            }
            for record, job, progress in rows
        ],  # fmt: skip
        "working": any(p is not None and not p.finished for _r, _j, p in rows),
        "layouts": LAYOUT_LABELS,
        "sizes": {name: f"{w}×{h}" for name, (w, h) in SIZES.items()},
        "default_size": SIZE,
        "error": None,
    }


async def recordings_page(request: web.Request) -> web.Response:
    """GET /console/sessions/{session_id}/recordings."""
    account = await require_account(request)
    session, event = await own_session(request, account)
    context = await _context(request, session, event)
    return aiohttp_jinja2.render_template(TEMPLATE, request, context)


async def _recording(request: web.Request, session: Session) -> Recording:
    found = await request.app[STORE].recordings.get(request.match_info["recording_id"][:64])
    if found is None or found.session_id != session.session_id:
        raise NotFound("There is no such recording.", code="no_recording")
    return found


async def compose_again(request: web.Request) -> web.Response:
    """POST …/recordings/{recording_id}/compose: queue the recording's video."""
    account = await require_account(request)
    session, event = await own_session(request, account)
    form = await request.post()
    try:
        record = await _recording(request, session)
        await queue_composition(
            request.app[STORE], record, by=account_key(account), lang=language(request),
            now=datetime.now(UTC), layout=str(form.get("layout", SPEAKER))[:20],
            size=str(form.get("size", SIZE))[:20],
        )  # fmt: skip
    except DomainError as error:
        return refused(request, TEMPLATE, await _context(request, session, event), error)
    await flash(request, "The video will be made by the worker; this page shows how far it is.")
    raise web.HTTPSeeOther(_page(session.session_id))


def setup_console_recordings(app: web.Application) -> None:
    base = "/console/sessions/{session_id}/recordings"
    app.router.add_get(base, recordings_page, name="console_recordings")
    app.router.add_post(f"{base}/{{recording_id}}/compose", compose_again)

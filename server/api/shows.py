"""/api/ roadshows: a roadshow's run of show (``rooms.run_of_show``) for its staff — the
stages with their times, the log (starts, extensions, cuts, hand-overs with how late each
was), the overruns and the recording's chapters — and the buffer between pitches.

The pitches themselves are the session's items (``/api/sessions/{id}/items``, tag
``reviews``): their order, pitch and Q&A minutes, founders (presenters on the roster, or
else the applicant by e-mail).
"""

from typing import Any

from aiohttp import web

from rooms.agenda import Session
from rooms.errors import Conflict
from rooms.roles import Kind
from rooms.run_of_show import (
    BUFFER_MAX,
    Show,
    chapters,
    chapters_vtt,
    is_over,
    overruns,
    timeline,
)
from server.api.events import now
from server.api.routes import ApiRoutes, json_response, read_body
from server.api.schema import Body, Int, list_of, response_schema
from server.api.sessions import own_session
from server.api.views import utc_text
from server.appkeys import STORE
from server.i18n import language
from server.reviews import check_review

routes = ApiRoutes()
TAG = "roadshows"
SHOW = "/api/sessions/{session_id}/show"

_TEXT = {"type": "string"}
_INT = {"type": "integer"}
_INSTANT = {"type": "string", "format": "date-time"}
_MAYBE_INSTANT = {"type": ["string", "null"], "format": "date-time"}
STAGE = response_schema(
    "Stage",
    {
        "key": _TEXT, "slot_id": _TEXT, "phase": {"enum": ["pitch", "qa", "buffer"]},
        "begins": _INSTANT, "ends": _INSTANT, "planned_seconds": _INT, "overrun_seconds": _INT,
    },
)  # fmt: skip
ENTRY = response_schema(
    "ShowEntry",
    {
        "kind": {"enum": ["start", "extend", "cut", "handover"]},
        "at": _INSTANT, "stage": _TEXT, "seconds": _INT, "actor": _TEXT,
    },
)  # fmt: skip
CHAPTER = response_schema("Chapter", {"slot_id": _TEXT, "title": _TEXT, "at": _INSTANT})
OVERRUN = response_schema(
    "Overrun", {"stage": _TEXT, "seconds": _INT, "by": {"type": "array", "items": _TEXT}}
)
RUN_OF_SHOW = response_schema(
    "RunOfShow",
    {
        "start": _MAYBE_INSTANT, "started": {"type": "boolean"}, "over": {"type": "boolean"},
        "buffer_minutes": _INT, "stages": list_of(STAGE), "log": list_of(ENTRY),
        "chapters": list_of(CHAPTER), "overruns": list_of(OVERRUN),
    },
)  # fmt: skip
BUFFER_BODY = Body(
    {
        "minutes": Int(
            minimum=0, maximum=BUFFER_MAX, description="minutes between two pitches", example=2
        )
    }
)


def show_json(show: Show, lang: str) -> dict[str, Any]:
    return {
        "start": utc_text(show.start) if show.start else None,
        "started": show.started,
        "over": is_over(show),
        "buffer_minutes": show.plan.buffer_seconds // 60,
        "stages": [
            {
                "key": s.key, "slot_id": s.slot_id, "phase": str(s.phase),
                "begins": utc_text(s.begins), "ends": utc_text(s.ends),
                "planned_seconds": s.planned_seconds, "overrun_seconds": s.overrun_seconds,
            }
            for s in timeline(show)
        ],
        "log": [
            {
                "kind": str(e.kind), "at": utc_text(e.at), "stage": e.stage,
                "seconds": e.seconds, "actor": e.actor,
            }
            for e in show.log
        ],
        "chapters": chapters(show, lang),
        "overruns": overruns(show),
    }  # fmt: skip


def check_roadshow(session: Session) -> None:
    if session.kind is not Kind.ROADSHOW:
        raise Conflict("This is not a roadshow.", code="not_a_roadshow")


@routes.route(
    "GET",
    SHOW,
    summary="A roadshow's run of show (a review's items, timed the same way, as a plan)",
    tag=TAG,
    returns=RUN_OF_SHOW,
)
async def get_show(request: web.Request) -> web.Response:
    session = await own_session(request)
    check_review(session)
    show = await request.app[STORE].shows.show(session)
    return json_response(show_json(show, language(request)))


@routes.route(
    "GET",
    SHOW + "/chapters.vtt",
    summary="The recording's chapters (each pitch's start) as a WebVTT chapter track, timed "
    "from the show's first hand-over",
    tag=TAG,
    responses={"200": "text/vtt"},
)
async def get_chapters(request: web.Request) -> web.Response:
    session = await own_session(request)
    check_review(session)
    show = await request.app[STORE].shows.show(session)
    return web.Response(
        text=chapters_vtt(show, language(request)), content_type="text/vtt", charset="utf-8"
    )


@routes.route(
    "PUT",
    SHOW + "/buffer",
    summary="Set the minutes between two pitches (pitches not started yet move)",
    tag=TAG,
    body=BUFFER_BODY,
    returns=RUN_OF_SHOW,
)
async def set_buffer(request: web.Request) -> web.Response:
    session = await own_session(request)
    fields = await read_body(request, BUFFER_BODY)
    check_roadshow(session)
    store = request.app[STORE]
    await store.shows.set_buffer(session, fields["minutes"], now=now())
    return json_response(show_json(await store.shows.show(session), language(request)))

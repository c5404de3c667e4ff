"""/api/ polls: a session's poll bank (drafts the room's hosts launch from) and the results
of the polls it ran, as JSON or CSV, for the session's staff (``own_session``)."""

from typing import Any

from aiohttp import web

from rooms.poll_spec import OPTIONS_MAX, SECONDS_MAX, SECONDS_MIN, spec_fields
from server import polls
from server.api.routes import ApiRoutes, json_response, read_body
from server.api.schema import Body, Bool, Int, Str, StrList
from server.api.sessions import own_session
from server.api.views import listed
from server.appkeys import STORE
from server.downloads import csv_response
from server.errors import ApiError

routes = ApiRoutes()
TAG = "polls"
BANK = "/api/sessions/{session_id}/polls/bank"
POLLS = "/api/sessions/{session_id}/polls"

_TEXT = {"type": "string"}
_SPEC = {
    "question": _TEXT,
    "kind": {"type": "string", "enum": ["single", "multiple", "rating"]},
    "options": {"type": "array", "items": _TEXT},
    "correct": {"type": "array", "items": {"type": "integer"}, "description": "option indexes"},
    "anonymous": {"type": "boolean"},
    "seconds": {"type": ["integer", "null"]},
}
DRAFT = {
    "title": "PollDraft",
    "type": "object",
    "additionalProperties": False,
    "required": ["draft_id", *_SPEC],
    "properties": {"draft_id": _TEXT, **_SPEC},
}
POLL_RESULT = {
    "title": "PollResult",
    "type": "object",
    "required": ["poll_id", *_SPEC, "opened_at", "closed_at", "shared", "results"],
    "properties": {
        "poll_id": _TEXT,
        **_SPEC,
        "opened_at": {"type": "string", "format": "date-time"},
        "closed_at": {"type": ["string", "null"], "format": "date-time"},
        "shared": {"type": "boolean"},
        "results": {
            "type": "object",
            "description": "counts per option, voters, names per option (named polls), "
            "average (ratings)",
        },
    },
}
DRAFT_BODY = Body(
    {
        "question": Str(min_length=1, max_length=300, example="Which is a prime?"),
        "kind": Str(choices=("single", "multiple", "rating"), example="single"),
        "options": StrList(required=False, max_items=OPTIONS_MAX, example=["4", "7"]),
        "correct": StrList(
            required=False,
            max_items=OPTIONS_MAX,
            description="the correct options' texts: a quiz",
            example=["7"],
        ),
        "anonymous": Bool(required=False),
        "seconds": Int(required=False, minimum=SECONDS_MIN, maximum=SECONDS_MAX),
    }
)


@routes.route("GET", BANK, summary="A session's poll bank", tag=TAG, returns=listed(DRAFT))
async def list_bank(request: web.Request) -> web.Response:
    session = await own_session(request)  # empty in a kind without polls
    bank = await request.app[STORE].polls.bank(session.session_id)
    return json_response([{"draft_id": k, **spec_fields(s)} for k, s in bank.items()])


@routes.route(
    "POST",
    BANK,
    summary="Add a poll to a session's bank (single, multiple choice or a 1-5 rating; with "
    "correct answers it is a quiz)",
    tag=TAG,
    body=DRAFT_BODY,
    responses={"201": "Added", "409": "Not a session with polls, or the bank is full"},
    returns=DRAFT,
)
async def add_draft(request: web.Request) -> web.Response:
    session = await own_session(request)
    fields: dict[str, Any] = await read_body(request, DRAFT_BODY)
    store = request.app[STORE]
    draft_id = await polls.add_draft(store, session=session, fields=fields)
    spec = (await store.polls.bank(session.session_id))[draft_id]
    return json_response({"draft_id": draft_id, **spec_fields(spec)}, status=201)


@routes.route(
    "DELETE",
    BANK + "/{draft_id}",
    summary="Remove a poll from a session's bank",
    tag=TAG,
    responses={"204": "Removed"},
)
async def remove_draft(request: web.Request) -> web.Response:
    session = await own_session(request)
    draft_id = request.match_info["draft_id"]
    if not await request.app[STORE].polls.remove_draft(session.session_id, draft_id):
        raise ApiError(404, "not_found", "There is no such poll.")
    return web.Response(status=204)


@routes.route(
    "GET",
    POLLS,
    summary="The polls a session ran, with results",
    tag=TAG,
    returns=listed(POLL_RESULT),
)
async def list_results(request: web.Request) -> web.Response:
    session = await own_session(request)
    return json_response(await polls.results(request.app[STORE], session=session))


@routes.route(
    "GET",
    POLLS + ".csv",
    summary="The polls' results as CSV (UTF-8 with BOM): one row per option",
    tag=TAG,
    responses={"200": "text/csv"},
)
async def results_csv(request: web.Request) -> web.Response:
    session = await own_session(request)
    found = await polls.results(request.app[STORE], session=session)
    return csv_response(polls.csv_rows(found), f"polls-{session.session_id}.csv")

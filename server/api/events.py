"""/api/ events: the public list, an organization's events, creating and editing them.

Reading an event by id is public (public and unlisted events alike: an unlisted event is
reachable by whoever has its link). Changing one takes a staff account of its organization;
another organization's event is "not found", so unlisted events are not revealed.
"""

from datetime import UTC, datetime

from aiohttp import web

from rooms.agenda import Event, Visibility
from rooms.limits import DESCRIPTION_MAX, TITLE_MAX
from server import agenda
from server.api.routes import ApiRoutes, json_response, read_body
from server.api.schema import Body, Str, Zone
from server.api.views import (
    EVENT,
    EVENT_DETAIL,
    SESSION,
    event_detail_json,
    event_json,
    listed,
    session_json,
)
from server.appkeys import SETTINGS, STORE
from server.auth import require_account

routes = ApiRoutes()
TAG = "events"

EVENT_FIELDS = {
    "title_zh": Str(required=False, max_length=TITLE_MAX, example="2027 智能制造高峰论坛"),
    "title_en": Str(required=False, max_length=TITLE_MAX, example="2027 Smart Manufacturing Forum"),
    "description": Str(required=False, max_length=DESCRIPTION_MAX, example="Two days of talks."),
    "zone": Zone(),
    "start_date": Str(max_length=10, format="date", example="2027-05-01"),
    "end_date": Str(max_length=10, format="date", example="2027-05-02"),
    "visibility": Str(
        required=False,
        choices=tuple(Visibility),
        description="public: listed on the home page; unlisted (default): only by link",
        example="public",
    ),
}
NEW_EVENT = Body(EVENT_FIELDS)
EVENT_CHANGES = Body(EVENT_FIELDS, partial=True)


def base_url(request: web.Request) -> str:
    return request.app[SETTINGS].base_url


def now() -> datetime:
    return datetime.now(UTC)


async def own_event(request: web.Request) -> Event:
    """The event named in the path, if it belongs to the signed-in staff's organization."""
    account = await require_account(request)
    event_id = request.match_info["event_id"]
    return await agenda.own_event(request.app[STORE], event_id, org_id=account.org_id)


@routes.route(
    "GET", "/api/events", summary="Public events", tag=TAG, auth=False, returns=listed(EVENT)
)
async def list_public_events(request: web.Request) -> web.Response:
    events = await request.app[STORE].agenda.public_events()
    return json_response([event_json(event, base_url=base_url(request)) for event in events])


@routes.route(
    "GET",
    "/api/org/events",
    summary="My organization's events, unlisted ones included",
    tag=TAG,
    returns=listed(EVENT),
)
async def list_org_events(request: web.Request) -> web.Response:
    account = await require_account(request)
    events = await request.app[STORE].agenda.events_of_org(account.org_id)
    return json_response([event_json(event, base_url=base_url(request)) for event in events])


@routes.route(
    "POST",
    "/api/events",
    summary="Create an event",
    tag=TAG,
    body=NEW_EVENT,
    responses={"201": "Created"},
    returns=EVENT,
)
async def create_event(request: web.Request) -> web.Response:
    account = await require_account(request)
    fields = await read_body(request, NEW_EVENT)
    event = await agenda.create_event(
        request.app[STORE],
        org_id=account.org_id,
        organizer=account.account_id,
        fields=fields,
        now=now(),
    )
    return json_response(event_json(event, base_url=base_url(request)), status=201)


@routes.route(
    "GET",
    "/api/events/{event_id}",
    summary="An event with its agenda",
    tag=TAG,
    auth=False,
    returns=EVENT_DETAIL,
)
async def get_event(request: web.Request) -> web.Response:
    store = request.app[STORE]
    event = await agenda.load_event(store, request.match_info["event_id"])
    sessions = await store.agenda.agenda_of(event.event_id)
    return json_response(event_detail_json(event, sessions, base_url=base_url(request)))


@routes.route(
    "PATCH",
    "/api/events/{event_id}",
    summary="Change an event (only the fields sent)",
    tag=TAG,
    body=EVENT_CHANGES,
    returns=EVENT,
)
async def update_event(request: web.Request) -> web.Response:
    event = await own_event(request)
    fields = await read_body(request, EVENT_CHANGES)
    event = await agenda.update_event(request.app[STORE], event=event, fields=fields, now=now())
    return json_response(event_json(event, base_url=base_url(request)))


@routes.route(
    "GET",
    "/api/events/{event_id}/sessions",
    summary="An event's agenda: its sessions by start",
    tag=TAG,
    auth=False,
    returns=listed(SESSION),
)
async def list_event_sessions(request: web.Request) -> web.Response:
    store = request.app[STORE]
    event = await agenda.load_event(store, request.match_info["event_id"])
    sessions = await store.agenda.agenda_of(event.event_id)
    return json_response([session_json(s, base_url=base_url(request)) for s in sessions])

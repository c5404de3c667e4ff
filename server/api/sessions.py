"""/api/ sessions: an event's sessions, their changes and cancellation, their rosters.

Reading a session is public like its event; everything else takes a staff account of the
session's organization (another organization's session is "not found"). Every change goes
through the agenda service (server/agenda.py), which refuses illegal ones.
"""

from typing import Any

from aiohttp import web

from rooms.accounts import Account
from rooms.agenda import (
    MAX_LOBBY_MINUTES,
    PersonType,
    RosterEntry,
    Session,
    person_key,
)
from rooms.limits import DESCRIPTION_MAX, NAME_MAX, TITLE_MAX
from rooms.roles import Kind, Role
from server import agenda, i18n
from server.api.events import base_url, now, own_event
from server.api.routes import ApiRoutes, json_response, read_body
from server.api.schema import Body, Bool, Email, Int, LocalTime, Obj, Str, role_field
from server.api.views import ROSTER_ENTRY, SESSION, listed, roster_entry_json, session_json
from server.appkeys import SETTINGS, STORE
from server.auth import require_account
from server.errors import ApiError
from server.store import Store

routes = ApiRoutes()
TAG = "sessions"
WALL_CLOCK = "A wall-clock time in the event's zone, YYYY-MM-DDTHH:MM[:SS]"

SESSION_FIELDS = {
    "kind": Str(choices=tuple(Kind), example="meeting"),
    "title": Str(min_length=1, max_length=TITLE_MAX, example="Opening plenary"),
    "description": Str(required=False, max_length=DESCRIPTION_MAX, example="Welcome, keynote."),
    "start": LocalTime(description=WALL_CLOCK, example="2027-05-01T09:30"),
    "end": LocalTime(description=WALL_CLOCK, example="2027-05-01T10:30"),
    "capacity": Int(required=False, minimum=1, maximum=10_000, example=100),
    "lobby": Bool(required=False, example=True),
    "lobby_minutes": Int(required=False, minimum=0, maximum=MAX_LOBBY_MINUTES, example=15),
    "recording_allowed": Bool(required=False, example=False),
}
NEW_SESSION = Body(SESSION_FIELDS)
SESSION_CHANGES = Body(SESSION_FIELDS, partial=True)
CANCEL = Body({})

PERSON = Obj(
    fields={
        "type": Str(choices=tuple(PersonType), example="guest"),
        "id": Str(required=False, min_length=1, max_length=100, description="account or expert"),
        "email": Email(required=False, example="li@example.org"),
    },
    description="An account or expert by id (an account also by email), or a guest by email.",
)
NEW_ROSTER_ENTRY = Body(
    {
        "person": PERSON,
        "role": role_field(description="The person's role in the session.", example="attendee"),
        "name": Str(required=False, max_length=NAME_MAX, example="Li Wei"),
    }
)


async def own_session(request: web.Request) -> Session:
    """The session named in the path, if it belongs to the signed-in staff's organization."""
    return await session_of(request, await require_account(request))


async def session_of(request: web.Request, account: Account) -> Session:
    """The session named in the path, if it belongs to the account's organization."""
    session_id = request.match_info["session_id"]
    session = await agenda.own_session(request.app[STORE], session_id, org_id=account.org_id)
    i18n.about_kind(request, session.kind)  # its errors name it by its kind (会议, 课堂...)
    return session


async def roster_entry(store: Store, *, org_id: str, fields: dict[str, Any]) -> RosterEntry:
    """The roster entry a request describes (``agenda.roster_entry`` decides who may be on
    it); here only what is wrong with the request's shape."""
    person, person_type = fields["person"], PersonType(fields["person"]["type"])
    if person_type is PersonType.GUEST and ("email" not in person or "id" in person):
        raise ApiError(400, "guest_email", "A guest is named by email (person.email), not id.")
    by_email = person_type is PersonType.ACCOUNT and "email" in person
    if person_type is not PersonType.GUEST and "id" not in person and not by_email:
        raise ApiError(400, "missing_field", "Field {name} is required.", name="person.id")
    return await agenda.roster_entry(
        store,
        org_id=org_id,
        person_type=person_type,
        member_id=person.get("id", ""),
        email=person.get("email", ""),
        role=Role(fields["role"]),
        name=fields.get("name", ""),
    )


@routes.route(
    "POST",
    "/api/events/{event_id}/sessions",
    summary="Add a session to an event's agenda",
    tag=TAG,
    body=NEW_SESSION,
    responses={"201": "Created"},
    returns=SESSION,
)
async def create_session(request: web.Request) -> web.Response:
    event = await own_event(request)
    fields = await read_body(request, NEW_SESSION)
    session = await agenda.create_session(
        request.app[STORE],
        event=event,
        fields=fields,
        now=now(),
        lobby_minutes=request.app[SETTINGS].lobby_minutes,
    )
    return json_response(session_json(session, base_url=base_url(request)), status=201)


@routes.route(
    "GET", "/api/sessions/{session_id}", summary="A session", tag=TAG, auth=False, returns=SESSION
)
async def get_session(request: web.Request) -> web.Response:
    session = await agenda.load_session(request.app[STORE], request.match_info["session_id"])
    i18n.about_kind(request, session.kind)
    return json_response(session_json(session, base_url=base_url(request)))


@routes.route(
    "PATCH",
    "/api/sessions/{session_id}",
    summary="Change a session (only the fields sent); bookings are checked again",
    tag=TAG,
    body=SESSION_CHANGES,
    responses={"200": "OK", "409": "A person on the roster would be double-booked"},
    returns=SESSION,
)
async def update_session(request: web.Request) -> web.Response:
    session = await own_session(request)
    fields = await read_body(request, SESSION_CHANGES)
    session = await agenda.update_session(
        request.app[STORE], session=session, fields=fields, now=now()
    )
    return json_response(session_json(session, base_url=base_url(request)))


@routes.route(
    "POST",
    "/api/sessions/{session_id}/cancel",
    summary="Cancel a session (no body, or an empty object)",
    tag=TAG,
    body=CANCEL,
    responses={"200": "OK", "409": "The session has ended or is cancelled already"},
    returns=SESSION,
)
async def cancel_session(request: web.Request) -> web.Response:
    session = await own_session(request)
    await read_body(request, CANCEL)
    session = await agenda.cancel_session(request.app[STORE], session=session, now=now())
    return json_response(session_json(session, base_url=base_url(request)))


@routes.route(
    "GET",
    "/api/sessions/{session_id}/roster",
    summary="A session's roster",
    tag=TAG,
    returns=listed(ROSTER_ENTRY),
)
async def get_roster(request: web.Request) -> web.Response:
    session = await own_session(request)
    entries = await request.app[STORE].agenda.roster_of(session.session_id)
    return json_response([roster_entry_json(entry) for entry in entries])


@routes.route(
    "POST",
    "/api/sessions/{session_id}/roster",
    summary="Put a person on a session's roster with a role",
    tag=TAG,
    body=NEW_ROSTER_ENTRY,
    responses={"201": "Created", "409": "double_booked: the person is booked at that time"},
    returns=ROSTER_ENTRY,
)
async def add_to_roster(request: web.Request) -> web.Response:
    session, store = await own_session(request), request.app[STORE]
    fields = await read_body(request, NEW_ROSTER_ENTRY)
    entry = await roster_entry(store, org_id=session.org_id, fields=fields)
    entry = await agenda.add_to_roster(store, session=session, entry=entry, now=now())
    return json_response(roster_entry_json(entry), status=201)


@routes.route(
    "DELETE",
    "/api/sessions/{session_id}/roster/{person_key}",
    summary="Take a person off a session's roster",
    tag=TAG,
    responses={"204": "Removed"},
)
async def remove_from_roster(request: web.Request) -> web.Response:
    session = await own_session(request)
    key = request.match_info["person_key"]
    await agenda.remove_from_roster(request.app[STORE], session=session, person_key=key, now=now())
    return web.Response(status=204)


@routes.route(
    "GET",
    "/api/me/sessions",
    summary="My sessions: those I am on the roster of, by start",
    tag=TAG,
    returns=listed(SESSION),
)
async def list_my_sessions(request: web.Request) -> web.Response:
    account = await require_account(request)
    key = person_key(PersonType.ACCOUNT, account.account_id)
    sessions = await request.app[STORE].agenda.sessions_of_person(key)
    return json_response([session_json(s, base_url=base_url(request)) for s in sessions])

"""/api/ recordings library, for the staff of the recording's organization: an event's and a
session's recordings (with their status and, once ready, signed URLs of the video valid a
few minutes), renaming and publishing one as a public replay, deleting one (its files and
record, logged), and the organization's retention policy (its administrators set it).

Watching is for the pages (``server/pages/recordings.py``); a staff client plays or
downloads a recording with the signed URLs of its entry here.
"""

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from recordings.library import RETENTION_DAYS_MAX, Access, Status
from rooms.agenda import PersonType, person_key
from rooms.limits import TITLE_MAX
from server import recording_library
from server.api.events import own_event
from server.api.routes import ApiRoutes, json_response, read_body
from server.api.schema import Body, Bool, Int, Str, list_of, response_schema
from server.api.sessions import own_session
from server.appkeys import SETTINGS, STORE
from server.auth import require_account
from server.recording_access import Watcher, player_of
from server.recording_library import Listed
from server.settings import Settings

routes = ApiRoutes()
TAG = "recordings"
ONE = "/api/recordings/{recording_id}"
RETENTION = "/api/organization/recording-retention"

_TEXT = {"type": "string"}
_MAYBE_TEXT = {"type": ["string", "null"]}
RECORDING = response_schema(
    "Recording",
    {
        "recording_id": _TEXT,
        "session_id": _TEXT,
        "title": {**_TEXT, "description": "the title given, else the session's"},
        "started_at": {"type": "string", "format": "date-time"},
        "stopped_at": {"type": ["string", "null"], "format": "date-time"},
        "duration_seconds": {"type": ["integer", "null"]},
        "status": {"enum": [str(s) for s in Status]},
        "public": {"type": "boolean", "description": "a public replay"},
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "page_url": {**_TEXT, "description": "the player page"},
        "video_url": {
            **_MAYBE_TEXT,
            "description": "once ready: the video, signed for the caller, valid a few minutes "
            "(410 after; range requests)",
        },
        "download_url": _MAYBE_TEXT,
    },
)
CHANGE = Body(
    {
        "title": Str(
            max_length=TITLE_MAX,
            required=False,
            description="the recording's title; \"\" puts back the session's",
            example="开幕式 Opening",
        ),
        "public": Bool(
            required=False, description="publish as a public replay (once ready) or take back"
        ),
    },
    partial=True,
)
RETENTION_BODY = Body(
    {
        "days": Int(
            minimum=0,
            maximum=RETENTION_DAYS_MAX,
            description="delete recordings this many days after they started; 0 keeps them",
            example=365,
        )
    }
)
RETENTION_ANSWER = response_schema(
    "RecordingRetention",
    {"days": {"type": ["integer", "null"], "description": "null: recordings are kept"}},
)


def _json(settings: Settings, item: Listed, watcher: Watcher) -> dict[str, Any]:
    recording, now = item.recording, datetime.now(UTC)
    ready = item.status is Status.READY
    player = player_of(settings, recording, watcher, now=now) if ready else None
    return {
        "recording_id": recording.recording_id, "session_id": recording.session_id,
        "title": item.title, "started_at": recording.started_at,
        "stopped_at": recording.stopped_at, "duration_seconds": item.duration,
        "status": str(item.status), "public": item.public,
        "published_at": recording.published_at,
        "page_url": f"{settings.base_url}/recordings/{recording.recording_id}",
        "video_url": player and settings.base_url + player.video_url,
        "download_url": player and settings.base_url + player.download_url,
    }  # fmt: skip


async def _staff(request: web.Request) -> Watcher:
    account = await require_account(request)
    return Watcher(Access.STAFF, person_key(PersonType.ACCOUNT, account.account_id), account.name)


async def _answer(request: web.Request, items: list[Listed]) -> web.Response:
    watcher, settings = await _staff(request), request.app[SETTINGS]
    return json_response([_json(settings, item, watcher) for item in items])


@routes.route(
    "GET",
    "/api/events/{event_id}/recordings",
    summary="An event's recordings, newest first: status (recording, composing, ready), "
    "public or not, and once ready signed URLs of the video",
    tag=TAG,
    returns=list_of(RECORDING),
)
async def event_recordings(request: web.Request) -> web.Response:
    event = await own_event(request)
    return await _answer(request, await recording_library.of_event(request.app[STORE], event))


@routes.route(
    "GET",
    "/api/sessions/{session_id}/recordings",
    summary="A session's recordings, newest first",
    tag=TAG,
    returns=list_of(RECORDING),
)
async def session_recordings(request: web.Request) -> web.Response:
    session = await own_session(request)
    found = await recording_library.of_sessions(request.app[STORE], [session])
    return await _answer(request, found)


@routes.route(
    "PATCH",
    ONE,
    summary="Rename a recording, or publish it as a public replay (once its video is ready) "
    "or take it back",
    tag=TAG,
    body=CHANGE,
    responses={"200": "Changed", "409": "Not ready to publish"},
    returns=RECORDING,
)
async def change_recording(request: web.Request) -> web.Response:
    account = await require_account(request)
    fields = await read_body(request, CHANGE)
    item = await recording_library.edit(
        request.app[STORE], request.match_info["recording_id"], org_id=account.org_id,
        now=datetime.now(UTC), title=fields.get("title"), public=fields.get("public"),
    )  # fmt: skip
    return json_response(_json(request.app[SETTINGS], item, await _staff(request)))


@routes.route(
    "DELETE",
    ONE,
    summary="Delete a recording: its files and its record (logged)",
    tag=TAG,
    responses={"204": "Deleted", "409": "It is going on"},
)
async def delete_recording(request: web.Request) -> web.Response:
    account = await require_account(request)
    await recording_library.delete(
        request.app[STORE], request.app[SETTINGS].data_dir, request.match_info["recording_id"],
        account=account, now=datetime.now(UTC),
    )  # fmt: skip
    return web.Response(status=204)


@routes.route(
    "GET",
    RETENTION,
    summary="How many days the organization keeps its recordings",
    tag=TAG,
    returns=RETENTION_ANSWER,
)
async def get_retention(request: web.Request) -> web.Response:
    account = await require_account(request)
    days = await request.app[STORE].recording_library.retention(account.org_id)
    return json_response({"days": days})


@routes.route(
    "PUT",
    RETENTION,
    summary="Set how many days the organization keeps its recordings (its administrators); "
    "the scheduler deletes older ones",
    tag=TAG,
    body=RETENTION_BODY,
    responses={"200": "Set", "403": "Not an administrator"},
    returns=RETENTION_ANSWER,
)
async def set_retention(request: web.Request) -> web.Response:
    account = await require_account(request)
    days: int = (await read_body(request, RETENTION_BODY))["days"]
    kept = await recording_library.set_retention(
        request.app[STORE], account=account, days=days or None
    )
    return json_response({"days": kept})

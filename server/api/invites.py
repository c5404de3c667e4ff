"""/api/ invites: staff issue, list and revoke the invite links of their own sessions."""

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from rooms.agenda import Session
from rooms.invites import MAX_DAYS, MIN_DAYS, InviteStatus
from rooms.limits import NAME_MAX
from rooms.roles import Role
from server.api.routes import ApiRoutes, json_response, read_body
from server.api.schema import Body, Bool, Email, Int, Str, role_field
from server.api.sessions import session_of
from server.api.views import listed, utc_text
from server.appkeys import SETTINGS, STORE
from server.auth import require_account
from server.invitations import (
    Listed,
    invite_url,
    invites_of,
    issue_invite,
    issue_personal_invite,
    revoke_invite,
    sign_invite,
)
from server.settings import Settings

routes = ApiRoutes()

INVITE_BODY = Body(
    {
        "role": role_field(description="The role the link admits with.", example="reviewer"),
        "name": Str(min_length=1, max_length=NAME_MAX, example="Li Wei"),
        "email": Email(required=False, example="li.wei@example.org"),
        "single_use": Bool(
            required=False, description="The link works once (default false).", example=True
        ),
        "expires_in_days": Int(
            required=False,
            minimum=MIN_DAYS,
            maximum=MAX_DAYS,
            description="Days until the link expires (default: the server's invite_max_age_days).",
            example=14,
        ),
    }
)

_TEXT = {"type": "string"}
_INSTANT = {"type": "string", "format": "date-time"}
_URI = {"type": "string", "format": "uri"}
_INVITE_PROPERTIES = {
    "invite_id": _TEXT,
    "session_id": _TEXT,
    "role": {"type": "string", "enum": [str(role) for role in Role]},
    "name": _TEXT,
    "email": _TEXT,
    "person_key": {
        **_TEXT,
        "description": (
            "expert:<id> (a rostered expert's own invite), guest:<email>, or invite:<invite_id>"
        ),
    },
    "single_use": {"type": "boolean"},
    "status": {"type": "string", "enum": [str(status) for status in InviteStatus]},
    "created_at": _INSTANT,
    "expires_at": _INSTANT,
    "url": {**_URI, "description": "The invite link to send; it holds the signed token."},
    "qr_url": {**_URI, "description": "The invite link as a QR code (SVG)."},
}
INVITE = {
    "title": "Invite",
    "type": "object",
    "additionalProperties": False,
    "required": list(_INVITE_PROPERTIES),
    "properties": _INVITE_PROPERTIES,
}


def invite_json(item: Listed, settings: Settings) -> dict[str, Any]:
    invite = item.invite
    url = invite_url(settings, sign_invite(settings, invite))
    return {
        "invite_id": invite.invite_id,
        "session_id": invite.session_id,
        "role": str(invite.role),
        "name": invite.name,
        "email": invite.email,
        "person_key": invite.person_key,
        "single_use": invite.single_use,
        "status": str(item.status),
        "created_at": utc_text(invite.created_at),
        "expires_at": utc_text(invite.expires_at),
        "url": url,
        "qr_url": f"{url}/qr.svg",
    }


async def _own_session(request: web.Request) -> tuple[str, Session]:
    """The caller's account_id and the session, if it belongs to the caller's organization."""
    account = await require_account(request)
    return account.account_id, await session_of(request, account)


@routes.route(
    "POST",
    "/api/sessions/{session_id}/invites",
    summary="Invite one person to the session with one role",
    tag="invites",
    body=INVITE_BODY,
    responses={"201": "The new invite, with its link"},
    returns=INVITE,
)
async def create_invite(request: web.Request) -> web.Response:
    account_id, session = await _own_session(request)
    fields = await read_body(request, INVITE_BODY)
    settings = request.app[SETTINGS]
    invite = await issue_invite(
        request.app[STORE],
        session=session,
        role=Role(fields["role"]),
        name=fields["name"],
        email=fields.get("email", ""),
        single_use=fields.get("single_use", False),
        days=fields.get("expires_in_days", settings.invite_max_age_days),
        created_by=account_id,
        now=datetime.now(UTC),
    )
    return json_response(invite_json(Listed(invite, InviteStatus.ACTIVE), settings), status=201)


PERSONAL = Body({})


@routes.route(
    "POST",
    "/api/sessions/{session_id}/roster/{person_key}/invite",
    summary="Make the personal invite of someone on the roster, from their entry (no body): "
    "their role, name and e-mail, reusable until a day after the session; it admits them as "
    "themselves (an expert as expert:<id>)",
    tag="invites",
    body=PERSONAL,
    responses={"201": "The new invite, with its link"},
    returns=INVITE,
)
async def create_personal_invite(request: web.Request) -> web.Response:
    account_id, session = await _own_session(request)
    await read_body(request, PERSONAL)
    invite = await issue_personal_invite(
        request.app[STORE],
        session=session,
        person_key=request.match_info["person_key"],
        created_by=account_id,
        now=datetime.now(UTC),
    )
    item = Listed(invite, InviteStatus.ACTIVE)
    return json_response(invite_json(item, request.app[SETTINGS]), status=201)


@routes.route(
    "GET",
    "/api/sessions/{session_id}/invites",
    summary="The session's invites, oldest first, with their status",
    tag="invites",
    returns=listed(INVITE),
)
async def list_invites(request: web.Request) -> web.Response:
    _, session = await _own_session(request)
    items = await invites_of(request.app[STORE], session=session, now=datetime.now(UTC))
    return json_response([invite_json(item, request.app[SETTINGS]) for item in items])


@routes.route(
    "DELETE",
    "/api/sessions/{session_id}/invites/{invite_id}",
    summary="Revoke an invite: its link stops admitting anyone",
    tag="invites",
    returns=INVITE,
)
async def delete_invite(request: web.Request) -> web.Response:
    _, session = await _own_session(request)
    invite = await revoke_invite(
        request.app[STORE], session=session, invite_id=request.match_info["invite_id"]
    )
    item = Listed(invite, InviteStatus.REVOKED)
    return json_response(invite_json(item, request.app[SETTINGS]))

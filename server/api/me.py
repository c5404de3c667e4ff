"""/api/me: who the browser is signed in as, and the CSRF token its scripts must send."""

from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from rooms.accounts import Account, OrgRole
from server import csrf
from server.api import ApiRoutes, json_response
from server.api.views import utc_text
from server.auth import current_account

routes = ApiRoutes()

_TEXT = {"type": "string"}
ACCOUNT = {
    "title": "Account",
    "type": "object",
    "additionalProperties": False,
    "required": ["account_id", "org_id", "email", "name", "org_role", "created_at"],
    "properties": {
        "account_id": _TEXT,
        "org_id": _TEXT,
        "email": {"type": "string", "format": "email"},
        "name": _TEXT,
        "org_role": {"type": "string", "enum": [str(r) for r in OrgRole]},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
ME = {
    "title": "Me",
    "type": "object",
    "additionalProperties": False,
    "required": ["account", "csrf_token"],
    "properties": {
        "account": {"oneOf": [ACCOUNT, {"type": "null"}]},
        "csrf_token": {
            "type": "string",
            "description": "Send it as the X-CSRF-Token header of POST, PUT, PATCH, DELETE.",
        },
    },
}


def account_json(account: Account) -> dict[str, Any]:
    return {
        "account_id": account.account_id,
        "org_id": account.org_id,
        "email": account.email,
        "name": account.name,
        "org_role": str(account.org_role),
        "created_at": utc_text(account.created_at),
    }


@routes.route(
    "GET",
    "/api/me",
    summary="The signed-in account (or null) and this browser session's CSRF token",
    tag="auth",
    auth=False,
    returns=ME,
)
async def get_me(request: web.Request) -> web.Response:
    account = await current_account(request)
    token = csrf.token(await get_session(request))
    response = json_response({"account": account and account_json(account), "csrf_token": token})
    response.headers["Cache-Control"] = "no-store"
    return response

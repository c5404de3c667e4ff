"""/api/me: who the browser is signed in as, and the CSRF token its scripts must send;
/api/me/notifications: the signed-in account's notifications (the scheduler's reminders)."""

from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from rooms.accounts import Account, OrgRole
from rooms.agenda import PersonType, person_key
from rooms.notifications import Notification, NotificationKind
from server import agenda, csrf
from server.api.routes import ApiRoutes, json_response
from server.api.views import utc_text
from server.appkeys import SETTINGS, STORE
from server.auth import current_account, require_account

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


NOTIFICATION = {
    "title": "Notification",
    "type": "object",
    "additionalProperties": False,
    "required": [
        "notification_id",
        "kind",
        "session_id",
        "title",
        "start",
        "zone",
        "created_at",
        "url",
    ],
    "properties": {
        "notification_id": _TEXT,
        "kind": {"type": "string", "enum": [str(k) for k in NotificationKind]},
        "session_id": _TEXT,
        "title": {**_TEXT, "description": "the session's title"},
        "start": {"type": "string", "format": "date-time", "description": "UTC"},
        "zone": {**_TEXT, "description": "the session's event zone (UTC if it is gone)"},
        "created_at": {"type": "string", "format": "date-time"},
        "url": {"type": "string", "format": "uri", "description": "the session's page"},
    },
}
NOTIFICATIONS = {
    "title": "Notifications",
    "type": "object",
    "additionalProperties": False,
    "required": ["count", "notifications"],
    "properties": {
        "count": {"type": "integer", "description": "how many the account has in all"},
        "notifications": {"type": "array", "items": NOTIFICATION},
    },
}
NOTIFICATIONS_LISTED = 50


def notification_json(notification: Notification, *, zone: str, base_url: str) -> dict[str, Any]:
    return {
        "notification_id": notification.notification_id,
        "kind": str(notification.kind),
        "session_id": notification.session_id,
        "title": notification.title,
        "start": utc_text(notification.start),
        "zone": zone,
        "created_at": utc_text(notification.created_at),
        "url": f"{base_url}/sessions/{notification.session_id}",
    }


@routes.route(
    "GET",
    "/api/me/notifications",
    summary="The signed-in account's notifications (reminders of its sessions), newest first",
    tag="notifications",
    returns=NOTIFICATIONS,
)
async def get_my_notifications(request: web.Request) -> web.Response:
    account = await require_account(request)
    store, person = request.app[STORE], person_key(PersonType.ACCOUNT, account.account_id)
    notifications = await store.notifications.of_person(person, limit=NOTIFICATIONS_LISTED)
    zones = await agenda.zones_of(store, (n.session_id for n in notifications))
    base_url = request.app[SETTINGS].base_url
    listed = [
        notification_json(n, zone=zones.get(n.session_id, "UTC"), base_url=base_url)
        for n in notifications
    ]
    response = json_response(
        {"count": await store.notifications.count(person), "notifications": listed}
    )
    response.headers["Cache-Control"] = "no-store"
    return response

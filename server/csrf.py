"""Cross-site request forgery: one random token per browser session, checked on every
request that changes state.

Forms send it in a hidden ``csrf_token`` field (``{{ csrf_token() }}`` in templates);
scripts send it in the ``X-CSRF-Token`` header (``GET /api/me`` gives it). A POST, PUT,
PATCH or DELETE without the session's token is refused with 403. One path is exempt:
Socket.IO's ``/socket.io/`` (long-polling POSTs carry no token), which the realtime server
protects by its Origin check instead (server/realtime). A request that reaches no handler of
its own (no such path, or not this method: server/methods.py) is not checked: it changes
nothing, and is answered 404 or 405.
server.auth installs the middleware, inside the session middleware.
"""

import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any

from aiohttp import web
from aiohttp_session import get_session

from server.errors import ApiError, is_api
from server.methods import is_refused

FIELD = "csrf_token"  # the form field, and the session field holding the token
HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
EXEMPT_PREFIX = "/socket.io/"  # Socket.IO: checked by Origin (server/realtime)


def new_token(session: MutableMapping[str, Any]) -> str:
    """A fresh token for the session (at sign-in), replacing any earlier one."""
    token = secrets.token_urlsafe(32)
    session[FIELD] = token
    return token


def token(session: MutableMapping[str, Any]) -> str:
    """The session's token, made on first use."""
    existing = session.get(FIELD)
    return existing if isinstance(existing, str) and existing else new_token(session)


async def sent_token(request: web.Request) -> str:
    """The token the request carries: the header, else the form field of a form body.

    ``request.post()`` caches the parsed form, so the handler can still read it.
    """
    header = request.headers.get(HEADER, "")
    if header or request.content_type not in FORM_TYPES:
        return header
    try:
        form = await request.post()
    except ValueError:  # a malformed form body carries no token
        return ""
    value = form.get(FIELD, "")
    return value if isinstance(value, str) else ""


def matches(sent: str, expected: object) -> bool:
    if not sent or not isinstance(expected, str) or not expected:
        return False
    return hmac.compare_digest(sent.encode(), expected.encode())


def refusal(request: web.Request) -> ApiError:
    if is_api(request):
        return ApiError(
            403,
            "csrf_failed",
            "Missing or wrong CSRF token: send the X-CSRF-Token header with the token "
            "that GET /api/me gives.",
        )
    return ApiError(
        403,
        "csrf_failed",
        "This form has expired or did not come from this site. "
        "Go back, reload the page and try again.",
    )


async def check(request: web.Request, session: MutableMapping[str, Any]) -> None:
    """Refuse (ApiError 403) a state-changing request without the session's token."""
    if request.method in UNSAFE_METHODS and not matches(
        await sent_token(request), session.get(FIELD)
    ):
        raise refusal(request)


@web.middleware
async def csrf_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    if (
        request.method in UNSAFE_METHODS
        and not request.path.startswith(EXEMPT_PREFIX)
        and not is_refused(request)
    ):
        await check(request, await get_session(request))
    return await handler(request)

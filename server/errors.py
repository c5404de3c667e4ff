"""Errors by audience, translated once at the edge.

- DomainError (rooms) and ApiError: the user's request broke a rule; status 4xx, the message
  is shown (translated) as it is.
- aiohttp's HTTP exceptions: passed through (as JSON under /api/).
- anything else: logged with its traceback; the user sees "internal error".
"""

import json
import logging

import aiohttp_jinja2
from aiohttp import web

from rooms.errors import Conflict, DomainError, Forbidden, NotFound
from server.i18n import gettext

log = logging.getLogger(__name__)

_STATUS = {NotFound: 404, Conflict: 409, Forbidden: 403}


class ApiError(DomainError):
    """A request error found at the edge (bad JSON, unknown field, too large...)."""

    def __init__(self, status: int, code: str, template: str, **params: object) -> None:
        super().__init__(template, code=code, **params)
        self.status = status


def status_of(error: DomainError) -> int:
    if isinstance(error, ApiError):
        return error.status
    for cls, status in _STATUS.items():
        if isinstance(error, cls):
            return status
    return 400


def is_api(request: web.Request) -> bool:
    return request.path.startswith("/api/")


def error_json(status: int, code: str, message: str) -> web.Response:
    body = {"error": {"code": code, "message": message}}
    return web.json_response(body, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False))


def user_message(request: web.Request, error: DomainError) -> str:
    return gettext(request, error.template).format(**error.params)


def _page(request: web.Request, status: int, message: str) -> web.Response:
    context = {"status": status, "message": message}
    try:
        return aiohttp_jinja2.render_template("error.html", request, context, status=status)
    except Exception:  # the page frame itself failed (e.g. Redis down): plain text will do
        log.exception("could not render the error page")
        return web.Response(status=status, text=message)


_HTTP_TEMPLATES = {
    404: "There is nothing at this address.",
    405: "This address does not take {method} requests.",
    413: "The request body is too large.",
}


def _http_error_json(request: web.Request, exc: web.HTTPException) -> web.Response:
    code = exc.reason.lower().replace(" ", "_")
    template = _HTTP_TEMPLATES.get(exc.status)
    if template:
        message = gettext(request, template).format(method=request.method)
    else:
        message = exc.text or exc.reason
    response = error_json(exc.status, code, message)
    if "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    return response


@web.middleware
async def error_middleware(request: web.Request, handler):  # type: ignore[no-untyped-def]
    try:
        return await handler(request)
    except DomainError as error:
        status, message = status_of(error), user_message(request, error)
        if is_api(request):
            return error_json(status, error.code, message)
        return _page(request, status, message)
    except web.HTTPException as exc:
        if exc.status < 400 or not is_api(request):
            raise
        return _http_error_json(request, exc)
    except Exception:
        log.exception("internal error on %s %s", request.method, request.path)
        message = gettext(request, "Internal error. It has been logged; please try again.")
        if is_api(request):
            return error_json(500, "internal", message)
        return _page(request, 500, message)

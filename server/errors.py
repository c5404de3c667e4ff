"""Errors by audience, translated once at the edge.

- DomainError (rooms) and ApiError: the user's request broke a rule; status 4xx, the message
  is shown (translated) as it is.
- aiohttp's HTTP exceptions (4xx, 5xx): JSON under /api/, else the app's own error page,
  translated, saying what went wrong (a body over the size limit: the limit).
- Redis did not answer (``StoreError``): 503 with ``Retry-After``, one warning line; the user
  is told that nothing was saved and to try again in a moment.
- anything else: logged with its traceback; the user sees "internal error".
"""

import json
import logging

import aiohttp_jinja2
from aiohttp import web

from rooms.errors import Conflict, DomainError, Forbidden, NotFound
from server.field_labels import FIELD_PARAMS, label_of
from server.i18n import gettext
from server.store.connection import StoreError
from server.templating import basics

log = logging.getLogger(__name__)

_STATUS = {NotFound: 404, Conflict: 409, Forbidden: 403}
UNAVAILABLE = "The database did not answer; nothing was saved. Please try again in a moment."
RETRY_AFTER = "5"  # seconds: a Redis restarting, or a failover (ARCHITECTURE.md, "A hung node")


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


def user_message(request: web.Request, error: DomainError, *, columns: bool = False) -> str:
    """The error's message in the request's language; on a page, a field it names is named
    by that form's label (server/field_labels.py), under /api/ and for a row of an uploaded
    CSV file (``columns``) by the field's name, which is the column's."""
    params = dict(error.params)
    if not (columns or is_api(request)):
        for key in FIELD_PARAMS:
            label = label_of(request.path, str(params.get(key, "")))
            if label is not None:
                params[key] = gettext(request, label)
    return gettext(request, error.template).format(**params)


def _page(request: web.Request, status: int, message: str, *, back: bool = False) -> web.Response:
    """error.html; ``back``: the request was a form sent from a page, offer the way back to it
    (the browser's history keeps what was typed)."""
    context = basics(request) | {"status": status, "message": message, "back": back}
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
_PAGE_TEMPLATES = _HTTP_TEMPLATES | {
    413: "What you sent is larger than the {limit} KiB this site accepts at once; nothing was "
    "saved. Go back to the form, shorten the text or send a smaller file, and try again.",
}


def _http_error_page(request: web.Request, exc: web.HTTPException) -> web.Response:
    template = _PAGE_TEMPLATES.get(exc.status)
    if template is None:
        template = "Internal error. It has been logged; please try again."
        if exc.status < 500:
            template = "The request could not be handled ({status})."
    params = {"method": request.method, "limit": request.client_max_size // 1024}
    message = gettext(request, template).format(status=exc.status, **params)
    response = _page(request, exc.status, message, back=request.method == "POST")
    if "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    return response


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
        if exc.status < 400:
            raise
        if is_api(request):
            return _http_error_json(request, exc)
        return _http_error_page(request, exc)
    except StoreError as error:  # Redis down or hung: not a bug, and said so
        log.warning("%s %s: Redis did not answer (%s: %s)", request.method, request.path,
                    type(error).__name__, error)  # fmt: skip
        message = gettext(request, UNAVAILABLE)
        if is_api(request):
            response = error_json(503, "unavailable", message)
        else:
            response = _page(request, 503, message, back=request.method == "POST")
        response.headers["Retry-After"] = RETRY_AFTER
        return response
    except Exception:
        log.exception("internal error on %s %s", request.method, request.path)
        message = gettext(request, "Internal error. It has been logged; please try again.")
        if is_api(request):
            return error_json(500, "internal", message)
        return _page(request, 500, message)

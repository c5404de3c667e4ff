"""The REST API's route framework: each resource module's ``ApiRoutes``, the request body
reader and the JSON response.

A resource module decorates its handlers with
``@routes.route(method, path, summary=..., body=Body(...), tag=..., returns=SCHEMA)``
(``accepts="text/csv"`` documents a body that is not JSON, which the handler reads itself).
Handlers read bodies only through ``read_body(request, Body(...))``, which parses the JSON
and checks it against the schema (server/api/schema.py); ``json_response`` writes UTF-8
JSON. The OpenAPI document (server/api/openapi.py) is generated from the same ``ApiRoute``
records.
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from aiohttp import web

from server.api.schema import Body
from server.errors import ApiError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: Body | None
    auth: bool
    responses: dict[str, str]
    returns: dict[str, Any] | None = None  # JSON Schema of the success response's body
    accepts: str | None = None  # media type of a body that is not JSON (e.g. "text/csv")


@dataclass
class ApiRoutes:
    routes: list[ApiRoute] = field(default_factory=list)

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        tag: str,
        body: Body | None = None,
        auth: bool = True,
        responses: dict[str, str] | None = None,
        returns: dict[str, Any] | None = None,
        accepts: str | None = None,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            route = ApiRoute(method, path, handler, summary, tag, body, auth, responses or {})
            self.routes.append(replace(route, returns=returns, accepts=accepts))
            return handler

        return register


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # bad JSON or UTF-8, NaN, 5000-digit ints, deep nesting
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None


async def read_body(request: web.Request, body: Body) -> dict[str, Any]:
    """The request's JSON object, checked against body; ApiError (4xx) otherwise.

    No body at all counts as ``{}``, so operations whose fields are all optional may be
    called without one.
    """
    if not request.body_exists:
        return body.check({})
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(
            413,
            "body_too_large",
            "The request body is larger than {limit} bytes.",
            limit=request.client_max_size,
        ) from None
    return body.check(_parse_json(raw))


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(
        data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False, default=str)
    )

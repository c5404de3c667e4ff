"""The JSON REST API under /api/, and its OpenAPI 3 document built from the same routes.

Each resource module owns an ``ApiRoutes`` and decorates its handlers with
``@routes.route(method, path, summary=..., body=Body(...), tag=..., returns=SCHEMA)``
(``accepts="text/csv"`` documents a body that is not JSON, which the handler reads itself).
``read_body`` parses and checks a request's JSON. ``setup_api`` mounts every module's routes
and serves ``/api/openapi.json``; tests/server/test_api_contract.py checks that every /api/
route is documented there and that malformed input is always a 4xx JSON error.
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


API_ROUTES = web.AppKey("api_routes", list)


def _all_modules() -> list[ApiRoutes]:
    from server.api import events, experts, invites, me, sessions

    return [me.routes, events.routes, sessions.routes, invites.routes, experts.routes]


def setup_api(app: web.Application) -> None:
    from server.api.openapi import openapi_document

    routes = [route for module in _all_modules() for route in module.routes]
    for route in routes:
        app.router.add_route(route.method, route.path, route.handler)
    app[API_ROUTES] = routes

    async def serve_openapi(request: web.Request) -> web.Response:
        return json_response(openapi_document(request.app[API_ROUTES]))

    app.router.add_get("/api/openapi.json", serve_openapi)

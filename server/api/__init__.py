"""The JSON REST API under /api/, and its OpenAPI 3 document built from the same routes.

Each resource module owns an ``ApiRoutes`` and decorates its handlers with
``@routes.route(method, path, summary=..., body=Body(...), tag=...)``. ``read_body`` parses
and checks a request's JSON. ``setup_api`` mounts every module's routes and serves
``/api/openapi.json``; tests check that every /api/ route is documented there.
"""

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
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
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append(
                ApiRoute(method, path, handler, summary, tag, body, auth, responses or {})
            )
            return handler

        return register


async def read_body(request: web.Request, body: Body) -> dict[str, Any]:
    """The request's JSON object, checked against body; ApiError (400) otherwise."""
    if request.content_type != "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    raw = await request.read()
    try:
        data = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
    return body.check(data)


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.json_response(
        data, status=status, dumps=lambda v: json.dumps(v, ensure_ascii=False, default=str)
    )


API_ROUTES = web.AppKey("api_routes", list)


def _all_modules() -> list[ApiRoutes]:
    from server.api import events, experts, invites, sessions

    return [events.routes, sessions.routes, invites.routes, experts.routes]


def setup_api(app: web.Application) -> None:
    from server.api.openapi import openapi_document

    routes = [route for module in _all_modules() for route in module.routes]
    for route in routes:
        app.router.add_route(route.method, route.path, route.handler)
    app[API_ROUTES] = routes

    async def serve_openapi(request: web.Request) -> web.Response:
        return json_response(openapi_document(request.app[API_ROUTES]))

    app.router.add_get("/api/openapi.json", serve_openapi)

"""The JSON REST API under /api/, and its OpenAPI 3 document built from the same routes.

Each resource module (events, sessions, invites, experts, me) owns an ``ApiRoutes`` of the
route framework (server/api/routes.py). ``setup_api`` mounts every module's routes and
serves ``/api/openapi.json``; tests/server/test_api_contract.py checks that every /api/
route is documented there and that malformed input is always a 4xx JSON error.
"""

from aiohttp import web

from server.api import (
    attendance,
    events,
    experts,
    followups,
    investors,
    invites,
    libraries,
    me,
    polls,
    recordings,
    results,
    review_conflicts,
    review_materials,
    reviews,
    sessions,
    shows,
    signing,
)
from server.api.openapi import openapi_document
from server.api.routes import ApiRoutes, json_response

API_ROUTES = web.AppKey("api_routes", list)


def _all_modules() -> list[ApiRoutes]:
    return [
        me.routes,
        events.routes,
        sessions.routes,
        invites.routes,
        experts.routes,
        libraries.routes,
        investors.routes,
        reviews.routes,
        review_conflicts.routes,
        results.routes,
        review_materials.routes,
        polls.routes,
        shows.routes,
        attendance.routes,
        followups.routes,
        signing.routes,
        recordings.routes,
    ]


async def serve_openapi(request: web.Request) -> web.Response:
    return json_response(openapi_document(request.app[API_ROUTES]))


def setup_api(app: web.Application) -> None:
    routes = [route for module in _all_modules() for route in module.routes]
    for route in routes:
        app.router.add_route(route.method, route.path, route.handler)
    app[API_ROUTES] = routes
    app.router.add_get("/api/openapi.json", serve_openapi)

"""HTTP methods: every path answers exactly the methods it has.

aiohttp may keep several resources for one path (``GET /login`` and ``POST /login`` are
registered apart), and a plain path may also match a dynamic one: ``/api/experts/import``
(POST) is an ``/api/experts/{expert_id}`` (GET, PATCH, DELETE) too, so a GET fell through to
the expert named "import" and a 405 listed both paths' methods. ``answer_methods`` closes
every path after its own routes with one catch-all, ``other_method``: OPTIONS is answered 204
with ``Allow``, any other method 405 with ``Allow`` (JSON under /api/, server/errors.py).

A request no handler takes changes nothing, so the CSRF check (server/csrf.py) lets it
through to its 404 or 405 (``is_refused``): a wrong method is told so, not "CSRF failed".
"""

from aiohttp import hdrs, web
from aiohttp.web_urldispatcher import DynamicResource, PlainResource

ALLOWED = web.AppKey("allowed_methods", dict)  # a path's canonical form -> its methods


def _allow(methods: set[str]) -> list[str]:
    return sorted(methods | {hdrs.METH_OPTIONS})


async def other_method(request: web.Request) -> web.Response:
    """A method the path has no route for: OPTIONS lists the path's methods, others are 405."""
    resource = request.match_info.route.resource
    allowed = request.app[ALLOWED][resource.canonical if resource else request.path]
    if request.method == hdrs.METH_OPTIONS:
        return web.Response(status=204, headers={hdrs.ALLOW: ",".join(allowed)})
    raise web.HTTPMethodNotAllowed(request.method, allowed)


def is_refused(request: web.Request) -> bool:
    """Whether the request reaches no handler of its own: no such path, or no such method."""
    match_info = request.match_info
    return match_info.http_exception is not None or match_info.handler is other_method


def answer_methods(app: web.Application) -> None:
    """Give every path of the app, as routed so far, the catch-all ``other_method``."""
    paths: dict[str, list[PlainResource | DynamicResource]] = {}
    for resource in app.router.resources():
        if isinstance(resource, PlainResource | DynamicResource):
            paths.setdefault(resource.canonical, []).append(resource)
    allowed: dict[str, list[str]] = {}
    for path, resources in paths.items():
        methods = {route.method for resource in resources for route in resource}
        if hdrs.METH_ANY in methods:
            continue  # the path answers every method itself
        allowed[path] = _allow(methods)
        resources[-1].add_route(hdrs.METH_ANY, other_method)
    app[ALLOWED] = allowed

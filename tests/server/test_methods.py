"""Every path answers exactly its own methods (server/methods.py), before the CSRF check."""

import pytest
from aiohttp import web

from server.app import make_app
from server.methods import ALLOWED


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/login", "GET,HEAD,OPTIONS,POST"),  # GET and POST /login are two resources
        ("DELETE", "/logout", "OPTIONS,POST"),
        ("POST", "/console", "GET,HEAD,OPTIONS"),
        ("PATCH", "/console/experts/import", "GET,HEAD,OPTIONS,POST"),
        ("POST", "/events/e1", "GET,HEAD,OPTIONS"),
    ],
)
async def test_a_page_refuses_a_method_it_lacks_with_405_before_the_csrf_check(
    client, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path, allow_redirects=False)

    assert (response.status, response.headers["Allow"]) == (405, allow)
    assert f"This address does not take {method} requests." in await response.text()


async def test_options_lists_the_methods_of_a_page(client) -> None:
    response = await client.options("/login")

    assert (response.status, response.headers["Allow"]) == (204, "GET,HEAD,OPTIONS,POST")
    assert await response.read() == b""


async def test_a_post_to_no_page_is_404_not_a_csrf_refusal(client) -> None:
    response = await client.post("/no/such/page")

    assert response.status == 404


async def test_a_post_a_handler_takes_still_needs_its_csrf_token(client) -> None:
    response = await client.post("/logout", allow_redirects=False)

    assert response.status == 403


async def test_socket_io_keeps_its_own_options_handler(client) -> None:
    response = await client.put("/socket.io/")

    assert (response.status, response.headers["Allow"]) == (405, "GET,HEAD,OPTIONS,POST")


def test_every_path_lists_the_methods_of_all_its_routes(settings) -> None:
    app = make_app(settings)
    routed: dict[str, set[str]] = {}
    for resource in app.router.resources():
        if isinstance(resource, web.PlainResource | web.DynamicResource):
            methods = {route.method for route in resource} - {"*"}
            routed.setdefault(resource.canonical, set()).update(methods)

    assert app[ALLOWED] == {path: sorted(methods | {"OPTIONS"}) for path, methods in routed.items()}

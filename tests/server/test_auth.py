"""Who is asking (server/auth.py): the signed-in account for pages and the API, the page
context, and the client's address."""

import aiohttp_jinja2
import pytest
from aiohttp import web
from yarl import URL

from server.app import make_app
from server.auth import forwarded_client, require_account
from server.settings import network_list
from server.store import Store
from tests.server.fixtures_login import PASSWORD, me, post_login, staff_account

EMAIL = "wang.fang@example.org"


async def staff(store: Store):  # type: ignore[no-untyped-def]
    return await staff_account(store, EMAIL)


async def test_api_me_gives_a_visitor_a_lasting_csrf_token(client) -> None:
    first = await client.get("/api/me")
    second = await me(client)

    assert first.headers["Cache-Control"] == "no-store"
    assert (await first.json())["account"] is None
    assert (await first.json())["csrf_token"] == second["csrf_token"]
    assert len(second["csrf_token"]) == 43


async def test_api_me_describes_the_signed_in_account(client, store: Store) -> None:
    admin = await staff(store)
    await post_login(client, EMAIL, PASSWORD)

    body = await me(client)

    assert body["account"] == {
        "account_id": admin.account_id,
        "org_id": admin.org_id,
        "email": EMAIL,
        "name": "Wang Fang",
        "org_role": "admin",
        "created_at": "2026-05-01T08:00:00Z",
    }


async def _whoami(request: web.Request) -> web.Response:
    return web.Response(text=(await require_account(request)).email)


async def _context_probe(request: web.Request) -> web.Response:
    env = aiohttp_jinja2.get_env(request.app)
    template = env.from_string("{{ account.email if account else 'nobody' }} {{ csrf_token() }}")
    return web.Response(text=template.render(request[aiohttp_jinja2.REQUEST_CONTEXT_KEY]))


@pytest.fixture
async def probe_client(aiohttp_client, settings, store: Store):  # type: ignore[no-untyped-def]
    """The app with three test routes: a page and an API route needing an account, and a
    template showing what every page's context holds."""
    app = make_app(settings)
    app.router.add_get("/test/private", _whoami)
    app.router.add_get("/api/test/private", _whoami)
    app.router.add_get("/test/context", _context_probe)
    return await aiohttp_client(app)


async def test_require_account_sends_a_page_visitor_to_the_login_page(probe_client) -> None:
    response = await probe_client.get("/test/private?x=1", allow_redirects=False)

    location = URL(response.headers["Location"])
    assert (response.status, location.path) == (303, "/login")
    assert dict(location.query) == {"next": "/test/private?x=1"}


async def test_require_account_refuses_an_api_caller_with_401(probe_client) -> None:
    response = await probe_client.get("/api/test/private")

    assert response.status == 401
    assert await response.json() == {
        "error": {"code": "unauthorized", "message": "Sign in first: this needs a staff account."}
    }


async def test_require_account_gives_the_signed_in_account(probe_client, store: Store) -> None:
    await staff(store)
    await post_login(probe_client, EMAIL, PASSWORD)

    response = await probe_client.get("/test/private")

    assert await response.text() == EMAIL


async def test_every_page_gets_account_and_csrf_token(probe_client, store: Store) -> None:
    await staff(store)
    anonymous = await (await probe_client.get("/test/context")).text()
    await post_login(probe_client, EMAIL, PASSWORD)

    signed_in = await (await probe_client.get("/test/context")).text()

    token = (await me(probe_client))["csrf_token"]
    assert anonymous.startswith("nobody ")
    assert signed_in == f"{EMAIL} {token}"


# the client's address

PROXIES = network_list("10.0.0.0/8, 127.0.0.1")


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "expected"),
    [
        ("1.2.3.4", "", (), "1.2.3.4"),
        ("1.2.3.4", "5.6.7.8", (), "1.2.3.4"),  # no proxy trusted: the header is ignored
        ("127.0.0.1", "5.6.7.8", (), "127.0.0.1"),
        ("1.2.3.4", "5.6.7.8", PROXIES, "1.2.3.4"),  # the peer is no trusted proxy
        ("127.0.0.1", "5.6.7.8", PROXIES, "5.6.7.8"),
        ("127.0.0.1", "6.6.6.6, 5.6.7.8", PROXIES, "5.6.7.8"),  # the client's own entry
        ("127.0.0.1", "6.6.6.6, 5.6.7.8, 10.1.1.1", PROXIES, "5.6.7.8"),  # two proxies
        ("127.0.0.1", " 10.2.2.2 , 10.1.1.1", PROXIES, "10.2.2.2"),  # proxies all the way
        ("127.0.0.1", "", PROXIES, "127.0.0.1"),
        ("127.0.0.1", "junk, 10.1.1.1", PROXIES, "10.1.1.1"),
        ("127.0.0.1", "5.6.7.8, junk", PROXIES, "127.0.0.1"),
        (None, "5.6.7.8", PROXIES, None),
    ],
)
def test_forwarded_client_believes_x_forwarded_for_only_from_trusted_proxies(
    peer, forwarded_for, trusted, expected
) -> None:
    assert forwarded_client(peer, forwarded_for, trusted) == expected

import asyncio
import re
from dataclasses import replace
from http.cookies import SimpleCookie

import pytest
from aiohttp import FormData, web

from server.app import make_app
from server.security import HEADERS

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
COOKIE = "YUNHUI_SESSION"


async def login_token(client) -> str:  # type: ignore[no-untyped-def]
    found = CSRF.search(await (await client.get("/login")).text())
    assert found is not None
    return found.group(1)


def session_cookie(response) -> SimpleCookie:  # type: ignore[no-untyped-def]
    cookie = SimpleCookie()
    cookie.load(response.headers["Set-Cookie"])
    return cookie


# CSRF


async def test_form_post_without_csrf_token_is_refused_with_a_page(client) -> None:
    await login_token(client)  # the browser has a session, but the form lacks its token

    response = await client.post("/login", data={"email": "a@example.org", "password": "x"})

    assert response.status == 403
    assert response.content_type == "text/html"
    assert "This form has expired or did not come from this site." in await response.text()


async def test_form_post_with_another_sessions_token_is_refused(client, aiohttp_client) -> None:
    other = await aiohttp_client(client.server)  # another browser of the same site
    foreign = await login_token(other)
    await login_token(client)

    response = await client.post("/login", data={"email": "a@example.org", "csrf_token": foreign})

    assert response.status == 403


async def test_form_post_without_any_session_is_refused(client) -> None:
    response = await client.post("/logout", data={"csrf_token": "guessed"})

    assert response.status == 403


async def test_multipart_form_carries_its_token_in_a_field(client) -> None:
    form = FormData()
    form.add_field("csrf_token", await login_token(client))
    form.add_field("email", "a@example.org")
    form.add_field("password", "wrong password")
    form.add_field("file", b"name,email\n", filename="experts.csv", content_type="text/csv")

    response = await client.post("/login", data=form)

    assert response.status == 400  # past the CSRF check: the credentials are wrong


async def test_api_post_without_csrf_header_is_refused_as_json(client) -> None:
    response = await client.post("/api/events", json={"title_zh": "论坛"})

    assert response.status == 403
    assert await response.json() == {
        "error": {
            "code": "csrf_failed",
            "message": "Missing or wrong CSRF token: send the X-CSRF-Token header with the "
            "token that GET /api/me gives.",
        }
    }


async def test_api_csrf_refusal_is_translated(client) -> None:
    response = await client.post("/api/events", json={}, headers={"Accept-Language": "zh-CN"})

    assert (await response.json())["error"]["message"] == (
        "缺少 CSRF 令牌或令牌错误：请在 X-CSRF-Token 请求头中发送 GET /api/me 返回的令牌。"
    )


async def _written(request: web.Request) -> web.Response:
    return web.Response(text="written")


@pytest.fixture
async def writable_client(aiohttp_client, settings):  # type: ignore[no-untyped-def]
    """The app with /api/test/write taking every state-changing method."""
    app = make_app(settings)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        app.router.add_route(method, "/api/test/write", _written)
    return await aiohttp_client(app)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
async def test_every_state_changing_method_needs_the_token(writable_client, method: str) -> None:
    token = (await (await writable_client.get("/api/me")).json())["csrf_token"]

    refused = await writable_client.request(
        method, "/api/test/write", headers={"X-CSRF-Token": "nope"}
    )
    taken = await writable_client.request(
        method, "/api/test/write", headers={"X-CSRF-Token": token}
    )

    assert (refused.status, taken.status) == (403, 200)


async def test_api_post_with_the_csrf_header_passes_the_check(client) -> None:
    token = (await (await client.get("/api/me")).json())["csrf_token"]

    response = await client.post("/api/events", json={}, headers={"X-CSRF-Token": token})

    assert response.status == 401  # past the CSRF check: nobody is signed in


@pytest.mark.parametrize(("method", "status"), [("GET", 200), ("HEAD", 200), ("OPTIONS", 204)])
async def test_safe_methods_need_no_token(client, method: str, status: int) -> None:
    response = await client.request(method, "/healthz")

    assert response.status == status  # not 403: no token needed


# the session cookie


async def test_session_cookie_is_httponly_and_samesite_lax(client) -> None:
    response = await client.get("/login")

    cookie = session_cookie(response)[COOKIE]
    assert (cookie["httponly"], cookie["samesite"], cookie["secure"], cookie["path"]) == (
        True,
        "Lax",
        "",
        "/",
    )
    assert cookie["max-age"] == "86400"


async def test_session_cookie_is_secure_when_the_site_is_https(aiohttp_client, settings) -> None:
    client = await aiohttp_client(make_app(replace(settings, base_url="https://yunhui.example")))

    response = await client.get("/login")

    assert session_cookie(response)[COOKIE]["secure"] is True


async def test_pages_without_forms_set_no_session_cookie(client) -> None:
    response = await client.get("/healthz")

    assert "Set-Cookie" not in response.headers


# security headers


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/login", 200),
        ("/no-such-page", 404),
        ("/api/no-such-thing", 404),
        ("/static/yunhui.css", 200),
        ("/static/no-such-file.css", 404),
        ("/healthz", 200),
        ("/metrics", 200),
    ],
)
async def test_security_headers_are_on_every_response(client, path: str, status: int) -> None:
    response = await client.get(path)

    assert response.status == status
    assert {name: response.headers.get(name) for name in HEADERS} == HEADERS


async def test_security_headers_are_on_csrf_refusals(client) -> None:
    response = await client.post("/logout")

    assert response.status == 403
    assert {name: response.headers.get(name) for name in HEADERS} == HEADERS


async def test_security_headers_forbid_inline_scripts_and_framing() -> None:
    assert "script-src 'self'" in HEADERS["Content-Security-Policy"].split("; ")
    assert "frame-ancestors 'none'" in HEADERS["Content-Security-Policy"].split("; ")
    assert HEADERS["X-Frame-Options"] == "DENY"


# static files


async def test_static_files_are_served_and_revalidated(client) -> None:
    response = await client.get("/static/yunhui.css")

    assert response.status == 200
    assert response.content_type == "text/css"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "ETag" in response.headers


async def test_socket_io_client_is_served_from_node_modules(client) -> None:
    response = await client.get("/static/vendor/socket.io/socket.io.esm.min.js")

    assert response.status == 200
    assert response.content_type == "text/javascript"
    assert response.headers["Cache-Control"] == "public, max-age=86400"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/vendor/pdfjs/build/pdf.min.mjs", "text/javascript"),
        ("/static/vendor/pdfjs/build/pdf.worker.min.mjs", "text/javascript"),
        ("/static/vendor/pdfjs/cmaps/UniGB-UCS2-H.bcmap", "application/octet-stream"),
        ("/static/vendor/pdfjs/standard_fonts/FoxitSerif.pfb", "application/octet-stream"),
    ],
)
async def test_pdfjs_is_served_from_node_modules(client, path: str, content_type: str) -> None:
    response = await client.get(path)

    assert response.status == 200
    assert response.content_type == content_type
    assert response.headers["Cache-Control"] == "public, max-age=86400"


async def test_lucide_icons_are_served_from_node_modules(client) -> None:
    response = await client.get("/static/vendor/lucide/mic-off.svg")

    assert response.status == 200
    assert response.content_type == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert "<svg" in await response.text()


async def _raw_get(client, target: str) -> tuple[int, bytes]:  # type: ignore[no-untyped-def]
    """GET exactly this request target: no client-side normalization of dots or escapes."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    request = f"GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    writer.write(request.encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize(
    "target",
    [
        "/static/../server/settings.py",
        "/static/%2e%2e/server/settings.py",
        "/static/%2E%2E/server/settings.py",
        "/static/..%2fserver%2fsettings.py",
        "/static/%2e%2e%2fserver%2fsettings.py",
        "/static/js/../../../server/settings.py",
        "/static/js/..%2f..%2f..%2fserver%2fsettings.py",
        "/static/%252e%252e/server/settings.py",
        "/static/..\\..\\server\\settings.py",
        "/static/..%5c..%5cserver%5csettings.py",
        "/static//etc/passwd",
        "/static/%2fetc%2fpasswd",
        "/static/vendor/socket.io/../../../server/settings.py",
        "/static/vendor/socket.io/..%2f..%2f..%2fserver%2fsettings.py",
        "/static/vendor/pdfjs/build/../../../../server/settings.py",
        "/static/vendor/pdfjs/build/..%2f..%2f..%2f..%2fserver%2fsettings.py",
        "/static/vendor/pdfjs/package.json",
        "/static/vendor/pdfjs/wasm/openjpeg.wasm",
    ],
)
async def test_static_refuses_paths_outside_its_folder(client, target: str) -> None:
    status, body = await _raw_get(client, target)

    assert status == 404
    assert b"class Settings" not in body and b"root:" not in body


@pytest.mark.parametrize(
    "target",
    ["/static/", "/static/js/", "/static/vendor/socket.io/", "/static/vendor/pdfjs/build/"],
)
async def test_static_lists_no_directories(client, target: str) -> None:
    status, body = await _raw_get(client, target)

    assert status == 403
    assert b"copy.js" not in body and b"socket.io.js" not in body

"""The login and logout pages: GET and POST /login, POST /logout.

Signing in goes through the accounts service (server/accounts.py: the password check and
the throttle), from the address ``server.auth.client_address`` decides; a lock is shown
with how long it lasts and what it covers (429).
"""

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web

from rooms.errors import DomainError
from server import i18n
from server.accounts import LockScope, LoginLocked, sign_in
from server.appkeys import HASHING, SETTINGS, STORE
from server.auth import client_address, current_account, sign_in_session, sign_out_session
from server.errors import user_message

DEFAULT_NEXT = "/console"
LOCKED_TEMPLATES = {
    LockScope.PAIR: "Too many failed sign-ins for this email from your network. "
    "Signing in to it from there is locked for {wait}.",
    LockScope.ACCOUNT: "Too many failed sign-ins for this email from many networks. "
    "Signing in to it from a network it was not used from before is locked for {wait}.",
    LockScope.ADDRESS: "Too many failed sign-ins from your network. "
    "Signing in from it is locked for {wait}.",
}


def safe_next(target: str) -> str:
    """``target`` if it is a path on this site, else "" (no open redirects)."""
    if (
        not target.startswith("/")
        or target.startswith("//")
        or len(target) > 2000
        or "\\" in target
        or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in target)
    ):
        return ""
    parts = urlsplit(target)
    return "" if parts.scheme or parts.netloc else target


def _wait_text(request: web.Request, seconds: int) -> str:
    if seconds >= 60:
        minutes = -(-seconds // 60)
        return i18n.ngettext(request, "{n} minute", "{n} minutes", minutes).format(n=minutes)
    return i18n.ngettext(request, "{n} second", "{n} seconds", seconds).format(n=seconds)


def _locked_message(request: web.Request, locked: LoginLocked) -> str:
    template = i18n.gettext(request, LOCKED_TEMPLATES[locked.scope])
    return template.format(wait=_wait_text(request, locked.seconds))


def _render_login(
    request: web.Request, *, email: str, next_path: str, error: str = "", status: int = 200
) -> web.Response:
    context = {"email": email, "next": next_path, "error": error}
    response = aiohttp_jinja2.render_template("login.html", request, context, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _form_text(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


async def login_page(request: web.Request) -> web.Response:
    """GET /login?next=/path"""
    next_path = safe_next(request.query.get("next", ""))
    if await current_account(request) is not None:
        raise web.HTTPSeeOther(next_path or DEFAULT_NEXT)
    return _render_login(request, email="", next_path=next_path)


async def login(request: web.Request) -> web.Response:
    """POST /login (email, password, next): start a session, or show the form again."""
    form = await request.post()
    email, next_path = _form_text(form, "email").strip(), safe_next(_form_text(form, "next"))
    app, password = request.app, _form_text(form, "password")
    try:
        account = await sign_in(
            app[STORE], app[SETTINGS], email=email, password=password,
            client_ip=client_address(request), now=datetime.now(UTC), pool=app[HASHING],
        )  # fmt: skip
    except LoginLocked as locked:
        error, status = _locked_message(request, locked), 429
    except DomainError as refused:
        error, status = user_message(request, refused), 400
    else:
        await sign_in_session(request, account)
        raise web.HTTPSeeOther(next_path or DEFAULT_NEXT)
    return _render_login(request, email=email, next_path=next_path, error=error, status=status)


async def logout(request: web.Request) -> web.Response:
    """POST /logout: end the session (the CSRF middleware has checked the token)."""
    await sign_out_session(request)
    raise web.HTTPSeeOther("/")


def setup_login_pages(app: web.Application) -> None:
    app.router.add_get("/login", login_page, name="login")
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout, name="logout")

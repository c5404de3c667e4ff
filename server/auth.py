"""Staff accounts at the edge: passwords, sign-in and sign-out, and who is asking
(``current_account`` / ``require_account``).

Sign-in counts attempts per email (``login_max_failures`` in a window of
``login_lockout_seconds``, then locked for that long) and, loosely, failures per public
client address. Unknown emails and wrong passwords get the same message and take the same
time. Passwords are hashed with argon2 in a worker thread, and re-hashed at sign-in when the
hasher's parameters have changed. Signing in starts a new browser session (new key, new
CSRF token; server/websession.py) and deletes the old one; signing out deletes it.
"""

import asyncio
import ipaddress
import logging
import secrets
from collections.abc import AsyncIterator
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import aiohttp_session
from aiohttp import web
from aiohttp_session import get_session
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from yarl import URL

from rooms.accounts import (
    PASSWORD_MAX,
    Account,
    Organization,
    OrgRole,
    check_password,
    new_account,
    new_organization,
    normalize_email,
)
from rooms.errors import DomainError
from server import csrf, i18n, templating
from server.appkeys import SETTINGS, STORE
from server.errors import ApiError, is_api, user_message
from server.settings import Settings
from server.store import Store
from server.websession import ACCOUNT_ID, restart_session, setup_websession

log = logging.getLogger(__name__)

DEFAULT_NEXT = "/console"
IP_FAILURE_FACTOR = 10  # a public address may fail this many times more than one email

_HASHER = PasswordHasher()
# verified against when the email is unknown, so that takes as long as a wrong password
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$ZQHMFQQTbxjlncsLmgrURQ$"
    "ODWOFItPxvvqKLJrw8pBZQu1znLHSJRGJiaS259DZb8"
)
_WRONG = "Wrong email or password."
HASHING_THREADS = 2
HASHING = web.AppKey("password_hashing", ThreadPoolExecutor)


# passwords


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except VerificationError:
        return False
    except InvalidHashError:
        log.warning("an account has an unreadable password hash")
        return False


async def check_credentials(
    store: Store, *, email: str, password: str, pool: Executor | None = None
) -> Account | None:
    """The account if the password is its own, else None, in the same time either way.

    Hashing runs in ``pool`` (the app's small one; default: asyncio's). Re-hashes the
    password when the hasher's parameters have changed since it was set.
    """
    account = await store.accounts.by_email(email)
    stored = await store.accounts.password_hash(account.account_id) if account else None
    if len(password) > PASSWORD_MAX:
        return None
    loop = asyncio.get_running_loop()
    good = await loop.run_in_executor(pool, _verify, stored or _DUMMY_HASH, password)
    if not (good and account and stored):
        return None
    if _HASHER.check_needs_rehash(stored):
        fresh = await loop.run_in_executor(pool, hash_password, password)
        await store.accounts.set_password_hash(account.account_id, fresh)
    return account


async def _hashing_pool(app: web.Application) -> AsyncIterator[None]:
    """A few threads for argon2 (64 MiB each): a burst of logins queues, memory stays flat."""
    with ThreadPoolExecutor(HASHING_THREADS, thread_name_prefix="argon2") as pool:
        app[HASHING] = pool
        yield


# creating organizations and accounts (the demo seed and, later, the admin pages)


def new_record_id() -> str:
    return secrets.token_hex(8)


async def create_staff_account(
    store: Store,
    *,
    org: Organization,
    email: str,
    name: str,
    password: str,
    org_role: OrgRole = OrgRole.STAFF,
    now: datetime,
) -> Account:
    """A new account of the organization; Conflict "email_taken" if the email has one."""
    check_password(password)
    account = new_account(
        account_id=new_record_id(),
        org_id=org.org_id,
        email=email,
        name=name,
        org_role=org_role,
        now=now,
    )
    password_hash = await asyncio.to_thread(hash_password, password)
    await store.accounts.create_account(account, password_hash=password_hash)
    return account


async def create_org_with_admin(
    store: Store, *, name_zh: str, name_en: str, email: str, name: str, password: str, now: datetime
) -> tuple[Organization, Account]:
    """A new organization and its first admin; nothing is stored if the email is taken."""
    org = new_organization(org_id=new_record_id(), name_zh=name_zh, name_en=name_en, now=now)
    admin = await create_staff_account(
        store,
        org=org,
        email=email,
        name=name,
        password=password,
        org_role=OrgRole.ADMIN,
        now=now,
    )
    await store.accounts.create_org(org)
    return org, admin


# signing in


class LoginLocked(DomainError):
    """Too many failed sign-ins: refused without checking the password."""

    code = "login_locked"

    def __init__(self, *, seconds: int, by_address: bool) -> None:
        super().__init__("Signing in is locked for {seconds} seconds.", seconds=seconds)
        self.seconds = seconds
        self.by_address = by_address


def _address_subject(client_ip: str | None) -> str | None:
    """The counter subject of a public client address; None for private ones (proxies)."""
    try:
        address = ipaddress.ip_address(client_ip or "")
    except ValueError:
        return None
    return f"ip:{address}" if address.is_global else None


async def _refuse_if_locked(store: Store, subject: str, limit: int) -> None:
    count, seconds = await store.accounts.login_attempts(subject)
    if count >= limit and seconds > 0:
        raise LoginLocked(seconds=seconds, by_address=True)


async def _claim_attempt(store: Store, email: str, settings: Settings) -> int:
    """Count this attempt on the email before checking it, so parallel guesses count too."""
    lockout = settings.login_lockout_seconds
    count = await store.accounts.count_login_attempt(email, window_seconds=lockout)
    if count > settings.login_max_failures:
        _, seconds = await store.accounts.login_attempts(email)
        raise LoginLocked(seconds=max(seconds, 1), by_address=False)
    return count


async def _failure(
    store: Store, settings: Settings, *, email: str, attempts: int, address: str | None
) -> DomainError:
    """Count a failed sign-in; the error to show (LoginLocked once the limit is reached)."""
    lockout, limit = settings.login_lockout_seconds, settings.login_max_failures
    if attempts >= limit:  # locked for a full lockout from this failure on
        await store.accounts.lock_login(email, seconds=lockout)
    if address is not None:
        failures = await store.accounts.count_login_attempt(address, window_seconds=lockout)
        if failures >= limit * IP_FAILURE_FACTOR:
            await store.accounts.lock_login(address, seconds=lockout)
            return LoginLocked(seconds=lockout, by_address=True)
    if attempts >= limit:
        return LoginLocked(seconds=lockout, by_address=False)
    return DomainError(_WRONG, code="wrong_credentials")


async def sign_in(
    store: Store,
    settings: Settings,
    *,
    email: str,
    password: str,
    client_ip: str | None,
    pool: Executor | None = None,
) -> Account:
    """The account these credentials open; DomainError (or LoginLocked) otherwise."""
    try:
        email = normalize_email(email)
    except DomainError:
        raise DomainError(_WRONG, code="wrong_credentials") from None
    address = _address_subject(client_ip)
    if address is not None:
        await _refuse_if_locked(store, address, settings.login_max_failures * IP_FAILURE_FACTOR)
    attempts = await _claim_attempt(store, email, settings)
    account = await check_credentials(store, email=email, password=password, pool=pool)
    if account is None:
        raise await _failure(store, settings, email=email, attempts=attempts, address=address)
    await store.accounts.clear_login_attempts(email)
    return account


# who is asking

ACCOUNT: web.RequestKey[Account | None] = web.RequestKey("account")


async def current_account(request: web.Request) -> Account | None:
    """The signed-in account, or None."""
    if ACCOUNT in request:
        return request[ACCOUNT]
    account_id = (await get_session(request)).get(ACCOUNT_ID)
    account = await request.app[STORE].accounts.get(account_id) if account_id else None
    request[ACCOUNT] = account
    return account


def login_url(next_path: str) -> str:
    return str(URL("/login").with_query(next=next_path))


async def require_account(request: web.Request) -> Account:
    """The signed-in account; else a redirect to the sign-in page (401 under /api/)."""
    account = await current_account(request)
    if account is not None:
        return account
    if is_api(request):
        raise ApiError(401, "unauthorized", "Sign in first: this needs a staff account.")
    raise web.HTTPSeeOther(login_url(request.path_qs if request.method == "GET" else "/"))


async def sign_in_session(request: web.Request, account: Account) -> None:
    """Start a new session for the account: new key, new CSRF token, old session gone."""
    session = await restart_session(request)
    session[ACCOUNT_ID] = account.account_id
    csrf.new_token(session)
    request[ACCOUNT] = account


async def sign_out_session(request: web.Request) -> None:
    await restart_session(request)
    request[ACCOUNT] = None


def _csrf_token_of(request: web.Request) -> str:
    return csrf.token(request[aiohttp_session.SESSION_KEY])  # the session now, even if new


async def _page_context(request: web.Request) -> dict[str, Any]:
    """``account`` and ``csrf_token()`` for every page (run by aiohttp-jinja2 per request)."""
    if request.path.startswith("/static/") or aiohttp_session.STORAGE_KEY not in request:
        return {"account": None, "csrf_token": lambda: ""}  # no page, or no session here
    await get_session(request)
    return {
        "account": await current_account(request),
        "csrf_token": lambda: _csrf_token_of(request),
    }


def _before_template_context(app: web.Application) -> int:
    """The middleware position just before aiohttp-jinja2's context processors."""
    middlewares = list(app.middlewares)
    if aiohttp_jinja2.context_processors_middleware in middlewares:
        return middlewares.index(aiohttp_jinja2.context_processors_middleware)
    return len(middlewares)


# the login and logout pages


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
    template = (
        "Too many failed sign-ins from your network. Signing in from it is locked for {wait}."
        if locked.by_address
        else "Too many failed sign-ins for this email. Signing in is locked for {wait}."
    )
    return i18n.gettext(request, template).format(wait=_wait_text(request, locked.seconds))


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
            client_ip=request.remote, pool=app[HASHING],
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


def setup_auth(app: web.Application) -> None:
    """Sessions, CSRF checks, the page context (``account``, ``csrf_token()``), the routes.

    Call after setup_templates. The security and error middlewares stay outermost; the
    session middleware runs before the template context processors, which read the session;
    the CSRF check runs after them, so its refusal page can be rendered.
    """
    app.cleanup_ctx.append(_hashing_pool)
    setup_websession(app, app[SETTINGS], position=_before_template_context(app))
    app.middlewares.append(csrf.csrf_middleware)
    templating.add_context(app, _page_context)
    app.router.add_get("/login", login_page, name="login")
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout, name="logout")

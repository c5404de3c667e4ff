"""Who is asking, for every edge: the signed-in account (``current_account`` /
``require_account``), the client's address (``client_address``), and starting and ending a
signed-in browser session.

``setup_auth`` installs the browser session (server/websession.py), the CSRF check
(server/csrf.py) and the page context (``account``, ``csrf_token()``). Signing in starts a
new browser session (new key, new CSRF token) and deletes the old one; signing out deletes
it. The accounts themselves, passwords and the sign-in throttle are server/accounts.py; the
login pages are server/pages/login.py.
"""

import ipaddress
from typing import Any

import aiohttp_jinja2
import aiohttp_session
from aiohttp import web
from aiohttp_session import get_session
from yarl import URL

from rooms.accounts import Account
from server import csrf, templating
from server.appkeys import SETTINGS, STORE
from server.errors import ApiError, is_api
from server.settings import Network
from server.websession import ACCOUNT_ID, restart_session, setup_websession

ACCOUNT: web.RequestKey[Account | None] = web.RequestKey("account")
FORWARDED_FOR = "X-Forwarded-For"


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


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def forwarded_client(
    peer: str | None, forwarded_for: str, trusted: tuple[Network, ...]
) -> str | None:
    """The client's address: the connection's peer, unless the peer is a trusted proxy;
    then the last address in X-Forwarded-For that is not a trusted proxy.

    Hops are read from the right (each proxy appends the peer it saw); a malformed hop ends
    the walk at the trusted proxy to its right.
    """
    address = peer
    hops = [hop for hop in forwarded_for.split(",") if hop.strip()]
    for hop in [None, *reversed(hops)]:
        ip = _ip(address or "") if hop is None else _ip(hop)
        if ip is None:
            return address
        address = str(ip)
        if not any(ip in network for network in trusted):
            return address
    return address


def client_address(request: web.Request) -> str | None:
    """The address the request comes from; X-Forwarded-For is believed only from a proxy in
    settings ``trusted_proxies`` (none by default). None if it is not an IP address."""
    trusted = request.app[SETTINGS].trusted_proxies
    forwarded = ",".join(request.headers.getall(FORWARDED_FOR, [])) if trusted else ""
    address = forwarded_client(request.remote, forwarded, trusted)
    return address if address and _ip(address) else None


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


def setup_auth(app: web.Application) -> None:
    """Sessions, CSRF checks and the page context (``account``, ``csrf_token()``).

    Call after setup_templates. The security and error middlewares stay outermost; the
    session middleware runs before the template context processors, which read the session;
    the CSRF check runs after them, so its refusal page can be rendered.
    """
    setup_websession(app, app[SETTINGS], position=_before_template_context(app))
    app.middlewares.append(csrf.csrf_middleware)
    templating.add_context(app, _page_context)

"""Signing staff in for tests of the API and the pages: real accounts, real sign-in.

    from tests.server.fixtures_login import Staff, sign_in_staff

    @pytest.fixture
    async def staff(client, store) -> Staff:
        return await sign_in_staff(client, store, email="host@example.org")

``Staff.call`` sends the session's CSRF token with every request. A second person needs
their own cookie jar: ``await aiohttp_client(client.server)`` is another client of the same
running app. ``org=`` puts a new account into an existing organization.

For tests of signing in itself: ``staff_account`` (a fixed account, no sign-in),
``post_login`` (the login form as a browser posts it), ``error_of`` (the page's message),
``me`` (GET /api/me) and ``hammered`` (an email locked for unfamiliar addresses).
"""

import html
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from rooms.accounts import Account, Organization, OrgRole, new_account, new_organization
from server.accounts import hash_password, login_limits
from server.settings import Settings
from server.store import Store

PASSWORD = "correct horse battery staple"
CREATED = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_ERROR = re.compile(r'<p class="error-message" role="alert">(.*?)</p>', re.S)


@dataclass
class Staff:
    """A signed-in staff member's browser: its client, account and CSRF token."""

    client: TestClient
    account: Account
    org: Organization
    csrf_token: str

    async def call(self, method: str, path: str, **kwargs: Any) -> ClientResponse:
        headers = {"X-CSRF-Token": self.csrf_token, **kwargs.pop("headers", {})}
        return await self.client.request(method, path, headers=headers, **kwargs)


async def csrf_token(client: TestClient) -> str:
    """The CSRF token of the client's browser session, as GET /api/me gives it."""
    response = await client.get("/api/me")
    assert response.status == 200
    return (await response.json())["csrf_token"]


async def sign_in(client: TestClient, *, email: str, password: str = PASSWORD) -> str:
    """Sign the client in through POST /login; the new session's CSRF token."""
    form = {"email": email, "password": password, "csrf_token": await csrf_token(client)}
    response = await client.post("/login", data=form, allow_redirects=False)
    assert response.status == 303, await response.text()
    return await csrf_token(client)


@cache
def _password_hash() -> str:
    """PASSWORD hashed once per test run: argon2 is slow on purpose."""
    return hash_password(PASSWORD)


async def create_staff(
    store: Store, *, email: str, name: str = "Wang Fang", org: Organization | None = None
) -> tuple[Organization, Account]:
    """A new account (in a new organization unless org is given), with password PASSWORD."""
    now = datetime.now(UTC)
    if org is None:
        org = new_organization(
            org_id=secrets.token_hex(8), name_zh="测试学会", name_en="Test Society", now=now
        )
        await store.accounts.create_org(org)
    role = OrgRole.STAFF if await store.accounts.accounts_of_org(org.org_id) else OrgRole.ADMIN
    account = new_account(
        account_id=secrets.token_hex(8),
        org_id=org.org_id,
        email=email,
        name=name,
        org_role=role,
        now=now,
    )
    await store.accounts.create_account(account, password_hash=_password_hash())
    return org, account


async def sign_in_staff(
    client: TestClient,
    store: Store,
    *,
    email: str,
    name: str = "Wang Fang",
    org: Organization | None = None,
) -> Staff:
    """A new staff account (in a new organization unless org is given), signed in."""
    org, account = await create_staff(store, email=email, name=name, org=org)
    token = await sign_in(client, email=email)
    return Staff(client=client, account=account, org=org, csrf_token=token)


async def staff_account(store: Store, email: str) -> Account:
    """Account a1 of organization o1 (no organization record), password PASSWORD."""
    account = new_account(
        account_id="a1", org_id="o1", email=email, name="Wang Fang", org_role="admin", now=CREATED
    )
    await store.accounts.create_account(account, password_hash=_password_hash())
    return account


async def login_form(client: TestClient) -> str:
    """Open the login page like a browser; the CSRF token of its form."""
    page = await client.get("/login")
    assert page.status == 200
    found = _CSRF_FIELD.search(await page.text())
    assert found is not None
    return found.group(1)


async def post_login(
    client: TestClient,
    email: str,
    password: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: str,
) -> ClientResponse:
    """POST /login as the login form does (not following the redirect)."""
    form = {"email": email, "password": password, "csrf_token": await login_form(client), **extra}
    return await client.post("/login", data=form, headers=headers, allow_redirects=False)


def error_of(page: str) -> str:
    """The error message shown on a page."""
    found = _ERROR.search(page)
    assert found is not None, page
    return html.unescape(found.group(1))


async def me(client: TestClient) -> dict[str, Any]:
    response = await client.get("/api/me")
    assert response.status == 200
    return await response.json()  # type: ignore[no-any-return]


async def hammered(store: Store, settings: Settings, email: str) -> None:
    """Claim as many sign-in attempts at email, from as many public addresses, as lock it
    for unfamiliar addresses (through the throttle's own counting, checking no password)."""
    limits = login_limits(settings)
    for n in range(limits.per_account):
        address = f"9.9.{n // 100}.{n % 100}"
        await store.accounts.claim_login(email, address, public=True, limits=limits, now=CREATED)

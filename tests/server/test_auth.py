import asyncio
import html
import re
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache

import aiohttp_jinja2
import pytest
from aiohttp import web
from argon2 import PasswordHasher
from yarl import URL

from rooms.accounts import Account, OrgRole, new_account
from rooms.errors import Conflict, DomainError
from server.app import make_app
from server.auth import (
    LoginLocked,
    check_credentials,
    create_org_with_admin,
    create_staff_account,
    hash_password,
    require_account,
    safe_next,
    sign_in,
)
from server.store import Store, keys

PASSWORD = "correct horse battery staple"
EMAIL = "wang.fang@example.org"
NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 5, 2, 8, 0, tzinfo=UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ERROR = re.compile(r'<p class="error-message" role="alert">(.*?)</p>', re.S)
COOKIE = "YUNHUI_SESSION"


async def make_admin(store: Store, email: str = EMAIL) -> Account:
    """An organization's admin, made by create_org_with_admin (hashing PASSWORD anew)."""
    _org, admin = await create_org_with_admin(
        store,
        name_zh="中国测试学会",
        name_en="Test Society",
        email=email,
        name="Wang Fang",
        password=PASSWORD,
        now=NOW,
    )
    return admin


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


async def staff(store: Store, email: str = EMAIL) -> Account:
    """An account with password PASSWORD, hashed once per test run (argon2 is slow)."""
    account = new_account(
        account_id="a1", org_id="o1", email=email, name="Wang Fang", org_role="admin", now=NOW
    )
    await store.accounts.create_account(account, password_hash=_password_hash())
    return account


async def login_form(client) -> str:  # type: ignore[no-untyped-def]
    """Open the login page like a browser; the CSRF token of its form."""
    page = await client.get("/login")
    assert page.status == 200
    found = CSRF.search(await page.text())
    assert found is not None
    return found.group(1)


async def post_login(client, email: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    form = {"email": email, "password": password, "csrf_token": await login_form(client), **extra}
    return await client.post("/login", data=form, allow_redirects=False)


def error_of(page: str) -> str:
    found = ERROR.search(page)
    assert found is not None, page
    return html.unescape(found.group(1))


async def me(client) -> dict:  # type: ignore[no-untyped-def,type-arg]
    response = await client.get("/api/me")
    assert response.status == 200
    return await response.json()


# the store and account creation


async def test_create_org_with_admin_stores_the_org_and_its_admin(store: Store) -> None:
    admin = await make_admin(store, email="Wang.Fang@Example.ORG")

    org = await store.accounts.get_org(admin.org_id)
    assert (org.name_zh, org.name_en) == ("中国测试学会", "Test Society")
    assert (admin.email, admin.org_role) == ("wang.fang@example.org", OrgRole.ADMIN)
    assert await store.accounts.get(admin.account_id) == admin
    assert await store.accounts.by_email("WANG.FANG@example.org") == admin
    assert await store.accounts.accounts_of_org(admin.org_id) == [admin]


async def test_create_staff_account_adds_staff_to_the_org(store: Store) -> None:
    admin = await make_admin(store)
    org = await store.accounts.get_org(admin.org_id)

    staff = await create_staff_account(
        store, org=org, email="li@example.org", name="Li Wei", password=PASSWORD, now=LATER
    )

    assert staff.org_role == OrgRole.STAFF
    assert await store.accounts.accounts_of_org(admin.org_id) == [admin, staff]


async def test_create_org_with_admin_refuses_a_taken_email_and_stores_no_org(store: Store) -> None:
    admin = await make_admin(store)

    with pytest.raises(Conflict) as refused:
        await make_admin(store, email=EMAIL.upper())

    assert refused.value.code == "email_taken"
    assert [org.org_id for org in await store.accounts.orgs()] == [admin.org_id]


async def test_create_account_lets_one_of_two_racing_signups_win(store: Store) -> None:
    def account(account_id: str) -> Account:
        return new_account(
            account_id=account_id, org_id="o1", email=EMAIL, name="W", org_role="staff", now=NOW
        )

    results = await asyncio.gather(
        store.accounts.create_account(account("a1"), password_hash="h1"),
        store.accounts.create_account(account("a2"), password_hash="h2"),
        return_exceptions=True,
    )

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "NoneType"]
    assert len(await store.accounts.accounts_of_org("o1")) == 1


async def test_passwords_are_stored_as_argon2id_hashes_beside_the_record(store: Store) -> None:
    admin = await make_admin(store)

    stored = await store.redis.hgetall(keys.account(admin.account_id))

    assert sorted(stored) == ["password_hash", "record"]
    assert stored["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in stored["record"] and "password" not in stored["record"]


async def test_check_credentials_rehashes_a_hash_with_outdated_parameters(store: Store) -> None:
    admin = await make_admin(store)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    await store.accounts.set_password_hash(admin.account_id, weak)

    account = await check_credentials(store, email=EMAIL, password=PASSWORD)

    rehashed = await store.accounts.password_hash(admin.account_id)
    assert account == admin
    assert rehashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PasswordHasher().verify(rehashed, PASSWORD) is True


async def test_check_credentials_keeps_a_current_hash(store: Store) -> None:
    admin = await make_admin(store)
    before = await store.accounts.password_hash(admin.account_id)

    await check_credentials(store, email=EMAIL, password=PASSWORD)

    assert await store.accounts.password_hash(admin.account_id) == before


@pytest.mark.parametrize(
    ("email", "password"),
    [(EMAIL, "wrong password"), ("nobody@example.org", PASSWORD), (EMAIL, PASSWORD * 100)],
)
async def test_check_credentials_is_none_for_wrong_credentials(
    store: Store, email: str, password: str
) -> None:
    await make_admin(store)

    assert await check_credentials(store, email=email, password=password) is None


# logging in


async def test_login_page_has_a_form_with_a_csrf_token(client) -> None:
    page = await client.get("/login?next=/console/events")

    body = await page.text()
    assert page.status == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert 'name="next" value="/console/events"' in body
    assert CSRF.search(body) is not None


async def test_login_rotates_the_session_and_goes_to_next(client, store: Store) -> None:
    admin = await staff(store)
    token = await login_form(client)
    before = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE].value
    form = {"email": EMAIL, "password": PASSWORD, "csrf_token": token, "next": "/console/x?y=1"}

    response = await client.post("/login", data=form, allow_redirects=False)

    after = response.cookies[COOKIE].value
    assert (response.status, response.headers["Location"]) == (303, "/console/x?y=1")
    assert after != before
    assert await store.web_sessions.load(before) is None
    assert (await me(client))["account"]["account_id"] == admin.account_id


async def test_login_gives_the_new_session_a_new_csrf_token(client, store: Store) -> None:
    await staff(store)
    token = await login_form(client)

    await client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})

    assert (await me(client))["csrf_token"] != token


async def test_login_without_next_goes_to_the_console(client, store: Store) -> None:
    await staff(store)

    response = await post_login(client, EMAIL, PASSWORD, next="https://evil.example/")

    assert response.headers["Location"] == "/console"


async def test_login_page_sends_a_signed_in_account_on(client, store: Store) -> None:
    await staff(store)
    await post_login(client, EMAIL, PASSWORD)

    response = await client.get("/login?next=/events/e1", allow_redirects=False)

    assert (response.status, response.headers["Location"]) == (303, "/events/e1")


@pytest.mark.parametrize(
    ("email", "password"),
    [(EMAIL, "wrong password"), ("nobody@example.org", PASSWORD), ("not an email", PASSWORD)],
)
async def test_login_refuses_wrong_credentials_with_one_message(
    client, store: Store, email: str, password: str
) -> None:
    await staff(store)

    response = await post_login(client, email, password)

    assert response.status == 400
    assert error_of(await response.text()) == "Wrong email or password."
    assert (await me(client))["account"] is None


async def test_login_keeps_the_typed_email_in_the_form(client, store: Store) -> None:
    await staff(store)

    response = await post_login(client, EMAIL, "wrong password")

    assert f'value="{EMAIL}"' in await response.text()


async def test_login_refusal_is_translated(client, store: Store) -> None:
    await staff(store)
    client.session.cookie_jar.update_cookies({"lang": "zh_CN"})

    response = await post_login(client, EMAIL, "wrong password")

    assert error_of(await response.text()) == "电子邮箱或密码错误。"


@pytest.fixture
async def strict_client(aiohttp_client, settings, store: Store):  # type: ignore[no-untyped-def]
    """The app with a short lockout: 3 failures lock an email for 2 seconds."""
    strict = replace(settings, login_max_failures=3, login_lockout_seconds=2)
    return await aiohttp_client(make_app(strict))


async def test_login_locks_an_email_after_max_failures(strict_client, store: Store) -> None:
    await staff(store)
    statuses = [(await post_login(strict_client, EMAIL, "wrong")).status for _ in range(2)]

    third = await post_login(strict_client, EMAIL, "wrong")
    right = await post_login(strict_client, EMAIL, PASSWORD)

    assert statuses == [400, 400]
    assert third.status == 429
    assert error_of(await third.text()) == (
        "Too many failed sign-ins for this email. Signing in is locked for 2 seconds."
    )
    assert right.status == 429
    assert (await me(strict_client))["account"] is None


async def test_login_unlocks_when_the_lockout_expires(strict_client, store: Store) -> None:
    await staff(store)
    for _ in range(3):
        await post_login(strict_client, EMAIL, "wrong")

    await asyncio.sleep(2.1)
    response = await post_login(strict_client, EMAIL, PASSWORD)

    assert response.status == 303


async def test_login_lockout_says_how_long_in_chinese(strict_client, store: Store) -> None:
    await staff(store)
    strict_client.session.cookie_jar.update_cookies({"lang": "zh_CN"})
    for _ in range(3):
        response = await post_login(strict_client, EMAIL, "wrong")

    assert error_of(await response.text()) == "该邮箱登录失败次数过多，登录已锁定 2 秒。"


async def test_successful_login_resets_the_failure_count(strict_client, store: Store) -> None:
    await staff(store)
    for _ in range(2):
        await post_login(strict_client, EMAIL, "wrong")

    await post_login(strict_client, EMAIL, PASSWORD)

    assert await store.accounts.login_attempts(EMAIL) == (0, 0)


async def test_sign_in_locks_for_minutes_with_the_default_settings(settings, store: Store) -> None:
    await staff(store)
    for _ in range(settings.login_max_failures - 1):
        with pytest.raises(DomainError) as refused:
            await sign_in(store, settings, email=EMAIL, password="wrong", client_ip=None)
        assert refused.value.code == "wrong_credentials"

    with pytest.raises(LoginLocked) as locked:
        await sign_in(store, settings, email=EMAIL, password="wrong", client_ip=None)

    assert (locked.value.seconds, locked.value.by_address) == (900, False)


async def test_sign_in_counts_parallel_guesses_before_checking_them(settings, store: Store) -> None:
    strict = replace(settings, login_max_failures=3)
    await staff(store)

    results = await asyncio.gather(
        *(
            sign_in(store, strict, email=EMAIL, password=f"guess {n}", client_ip=None)
            for n in range(6)
        ),
        return_exceptions=True,
    )

    assert sorted(r.code for r in results) == ["login_locked"] * 4 + ["wrong_credentials"] * 2


async def test_signed_in_sessions_last_two_weeks_and_visitors_a_day(client, store: Store) -> None:
    await login_form(client)
    visitor = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE].value
    visitor_ttl = await store.web_sessions.ttl(visitor)
    await staff(store)

    response = await post_login(client, EMAIL, PASSWORD)

    signed_in_ttl = await store.web_sessions.ttl(response.cookies[COOKIE].value)
    assert 0 <= 86400 - visitor_ttl <= 2
    assert 0 <= 14 * 86400 - signed_in_ttl <= 2


async def test_sign_in_loosely_limits_failures_from_one_public_address(
    settings, store: Store
) -> None:
    strict = replace(settings, login_max_failures=1)
    await staff(store)
    for n in range(10):  # ten emails fail once each (locking each); the tenth locks the address
        with pytest.raises(LoginLocked) as locked:
            await sign_in(
                store, strict, email=f"u{n}@example.org", password="x", client_ip="1.2.3.4"
            )

    with pytest.raises(LoginLocked) as refused:
        await sign_in(store, strict, email=EMAIL, password=PASSWORD, client_ip="1.2.3.4")
    account = await sign_in(store, strict, email=EMAIL, password=PASSWORD, client_ip="127.0.0.1")

    assert locked.value.by_address is True
    assert refused.value.by_address is True
    assert account.email == EMAIL


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/console", "/console"),
        ("/events/e1?day=2#agenda", "/events/e1?day=2#agenda"),
        ("", ""),
        ("console", ""),
        ("//evil.example/x", ""),
        ("/\\evil.example", ""),
        ("https://evil.example/", ""),
        ("/\t/evil.example", ""),
        ("/ok path", ""),
        ("/" + "x" * 2000, ""),
    ],
)
def test_safe_next_allows_only_paths_on_this_site(target: str, expected: str) -> None:
    assert safe_next(target) == expected


# logging out


async def test_logout_needs_the_csrf_token(client, store: Store) -> None:
    await staff(store)
    await post_login(client, EMAIL, PASSWORD)

    response = await client.post("/logout", allow_redirects=False)

    assert response.status == 403
    assert (await me(client))["account"]["email"] == EMAIL


async def test_logout_ends_the_session(client, store: Store) -> None:
    await staff(store)
    await post_login(client, EMAIL, PASSWORD)
    token = (await me(client))["csrf_token"]
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE].value

    response = await client.post("/logout", data={"csrf_token": token}, allow_redirects=False)

    assert (response.status, response.headers["Location"]) == (303, "/")
    assert response.cookies[COOKIE].value == ""
    assert await store.web_sessions.load(cookie) is None
    assert (await me(client))["account"] is None


# who is asking


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

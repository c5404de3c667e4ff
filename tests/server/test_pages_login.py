"""The login and logout pages (server/pages/login.py), from a browser's side."""

import asyncio
import ipaddress
import re
from dataclasses import replace

import pytest
from aiohttp import TCPConnector

from server.app import make_app
from server.appkeys import SETTINGS
from server.pages.login import safe_next
from server.store import Store
from tests.server.fixtures_login import (
    PASSWORD,
    error_of,
    hammered,
    login_form,
    me,
    post_login,
    staff_account,
)

EMAIL = "wang.fang@example.org"
COOKIE = "YUNHUI_SESSION"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def staff(store: Store):  # type: ignore[no-untyped-def]
    return await staff_account(store, EMAIL)


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
    """The app with a short lockout: 3 failures lock an email (from one address) for 2 s."""
    strict = replace(settings, login_max_failures=3, login_lockout_seconds=2)
    return await aiohttp_client(make_app(strict))


@pytest.fixture
async def locking_client(aiohttp_client, settings, store: Store):  # type: ignore[no-untyped-def]
    """3 failures lock an email for 30 s: a slow, busy machine still counts all three."""
    strict = replace(settings, login_max_failures=3, login_lockout_seconds=30)
    return await aiohttp_client(make_app(strict))


async def test_login_locks_an_email_after_max_failures(locking_client, store: Store) -> None:
    await staff(store)
    statuses = [(await post_login(locking_client, EMAIL, "wrong")).status for _ in range(2)]

    third = await post_login(locking_client, EMAIL, "wrong")
    right = await post_login(locking_client, EMAIL, PASSWORD)

    assert statuses == [400, 400]
    assert third.status == 429
    assert error_of(await third.text()) == (
        "Too many failed sign-ins for this email from your network. "
        "Signing in to it from there is locked for 30 seconds."
    )
    assert right.status == 429
    assert (await me(locking_client))["account"] is None


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

    assert error_of(await response.text()) == (
        "该邮箱从您所在网络登录失败次数过多，从该网络登录此邮箱已锁定 2 秒。"
    )


async def test_successful_login_resets_the_failure_count(strict_client, store: Store) -> None:
    await staff(store)
    for _ in range(2):
        await post_login(strict_client, EMAIL, "wrong")

    await post_login(strict_client, EMAIL, PASSWORD)

    assert await store.accounts.login_attempts(f"{EMAIL}|127.0.0.1") == (0, 0)


async def test_signed_in_sessions_last_two_weeks_and_visitors_a_day(client, store: Store) -> None:
    await login_form(client)
    visitor = client.session.cookie_jar.filter_cookies(client.make_url("/"))[COOKIE].value
    visitor_ttl = await store.web_sessions.ttl(visitor)
    await staff(store)

    response = await post_login(client, EMAIL, PASSWORD)

    signed_in_ttl = await store.web_sessions.ttl(response.cookies[COOKIE].value)
    assert 0 <= 86400 - visitor_ttl <= 2
    assert 0 <= 14 * 86400 - signed_in_ttl <= 2


# the throttle, seen from outside


async def test_login_locks_the_attackers_address_but_lets_the_owner_in_from_another(
    aiohttp_client, strict_client, store: Store
) -> None:
    """Two real client addresses (127.0.0.2 and 127.0.0.3 reach the server over loopback)."""
    await staff(store)
    attacker = await aiohttp_client(
        strict_client.server, connector=TCPConnector(local_addr=("127.0.0.2", 0))
    )
    owner = await aiohttp_client(
        strict_client.server, connector=TCPConnector(local_addr=("127.0.0.3", 0))
    )

    guesses = [(await post_login(attacker, EMAIL, f"guess {n}")).status for n in range(8)]
    attacker_with_the_password = await post_login(attacker, EMAIL, PASSWORD)
    owners = await post_login(owner, EMAIL, PASSWORD)

    assert guesses == [400, 400] + [429] * 6
    assert (attacker_with_the_password.status, owners.status) == (429, 303)
    assert (await me(owner))["account"]["email"] == EMAIL


async def test_login_believes_no_x_forwarded_for_by_default(strict_client, store: Store) -> None:
    await staff(store)
    statuses = [
        (await post_login(strict_client, EMAIL, "wrong", headers=_from(f"9.9.9.{n}"))).status
        for n in range(3)
    ]

    spoofed = await post_login(strict_client, EMAIL, PASSWORD, headers=_from("8.8.8.8"))

    assert statuses == [400, 400, 429]
    assert spoofed.status == 429


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


@pytest.fixture
async def proxied_client(aiohttp_client, settings, store: Store):  # type: ignore[no-untyped-def]
    """The app behind a trusted reverse proxy on 127.0.0.1; one failure locks a pair,
    ten an email for networks it was not used from."""
    proxied = replace(
        settings,
        login_max_failures=1,
        trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),),
    )
    return await aiohttp_client(make_app(proxied))


async def test_login_behind_a_trusted_proxy_tells_clients_apart_by_x_forwarded_for(
    proxied_client, store: Store
) -> None:
    await staff(store)
    attacker = await post_login(proxied_client, EMAIL, "wrong", headers=_from("9.9.9.9"))
    again = await post_login(proxied_client, EMAIL, PASSWORD, headers=_from("9.9.9.9"))

    owner = await post_login(proxied_client, EMAIL, PASSWORD, headers=_from("5.6.7.8"))

    assert (attacker.status, again.status, owner.status) == (429, 429, 303)


async def test_login_says_when_an_email_is_locked_for_new_networks(
    proxied_client, store: Store
) -> None:
    await staff(store)
    await hammered(store, proxied_client.app[SETTINGS], EMAIL)

    newcomer = await post_login(proxied_client, EMAIL, PASSWORD, headers=_from("8.8.8.8"))

    assert newcomer.status == 429
    assert error_of(await newcomer.text()) == (
        "Too many failed sign-ins for this email from many networks. Signing in to it from "
        "a network it was not used from before is locked for 15 minutes."
    )


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

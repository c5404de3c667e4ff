"""The accounts service (server/accounts.py): creating accounts, checking passwords, and
the sign-in throttle, which counts per email and address pair, per email, per address."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from rooms.accounts import Account, OrgRole, new_account
from rooms.errors import Conflict, DomainError
from server.accounts import (
    LoginLocked,
    address_key,
    check_credentials,
    create_org_with_admin,
    create_staff_account,
    login_limits,
    sign_in,
)
from server.settings import Settings
from server.store import Store, keys
from tests.server.fixtures_login import PASSWORD, hammered, staff_account

EMAIL = "wang.fang@example.org"
NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 5, 2, 8, 0, tzinfo=UTC)
ATTACKER, OWNER = "1.2.3.4", "5.6.7.8"


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


async def attempt(
    settings: Settings,
    store: Store,
    *,
    password: str,
    address: str | None,
    email: str = EMAIL,
    now: datetime = NOW,
) -> str:
    """One sign-in's outcome: "in", the refusal's code, or "locked:<scope>"."""
    try:
        await sign_in(store, settings, email=email, password=password, client_ip=address, now=now)
    except LoginLocked as locked:
        return f"locked:{locked.scope}"
    except DomainError as refused:
        return refused.code
    return "in"


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


@pytest.mark.real_password_hashing
async def test_check_credentials_rehashes_a_hash_with_outdated_parameters(store: Store) -> None:
    admin = await make_admin(store)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    await store.accounts.set_password_hash(admin.account_id, weak)

    account = await check_credentials(store, email=EMAIL, password=PASSWORD)

    rehashed = await store.accounts.password_hash(admin.account_id)
    assert account == admin
    assert rehashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PasswordHasher().verify(rehashed, PASSWORD) is True


@pytest.mark.real_password_hashing
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


# the sign-in throttle

WRONG = "wrong_credentials"


@pytest.fixture
def strict(settings: Settings) -> Settings:
    """3 attempts lock a pair; 30 an email for unfamiliar addresses; 30 failures an address."""
    return replace(settings, login_max_failures=3)


async def test_sign_in_locks_for_minutes_with_the_default_settings(settings, store: Store) -> None:
    await staff_account(store, EMAIL)
    outcomes = [
        await attempt(settings, store, password="wrong", address=ATTACKER)
        for _ in range(settings.login_max_failures)
    ]

    _, seconds = await store.accounts.login_attempts(f"{EMAIL}|{ATTACKER}")
    assert outcomes == [WRONG] * 4 + ["locked:pair"]
    assert 899 <= seconds <= 900


async def test_sign_in_counts_parallel_guesses_before_checking_them(strict, store: Store) -> None:
    await staff_account(store, EMAIL)

    outcomes = await asyncio.gather(
        *(attempt(strict, store, password=f"guess {n}", address=ATTACKER) for n in range(6))
    )

    assert sorted(outcomes) == ["locked:pair"] * 4 + [WRONG] * 2


async def test_sign_in_locks_the_attackers_address_but_not_the_owners(strict, store) -> None:
    await staff_account(store, EMAIL)

    attacker = [
        await attempt(strict, store, password=f"guess {n}", address=ATTACKER) for n in range(20)
    ]
    attacker_with_the_password = await attempt(strict, store, password=PASSWORD, address=ATTACKER)
    owner = await attempt(strict, store, password=PASSWORD, address=OWNER)

    assert attacker == [WRONG] * 2 + ["locked:pair"] * 18
    assert (attacker_with_the_password, owner) == ("locked:pair", "in")


async def test_sign_in_holds_back_many_addresses_but_lets_the_owners_own_in(
    settings, store: Store
) -> None:
    one = replace(settings, login_max_failures=1)  # 1 locks a pair, 10 an email
    await staff_account(store, EMAIL)
    limits = login_limits(one)
    await store.accounts.login_succeeded(EMAIL, OWNER, limits=limits, now=NOW - timedelta(days=7))

    hammering = [
        await attempt(one, store, password="guess", address=f"9.9.9.{n}") for n in range(10)
    ]
    newcomer = await attempt(one, store, password=PASSWORD, address="8.8.8.8")
    owner = await attempt(one, store, password=PASSWORD, address=OWNER)

    assert hammering == ["locked:pair"] * 10
    assert (newcomer, owner) == ("locked:account", "in")


async def test_sign_in_forgets_a_familiar_address_after_ninety_days(strict, store: Store) -> None:
    await staff_account(store, EMAIL)
    limits = login_limits(strict)
    await store.accounts.login_succeeded(EMAIL, OWNER, limits=limits, now=NOW - timedelta(days=91))
    await hammered(store, strict, EMAIL)

    owner = await attempt(strict, store, password=PASSWORD, address=OWNER)

    assert owner == "locked:account"


async def test_sign_in_counts_an_ipv6_client_by_its_64_network(strict, store: Store) -> None:
    await staff_account(store, EMAIL)

    rotating = [
        await attempt(strict, store, password="guess", address=f"2400:cb00:2049:1::{n:x}")
        for n in range(1, 6)
    ]
    next_network = await attempt(strict, store, password=PASSWORD, address="2400:cb00:2049:2::1")

    assert rotating == [WRONG] * 2 + ["locked:pair"] * 3
    assert next_network == "in"


async def test_sign_in_limits_failures_from_one_public_address(settings, store: Store) -> None:
    one = replace(settings, login_max_failures=1)  # 10 failures lock an address
    await staff_account(store, EMAIL)
    others = [
        await attempt(one, store, email=f"u{n}@example.org", password="x", address=ATTACKER)
        for n in range(10)
    ]

    from_there = await attempt(one, store, password=PASSWORD, address=ATTACKER)
    from_elsewhere = await attempt(one, store, password=PASSWORD, address=OWNER)

    assert others == ["locked:pair"] * 9 + ["locked:address"]
    assert (from_there, from_elsewhere) == ("locked:address", "in")


async def test_sign_in_does_not_limit_a_private_address_across_emails(settings, store) -> None:
    one = replace(settings, login_max_failures=1)
    await staff_account(store, EMAIL)
    for n in range(10):
        await attempt(one, store, email=f"u{n}@example.org", password="x", address="10.0.0.8")

    assert await attempt(one, store, password=PASSWORD, address="10.0.0.8") == "in"


async def test_successful_sign_in_clears_its_pairs_count_and_remembers_the_address(
    strict, store: Store
) -> None:
    await staff_account(store, EMAIL)
    for _ in range(2):
        await attempt(strict, store, password="wrong", address=OWNER)

    await attempt(strict, store, password=PASSWORD, address=OWNER)

    familiar = await store.redis.zrange(keys.login_familiar(EMAIL), 0, -1, withscores=True)
    assert await store.accounts.login_attempts(f"{EMAIL}|{OWNER}") == (0, 0)
    assert familiar == [(OWNER, NOW.timestamp())]


@pytest.mark.parametrize(
    ("client_ip", "expected"),
    [
        ("1.2.3.4", ("1.2.3.4", True)),
        ("::ffff:1.2.3.4", ("1.2.3.4", True)),
        ("127.0.0.1", ("127.0.0.1", False)),
        ("10.1.2.3", ("10.1.2.3", False)),
        ("2400:cb00:2049:1:2:3:4:5", ("2400:cb00:2049:1::/64", True)),
        ("fe80::1%eth0", ("fe80::/64", False)),
        ("", (None, False)),
        (None, (None, False)),
        ("not an address", (None, False)),
    ],
)
def test_address_key_counts_ipv4_by_address_and_ipv6_by_64(client_ip, expected) -> None:
    assert address_key(client_ip) == expected

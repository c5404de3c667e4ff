"""Staff accounts, the service: creating organizations and accounts, checking passwords,
and the sign-in throttle.

Passwords are hashed with argon2 in a few worker threads (``hashing_pool``, run by the app)
and re-hashed at sign-in when the hasher's parameters have changed. Unknown emails and wrong
passwords get the same message and take the same time.

The throttle counts every attempt in Redis, in one script, before its password is checked,
so parallel guesses count too (``login_max_failures`` = N, ``login_lockout_seconds`` = T):

- **an email from one client address** (the pair): N attempts in T lock that pair for T. The
  same email from another address is not affected, so nobody can lock the owner out;
- **an email from every address**: ``ACCOUNT_FACTOR`` × N attempts in T lock the email for T
  to addresses it has not been opened from in the last ``FAMILIAR_DAYS`` days, so many
  addresses hammering one account are held back while its owner's own addresses get in;
- **one public address, whatever the email**: ``ADDRESS_FACTOR`` × N failures in T lock the
  address for T (one address trying many emails).

An IPv6 client counts by its /64 network, the block one subscriber gets. Which address the
client has is decided at the edge (``server.auth.client_address``).
"""

import asyncio
import ipaddress
import logging
import secrets
from collections.abc import AsyncIterator
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime
from enum import StrEnum

from aiohttp import web
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

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
from server.appkeys import HASHING
from server.settings import Settings
from server.store import Store
from server.store.accounts import LoginClaim, LoginLimits

log = logging.getLogger(__name__)

ACCOUNT_FACTOR = 10  # attempts at one email from every address, in multiples of N
ADDRESS_FACTOR = 10  # failures from one public address, in multiples of N
FAMILIAR_DAYS = 90  # an address a good sign-in came from stays familiar this long
FAMILIAR_MAX = 20  # the most familiar addresses kept per email
HASHING_THREADS = 2

# argon2id with the library's defaults (RFC 9106's second recommendation). The test suite swaps in
# a cheaper one, as Django's documentation advises for tests; tests of hashing itself use this.
HASHER = PasswordHasher()
# verified against when the email is unknown, so that takes as long as a wrong password
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$ZQHMFQQTbxjlncsLmgrURQ$"
    "ODWOFItPxvvqKLJrw8pBZQu1znLHSJRGJiaS259DZb8"
)
_WRONG = "Wrong email or password."


# passwords


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
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
    if HASHER.check_needs_rehash(stored):
        fresh = await loop.run_in_executor(pool, hash_password, password)
        await store.accounts.set_password_hash(account.account_id, fresh)
    return account


async def hashing_pool(app: web.Application) -> AsyncIterator[None]:
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


class LockScope(StrEnum):
    PAIR = "pair"  # this email from this address
    ACCOUNT = "account"  # this email from addresses it was not opened from before
    ADDRESS = "address"  # this public address, whatever the email


class LoginLocked(DomainError):
    """Too many failed sign-ins: refused without checking the password."""

    code = "login_locked"

    def __init__(self, *, seconds: int, scope: LockScope) -> None:
        super().__init__("Signing in is locked for {seconds} seconds.", seconds=seconds)
        self.seconds = seconds
        self.scope = scope


def login_limits(settings: Settings) -> LoginLimits:
    n = settings.login_max_failures
    return LoginLimits(
        window_seconds=settings.login_lockout_seconds,
        per_pair=n,
        per_account=n * ACCOUNT_FACTOR,
        per_address=n * ADDRESS_FACTOR,
        familiar_seconds=FAMILIAR_DAYS * 86400,
        familiar_max=FAMILIAR_MAX,
    )


def address_key(client_ip: str | None) -> tuple[str | None, bool]:
    """(what the throttle counts a client address as, whether it is public).

    An IPv4 address as it is (IPv4-mapped IPv6 too), an IPv6 address as its /64 network;
    (None, False) for anything that is not an IP address.
    """
    try:
        ip = ipaddress.ip_address(client_ip or "")
    except ValueError:
        return None, False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ip), ip.is_global
    return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64))), ip.is_global


async def _failure(
    store: Store,
    limits: LoginLimits,
    claim: LoginClaim,
    *,
    email: str,
    address: str | None,
    public: bool,
) -> DomainError:
    """Count a failed sign-in; the error to show (LoginLocked once a limit is reached)."""
    locks_pair = claim.pair_attempts >= limits.per_pair
    if locks_pair:  # locked for a full lockout from this failure on
        await store.accounts.lock_login_pair(email, address, seconds=limits.window_seconds)
    if address and public and await store.accounts.count_address_failure(address, limits=limits):
        return LoginLocked(seconds=limits.window_seconds, scope=LockScope.ADDRESS)
    if locks_pair:
        return LoginLocked(seconds=limits.window_seconds, scope=LockScope.PAIR)
    return DomainError(_WRONG, code="wrong_credentials")


async def sign_in(
    store: Store,
    settings: Settings,
    *,
    email: str,
    password: str,
    client_ip: str | None,
    now: datetime,
    pool: Executor | None = None,
) -> Account:
    """The account these credentials open; DomainError (or LoginLocked) otherwise."""
    try:
        email = normalize_email(email)
    except DomainError:
        raise DomainError(_WRONG, code="wrong_credentials") from None
    address, public = address_key(client_ip)
    limits = login_limits(settings)
    claim = await store.accounts.claim_login(email, address, public=public, limits=limits, now=now)
    if claim.refused:
        raise LoginLocked(seconds=claim.seconds, scope=LockScope(claim.refused))
    account = await check_credentials(store, email=email, password=password, pool=pool)
    if account is None:
        raise await _failure(store, limits, claim, email=email, address=address, public=public)
    await store.accounts.login_succeeded(email, address, limits=limits, now=now)
    return account

"""Organizations, staff accounts and sign-in attempt counters in Redis.

An organization is a JSON string under ``keys.org(org_id)``, listed in ``keys.ORGS``.
An account is a hash under ``keys.account(account_id)`` with two fields: ``record`` (the
Account as JSON) and ``password_hash`` (argon2), so the hash never travels with the record.
``keys.account_by_email(email)`` maps an address to its account; a script claims it with
``SET NX`` and writes the account in the same step, so two sign-ups with one email cannot
both succeed. Sign-in attempts are counters with a TTL under ``keys.login_failures(subject)``
(per email and address pair, per email, per address), claimed by one script before the
password is checked; ``keys.login_familiar(email)`` holds the addresses it was opened from.
"""

from dataclasses import dataclass
from datetime import datetime

from rooms.accounts import Account, Organization
from rooms.errors import Conflict
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Redis

RECORD = "record"
PASSWORD_HASH = "password_hash"

# KEYS: email index, account, org accounts; ARGV: account id, record JSON, password hash
_CREATE_ACCOUNT = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX') == false then
  return 0
end
redis.call('HSET', KEYS[2], 'record', ARGV[2], 'password_hash', ARGV[3])
redis.call('SADD', KEYS[3], ARGV[1])
return 1
"""

# Claiming a sign-in attempt, before its password is checked (server/accounts.py).
# KEYS: pair counter, account counter, address counter, the email's familiar addresses
# ARGV: window, pair limit, account limit, address limit (0: none), address ('' if
# unknown), familiar since (POSIX time). Returns {refused, seconds, pair count}: refused is
# '' (go on), 'address', 'account' or 'pair'. Counters always get a TTL.
_CLAIM_LOGIN = """
local function left(key)
  return math.max(redis.call('TTL', key), 1)
end
local function count(key)
  local n = redis.call('INCR', key)
  if redis.call('TTL', key) < 0 then
    redis.call('EXPIRE', key, ARGV[1])
  end
  return n
end
local limit = tonumber(ARGV[4])
if limit > 0 and tonumber(redis.call('GET', KEYS[3]) or '0') >= limit then
  return {'address', left(KEYS[3]), 0}
end
local seen = ARGV[5] ~= '' and redis.call('ZSCORE', KEYS[4], ARGV[5])
local familiar = seen and tonumber(seen) >= tonumber(ARGV[6])
if not familiar and tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[3]) then
  return {'account', left(KEYS[2]), 0}
end
local pair = count(KEYS[1])
if pair > tonumber(ARGV[2]) then
  return {'pair', left(KEYS[1]), pair}
end
count(KEYS[2])
return {'', 0, pair}
"""

# KEYS: a counter; ARGV: window in seconds. The new count; a counter always has a TTL.
_COUNT = """
local n = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return n
"""


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """The sign-in throttle's numbers (chosen by server/accounts.py)."""

    window_seconds: int  # counters run this long from their first attempt; locks last this long
    per_pair: int  # attempts at one email from one address
    per_account: int  # attempts at one email from all addresses; binds unfamiliar ones only
    per_address: int  # failures from one public address, whatever the email
    familiar_seconds: int  # how long an address a good sign-in came from stays familiar
    familiar_max: int  # the most familiar addresses kept per email


@dataclass(frozen=True, slots=True)
class LoginClaim:
    """An attempt claimed before its password is checked."""

    refused: str  # "" to go on; else the counter that refuses it: address, account, pair
    seconds: int  # how long the refusal lasts
    pair_attempts: int  # this attempt's number at this email from this address


def _pair(email: str, address: str | None) -> str:
    return f"{email}|{address or '-'}"


class Accounts:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._create_account = redis.register_script(_CREATE_ACCOUNT)
        self._claim_login = redis.register_script(_CLAIM_LOGIN)
        self._count = redis.register_script(_COUNT)

    # organizations

    async def create_org(self, org: Organization) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.org(org.org_id), dump(org))
            pipe.sadd(keys.ORGS, org.org_id)
            await pipe.execute()

    async def get_org(self, org_id: str) -> Organization | None:
        text = await self.redis.get(keys.org(org_id))
        return None if text is None else load(Organization, text)

    async def orgs(self) -> list[Organization]:
        org_ids = sorted(await self.redis.smembers(keys.ORGS))
        texts = await self.redis.mget([keys.org(o) for o in org_ids]) if org_ids else []
        return [load(Organization, text) for text in texts if text is not None]

    # accounts

    async def create_account(self, account: Account, *, password_hash: str) -> None:
        """Store a new account; Conflict (code "email_taken") if its email has one already."""
        created = await self._create_account(
            keys=[
                keys.account_by_email(account.email),
                keys.account(account.account_id),
                keys.org_accounts(account.org_id),
            ],
            args=[account.account_id, dump(account), password_hash],
        )
        if not created:
            raise Conflict(
                "An account with the email {email} exists already.",
                code="email_taken",
                email=account.email,
            )

    async def get(self, account_id: str) -> Account | None:
        text = await self.redis.hget(keys.account(account_id), RECORD)
        return None if text is None else load(Account, text)

    async def by_email(self, email: str) -> Account | None:
        account_id = await self.redis.get(keys.account_by_email(email))
        return None if account_id is None else await self.get(account_id)

    async def accounts_of_org(self, org_id: str) -> list[Account]:
        """The organization's accounts, oldest first."""
        account_ids = sorted(await self.redis.smembers(keys.org_accounts(org_id)))
        async with self.redis.pipeline(transaction=False) as pipe:
            for account_id in account_ids:
                pipe.hget(keys.account(account_id), RECORD)
            texts = await pipe.execute()
        accounts = [load(Account, text) for text in texts if text is not None]
        return sorted(accounts, key=lambda a: (a.created_at, a.email))

    async def password_hash(self, account_id: str) -> str | None:
        return await self.redis.hget(keys.account(account_id), PASSWORD_HASH)

    async def set_password_hash(self, account_id: str, password_hash: str) -> None:
        key = keys.account(account_id)
        if not await self.redis.hexists(key, RECORD):
            return  # the account was deleted meanwhile: do not resurrect half of it
        await self.redis.hset(key, PASSWORD_HASH, password_hash)

    # sign-in attempts (see server/accounts.py for the rules)

    async def claim_login(
        self, email: str, address: str | None, *, public: bool, limits: LoginLimits, now: datetime
    ) -> LoginClaim:
        """Count an attempt at email from address, unless a counter already refuses it.

        ``address`` is the client's address (None if unknown); only a ``public`` one is
        held to ``limits.per_address``.
        """
        familiar_since = now.timestamp() - limits.familiar_seconds
        refused, seconds, pair = await self._claim_login(
            keys=[
                keys.login_failures(_pair(email, address)),
                keys.login_failures(email),
                keys.login_failures(f"ip:{address}"),
                keys.login_familiar(email),
            ],
            args=[
                limits.window_seconds,
                limits.per_pair,
                limits.per_account,
                limits.per_address if public and address else 0,
                address or "",
                familiar_since,
            ],
        )
        return LoginClaim(str(refused), int(seconds), int(pair))

    async def lock_login_pair(self, email: str, address: str | None, *, seconds: int) -> None:
        """Keep the pair's counter (and so its lock) for a full ``seconds`` from now."""
        await self.redis.expire(keys.login_failures(_pair(email, address)), seconds)

    async def count_address_failure(self, address: str, *, limits: LoginLimits) -> bool:
        """Count a failure from address; True if that locks it (for a full window)."""
        key = keys.login_failures(f"ip:{address}")
        failures = int(await self._count(keys=[key], args=[limits.window_seconds]))
        if failures < limits.per_address:
            return False
        await self.redis.expire(key, limits.window_seconds)
        return True

    async def login_succeeded(
        self, email: str, address: str | None, *, limits: LoginLimits, now: datetime
    ) -> None:
        """Forget the pair's attempts; remember address as familiar to the email."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.login_failures(_pair(email, address)))
            if address:
                familiar = keys.login_familiar(email)
                pipe.zadd(familiar, {address: now.timestamp()})
                pipe.zremrangebyscore(familiar, "-inf", now.timestamp() - limits.familiar_seconds)
                pipe.zremrangebyrank(familiar, 0, -limits.familiar_max - 1)
                pipe.expire(familiar, limits.familiar_seconds)
            await pipe.execute()

    async def login_attempts(self, subject: str) -> tuple[int, int]:
        """(attempts counted, seconds until the counter expires; 0 if there is none)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(keys.login_failures(subject))
            pipe.ttl(keys.login_failures(subject))
            count, ttl = await pipe.execute()
        return int(count or 0), max(int(ttl), 0)

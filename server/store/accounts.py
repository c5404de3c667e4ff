"""Organizations, staff accounts and sign-in attempt counters in Redis.

An organization is a JSON string under ``keys.org(org_id)``, listed in ``keys.ORGS``.
An account is a hash under ``keys.account(account_id)`` with two fields: ``record`` (the
Account as JSON) and ``password_hash`` (argon2), so the hash never travels with the record.
``keys.account_by_email(email)`` maps an address to its account; a script claims it with
``SET NX`` and writes the account in the same step, so two sign-ups with one email cannot
both succeed. Sign-in attempts are counters with a TTL under ``keys.login_failures(subject)``.
"""

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

# KEYS: counter; ARGV: window in seconds. A counter always has a TTL, even after a crash.
_COUNT_ATTEMPT = """
local n = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return n
"""


class Accounts:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._create_account = redis.register_script(_CREATE_ACCOUNT)
        self._count_attempt = redis.register_script(_COUNT_ATTEMPT)

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

    # sign-in attempts; a subject is an email or "ip:<address>"

    async def count_login_attempt(self, subject: str, *, window_seconds: int) -> int:
        """Count one more attempt within the window (started by the first); the new count."""
        return int(
            await self._count_attempt(keys=[keys.login_failures(subject)], args=[window_seconds])
        )

    async def lock_login(self, subject: str, *, seconds: int) -> None:
        """Keep the subject's counter (and so its lock) for a full ``seconds`` from now."""
        await self.redis.expire(keys.login_failures(subject), seconds)

    async def login_attempts(self, subject: str) -> tuple[int, int]:
        """(attempts counted, seconds until the counter expires; 0 if there is none)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.get(keys.login_failures(subject))
            pipe.ttl(keys.login_failures(subject))
            count, ttl = await pipe.execute()
        return int(count or 0), max(int(ttl), 0)

    async def clear_login_attempts(self, subject: str) -> None:
        await self.redis.delete(keys.login_failures(subject))

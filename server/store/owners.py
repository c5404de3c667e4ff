"""Which web process owns each live room: its lease and its fencing token (ARCHITECTURE.md
glossary: owner, lease, fencing token).

- ``session:<id>:lease``: ``"<owner> <token>"`` with the lease's TTL. ``claim`` takes it
  when it is free, or held under this process's own name (a previous life of this process:
  the name is its ``host:port``, which no other live process can have); another live
  owner's lease is refused.
- ``session:<id>:owner``: a hash with the room's current fencing ``token`` (increased by one
  at every claim, never reset while the session's records are kept) and the ``process``
  that took it last.

``fence`` is how a writer proves it still owns the room: on a pipeline it WATCHes the owner
hash and compares the room's current token with its own; a newer claim before its EXEC
makes the EXEC fail (``WatchError``), and the next attempt finds the token stale and raises
``Fenced``. Renewals touch only the lease key, so they never abort a write.

The room's line fences each batch that way; the owner's other writes on behalf of a room
(a run of show's change, a signing step, ending the session, a recording's record) pass a
``Fence`` — the room and the token its owner holds — to their own transaction
(``server.store.transactions.watched``), which WATCHes the owner hash beside its own keys
and checks the token first (``Fence.check``).

A write into a directory (the agenda's session record, a recording's record) cannot WATCH
the owner hash on a Redis Cluster: it is in the room's slot, the directory in its own. Such
a write is fenced by the directory's **copy** of the token instead
(``{<directory>}:session:<id>:fence``, ``Fence.into``): the write is refused when the copy
is newer than its token (or there is none: no claim), and raises the copy to its token
(WATCHed, in its own MULTI); every claim raises the copies to the new token before the new
owner rebuilds the room. The
copy never goes down but when the owner hash has expired (a token of 1 again).
"""

from dataclasses import dataclass, replace
from datetime import timedelta

from redis.asyncio.client import Pipeline

from rooms.lease import lease_value, stale
from server.store import keys
from server.store.connection import Redis

KEEP_OWNER = timedelta(days=30)  # the token outlives any session's room
# the directories a room's owner writes into on the room's behalf: each keeps a copy of the
# room's token (server.store.rooms: the session's end; server.store.recordings)
FENCED_DIRECTORIES = ("agenda", "recordings")

_CLAIM = """
local held = redis.call('GET', KEYS[1])
if held then
  local owner = string.match(held, '^(.*) %d+$') or ''
  if owner ~= ARGV[1] then return {0, owner, 0} end
end
local previous = redis.call('HGET', KEYS[2], 'process') or ''
local token = redis.call('HINCRBY', KEYS[2], 'token', 1)
redis.call('HSET', KEYS[2], 'process', ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. token, 'PX', ARGV[2])
return {1, previous, token}
"""

_RENEW = """
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not held and redis.call('HGET', KEYS[2], 'token') == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

_RAISE_COPY = """
local copy = tonumber(redis.call('GET', KEYS[1]) or '0')
local token = tonumber(ARGV[1])
if token > copy or token == 1 then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
end
return 1
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class Fenced(Exception):
    """A write under a stale fencing token: another process owns the room now."""

    def __init__(self, session_id: str, token: int, current: int | None) -> None:
        super().__init__(f"room {session_id}: token {token} is stale (now {current})")
        self.session_id = session_id


@dataclass(frozen=True, slots=True)
class Fence:
    """A write's proof that its process owns the room: the room and the token it holds."""

    session_id: str
    token: int
    directory: str = ""  # "": the room's own keys; else one of FENCED_DIRECTORIES

    def into(self, directory: str) -> "Fence":
        """The same fence for a write into ``directory`` (checked by its copy of the token)."""
        if directory not in FENCED_DIRECTORIES:
            raise ValueError(f"no copy of a room's token is kept in {directory!r}")
        return replace(self, directory=directory)

    @property
    def key(self) -> str:
        """What a fenced transaction WATCHes beside its own keys."""
        if self.directory:
            return keys.room_fence_copy(self.directory, self.session_id)
        return keys.room_owner(self.session_id)

    async def check(self, pipe: Pipeline) -> None:
        """On a pipeline WATCHing ``key`` (before MULTI): ``Fenced`` if the token is stale."""
        if self.directory:
            found = await pipe.get(self.key)
            current = None if found is None else int(found)
            refused = current is None or current > self.token  # None: never claimed
        else:
            current = await pipe.hget(self.key, "token")
            current = None if current is None else int(current)
            refused = stale(self.token, current)
        if refused:
            await pipe.unwatch()
            raise Fenced(self.session_id, self.token, current)

    def mark(self, pipe: Pipeline) -> None:
        """Inside the MULTI: a directory's copy goes up to this token (``check`` saw it no
        newer, and it is WATCHed); nothing for the room's own keys."""
        if self.directory:
            pipe.set(self.key, self.token, ex=int(KEEP_OWNER.total_seconds()))


@dataclass(frozen=True, slots=True)
class Claim:
    """What a claim came to: taken (with its token, and the process that held the room
    before, "" if none), or refused (``owner``: who holds it)."""

    taken: bool
    owner: str
    token: int


def _ms(ttl: timedelta) -> int:
    return max(1, int(ttl.total_seconds() * 1000))


class Owners:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._claim = redis.register_script(_CLAIM)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)
        self._raise_copy = redis.register_script(_RAISE_COPY)

    async def claim(self, session_id: str, process: str, *, ttl: timedelta) -> Claim:
        """Take the room's lease for ``process`` unless another live process holds it."""
        keep = int(KEEP_OWNER.total_seconds())
        taken, owner, token = await self._claim(
            keys=[keys.room_lease(session_id), keys.room_owner(session_id)],
            args=[process, _ms(ttl), keep],
        )
        claim = Claim(taken=bool(int(taken)), owner=str(owner), token=int(token))
        if claim.taken:  # before the new owner reads anything: a stale owner's writes end here
            for directory in FENCED_DIRECTORIES:
                await self._raise_copy(
                    keys=[keys.room_fence_copy(directory, session_id)], args=[claim.token, keep]
                )
        return claim

    async def renew(
        self, process: str, leases: list[tuple[str, int]], *, ttl: timedelta
    ) -> list[bool | None]:
        """Renew each (session id, token) lease of this process: kept, lost, or None when its
        node did not answer (on a Redis Cluster, a hung or dead node's rooms; the others
        are renewed all the same). One Redis that does not answer raises."""
        if not leases:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for session_id, token in leases:
                await self._renew(
                    keys=[keys.room_lease(session_id), keys.room_owner(session_id)],
                    args=[lease_value(process, token), _ms(ttl), token],
                    client=pipe,
                )
            replies = await pipe.execute(raise_on_error=False)
        return [None if isinstance(reply, Exception) else bool(int(reply)) for reply in replies]

    async def release(self, session_id: str, process: str, token: int) -> bool:
        """Give the lease up (the room closed or was forgotten), if it is still ours."""
        value = lease_value(process, token)
        return bool(await self._release(keys=[keys.room_lease(session_id)], args=[value]))

    async def token(self, session_id: str) -> int | None:
        """The room's current fencing token (None: never owned)."""
        found = await self.redis.hget(keys.room_owner(session_id), "token")
        return None if found is None else int(found)

    async def last_owner(self, session_id: str) -> tuple[str, int] | None:
        """The process that claimed the room last and the token it got (None: never owned)."""
        process, token = await self.redis.hmget(keys.room_owner(session_id), ["process", "token"])
        return None if token is None else (str(process or ""), int(token))

    async def holder(self, session_id: str) -> str | None:
        """The lease as stored ("<owner> <token>"), None when no process holds it."""
        found = await self.redis.get(keys.room_lease(session_id))
        return None if found is None else str(found)

    async def fence(self, pipe: Pipeline, session_id: str, token: int) -> None:
        """Start a fenced transaction on ``pipe``: WATCH the room's owner, check the token
        (``Fenced`` if stale), then MULTI. Queue the writes and execute after."""
        fence = Fence(session_id, token)
        await pipe.watch(fence.key)
        await fence.check(pipe)
        pipe.multi()

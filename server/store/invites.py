"""Invites and personal calendar-feed tokens in Redis: the secret links of Yunhui.

An invite is a hash under ``keys.invite(invite_id)``, indexed per session by creation time.
A single-use invite is spent by ``SET NX`` on ``keys.invite_spent(invite_id)``: of two
concurrent accepts exactly one sets it. Records outlive their expiry by ``KEEP_AFTER_EXPIRY``
so the organizer still sees them as expired, then Redis drops them.

A person's feed token maps both ways: ``keys.person_feed(person_key) -> token`` and
``keys.feed_owner(token) -> person_key``; rotating it forgets the old token.
"""

import secrets
from datetime import datetime, timedelta

from redis.exceptions import WatchError

from rooms.invites import Invite
from rooms.roles import Role
from server.store import keys
from server.store.connection import Redis

KEEP_AFTER_EXPIRY = timedelta(days=30)

_REVOKE = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSET', KEYS[1], 'revoked', '1')
  return 1
end
return 0
"""


def _to_hash(invite: Invite) -> dict[str, str]:
    return {
        "invite_id": invite.invite_id,
        "session_id": invite.session_id,
        "role": str(invite.role),
        "name": invite.name,
        "email": invite.email,
        "single_use": "1" if invite.single_use else "0",
        "created_by": invite.created_by,
        "created_at": invite.created_at.isoformat(),
        "expires_at": invite.expires_at.isoformat(),
        "revoked": "1" if invite.revoked else "0",
        "holder": invite.holder,
    }


def _from_hash(data: dict[str, str]) -> Invite:
    return Invite(
        invite_id=data["invite_id"],
        session_id=data["session_id"],
        role=Role(data["role"]),
        name=data["name"],
        email=data["email"],
        single_use=data["single_use"] == "1",
        created_by=data["created_by"],
        created_at=datetime.fromisoformat(data["created_at"]),
        expires_at=datetime.fromisoformat(data["expires_at"]),
        revoked=data["revoked"] == "1",
        holder=data.get("holder", ""),
    )


def new_invite_id() -> str:
    return secrets.token_hex(8)


class Invites:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def create(self, invite: Invite) -> None:
        key = keys.invite(invite.invite_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=_to_hash(invite))
            pipe.expireat(key, invite.expires_at + KEEP_AFTER_EXPIRY)
            pipe.zadd(
                keys.session_invites(invite.session_id),
                {invite.invite_id: invite.created_at.timestamp()},
            )
            await pipe.execute()

    async def get(self, invite_id: str) -> Invite | None:
        data = await self.redis.hgetall(keys.invite(invite_id))
        return _from_hash(data) if data else None

    async def of_session(self, session_id: str) -> list[Invite]:
        """The session's invites, oldest first; forgets ids whose record Redis dropped."""
        index = keys.session_invites(session_id)
        invite_ids = await self.redis.zrange(index, 0, -1)
        async with self.redis.pipeline(transaction=False) as pipe:
            for invite_id in invite_ids:
                pipe.hgetall(keys.invite(invite_id))
            records = await pipe.execute()
        gone = [i for i, data in zip(invite_ids, records, strict=True) if not data]
        if gone:
            await self.redis.zrem(index, *gone)
        return [_from_hash(data) for data in records if data]

    async def revoke(self, invite_id: str) -> bool:
        """Mark the invite revoked; False if there is no such invite."""
        return bool(await self.redis.eval(_REVOKE, 1, keys.invite(invite_id)))

    async def spend(self, invite: Invite, *, now: datetime) -> bool:
        """Use up a single-use invite: True for the one caller that spent it, else False."""
        spent = await self.redis.set(
            keys.invite_spent(invite.invite_id),
            now.isoformat(),
            nx=True,
            exat=invite.expires_at + KEEP_AFTER_EXPIRY,
        )
        return bool(spent)

    async def spent(self, invite_ids: list[str]) -> set[str]:
        """Which of these invites have been spent."""
        if not invite_ids:
            return set()
        values = await self.redis.mget([keys.invite_spent(i) for i in invite_ids])
        return {i for i, value in zip(invite_ids, values, strict=True) if value is not None}

    # personal calendar feeds

    async def feed_owner(self, token: str) -> str | None:
        """The person_key whose feed this token opens, or None for an unknown token."""
        return await self.redis.get(keys.feed_owner(token))

    async def feed_token(self, person_key: str) -> str:
        """The person's feed token, created on first use."""
        return await self._swap_feed(person_key, replace=False)

    async def rotate_feed(self, person_key: str) -> str:
        """A new feed token for the person; the old one stops working."""
        return await self._swap_feed(person_key, replace=True)

    async def _swap_feed(self, person_key: str, *, replace: bool) -> str:
        key = keys.person_feed(person_key)
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    old = await pipe.get(key)
                    if old is not None and not replace:
                        return str(old)
                    token = secrets.token_urlsafe(32)
                    pipe.multi()
                    pipe.set(key, token)
                    pipe.set(keys.feed_owner(token), person_key)
                    if old is not None:
                        pipe.delete(keys.feed_owner(old))
                    await pipe.execute()
                    return token
                except WatchError:
                    continue

"""Follow-up requests (``rooms.followups``): each one's JSON, an index per person (the
investor who sent it and each founder it is for) and per roadshow (for its staff), and the
claim of whoever answers it now."""

from rooms.followups import FollowUp
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Redis

CLAIM_SECONDS = 60  # a pick that crashed half-way frees the request after this


class FollowUps:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def create(self, follow_up: FollowUp) -> None:
        score = {follow_up.follow_up_id: follow_up.created_at.timestamp()}
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.follow_up(follow_up.follow_up_id), dump(follow_up))
            pipe.zadd(keys.person_follow_ups(follow_up.investor.person_key), score)
            for founder in follow_up.founders:
                pipe.zadd(keys.person_follow_ups(founder.person_key), score)
            if follow_up.session_id:
                pipe.zadd(keys.session_follow_ups(follow_up.session_id), score)
            await pipe.execute()

    async def get(self, follow_up_id: str) -> FollowUp | None:
        raw = await self.redis.get(keys.follow_up(follow_up_id))
        return None if raw is None else load(FollowUp, raw)

    async def save(self, follow_up: FollowUp) -> None:
        """Write an answered request (its answerer holds the claim)."""
        await self.redis.set(keys.follow_up(follow_up.follow_up_id), dump(follow_up))

    async def of_person(self, person_key: str) -> list[FollowUp]:
        """The requests the person sent or received, newest first."""
        return await self._listed(keys.person_follow_ups(person_key))

    async def of_session(self, session_id: str, *, most: int = 500) -> list[FollowUp]:
        """The requests made from a roadshow's pitches, newest first."""
        return await self._listed(keys.session_follow_ups(session_id), most=most)

    async def _listed(self, index: str, *, most: int = 100) -> list[FollowUp]:
        ids = await self.redis.zrevrange(index, 0, most - 1)
        rows = await self.redis.mget([keys.follow_up(i) for i in ids]) if ids else []
        return [load(FollowUp, row) for row in rows if row]

    async def claim(self, follow_up_id: str) -> bool:
        """Whether this caller may answer the request now: of two at once, one."""
        key = keys.follow_up_claim(follow_up_id)
        return bool(await self.redis.set(key, "1", nx=True, ex=CLAIM_SECONDS))

    async def release(self, follow_up_id: str) -> None:
        await self.redis.delete(keys.follow_up_claim(follow_up_id))

    async def companion_event(self, of: tuple[str, str], new_event_id: str) -> tuple[str, bool]:
        """The id of the unlisted follow-ups event of an event (``("event", id)``) or an
        organization (``("org", id)``), and whether it is the new one (the caller makes it)."""
        key = keys.follow_ups_event(*of)
        if await self.redis.set(key, new_event_id, nx=True):
            return new_event_id, True
        return str(await self.redis.get(key)), False

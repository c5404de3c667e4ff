"""A room's breakout groups (``rooms.breakouts.BreakoutState``): one JSON value per session.
The room's line (server/realtime/line.py) queues it in its MULTI (``queue``); a room opening
reads it back, so a restart finds everyone in their group."""

from rooms.breakouts import BreakoutState
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Pipeline, Redis


class BreakoutRecords:
    records: tuple[type, ...] = (BreakoutState,)  # what ``queue`` keeps

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def queue(self, pipe: Pipeline, session_id: str, state: BreakoutState) -> None:
        pipe.set(keys.breakouts(session_id), dump(state))

    async def state(self, session_id: str) -> BreakoutState:
        text = await self.redis.get(keys.breakouts(session_id))
        return BreakoutState() if text is None else load(BreakoutState, text)

"""A session's polls and quizzes: the bank of polls prepared for it (drafts), the polls
launched in its room, everyone's ballots, and whether the quiz leaderboard is shown.

The room's line (server/realtime/line.py) queues the live records in its MULTI (``queue``);
the bank is written here directly by the console's API.
"""

from rooms.poll_spec import Ballot, PollSpec
from rooms.polls import BoardShown, LivePoll
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Pipeline, Redis
from server.store.watched import Watched

BANK_MAX = 100
RECORDS = (LivePoll, Ballot, BoardShown)


class Polls(Watched):
    records: tuple[type, ...] = RECORDS  # what ``queue`` keeps

    def __init__(self, redis: Redis) -> None:
        super().__init__()  # who hears of a bank's changes: the live rooms, their hosts see it
        self.redis = redis

    # written on the room's line

    def queue(self, pipe: Pipeline, session_id: str, record: object) -> None:
        """Queue one record of a room's polls (the line's MULTI)."""
        if isinstance(record, LivePoll):
            pipe.hset(keys.polls(session_id), record.poll_id, dump(record))
        elif isinstance(record, Ballot):
            field = f"{record.poll_id} {record.person_key}"
            pipe.hset(keys.poll_ballots(session_id), field, dump(record))
        elif isinstance(record, BoardShown):
            pipe.set(keys.poll_board(session_id), "1" if record.shown else "0")
        else:
            raise TypeError(f"no record of a room's polls is a {type(record).__name__}")

    # read

    async def launched(self, session_id: str) -> list[LivePoll]:
        found = await self.redis.hgetall(keys.polls(session_id))
        polls = [load(LivePoll, v) for v in found.values()]
        return sorted(polls, key=lambda p: p.opened_at)

    async def ballots(self, session_id: str) -> list[Ballot]:
        found = await self.redis.hgetall(keys.poll_ballots(session_id))
        return sorted((load(Ballot, v) for v in found.values()), key=lambda b: b.at)

    async def board_shown(self, session_id: str) -> bool:
        return await self.redis.get(keys.poll_board(session_id)) == "1"

    # the bank (prepared in the console)

    async def bank(self, session_id: str) -> dict[str, PollSpec]:
        found = await self.redis.hgetall(keys.poll_bank(session_id))
        drafts = {str(k): load(PollSpec, v) for k, v in found.items()}
        return dict(sorted(drafts.items()))

    async def add_draft(self, session_id: str, spec: PollSpec) -> str | None:
        """The new draft's id; None when the bank is full."""
        if await self.redis.hlen(keys.poll_bank(session_id)) >= BANK_MAX:
            return None
        number = await self.redis.incr(keys.poll_bank_next(session_id))
        draft_id = f"d{number:04d}"
        await self.redis.hset(keys.poll_bank(session_id), draft_id, dump(spec))
        await self.changed(session_id)
        return draft_id

    async def remove_draft(self, session_id: str, draft_id: str) -> bool:
        removed = bool(await self.redis.hdel(keys.poll_bank(session_id), draft_id))
        if removed:
            await self.changed(session_id)
        return removed

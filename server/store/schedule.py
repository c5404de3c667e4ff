"""The scheduler's side of Redis: due sessions, state transitions, reminders.

Exactly once, with any number of schedulers:
- a transition is a compare-and-set on the session's JSON (WATCH/MULTI): of two schedulers
  racing, one EXEC succeeds and the other sees the new state and has nothing left to do; the
  transition log entry and the next due time are written in the same MULTI;
- a reminder is claimed per person with SET NX inside one Lua script that also pushes the
  notification (both keys in the person's slot), so a person is reminded once per session
  start, whoever runs it; the reminder is dropped after, so a crash in between only means
  that the next run finds every mark set.
"""

from dataclasses import replace
from datetime import UTC, datetime

from redis.exceptions import WatchError

from rooms.agenda import Session
from rooms.lifecycle import State, next_change_at, scheduled_state, steps_towards
from server.store import keys
from server.store.codec import dump, load
from server.store.connection import Redis

REMINDED_TTL = 7 * 86400
KEEP = 200  # notifications a person keeps

# KEYS: the person's reminder mark, the person's notifications (one slot: person:{<key>})
# ARGV: ttl, keep, notification JSON. 1 if this call reminded them, 0 if one did before.
_REMIND = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
redis.call('LPUSH', KEYS[2], ARGV[3])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[2]) - 1)
return 1
"""

# KEYS: reminders zset; ARGV: session_id, start_ts. Drops the reminder if still for that start.
_DROP = """
if tonumber(redis.call('ZSCORE', KEYS[1], ARGV[1])) == tonumber(ARGV[2]) then
  return redis.call('ZREM', KEYS[1], ARGV[1])
end
return 0
"""


def _ts(moment: datetime) -> float:
    return moment.timestamp()


def _score(value: float) -> str:
    """A score as text that parses back to the same double (in Lua and in Redis)."""
    return repr(int(value)) if value == int(value) else repr(value)


class Schedule:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._remind = redis.register_script(_REMIND)
        self._drop = redis.register_script(_DROP)

    async def due_sessions(self, now: datetime, *, limit: int = 500) -> list[str]:
        return list(await self.redis.zrangebyscore(keys.SCHEDULE, "-inf", _ts(now), 0, limit))

    async def advance(self, session_id: str, now: datetime) -> list[State]:
        """Walk one session to the state its schedule says; the steps this call made."""
        async with self.redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    return await self._advance_once(pipe, session_id, now)
                except WatchError:
                    continue

    async def _advance_once(self, pipe, session_id: str, now: datetime) -> list[State]:  # type: ignore[no-untyped-def]
        key = keys.session(session_id)
        await pipe.watch(key)
        raw = await pipe.get(key)
        if raw is None:
            await pipe.unwatch()
            await self.redis.zrem(keys.SCHEDULE, session_id)
            return []
        session = load(Session, raw)
        target = scheduled_state(
            start=session.start, end=session.end, lobby_minutes=session.lobby_minutes, now=now
        )
        steps = steps_towards(session.state, target) if session.state != State.CANCELLED else []
        final = replace(session, state=steps[-1], updated_at=now) if steps else session
        pipe.multi()
        if steps:
            pipe.set(key, dump(final))
            for step in steps:
                pipe.xadd(keys.transition_log(session_id), {"state": step, "at": now.isoformat()})
        due = next_change_at(
            state=final.state, start=final.start, end=final.end, lobby_minutes=final.lobby_minutes
        )
        if due is None:
            pipe.zrem(keys.SCHEDULE, session_id)
        else:
            pipe.zadd(keys.SCHEDULE, {session_id: _ts(due)})
        await pipe.execute()
        return steps

    async def transitions(self, session_id: str) -> list[tuple[State, datetime]]:
        rows = await self.redis.xrange(keys.transition_log(session_id))
        return [(State(f["state"]), datetime.fromisoformat(f["at"])) for _, f in rows]

    async def due_reminders(self, until: datetime, *, limit: int = 500) -> list[tuple[str, float]]:
        rows = await self.redis.zrangebyscore(
            keys.REMINDERS, "-inf", _ts(until), 0, limit, withscores=True
        )
        return [(session_id, float(score)) for session_id, score in rows]

    async def drop_reminder(self, session_id: str, start_ts: float) -> None:
        await self._drop(keys=[keys.REMINDERS], args=[session_id, _score(start_ts)])

    async def remind(self, session_id: str, start_ts: float, messages: dict[str, str]) -> list[str]:
        """Push each person's notification unless they were reminded of this start already,
        then drop the reminder; the person keys reminded by this call."""
        people = list(messages)
        sent = []
        if people:
            async with self.redis.pipeline(transaction=False) as pipe:
                for person_key, message in messages.items():
                    mark = keys.reminded(session_id, _score(start_ts), person_key)
                    args = [REMINDED_TTL, KEEP, message]
                    await self._remind(
                        keys=[mark, keys.notifications(person_key)], args=args, client=pipe
                    )
                sent = await pipe.execute()
        await self.drop_reminder(session_id, start_ts)
        return [person for person, fresh in zip(people, sent, strict=True) if int(fresh)]


def utc_from_ts(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)

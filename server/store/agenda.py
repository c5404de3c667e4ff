"""Events and sessions in Redis; their rosters and bookings are ``Bookings``'
(server/store/bookings.py), the base of ``Agenda``.

Records are JSON strings (codec); indexes are sorted sets scored by UTC POSIX seconds:
an organization's events and the public events (by first day), an event's agenda, the
upcoming public sessions and each person's sessions (by start), the scheduler's due times
and reminders.

Atomicity:
- a session is rewritten by one Lua script (``_REWRITE``) that compares the session's JSON,
  its event's JSON and its roster with what the change was computed from, re-checks every
  booked person's span (``bookings.OVERLAP``), and then writes the session, every index,
  every booking and the scheduler's entries — or nothing. A mismatch means someone (the
  scheduler, another editor) got there first: read again, compute again, try again;
- event writes (and new sessions, which the event's visibility decides about) use
  WATCH/MULTI on the event, its agenda and its sessions.
"""

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any, TypeVar

from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from rooms.agenda import Event, RosterEntry, Session, Visibility
from rooms.errors import NotFound
from rooms.lifecycle import State, next_change_at
from rooms.roles import BOOKED_ROLES
from rooms.timing import parse_zone
from server.store import codec, keys
from server.store.bookings import (
    ATTEMPTS,
    LOOKBACK,
    OVERLAP,
    Bookings,
    Overlap,
    busy,
    not_found_session,
    ts,
)
from server.store.bookings import member as member  # bench/agenda.py takes it from here
from server.store.connection import Redis

T = TypeVar("T")

# KEYS[1] a zset of ids; ARGV: key prefix, key suffix. The records of the ids in score
# order, in one round trip (false where one is missing).
_RANGE = """
local ids, out = redis.call('ZRANGE', KEYS[1], 0, -1), {}
for first = 1, #ids, 500 do
  local names = {}
  for i = first, math.min(first + 499, #ids) do
    names[#names + 1] = ARGV[1] .. ids[i] .. ARGV[2]
  end
  local values = redis.call('MGET', unpack(names))
  for i = 1, #names do out[#out + 1] = values[i] end
end
return out
"""

# KEYS[1] the upcoming public sessions; ARGV: min score, now as UTC ISO text, limit, key
# prefix, key suffix. Up to limit records of sessions not cancelled and not over by now,
# by start. Times are compared as the ISO text codec writes (UTC, "+00:00"), which orders
# like time; a record in any other form is passed on for Python to judge.
_UPCOMING = """
local limit, now, offset, out = tonumber(ARGV[3]), ARGV[2], 0, {}
local function utc(text) return string.sub(text, -6) == '+00:00' end
while true do
  local ids = redis.call('ZRANGE', KEYS[1], ARGV[1], '+inf', 'BYSCORE', 'LIMIT', offset, 200)
  for _, id in ipairs(ids) do
    local raw = redis.call('GET', ARGV[4] .. id .. ARGV[5])
    if raw then
      local s = cjson.decode(raw)
      local over = utc(s['end']) and utc(now) and s['end'] <= now
      if s.state ~= 'cancelled' and not over then
        out[#out + 1] = raw
        if #out == limit then return out end
      end
    end
  end
  if #ids < 200 then return out end
  offset = offset + 200
end
"""

# KEYS: 1 session, 2 event, 3 roster, 4 agenda, 5 upcoming public, 6 schedule, 7 reminders,
#       then per roster entry: its person's bookings, its person's sessions
# ARGV: 1 session JSON read, 2 event JSON read, 3 new session JSON, 4 session_id,
#       5 old end, 6 new start, 7 new end, 8 cancelled, 9 public, 10 due ts or '',
#       11 lookback, 12 roster size, then per entry: person_key, entry JSON read, booked
_REWRITE = (
    OVERLAP
    + """
if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[2] then
  return {'stale'}
end
local n = tonumber(ARGV[12])
if redis.call('HLEN', KEYS[3]) ~= n then return {'stale'} end
for i = 0, n - 1 do
  if redis.call('HGET', KEYS[3], ARGV[13 + 3 * i]) ~= ARGV[14 + 3 * i] then return {'stale'} end
end
local own, start, stop = ARGV[4], tonumber(ARGV[6]), ARGV[7]
local active = ARGV[8] ~= '1'
for i = 0, n - 1 do
  if active and ARGV[15 + 3 * i] == '1' then
    local other = overlap(KEYS[8 + 2 * i], start, stop, own, tonumber(ARGV[11]))
    if other then return {'double_booked', ARGV[13 + 3 * i], other} end
  end
end
redis.call('SET', KEYS[1], ARGV[3])
for i = 0, n - 1 do
  if ARGV[15 + 3 * i] == '1' then
    redis.call('ZREM', KEYS[8 + 2 * i], ARGV[5] .. '|' .. own)
    if active then redis.call('ZADD', KEYS[8 + 2 * i], start, stop .. '|' .. own) end
  end
  redis.call('ZADD', KEYS[9 + 2 * i], start, own)
end
redis.call('ZADD', KEYS[4], start, own)
if active and ARGV[9] == '1' then
  redis.call('ZADD', KEYS[5], start, own)
else
  redis.call('ZREM', KEYS[5], own)
end
if ARGV[10] == '' then redis.call('ZREM', KEYS[6], own)
else redis.call('ZADD', KEYS[6], ARGV[10], own) end
if active then redis.call('ZADD', KEYS[7], start, own) else redis.call('ZREM', KEYS[7], own) end
return {'ok'}
"""
)


def due(session: Session) -> str:
    """The scheduler's next look at this session, as a score; '' when there is none."""
    at = next_change_at(
        state=session.state,
        start=session.start,
        end=session.end,
        lobby_minutes=session.lobby_minutes,
    )
    return "" if at is None else str(ts(at))


def event_score(event: Event) -> int:
    """Midnight of the event's first day in its zone."""
    return ts(datetime.combine(event.start_date, time(), tzinfo=parse_zone(event.zone)))


def _affixes(key_of: Callable[[str], str]) -> tuple[str, str]:
    prefix, suffix = key_of("\0").split("\0")
    return prefix, suffix


class Agenda(Bookings):
    """Events and sessions, with their indexes; rosters and bookings from ``Bookings``."""

    def __init__(self, redis: Redis) -> None:
        super().__init__(redis)
        self._range = redis.register_script(_RANGE)
        self._upcoming = redis.register_script(_UPCOMING)
        self._rewrite = redis.register_script(_REWRITE)

    # Reading ----------------------------------------------------------------------------

    async def get_event(self, event_id: str) -> Event | None:
        raw = await self.redis.get(keys.event(event_id))
        return None if raw is None else codec.load(Event, raw)

    async def get_session(self, session_id: str) -> Session | None:
        raw = await self.redis.get(keys.session(session_id))
        return None if raw is None else codec.load(Session, raw)

    async def sessions(self, session_ids: list[str]) -> list[Session]:
        """The sessions that still exist among session_ids, in one round trip."""
        if not session_ids:
            return []
        rows = await self.redis.mget([keys.session(session_id) for session_id in session_ids])
        return [codec.load(Session, raw) for raw in rows if raw is not None]

    async def events_of_org(self, org_id: str) -> list[Event]:
        return await self._records(Event, keys.org_events(org_id), keys.event)

    async def public_events(self) -> list[Event]:
        return await self._records(Event, keys.PUBLIC_EVENTS, keys.event)

    async def agenda_of(self, event_id: str) -> list[Session]:
        """The event's sessions by start (cancelled ones too), in one round trip."""
        return await self._records(Session, keys.agenda(event_id), keys.session)

    async def sessions_of_person(self, person_key: str) -> list[Session]:
        """Every session the person is on the roster of, by start."""
        return await self._records(Session, keys.person_sessions(person_key), keys.session)

    async def upcoming_public(self, now: datetime, limit: int) -> list[Session]:
        """Sessions of public events that have not ended by now (live ones too), by start."""
        if limit < 1:
            return []
        prefix, suffix = _affixes(keys.session)
        args = [ts(now) - LOOKBACK, now.astimezone(UTC).isoformat(), limit, prefix, suffix]
        rows = await self._upcoming(keys=[keys.UPCOMING_PUBLIC], args=args)
        found = [codec.load(Session, raw) for raw in rows]
        return [s for s in found if s.end > now and s.state is not State.CANCELLED]

    async def _records(self, cls: type[T], index: str, key_of: Callable[[str], str]) -> list[T]:
        rows = await self._range(keys=[index], args=list(_affixes(key_of)))
        return [codec.load(cls, raw) for raw in rows if raw]

    # Events -----------------------------------------------------------------------------

    async def create_event(self, event: Event) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.event(event.event_id), codec.dump(event))
            _index_event(pipe, event)
            await pipe.execute()

    async def change_event(
        self, event_id: str, change: Callable[[Event, list[Session]], Event]
    ) -> Event:
        """Apply change(event, its sessions) atomically; the sessions follow its visibility."""
        async with self.redis.pipeline(transaction=True) as pipe:
            for _ in range(ATTEMPTS):
                try:
                    return await self._change_event_once(pipe, event_id, change)
                except WatchError:
                    continue
        raise busy()

    async def _change_event_once(
        self, pipe: Pipeline, event_id: str, change: Callable[[Event, list[Session]], Event]
    ) -> Event:
        await pipe.watch(keys.event(event_id), keys.agenda(event_id))
        event = await _event_of(pipe, event_id)
        session_keys = [keys.session(s) for s in await pipe.zrange(keys.agenda(event_id), 0, -1)]
        sessions: list[Session] = []
        if session_keys:
            await pipe.watch(*session_keys)
            sessions = [codec.load(Session, r) for r in await pipe.mget(session_keys) if r]
        revised = change(event, sessions)
        if revised == event:
            return event
        pipe.multi()
        pipe.set(keys.event(event_id), codec.dump(revised))
        _index_event(pipe, revised)
        if revised.visibility != event.visibility:
            for session in sessions:
                _index_public(pipe, session, revised)
        await pipe.execute()
        return revised

    # Sessions ---------------------------------------------------------------------------

    async def create_session(self, event_id: str, build: Callable[[Event], Session]) -> Session:
        """Write build(event) with its indexes, atomically against changes to the event."""
        async with self.redis.pipeline(transaction=True) as pipe:
            for _ in range(ATTEMPTS):
                try:
                    await pipe.watch(keys.event(event_id))
                    event = await _event_of(pipe, event_id)
                    session = build(event)
                    pipe.multi()
                    queue_new_session(pipe, session, event)
                    await pipe.execute()
                    return session
                except WatchError:
                    continue
        raise busy()

    async def change_session(
        self,
        session_id: str,
        change: Callable[[Session, Event, list[RosterEntry]], Session],
    ) -> Session:
        """Apply change(session, event, roster) atomically (see _REWRITE); Overlap if a
        booked person would be double-booked, and then nothing is written."""
        for _ in range(ATTEMPTS):
            raw, roster = await self._read_session(session_id)
            session = codec.load(Session, raw)
            event_raw = await self.redis.get(keys.event(session.event_id))
            if event_raw is None:
                raise NotFound("No event {event_id}.", event_id=session.event_id)
            event = codec.load(Event, event_raw)
            revised = change(session, event, [codec.load(RosterEntry, r) for r in roster.values()])
            if revised == session:
                return session
            outcome = await self._rewrite(
                keys=_rewrite_keys(revised, roster),
                args=_rewrite_args(session, revised, raw, event, event_raw, roster),
            )
            if outcome[0] == "double_booked":
                raise Overlap(outcome[1], outcome[2])
            if outcome[0] == "ok":
                return revised
        raise busy()

    async def _read_session(self, session_id: str) -> tuple[str, dict[str, str]]:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(keys.session(session_id))
            pipe.hgetall(keys.roster(session_id))
            raw, roster = await pipe.execute()
        if raw is None:
            raise not_found_session(session_id)
        return raw, roster

    async def discard_session(self, session: Session) -> None:
        """Remove a session made a moment ago whose roster stayed empty (a follow-up
        meeting whose booking was refused): nothing of it is left."""
        sid = session.session_id
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.session(sid), keys.roster(sid))
            pipe.zrem(keys.agenda(session.event_id), sid)
            pipe.zrem(keys.UPCOMING_PUBLIC, sid)
            pipe.zrem(keys.SCHEDULE, sid)
            pipe.zrem(keys.REMINDERS, sid)
            await pipe.execute()


def queue_new_session(pipe: Pipeline, session: Session, event: Event) -> None:
    """Queue a new session's record and indexes (it has no roster yet)."""
    pipe.set(keys.session(session.session_id), codec.dump(session))
    pipe.zadd(keys.agenda(session.event_id), {session.session_id: ts(session.start)})
    _index_public(pipe, session, event)
    if at := due(session):
        pipe.zadd(keys.SCHEDULE, {session.session_id: at})
    pipe.zadd(keys.REMINDERS, {session.session_id: ts(session.start)})


async def _event_of(pipe: Pipeline, event_id: str) -> Event:
    raw = await pipe.get(keys.event(event_id))
    if raw is None:
        raise NotFound("No event {event_id}.", event_id=event_id)
    return codec.load(Event, raw)


def _index_event(pipe: Pipeline, event: Event) -> None:
    score = {event.event_id: event_score(event)}
    pipe.zadd(keys.org_events(event.org_id), score)
    if event.visibility is Visibility.PUBLIC:
        pipe.zadd(keys.PUBLIC_EVENTS, score)
    else:
        pipe.zrem(keys.PUBLIC_EVENTS, event.event_id)


def _index_public(pipe: Pipeline, session: Session, event: Event) -> None:
    if event.visibility is Visibility.PUBLIC and session.state is not State.CANCELLED:
        pipe.zadd(keys.UPCOMING_PUBLIC, {session.session_id: ts(session.start)})
    else:
        pipe.zrem(keys.UPCOMING_PUBLIC, session.session_id)


def _rewrite_keys(session: Session, roster: dict[str, str]) -> list[str]:
    sid = session.session_id
    fixed = [keys.session(sid), keys.event(session.event_id), keys.roster(sid)]
    fixed += [keys.agenda(session.event_id), keys.UPCOMING_PUBLIC, keys.SCHEDULE, keys.REMINDERS]
    for pk in roster:
        fixed += [keys.person_bookings(pk), keys.person_sessions(pk)]
    return fixed


def _rewrite_args(
    old: Session, new: Session, raw: str, event: Event, event_raw: str, roster: dict[str, str]
) -> list[Any]:
    public = "1" if event.visibility is Visibility.PUBLIC else "0"
    cancelled = "1" if new.state is State.CANCELLED else "0"
    args: list[Any] = [raw, event_raw, codec.dump(new), new.session_id, ts(old.end)]
    args += [ts(new.start), ts(new.end), cancelled, public, due(new), LOOKBACK, len(roster)]
    for pk, text in roster.items():
        booked = codec.load(RosterEntry, text).role in BOOKED_ROLES
        args += [pk, text, "1" if booked else "0"]
    return args

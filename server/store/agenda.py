"""Events, sessions, rosters and bookings in Redis.

Records are JSON strings (codec); indexes are sorted sets scored by UTC POSIX seconds:
an organization's events and the public events (by first day), an event's agenda, the
upcoming public sessions and each person's sessions (by start), the scheduler's due times
and reminders. A person's **bookings** are a sorted set of ``"<end_ts>|<session_id>"`` by
start, one per session they hold a booked role in (rooms.roles.BOOKED_ROLES).

Atomicity:
- a session is rewritten by one Lua script (``_REWRITE``) that compares the session's JSON,
  its event's JSON and its roster with what the change was computed from, re-checks every
  booked person's span, and then writes the session, every index, every booking and the
  scheduler's entries — or nothing. A mismatch means someone (the scheduler, another
  editor) got there first: read again, compute again, try again;
- a person joins a roster through ``_BOOK``, which refuses an overlapping booking and
  writes the entry, the booking and the person's session index in one step;
- event writes (and new sessions, which the event's visibility decides about) use
  WATCH/MULTI on the event, its agenda and its sessions.
"""

from collections.abc import Callable
from datetime import UTC, datetime, time
from typing import Any, TypeVar

from redis.asyncio.client import Pipeline
from redis.exceptions import WatchError

from rooms.agenda import Event, RosterEntry, Session, Visibility
from rooms.errors import Conflict, NotFound
from rooms.lifecycle import State, next_change_at
from rooms.roles import BOOKED_ROLES, Role
from rooms.timing import MAX_SESSION, parse_zone
from server.store import codec, keys
from server.store.connection import Redis

ATTEMPTS = 50
LOOKBACK = int(MAX_SESSION.total_seconds())  # no booking starting earlier can reach now
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

# Shared by both scripts: the first booking of KEYS[k] overlapping [start, end), other
# than the session's own; nil if there is none. Members are "<end_ts>|<session_id>".
_OVERLAP = """
local function overlap(key, start, stop, own, lookback)
  local near = redis.call('ZRANGE', key, start - lookback, '(' .. stop, 'BYSCORE')
  for _, member in ipairs(near) do
    local bar = string.find(member, '|', 1, true)
    local other = string.sub(member, bar + 1)
    if other ~= own and tonumber(string.sub(member, 1, bar - 1)) > start then
      return other
    end
  end
  return nil
end
"""

# KEYS: session, roster, person_sessions, person_bookings
# ARGV: session JSON read, person_key, entry JSON, start, end, session_id, booked, lookback
_BOOK = (
    _OVERLAP
    + """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'stale'} end
local start, stop, own = tonumber(ARGV[4]), ARGV[5], ARGV[6]
local member = stop .. '|' .. own
if ARGV[7] == '1' then
  local other = overlap(KEYS[4], start, stop, own, tonumber(ARGV[8]))
  if other then return {'double_booked', ARGV[2], other} end
  redis.call('ZADD', KEYS[4], start, member)
else
  redis.call('ZREM', KEYS[4], member)
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[3], start, own)
return {'ok'}
"""
)

# KEYS: session, roster, person_sessions, person_bookings
# ARGV: session JSON read, person_key, booking member, session_id
_UNBOOK = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'stale'} end
if redis.call('HDEL', KEYS[2], ARGV[2]) == 0 then return {'absent'} end
redis.call('ZREM', KEYS[3], ARGV[4])
redis.call('ZREM', KEYS[4], ARGV[3])
return {'ok'}
"""

# KEYS: 1 session, 2 event, 3 roster, 4 agenda, 5 upcoming public, 6 schedule, 7 reminders,
#       then per roster entry: its person's bookings, its person's sessions
# ARGV: 1 session JSON read, 2 event JSON read, 3 new session JSON, 4 session_id,
#       5 old end, 6 new start, 7 new end, 8 cancelled, 9 public, 10 due ts or '',
#       11 lookback, 12 roster size, then per entry: person_key, entry JSON read, booked
_REWRITE = (
    _OVERLAP
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


class Overlap(Exception):
    """A booked person would be in two sessions at once."""

    def __init__(self, person_key: str, other_session_id: str) -> None:
        super().__init__(person_key, other_session_id)
        self.person_key = person_key
        self.other_session_id = other_session_id


def ts(moment: datetime) -> int:
    """A score: whole UTC POSIX seconds (session times carry no fractions)."""
    return int(moment.timestamp())


def member(session: Session) -> str:
    """A session's member in a person's bookings."""
    return f"{ts(session.end)}|{session.session_id}"


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


def _busy() -> Conflict:
    return Conflict("Too many changes at once; please try again.", code="busy")


def _not_found_session(session_id: str) -> NotFound:
    return NotFound("No session {session_id}.", session_id=session_id)


class Agenda:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._range = redis.register_script(_RANGE)
        self._upcoming = redis.register_script(_UPCOMING)
        self._book = redis.register_script(_BOOK)
        self._unbook = redis.register_script(_UNBOOK)
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

    async def roster_of(self, session_id: str) -> list[RosterEntry]:
        """The session's roster: by role (in the order of rooms.roles.Role), then name."""
        rows = await self.redis.hvals(keys.roster(session_id))
        entries = [codec.load(RosterEntry, raw) for raw in rows]
        order = list(Role)
        return sorted(entries, key=lambda e: (order.index(e.role), e.name, e.person_key))

    async def roster_entry(self, session_id: str, person_key: str) -> RosterEntry | None:
        raw = await self.redis.hget(keys.roster(session_id), person_key)
        return None if raw is None else codec.load(RosterEntry, raw)

    async def bookings_of(self, person_key: str) -> list[tuple[str, datetime, datetime]]:
        """The person's bookings: (session_id, start, end) by start."""
        rows = await self.redis.zrange(keys.person_bookings(person_key), 0, -1, withscores=True)
        return [_booking(text, score) for text, score in rows]

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
        raise _busy()

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
        raise _busy()

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
        raise _busy()

    async def _read_session(self, session_id: str) -> tuple[str, dict[str, str]]:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.get(keys.session(session_id))
            pipe.hgetall(keys.roster(session_id))
            raw, roster = await pipe.execute()
        if raw is None:
            raise _not_found_session(session_id)
        return raw, roster

    # Rosters ----------------------------------------------------------------------------

    async def book(
        self, session_id: str, entry: RosterEntry, check: Callable[[Session], None]
    ) -> Session:
        """Put entry on the roster if check(session) passes; a booked role holds the
        person's time, refused (Overlap) when it overlaps another of their bookings."""
        pk = entry.person_key
        for _ in range(ATTEMPTS):
            raw = await self.redis.get(keys.session(session_id))
            if raw is None:
                raise _not_found_session(session_id)
            session = codec.load(Session, raw)
            check(session)
            booked = "1" if entry.role in BOOKED_ROLES else "0"
            args = [raw, pk, codec.dump(entry), ts(session.start), ts(session.end)]
            outcome = await self._book(
                keys=_person_keys(session_id, pk), args=[*args, session_id, booked, LOOKBACK]
            )
            if outcome[0] == "double_booked":
                raise Overlap(outcome[1], outcome[2])
            if outcome[0] == "ok":
                return session
        raise _busy()

    async def unbook(self, session_id: str, person_key: str) -> bool:
        """Take the person off the roster and release their booking; False if absent."""
        for _ in range(ATTEMPTS):
            raw = await self.redis.get(keys.session(session_id))
            if raw is None:
                raise _not_found_session(session_id)
            args = [raw, person_key, member(codec.load(Session, raw)), session_id]
            outcome = await self._unbook(keys=_person_keys(session_id, person_key), args=args)
            if outcome[0] != "stale":
                return bool(outcome[0] == "ok")
        raise _busy()

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


def _person_keys(session_id: str, person_key: str) -> list[str]:
    return [
        keys.session(session_id),
        keys.roster(session_id),
        keys.person_sessions(person_key),
        keys.person_bookings(person_key),
    ]


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


def _booking(text: str, score: float) -> tuple[str, datetime, datetime]:
    end, _, session_id = text.partition("|")
    return session_id, datetime.fromtimestamp(score, UTC), datetime.fromtimestamp(int(end), UTC)

"""Rosters and bookings in Redis: who is on a session's roster, and the time a booked role
holds.

A roster is a hash ``person_key -> RosterEntry`` JSON. A person's **bookings** are a sorted
set of ``"<end_ts>|<session_id>"`` by start, one per session they hold a booked role in
(rooms.roles.BOOKED_ROLES); spans are half-open, so back-to-back sessions do not overlap.

Atomicity:
- a person joins a roster through ``_BOOK``, which refuses an overlapping booking and
  writes the entry, the booking and the person's session index in one step; ``_UNBOOK``
  takes them off the roster and releases the booking in one step. Both compare the
  session's JSON with what the caller read first, and start again when it changed;
- a session's rewrite (``Agenda.change_session``, server/store/agenda.py) re-checks every
  booked person's new span with the same ``OVERLAP`` function and moves their bookings in
  its own one step.

``Bookings`` is the agenda's base (``store.agenda``): an agenda's sessions and their rosters
are changed against each other, so the agenda reaches both.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from rooms.agenda import RosterEntry, Session
from rooms.errors import Conflict, NotFound
from rooms.roles import BOOKED_ROLES, Role
from rooms.timing import MAX_SESSION
from server.store import codec, keys
from server.store.connection import Redis

ATTEMPTS = 50  # tries of a script (or a transaction) whose reads changed, then "busy"
LOOKBACK = int(MAX_SESSION.total_seconds())  # no booking starting earlier can reach now

# Shared by _BOOK and the agenda's _REWRITE: the first booking of KEYS[k] overlapping
# [start, end), other than the session's own; nil if there is none. Members are
# "<end_ts>|<session_id>".
OVERLAP = """
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
    OVERLAP
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


def busy() -> Conflict:
    return Conflict("Too many changes at once; please try again.", code="busy")


def not_found_session(session_id: str) -> NotFound:
    return NotFound("No session {session_id}.", session_id=session_id)


class Bookings:
    """Sessions' rosters and their people's bookings (reached as ``store.agenda``)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._book = redis.register_script(_BOOK)
        self._unbook = redis.register_script(_UNBOOK)

    # Reading ----------------------------------------------------------------------------

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

    # Writing ----------------------------------------------------------------------------

    async def book(
        self, session_id: str, entry: RosterEntry, check: Callable[[Session], None]
    ) -> Session:
        """Put entry on the roster if check(session) passes; a booked role holds the
        person's time, refused (Overlap) when it overlaps another of their bookings."""
        pk = entry.person_key
        for _ in range(ATTEMPTS):
            raw = await self.redis.get(keys.session(session_id))
            if raw is None:
                raise not_found_session(session_id)
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
        raise busy()

    async def unbook(self, session_id: str, person_key: str) -> bool:
        """Take the person off the roster and release their booking; False if absent."""
        for _ in range(ATTEMPTS):
            raw = await self.redis.get(keys.session(session_id))
            if raw is None:
                raise not_found_session(session_id)
            args = [raw, person_key, member(codec.load(Session, raw)), session_id]
            outcome = await self._unbook(keys=_person_keys(session_id, person_key), args=args)
            if outcome[0] != "stale":
                return bool(outcome[0] == "ok")
        raise busy()


def _person_keys(session_id: str, person_key: str) -> list[str]:
    return [
        keys.session(session_id),
        keys.roster(session_id),
        keys.person_sessions(person_key),
        keys.person_bookings(person_key),
    ]


def _booking(text: str, score: float) -> tuple[str, datetime, datetime]:
    end, _, session_id = text.partition("|")
    return session_id, datetime.fromtimestamp(score, UTC), datetime.fromtimestamp(int(end), UTC)

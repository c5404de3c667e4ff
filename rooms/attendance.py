"""Attendance: who was in the room when, and each person's total and active time.

The record is a list of joins and leaves, one pair per stay of a person (several tabs of
one person are one stay). A join without its leave (the person is still there) counts until
``until``; a second join while present and a leave while absent are ignored. When the
server stopped without a goodbye (a crash), it closes the stays left open when it starts
again, with ``lost`` leaves at the last moment it can vouch for (its heartbeat): the
exports say so.

**Active time** counts only the time a person's page was seen: while one of their tabs is
visible it sends a heartbeat, and the room records an ``active`` passage (at most one per
person every ``rooms.attention.KEEP_EVERY`` seconds) and an ``idle`` one when none of their
tabs is visible any more (``rooms.attention.Attention``). The time from one ``active`` to the
next passage of that person counts, but never more than ``BEAT_GAP_MAX`` seconds: a page that
stops beating (frozen, cut off, a crash) stops earning time. All times are the server's.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from rooms.chat import defuse


class Movement(StrEnum):
    JOIN = "join"
    LEAVE = "leave"
    LOST = "lost"  # closed by the server after a crash, at its last heartbeat
    ACTIVE = "active"  # a heartbeat from a visible tab of a person in the room
    IDLE = "idle"  # none of the person's tabs is visible any more


STAYS = frozenset({Movement.JOIN, Movement.LEAVE, Movement.LOST})  # what opens and ends a stay
BEAT_GAP_MAX = 75  # seconds an ``active`` passage earns at most (the page beats every 30 s)


@dataclass(frozen=True, slots=True)
class Passage:
    """One join or leave of one person."""

    movement: Movement
    person_key: str
    participant_id: str
    name: str
    role: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Presence:
    """One person's time in the room."""

    person_key: str
    participant_id: str
    name: str
    role: str
    seconds: int
    visits: int
    first_join: datetime
    last_leave: datetime | None  # None while present
    present: bool
    lost: bool = False  # the last stay was closed after a crash, not by leaving
    active_seconds: int = 0  # of ``seconds``, the time a tab of theirs was seen


@dataclass(slots=True)
class _Tally:
    first: Passage
    latest: Passage
    seconds: float = 0.0
    visits: int = 0
    since: datetime | None = None
    last_leave: datetime | None = None
    lost: bool = False
    active: float = 0.0
    beat: datetime | None = None  # the last ``active`` passage of an unbroken run


def _earned(beat: datetime | None, at: datetime) -> float:
    """What a run of heartbeats earns from its last beat until ``at``."""
    if beat is None:
        return 0.0
    return min(max((at - beat).total_seconds(), 0.0), BEAT_GAP_MAX)


def _step(tally: _Tally, passage: Passage) -> None:
    if passage.movement not in STAYS:
        _attend(tally, passage)
    elif passage.movement is Movement.JOIN and tally.since is None:
        tally.since, tally.visits, tally.latest = passage.at, tally.visits + 1, passage
    elif passage.movement is not Movement.JOIN and tally.since is not None:
        tally.seconds += max((passage.at - tally.since).total_seconds(), 0.0)
        tally.active += _earned(tally.beat, passage.at)
        tally.since, tally.last_leave, tally.beat = None, passage.at, None
        tally.lost = passage.movement is Movement.LOST


def _attend(tally: _Tally, passage: Passage) -> None:
    """A heartbeat or going idle, counted only within a stay."""
    if tally.since is None:
        return
    tally.active += _earned(tally.beat, passage.at)
    tally.beat = passage.at if passage.movement is Movement.ACTIVE else None


def totals(passages: list[Passage], *, until: datetime) -> list[Presence]:
    """Each person's time in the room, in order of first arrival."""
    tallies: dict[str, _Tally] = {}
    for passage in sorted(passages, key=lambda p: p.at):
        if passage.person_key not in tallies:
            if passage.movement is not Movement.JOIN:
                continue
            tallies[passage.person_key] = _Tally(first=passage, latest=passage)
        _step(tallies[passage.person_key], passage)
    return [_presence(t, until=until) for t in tallies.values()]


def _presence(tally: _Tally, *, until: datetime) -> Presence:
    seconds, active = tally.seconds, tally.active
    if tally.since is not None:
        seconds += max((until - tally.since).total_seconds(), 0.0)
        active += _earned(tally.beat, until)
    return Presence(
        person_key=tally.first.person_key,
        participant_id=tally.latest.participant_id,
        name=tally.latest.name,
        role=tally.latest.role,
        seconds=int(seconds),
        visits=tally.visits,
        first_join=tally.first.at,
        last_leave=None if tally.since is not None else tally.last_leave,
        present=tally.since is not None,
        lost=tally.since is None and tally.lost,
        active_seconds=int(min(active, seconds)),
    )


def open_stays(passages: list[Passage]) -> list[Passage]:
    """The joins still without their leave: one per person present at the end."""
    latest: dict[str, Passage] = {}
    for passage in sorted(passages, key=lambda p: p.at):
        if passage.movement in STAYS:
            latest[passage.person_key] = passage
    return [p for p in latest.values() if p.movement is Movement.JOIN]


def presence_payload(presence: Presence) -> dict[str, object]:
    """A row of the protocol's ``attendance`` event."""
    return {
        "participant_id": presence.participant_id,
        "name": presence.name,
        "role": presence.role,
        "seconds": presence.seconds,
        "active_seconds": presence.active_seconds,
        "visits": presence.visits,
        "first_join": presence.first_join.isoformat(),
        "last_leave": presence.last_leave.isoformat() if presence.last_leave else None,
        "present": presence.present,
        "lost": presence.lost,
    }


EXPORT_HEADER = (
    "name", "role", "seconds", "minutes", "active_seconds", "active_minutes", "visits",
    "first_join", "last_leave", "left_by",
)  # fmt: skip
# how the last stay ended: left the room, the server lost them (crash; closed at its last
# heartbeat), or still present
LEFT_BY = {(False, False): "leaving", (False, True): "server_restart", (True, False): ""}


def export_rows(people: list[Presence]) -> list[tuple[str, ...]]:
    """Attendance as CSV rows, header first."""
    rows: list[tuple[str, ...]] = [EXPORT_HEADER]
    for p in people:
        leave = p.last_leave.isoformat() if p.last_leave else ""
        cells = (
            p.name, p.role, str(p.seconds), f"{p.seconds / 60:.1f}",
            str(p.active_seconds), f"{p.active_seconds / 60:.1f}", str(p.visits),
        )  # fmt: skip
        left_by = LEFT_BY[(p.present, p.lost)]
        rows.append((*(defuse(c) for c in cells), p.first_join.isoformat(), leave, left_by))
    return rows

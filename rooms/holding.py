"""Moving people out of a room and back as a workflow's state changes (``Workflow.holds``).

A workflow whose change may hold someone out (a review's item moving on, a roadshow's stage
handed over) asks ``regroup`` after the change: those the room now holds step out (they
leave every group first, so none of them hears of the others; they are told why with
``stepped_out``; attendance and the roster see them leave), and those it no longer holds
come back (straight in, or to the lobby where the lobby applies).
"""

from collections.abc import Callable
from datetime import datetime

from rooms.attendance import Movement
from rooms.outbox import Attend, Effect, Group, Move, Send
from rooms.presence import Participant
from rooms.workflow import Core

ALL_GROUPS = (Group.ROOM, Group.HOSTS, Group.ROSTER, Group.LOBBY)
# what a workflow records of a move: (the person, out or back, why) -> effects
Note = Callable[[Participant, bool, str], list[Effect]]


def _nothing(p: Participant, out: bool, why: str) -> list[Effect]:
    return []


def regroup(room: Core, *, now: datetime, note: Note = _nothing) -> list[Effect]:
    """Move out those the room now holds; bring back those it no longer holds."""
    people = room.people.everyone()
    out = [(p, h) for p in people if not p.held and (h := room.hold_of(p)) is not None]
    back = [p for p in people if p.held and room.hold_of(p) is None]
    effects: list[Effect] = [Move(tuple(p.sids), leave=ALL_GROUPS) for p, _ in out]
    for p, hold in out:
        effects += step_out(room, p, hold, now=now, note=note)
    for p in back:
        effects += bring_back(room, p, now=now, note=note)
    return effects


def step_out(
    room: Core, p: Participant, hold: dict[str, object], *, now: datetime, note: Note = _nothing
) -> list[Effect]:
    sids = tuple(p.sids)
    was_in, p.admitted, p.held = p.admitted, False, True
    out: list[Effect] = [Send("stepped_out", hold, sids=sids), *note(p, True, str(hold["reason"]))]
    if not was_in:
        return out + room.lobby.news(now=now)
    left = {"participant_id": p.participant_id}
    return [
        *out,
        Attend(Movement.LEAVE, p.person, p.role),
        Send("participant_left", left, group=Group.ROSTER),
        *room.departed(p, now=now),
    ]


def bring_back(room: Core, p: Participant, *, now: datetime, note: Note = _nothing) -> list[Effect]:
    p.held = False
    back = note(p, False, "")
    if room.lobby.straight_in(p.person, p.role):
        return [*back, *room.enter(p, now=now)]
    return [*back, Move(tuple(p.sids), enter=(Group.LOBBY,)), *room.lobby.news(now=now)]

"""A session's life: scheduled -> open (lobby) -> live -> ended, or cancelled.

The schedule says which state a session *should* be in at a given moment; the scheduler
walks it there one legal step at a time, so catching up after downtime passes through the
same states a punctual run would have.
"""

from datetime import datetime, timedelta
from enum import StrEnum

from rooms.errors import Conflict


class State(StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


TRANSITIONS: dict[State, frozenset[State]] = {
    State.SCHEDULED: frozenset({State.OPEN, State.LIVE, State.CANCELLED}),
    # open -> ended: a host ends the session for all before its start
    State.OPEN: frozenset({State.SCHEDULED, State.LIVE, State.ENDED, State.CANCELLED}),
    State.LIVE: frozenset({State.ENDED}),
    State.ENDED: frozenset(),
    State.CANCELLED: frozenset(),
}

# States a session never leaves: nothing about it changes any more.
TERMINAL = frozenset({State.ENDED, State.CANCELLED})

_FORWARD = (State.SCHEDULED, State.OPEN, State.LIVE, State.ENDED)


def check_transition(current: State, target: State) -> None:
    """Refuse a transition the state machine does not have."""
    if target not in TRANSITIONS[current]:
        raise Conflict(
            "A session that is {current} cannot become {target}.",
            code="illegal_transition",
            current=str(current),
            target=str(target),
        )


def scheduled_state(*, start: datetime, end: datetime, lobby_minutes: int, now: datetime) -> State:
    """The state the clock says a session is in, ignoring cancellation."""
    if now >= end:
        return State.ENDED
    if now >= start:
        return State.LIVE
    if now >= start - timedelta(minutes=lobby_minutes):
        return State.OPEN
    return State.SCHEDULED


def steps_towards(current: State, target: State) -> list[State]:
    """The forward steps from current to target; empty if target is not ahead of current."""
    if current not in _FORWARD or target not in _FORWARD:
        return []
    here, there = _FORWARD.index(current), _FORWARD.index(target)
    return list(_FORWARD[here + 1 : there + 1])


def next_change_at(
    *, state: State, start: datetime, end: datetime, lobby_minutes: int
) -> datetime | None:
    """When the scheduler must next look at a session in this state; None once it is over."""
    if state is State.SCHEDULED:
        return start - timedelta(minutes=lobby_minutes)
    if state is State.OPEN:
        return start
    if state is State.LIVE:
        return end
    return None


def steps_to_end(current: State, *, clock: State) -> list[State]:
    """The steps that end a session now, early (a host ends it for all): first forward to
    where the clock says it is, as the scheduler would, then ended. Conflict
    ``session_closed`` when it is over already, ``illegal_transition`` before its lobby."""
    if current in TERMINAL:
        raise Conflict(
            "This session is {state} already.", code="session_closed", state=str(current)
        )
    steps = steps_towards(current, clock)
    last = steps[-1] if steps else current
    if last is not State.ENDED:
        check_transition(last, State.ENDED)
        steps.append(State.ENDED)
    return steps

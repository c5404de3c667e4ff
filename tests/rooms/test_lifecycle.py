"""rooms.lifecycle: every transition, and where the clock says a session should be."""

from datetime import UTC, datetime, timedelta

import pytest

from rooms.errors import Conflict
from rooms.lifecycle import (
    TERMINAL,
    TRANSITIONS,
    State,
    check_transition,
    next_change_at,
    scheduled_state,
    steps_to_end,
    steps_towards,
)

SCHEDULED, OPEN, LIVE, ENDED, CANCELLED = (
    State.SCHEDULED,
    State.OPEN,
    State.LIVE,
    State.ENDED,
    State.CANCELLED,
)
START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
END = START + timedelta(hours=1)


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


# (current, target, legal): all 25 pairs, spelled out so a change to the machine is deliberate.
TABLE = [
    (SCHEDULED, SCHEDULED, False),
    (SCHEDULED, OPEN, True),
    (SCHEDULED, LIVE, True),
    (SCHEDULED, ENDED, False),
    (SCHEDULED, CANCELLED, True),
    (OPEN, SCHEDULED, True),
    (OPEN, OPEN, False),
    (OPEN, LIVE, True),
    (OPEN, ENDED, True),  # a host ends the session for all during the lobby
    (OPEN, CANCELLED, True),
    (LIVE, SCHEDULED, False),
    (LIVE, OPEN, False),
    (LIVE, LIVE, False),
    (LIVE, ENDED, True),
    (LIVE, CANCELLED, False),
    (ENDED, SCHEDULED, False),
    (ENDED, OPEN, False),
    (ENDED, LIVE, False),
    (ENDED, ENDED, False),
    (ENDED, CANCELLED, False),
    (CANCELLED, SCHEDULED, False),
    (CANCELLED, OPEN, False),
    (CANCELLED, LIVE, False),
    (CANCELLED, ENDED, False),
    (CANCELLED, CANCELLED, False),
]


def test_transition_table_covers_every_pair_of_states() -> None:
    assert sorted((c, t) for c, t, _ in TABLE) == sorted((c, t) for c in State for t in State)


@pytest.mark.parametrize(("current", "target", "legal"), TABLE)
def test_transition_matches_the_table(current: State, target: State, legal: bool) -> None:
    assert (target in TRANSITIONS[current]) is legal


@pytest.mark.parametrize(("current", "target"), [(c, t) for c, t, legal in TABLE if legal])
def test_check_transition_accepts_a_legal_step(current: State, target: State) -> None:
    assert check_transition(current, target) is None


@pytest.mark.parametrize(("current", "target"), [(c, t) for c, t, legal in TABLE if not legal])
def test_check_transition_refuses_an_illegal_step(current: State, target: State) -> None:
    with pytest.raises(Conflict) as caught:
        check_transition(current, target)

    assert caught.value.code == "illegal_transition"
    assert caught.value.message == f"A session that is {current} cannot become {target}."


def test_terminal_states_are_ended_and_cancelled() -> None:
    assert TERMINAL == {ENDED, CANCELLED}
    assert [s for s in State if not TRANSITIONS[s]] == [ENDED, CANCELLED]


@pytest.mark.parametrize(
    ("now", "lobby", "expected"),
    [
        (at(-60), 15, SCHEDULED),
        (at(-16), 15, SCHEDULED),
        (at(-15), 15, OPEN),
        (at(-1), 15, OPEN),
        (at(0), 15, LIVE),
        (at(59), 15, LIVE),
        (at(60), 15, ENDED),
        (at(600), 15, ENDED),
        (at(-1), 0, SCHEDULED),
        (at(0), 0, LIVE),
        (at(-120), 120, OPEN),
    ],
)
def test_scheduled_state_follows_the_clock(now: datetime, lobby: int, expected: State) -> None:
    assert scheduled_state(start=START, end=END, lobby_minutes=lobby, now=now) == expected


@pytest.mark.parametrize(
    ("current", "target", "steps"),
    [
        (SCHEDULED, SCHEDULED, []),
        (SCHEDULED, OPEN, [OPEN]),
        (SCHEDULED, LIVE, [OPEN, LIVE]),
        (SCHEDULED, ENDED, [OPEN, LIVE, ENDED]),
        (OPEN, LIVE, [LIVE]),
        (OPEN, ENDED, [LIVE, ENDED]),
        (LIVE, ENDED, [ENDED]),
        (OPEN, SCHEDULED, []),
        (LIVE, OPEN, []),
        (ENDED, LIVE, []),
        (ENDED, ENDED, []),
        (CANCELLED, ENDED, []),
        (SCHEDULED, CANCELLED, []),
    ],
)
def test_steps_towards_walks_forward_one_state_at_a_time(
    current: State, target: State, steps: list[State]
) -> None:
    assert steps_towards(current, target) == steps


def test_steps_towards_takes_only_legal_transitions() -> None:
    for current in State:
        for target in State:
            here = current
            for step in steps_towards(current, target):
                check_transition(here, step)
                here = step


@pytest.mark.parametrize(
    ("state", "lobby", "expected"),
    [
        (SCHEDULED, 15, at(-15)),
        (SCHEDULED, 0, at(0)),
        (OPEN, 15, at(0)),
        (LIVE, 15, END),
        (ENDED, 15, None),
        (CANCELLED, 15, None),
    ],
)
def test_next_change_at_is_when_the_state_must_next_change(
    state: State, lobby: int, expected: datetime | None
) -> None:
    assert next_change_at(state=state, start=START, end=END, lobby_minutes=lobby) == expected


@pytest.mark.parametrize(
    ("current", "clock", "steps"),
    [
        (OPEN, OPEN, [ENDED]),
        (LIVE, LIVE, [ENDED]),
        (SCHEDULED, OPEN, [OPEN, ENDED]),
        (SCHEDULED, LIVE, [OPEN, LIVE, ENDED]),
        (OPEN, LIVE, [LIVE, ENDED]),
        (LIVE, ENDED, [ENDED]),
    ],
)
def test_steps_to_end_walks_to_the_clock_then_ends(
    current: State, clock: State, steps: list[State]
) -> None:
    assert steps_to_end(current, clock=clock) == steps


@pytest.mark.parametrize("current", [ENDED, CANCELLED])
def test_steps_to_end_refuses_a_session_that_is_over(current: State) -> None:
    with pytest.raises(Conflict) as caught:
        steps_to_end(current, clock=LIVE)

    assert caught.value.code == "session_closed"


def test_steps_to_end_refuses_a_session_whose_lobby_has_not_opened() -> None:
    with pytest.raises(Conflict) as caught:
        steps_to_end(SCHEDULED, clock=SCHEDULED)

    assert caught.value.code == "illegal_transition"

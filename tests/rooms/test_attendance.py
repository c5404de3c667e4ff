"""rooms.attendance: each person's total time from joins and leaves."""

from datetime import UTC, datetime, timedelta

import pytest

from rooms.agenda import PersonType, person_key
from rooms.attendance import (
    Movement,
    Passage,
    Presence,
    export_rows,
    open_stays,
    presence_payload,
    totals,
)

T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
JOIN, LEAVE, ACTIVE, IDLE = Movement.JOIN, Movement.LEAVE, Movement.ACTIVE, Movement.IDLE


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def passage(movement: Movement, who: str, minutes: float, role: str = "attendee") -> Passage:
    key = person_key(PersonType.GUEST, who)
    return Passage(movement, key, f"p-{who}", who.title(), role, at(minutes))


def test_totals_add_up_every_stay_of_a_person() -> None:
    passages = [
        passage(JOIN, "li", 0), passage(LEAVE, "li", 10),
        passage(JOIN, "li", 20), passage(LEAVE, "li", 25),
    ]  # fmt: skip

    assert totals(passages, until=at(60)) == [
        Presence("guest:li", "p-li", "Li", "attendee", 900, 2, at(0), at(25), False)
    ]


def test_totals_count_a_person_still_present_until_now() -> None:
    passages = [passage(JOIN, "li", 0), passage(LEAVE, "li", 10), passage(JOIN, "li", 30)]

    [li] = totals(passages, until=at(45))

    assert (li.seconds, li.visits, li.present, li.last_leave) == (1500, 2, True, None)


def test_totals_ignore_a_second_join_and_a_stray_leave() -> None:
    passages = [
        passage(LEAVE, "li", 0),
        passage(JOIN, "li", 5), passage(JOIN, "li", 7), passage(LEAVE, "li", 15),
        passage(LEAVE, "li", 20),
    ]  # fmt: skip

    [li] = totals(passages, until=at(60))

    assert (li.seconds, li.visits, li.first_join, li.last_leave) == (600, 1, at(5), at(15))


def test_totals_list_people_in_order_of_first_arrival() -> None:
    passages = [passage(JOIN, "han", 3), passage(JOIN, "li", 1), passage(LEAVE, "han", 4)]

    assert [p.name for p in totals(passages, until=at(5))] == ["Li", "Han"]


def test_totals_take_the_latest_name_and_role() -> None:
    passages = [
        passage(JOIN, "li", 0), passage(LEAVE, "li", 1),
        passage(JOIN, "li", 2, role="cohost"), passage(LEAVE, "li", 3, role="cohost"),
    ]  # fmt: skip

    [li] = totals(passages, until=at(5))

    assert li.role == "cohost"


def test_presence_payload_and_export_rows() -> None:
    passages = [passage(JOIN, "li", 0), passage(ACTIVE, "li", 0.5), passage(LEAVE, "li", 1.5)]
    [li] = totals(passages, until=at(5))

    assert presence_payload(li) == {
        "participant_id": "p-li", "name": "Li", "role": "attendee", "seconds": 90,
        "active_seconds": 60, "visits": 1,
        "first_join": "2026-05-01T01:00:00+00:00", "last_leave": "2026-05-01T01:01:30+00:00",
        "present": False, "lost": False,
    }  # fmt: skip
    assert export_rows([li]) == [
        ("name", "role", "seconds", "minutes", "active_seconds", "active_minutes", "visits",
         "first_join", "last_leave", "left_by"),
        ("Li", "attendee", "90", "1.5", "60", "1.0", "1", "2026-05-01T01:00:00+00:00",
         "2026-05-01T01:01:30+00:00", "leaving"),
    ]  # fmt: skip


# passages -> each person's stay still open at the end (their join)
OPEN_STAYS = [
    ([], []),
    ([("join", "li", 0)], [("li", 0)]),
    ([("join", "li", 0), ("leave", "li", 1)], []),
    ([("join", "li", 0), ("leave", "li", 1), ("join", "li", 2), ("join", "han", 3)],
     [("li", 2), ("han", 3)]),
    ([("join", "li", 0), ("lost", "li", 1)], []),
    ([("join", "li", 0), ("active", "li", 1), ("idle", "li", 2)], [("li", 0)]),
]  # fmt: skip


@pytest.mark.parametrize(("moves", "still_open"), OPEN_STAYS)
def test_open_stays_are_the_joins_without_a_leave(
    moves: list[tuple[str, str, float]], still_open: list[tuple[str, float]]
) -> None:
    passages = [passage(Movement(m), who, minutes) for m, who, minutes in moves]

    assert [(p.person_key, p.at) for p in open_stays(passages)] == [
        (f"guest:{who}", at(minutes)) for who, minutes in still_open
    ]


def test_a_stay_closed_after_a_crash_counts_until_then_and_says_so() -> None:
    passages = [passage(JOIN, "li", 0), passage(Movement.LOST, "li", 2)]

    [li] = totals(passages, until=at(10))

    assert (li.seconds, li.present, li.lost) == (120, False, True)
    assert export_rows([li])[1][-1] == "server_restart"


# active time: (movement, minutes) of one person -> active seconds counted until minute 60
ACTIVE_TIME = [
    # beats every half minute from minute 1 to 3, then hidden: 1 .. 3.5
    ([("join", 0), ("active", 1), ("active", 1.5), ("active", 2), ("active", 2.5),
      ("active", 3), ("idle", 3.5), ("leave", 10)], 150),
    # a gap in the beats earns at most BEAT_GAP_MAX (75 s) after the last beat
    ([("join", 0), ("active", 1), ("active", 11), ("leave", 20)], 75 + 75),
    # hidden time earns nothing, and a beat after it starts a new run
    ([("join", 0), ("active", 0), ("idle", 0.5), ("active", 5), ("leave", 5.5)], 60),
    # a stay closed after a crash ends the run at the last heartbeat the server vouched for
    ([("join", 0), ("active", 0), ("active", 0.5), ("lost", 0.75)], 45),
    # beats outside a stay (before joining, after leaving) count nothing
    ([("active", 0), ("join", 1), ("leave", 2), ("active", 3), ("active", 3.5)], 0),
    # still present and beating: counts until now, at most one gap past the last beat
    ([("join", 0), ("active", 58), ("active", 58.5)], 30 + 75),
    # never more than the time present
    ([("join", 0), ("active", 0), ("leave", 0.5)], 30),
]  # fmt: skip


@pytest.mark.parametrize(("moves", "active_seconds"), ACTIVE_TIME)
def test_active_time_counts_heartbeats_by_the_servers_clock(
    moves: list[tuple[str, float]], active_seconds: int
) -> None:
    passages = [passage(Movement(m), "li", minutes) for m, minutes in moves]

    [li] = totals(passages, until=at(60))

    assert li.active_seconds == active_seconds


def test_active_time_is_kept_per_person() -> None:
    passages = [
        passage(JOIN, "li", 0), passage(JOIN, "han", 0), passage(ACTIVE, "li", 0),
        passage(ACTIVE, "li", 1), passage(IDLE, "han", 1), passage(IDLE, "li", 1.5),
    ]  # fmt: skip

    li, han = totals(passages, until=at(2))

    assert (li.active_seconds, han.active_seconds) == (90, 0)

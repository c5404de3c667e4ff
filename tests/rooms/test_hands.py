"""rooms.hands: the hand queue, first raised first."""

from datetime import timedelta

from rooms.hands import HandMark
from rooms.outbox import Effect, Keep
from tests.rooms.test_room import (
    HAN,
    LI,
    NOW,
    OWNER,
    codes,
    events,
    make_room,
)  # fmt: skip


def test_hands_are_queued_first_raised_first() -> None:
    room = make_room(lobby=False)
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-han", HAN, now=NOW)
    room.join("s-li", LI, now=NOW)

    room.hands.raise_hand("s-li", now=NOW)
    effects = room.hands.raise_hand("s-han", now=NOW + timedelta(seconds=1))

    assert [h["name"] for h in events(effects, "hands")[0].payload["queue"]] == [
        "Li Lei",
        "Han Mei",
    ]


def test_a_host_lowers_one_hand_or_all() -> None:
    room = make_room(lobby=False)
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-han", HAN, now=NOW)
    room.join("s-li", LI, now=NOW)
    room.hands.raise_hand("s-li", now=NOW)
    room.hands.raise_hand("s-han", now=NOW)

    one = room.hands.lower_hand_of("s-owner", "p-li")
    rest = room.hands.lower_all_hands("s-owner")

    assert [h["name"] for h in events(one, "hands")[0].payload["queue"]] == ["Han Mei"]
    assert events(rest, "hands")[-1].payload == {"queue": []}
    assert codes(lambda: room.hands.lower_hand_of("s-li", "p-han")) == "forbidden"


def kept(effects: list[Effect]) -> list[object]:
    return [e.record for e in effects if isinstance(e, Keep)]


def test_each_hand_raised_or_lowered_is_kept_and_leaving_lowers_it() -> None:
    room = make_room(lobby=False)
    room.join("s-owner", OWNER, now=NOW)
    room.join("s-li", LI, now=NOW)
    room.join("s-han", HAN, now=NOW)

    up = room.hands.raise_hand("s-li", now=NOW)
    up_again = room.hands.raise_hand("s-li", now=NOW + timedelta(seconds=5))
    room.hands.raise_hand("s-han", now=NOW)
    down = room.hands.lower_hand_of("s-owner", "p-han")
    gone = room.leave("s-li", now=NOW)

    assert kept(up) + kept(up_again) + kept(down) == [
        HandMark("p-li", NOW),
        HandMark("p-han", None),
    ]
    assert [r for r in kept(gone) if isinstance(r, HandMark)] == [HandMark("p-li", None)]


def test_a_room_made_again_has_the_queue_as_kept_and_those_back_show_in_their_place() -> None:
    room = make_room(lobby=False)
    room.hands.load({"p-han": NOW + timedelta(seconds=2), "p-li": NOW})

    room.join("s-owner", OWNER, now=NOW)
    room.join("s-han", HAN, now=NOW + timedelta(minutes=1))
    joined = events(room.join("s-li", LI, now=NOW + timedelta(minutes=1)), "joined")[0]

    assert [h["name"] for h in joined.payload["hands"]] == ["Li Lei", "Han Mei"]  # type: ignore[index]

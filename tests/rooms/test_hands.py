"""rooms.hands: the hand queue, first raised first."""

from datetime import timedelta

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
